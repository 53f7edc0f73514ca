"""Schema migrations on SQLite and PostgreSQL: new databases, the release before, races.

The release before migrations created its tables with ``create_all`` from the models of
that day. ``PREVIOUS_RELEASE`` below is a frozen copy of them (the models module is the
current code and will change), so these tests keep building that schema as it was.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    select,
    text,
)

from bot.cli import main
from corpus.store import issues as queries
from corpus.store import migrate
from corpus.store.engine import Store, StoreError, init_db, make_engine
from corpus.store.models import Article, Base, Issue, Meta, Passage, QueryLogEntry

PUBLISHED = datetime(2024, 3, 1, 8, 30, tzinfo=UTC)
ASKED = datetime(2024, 3, 2, 12, 0, 5, tzinfo=UTC)


def _previous_release() -> MetaData:
    """The tables as the last release before migrations created them (frozen, by hand)."""
    metadata = MetaData()
    Table(
        "issues",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("publication", String(100), nullable=False),
        Column("street", String(100), nullable=False),
        Column("district", String(100), nullable=False),
        Column("date", String(10), nullable=False, index=True),
        Column("date_estimated", Boolean, nullable=False),
        Column("title", String(300), nullable=False),
        Column("source_name", String(300), nullable=False),
        Column("content_hash", String(64), nullable=False, unique=True),
        Column("raw_text", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        UniqueConstraint("publication", "street", "date", name="uq_issue_identity"),
    )
    Table(
        "articles",
        metadata,
        Column("id", Integer, primary_key=True),
        Column(
            "issue_id",
            Integer,
            ForeignKey("issues.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        Column("position", Integer, nullable=False),
        Column("title", String(300), nullable=False),
        Column("subtitle", Text, nullable=False),
        Column("section", String(100), nullable=False),
        Column("byline", String(300), nullable=False),
        Column("captions", Text, nullable=False),
        Column("body", Text, nullable=False),
    )
    Table(
        "passages",
        metadata,
        Column("id", Integer, primary_key=True),
        Column(
            "article_id",
            Integer,
            ForeignKey("articles.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        Column(
            "issue_id",
            Integer,
            ForeignKey("issues.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        Column("position", Integer, nullable=False),
        Column("heading", String(300), nullable=False),
        Column("text", Text, nullable=False),
        Index("ix_passages_article_position", "article_id", "position"),
    )
    Table(
        "meta",
        metadata,
        Column("key", String(100), primary_key=True),
        Column("value", Text, nullable=False),
    )
    Table(
        "query_log",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("ref", String(32), nullable=False, unique=True),
        Column("created_at", DateTime(timezone=True), nullable=False, index=True),
        Column("channel", String(16), nullable=False),
        Column("user_hash", String(64), nullable=False, index=True),
        Column("lang", String(8), nullable=False),
        Column("question", Text, nullable=False),
        Column("found", Boolean, nullable=False),
        Column("direct_answer", Text, nullable=True),
        Column("results", Text, nullable=False),
        Column("latency_ms", Float, nullable=False),
        Column("feedback", Integer, nullable=True),
        Column("feedback_at", DateTime(timezone=True), nullable=True),
    )
    return metadata


PREVIOUS_RELEASE = _previous_release()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def _fill_previous_release(engine: Engine) -> dict[str, int]:
    """The previous release's schema with one row in every table, made without Alembic.

    Returns the keys the database gave the rows (as the previous release let it).
    """
    t = PREVIOUS_RELEASE.tables
    PREVIOUS_RELEASE.create_all(engine)
    with engine.begin() as conn:
        issue_id = conn.execute(
            t["issues"].insert(),
            {
                "publication": "社区晨报",
                "street": "凉城新村街道",
                "district": "虹口区",
                "date": "2024-03",
                "date_estimated": True,
                "title": "春季刊",
                "source_name": "2024-03.txt",
                "content_hash": "a" * 64,
                "raw_text": "楼道堆物清理\n本周六上午清理楼道堆物。",
                "created_at": PUBLISHED,
                "updated_at": PUBLISHED,
            },
        ).inserted_primary_key[0]
        article_id = conn.execute(
            t["articles"].insert(),
            {
                "issue_id": issue_id,
                "position": 0,
                "title": "楼道堆物清理",
                "subtitle": "",
                "section": "社区动态",
                "byline": "本报记者",
                "captions": "志愿者在清理楼道",
                "body": "本周六上午清理楼道堆物。",
            },
        ).inserted_primary_key[0]
        passage_id = conn.execute(
            t["passages"].insert(),
            {
                "article_id": article_id,
                "issue_id": issue_id,
                "position": 0,
                "heading": "",
                "text": "本周六上午清理楼道堆物。",
            },
        ).inserted_primary_key[0]
        conn.execute(t["meta"].insert(), {"key": "corpus_version", "value": "3"})
        entry_id = conn.execute(
            t["query_log"].insert(),
            {
                "ref": "r" * 12,
                "created_at": ASKED,
                "channel": "private",
                "user_hash": "u" * 64,
                "lang": "zh",
                "question": "什么时候清理楼道？",
                "found": True,
                "direct_answer": "本周六上午",
                "results": '[{"passage_id": 1, "score": 1.5}]',
                "latency_ms": 12.5,
                "feedback": 1,
                "feedback_at": ASKED,
            },
        ).inserted_primary_key[0]
    return {"issue": issue_id, "article": article_id, "passage": passage_id, "entry": entry_id}


def _utc(value: datetime) -> datetime:
    # issues keep plain DateTime(timezone=True): SQLite gives them back without an offset.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _versions(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _schema(engine: Engine, *, sql: bool = False) -> dict[str, object]:
    """What the inspector sees of every table but Alembic's, in a comparable form.

    ``sql``: on SQLite, also the CREATE statements it keeps. Only tables made by the same
    statements compare equal so: an ALTER or a batch copy rewrites them.
    """
    with engine.connect() as conn:
        insp = inspect(conn)
        tables = sorted(set(insp.get_table_names()) - {migrate.VERSION_TABLE})
        schema: dict[str, object] = {}
        for table in tables:
            schema[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                    for c in insp.get_columns(table)
                ],
                "pk": (
                    insp.get_pk_constraint(table)["name"],
                    insp.get_pk_constraint(table)["constrained_columns"],
                ),
                "foreign_keys": sorted(
                    (
                        fk["name"] or "",
                        tuple(fk["constrained_columns"]),
                        fk["referred_table"],
                        tuple(fk["referred_columns"]),
                        tuple(sorted(fk["options"].items())),
                    )
                    for fk in insp.get_foreign_keys(table)
                ),
                "indexes": sorted(
                    (i["name"] or "", tuple(i["column_names"]), bool(i["unique"]))
                    for i in insp.get_indexes(table)
                ),
                "unique": sorted(
                    (u["name"] or "", tuple(u["column_names"]))
                    for u in insp.get_unique_constraints(table)
                ),
            }
        if sql and engine.dialect.name == "sqlite":
            rows = conn.execute(
                text(
                    "SELECT type, name, sql FROM sqlite_master WHERE tbl_name != 'alembic_version'"
                )
            )
            schema["sqlite_master"] = sorted((r.type, r.name, r.sql or "") for r in rows)
        return schema


def _drop_everything(engine: Engine) -> None:
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_head_is_the_newest_revision_and_the_only_one() -> None:
    """HEAD lets an up-to-date database open without Alembic: it must follow the revisions."""
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert script.get_heads() == [migrate.HEAD], "set migrate.HEAD to the new revision's id"
    assert script.get_base() == migrate.BASELINE


def test_a_new_database_is_created_at_head(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="corpus.store.engine"):
        store = Store.open(db_url)
    try:
        assert _versions(store.engine) == [migrate.HEAD]
        assert set(inspect(store.engine).get_table_names()) >= set(Base.metadata.tables)
        assert f"database upgraded from empty to revision {migrate.HEAD}" in caplog.text
    finally:
        store.close()


def test_the_migrations_build_the_schema_of_the_models(engine: Engine) -> None:
    """Head and create_all agree: no difference for Alembic, none for the inspector."""
    init_db(engine)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    migrated = _schema(engine)
    _drop_everything(engine)
    Base.metadata.create_all(engine)
    assert _schema(engine) == migrated


def test_the_baseline_is_the_schema_of_the_release_before_migrations(engine: Engine) -> None:
    """Revision 0001 builds what the previous release's create_all built, table for table."""
    with migrate.migration_connection(engine) as conn:
        command.upgrade(migrate.alembic_config(conn), migrate.BASELINE)
    # SQLite keeps the CREATE statements themselves: 0001 must write them word for word.
    baseline = _schema(engine, sql=True)
    assert {
        table: {c[0] for c in columns["columns"]}  # type: ignore[index]
        for table, columns in baseline.items()
        if table != "sqlite_master"
    } == migrate.BASELINE_COLUMNS
    _drop_everything(engine)
    PREVIOUS_RELEASE.create_all(engine)
    assert _schema(engine, sql=True) == baseline


def test_a_database_of_the_release_before_is_upgraded_with_all_its_data(
    db_url: str, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    keys = _fill_previous_release(engine)
    with caplog.at_level(logging.INFO, logger="corpus.store.engine"):
        store = Store.open(db_url)
    try:
        assert _versions(store.engine) == [migrate.HEAD]
        assert f"stamped {migrate.BASELINE}" in caplog.text
        with store.factory() as session:
            issue = session.get_one(Issue, keys["issue"])
            assert (issue.publication, issue.street, issue.district) == (
                "社区晨报",
                "凉城新村街道",
                "虹口区",
            )
            assert (issue.date, issue.date_estimated, issue.title) == ("2024-03", True, "春季刊")
            assert (issue.content_hash, issue.source_name) == ("a" * 64, "2024-03.txt")
            assert issue.raw_text == "楼道堆物清理\n本周六上午清理楼道堆物。"
            assert _utc(issue.created_at) == _utc(issue.updated_at) == PUBLISHED
            [article] = issue.articles
            assert (article.id, article.position, article.title, article.subtitle) == (
                keys["article"],
                0,
                "楼道堆物清理",
                "",
            )
            assert (article.section, article.byline) == ("社区动态", "本报记者")
            assert (article.captions, article.body) == (
                "志愿者在清理楼道",
                "本周六上午清理楼道堆物。",
            )
            # Revision 0002 made the photo caption a passage of its own, after the text,
            # and moved the corpus version so that every index rebuilds.
            passage, caption = article.passages
            assert (passage.id, passage.issue_id, passage.position, passage.heading) == (
                keys["passage"],
                keys["issue"],
                0,
                "",
            )
            assert (passage.text, passage.kind) == ("本周六上午清理楼道堆物。", "text")
            assert (caption.text, caption.kind, caption.position) == (
                "志愿者在清理楼道",
                "caption",
                1,
            )
            assert session.get_one(Meta, "corpus_version").value == "4"
            assert queries.corpus_version(session) == 4
            entry = session.scalars(select(QueryLogEntry)).one()
            assert (entry.id, entry.ref, entry.channel, entry.lang, entry.user_hash) == (
                keys["entry"],
                "r" * 12,
                "private",
                "zh",
                "u" * 64,
            )
            assert (entry.question, entry.found, entry.direct_answer) == (
                "什么时候清理楼道？",
                True,
                "本周六上午",
            )
            assert entry.results == '[{"passage_id": 1, "score": 1.5}]'
            assert (entry.latency_ms, entry.feedback) == (12.5, 1)
            assert entry.created_at == entry.feedback_at == ASKED  # UTCDateTime: aware
            # Revision 0003: entries logged before it were all logged once sent.
            assert entry.delivery == "sent"
            # Revision 0004: the issues stored before following existed are not news.
            assert session.get_one(Meta, "follow_last_issue").value == str(keys["issue"])
            records = queries.all_passages(session)
            assert [(r.passage_id, r.kind) for r in records] == [
                (keys["passage"], "text"),
                (caption.id, "caption"),
            ]
        # The upgraded database takes new rows as before (keys continue after the old ones).
        with store.factory() as session, session.begin():
            article = session.get_one(Article, keys["article"])
            article.passages.append(
                Passage(issue_id=keys["issue"], position=2, text="请提前搬走杂物。")
            )
        with store.factory() as session:
            ids = [p.id for p in session.get_one(Article, keys["article"]).passages]
            assert ids[0] == keys["passage"] < ids[1] < ids[2]
    finally:
        store.close()


def test_opening_again_changes_nothing(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    Store.open(db_url).close()
    with caplog.at_level(logging.INFO, logger="corpus.store.engine"):
        store = Store.open(db_url)
    try:
        assert not init_db(store.engine).changed
        assert _versions(store.engine) == [migrate.HEAD]
        assert "upgraded" not in caplog.text
    finally:
        store.close()


def test_a_database_upgraded_by_a_newer_linli_is_refused(db_url: str) -> None:
    Store.open(db_url).close()
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="upgraded by a newer Linli") as raised:
        Store.open(db_url)
    assert "9999" in str(raised.value)


def test_some_of_the_tables_without_a_version_are_refused(db_url: str, engine: Engine) -> None:
    PREVIOUS_RELEASE.tables["issues"].create(engine)
    with pytest.raises(StoreError, match="some of Linli's tables but not articles"):
        Store.open(db_url)
    with engine.connect() as conn:
        assert not inspect(conn).has_table("alembic_version")  # nothing was stamped


def test_a_schema_older_than_the_baseline_is_refused(db_url: str, engine: Engine) -> None:
    """Passages gained ``heading`` before migrations existed: such a database is not stamped."""
    PREVIOUS_RELEASE.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE passages DROP COLUMN heading"))
    with pytest.raises(StoreError, match=r"missing columns passages\.heading"):
        Store.open(db_url)


def test_openers_racing_on_a_database_of_the_release_before(db_url: str, engine: Engine) -> None:
    """Replicas of the new release started together: one stamps and upgrades, none fails."""
    keys = _fill_previous_release(engine)
    start = threading.Barrier(6)

    def open_store(_: int) -> Store:
        start.wait()
        return Store.open(db_url)

    with ThreadPoolExecutor(6) as pool:
        stores = list(pool.map(open_store, range(6)))
    try:
        assert _versions(engine) == [migrate.HEAD]
        with stores[0].factory() as session:
            assert [i.id for i in queries.list_issues(session)] == [keys["issue"]]
    finally:
        for store in stores:
            store.close()


def test_the_baseline_downgrades_to_nothing_and_upgrades_again(engine: Engine) -> None:
    init_db(engine)
    with migrate.migration_connection(engine) as conn:
        command.downgrade(migrate.alembic_config(conn), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert init_db(engine).describe() == f"database upgraded from empty to revision {migrate.HEAD}"


def test_a_batch_migration_on_sqlite_keeps_the_rows_that_refer_to_the_table(
    tmp_path: Path,
) -> None:
    """Batch mode copies a table and drops the old one: with foreign keys on, SQLite would
    first delete the rows that refer to it (ON DELETE CASCADE). The migration turns them
    off, and the pool must not hand that connection out so afterwards."""
    url = f"sqlite:///{tmp_path}/batch.sqlite3"
    engine = make_engine(url)
    keys = _fill_previous_release(engine)
    Store.open(url).close()
    with migrate.migration_connection(engine) as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
        operations = Operations(MigrationContext.configure(conn))
        with operations.batch_alter_table("articles", recreate="always") as batch:
            batch.alter_column("byline", existing_type=String(300), type_=String(400))
    for _ in range(3):  # every pooled connection
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            passages = conn.execute(
                text("SELECT id, article_id FROM passages WHERE kind = 'text'")
            ).all()
            assert passages == [(keys["passage"], keys["article"])]
            # The caption passage revision 0002 made survives the copy as well.
            assert conn.execute(text("SELECT count(*) FROM passages")).scalar() == 2
    engine.dispose()


def test_linli_db_upgrade_and_current(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    _fill_previous_release(engine)

    def run(*argv: str) -> tuple[int, str]:
        out = io.StringIO()
        code = main(list(argv), out=out)
        return code, out.getvalue()

    assert run("db", "current") == (
        0,
        f"no schema revision yet (new, or made before migrations); this Linli's: {migrate.HEAD}\n",
    )
    code, said = run("db", "upgrade")
    assert code == 0
    assert said == (
        f"database upgraded from the schema before migrations (stamped {migrate.BASELINE}) "
        f"to revision {migrate.HEAD}\n"
    )
    assert run("db", "upgrade") == (0, f"database up to date at revision {migrate.HEAD}\n")
    assert run("db", "current") == (0, f"revision {migrate.HEAD} (up to date)\n")

    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    capsys.readouterr()
    assert run("db", "upgrade") == (1, "")
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("linli db: cannot open the database at ")
    assert "upgraded by a newer Linli" in line


def test_revision_0005_adds_the_residents_tables_and_goes_back_cleanly(engine: Engine) -> None:
    """0005: resident settings and button state, on a database at 0003 with a log entry."""
    with migrate.migration_connection(engine) as conn:
        command.upgrade(migrate.alembic_config(conn), "0003")
    with engine.begin() as conn:
        conn.execute(
            QueryLogEntry.__table__.insert().values(
                ref="r1", created_at=ASKED, channel="private", user_hash="h", lang="zh",
                question="问", found=False, results="[]", latency_ms=1.0, delivery="sent",
            )
        )  # fmt: skip
    assert "resident_settings" not in inspect(engine).get_table_names()
    init_db(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"resident_settings", "button_state"} <= tables
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO resident_settings (user_hash, street, lang, updated_at) "
                "VALUES ('h', '凉城新村街道', 'en', :now)"
            ),
            {"now": ASKED},
        )
        assert conn.execute(text("SELECT question FROM query_log")).scalar() == "问"
    with migrate.migration_connection(engine) as conn:
        command.downgrade(migrate.alembic_config(conn), "0003")
    tables = set(inspect(engine).get_table_names())
    assert not {"resident_settings", "button_state"} & tables
    with engine.connect() as conn:
        assert conn.execute(text("SELECT question FROM query_log")).scalar() == "问"
    init_db(engine)
    assert {"resident_settings", "button_state"} <= set(inspect(engine).get_table_names())

"""Schema migrations: every open brings the database to the newest Alembic revision.

``create_all`` never alters an existing table, so each schema change is a revision in
``corpus/store/migrations/versions`` and :func:`upgrade` applies what a database lacks:

- no Linli table yet: every revision runs, from the baseline (0001) on;
- Linli's tables but no ``alembic_version``: made by a release before migrations; once
  its tables are checked to be the baseline's it is stamped at 0001, then upgraded;
- at a revision this code does not know: a newer Linli upgraded it, and it is refused.

Concurrent openers (bot replicas, a CLI ingest) are serialised by a lock held for the
whole upgrade: a PostgreSQL advisory lock, SQLite's write lock (``BEGIN IMMEDIATE``).
Both run DDL inside the transaction, so an upgrade is applied whole or not at all.

Alembic is imported only when there is something to do: an up-to-date database is
recognised with one query, which keeps it off the bot's cold start.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"  # Alembic's default name
BASELINE = "0001"
# The newest revision, so that an up-to-date database is known without loading Alembic.
# A new revision must change it: tests/corpus/test_migrations.py checks it is the head.
HEAD = "0006"

# The tables and columns the releases before migrations created (revision 0001, frozen):
# a database with these tables and no version table is stamped at the baseline.
BASELINE_COLUMNS: dict[str, frozenset[str]] = {
    "issues": frozenset(
        {
            "id",
            "publication",
            "street",
            "district",
            "date",
            "date_estimated",
            "title",
            "source_name",
            "content_hash",
            "raw_text",
            "created_at",
            "updated_at",
        }
    ),
    "articles": frozenset(
        {"id", "issue_id", "position", "title", "subtitle", "section", "byline", "captions", "body"}
    ),
    "passages": frozenset({"id", "article_id", "issue_id", "position", "heading", "text"}),
    "meta": frozenset({"key", "value"}),
    "query_log": frozenset(
        {
            "id",
            "ref",
            "created_at",
            "channel",
            "user_hash",
            "lang",
            "question",
            "found",
            "direct_answer",
            "results",
            "latency_ms",
            "feedback",
            "feedback_at",
        }
    ),
}

# pg_advisory_xact_lock key: any constant of Linli's own ("Linli" in ASCII). Advisory
# locks are per database, so other databases on the server are not held up.
_PG_LOCK_KEY = 0x4C696E6C69
# Alembic keeps the running migration in module globals (alembic.context, alembic.op): two
# threads of one process must never migrate at once, whatever the database's own lock.
_IN_PROCESS = threading.Lock()


class SchemaError(Exception):
    """The database's schema is not one this Linli can bring up to date."""


@dataclass(frozen=True)
class SchemaUpgrade:
    """What :func:`upgrade` did to a database's schema."""

    before: str | None  # the revision found; None: no version table
    after: str
    # Made by a release before migrations: stamped at the baseline, then upgraded.
    pre_migrations: bool = False

    @property
    def changed(self) -> bool:
        return self.pre_migrations or self.before != self.after

    def describe(self) -> str:
        if not self.changed:
            return f"database up to date at revision {self.after}"
        if self.pre_migrations:
            start = f"the schema before migrations (stamped {BASELINE})"
        elif self.before is None:
            start = "empty"
        else:
            start = f"revision {self.before}"
        return f"database upgraded from {start} to revision {self.after}"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built in code: no ini file is needed at run time.

    ``connection`` is handed to ``env.py`` (which then neither connects nor commits),
    so that several commands share one transaction and its lock.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def current(engine: Engine) -> str | None:
    """The database's revision (several heads joined by "+"); None without a version table."""
    with engine.connect() as conn:
        return _read_revision(conn)


def _read_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    heads = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return "+".join(sorted(heads)) or None


def upgrade(engine: Engine) -> SchemaUpgrade:
    """Bring the database to the newest revision; see the module's docstring.

    Raises:
        SchemaError: a newer Linli upgraded the database, or its tables are not Linli's.
    """
    found = current(engine)
    if found == HEAD:
        return SchemaUpgrade(before=found, after=found)
    with migration_connection(engine) as conn:
        return _upgrade_locked(conn)


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection whose transaction holds the migration lock; committed if the block succeeds.

    On SQLite, foreign keys are switched off for the migration: batch operations copy a
    table and drop the old one, and a DROP with foreign keys on would first delete the
    rows that refer to it (ON DELETE CASCADE: passages and articles). The pragma only
    takes effect outside a transaction, so it comes before BEGIN, and the references are
    checked before the commit instead, as SQLite's own ALTER TABLE procedure does.
    """
    sqlite = engine.dialect.name == "sqlite"
    with _IN_PROCESS, engine.connect() as conn:
        if sqlite:
            # pysqlite opens no transaction for PRAGMA or BEGIN: both reach SQLite as written.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            # Take the write lock now: other openers wait (busy timeout) instead of reading
            # a schema that is about to change.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        try:
            yield conn
            if sqlite:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise SchemaError(f"the migration broke {len(broken)} references: {broken[:3]}")
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            if sqlite:
                _foreign_keys_on(conn)


def _foreign_keys_on(conn: Connection) -> None:
    # The pool hands this connection out again: never without its foreign keys.
    try:
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.commit()
    except Exception:
        conn.invalidate()


def _upgrade_locked(conn: Connection) -> SchemaUpgrade:
    from alembic import command
    from alembic.script import ScriptDirectory

    config = alembic_config(conn)
    script = ScriptDirectory.from_config(config)
    # Read again under the lock: another opener may have upgraded it meanwhile.
    before = _read_revision(conn)
    known = {rev.revision for rev in script.walk_revisions()}
    newest = script.get_current_head() or BASELINE
    if before is not None and not set(before.split("+")) <= known:
        raise SchemaError(
            f"the database was upgraded by a newer Linli (schema revision {before}; this "
            f"one knows revisions up to {newest}): run that version, or restore a backup"
        )
    pre_migrations = before is None and _is_pre_migration_schema(conn)
    if pre_migrations:
        command.stamp(config, BASELINE)
    command.upgrade(config, "head")
    after = _read_revision(conn) or newest
    return SchemaUpgrade(before=before, after=after, pre_migrations=pre_migrations)


def _is_pre_migration_schema(conn: Connection) -> bool:
    """True if the database holds the baseline's tables; False if it holds none of them.

    Raises:
        SchemaError: some of Linli's tables or columns are there but not all of them.
    """
    inspector = inspect(conn)
    present = BASELINE_COLUMNS.keys() & set(inspector.get_table_names())
    if not present:
        return False  # a new database (other applications' tables may share it)
    if missing_tables := sorted(BASELINE_COLUMNS.keys() - present):
        raise SchemaError(
            f"the database has some of Linli's tables but not {', '.join(missing_tables)}, "
            f"and no {VERSION_TABLE}: check DATABASE_URL, or start from a new database"
        )
    missing = [
        f"{table}.{column}"
        for table, columns in BASELINE_COLUMNS.items()
        for column in sorted(columns - {c["name"] for c in inspector.get_columns(table)})
    ]
    if missing:
        raise SchemaError(
            "the database was made by a Linli older than the schema migrations know "
            f"(missing columns {', '.join(missing)}): add them by hand, or start from a "
            "new database and ingest the issues again"
        )
    return True

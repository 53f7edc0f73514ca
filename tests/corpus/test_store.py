"""The store on SQLite and PostgreSQL: schema, seeding, listing, export shape, removal."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

from corpus.ingest.seed import SEEDED_KEY, seed_demo, seed_if_empty
from corpus.store import issues as queries
from corpus.store.engine import Store, transaction
from corpus.store.models import Article, Passage


def test_empty_store_is_seeded_once(db_url: str) -> None:
    store = Store.open(db_url)
    seed_demo(store)
    try:
        with store.factory() as session:
            issues = queries.list_issues(session)
            assert len(issues) == 5
            assert all(i.articles > 0 and i.passages > 0 for i in issues)
            assert queries.get_meta(session, key=SEEDED_KEY) == "1"
            assert queries.corpus_version(session) >= 1
        # Staff removed everything on purpose: reopening must not bring the seeds back.
        with transaction(store.factory) as session:
            for issue in queries.list_issues(session):
                queries.delete_issue(session, issue_id=issue.id)
        assert seed_if_empty(store.factory) == []
    finally:
        store.close()
    reopened = Store.open(db_url)
    assert seed_demo(reopened) == []
    try:
        with reopened.factory() as session:
            assert queries.count_issues(session) == 0
    finally:
        reopened.close()


def test_processes_opening_a_new_database_at_once_all_succeed(db_url: str) -> None:
    """Replicas and a CLI started together on a new database: one schema, one seeding."""
    start = threading.Barrier(6)

    def open_store(_: int) -> Store:
        start.wait()
        store = Store.open(db_url)
        seed_demo(store)
        return store

    with ThreadPoolExecutor(6) as pool:
        stores = list(pool.map(open_store, range(6)))
    try:
        with stores[0].factory() as session:
            assert len(queries.list_issues(session)) == 5
    finally:
        for store in stores:
            store.close()


def test_issues_listed_newest_first_with_counts(seeded_store: Store) -> None:
    with seeded_store.factory() as session:
        issues = queries.list_issues(session)
        dates = [i.date for i in issues]
        assert dates == sorted(dates, reverse=True)
        total = session.scalar(select(func.count(Passage.id)))
    assert sum(i.passages for i in issues) == total
    newest = issues[0]
    assert (newest.publication, newest.street, newest.date) == (
        "社区晨报",
        "凉城新村街道",
        "2022-01",
    )
    assert newest.date_estimated


def test_passages_carry_their_citation(seeded_store: Store) -> None:
    with seeded_store.factory() as session:
        passages = queries.all_passages(session)
        article_titles = set(session.scalars(select(Article.title)))
    assert passages
    for p in passages:
        assert p.text.strip()
        assert p.article_title in article_titles
        issue = p.issue.citation()
        assert set(issue) == {"id", "publication", "street", "date", "title", "source_name"}
        assert issue["source_name"].endswith(".txt")
    ids = [p.passage_id for p in passages]
    assert len(set(ids)) == len(ids)
    with seeded_store.factory() as session:
        by_ids = queries.passages_by_ids(session, passage_ids=[ids[3], ids[2], -1])
    assert [p.passage_id for p in by_ids] == [ids[3], ids[2]]


def test_delete_issue_removes_articles_and_passages(seeded_store: Store) -> None:
    with transaction(seeded_store.factory) as session:
        victim = queries.list_issues(session)[0]
        assert queries.delete_issue(session, issue_id=victim.id)
        assert not queries.delete_issue(session, issue_id=victim.id)
    with seeded_store.factory() as session:
        assert queries.count_issues(session) == 4
        left = session.scalar(select(func.count(Passage.id)).where(Passage.issue_id == victim.id))
        assert left == 0
        assert (
            session.scalar(select(func.count(Article.id)).where(Article.issue_id == victim.id)) == 0
        )


def test_corpus_version_counts_changes(empty_store: Store) -> None:
    with transaction(empty_store.factory) as session:
        assert queries.corpus_version(session) == 0
        assert queries.bump_corpus_version(session) == 1
        assert queries.bump_corpus_version(session) == 2
    with empty_store.factory() as session:
        assert queries.corpus_version(session) == 2


def test_all_passages_survives_an_issue_removed_between_its_reads(seeded_store: Store) -> None:
    """Passages, issues and articles are separate reads: a removal in between is no error."""
    with seeded_store.factory() as session:
        victim = queries.list_issues(session)[0].id
    with seeded_store.factory() as session:
        original = session.execute
        calls = 0

        def execute(*args: object, **kwargs: object) -> object:
            nonlocal calls
            result = original(*args, **kwargs)  # type: ignore[arg-type]
            rows = result.all()  # the passages, as they were before the removal
            calls += 1
            if calls == 1:
                with transaction(seeded_store.factory) as other:
                    queries.delete_issue(other, issue_id=victim)
                    queries.bump_corpus_version(other)
            return _Rows(rows)

        session.execute = execute  # type: ignore[method-assign]
        records = queries.all_passages(session)
    assert records and all(r.issue.id != victim for r in records)
    with seeded_store.factory() as session:
        assert records == queries.all_passages(session)


class _Rows:
    def __init__(self, rows: list) -> None:  # type: ignore[type-arg]
        self.rows = rows

    def all(self) -> list:  # type: ignore[type-arg]
        return self.rows

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.rows)


def _open_and_count(url: str) -> int:
    store = Store.open(url)
    seed_demo(store)
    try:
        with store.factory() as session:
            return len(queries.list_issues(session))
    finally:
        store.close()


def test_processes_starting_together_on_a_new_sqlite_file_all_succeed(tmp_path: Path) -> None:
    """Replicas sharing one SQLite file: schema, WAL switch and seeding race; none may fail."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    for trial in range(2):
        url = f"sqlite:///{tmp_path / f'new-{trial}.sqlite3'}"
        with context.Pool(4) as pool:
            assert pool.map(_open_and_count, [url] * 4) == [5, 5, 5, 5]

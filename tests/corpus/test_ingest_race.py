"""The same issue stored by two processes at once: one adds it, the other finds it stored.

Both check the store before either writes, so both try to insert; the loser used to
die with an IntegrityError (or SQLite's "database is locked") quoting the whole text.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from corpus.ingest import write
from corpus.ingest.prepare import IssueMeta, PreparedIssue, prepare_issue
from corpus.ingest.write import IngestResult, store_issues
from corpus.store.engine import Store
from corpus.store.models import Issue

META = IssueMeta(date="2026-11", source_name="sample_issue.txt")


def _race(
    db_url: str, issues: list[PreparedIssue], monkeypatch: pytest.MonkeyPatch
) -> list[object]:
    """Store ``issues[i]`` from thread i, each with its own engine, both past the check at once."""
    Store.open(db_url).close()  # the schema exists before the race
    barrier = threading.Barrier(len(issues), timeout=10)
    first_check = threading.local()
    check = write.check_issue

    def check_then_wait(session, prepared):  # type: ignore[no-untyped-def]
        found = check(session, prepared)
        if not getattr(first_check, "done", False):
            first_check.done = True
            barrier.wait()  # neither writes before both have looked
        return found

    monkeypatch.setattr(write, "check_issue", check_then_wait)
    outcomes: list[object] = [None] * len(issues)

    def run(i: int) -> None:
        store = Store.open(db_url)
        try:
            outcomes[i] = store_issues(store.factory, [issues[i]])[0]
        except Exception as exc:  # what the loser raised, for the assertion
            outcomes[i] = exc
        finally:
            store.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(issues))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def _issue_count(db_url: str) -> int:
    store = Store.open(db_url)
    try:
        with store.factory() as session:
            return session.scalar(select(func.count(Issue.id))) or 0
    finally:
        store.close()


def test_the_same_issue_stored_twice_at_once_is_added_once(
    db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepared = prepare_issue((data_dir / "sample_issue.txt").read_text(encoding="utf-8"), META)
    outcomes = _race(db_url, [prepared, prepared], monkeypatch)
    assert all(isinstance(o, IngestResult) for o in outcomes), outcomes
    results = [o for o in outcomes if isinstance(o, IngestResult)]
    assert sorted(r.status for r in results) == ["added", "duplicate"]
    assert results[0].issue_id == results[1].issue_id
    assert "already stored" in next(r for r in results if r.status == "duplicate").describe()
    assert _issue_count(db_url) == 1


def test_a_correction_stored_at_once_with_the_original_replaces_it(
    db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (data_dir / "sample_issue.txt").read_text(encoding="utf-8")
    original = prepare_issue(text, META)
    corrected = prepare_issue(text.replace("签约仪式", "签约仪式。", 1), META)
    outcomes = _race(db_url, [original, corrected], monkeypatch)
    assert all(isinstance(o, IngestResult) for o in outcomes), outcomes
    statuses = sorted(o.status for o in outcomes if isinstance(o, IngestResult))
    assert statuses == ["added", "replaced"]
    assert _issue_count(db_url) == 1

"""An ingest killed with SIGKILL mid-write leaves the issue whole or absent, and the next one works.

A child process stores a large issue through ``Corpus.issues.add_files`` (what `linli
ingest` calls). It is killed (SIGKILL: no clean-up, no rollback by Python) while its
transaction is open, with thousands of rows already written to the database, or just
after the commit. Afterwards the store holds the issue either whole (every passage the
file makes) or not at all, never some of its articles; and ingesting the file again
works, adding it or finding it already stored.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from corpus.answer.service import LinliService
from corpus.api import Corpus, IssueMeta
from corpus.ingest.prepare import prepare_paths
from corpus.store.engine import Store
from corpus.store.models import Article, Issue, Passage

REPO = Path(__file__).resolve().parents[2]
META = IssueMeta(publication="社区晨报", street="凉城新村街道", date="2026-12")

# The child: add_files as `linli ingest` calls it, with a pause at the chosen point (so
# the kill lands there every time), announced on stdout.
CHILD = textwrap.dedent(
    """
    import sys, time
    from corpus.answer.service import LinliService
    from corpus.api import Corpus, IssueMeta
    from corpus.ingest import write
    from corpus.store.engine import Store

    url, path, where = sys.argv[1:4]
    add_articles = write._add_articles

    def pausing(session, issue, prepared):
        add_articles(session, issue, prepared)
        if where == "mid-write":
            session.flush()
            print("written, not committed", flush=True)
            time.sleep(60)

    write._add_articles = pausing
    store = Store.open(url)
    corpus = Corpus(store, LinliService(store), b"k")
    corpus.issues.add_files([path], IssueMeta(publication="社区晨报", street="凉城新村街道",
                                              date="2026-12"))
    print("committed", flush=True)
    time.sleep(60)
    """
)


def big_issue(data_dir: Path, path: Path, articles: int = 1600) -> Path:
    """An issue of a few thousand passages: the sample's paragraphs under many headlines."""
    sample = (data_dir / "sample_issue.txt").read_text(encoding="utf-8")
    paragraphs = [p for p in sample.split("\n\n") if len(p) > 60 and not p.startswith("#")]
    parts = ["社区晨报", "凉城新村街道党工委、办事处 联合出版"]
    for n in range(articles):
        parts.append(f"## 第{n + 1}篇 社区新闻汇编之{n + 1}")
        parts += [f"{p}（第{n + 1}篇第{i + 1}段）" for i, p in enumerate(paragraphs)]
    path.write_text("\n\n".join(parts), encoding="utf-8")
    return path


def counts(url: str) -> tuple[int, int, int]:
    store = Store.open(url)
    try:
        with store.factory() as session:
            return tuple(  # type: ignore[return-value]
                session.scalar(select(func.count()).select_from(model)) or 0
                for model in (Issue, Article, Passage)
            )
    finally:
        store.close()


def run_and_kill(url: str, path: Path, where: str) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(path), where],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # blocks until the child reaches the point
        expected = "written, not committed" if where == "mid-write" else "committed"
        assert line.strip() == expected, (line, child.stderr.read() if child.stderr else "")
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


@pytest.mark.parametrize("where", ["mid-write", "after-commit"])
def test_an_ingest_killed_with_sigkill_leaves_the_issue_whole_or_absent(
    db_url: str, data_dir: Path, tmp_path: Path, where: str
) -> None:
    path = big_issue(data_dir, tmp_path / "big.txt")
    [prepared] = prepare_paths([path], META)
    assert prepared.passage_count > 3000
    Store.open(db_url).close()  # the schema exists before the child starts
    before = counts(db_url)
    started = time.monotonic()
    run_and_kill(db_url, path, where)
    after = counts(db_url)
    if where == "mid-write":
        assert after == before  # nothing of it: not one article, not one passage
    else:
        assert after == (
            before[0] + 1,
            before[1] + len(prepared.articles),
            before[2] + prepared.passage_count,
        )
    # The next ingest works: the killed one's locks and journal are gone.
    store = Store.open(db_url)
    try:
        corpus = Corpus(store, LinliService(store), b"k")
        [result] = corpus.issues.add_files([path], META)
        assert result.status == ("added" if where == "mid-write" else "duplicate")
        info = corpus.issues.find(result.issue_id)
        assert info is not None and info.passages == prepared.passage_count
        answer = corpus.answers.answer("第7篇 社区新闻汇编之7")
        assert answer.found
    finally:
        store.close()
    assert counts(db_url)[2] == before[2] + prepared.passage_count
    assert time.monotonic() - started < 120

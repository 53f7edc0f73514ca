"""The console's storage: one-time links, sessions, staff's synonyms followed by every
process, issue metadata edits, and the log search; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, select, text

from corpus.answer.service import LinliService
from corpus.api import LINK_VALID, Corpus, IngestError, LogFilter, SynonymError
from corpus.ingest.prepare import IssueMeta, prepare_issue
from corpus.ingest.write import store_issues
from corpus.querylog.periods import parse_period
from corpus.store import migrate
from corpus.store.engine import Store, make_engine
from corpus.store.models import WebLink, WebSession

STAFF_DATA = Path(__file__).parent.parent / "data" / "staff"
GAP_QUESTION = "水电路买菜的地方几点开门"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _market(store: Store) -> int:
    text_ = (STAFF_DATA / "liangcheng_2026-11.txt").read_text(encoding="utf-8")
    [result] = store_issues(store.factory, [prepare_issue(text_, IssueMeta(date="2026-11"))])
    return result.issue_id


@pytest.fixture
def corpus(db_url: str) -> Iterator[Corpus]:
    store = Store.open(db_url)
    _market(store)
    yield Corpus(store, LinliService(store, refresh_interval=0.1), b"secret")
    store.close()


def _eventually(probe: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            pytest.fail(f"not picked up within {timeout} s")
        time.sleep(0.05)


# --- links and sessions ---------------------------------------------------------------------


def test_a_link_signs_in_once_within_its_time_and_only_hashes_are_stored(corpus: Corpus) -> None:
    user = corpus.web.user(5005)
    assert user.user_hash == corpus.log.pseudonym(5005) and "5005" not in user.user_hash
    token = corpus.web.mint_link(user, now=NOW)
    assert corpus.web.sign_in(token, now=NOW + LINK_VALID) is None  # expired at 10 minutes
    token = corpus.web.mint_link(user, now=NOW)
    signed = corpus.web.sign_in(token, now=NOW + LINK_VALID - timedelta(seconds=1))
    assert signed is not None and signed[0] == user
    assert corpus.web.sign_in(token, now=NOW) is None  # used
    cookie = signed[1]
    with corpus.store.factory() as session:
        stored = [*session.scalars(select(WebLink.token_hash)), *session.scalars(select(WebSession.token_hash))]
        assert token not in stored and cookie not in stored
        assert all(len(h) == 64 for h in stored)
    found = corpus.web.session(cookie, now=NOW)
    assert found is not None and found.user == user and len(found.csrf) >= 40
    assert corpus.web.session(cookie, now=found.expires_at) is None
    assert corpus.web.session("not-a-session", now=NOW) is None
    assert corpus.web.sign_out(cookie) and corpus.web.session(cookie, now=NOW) is None


def test_minting_purges_expired_links_and_sessions(corpus: Corpus) -> None:
    user = corpus.web.user("cli:root", local=True)
    old = corpus.web.mint_link(user, now=NOW - timedelta(days=2))
    corpus.web.sign_in(old, now=NOW - timedelta(days=2))
    corpus.web.mint_link(user, now=NOW)
    with corpus.store.factory() as session:
        assert session.scalar(text("SELECT count(*) FROM web_links")) == 1
        assert session.scalar(text("SELECT count(*) FROM web_sessions")) == 0


def test_two_browsers_racing_on_one_link_sign_in_once(db_url: str, corpus: Corpus) -> None:
    from concurrent.futures import ThreadPoolExecutor

    token = corpus.web.mint_link(corpus.web.user(5005))
    other = Store.open(db_url)
    try:
        second = Corpus(other, LinliService(other), b"secret")
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda c: c.web.sign_in(token), [corpus, second]))
    finally:
        other.close()
    assert sum(r is not None for r in results) == 1


# --- synonyms ---------------------------------------------------------------------------------


def test_a_synonym_added_in_one_process_answers_in_another(db_url: str, corpus: Corpus) -> None:
    other_store = Store.open(db_url)
    try:
        other = LinliService(other_store, refresh_interval=0.1)
        assert not corpus.answers.answer(GAP_QUESTION).found
        assert not other.answer(GAP_QUESTION).found
        assert corpus.synonyms.add("买菜的地方", "菜场", by="p" * 32)
        assert not corpus.synonyms.add(" 买菜的地方 ", "菜场", by="p" * 32)  # there already
        assert corpus.answers.answer(GAP_QUESTION).found  # at once where it was added
        _eventually(lambda: other.answer(GAP_QUESTION).found)  # within seconds elsewhere
        # The shipped table still works beside it.
        assert other.expander.synonyms.get("装电梯")
        [row] = corpus.synonyms.list()
        assert (row.everyday, row.official, row.added_by) == ("买菜的地方", "菜场", "p" * 32)
        assert corpus.synonyms.remove(row.id) is not None
        _eventually(lambda: not other.answer(GAP_QUESTION).found)
        assert corpus.synonyms.remove(row.id) is None
    finally:
        other_store.close()


@pytest.mark.parametrize(
    ("everyday", "official", "reason"),
    [
        ("", "菜场", "empty"),
        ("买菜", "   ", "empty"),
        ("菜" * 21, "菜场", "long"),
        ("买菜<b>", "菜场", "characters"),
        ("菜'; DROP TABLE x;--", "菜场", "characters"),
        ("菜场", "菜场", "same"),
    ],
)
def test_a_synonym_staff_cannot_mean_is_refused(
    corpus: Corpus, everyday: str, official: str, reason: str
) -> None:
    with pytest.raises(SynonymError) as caught:
        corpus.synonyms.add(everyday, official, by="x")
    assert caught.value.reason == reason
    assert corpus.synonyms.list() == []


# --- issue metadata ---------------------------------------------------------------------------


def test_editing_an_issues_metadata_changes_its_citations_everywhere(corpus: Corpus) -> None:
    [issue] = corpus.issues.list()
    before = corpus.answers.answer("水电路菜场什么时候重新开业")
    assert before.quotes[0].source.issue.title == issue.title
    changed = corpus.issues.edit(
        issue.id, publication="社区晨报", street="凉城新村街道", date="2026/11/20", title="菜场 <重开>"
    )
    assert changed is not None and (changed.date, changed.title) == ("2026-11-20", "菜场 <重开>")
    assert changed.passages == issue.passages
    after = corpus.answers.answer("水电路菜场什么时候重新开业")
    assert after.quotes[0].source.issue.title == "菜场 <重开>"
    assert corpus.issues.edit(999, publication="a", street="b", date="2020-01", title="c") is None
    for bad in ({"date": "2026-13"}, {"title": " "}, {"street": "街" * 101}):
        fields = {"publication": "社区晨报", "street": "凉城新村街道", "date": "2026-11", "title": "t"}
        with pytest.raises(IngestError):
            corpus.issues.edit(issue.id, **{**fields, **bad})
    assert corpus.issues.find(issue.id) == changed


def test_an_edit_to_another_issues_identity_is_refused(corpus: Corpus) -> None:
    text_ = (STAFF_DATA / "changfeng_2026-10_gbk.txt").read_bytes().decode("gbk")
    [other] = store_issues(corpus.store.factory, [prepare_issue(text_, IssueMeta(date="2026-10"))])
    market = next(i for i in corpus.issues.list() if i.id != other.issue_id)
    with pytest.raises(IngestError, match=f"#{other.issue_id}"):
        corpus.issues.edit(
            market.id, publication=other.publication, street=other.street, date=other.date, title="x"
        )
    assert corpus.issues.find(market.id) == market


# --- the log search ---------------------------------------------------------------------------


def test_the_log_search_filters_pages_and_exports(corpus: Corpus) -> None:
    asked = ["水电路菜场什么时候重新开业", GAP_QUESTION, "100%_的问题", "水电路菜场几点关门"]
    refs = [corpus.log.record(corpus.answers.answer(q), channel="private", user_id=i) for i, q in enumerate(asked)]
    corpus.log.feedback(refs[0], 1)
    corpus.log.feedback(refs[1], -1)
    period = parse_period("7d")
    rows, total = corpus.log.search(period, LogFilter())
    assert total == 4 and [r.question for r in rows] == asked[::-1]  # newest first
    assert corpus.log.search(period, LogFilter(found=False))[1] == 2
    assert [r.question for r in corpus.log.search(period, LogFilter(rating="up"))[0]] == asked[:1]
    assert [r.question for r in corpus.log.search(period, LogFilter(rating="down"))[0]] == asked[1:2]
    assert corpus.log.search(period, LogFilter(rating="none"))[1] == 2
    assert [r.question for r in corpus.log.search(period, LogFilter(text="%_"))[0]] == ["100%_的问题"]
    assert corpus.log.search(period, LogFilter(text="_"))[1] == 1  # not a wildcard
    page, total = corpus.log.search(period, LogFilter(text="水电路"), offset=1, limit=1)
    assert total == 3 and [r.question for r in page] == [GAP_QUESTION]
    data, n = corpus.log.search_csv(period, LogFilter(found=True))
    assert n == 2 and data.startswith(b"\xef\xbb\xbf") and b"100%_" not in data
    assert [r.user for r in rows] == [corpus.log.pseudonym(i) for i in range(4)][::-1]


# --- the migration ----------------------------------------------------------------------------


def test_revision_0006_downgrades_to_0003_and_upgrades_again(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        Store.open(db_url).close()
        tables = set(inspect(engine).get_table_names())
        assert {"web_links", "web_sessions", "synonyms"} <= tables
        with migrate.migration_connection(engine) as conn:
            command.downgrade(migrate.alembic_config(conn), "0003")
        assert not {"web_links", "web_sessions", "synonyms"} & set(inspect(engine).get_table_names())
        Store.open(db_url).close()
        assert {"web_links", "web_sessions", "synonyms"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()

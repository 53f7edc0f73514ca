"""Following in the library: topics, matching a new issue, the outbox, retention (both backends)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from corpus.answer.service import LinliService
from corpus.api import Corpus, IssueMeta, TopicError
from corpus.follow import outbox
from corpus.ingest.seed import seed_demo
from corpus.store import follows as queries
from corpus.store.engine import Store
from corpus.store.models import Follower, Notification

DATA = Path(__file__).resolve().parents[1] / "data" / "follow"
ELEVATOR = DATA / "elevator_2026-12.txt"
LIBRARY = DATA / "library_2026-12.txt"
DATE = IssueMeta(date="2026-12")


@pytest.fixture
def corpus(seeded_store: Store) -> Iterator[Corpus]:
    corpus = Corpus(seeded_store, LinliService(seeded_store), b"secret")
    corpus.follows.poll()  # the seeded issues: matched before anyone follows
    yield corpus


def follow(corpus: Corpus, chat_id: int, topic: str) -> None:
    corpus.follows.follow(chat_id=chat_id, chat_type="private", lang="zh", topic=topic)


def queued(corpus: Corpus) -> dict[int, str]:
    """chat id -> topic of every queued notification."""
    with corpus.store.factory() as session:
        rows = session.execute(
            select(Follower.chat_id, Notification.topic).join(
                Follower, Follower.id == Notification.follower_id
            )
        ).all()
    return dict(rows)


def test_a_new_issue_is_matched_to_the_topics_it_covers_only(corpus: Corpus) -> None:
    follow(corpus, 1, "加装电梯")
    follow(corpus, 2, "图书馆")
    follow(corpus, 3, "社区食堂")  # shares only 社区 with the new issues
    follow(corpus, 4, "凉城 加装 电梯")  # spaces inside Chinese mean nothing
    corpus.issues.add_files([ELEVATOR], DATE)
    result = corpus.follows.poll()
    assert (result.issues, result.queued) == (1, 2)
    assert queued(corpus) == {1: "加装电梯", 4: "凉城加装电梯"}
    corpus.issues.add_files([LIBRARY], DATE)
    corpus.follows.poll()
    assert queued(corpus) == {1: "加装电梯", 4: "凉城加装电梯", 2: "图书馆"}
    assert corpus.follows.poll().issues == 0  # nothing new: nothing queued again


def test_a_follower_with_several_matching_topics_gets_one_notification(corpus: Corpus) -> None:
    follow(corpus, 1, "加装电梯")
    follow(corpus, 1, "电梯")
    corpus.issues.add_files([ELEVATOR], DATE)
    assert corpus.follows.poll().queued == 1
    note = corpus.follows.claim_next()
    assert note is not None and note.chat_id == 1
    assert "电梯" in note.snippet and note.source.endswith("凉城三村5号楼加装电梯正式启用")
    assert all(note.snippet[a:b] for a, b in note.spans)
    assert corpus.follows.claim_next() is None


def test_the_match_searches_the_new_issue_not_the_best_of_the_store(corpus: Corpus) -> None:
    # The seeded issues hold elevator articles that outrank a short new one; the new
    # issue's own passage is what the notification quotes.
    follow(corpus, 1, "加装电梯")
    corpus.issues.add_files([ELEVATOR], DATE)
    corpus.follows.poll()
    note = corpus.follows.claim_next()
    assert note is not None
    newest = corpus.issues.list()[0]
    assert note.issue_id == newest.id and "2026年12月" in note.source


def test_a_removed_newest_issue_does_not_hide_the_next_one(corpus: Corpus) -> None:
    # SQLite gives a removed newest row's id to the next one stored.
    corpus.issues.add_files([LIBRARY], DATE)
    corpus.follows.poll()
    wrong = corpus.issues.list()[0].id
    corpus.issues.remove(wrong)
    follow(corpus, 1, "加装电梯")
    corpus.issues.add_files([ELEVATOR], DATE)
    corpus.follows.poll()
    # PostgreSQL's sequence leaves the removed id as a gap, which might be an issue still
    # being stored by another process: the next issue waits a little for it.
    later = datetime.now(UTC) + outbox.GAP_PATIENCE
    outbox.poll(corpus.store.factory, corpus.answers, now=later)
    assert queued(corpus) == {1: "加装电梯"}


def test_an_issue_above_a_gap_waits_for_the_one_below(corpus: Corpus) -> None:
    follow(corpus, 1, "加装电梯")
    corpus.issues.add_files([ELEVATOR], DATE)
    with corpus.store.factory.begin() as session:
        newest = queries.newest_issue(session)
        queries.move_cursor(session, old=queries.last_matched_issue(session), new=newest - 2)
        # Issue newest - 1 exists in the seeded store; pretend it is still uncommitted.
    with corpus.store.factory() as session:
        assert queries.last_matched_issue(session) == newest - 2
    corpus.issues.remove(newest - 1)
    assert corpus.follows.poll().issues == 0 and queued(corpus) == {}
    later = datetime.now(UTC) + outbox.GAP_PATIENCE
    assert outbox.poll(corpus.store.factory, corpus.answers, now=later).issues == 1
    assert queued(corpus) == {1: "加装电梯"}


def test_two_processes_polling_queue_each_notification_once(corpus: Corpus, db_url: str) -> None:
    other_store = Store.open(db_url)
    try:
        other = Corpus(other_store, LinliService(other_store), b"secret")
        for chat in range(1, 6):
            follow(corpus, chat, "加装电梯")
        corpus.issues.add_files([ELEVATOR], DATE)
        other.follows.poll()
        corpus.follows.poll()
        other.follows.poll()
        assert sorted(queued(corpus)) == [1, 2, 3, 4, 5]
        # Claims alternate between the two; no row is claimed twice.
        claimed = []
        for follows in [corpus.follows, other.follows] * 4:
            note = follows.claim_next()
            if note is not None:
                claimed.append(note.id)
                follows.finish(note.id, "sent")
        assert len(claimed) == len(set(claimed)) == 5
        assert corpus.follows.outbox_counts() == {"sent": 5}
    finally:
        other_store.close()


def test_the_chat_id_goes_with_the_last_follow(corpus: Corpus) -> None:
    follow(corpus, 1, "加装电梯")
    follow(corpus, 1, "菜场")
    follow(corpus, 2, "菜场")
    first, _ = corpus.follows.following(1)
    [theirs] = corpus.follows.following(2)
    assert corpus.follows.unfollow(chat_id=1, follow_id=theirs.id) == ("not_yours", "")
    assert corpus.follows.unfollow(chat_id=1, follow_id=10**9) == ("unknown", "")
    assert corpus.follows.unfollow(chat_id=1, follow_id=first.id) == ("removed", "加装电梯")
    assert corpus.follows.unfollow_topic(chat_id=1, topic="菜场") == ("removed", "菜场")
    with corpus.store.factory() as session:
        assert set(session.scalars(select(Follower.chat_id))) == {2}
    assert corpus.follows.unfollow_all(2) == 1
    assert corpus.follows.unfollow_all(2) == 0
    with corpus.store.factory() as session:
        assert not session.scalars(select(Follower)).all()


def test_unfollowing_drops_what_was_still_to_be_sent(corpus: Corpus) -> None:
    follow(corpus, 1, "加装电梯")
    corpus.issues.add_files([ELEVATOR], DATE)
    corpus.follows.poll()
    corpus.follows.unfollow_all(1)
    assert corpus.follows.claim_next() is None


@pytest.mark.parametrize(
    ("topic", "problem"),
    [
        ("", "empty"),
        ("\u200b \t", "empty"),
        ("电梯" * 16, "too_long"),
        ("x" * 10_000, "too_long"),
        ("什么时候", "no_words"),
        ("哪里 怎么样", "no_words"),
        ("🎉", "no_words"),
        ("！？。", "no_words"),
    ],
)
def test_topics_that_cannot_be_followed(corpus: Corpus, topic: str, problem: str) -> None:
    with pytest.raises(TopicError) as raised:
        follow(corpus, 1, topic)
    assert raised.value.problem == problem
    assert corpus.follows.following(1) == []


def test_notifications_flag(corpus: Corpus) -> None:
    assert corpus.follows.notifications(1) is None
    assert corpus.follows.set_notifications(1, False) is False  # nothing stored for a stranger
    follow(corpus, 1, "加装电梯")
    assert corpus.follows.notifications(1) is True
    assert corpus.follows.set_notifications(1, False) is True
    assert corpus.follows.notifications(1) is False
    corpus.issues.add_files([ELEVATOR], DATE)
    corpus.follows.poll()
    note = corpus.follows.claim_next()
    assert note is not None and note.notifications is False  # the sender skips it


def test_inactive_followers_are_asked_once_then_removed(corpus: Corpus) -> None:
    follow(corpus, 1, "加装电梯")
    follow(corpus, 2, "菜场")
    long_ago = datetime.now(UTC) - timedelta(days=400)
    with corpus.store.factory.begin() as session:
        session.execute(update(Follower).values(active_at=long_ago))
    asked = corpus.follows.to_ask(days=365)
    assert sorted(f.chat_id for f in asked) == [1, 2]
    for follower in asked:
        corpus.follows.asked(follower.follower_id)
    assert corpus.follows.to_ask(days=365) == []  # asked once only
    assert corpus.follows.keep(2) is True  # chat 2 answered
    later = datetime.now(UTC) + timedelta(days=outbox.RETENTION_GRACE_DAYS + 1)
    outbox.to_ask(corpus.store.factory, days=365, now=later)
    with corpus.store.factory() as session:
        assert set(session.scalars(select(Follower.chat_id))) == {2}


def test_the_demo_corpus_is_not_news(tmp_path: Path) -> None:
    from corpus import api
    from corpus.settings import Settings

    opened = api.open(Settings(data_dir=tmp_path / "data"))
    try:
        with opened.store.factory() as session:
            assert queries.last_matched_issue(session) == queries.newest_issue(session) > 0
    finally:
        opened.close()


def test_a_store_without_its_cursor_starts_from_now(seeded_store: Store) -> None:
    corpus = Corpus(seeded_store, LinliService(seeded_store), b"secret")
    from corpus.store.models import Meta

    with seeded_store.factory.begin() as session:
        session.execute(Meta.__table__.delete().where(Meta.key == queries.CURSOR_KEY))
    follow(corpus, 1, "加装电梯")
    assert corpus.follows.poll().queued == 0
    seed_demo(seeded_store)  # a store that holds issues is never seeded again
    with seeded_store.factory() as session:
        assert queries.last_matched_issue(session) == queries.newest_issue(session)

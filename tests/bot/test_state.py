"""Server-side button state: bounded, expiring, under keys nobody can guess."""

from __future__ import annotations

from bot.state import KeyedStore, RateLimiter, SavedButtons, Topics
from corpus.answer.service import LinliService
from corpus.api import Corpus
from corpus.store.engine import Store


def test_keys_are_random_and_fit_callback_data() -> None:
    store: KeyedStore[str] = KeyedStore(capacity=100)
    keys = {store.put(f"answer {n}") for n in range(50)}
    assert len(keys) == 50
    assert all(len(f"p:{key}:99".encode()) <= 64 for key in keys)
    # Not a counter: neighbouring answers' keys share no common stem to guess from.
    assert len({key[:4] for key in keys}) > 40


def test_the_oldest_items_go_beyond_capacity_and_recent_use_keeps_one() -> None:
    store: KeyedStore[int] = KeyedStore(capacity=3)
    first, second = store.put(1), store.put(2)
    store.put(3)
    assert store.get(first) == 1  # used: now the most recent
    store.put(4)
    assert store.get(second) is None and store.get(first) == 1 and len(store) == 3


def test_pop_hands_out_once_and_restore_puts_back() -> None:
    store: KeyedStore[str] = KeyedStore(capacity=10, ttl=60)
    key = store.put("preview")
    assert store.pop(key) == "preview" and store.pop(key) is None
    store.restore(key, "preview")
    assert store.get(key) == "preview"
    assert store.get("forged-key") is None and store.pop("") is None


def test_saved_buttons_treat_a_damaged_row_as_expired(seeded_store: Store) -> None:
    corpus = Corpus(seeded_store, LinliService(seeded_store), b"secret")
    saved = SavedButtons(corpus.residents)
    answer = corpus.answers.answer("垃圾分类志愿者")
    key = saved.put_answer(answer, "ref1", chat_id=1, user_id=1)
    conversation = saved.answer(key)
    assert conversation is not None and conversation.answer == answer
    conversation.page, conversation.feedback = 1, -1
    saved.save(key, conversation)
    again = saved.answer(key)
    assert again is not None and (again.page, again.feedback) == (1, -1)
    article = saved.put_article(answer.quotes[0].source.article_id, "zh", chat_id=1, user_id=1)
    assert saved.article(article) is not None
    assert saved.answer(article) is None and saved.article(key) is None  # kinds kept apart
    for damaged in ("", "{}", '{"answer": "{}", "ref": "r", "page": 0, "feedback": null}'):
        corpus.residents.update(key, damaged)
        corpus.residents.update(article, damaged)
        assert saved.answer(key) is None and saved.article(article) is None


def test_topics_expire_and_are_bounded() -> None:
    topics = Topics(capacity=2, window=10)
    topics.put(1, 1, "电梯", now=0)
    assert topics.get(1, 1, now=5) == "电梯" and topics.get(1, 2, now=5) is None
    assert topics.get(1, 1, now=11) is None
    for chat in range(5):
        topics.put(chat, 1, f"t{chat}", now=20)
    assert len(topics) == 2 and topics.get(4, 1, now=21) == "t4"
    topics.put(4, 1, None, now=22)
    assert topics.get(4, 1, now=22) is None


def test_the_rate_limiter_limits_each_user_within_the_window() -> None:
    limiter = RateLimiter(limit=3, window=60)
    assert [limiter.allow(1, now=t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert limiter.allow(2, now=3)  # another user is not affected
    assert limiter.should_warn(1, now=3) and not limiter.should_warn(1, now=30)
    assert limiter.allow(1, now=60.5)  # the first event left the window


def test_the_rate_limiter_forgets_users_whose_window_has_passed() -> None:
    # A day of residents, each asking once: the state holds the last window's, not all.
    limiter = RateLimiter(limit=5, window=60)
    for n in range(100_000):
        assert limiter.allow(n, now=n * 0.5)  # one new user every half second
        if n % 7 == 0:
            limiter.should_warn(n, now=n * 0.5)
    assert len(limiter) <= 130  # ~120 users asked within the last 60 s
    assert len(limiter._warned) <= 20


def test_the_rate_limiter_never_holds_more_than_max_users() -> None:
    limiter = RateLimiter(limit=5, window=60, max_users=1000)
    for n in range(5000):  # all within one window: none is idle yet
        limiter.allow(n, now=1.0)
    assert len(limiter) == 1000
    assert limiter.allow(4999, now=1.0)  # the recent ones keep their history

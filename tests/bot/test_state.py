"""Server-side button state: bounded, expiring, under keys nobody can guess."""

from __future__ import annotations

from bot.state import KeyedStore, RateLimiter


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

"""Server-side button state: bounded, expiring, under keys nobody can guess."""

from __future__ import annotations

from bot.state import KeyedStore


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

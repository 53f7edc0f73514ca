"""Server-side state behind inline buttons, and the per-user rate limit.

After a restart the keys are unknown and the bot asks the resident to ask again.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Generic, TypeVar

from corpus.api import Answer, Lang

T = TypeVar("T")


@dataclass
class Conversation:
    """An answer shown in a chat, the page on display, and its log entry.

    Bound to the chat it was shown in and the resident who asked: a button's data can be
    replayed from anywhere, so each press is checked against these (see ``may_press``).
    """

    answer: Answer
    ref: str
    chat_id: int
    user_id: int
    page: int = 0
    feedback: int | None = None

    def may_press(self, chat_id: int | None, user_id: int | None, *, asker_only: bool) -> bool:
        """Pages and articles are for anyone in the chat; 👍/👎 only for the one who asked."""
        if chat_id != self.chat_id:
            return False
        return not asker_only or user_id == self.user_id


@dataclass
class ArticlePages:
    """A whole article split into messages, sent a few at a time (the rest on request)."""

    chat_id: int
    html: list[str]
    plain: list[str]
    lang: Lang


class KeyedStore(Generic[T]):
    """Server-side state behind inline buttons, under short unguessable keys.

    Callback data is limited to 64 bytes, so a button carries only a key; what it
    refers to (an answer shown, a preview awaiting 确认) lives here, the oldest dropped
    beyond ``capacity`` and, with a ``ttl``, anything older than that. Keys are random,
    so one chat's button data cannot be guessed from another's, and keys from before
    a restart match nothing.
    """

    KEY_BYTES = 9  # 12 URL-safe characters

    def __init__(self, capacity: int, ttl: float | None = None) -> None:
        self.capacity = capacity
        self.ttl = ttl
        self._items: OrderedDict[str, tuple[float, T]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: T) -> str:
        with self._lock:
            key = secrets.token_urlsafe(self.KEY_BYTES)
            self._put(key, item)
            return key

    def get(self, key: str) -> T | None:
        """The item under ``key`` (it stays), or None if unknown or expired."""
        with self._lock:
            entry = self._items.get(key)
            if entry is None:
                return None
            if self._expired(entry[0]):
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return entry[1]

    def pop(self, key: str) -> T | None:
        """Hand the item out once: a button pressed twice acts once."""
        with self._lock:
            entry = self._items.pop(key, None)
        if entry is None or self._expired(entry[0]):
            return None
        return entry[1]

    def restore(self, key: str, item: T) -> None:
        """Put an item back under its key (its action failed and may be tried again)."""
        with self._lock:
            self._put(key, item)

    def _put(self, key: str, item: T) -> None:
        self._items[key] = (time.monotonic(), item)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def _expired(self, created: float) -> bool:
        return self.ttl is not None and time.monotonic() - created > self.ttl


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds per user (sliding window).

    Its memory is bounded by the users active in the last window (and ``max_users`` at
    most): a bot that meets thousands of residents a day must not keep a record of
    every one it ever met. Users are kept in order of their last event, so the ones
    whose window has passed are at the front and are dropped as others arrive, a few
    at a time. Used from the event loop only.
    """

    MAX_USERS = 100_000

    def __init__(self, limit: int, window: float = 60.0, *, max_users: int = MAX_USERS) -> None:
        self.limit = limit
        self.window = window
        self.max_users = max_users
        self._events: OrderedDict[int, deque[float]] = OrderedDict()
        self._warned: OrderedDict[int, float] = OrderedDict()

    def __len__(self) -> int:
        """Users whose events are remembered (the limiter's state; bounded)."""
        return len(self._events)

    def allow(self, user_id: int, now: float | None = None) -> bool:
        if self.limit <= 0:
            return True
        now = time.monotonic() if now is None else now
        self._forget_idle(now)
        events = self._events.get(user_id)
        if events is None:
            events = self._events[user_id] = deque()
            while len(self._events) > self.max_users:
                self._events.popitem(last=False)
        while events and now - events[0] >= self.window:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        self._events.move_to_end(user_id)
        self._warned.pop(user_id, None)
        return True

    def should_warn(self, user_id: int, now: float | None = None) -> bool:
        """True once per window for a limited user, so the refusal itself does not flood."""
        now = time.monotonic() if now is None else now
        last = self._warned.get(user_id)
        if last is not None and now - last < self.window:
            return False
        self._warned[user_id] = now
        self._warned.move_to_end(user_id)
        while len(self._warned) > self.max_users:
            self._warned.popitem(last=False)
        return True

    def _forget_idle(self, now: float, most: int = 8) -> None:
        """Drop up to ``most`` users (from the front) whose last event left the window.

        A few per call keeps every call cheap and still outpaces arrivals: each new
        user can make room for several idle ones.
        """
        for table, newest in ((self._events, _newest_event), (self._warned, _itself)):
            for _ in range(most):
                if not table:
                    break
                user_id, value = next(iter(table.items()))
                latest = newest(value)
                if latest is not None and now - latest < self.window:
                    break
                del table[user_id]


def _newest_event(events: deque[float]) -> float | None:
    return events[-1] if events else None


def _itself(at: float) -> float:
    return at

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
    """At most ``limit`` events per ``window`` seconds per user (sliding window)."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._events: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def allow(self, user_id: int, now: float | None = None) -> bool:
        if self.limit <= 0:
            return True
        now = time.monotonic() if now is None else now
        events = self._events.setdefault(user_id, deque())
        while events and now - events[0] >= self.window:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        self._warned.pop(user_id, None)
        return True

    def should_warn(self, user_id: int, now: float | None = None) -> bool:
        """True once per window for a limited user, so the refusal itself does not flood."""
        now = time.monotonic() if now is None else now
        last = self._warned.get(user_id)
        if last is not None and now - last < self.window:
            return False
        self._warned[user_id] = now
        return True

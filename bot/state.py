"""Server-side state behind inline buttons, and the per-user rate limit.

Callback data is limited to 64 bytes, so buttons carry only a short key; the answer
they refer to lives here. After a restart the keys are unknown and the bot asks the
resident to ask again.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass

from corpus.api import Answer


@dataclass
class Conversation:
    """An answer shown in a chat, the page on display, and its log entry."""

    answer: Answer
    ref: str
    page: int = 0
    feedback: int | None = None


class AnswerCache:
    """A bounded LRU of recent answers, keyed by short ids safe for callback data."""

    def __init__(self, capacity: int = 5000) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, Conversation] = OrderedDict()
        self._lock = threading.Lock()
        # A per-process prefix keeps keys from an earlier run from matching new answers.
        self._prefix = secrets.token_hex(2)
        self._counter = itertools.count(1)

    def put(self, conversation: Conversation) -> str:
        with self._lock:
            key = f"{self._prefix}{next(self._counter):x}"
            self._items[key] = conversation
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
            return key

    def get(self, key: str) -> Conversation | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item


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

"""Server-side state behind inline buttons, follow-up topics, and the per-user rate limit.

An answer's buttons and a long article's "read on" are kept in the store
(:class:`SavedButtons`), so they work after a restart, until the store's age limit;
staff previews stay in memory (:class:`KeyedStore`): after a restart they are asked for
again.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Generic, TypeVar

from corpus.api import (
    FOLLOWUP_WINDOW,
    Answer,
    Lang,
    Residents,
    answer_from_json,
    answer_to_json,
)

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class Conversation:
    """An answer shown in a chat, the page on display, and its log entry.

    Bound to the chat it was shown in and the resident who asked, as pseudonyms: a
    button's data can be replayed from anywhere, so each press is checked against these
    (see ``may_press``).
    """

    answer: Answer
    ref: str
    chat_hash: str
    user_hash: str
    page: int = 0
    feedback: int | None = None

    def may_press(self, chat_hash: str, user_hash: str, *, asker_only: bool) -> bool:
        """Pages and articles are for anyone in the chat; 👍/👎 only for the one who asked."""
        if chat_hash != self.chat_hash:
            return False
        return not asker_only or user_hash == self.user_hash


@dataclass(frozen=True)
class ArticlePages:
    """A whole article being read in a chat, a few messages per press of "read on"."""

    article_id: int
    chat_hash: str
    lang: Lang


class SavedButtons:
    """The state behind answers' buttons and "read on", in the store (it survives restarts).

    Keys are the store's (random, unguessable); a row whose payload cannot be read
    (damaged, or from an incompatible release) is as good as expired.
    """

    ANSWER = "answer"
    ARTICLE = "article"

    def __init__(self, residents: Residents) -> None:
        self.residents = residents

    def owner(self, telegram_id: int | None) -> str:
        return self.residents.owner(telegram_id)

    def put_answer(self, answer: Answer, ref: str, *, chat_id: int, user_id: int) -> str:
        payload = self._answer_payload(answer, ref, 0, None)
        return self.residents.keep(self.ANSWER, payload, chat_id=chat_id, user_id=user_id)

    def answer(self, key: str) -> Conversation | None:
        kept = self.residents.recall(key, self.ANSWER)
        if kept is None:
            return None
        try:
            data = json.loads(kept.payload)
            feedback = data["feedback"]
            return Conversation(
                answer=answer_from_json(data["answer"]),
                ref=str(data["ref"]),
                chat_hash=kept.chat_hash,
                user_hash=kept.user_hash,
                page=int(data["page"]),
                feedback=int(feedback) if feedback is not None else None,
            )
        except (ValueError, KeyError, TypeError):
            log.warning("the state of button %s cannot be read; treated as expired", key)
            return None

    def save(self, key: str, conversation: Conversation) -> None:
        """Keep the page on display and the feedback given."""
        self.residents.update(
            key,
            self._answer_payload(
                conversation.answer, conversation.ref, conversation.page, conversation.feedback
            ),
        )

    def put_article(self, article_id: int, lang: Lang, *, chat_id: int, user_id: int) -> str:
        payload = json.dumps({"article_id": article_id, "lang": lang})
        return self.residents.keep(self.ARTICLE, payload, chat_id=chat_id, user_id=user_id)

    def article(self, key: str) -> ArticlePages | None:
        kept = self.residents.recall(key, self.ARTICLE)
        if kept is None:
            return None
        try:
            data = json.loads(kept.payload)
            lang = data["lang"] if data["lang"] in ("zh", "en") else "zh"
            return ArticlePages(int(data["article_id"]), kept.chat_hash, lang)
        except (ValueError, KeyError, TypeError):
            log.warning("the state of button %s cannot be read; treated as expired", key)
            return None

    @staticmethod
    def _answer_payload(answer: Answer, ref: str, page: int, feedback: int | None) -> str:
        return json.dumps(
            {"answer": answer_to_json(answer), "ref": ref, "page": page, "feedback": feedback},
            ensure_ascii=False,
        )


class Topics:
    """The topic of each chat's last question, per resident, for follow-up questions.

    Bounded (the least recently asked go first) and expiring: a question more than
    ``window`` seconds after the last one starts afresh.
    """

    def __init__(self, capacity: int, window: float = FOLLOWUP_WINDOW) -> None:
        self.capacity = capacity
        self.window = window
        self._items: OrderedDict[tuple[int, int], tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, chat_id: int, user_id: int, now: float | None = None) -> str | None:
        now = time.monotonic() if now is None else now
        with self._lock:
            entry = self._items.get((chat_id, user_id))
            if entry is None:
                return None
            if now - entry[0] > self.window:
                del self._items[(chat_id, user_id)]
                return None
            return entry[1]

    def put(self, chat_id: int, user_id: int, topic: str | None, now: float | None = None) -> None:
        """Remember ``topic`` (None or "": forget the chat's topic)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._items.pop((chat_id, user_id), None)
            if topic:
                self._items[(chat_id, user_id)] = (now, topic)
                while len(self._items) > self.capacity:
                    self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


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

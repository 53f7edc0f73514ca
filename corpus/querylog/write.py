"""The query log: what residents asked and how it went, with pseudonymous user ids only."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import uuid
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy import delete, update
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from corpus.answer.types import Answer
from corpus.store.engine import transaction
from corpus.store.models import QueryLogEntry, utcnow

log = logging.getLogger(__name__)



def load_or_create_secret(configured: str | None, data_dir: Path) -> bytes:
    """The HMAC key: the configured one, else a random key kept in the data directory.

    Kept in a file so pseudonyms stay stable across restarts without any set-up.
    """
    if configured:
        return configured.encode("utf-8")
    path = data_dir / "log_hmac_secret"
    if not path.is_file():
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32) + "\n"
        # Written whole under a private name, then linked into place: processes
        # starting together on one data directory all end up with the first key.
        draft = data_dir / f".log_hmac_secret.{uuid.uuid4().hex}"
        try:
            _write_new(draft, key)
            try:
                os.link(draft, path)
            except FileExistsError:
                pass  # another process's key got there first: that one is read below
            except OSError:  # a filesystem without hard links: create it exclusively
                with suppress(FileExistsError):
                    _write_new(path, key)
        finally:
            draft.unlink(missing_ok=True)
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def _write_new(path: Path, text: str) -> None:
    """Create ``path`` readable by its owner only (never over an existing file)."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)


def pseudonym(secret: bytes, user_id: int | str | None) -> str:
    """A keyed HMAC of the user id: the same user maps to the same value, irreversibly."""
    if user_id is None or user_id == "":
        return ""
    return hmac.new(secret, str(user_id).encode("utf-8"), hashlib.sha256).hexdigest()[:32]


# Whether a logged answer reached the resident (the query_log.delivery column).
Delivery = Literal["sent", "failed"]


def new_ref() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class LogRecord:
    ref: str
    channel: str
    user_hash: str
    answer: Answer
    # When the question was answered; None: when the entry is written.
    created_at: datetime | None = None
    # "sent", or "failed" when the reply did not reach the resident (see QueryLogEntry).
    delivery: Delivery = "sent"


def _entry(record: LogRecord) -> QueryLogEntry:
    answer = record.answer
    return QueryLogEntry(
        ref=record.ref,
        channel=record.channel,
        user_hash=record.user_hash,
        lang=answer.lang,
        question=answer.query,
        found=answer.found,
        direct_answer=answer.direct_answer,
        results=json.dumps(
            [{"passage_id": q.passage_id, "score": round(q.score, 4)} for q in answer.quotes]
        ),
        latency_ms=round(answer.took_ms, 2),
        created_at=record.created_at or utcnow(),
        delivery=record.delivery,
    )


def record_query(factory: sessionmaker[Session], record: LogRecord) -> bool:
    """Write one entry; failures are logged and swallowed so the reply never suffers."""
    try:
        with transaction(factory) as session:
            session.add(_entry(record))
        return True
    except Exception:  # the log must never break answering, whatever the database says
        log.exception("could not write the query log entry %s", record.ref)
        return False


class LogBuffer:
    """Entries waiting to be written together, one transaction for a burst of questions.

    Under load, a transaction (and on SQLite an fsync) per question cost more than
    answering it. The bot adds an entry once its reply was sent (or failed to be) and
    flushes every second;
    anything that reads the log (admin commands) flushes first. 👍/👎 are queued too
    (:meth:`add_feedback`) and applied after the entries they rate. Thread-safe.

    A database that is down or busy (SQLite's write lock held past the driver's timeout
    by a long ingest) loses nothing: the batch goes back in the queue for the next
    flush, up to ``capacity`` entries (the oldest go beyond that, logged). Only an entry
    the database refuses for itself is dropped, after the others were written.
    """

    CAPACITY = 100_000

    def __init__(self, factory: sessionmaker[Session], *, capacity: int = CAPACITY) -> None:
        self.factory = factory
        self.capacity = capacity
        self._pending: list[LogRecord] = []
        self._feedback: list[tuple[str, int]] = []
        self._lock = threading.Lock()
        self._flushing = threading.Lock()  # one writer at a time keeps entries in order
        self.dropped = 0

    def add(self, record: LogRecord) -> None:
        with self._lock:
            self._pending.append(record)
            self._trim()

    def add_feedback(self, ref: str, value: int) -> None:
        """Queue 👍 (+1) or 👎 (-1) for the entry ``ref`` (it may still be queued itself)."""
        if value not in (1, -1):
            raise ValueError("feedback is +1 or -1")
        with self._lock:
            self._feedback.append((ref, value))
            del self._feedback[: max(0, len(self._feedback) - self.capacity)]

    def __len__(self) -> int:
        return len(self._pending) + len(self._feedback)

    def _trim(self) -> None:
        over = len(self._pending) - self.capacity
        if over > 0:
            del self._pending[:over]
            self.dropped += over
            log.error("the query log queue is full: %d oldest entries dropped", over)

    def _requeue(self, batch: list[LogRecord], feedback: list[tuple[str, int]]) -> None:
        with self._lock:
            self._pending[:0] = batch
            self._feedback[:0] = feedback
            self._trim()

    def flush(self) -> int:
        """Write what is pending; returns how many entries were written.

        Failures are logged, never raised (the reply never suffers): a transient one
        keeps the batch queued; a batch the database refuses is written entry by entry,
        so one bad entry costs only itself.
        """
        with self._flushing:
            with self._lock:
                batch, self._pending = self._pending, []
                feedback, self._feedback = self._feedback, []
            if not batch and not feedback:
                return 0
            try:
                with transaction(self.factory) as session:
                    session.add_all([_entry(record) for record in batch])
                    session.flush()
                    missing = [ref for ref, value in feedback if not _rate(session, ref, value)]
            except SQLAlchemyError as exc:
                if not isinstance(exc, DataError | IntegrityError):
                    log.warning(
                        "writing %d query log entries failed (%s); kept for the next try",
                        len(batch),
                        exc.__class__.__name__,
                    )
                    self._requeue(batch, feedback)
                    return 0
                log.warning("writing %d query log entries at once failed; one by one", len(batch))
                return self._one_by_one(batch, feedback)
            for ref in missing:
                log.warning("feedback for %s had no log entry to attach to", ref)
            return len(batch)

    def _one_by_one(self, batch: list[LogRecord], feedback: list[tuple[str, int]]) -> int:
        written = 0
        for n, record in enumerate(batch):
            try:
                with transaction(self.factory) as session:
                    session.add(_entry(record))
                written += 1
            except (DataError, IntegrityError):
                log.exception("could not write the query log entry %s (refused)", record.ref)
            except SQLAlchemyError:
                log.warning("writing the query log failed; %d entries kept", len(batch) - n)
                self._requeue(batch[n:], feedback)
                return written
        try:
            with transaction(self.factory) as session:
                for ref, value in feedback:
                    _rate(session, ref, value)
        except SQLAlchemyError:
            log.warning("writing %d ratings failed; kept for the next try", len(feedback))
            self._requeue([], feedback)
        return written


def _rate(session: Session, ref: str, value: int) -> bool:
    result = session.execute(
        update(QueryLogEntry)
        .where(QueryLogEntry.ref == ref)
        .values(feedback=value, feedback_at=datetime.now(UTC))
    )
    return bool(result.rowcount)


def set_feedback(factory: sessionmaker[Session], *, ref: str, value: int) -> bool:
    """Attach 👍 (+1) or 👎 (-1) to the entry ``ref``; False if there is no such entry."""
    if value not in (1, -1):
        raise ValueError("feedback is +1 or -1")
    with transaction(factory) as session:
        result = session.execute(
            update(QueryLogEntry)
            .where(QueryLogEntry.ref == ref)
            .values(feedback=value, feedback_at=datetime.now(UTC))
        )
        return bool(result.rowcount)


def purge_older_than(
    factory: sessionmaker[Session], *, days: int, now: datetime | None = None
) -> int:
    """Delete entries older than ``days``; returns how many were deleted."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    with transaction(factory) as session:
        result = session.execute(delete(QueryLogEntry).where(QueryLogEntry.created_at < cutoff))
        return int(result.rowcount or 0)

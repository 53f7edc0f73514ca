"""Queries on followers, their follows and the notification outbox (keyword-only, a session each).

Callers own the transaction: each function reads or changes rows in the session given,
and the caller commits (one transaction per change a resident or a sender makes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from corpus.store.models import Follow, Follower, Issue, Meta, Notification

# meta key of the newest issue already matched against the follows (set by revision 0004).
CURSOR_KEY = "follow_last_issue"

Added = Literal["added", "exists", "full"]
Removed = Literal["removed", "not_yours", "unknown"]


@dataclass(frozen=True)
class FollowInfo:
    id: int
    topic: str


@dataclass(frozen=True)
class Match:
    """What one follower is told about one issue (the best quote of its topics)."""

    follower_id: int
    topic: str
    article_id: int
    snippet: str
    spans: tuple[tuple[int, int], ...]
    source: str


@dataclass(frozen=True)
class Outgoing(Match):
    """One claimed notification: its match, and what sending it needs."""

    id: int
    issue_id: int
    chat_id: int
    lang: str
    notifications: bool


@dataclass(frozen=True)
class Inactive:
    follower_id: int
    chat_id: int
    lang: str


# --- followers and follows -----------------------------------------------------------------


def follower(session: Session, *, chat_id: int) -> Follower | None:
    return session.scalar(select(Follower).where(Follower.chat_id == chat_id))


def add_follow(
    session: Session,
    *,
    chat_id: int,
    chat_type: str,
    lang: str,
    topic: str,
    cap: int,
    now: datetime,
) -> tuple[Added, int]:
    """Follow ``topic`` in ``chat_id``; the follower row is made with the first follow.

    Returns:
        What happened and the chat's number of follows afterwards.
    """
    row = follower(session, chat_id=chat_id)
    if row is None:
        row = Follower(chat_id=chat_id, chat_type=chat_type, lang=lang, created_at=now, active_at=now)
        session.add(row)
        session.flush()
    row.active_at = now
    row.retention_asked_at = None
    row.lang = lang
    topics = [f.topic for f in row.follows]
    if topic in topics:
        return "exists", len(topics)
    if len(topics) >= cap:
        return "full", len(topics)
    session.add(Follow(follower_id=row.id, topic=topic, created_at=now))
    session.flush()
    return "added", len(topics) + 1


def list_follows(session: Session, *, chat_id: int) -> list[FollowInfo]:
    rows = session.execute(
        select(Follow.id, Follow.topic)
        .join(Follower, Follower.id == Follow.follower_id)
        .where(Follower.chat_id == chat_id)
        .order_by(Follow.id)
    ).all()
    return [FollowInfo(id=r.id, topic=r.topic) for r in rows]


def remove_follow(session: Session, *, chat_id: int, follow_id: int) -> tuple[Removed, str]:
    """Remove one follow of ``chat_id``; the follower goes with its last follow.

    Returns:
        ``removed`` (with its topic), ``not_yours`` (another chat's follow: untouched) or
        ``unknown``.
    """
    row = session.get(Follow, follow_id)
    if row is None:
        return "unknown", ""
    owner = session.get(Follower, row.follower_id)
    if owner is None or owner.chat_id != chat_id:
        return "not_yours", ""
    topic = row.topic
    session.delete(row)
    session.flush()
    _drop_if_empty(session, owner)
    return "removed", topic


def remove_all(session: Session, *, chat_id: int) -> int:
    """Remove every follow of ``chat_id``, and its follower row (the chat id) with them."""
    row = follower(session, chat_id=chat_id)
    if row is None:
        return 0
    count = len(row.follows)
    remove_follower(session, follower_id=row.id)
    return count


def remove_follower(session: Session, *, follower_id: int) -> None:
    """Forget a follower: its chat id, follows and outbox rows (foreign keys cascade)."""
    session.execute(delete(Notification).where(Notification.follower_id == follower_id))
    session.execute(delete(Follow).where(Follow.follower_id == follower_id))
    session.execute(delete(Follower).where(Follower.id == follower_id))


def _drop_if_empty(session: Session, row: Follower) -> None:
    left = session.scalar(select(func.count()).where(Follow.follower_id == row.id))
    if not left:
        remove_follower(session, follower_id=row.id)


def touch(session: Session, *, chat_id: int, now: datetime) -> bool:
    """The chat dealt with its follows: it is active again. False if it follows nothing."""
    done = session.execute(
        update(Follower)
        .where(Follower.chat_id == chat_id)
        .values(active_at=now, retention_asked_at=None)
    )
    return bool(done.rowcount)


def notifications_on(session: Session, *, chat_id: int) -> bool | None:
    """The chat's notifications flag; None if it follows nothing (so has no flag)."""
    return session.scalar(select(Follower.notifications).where(Follower.chat_id == chat_id))


def set_notifications(session: Session, *, chat_id: int, on: bool, now: datetime) -> bool:
    """Switch a follower's notifications; False if the chat follows nothing."""
    done = session.execute(
        update(Follower)
        .where(Follower.chat_id == chat_id)
        .values(notifications=on, active_at=now, retention_asked_at=None)
    )
    return bool(done.rowcount)


def topics(session: Session) -> dict[str, list[int]]:
    """Every followed topic and its followers' ids, in the order they were followed."""
    found: dict[str, list[int]] = {}
    for topic, follower_id in session.execute(
        select(Follow.topic, Follow.follower_id).order_by(Follow.id)
    ):
        found.setdefault(topic, []).append(follower_id)
    return found


# --- new issues ----------------------------------------------------------------------------


def last_matched_issue(session: Session) -> int | None:
    row = session.get(Meta, CURSOR_KEY)
    return int(row.value) if row is not None else None


def move_cursor(session: Session, *, old: int | None, new: int) -> bool:
    """Compare-and-set the newest matched issue; False if another process moved it first."""
    if old is None:
        if session.get(Meta, CURSOR_KEY) is not None:
            return False
        session.add(Meta(key=CURSOR_KEY, value=str(new)))
        session.flush()
        return True
    done = session.execute(
        update(Meta).where(Meta.key == CURSOR_KEY, Meta.value == str(old)).values(value=str(new))
    )
    return bool(done.rowcount)


def newest_issue(session: Session) -> int:
    return session.scalar(select(func.max(Issue.id))) or 0


def issues_after(session: Session, *, issue_id: int) -> list[tuple[int, datetime]]:
    """The issues stored after ``issue_id``, oldest id first, with when they were stored (UTC)."""
    rows = session.execute(
        select(Issue.id, Issue.created_at).where(Issue.id > issue_id).order_by(Issue.id)
    ).all()
    # Issue.created_at predates UTCDateTime: SQLite gives it back without its zone.
    return [(r.id, r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=UTC)) for r in rows]


def enqueue(session: Session, *, issue_id: int, matches: list[Match], now: datetime) -> int:
    """Outbox rows for ``issue_id``; followers gone meanwhile are skipped."""
    present = set(
        session.scalars(
            select(Follower.id).where(Follower.id.in_([m.follower_id for m in matches]))
        )
    )
    rows = [
        Notification(
            issue_id=issue_id,
            follower_id=m.follower_id,
            topic=m.topic,
            article_id=m.article_id,
            snippet=m.snippet,
            spans=json.dumps([list(s) for s in m.spans]),
            source=m.source[:600],
            status="pending",
            created_at=now,
            updated_at=now,
        )
        for m in matches
        if m.follower_id in present
    ]
    session.add_all(rows)
    session.flush()
    return len(rows)


# --- the outbox ----------------------------------------------------------------------------


def claim_next(session: Session, *, now: datetime) -> Outgoing | None:
    """Mark the oldest pending notification ``sending`` and return it; None if none is left.

    The conditional UPDATE is the claim: of several senders (processes) only one moves a
    row from ``pending``, so no two send the same notification.
    """
    while True:
        row_id = session.scalar(
            select(Notification.id)
            .where(Notification.status == "pending")
            .order_by(Notification.id)
            .limit(1)
        )
        if row_id is None:
            return None
        claimed = session.execute(
            update(Notification)
            .where(Notification.id == row_id, Notification.status == "pending")
            .values(status="sending", updated_at=now)
        )
        if claimed.rowcount:
            break
    row = session.execute(
        select(Notification, Follower)
        .join(Follower, Follower.id == Notification.follower_id)
        .where(Notification.id == row_id)
    ).one()
    note, owner = row
    return Outgoing(
        id=note.id,
        issue_id=note.issue_id,
        follower_id=owner.id,
        chat_id=owner.chat_id,
        lang=owner.lang,
        notifications=owner.notifications,
        topic=note.topic,
        article_id=note.article_id,
        snippet=note.snippet,
        spans=tuple((int(a), int(b)) for a, b in json.loads(note.spans or "[]")),
        source=note.source,
    )


def finish(session: Session, *, notification_id: int, status: str, now: datetime) -> None:
    session.execute(
        update(Notification)
        .where(Notification.id == notification_id)
        .values(status=status, updated_at=now)
    )


def outbox_counts(session: Session) -> dict[str, int]:
    return dict(
        session.execute(
            select(Notification.status, func.count()).group_by(Notification.status)
        ).all()
    )


def purge_outbox(session: Session, *, before: datetime) -> int:
    """Delete finished outbox rows older than ``before`` (pending ones stay)."""
    done = session.execute(
        delete(Notification).where(
            Notification.status != "pending", Notification.updated_at < before
        )
    )
    return done.rowcount or 0


# --- retention -----------------------------------------------------------------------------


def inactive_unasked(session: Session, *, before: datetime) -> list[Inactive]:
    rows = session.execute(
        select(Follower.id, Follower.chat_id, Follower.lang).where(
            Follower.active_at < before, Follower.retention_asked_at.is_(None)
        )
    ).all()
    return [Inactive(follower_id=r.id, chat_id=r.chat_id, lang=r.lang) for r in rows]


def mark_asked(session: Session, *, follower_id: int, now: datetime) -> None:
    session.execute(
        update(Follower).where(Follower.id == follower_id).values(retention_asked_at=now)
    )


def remove_unanswered(session: Session, *, asked_before: datetime) -> int:
    """Remove followers asked before ``asked_before`` who have not been active since."""
    ids = list(
        session.scalars(
            select(Follower.id).where(
                Follower.retention_asked_at.is_not(None),
                Follower.retention_asked_at < asked_before,
            )
        )
    )
    for follower_id in ids:
        remove_follower(session, follower_id=follower_id)
    return len(ids)


def follower_langs(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Follower.id, Follower.lang)).all())

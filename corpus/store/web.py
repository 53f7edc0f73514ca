"""The web console's sign-in: one-time links and browser sessions (queries only).

Tokens are random (``secrets``) and only their SHA-256 is stored, so neither a copy of
the database nor its log can sign anyone in. A link is used by setting ``used_at`` in
the same UPDATE that checks it is unused and unexpired: two browsers racing on one
link, one of them wins.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from corpus.store.models import WebLink, WebSession


@dataclass(frozen=True)
class WebUser:
    """Who a session or link belongs to: a pseudonym, never a Telegram id."""

    user_hash: str
    local: bool  # this machine's admin (`linli web --open`)


@dataclass(frozen=True)
class SessionInfo:
    user: WebUser
    csrf: str
    expires_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def add_link(
    session: Session, *, user: WebUser, now: datetime, valid_for: timedelta
) -> str:
    """Store a new link for ``user``; returns its token (the only copy)."""
    token = new_token()
    session.add(
        WebLink(
            token_hash=token_hash(token),
            user_hash=user.user_hash,
            local=user.local,
            created_at=now,
            expires_at=now + valid_for,
        )
    )
    return token


def use_link(session: Session, *, token: str, now: datetime) -> WebUser | None:
    """Mark the link used if it is unused and unexpired; whom it signs in, else None."""
    key = token_hash(token)
    used = session.execute(
        update(WebLink)
        .where(WebLink.token_hash == key, WebLink.used_at.is_(None), WebLink.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        return None
    link = session.get_one(WebLink, key)
    return WebUser(user_hash=link.user_hash, local=bool(link.local))


def add_session(
    session: Session, *, user: WebUser, now: datetime, valid_for: timedelta
) -> tuple[str, str]:
    """Start a session; returns (cookie token, CSRF token)."""
    token, csrf = new_token(), secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=token_hash(token),
            user_hash=user.user_hash,
            local=user.local,
            csrf=csrf,
            created_at=now,
            expires_at=now + valid_for,
        )
    )
    return token, csrf


def find_session(session: Session, *, token: str, now: datetime) -> SessionInfo | None:
    row = session.get(WebSession, token_hash(token))
    if row is None or row.expires_at <= now:
        return None
    return SessionInfo(
        user=WebUser(user_hash=row.user_hash, local=bool(row.local)),
        csrf=row.csrf,
        expires_at=row.expires_at,
    )


def end_session(session: Session, *, token: str) -> bool:
    gone = session.execute(delete(WebSession).where(WebSession.token_hash == token_hash(token)))
    return bool(gone.rowcount)  # type: ignore[attr-defined]


def purge_expired(session: Session, *, now: datetime) -> int:
    """Delete expired sessions and links (used links go once expired too)."""
    links = session.execute(delete(WebLink).where(WebLink.expires_at <= now))
    sessions = session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    return int(links.rowcount or 0) + int(sessions.rowcount or 0)  # type: ignore[attr-defined]


def session_count(session: Session, *, now: datetime) -> int:
    return len(session.scalars(select(WebSession.token_hash).where(WebSession.expires_at > now)).all())

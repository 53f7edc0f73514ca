"""Queries for residents' own rows: their settings and the state behind their buttons.

Keyword-only functions taking a session, like :mod:`corpus.store.issues`. Residents
appear only as pseudonyms (``user_hash``, ``chat_hash``): the callers hash the ids.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from corpus.store.models import ButtonState, Issue, ResidentSetting, utcnow


def get_setting(session: Session, *, user_hash: str) -> ResidentSetting | None:
    return session.get(ResidentSetting, user_hash)


def _setting_for_update(session: Session, user_hash: str) -> ResidentSetting:
    row = session.get(ResidentSetting, user_hash, with_for_update=True)
    if row is None:
        row = ResidentSetting(user_hash=user_hash, street=None, lang=None)
        session.add(row)
    row.updated_at = utcnow()
    return row


def set_street(session: Session, *, user_hash: str, street: str | None) -> None:
    """The resident's street (None: every street alike)."""
    _setting_for_update(session, user_hash).street = street


def set_lang(session: Session, *, user_hash: str, lang: str | None) -> None:
    """The resident's language (None: follow the Telegram client)."""
    _setting_for_update(session, user_hash).lang = lang


def streets(session: Session) -> list[tuple[str, int]]:
    """Every street the store holds issues of, with the id of its newest issue (its handle
    in button data), by name."""
    newest = (
        select(Issue.street, func.max(Issue.id).label("issue_id"))
        .group_by(Issue.street)
        .order_by(Issue.street)
    )
    return [(street, issue_id) for street, issue_id in session.execute(newest).all()]


def street_of_issue(session: Session, *, issue_id: int) -> str | None:
    return session.scalar(select(Issue.street).where(Issue.id == issue_id))


def add_button(
    session: Session,
    *,
    key: str,
    kind: str,
    chat_hash: str,
    user_hash: str,
    payload: str,
    created_at: datetime,
) -> None:
    session.add(
        ButtonState(
            key=key,
            kind=kind,
            chat_hash=chat_hash,
            user_hash=user_hash,
            payload=payload,
            created_at=created_at,
        )
    )


def get_button(
    session: Session, *, key: str, kind: str, newer_than: datetime
) -> ButtonState | None:
    """The state under ``key`` if it is of ``kind`` and younger than the age limit."""
    return session.scalar(
        select(ButtonState).where(
            ButtonState.key == key,
            ButtonState.kind == kind,
            ButtonState.created_at > newer_than,
        )
    )


def button(session: Session, *, key: str) -> ButtonState | None:
    """The state under ``key``, whatever its kind and age."""
    return session.get(ButtonState, key)


def set_button_payload(session: Session, *, key: str, payload: str) -> bool:
    row = session.get(ButtonState, key)
    if row is None:
        return False
    row.payload = payload
    return True


def purge_buttons(session: Session, *, older_than: datetime) -> int:
    """Delete button state made before ``older_than``; returns how many rows went."""
    result = session.execute(delete(ButtonState).where(ButtonState.created_at <= older_than))
    return result.rowcount or 0

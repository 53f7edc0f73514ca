"""Staff's synonyms in the database (queries only), and the version every process follows.

Each change bumps ``meta.synonyms_version`` in its own transaction; the answer service
compares it on the same periodic check as the corpus version and reloads the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from corpus.store.issues import get_meta, set_meta
from corpus.store.models import Meta, Synonym

SYNONYMS_VERSION_KEY = "synonyms_version"


@dataclass(frozen=True)
class SynonymRow:
    id: int
    everyday: str
    official: str
    added_by: str  # a pseudonym
    created_at: datetime


def synonyms_version(session: Session) -> int:
    value = get_meta(session, key=SYNONYMS_VERSION_KEY)
    return int(value) if value else 0


def bump_synonyms_version(session: Session) -> int:
    row = session.get(Meta, SYNONYMS_VERSION_KEY, with_for_update=True)
    value = (int(row.value) if row is not None else 0) + 1
    set_meta(session, key=SYNONYMS_VERSION_KEY, value=str(value))
    return value


def list_synonyms(session: Session) -> list[SynonymRow]:
    rows = session.scalars(select(Synonym).order_by(Synonym.created_at.desc(), Synonym.id.desc()))
    return [SynonymRow(r.id, r.everyday, r.official, r.added_by, r.created_at) for r in rows]


def find_synonym(session: Session, *, everyday: str, official: str) -> Synonym | None:
    return session.scalars(
        select(Synonym).where(Synonym.everyday == everyday, Synonym.official == official)
    ).first()


def add_synonym(
    session: Session, *, everyday: str, official: str, added_by: str, now: datetime
) -> bool:
    """Add the pair unless it is there; True if added (the version is bumped)."""
    if find_synonym(session, everyday=everyday, official=official) is not None:
        return False
    session.add(Synonym(everyday=everyday, official=official, added_by=added_by, created_at=now))
    bump_synonyms_version(session)
    return True


def remove_synonym(session: Session, *, synonym_id: int) -> SynonymRow | None:
    row = session.get(Synonym, synonym_id)
    if row is None:
        return None
    found = SynonymRow(row.id, row.everyday, row.official, row.added_by, row.created_at)
    session.execute(delete(Synonym).where(Synonym.id == synonym_id))
    bump_synonyms_version(session)
    return found

"""The query log as the console's Questions page reads it: filtered, newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corpus.querylog.export import LogRow, log_row
from corpus.querylog.periods import Period, in_period
from corpus.store.models import QueryLogEntry

Rating = Literal["up", "down", "none"]
# A search longer than any question is no search: questions are cut to 200 characters.
MAX_SEARCH = 200


@dataclass(frozen=True)
class LogFilter:
    """found: None for all; rating: 👍, 👎, or not rated; text: a substring of the question."""

    found: bool | None = None
    rating: Rating | None = None
    text: str = ""


def _where(period: Period, wanted: LogFilter) -> list[object]:
    clauses: list[object] = list(in_period(period))
    if wanted.found is not None:
        clauses.append(QueryLogEntry.found.is_(wanted.found))
    if wanted.rating == "up":
        clauses.append(QueryLogEntry.feedback > 0)
    elif wanted.rating == "down":
        clauses.append(QueryLogEntry.feedback < 0)
    elif wanted.rating == "none":
        clauses.append(QueryLogEntry.feedback.is_(None))
    text = wanted.text.strip()[:MAX_SEARCH]
    if text:
        # autoescape: a resident's % or _ is a character to find, not a wildcard.
        clauses.append(QueryLogEntry.question.contains(text, autoescape=True))
    return clauses


def search_rows(
    session: Session, *, period: Period, wanted: LogFilter, offset: int = 0, limit: int | None = 50
) -> tuple[list[LogRow], int]:
    """The matching entries, newest first (``limit`` of them from ``offset``), and how many match."""
    where = _where(period, wanted)
    total = session.scalar(select(func.count(QueryLogEntry.id)).where(*where)) or 0
    query = (
        select(QueryLogEntry)
        .where(*where)
        .order_by(QueryLogEntry.created_at.desc(), QueryLogEntry.id.desc())
        .offset(max(0, offset))
    )
    if limit is not None:
        query = query.limit(limit)
    return [log_row(e) for e in session.scalars(query)], int(total)

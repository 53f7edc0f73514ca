"""Reading the query log: figures for a period, content gaps, top questions, CSV export.

Everything here reads; nothing writes. Users appear only as the pseudonyms the log holds.
Days and hours are counted on the street offices' clock, Beijing time (UTC+8): China has
had no daylight saving time since 1991, so a fixed offset is exact and needs no tz
database. Timestamps handed out (and written to CSV) are UTC.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus.querylog.periods import Period, aware, in_period
from corpus.store.models import QueryLogEntry

CSV_COLUMNS = (
    "time",
    "channel",
    "user",
    "lang",
    "question",
    "found",
    "direct_answer",
    "results",
    "latency_ms",
    "feedback",
    # "sent", or "failed": answered, but Telegram never took the reply (counted apart).
    "delivery",
)


# --- entries and CSV ----------------------------------------------------------------------


@dataclass(frozen=True)
class LogRow:
    """One log entry as plain data (no session attached)."""

    time: datetime  # UTC
    channel: str
    user: str  # the pseudonym
    lang: str
    question: str
    found: bool
    direct_answer: str | None
    results: list[dict[str, Any]]
    latency_ms: float
    feedback: int | None
    delivery: str = "sent"

    def as_dict(self) -> dict[str, Any]:
        return {
            "time": self.time.isoformat(),
            "channel": self.channel,
            "user": self.user,
            "lang": self.lang,
            "question": self.question,
            "found": self.found,
            "direct_answer": self.direct_answer,
            "results": self.results,
            "latency_ms": self.latency_ms,
            "feedback": self.feedback,
            "delivery": self.delivery,
        }


def _results(raw: str | None) -> list[dict[str, Any]]:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def log_rows(
    session: Session, *, period: Period, unanswered: bool = False, limit: int | None = None
) -> list[LogRow]:
    """The entries of the period, oldest first (the newest ``limit`` when a limit is given)."""
    query = select(QueryLogEntry).where(*in_period(period))
    if unanswered:
        query = query.where(QueryLogEntry.found.is_(False))
    query = query.order_by(QueryLogEntry.created_at.desc(), QueryLogEntry.id.desc())
    if limit is not None:
        query = query.limit(limit)
    entries = list(session.scalars(query))
    entries.reverse()
    return [log_row(e) for e in entries]


def log_row(e: QueryLogEntry) -> LogRow:
    """One entry as plain data."""
    return LogRow(
        time=aware(e.created_at),
        channel=e.channel,
        user=e.user_hash,
        lang=e.lang,
        question=e.question,
        found=bool(e.found),
        direct_answer=e.direct_answer,
        results=_results(e.results),
        latency_ms=float(e.latency_ms or 0.0),
        feedback=e.feedback,
        delivery=e.delivery or "sent",
    )


def _cell(text: str | None) -> str:
    # Spreadsheets run cells starting with = + - @ as formulas; a resident's question must
    # never become one on an admin's computer (OWASP "CSV injection").
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_csv(rows: Iterable[LogRow], stream: io.TextIOBase | Any) -> int:
    """Write the header and ``rows`` as CSV to a text stream; returns the number of rows."""
    writer = csv.writer(stream)
    writer.writerow(CSV_COLUMNS)
    n = 0
    for row in rows:
        writer.writerow(
            [
                row.time.astimezone(UTC).isoformat(timespec="seconds"),
                row.channel,
                row.user,
                row.lang,
                _cell(row.question),
                "true" if row.found else "false",
                _cell(row.direct_answer),
                json.dumps(row.results, ensure_ascii=False),
                f"{row.latency_ms:.1f}",
                "" if row.feedback is None else str(row.feedback),
                row.delivery,
            ]
        )
        n += 1
    return n


def csv_bytes(rows: Iterable[LogRow]) -> bytes:
    """The CSV document: UTF-8 with a BOM, so Excel shows Chinese correctly."""
    buffer = io.StringIO(newline="")
    write_csv(rows, buffer)
    return buffer.getvalue().encode("utf-8-sig")


@dataclass(frozen=True)
class CsvExport:
    """A CSV document of the log, with what an admin is told about it."""

    data: bytes
    count: int
    undelivered: int  # answers whose reply never reached the resident


def export_csv(session: Session, *, period: Period) -> CsvExport:
    """The log of ``period`` as a CSV document, how many entries it holds and how many failed."""
    rows = log_rows(session, period=period)
    undelivered = sum(1 for row in rows if row.delivery != "sent")
    return CsvExport(csv_bytes(rows), len(rows), undelivered)

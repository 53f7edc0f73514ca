"""Reading the query log: figures for a period, content gaps, top questions, CSV export.

Everything here reads; nothing writes. Users appear only as the pseudonyms the log holds.
Days and hours are counted on the street offices' clock, Beijing time (UTC+8): China has
had no daylight saving time since 1991, so a fixed offset is exact and needs no tz
database. Timestamps handed out (and written to CSV) are UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

from corpus.store.models import QueryLogEntry

REPORT_TZ = timezone(timedelta(hours=8), "UTC+8")
MAX_DAYS = 3660  # ten years: anything longer is a typo, not a period
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_DAYS_RE = re.compile(r"^(\d{1,5})d$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PeriodError(ValueError):
    """A period or date the admin typed cannot be read; the message says what works."""


# --- periods ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A time window of the log: ``start`` (inclusive) to ``end`` (exclusive), both UTC.

    Attributes:
        start: None means "from the first entry".
        end: usually "now".
        label: what the admin asked for, e.g. ``7d``, ``all``, ``2024-05-01``.
        days: for ``Nd`` periods, N; else None.
        since: for periods given by a first date, that date; else None.
        until: for periods given a last date (inclusive), that date; else None.
    """

    start: datetime | None
    end: datetime
    label: str
    days: int | None = None
    since: date | None = None
    until: date | None = None


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _parse_date(text: str) -> date:
    if not _DATE_RE.match(text):
        raise PeriodError(f"'{text}' is not a date: write it as YYYY-MM-DD, e.g. 2024-05-01")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise PeriodError(f"'{text}' is not a real date (YYYY-MM-DD)") from exc


def _local_midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def parse_period(
    text: str | None,
    *,
    default: str = "7d",
    now: datetime | None = None,
    tz: tzinfo = REPORT_TZ,
) -> Period:
    """Read ``7d`` (the last 7×24 hours), ``all``, or ``YYYY-MM-DD`` (since that local date).

    Raises:
        PeriodError: anything else, with a message naming what is accepted.
    """
    raw = (text or default).strip().lower()
    end = _now(now)
    if raw == "all":
        return Period(start=None, end=end, label="all")
    match = _DAYS_RE.match(raw)
    if match:
        days = int(match.group(1))
        if not 1 <= days <= MAX_DAYS:
            raise PeriodError(f"'{text}': the number of days must be between 1 and {MAX_DAYS}")
        return Period(start=end - timedelta(days=days), end=end, label=raw, days=days)
    if _DATE_RE.match(raw):
        day = _parse_date(raw)
        start = _local_midnight(day, tz)
        if start > end:
            raise PeriodError(f"'{text}' is in the future")
        return Period(start=start, end=end, label=raw, since=day)
    raise PeriodError(
        f"'{text}' is not a period: use 7d, 30d (any number of days), all or YYYY-MM-DD"
    )


def parse_range(
    first: str | None,
    last: str | None,
    *,
    now: datetime | None = None,
    tz: tzinfo = REPORT_TZ,
) -> Period:
    """The window of an export: ``first`` as in :func:`parse_period` (default ``all``),
    ``last`` a date, included whole (default: up to now).

    Raises:
        PeriodError: either is unreadable, or ``last`` comes before ``first``.
    """
    period = parse_period(first, default="all", now=now, tz=tz)
    if last is None:
        return period
    until = _parse_date(last.strip())
    end = min(_local_midnight(until + timedelta(days=1), tz), period.end)
    if period.start is not None and end <= period.start:
        raise PeriodError(f"the end date {until} comes before the start ({period.label})")
    return Period(
        start=period.start,
        end=end,
        label=f"{period.label}..{until}",
        days=period.days,
        since=period.since,
        until=until,
    )


def in_period(period: Period) -> list[Any]:
    conditions: list[Any] = [QueryLogEntry.created_at < period.end]
    if period.start is not None:
        conditions.append(QueryLogEntry.created_at >= period.start)
    return conditions


def aware(value: datetime) -> datetime:
    # The model's column type makes every value UTC-aware; this guards rows read elsewhere.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

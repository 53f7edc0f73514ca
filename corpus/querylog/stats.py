"""Reading the query log: figures for a period, content gaps, top questions, CSV export.

Everything here reads; nothing writes. Users appear only as the pseudonyms the log holds.
Days and hours are counted on the street offices' clock, Beijing time (UTC+8): China has
had no daylight saving time since 1991, so a fixed offset is exact and needs no tz
database. Timestamps handed out (and written to CSV) are UTC.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus.querylog.periods import REPORT_TZ, Period, aware, in_period
from corpus.store.models import QueryLogEntry

# --- the figures behind /stats ----------------------------------------------------------------


@dataclass(frozen=True)
class DayCount:
    """Questions asked on one local day, split by whether anything was found."""

    day: date
    found: int = 0
    not_found: int = 0

    @property
    def total(self) -> int:
        return self.found + self.not_found


@dataclass(frozen=True)
class LogStats:
    """The figures of one period of the log."""

    period: Period
    questions: int
    users: int
    found: int
    latency_median_ms: float | None
    latency_p95_ms: float | None
    thumbs_up: int
    thumbs_down: int
    hours: tuple[int, ...]  # questions per local hour of day, 0–23
    days: tuple[DayCount, ...]  # every local day of the period, in order
    channels: dict[str, int] = field(default_factory=dict)
    # Questions whose reply never reached the resident (counted in ``questions`` too:
    # the resident asked, and the answer was found or not like any other).
    undelivered: int = 0

    @property
    def not_found(self) -> int:
        return self.questions - self.found

    @property
    def found_rate(self) -> float | None:
        return self.found / self.questions if self.questions else None

    def busiest_hours(self, n: int = 3) -> list[tuple[int, int]]:
        """The ``n`` local hours with the most questions, as (hour, count), busiest first."""
        ranked = sorted(
            ((hour, count) for hour, count in enumerate(self.hours) if count),
            key=lambda item: (-item[1], item[0]),
        )
        return ranked[:n]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of `linli stats --json`."""
        return {
            "period": {
                "label": self.period.label,
                "start": self.period.start.isoformat() if self.period.start else None,
                "end": self.period.end.isoformat(),
            },
            "timezone": "UTC+8",
            "questions": self.questions,
            "users": self.users,
            "found": self.found,
            "not_found": self.not_found,
            "found_rate": round(self.found_rate, 4) if self.found_rate is not None else None,
            "latency_ms": {
                "median": _round(self.latency_median_ms),
                "p95": _round(self.latency_p95_ms),
            },
            "feedback": {"up": self.thumbs_up, "down": self.thumbs_down},
            "busiest_hours": [{"hour": h, "questions": c} for h, c in self.busiest_hours()],
            "hours": list(self.hours),
            "channels": dict(self.channels),
            "undelivered": self.undelivered,
            "days": [
                {"date": d.day.isoformat(), "found": d.found, "not_found": d.not_found}
                for d in self.days
            ],
        }


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile: the smallest value with ``share`` of values at or below it.

    Chosen over interpolation because it is always a latency that really happened.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def day_series(
    days: Iterable[tuple[date, bool]], *, first: date | None, last: date
) -> tuple[DayCount, ...]:
    """Questions per day from ``first`` to ``last`` inclusive, zero days included.

    Args:
        days: (local date, found) per question.
        first: the first day to show; None starts at the earliest question.
        last: the last day to show (normally today).
    """
    found: Counter[date] = Counter()
    missed: Counter[date] = Counter()
    for day, was_found in days:
        (found if was_found else missed)[day] += 1
    if first is None:
        seen = set(found) | set(missed)
        if not seen:
            return ()
        first = min(seen)
    series = []
    day = first
    while day <= last:
        series.append(DayCount(day=day, found=found[day], not_found=missed[day]))
        day += timedelta(days=1)
    return tuple(series)


def log_stats(session: Session, *, period: Period, tz: tzinfo = REPORT_TZ) -> LogStats:
    """Questions, distinct users, found rate, latency, feedback, busiest hours, per-day series."""
    rows = session.execute(
        select(
            QueryLogEntry.created_at,
            QueryLogEntry.user_hash,
            QueryLogEntry.found,
            QueryLogEntry.latency_ms,
            QueryLogEntry.feedback,
            QueryLogEntry.channel,
            QueryLogEntry.delivery,
        ).where(*in_period(period))
    ).all()
    hours = [0] * 24
    local_days: list[tuple[date, bool]] = []
    latencies: list[float] = []
    for created_at, _, found, latency, _, _, _ in rows:
        local = aware(created_at).astimezone(tz)
        hours[local.hour] += 1
        local_days.append((local.date(), bool(found)))
        latencies.append(float(latency or 0.0))
    first = period.start.astimezone(tz).date() if period.start is not None else None
    # The end is exclusive: a period ending at local midnight does not show the next day.
    last = (period.end - timedelta(microseconds=1)).astimezone(tz).date()
    return LogStats(
        period=period,
        questions=len(rows),
        users=len({row.user_hash for row in rows if row.user_hash}),
        found=sum(1 for row in rows if row.found),
        latency_median_ms=statistics.median(latencies) if latencies else None,
        latency_p95_ms=percentile(latencies, 0.95),
        thumbs_up=sum(1 for row in rows if row.feedback == 1),
        thumbs_down=sum(1 for row in rows if row.feedback == -1),
        hours=tuple(hours),
        days=day_series(local_days, first=first, last=last),
        channels=dict(Counter(row.channel for row in rows)),
        undelivered=sum(1 for row in rows if row.delivery != "sent"),
    )


def format_report(stats: LogStats) -> str:
    """The figures as plain English text, for `linli stats` (the bot has its own wording)."""
    period = stats.period
    if period.start is None:
        span = "all time"
    else:
        span = f"{period.label}: {period.start.isoformat(timespec='minutes')} to {period.end.isoformat(timespec='minutes')}"
    lines = [f"Query log, {span}"]
    if not stats.questions:
        lines.append("No questions in this period.")
        return "\n".join(lines)
    rate = stats.found_rate or 0.0
    lines += [
        f"questions        {stats.questions}",
        f"distinct users   {stats.users}",
        f"found            {stats.found} ({rate:.1%}); nothing found {stats.not_found}",
        f"latency          median {stats.latency_median_ms:.1f} ms, p95 {stats.latency_p95_ms:.1f} ms",
        f"feedback         👍 {stats.thumbs_up}  👎 {stats.thumbs_down}",
        "busiest hours    "
        + ", ".join(f"{h:02d}:00 ({c})" for h, c in stats.busiest_hours())
        + " (UTC+8)",
        "channels         " + ", ".join(f"{k} {v}" for k, v in sorted(stats.channels.items())),
        f"undelivered      {stats.undelivered} (answered, but the reply did not reach them)",
        "per day (UTC+8)  found / nothing found",
    ]
    lines += [f"  {d.day.isoformat()}  {d.found:5d} / {d.not_found}" for d in stats.days]
    return "\n".join(lines)


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
import math
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus.models import QueryLogEntry
from retrieval import Tokenizer, normalize

REPORT_TZ = timezone(timedelta(hours=8), "UTC+8")
MAX_DAYS = 3660  # ten years: anything longer is a typo, not a period
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
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
)
# A question joins a group when it shares this share of its words and word pairs
# (Jaccard) with the group's first question: 游泳池几点开门 ~ 游泳池什么时候开门 (0.67),
# but 停车费多少钱 stays apart from 小区停车怎么收费 (0.14).
GROUP_SIMILARITY = 0.3

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


def _in_period(period: Period) -> list[Any]:
    conditions: list[Any] = [QueryLogEntry.created_at < period.end]
    if period.start is not None:
        conditions.append(QueryLogEntry.created_at >= period.start)
    return conditions


def _aware(value: datetime) -> datetime:
    # The model's column type makes every value UTC-aware; this guards rows read elsewhere.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


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
        ).where(*_in_period(period))
    ).all()
    hours = [0] * 24
    local_days: list[tuple[date, bool]] = []
    latencies: list[float] = []
    for created_at, _, found, latency, _, _ in rows:
        local = _aware(created_at).astimezone(tz)
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
        "per day (UTC+8)  found / nothing found",
    ]
    lines += [f"  {d.day.isoformat()}  {d.found:5d} / {d.not_found}" for d in stats.days]
    return "\n".join(lines)


# --- questions: normalised keys, top questions, content gaps -------------------------------


def question_key(text: str) -> str:
    """The form questions are counted by: NFKC, simplified, lower case, no punctuation or spaces.

    So 游泳池几点开门？ and 遊泳池 幾點開門 count as one question.
    """
    text = normalize(unicodedata.normalize("NFKC", text))
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZSC")


@dataclass(frozen=True)
class TopQuestion:
    """One question (in its most common wording) and how often it was asked."""

    question: str
    count: int
    found: int
    last_asked: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "count": self.count,
            "found": self.found,
            "last_asked": self.last_asked.isoformat(),
        }


@dataclass
class _Tally:
    count: int = 0
    found: int = 0
    last: datetime = _EPOCH
    wordings: Counter[str] = field(default_factory=Counter)

    def add(self, question: str, found: bool, at: datetime) -> None:
        self.count += 1
        self.found += int(found)
        self.last = max(self.last, at)
        self.wordings[question] += 1

    def wording(self) -> str:
        # The most used wording; ties go to the first seen, which is deterministic.
        return self.wordings.most_common(1)[0][0]


def _tally(rows: Iterable[tuple[str, bool, datetime]]) -> dict[str, _Tally]:
    tallies: dict[str, _Tally] = {}
    for question, found, at in rows:
        key = question_key(question) or question.strip()
        if not key:
            continue  # an empty question says nothing about what residents want
        tallies.setdefault(key, _Tally()).add(question, found, _aware(at))
    return tallies


def top_questions(session: Session, *, period: Period, limit: int = 10) -> list[TopQuestion]:
    """The most-asked questions of the period, counted by :func:`question_key`."""
    rows = session.execute(
        select(QueryLogEntry.question, QueryLogEntry.found, QueryLogEntry.created_at)
        .where(*_in_period(period))
        .order_by(QueryLogEntry.created_at)
    ).all()
    tallies = _tally((r.question, bool(r.found), r.created_at) for r in rows)
    ranked = sorted(tallies.values(), key=lambda t: (-t.count, -t.last.timestamp(), t.wording()))
    return [
        TopQuestion(question=t.wording(), count=t.count, found=t.found, last_asked=t.last)
        for t in ranked[:limit]
    ]


@dataclass(frozen=True)
class QuestionGroup:
    """Similar questions that found nothing: one content gap."""

    count: int  # times asked, all wordings together
    examples: tuple[str, ...]  # distinct wordings, most asked first
    last_asked: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "examples": list(self.examples),
            "last_asked": self.last_asked.isoformat(),
        }


@cache
def _grouping_tokenizer() -> Tokenizer:
    # Words keep names whole; bigrams catch the same name written or segmented differently.
    return Tokenizer(words="precise", char_bigrams=True, char_unigrams=False)


def _terms(text: str) -> frozenset[str]:
    return frozenset(_grouping_tokenizer().tokenize(text))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def group_questions(
    rows: Iterable[tuple[str, datetime]],
    *,
    threshold: float = GROUP_SIMILARITY,
    examples: int = 3,
) -> list[QuestionGroup]:
    """Group questions by similarity, largest groups first.

    Greedy and explainable: identical questions (by :func:`question_key`) are merged
    first; then, most asked first, each question joins the group whose first question is
    most similar to it (Jaccard over word + character-bigram sets, at least
    ``threshold``), or starts a new group.
    """
    tallies = _tally((question, False, at) for question, at in rows)
    ordered = sorted(tallies.items(), key=lambda kv: (-kv[1].count, -kv[1].last.timestamp(), kv[0]))
    seeds: list[frozenset[str]] = []
    members: list[list[_Tally]] = []
    for _, tally in ordered:
        terms = _terms(tally.wording())
        best, best_score = None, threshold
        for i, seed in enumerate(seeds):
            score = jaccard(terms, seed)
            if score >= best_score:
                best, best_score = i, score
                if score == 1.0:
                    break
        if best is None:
            seeds.append(terms)
            members.append([tally])
        else:
            members[best].append(tally)
    groups = [
        QuestionGroup(
            count=sum(t.count for t in group),
            examples=tuple(t.wording() for t in group[:examples]),
            last_asked=max(t.last for t in group),
        )
        for group in members
    ]
    groups.sort(key=lambda g: (-g.count, -g.last_asked.timestamp()))
    return groups


def unanswered_groups(
    session: Session,
    *,
    period: Period,
    limit: int = 10,
    threshold: float = GROUP_SIMILARITY,
    max_entries: int = 5000,
) -> list[QuestionGroup]:
    """Recent questions that found nothing, grouped by similarity: the paper's content gaps."""
    rows = session.execute(
        select(QueryLogEntry.question, QueryLogEntry.created_at)
        .where(*_in_period(period), QueryLogEntry.found.is_(False))
        .order_by(QueryLogEntry.created_at.desc())
        .limit(max_entries)
    ).all()
    return group_questions(((r.question, r.created_at) for r in rows), threshold=threshold)[:limit]


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
    query = select(QueryLogEntry).where(*_in_period(period))
    if unanswered:
        query = query.where(QueryLogEntry.found.is_(False))
    query = query.order_by(QueryLogEntry.created_at.desc(), QueryLogEntry.id.desc())
    if limit is not None:
        query = query.limit(limit)
    entries = list(session.scalars(query))
    entries.reverse()
    return [
        LogRow(
            time=_aware(e.created_at),
            channel=e.channel,
            user=e.user_hash,
            lang=e.lang,
            question=e.question,
            found=bool(e.found),
            direct_answer=e.direct_answer,
            results=_results(e.results),
            latency_ms=float(e.latency_ms or 0.0),
            feedback=e.feedback,
        )
        for e in entries
    ]


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
            ]
        )
        n += 1
    return n


def csv_bytes(rows: Iterable[LogRow]) -> bytes:
    """The CSV document: UTF-8 with a BOM, so Excel shows Chinese correctly."""
    buffer = io.StringIO(newline="")
    write_csv(rows, buffer)
    return buffer.getvalue().encode("utf-8-sig")


def export_csv(session: Session, *, period: Period) -> tuple[bytes, int]:
    """The log of ``period`` as a CSV document, and how many entries it holds."""
    rows = log_rows(session, period=period)
    return csv_bytes(rows), len(rows)

"""Rendering for admins: the query log's figures and lists as lines (pure, no I/O)."""

from __future__ import annotations

from bot.texts import t
from corpus.api import Lang, Line, LogStats, Period, Piece, QuestionGroup, TopQuestion

EXAMPLE_CHARS = 60  # one long question must not push the others out of the message


def _days_text(days: int, lang: Lang) -> str:
    return t(lang, "period_one_day") if days == 1 else t(lang, "period_days", n=days)


def period_text(period: Period, lang: Lang) -> str:
    """How a period reads to the admin: "last 7 days", "since 2024-05-01", …"""
    if period.until is not None:
        first = (
            _days_text(period.days, lang)
            if period.days
            else (period.since.isoformat() if period.since else t(lang, "period_all"))
        )
        return t(lang, "period_range", first=first, last=period.until.isoformat())
    if period.days is not None:
        return _days_text(period.days, lang)
    if period.since is not None:
        return t(lang, "period_since", day=period.since.isoformat())
    return t(lang, "period_all")


def _clip(text: str) -> str:
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


def _ms(value: float | None) -> str:
    return f"{value:.0f}" if value is not None else "–"


def _listing(head: str, empty: str, rows: list[str], period: Period, lang: Lang) -> list[Line]:
    """A bold heading and one line a row, or the "nothing in this period" line."""
    label = period_text(period, lang)
    if not rows:
        return [(Piece(t(lang, empty, period=label)),)]
    return [(Piece(t(lang, head, period=label), bold=True),)] + [(Piece(r),) for r in rows]


def stats_lines(stats: LogStats, period: Period, lang: Lang) -> list[Line]:
    """/stats: questions, users, found rate, latency, 👍/👎 and the busiest hours."""
    if not stats.questions:
        return _listing("stats_head", "stats_empty", [], period, lang)
    hours = "、" if lang == "zh" else ", "
    body = t(
        lang,
        "stats_body",
        questions=stats.questions,
        users=stats.users,
        found=stats.found,
        rate=f"{stats.found_rate or 0:.1%}",
        not_found=stats.not_found,
        median=_ms(stats.latency_median_ms),
        p95=_ms(stats.latency_p95_ms),
        undelivered=stats.undelivered,
        up=stats.thumbs_up,
        down=stats.thumbs_down,
        hours=hours.join(t(lang, "stats_hour", hour=h, count=c) for h, c in stats.busiest_hours()),
    )
    return _listing("stats_head", "stats_empty", body.split("\n"), period, lang)


def unanswered_lines(groups: list[QuestionGroup], period: Period, lang: Lang) -> list[Line]:
    """/unanswered: the content gaps, similar questions grouped, with counts."""
    rows = [
        t(
            lang,
            "unanswered_line",
            n=n,
            count=group.count,
            examples=" / ".join(_clip(e) for e in group.examples),
        )
        for n, group in enumerate(groups, start=1)
    ]
    return _listing("unanswered_head", "unanswered_empty", rows, period, lang)


def top_lines(top: list[TopQuestion], period: Period, lang: Lang) -> list[Line]:
    """/top: the most-asked questions, marked where nothing was found."""
    rows = [
        t(lang, "top_line", n=n, count=item.count, question=_clip(item.question))
        + ("" if item.found else t(lang, "top_not_found"))
        for n, item in enumerate(top, start=1)
    ]
    return _listing("top_head", "top_empty", rows, period, lang)

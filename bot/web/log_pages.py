"""Admins' pages over the query log: Overview, Questions (with CSV) and Content gaps.

Residents appear only as the log's pseudonyms (shortened); every question is shown as
text (Jinja2 escapes it). Adding a synonym on Content gaps answers the group's questions
again at once, so staff see whether the gap is closed.
"""

from __future__ import annotations

import logging
from datetime import datetime
from urllib.parse import urlencode

from aiohttp import web
from markupsafe import Markup

from bot.web.chart import hours_svg, per_day_svg
from bot.web.context import (
    admin_only,
    corpus,
    off_loop,
    refuse,
    render,
    see_other,
    viewer,
)
from corpus.api import REPORT_TZ, SYNONYM_MAX, LogFilter, SynonymError, parse_period

log = logging.getLogger(__name__)

PERIODS = {"7d": "近 7 天", "30d": "近 30 天", "all": "全部"}
PAGE_ROWS = 50
GAPS_SHOWN = 30
# The questions of a group answered again after a synonym is added.
RECHECKED = 3


def _period_key(request: web.Request) -> str:
    key = request.query.get("period", "7d")
    return key if key in PERIODS else "7d"


def local_time(value: datetime) -> str:
    return value.astimezone(REPORT_TZ).strftime("%Y-%m-%d %H:%M")


@admin_only
async def overview(request: web.Request) -> web.Response:
    key = _period_key(request)
    stats = await off_loop(corpus(request).log.stats, parse_period(key))
    return render(
        request,
        "overview.html",
        periods=PERIODS,
        period=key,
        stats=stats,
        found_rate=f"{stats.found_rate:.0%}" if stats.found_rate is not None else "—",
        chart=Markup(per_day_svg(stats)),  # numbers and dates only (see chart.py)
        hours=Markup(hours_svg(stats.hours)),
    )


def _filter(request: web.Request) -> tuple[LogFilter, dict[str, str]]:
    query = request.query
    found = {"yes": True, "no": False}.get(query.get("found", ""))
    rating = query.get("rating", "")
    text = query.get("q", "")[:200]
    chosen = {
        "period": _period_key(request),
        "found": query.get("found", "") if found is not None else "",
        "rating": rating if rating in ("up", "down", "none") else "",
        "q": text,
    }
    wanted = LogFilter(found=found, rating=chosen["rating"] or None, text=text)  # type: ignore[arg-type]
    return wanted, chosen


@admin_only
async def questions(request: web.Request) -> web.Response:
    wanted, chosen = _filter(request)
    try:
        page = max(1, min(int(request.query.get("page", "1")), 100000))
    except ValueError:
        page = 1
    rows, total = await off_loop(
        corpus(request).log.search,
        parse_period(chosen["period"]),
        wanted,
        offset=(page - 1) * PAGE_ROWS,
        limit=PAGE_ROWS,
    )
    pages = max(1, -(-total // PAGE_ROWS))
    kept = {k: v for k, v in chosen.items() if v}
    return render(
        request,
        "questions.html",
        periods=PERIODS,
        chosen=chosen,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        local_time=local_time,
        link=lambda **more: "?" + urlencode({**kept, **more}),
        csv_link="/questions.csv?" + urlencode(kept),
    )


@admin_only
async def questions_csv(request: web.Request) -> web.Response:
    wanted, chosen = _filter(request)
    data, n = await off_loop(corpus(request).log.search_csv, parse_period(chosen["period"]), wanted)
    log.info("web: %s exported %d log entries", viewer(request).name, n)
    stamp = datetime.now(REPORT_TZ).strftime("%Y%m%d-%H%M")
    return web.Response(
        body=data,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="linli-questions-{stamp}.csv"',
        },
    )


@admin_only
async def gaps(request: web.Request) -> web.Response:
    key = _period_key(request)
    groups = await off_loop(corpus(request).log.unanswered, parse_period(key), limit=GAPS_SHOWN)
    synonyms = await off_loop(corpus(request).synonyms.list)
    return render(
        request,
        "gaps.html",
        periods=PERIODS,
        period=key,
        groups=groups,
        synonyms=synonyms,
        local_time=local_time,
    )


@admin_only
async def add_synonym(request: web.Request) -> web.Response:
    form = await request.post()
    everyday, official = str(form.get("everyday", "")), str(form.get("official", ""))
    asked = [str(q)[:200] for q in form.getall("question", []) if str(q).strip()][:RECHECKED]
    library = corpus(request)
    try:
        added = await off_loop(library.synonyms.add, everyday, official, by=viewer(request).user.user_hash)
    except SynonymError as exc:
        return refuse(request, 400, f"没有添加：{_synonym_reason(exc)}")
    log.info("web: %s added the synonym %s → %s", viewer(request).name, everyday, official)
    answers = [await off_loop(library.answers.answer, q) for q in asked]
    return render(
        request,
        "synonym_added.html",
        everyday=" ".join(everyday.split()),
        official=" ".join(official.split()),
        added=added,
        answers=answers,
    )


def _synonym_reason(exc: SynonymError) -> str:
    side = {"everyday": "口语说法", "official": "报上的说法"}.get(exc.side, "")
    return {
        "empty": f"{side}是空的。",
        "long": f"{side}超过了 {SYNONYM_MAX} 个字。",
        "characters": f"{side}只能包含文字、数字和空格。",
        "same": "口语说法和报上的说法相同。",
    }.get(exc.reason, str(exc))


@admin_only
async def remove_synonym(request: web.Request) -> web.Response:
    try:
        synonym_id = int(request.match_info["synonym_id"])
    except ValueError:
        return refuse(request, 404, "没有这个同义词。")
    removed = await off_loop(corpus(request).synonyms.remove, synonym_id)
    if removed is None:
        return refuse(request, 404, "这个同义词已经不在了。")
    log.info(
        "web: %s removed the synonym %s → %s", viewer(request).name, removed.everyday, removed.official
    )
    return see_other("/gaps")


def setup(app: web.Application) -> None:
    app.router.add_get("/overview", overview, name="overview")
    app.router.add_get("/questions", questions, name="questions")
    app.router.add_get("/questions.csv", questions_csv, name="questions_csv")
    app.router.add_get("/gaps", gaps, name="gaps")
    app.router.add_post("/gaps/synonyms", add_synonym, name="add_synonym")
    app.router.add_post("/gaps/synonyms/{synonym_id}/remove", remove_synonym, name="remove_synonym")

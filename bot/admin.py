"""Admins' handlers: the query log in Telegram (/stats, /unanswered, /top, /export).

Thin like the residents' handlers: check the role, read the arguments, call one
``corpus.log`` reading in a worker thread, render, reply. Charts and CSV files are
built off the event loop too. The log's daily purge is scheduled here as well.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, ContextTypes

from bot.render.admin import period_text, stats_lines, top_lines, unanswered_lines
from bot.render.html import to_messages, to_plain_messages
from bot.residents import corpus_of, lang_of, send_html, within_limit
from bot.texts import t
from corpus.api import (
    Corpus,
    Lang,
    Line,
    Period,
    PeriodError,
    Piece,
    parse_period,
    parse_range,
    questions_per_day_png,
)
from corpus.settings import Settings

log = logging.getLogger(__name__)

PURGE_INTERVAL = timedelta(days=1)
# Soon after start, so a bot that was down for days catches up, then once a day.
PURGE_FIRST = timedelta(minutes=1)
PURGE_JOB = "purge-query-log"


def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    settings: Settings = context.bot_data["settings"]
    return user is not None and user.id in settings.admin_ids


async def _allowed(update: Update, context: ContextTypes.DEFAULT_TYPE, command: str) -> bool:
    """Admins in a private chat may go on; everyone else gets a polite answer."""
    message = update.effective_message
    if message is None:
        return False
    lang = lang_of(update)
    if not is_admin(update, context):
        user = update.effective_user
        # The numeric id only, and only in the server log: nothing is stored about them.
        log.warning("refused /%s to non-admin user %s", command, user.id if user else "unknown")
        if await within_limit(update, context):  # refusals in a loop cost replies too
            await message.reply_text(t(lang, "admin_only"))
        return False
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        # Residents' questions are not for the eyes of a whole group chat.
        await message.reply_text(t(lang, "admin_private_only"))
        return False
    return True


async def _reply_lines(update: Update, lines: list[Line]) -> None:
    message = update.effective_message
    if message is not None:
        await send_html(message, to_messages(lines), to_plain_messages(lines), quote=False)


async def _bad_input(update: Update, value: str, usage: str) -> None:
    lang = lang_of(update)
    await _reply_lines(
        update, [(Piece(t(lang, "admin_bad_input", value=value, usage=t(lang, usage))),)]
    )


async def _period_arg(
    update: Update, context: ContextTypes.DEFAULT_TYPE, default: str, usage: str
) -> Period | None:
    """The period the command was given (or the default); None after explaining a bad one."""
    args = context.args or []
    if len(args) > 1:
        await _bad_input(update, " ".join(args), usage)
        return None
    try:
        return parse_period(args[0] if args else None, default=default)
    except PeriodError:
        await _bad_input(update, args[0] if args else default, usage)
        return None


# --- commands ----------------------------------------------------------------------------


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats [7d|30d|all|YYYY-MM-DD]: the figures, then the per-day chart."""
    if not await _allowed(update, context, "stats"):
        return
    period = await _period_arg(update, context, "7d", "usage_stats")
    if period is None:
        return
    lang = lang_of(update)
    stats = await asyncio.to_thread(corpus_of(context).log.stats, period)
    await _reply_lines(update, stats_lines(stats, period, lang))
    if not stats.questions:
        return
    png = await asyncio.to_thread(questions_per_day_png, stats.days)
    message = update.effective_message
    if message is not None:
        await message.reply_photo(png, caption=t(lang, "stats_chart"), parse_mode=None)


async def _listing_command(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    command: str,
    read: Callable[[Corpus, Period], Any],
    render: Callable[[Any, Period, Lang], list[Line]],
) -> None:
    """Role, period (default 30 days), one log reading off the event loop, render, reply."""
    if not await _allowed(update, context, command):
        return
    period = await _period_arg(update, context, "30d", f"usage_{command}")
    if period is None:
        return
    rows = await asyncio.to_thread(read, corpus_of(context), period)
    await _reply_lines(update, render(rows, period, lang_of(update)))


async def unanswered_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/unanswered [period]: recent questions that found nothing, similar ones grouped."""
    await _listing_command(
        update, context, "unanswered", lambda c, p: c.log.unanswered(p), unanswered_lines
    )


async def top_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/top [period]: the most-asked questions."""
    await _listing_command(update, context, "top", lambda c, p: c.log.top(p), top_lines)


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/export [from] [to]: the log as a CSV document (UTF-8 with BOM, pseudonyms only)."""
    if not await _allowed(update, context, "export"):
        return
    args = context.args or []
    if len(args) > 2:
        await _bad_input(update, " ".join(args), "usage_export")
        return
    try:
        period = parse_range(*(args + [None] * (2 - len(args))))
    except PeriodError:
        await _bad_input(update, " ".join(args), "usage_export")
        return
    lang = lang_of(update)
    exported = await asyncio.to_thread(corpus_of(context).log.export_csv, period)
    label = period_text(period, lang)
    if not exported.count:
        await _reply_lines(update, [(Piece(t(lang, "export_empty", period=label)),)])
        return
    message = update.effective_message
    if message is not None:
        await message.reply_document(
            exported.data,
            filename=f"linli-log-{period.label.replace('..', '_')}.csv",
            caption=t(
                lang,
                "export_caption",
                count=exported.count,
                period=label,
                undelivered=exported.undelivered,
            ),
            parse_mode=None,
        )


# --- the daily purge ---------------------------------------------------------------------


async def purge_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Delete log entries older than LOG_RETENTION_DAYS (runs daily from the job queue)."""
    settings: Settings = context.bot_data["settings"]
    if settings.log_retention_days < 1:
        # 0 or less would empty the whole log every day: surely a typo, never a policy.
        log.warning("LOG_RETENTION_DAYS=%d: not purging", settings.log_retention_days)
        return
    try:
        deleted = await asyncio.to_thread(
            corpus_of(context).log.purge, days=settings.log_retention_days
        )
    except Exception:  # a failed purge is retried tomorrow; the bot keeps answering
        log.exception("the daily query log purge failed")
        return
    log.info(
        "query log purge: deleted %d entries older than %d days",
        deleted,
        settings.log_retention_days,
    )


def schedule_purge(application: Application) -> None:
    """Purge the log a minute after start, then daily (the purge itself runs in a thread)."""
    if application.job_queue is None:  # PTB installed without its job-queue extra
        log.warning("no job queue: old query log entries are only purged by `linli logs purge`")
        return
    application.job_queue.run_repeating(
        purge_job, interval=PURGE_INTERVAL, first=PURGE_FIRST, name=PURGE_JOB
    )

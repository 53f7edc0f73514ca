"""Opening the paper: deep links (``/start a123``), /latest's issue buttons and their
article lists, and whole articles sent a few messages at a time ("read on" for the rest).

Every id in a link or a button's data may be forged or stale: an unknown one gets a
clear message, never an error.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.ext import ContextTypes

from bot import callbacks
from bot.render.html import escape, to_messages, to_plain_messages
from bot.render.links import article_lines, issue_keyboard, issue_label, latest_keyboard
from bot.residents import BUTTONS, corpus_of, lang_for, prefs_of, send_html, within_limit
from bot.state import RateLimiter, SavedButtons
from bot.texts import EXAMPLE_QUESTIONS, t
from corpus.api import Lang, Line, Piece, format_issue_date

log = logging.getLogger(__name__)

# Messages of a whole article sent per press; a "read on" button sends the next ones.
# Without a cap one press of 全文 on a long article sent dozens of messages.
ARTICLE_PARTS = 3
# Issues /latest lists.
LATEST = 3


async def send_article(
    context: ContextTypes.DEFAULT_TYPE,
    message: Message,
    article_id: int,
    lang: Lang,
    *,
    user_id: int,
    first: int = 0,
    key: str | None = None,
) -> Literal["sent", "gone", "past_end"]:
    """Messages ``first`` to ``first + ARTICLE_PARTS`` of an article, as replies to
    ``message``, with "read on" if there is more.

    Returns:
        "sent"; "gone" if the article is not stored; "past_end" if it has no message
        ``first`` (nothing was sent).
    """
    view = await asyncio.to_thread(corpus_of(context).issues.article, article_id)
    if view is None:
        return "gone"
    lines = article_lines(view, lang)
    html, plain = to_messages(lines), to_plain_messages(lines)
    if not 0 <= first < len(html):
        return "past_end"
    end = first + ARTICLE_PARTS
    markup = None
    if end < len(html):
        if key is None:
            saved: SavedButtons = context.bot_data[BUTTONS]
            key = saved.put_article(article_id, lang, chat_id=message.chat_id, user_id=user_id)
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(t(lang, "read_rest"), callback_data=callbacks.rest(key, end))]]
        )
    await send_html(message, html[first:end], plain[first:end], reply_markup=markup, quote=True)
    return "sent"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The greeting with example questions, or what a deep link opens (``/start a123``)."""
    if not await within_limit(update, context):
        return
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    lang = await lang_for(update, context)
    payload = context.args[0] if context.args else None
    if payload and payload != callbacks.ASK_PAYLOAD:
        article_id = callbacks.parse_start(payload)
        if (
            article_id is not None
            and await send_article(context, message, article_id, lang, user_id=user.id) == "sent"
        ):
            return
        # A forged, mistyped or stale link: say so, then greet as usual.
        await message.reply_text(t(lang, "bad_link"))
    name = user.first_name or ("there" if lang == "en" else "邻居")
    buttons = [
        [InlineKeyboardButton(q, callback_data=callbacks.example(lang, i))]
        for i, q in enumerate(EXAMPLE_QUESTIONS[lang])
    ]
    await message.reply_text(
        t(lang, "start", name=escape(name)), reply_markup=InlineKeyboardMarkup(buttons)
    )


async def latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The newest issues (the resident's street first), each a button to its articles."""
    if not await within_limit(update, context):
        return
    message = update.effective_message
    if message is None:
        return
    lang = await lang_for(update, context)
    street = (await prefs_of(update, context)).street
    issues = await asyncio.to_thread(corpus_of(context).issues.latest, LATEST, street=street)
    if not issues:
        await message.reply_text(t(lang, "latest_empty"))
        return
    lines: list[Line] = [(Piece(t(lang, "latest_head"), bold=True),)]
    for info, titles in issues:
        lines.append(())
        lines.append(
            (Piece(f"{info.publication} · {info.street} · {format_issue_date(info.date, lang)}"),)
        )
        lines += [(Piece(f"· {title}"),) for title in titles]
    lines += [(), (Piece(t(lang, "latest_hint")),)]
    markup = latest_keyboard([info for info, _ in issues], lang)
    await send_html(message, to_messages(lines), to_plain_messages(lines), reply_markup=markup)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An issue's button (its article list) or an article's (the article, capped)."""
    query = update.callback_query
    if query is None:
        return
    lang = await lang_for(update, context)
    limiter: RateLimiter = context.bot_data["limiter"]
    if not limiter.allow(query.from_user.id):
        await query.answer(t(lang, "rate_limited"))
        return
    press = callbacks.parse_open(query.data)
    if press is None or query.message is None:
        await query.answer(t(lang, "expired"), show_alert=True)
        return
    kind, number = press
    if kind == "i":
        await _issue_articles(query, context, number, lang)
        return
    message = query.message
    if not isinstance(message, Message):  # too old for Telegram to say what it was
        await query.answer(t(lang, "expired"), show_alert=True)
        return
    if await send_article(context, message, number, lang, user_id=query.from_user.id) == "sent":
        await query.answer()
    else:
        await query.answer(t(lang, "article_gone"), show_alert=True)


async def _issue_articles(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, issue_id: int, lang: Lang
) -> None:
    found = await asyncio.to_thread(corpus_of(context).issues.articles, issue_id)
    if found is None:
        await query.answer(t(lang, "issue_gone"), show_alert=True)
        return
    info, articles = found
    await query.answer()
    label = issue_label(info, lang)
    key = "issue_articles" if articles else "issue_no_articles"
    message = query.message
    if isinstance(message, Message):
        await message.reply_text(
            t(lang, key, label=escape(label)), reply_markup=issue_keyboard(articles)
        )

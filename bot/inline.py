"""Inline mode: ``@bot 问题`` in any chat offers quotes to send; choosing one sends the
quote with its source and a link that opens the article in a chat with the bot.

Inline queries come as the resident types, so each is answered like a question (off the
event loop) but not logged; the result they choose (``chosen_inline_result``, sent only
when inline feedback is on with @BotFather) is logged like a question, pseudonymously.
"""

from __future__ import annotations

import asyncio
import functools
import logging

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot import callbacks
from bot.render.links import clip, deep_link, inline_description, inline_message
from bot.residents import corpus_of, lang_of, prefs_of
from bot.state import RateLimiter
from bot.texts import t
from corpus.api import new_ref

log = logging.getLogger(__name__)

# Results offered per inline query.
RESULTS = 5
# bot_data key of the inline queries' own rate limit: Telegram sends one as the resident
# types, so it allows a multiple of the questions' limit (see bot.app).
LIMITER = "inline_limiter"
# Seconds Telegram may reuse an inline answer for the same resident and text.
CACHE_SECONDS = 30


async def on_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.inline_query
    if query is None:
        return
    prefs = await prefs_of(update, context)
    lang = prefs.lang or lang_of(update)
    text = (query.query or "").strip()
    results: list[InlineQueryResultArticle] = []
    limiter: RateLimiter = context.bot_data[LIMITER]
    if text and not limiter.allow(query.from_user.id):
        # Nothing offered, and the button says why; Telegram shows no error in a chat.
        await query.answer(
            [],
            cache_time=0,
            is_personal=True,
            button=InlineQueryResultsButton(
                text=t(lang, "inline_slow"), start_parameter=callbacks.ASK_PAYLOAD
            ),
        )
        return
    if text:
        pool = context.bot_data.get("answer_pool")
        answer = await asyncio.get_running_loop().run_in_executor(
            pool, functools.partial(corpus_of(context).ask, text, street=prefs.street)
        )
        username = context.bot.username
        for quote in answer.quotes[:RESULTS]:
            link = deep_link(username, quote.source.article_id) if username else None
            results.append(
                InlineQueryResultArticle(
                    id=f"p{quote.passage_id}",
                    title=clip(quote.source.article_title, 60),
                    description=inline_description(quote, answer.lang),
                    input_message_content=InputTextMessageContent(
                        inline_message(quote, link, answer.lang),
                        parse_mode=ParseMode.HTML,
                    ),
                )
            )
    button = InlineQueryResultsButton(
        text=t(lang, "inline_none" if text else "inline_ask"), start_parameter=callbacks.ASK_PAYLOAD
    )
    await query.answer(
        results,
        cache_time=CACHE_SECONDS,
        is_personal=True,
        button=None if results else button,
    )


async def on_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A resident sent one of the offered quotes: log it like a question."""
    chosen = update.chosen_inline_result
    if chosen is None or not (chosen.query or "").strip():
        return
    prefs = await prefs_of(update, context)
    corpus = corpus_of(context)
    pool = context.bot_data.get("answer_pool")
    # Asked again rather than remembered from the inline query: Telegram sends only the
    # text and the result's id, and answering takes a millisecond.
    answer = await asyncio.get_running_loop().run_in_executor(
        pool, functools.partial(corpus.ask, chosen.query, street=prefs.street)
    )
    corpus.log.record_soon(answer, channel="inline", user_id=chosen.from_user.id, ref=new_ref())

"""The buttons under an answer: pages, the whole article (capped, with "read on"), 👍/👎,
and the example questions of /start. Every press is parsed by :mod:`bot.callbacks`, bound to
its chat (and, for 👍/👎, its asker) and counted against the asker's rate limit.

The state behind them is in the store (:class:`bot.state.SavedButtons`), so they work
after a restart until the store's age limit.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import (
    CallbackQuery,
    Message,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import callbacks
from bot.articles import send_article
from bot.render.answer import answer_keyboard
from bot.render.html import escape, to_messages, to_plain_messages
from bot.residents import BUTTONS, answer_question, corpus_of, is_parse_error, lang_for
from bot.state import Conversation, RateLimiter, SavedButtons
from bot.texts import EXAMPLE_QUESTIONS, t
from corpus.api import Lang, StoreError, answer_lines

log = logging.getLogger(__name__)


async def callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    lang = await lang_for(update, context)
    press = callbacks.parse_resident(query.data)
    if press is not None and press.kind != "f" and not _accessible(query):
        # A press on a message Telegram calls inaccessible (date 0: deleted, or too old
        # for the bot), or on none at all (an inline one): nothing can be edited or
        # replied to, and trying only ended in the handler's apology. 👍/👎 still works.
        await query.answer(t(lang, "expired"), show_alert=True)
        return
    if press is not None and press.kind == "x":
        await _example(query, update, context, press.key, press.number)  # limited as a question
        return
    # Presses cost what questions cost (a search, a page, an article): the same limit.
    limiter: RateLimiter = context.bot_data["limiter"]
    if not limiter.allow(query.from_user.id):
        await query.answer(t(lang, "rate_limited"))
        return
    saved: SavedButtons = context.bot_data[BUTTONS]
    chat = update.effective_chat
    chat_hash = saved.owner(chat.id if chat else None)
    if press is not None and press.kind == "r":
        await _rest(query, context, saved, chat_hash, press.key, press.number, lang)
        return
    conversation = await asyncio.to_thread(saved.answer, press.key) if press is not None else None
    if press is None or conversation is None:
        await query.answer(t(lang, "expired"), show_alert=True)
        return
    if not conversation.may_press(
        chat_hash, saved.owner(query.from_user.id), asker_only=press.kind == "f"
    ):
        # Someone else's answer (its data replayed, or another group member's 👎):
        # nothing changes, and the presser learns why.
        await query.answer(t(lang, "not_yours"), show_alert=True)
        return
    if press.kind == "p":
        await _page(query, context, saved, conversation, press.key, press.number)
    elif press.kind == "a":
        await _full_article(query, context, conversation, press.number)
    else:
        await _feedback(query, context, saved, conversation, press.key, press.number)


def _accessible(query: CallbackQuery) -> bool:
    return isinstance(query.message, Message) and query.message.is_accessible


async def expired_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button whose data nobody recognises: politely ask to ask again."""
    if update.callback_query is not None:
        await update.callback_query.answer(t(await lang_for(update, context), "expired"), show_alert=True)


async def _example(
    query: CallbackQuery,
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    lang_code: str,
    index: int,
) -> None:
    examples = EXAMPLE_QUESTIONS.get(lang_code, ())
    try:
        question = examples[index]
    except IndexError:
        await query.answer(t(await lang_for(update, context), "expired"), show_alert=True)
        return
    await query.answer()
    if query.message is None:
        return
    # Shown as if the resident had typed it, then answered like any question.
    await query.message.reply_text(f"❓ {escape(question)}", do_quote=False)
    await answer_question(update, context, question)


async def _page(
    query: CallbackQuery,
    context: ContextTypes.DEFAULT_TYPE,
    saved: SavedButtons,
    conversation: Conversation,
    key: str,
    page: int,
) -> None:
    answer = conversation.answer
    lang = answer.lang
    if not 0 <= page < answer.pages:
        await query.answer(t(lang, "no_more"))
        return
    conversation.page = page
    await _keep(saved, key, conversation)
    lines = answer_lines(answer, page)
    html_text = to_messages(lines)[0]
    markup = answer_keyboard(key, answer, page, lang, bot_username=context.bot.username)
    await query.answer()
    try:
        await query.edit_message_text(html_text, reply_markup=markup)
    except BadRequest as error:
        if "not modified" in error.message.lower():
            return
        if not is_parse_error(error):
            raise
        await query.edit_message_text(
            to_plain_messages(lines)[0], parse_mode=None, reply_markup=markup
        )


async def _keep(saved: SavedButtons, key: str, conversation: Conversation) -> None:
    try:
        await asyncio.to_thread(saved.save, key, conversation)
    except StoreError:
        log.warning("could not keep the page on display of %s", key, exc_info=True)


async def _full_article(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, conversation: Conversation, n: int
) -> None:
    answer = conversation.answer
    lang = answer.lang
    message = query.message
    if not 0 <= n < len(answer.quotes) or not isinstance(message, Message):
        await query.answer(t(lang, "expired"), show_alert=True)
        return
    article_id = answer.quotes[n].source.article_id
    if await send_article(context, message, article_id, lang, user_id=query.from_user.id) == "sent":
        await query.answer()
    else:
        await query.answer(t(lang, "article_gone"), show_alert=True)


async def _rest(
    query: CallbackQuery,
    context: ContextTypes.DEFAULT_TYPE,
    saved: SavedButtons,
    chat_hash: str,
    key: str,
    part: int,
    lang: Lang,
) -> None:
    """ "Read on" under a long article: its next few messages, in the chat it was sent to."""
    pages = await asyncio.to_thread(saved.article, key)
    lang = pages.lang if pages is not None else lang
    message = query.message
    if pages is None or part <= 0 or not isinstance(message, Message):
        await query.answer(t(lang, "expired"), show_alert=True)
        return
    if chat_hash != pages.chat_hash:
        await query.answer(t(lang, "not_yours"), show_alert=True)
        return
    sent = await send_article(
        context, message, pages.article_id, lang, user_id=query.from_user.id, first=part, key=key
    )
    if sent == "sent":
        await query.answer()
    else:
        await query.answer(t(lang, "article_gone" if sent == "gone" else "expired"), show_alert=True)


async def _feedback(
    query: CallbackQuery,
    context: ContextTypes.DEFAULT_TYPE,
    saved: SavedButtons,
    conversation: Conversation,
    key: str,
    value: int,
) -> None:
    lang = conversation.answer.lang
    if value not in (1, -1):
        await query.answer(t(lang, "expired"), show_alert=True)
        return
    # Queued with the log entries and written by the next flush, within a second.
    corpus_of(context).log.feedback_soon(conversation.ref, value)
    conversation.feedback = value
    await _keep(saved, key, conversation)
    await query.answer(t(lang, "feedback_thanks_up" if value > 0 else "feedback_thanks_down"))

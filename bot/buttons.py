"""The buttons under an answer: pages, the whole article (capped, with "read on"), 👍/👎,
and the example questions of /start. Every press is parsed by :mod:`bot.callbacks`, bound to
its chat (and, for 👍/👎, its asker) and counted against the asker's rate limit."""

from __future__ import annotations

import asyncio
import logging

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import callbacks
from bot.render.answer import answer_keyboard
from bot.render.html import escape, text_lines, to_messages, to_plain_messages
from bot.residents import answer_question, corpus_of, is_parse_error, lang_of, send_html
from bot.state import ArticlePages, Conversation, KeyedStore, RateLimiter
from bot.texts import EXAMPLE_QUESTIONS, t
from corpus.api import (
    Line,
    Piece,
    answer_lines,
    source_line,
)

log = logging.getLogger(__name__)

# Messages of a whole article sent per press; a "read on" button sends the next ones.
# Without a cap one press of 全文 on a long article sent dozens of messages.
ARTICLE_PARTS = 3
# bot_data key of the KeyedStore[ArticlePages] behind the "read on" buttons.
ARTICLES = "articles"


async def callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    lang = lang_of(update)
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
    if press is not None and press.kind == "r":
        await _rest(query, update, context, press.key, press.number)
        return
    cache: KeyedStore[Conversation] = context.bot_data["cache"]
    conversation = cache.get(press.key) if press is not None else None
    if press is None or conversation is None:
        await query.answer(t(lang, "expired"), show_alert=True)
        return
    chat = update.effective_chat
    if not conversation.may_press(
        chat.id if chat else None, query.from_user.id, asker_only=press.kind == "f"
    ):
        # Someone else's answer (its data replayed, or another group member's 👎):
        # nothing changes, and the presser learns why.
        await query.answer(t(lang, "not_yours"), show_alert=True)
        return
    if press.kind == "p":
        await _page(query, conversation, press.key, press.number)
    elif press.kind == "a":
        await _full_article(query, context, conversation, press.number)
    else:
        await _feedback(query, context, conversation, press.number)


def _accessible(query: CallbackQuery) -> bool:
    return isinstance(query.message, Message) and query.message.is_accessible


async def expired_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button whose data nobody recognises: politely ask to ask again."""
    if update.callback_query is not None:
        await update.callback_query.answer(t(lang_of(update), "expired"), show_alert=True)


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
        await query.answer(t(lang_of(update), "expired"), show_alert=True)
        return
    await query.answer()
    if query.message is None:
        return
    # Shown as if the resident had typed it, then answered like any question.
    await query.message.reply_text(f"❓ {escape(question)}", do_quote=False)
    await answer_question(update, context, question)


async def _page(query: CallbackQuery, conversation: Conversation, key: str, page: int) -> None:
    answer = conversation.answer
    lang = answer.lang
    if not 0 <= page < answer.pages:
        await query.answer(t(lang, "no_more"))
        return
    conversation.page = page
    lines = answer_lines(answer, page)
    html_text = to_messages(lines)[0]
    markup = answer_keyboard(key, answer, page, lang)
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


async def _full_article(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, conversation: Conversation, n: int
) -> None:
    answer = conversation.answer
    lang = answer.lang
    if not 0 <= n < len(answer.quotes):
        await query.answer(t(lang, "expired"), show_alert=True)
        return
    view = await asyncio.to_thread(corpus_of(context).issues.article, answer.quotes[n].source.article_id)
    if view is None:
        await query.answer(t(lang, "article_gone"), show_alert=True)
        return
    await query.answer()
    lines: list[Line] = [(Piece(view.source.article_title, bold=True),)]
    if view.subtitle:
        lines.append(text_lines(view.subtitle)[0])
    lines.append(text_lines("—— " + source_line(view.source, lang))[0])
    lines.append(())
    lines += text_lines(view.body)
    if view.byline:
        lines.append(text_lines(f"（{view.byline}）")[0])
    pages = ArticlePages(conversation.chat_id, to_messages(lines), to_plain_messages(lines), lang)
    await _send_parts(query, context, pages, 0)


async def _rest(
    query: CallbackQuery, update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, part: int
) -> None:
    """ "Read on" under a long article: its next few messages, in the chat it was sent to."""
    store: KeyedStore[ArticlePages] = context.bot_data[ARTICLES]
    pages = store.get(key)
    lang = lang_of(update)
    if pages is None or not 0 < part < len(pages.html):
        await query.answer(t(lang, "expired"), show_alert=True)
        return
    chat = update.effective_chat
    if chat is None or chat.id != pages.chat_id:
        await query.answer(t(lang, "not_yours"), show_alert=True)
        return
    await query.answer()
    await _send_parts(query, context, pages, part, key)


async def _send_parts(
    query: CallbackQuery,
    context: ContextTypes.DEFAULT_TYPE,
    pages: ArticlePages,
    first: int,
    key: str | None = None,
) -> None:
    """Messages ``first`` to ``first + ARTICLE_PARTS`` of an article, and "read on" if more."""
    if query.message is None:
        return
    end = first + ARTICLE_PARTS
    markup = None
    if end < len(pages.html):
        # The article is kept server-side (its messages are far over 64 bytes of data).
        key = key or context.bot_data[ARTICLES].put(pages)
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(t(pages.lang, "read_rest"), callback_data=callbacks.rest(key, end))]]
        )
    await send_html(
        query.message, pages.html[first:end], pages.plain[first:end], reply_markup=markup, quote=True
    )


async def _feedback(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, conversation: Conversation, value: int
) -> None:
    lang = conversation.answer.lang
    if value not in (1, -1):
        await query.answer(t(lang, "expired"), show_alert=True)
        return
    # Queued with the log entries and written by the next flush, within a second.
    corpus_of(context).log.feedback_soon(conversation.ref, value)
    conversation.feedback = value
    await query.answer(t(lang, "feedback_thanks_up" if value > 0 else "feedback_thanks_down"))

"""Residents' handlers: thin — read the update, call the corpus, render, reply."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import ContextTypes

from bot import callbacks
from bot.render.answer import answer_keyboard
from bot.render.html import escape, to_messages, to_plain_messages
from bot.state import Conversation, KeyedStore, RateLimiter
from bot.texts import EXAMPLE_QUESTIONS, store_error_text, t, user_lang
from corpus.api import (
    Corpus,
    Delivery,
    Lang,
    Line,
    Piece,
    StoreError,
    answer_lines,
    format_issue_date,
    new_ref,
)

log = logging.getLogger(__name__)

# Seconds an answer may take before the chat shows "typing…".
TYPING_AFTER = 1.0
# Seconds before a reply that failed with a 5xx (or never reached Telegram) is sent once
# more: such failures are mostly momentary, and a second failure is given up on.
RESEND_AFTER = 0.5


# --- shared plumbing ---------------------------------------------------------------------


def corpus_of(context: ContextTypes.DEFAULT_TYPE) -> Corpus:
    return context.bot_data["corpus"]


def lang_of(update: Update) -> Lang:
    user = update.effective_user
    return user_lang(user.language_code if user else None)


def is_parse_error(error: BadRequest) -> bool:
    return "parse" in error.message.lower() or "entit" in error.message.lower()


async def _reply_text(message: Message, text: str, **kwargs: Any) -> Message:
    """``message.reply_text``, tried once more after a 5xx or a failed connection.

    PTB raises a bare NetworkError for both (BadRequest and TimedOut are subclasses, and
    are not retried: a refused message fails again, and a timed-out one may have arrived,
    so sending it again could show the resident the answer twice). 429s are waited out
    by the application's AIORateLimiter before anything reaches here.
    """
    try:
        return await message.reply_text(text, **kwargs)
    except (BadRequest, TimedOut):
        raise
    except NetworkError as error:
        log.warning("sending a reply failed (%s); trying once more", error)
        await asyncio.sleep(RESEND_AFTER)
        return await message.reply_text(text, **kwargs)


async def send_html(
    message: Message,
    html_parts: list[str],
    plain_parts: list[str],
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    quote: bool = True,
) -> Message | None:
    """Send one reply (split into parts), HTML first; plain text if Telegram refuses the markup.

    The keyboard goes under the last part.
    """
    sent: Message | None = None
    for i, (html_text, plain) in enumerate(zip(html_parts, plain_parts, strict=True)):
        markup = reply_markup if i == len(html_parts) - 1 else None
        try:
            sent = await _reply_text(
                message, html_text, reply_markup=markup, do_quote=quote and i == 0
            )
        except BadRequest as error:
            if not is_parse_error(error):
                raise
            log.warning("Telegram refused the HTML of a reply (%s); sending plain text", error)
            sent = await _reply_text(
                message, plain, parse_mode=None, reply_markup=markup, do_quote=quote and i == 0
            )
    return sent


async def _typing_after(context: ContextTypes.DEFAULT_TYPE, chat_id: int, delay: float) -> None:
    await asyncio.sleep(delay)
    await context.bot.send_chat_action(chat_id, ChatAction.TYPING)


async def within_limit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Count a reply against the user's per-minute limit; False (after one warning) past it.

    Every resident input the bot replies to is counted, not only questions: /start,
    /latest, stickers or unknown commands sent in a loop cost replies too, and every
    reply spends the ~30 messages a second Telegram allows the bot in all.
    """
    user = update.effective_user
    if user is None:
        return True
    limiter: RateLimiter = context.bot_data["limiter"]
    if limiter.allow(user.id):
        return True
    if limiter.should_warn(user.id) and update.effective_message is not None:
        await update.effective_message.reply_text(t(lang_of(update), "rate_limited"))
    return False


async def answer_question(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: str
) -> None:
    """The one path every question takes: rate limit, answer off the loop, reply, then log."""
    message = update.effective_message
    user = update.effective_user
    chat = update.effective_chat
    if message is None or user is None or chat is None:
        return
    if not await within_limit(update, context):
        return
    corpus = corpus_of(context)
    # "typing…" only when the answer is slow to come: most take milliseconds, and every
    # indicator spends one of the bot's ~30 requests a second that replies need in a burst.
    typing = context.application.create_task(
        _typing_after(context, chat.id, TYPING_AFTER), update=update
    )
    try:
        pool = context.bot_data.get("answer_pool")
        answer = await asyncio.get_running_loop().run_in_executor(pool, corpus.answers.answer, question)
    finally:
        typing.cancel()
    ref = new_ref()
    cache: KeyedStore[Conversation] = context.bot_data["cache"]
    key = cache.put(Conversation(answer=answer, ref=ref, chat_id=chat.id, user_id=user.id))
    lines = answer_lines(answer, 0)
    channel = "private" if chat.type == ChatType.PRIVATE else "group"
    delivery: Delivery = "failed"
    try:
        await send_html(
            message,
            to_messages(lines),
            to_plain_messages(lines),
            reply_markup=answer_keyboard(key, answer, 0, answer.lang),
        )
        delivery = "sent"
    finally:
        # Queued whatever became of the reply, so an answer Telegram never delivered
        # still counts in /stats (the resident asked), marked failed; the failure itself
        # goes on to on_error, which logs it and tries to apologise. Written with others
        # within a second (bot.app's flush job): a slow or failing log never delays a reply.
        corpus.log.record_soon(
            answer, channel=channel, user_id=user.id, ref=ref, delivery=delivery
        )


# --- commands ----------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await within_limit(update, context):
        return
    lang = lang_of(update)
    user = update.effective_user
    name = user.first_name if user and user.first_name else ("there" if lang == "en" else "邻居")
    buttons = [
        [InlineKeyboardButton(q, callback_data=callbacks.example(lang, i))]
        for i, q in enumerate(EXAMPLE_QUESTIONS[lang])
    ]
    await update.effective_message.reply_text(
        t(lang, "start", name=escape(name)), reply_markup=InlineKeyboardMarkup(buttons)
    )


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await within_limit(update, context):
        return
    await update.effective_message.reply_text(
        t(lang_of(update), "help", bot=escape(context.bot.username or "linli_bot"))
    )


async def latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await within_limit(update, context):
        return
    lang = lang_of(update)
    issues = await asyncio.to_thread(corpus_of(context).issues.latest, 3)
    if not issues:
        await update.effective_message.reply_text(t(lang, "latest_empty"))
        return
    lines: list[Line] = [(Piece(t(lang, "latest_head"), bold=True),)]
    for info, titles in issues:
        lines.append(())
        lines.append(
            (Piece(f"{info.publication} · {info.street} · {format_issue_date(info.date, lang)}"),)
        )
        lines += [(Piece(f"· {title}"),) for title in titles]
    await send_html(update.effective_message, to_messages(lines), to_plain_messages(lines))


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await within_limit(update, context):
        return
    days = context.bot_data["settings"].log_retention_days
    await update.effective_message.reply_text(t(lang_of(update), "privacy", days=days))


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    question = " ".join(context.args or []).strip()
    await _answer_or_explain(update, context, update.effective_message, question)


async def _answer_or_explain(
    update: Update, context: ContextTypes.DEFAULT_TYPE, message: Message, question: str
) -> None:
    """Answer ``question``, or say how to ask when the resident gave none (/ask, @bot)."""
    if not question:
        if not await within_limit(update, context):
            return
        lang = lang_of(update)
        await message.reply_text(t(lang, "ask_usage", example=escape(EXAMPLE_QUESTIONS[lang][0])))
        return
    await answer_question(update, context, question)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    if chat.type != ChatType.PRIVATE:
        # In groups, commands without our name may be meant for another bot.
        command = (message.text or "").split()[0]
        username = (context.bot.username or "").lower()
        if not command.lower().endswith(f"@{username}"):
            return
    if not await within_limit(update, context):
        return
    await message.reply_text(t(lang_of(update), "unknown_command"))


# --- messages ----------------------------------------------------------------------------


async def private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await answer_question(update, context, update.effective_message.text or "")


def _mentions_bot(message: Message, username: str, bot_id: int) -> tuple[bool, str]:
    """Whether a group message is addressed to the bot, and the text without the mention."""
    text = message.text or ""
    addressed = False
    for entity, value in message.parse_entities(
        [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    ).items():
        if (entity.type == MessageEntity.MENTION and value.lower() == f"@{username.lower()}") or (
            entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id
        ):
            addressed = True
            text = text.replace(value, " ")
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and reply.from_user.id == bot_id:
        addressed = True
    return addressed, re.sub(r"\s+", " ", text).strip()


async def group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    addressed, question = _mentions_bot(message, context.bot.username or "", context.bot.id)
    if not addressed:
        return  # other chatter in the group is not for us
    await _answer_or_explain(update, context, message, question)


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    if chat.type != ChatType.PRIVATE:
        reply = message.reply_to_message
        if not (reply and reply.from_user and reply.from_user.id == context.bot.id):
            return
    if not await within_limit(update, context):
        return
    lang = lang_of(update)
    await message.reply_text(t(lang, "non_text", example=escape(EXAMPLE_QUESTIONS[lang][0])))


# --- errors ------------------------------------------------------------------------------


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure and apologise; PTB keeps running the other handlers.

    A database failure says whether trying again can help (StoreError.permanent): staff
    told to "try again later" about data the database refuses would retry forever.
    """
    log.error("a handler failed", exc_info=context.error)
    if not isinstance(update, Update):
        return
    lang = lang_of(update)
    error = context.error
    text = store_error_text(error, lang) if isinstance(error, StoreError) else t(lang, "error")
    try:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(text, show_alert=True)
                return
            except BadRequest:
                pass  # already answered before the failure: say it in the chat instead
        if update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, escape(text))
    except TelegramError:
        log.warning("could not send the apology either", exc_info=True)


# --- helpers -----------------------------------------------------------------------------

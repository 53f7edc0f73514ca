"""Residents' handlers: thin — read the update, call the corpus, render, reply."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import ContextTypes

from bot.render.answer import answer_keyboard
from bot.render.html import escape, to_messages, to_plain_messages
from bot.state import RateLimiter, SavedButtons, Topics
from bot.texts import EXAMPLE_QUESTIONS, store_error_text, t, user_lang
from corpus.api import (
    Corpus,
    Delivery,
    Lang,
    ResidentPrefs,
    StoreError,
    answer_lines,
    new_ref,
)

log = logging.getLogger(__name__)

# Seconds an answer may take before the chat shows "typing…".
TYPING_AFTER = 1.0
# Seconds before a reply that failed with a 5xx (or never reached Telegram) is sent once
# more: such failures are mostly momentary, and a second failure is given up on.
RESEND_AFTER = 0.5
# bot_data keys: the answers' buttons in the store (SavedButtons), the chats' last topics.
BUTTONS = "buttons"
TOPICS = "topics"


# --- shared plumbing ---------------------------------------------------------------------


def corpus_of(context: ContextTypes.DEFAULT_TYPE) -> Corpus:
    return context.bot_data["corpus"]


def lang_of(update: Update) -> Lang:
    """The language of the resident's Telegram client (see :func:`lang_for` for /settings)."""
    user = update.effective_user
    return user_lang(user.language_code if user else None)


async def prefs_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> ResidentPrefs:
    """The resident's /settings (cached by the corpus; a store failure means none)."""
    user = update.effective_user
    if user is None:
        return ResidentPrefs()
    try:
        return await asyncio.to_thread(corpus_of(context).residents.prefs, user.id)
    except StoreError:
        log.warning("could not read a resident's settings; using none", exc_info=True)
        return ResidentPrefs()


async def lang_for(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Lang:
    """The language chosen in /settings, else the client's."""
    return (await prefs_of(update, context)).lang or lang_of(update)


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
    prefs = await prefs_of(update, context)
    if not await within_limit(update, context):
        return
    corpus = corpus_of(context)
    topics: Topics = context.bot_data[TOPICS]
    previous = topics.get(chat.id, user.id)
    # "typing…" only when the answer is slow to come: most take milliseconds, and every
    # indicator spends one of the bot's ~30 requests a second that replies need in a burst.
    typing = context.application.create_task(
        _typing_after(context, chat.id, TYPING_AFTER), update=update
    )
    try:
        pool = context.bot_data.get("answer_pool")
        answer = await asyncio.get_running_loop().run_in_executor(
            pool,
            functools.partial(
                corpus.ask, question, previous_topic=previous, street=prefs.street
            ),
        )
    finally:
        typing.cancel()
    # A follow-up keeps the topic it was about; a question of its own replaces it (or,
    # when nothing was found, forgets it: "在哪里" then would be about nothing shown).
    topics.put(chat.id, user.id, answer.topic if answer.about or answer.found else None)
    ref = new_ref()
    saved: SavedButtons = context.bot_data[BUTTONS]
    # Kept in memory and written with others within a second (bot.app's flush job).
    # Not found is kept too: its one button follows the question (the next issue may cover it).
    key = saved.put_answer(answer, ref, chat_id=chat.id, user_id=user.id)
    lines = answer_lines(answer, 0)
    channel = "private" if chat.type == ChatType.PRIVATE else "group"
    delivery: Delivery = "failed"
    try:
        await send_html(
            message,
            to_messages(lines),
            to_plain_messages(lines),
            reply_markup=answer_keyboard(
                key, answer, 0, answer.lang, bot_username=context.bot.username
            ),
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


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await within_limit(update, context):
        return
    await update.effective_message.reply_text(
        t(await lang_for(update, context), "help", bot=escape(context.bot.username or "linli_bot"))
    )


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await within_limit(update, context):
        return
    settings = context.bot_data["settings"]
    await update.effective_message.reply_text(
        t(
            await lang_for(update, context),
            "privacy",
            days=settings.log_retention_days,
            follow_days=settings.follow_retention_days,
        )
    )


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
        lang = await lang_for(update, context)
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
    await message.reply_text(t(await lang_for(update, context), "unknown_command"))


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
    lang = await lang_for(update, context)
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

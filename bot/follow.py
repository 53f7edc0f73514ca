"""Following topics: /follow, /following, /unfollow, /notifications and their buttons.

Thin handlers: each reads the update, calls ``corpus.follows`` off the event loop and
renders. The chat follows, not the person: in a group the group does, any member may
change its follows, and notifications are posted to the group (``follow_added_group``
says so). Every press is parsed by :mod:`bot.callbacks`; an unfollow press is checked
against the pressing chat's own follows in the store, so replayed or forged data for
another chat's follow changes nothing.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import CallbackQuery, Chat, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import callbacks
from bot.render.follow import following_keyboard, following_lines, unfollow_all_keyboard
from bot.render.html import escape, to_messages, to_plain_messages
from bot.residents import BUTTONS, corpus_of, lang_of, send_html, within_limit
from bot.state import RateLimiter, SavedButtons
from bot.texts import t
from corpus.api import MAX_TOPIC_CHARS, Followed, Lang, Piece, TopicError

log = logging.getLogger(__name__)

ALL_WORDS = frozenset({"all", "全部", "所有"})
ON_WORDS = frozenset({"on", "开", "打开", "1"})
OFF_WORDS = frozenset({"off", "关", "关闭", "0"})


def _allowed(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> bool:
    limiter: RateLimiter = context.bot_data["limiter"]
    return limiter.allow(user_id)



async def _command_target(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[Message, Chat] | None:
    """The message and chat a follow command answers, or None (rate-limited, or no chat)."""
    if not await within_limit(update, context):
        return None
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return None
    return message, chat

async def _follow(update: Update, context: ContextTypes.DEFAULT_TYPE, chat: Chat, topic: str) -> str:
    """Follow ``topic`` for ``chat``; the reply to show, whatever happened."""
    lang = lang_of(update)
    try:
        result: Followed = await asyncio.to_thread(
            corpus_of(context).follows.follow,
            chat_id=chat.id,
            chat_type=chat.type,
            lang=lang,
            topic=topic,
        )
    except TopicError as error:
        if error.problem == "too_long":
            return t(lang, "follow_too_long", max=MAX_TOPIC_CHARS)
        if error.problem == "no_words":
            return t(lang, "follow_no_words", topic=escape(error.topic))
        return t(lang, "follow_usage")
    shown = escape(result.topic)
    if result.outcome == "full":
        return t(lang, "follow_full", cap=result.cap)
    if result.outcome == "exists":
        return t(lang, "follow_exists", topic=shown)
    if chat.type != ChatType.PRIVATE:
        return t(lang, "follow_added_group", topic=shown)
    return t(lang, "follow_added", topic=shown, count=result.count)


async def follow_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await within_limit(update, context):
        return
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    topic = " ".join(context.args or []).strip()
    if not topic:
        await message.reply_text(t(lang_of(update), "follow_usage"))
        return
    if not _allowed(context, user.id):
        await message.reply_text(t(lang_of(update), "rate_limited"))
        return
    await message.reply_text(await _follow(update, context, chat, topic))


async def following_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    target = await _command_target(update, context)
    if target is None:
        return
    message, chat = target
    await _show_following(update, context, message, chat)


async def _show_following(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    message: Message,
    chat: Chat,
    head: str | None = None,
) -> None:
    lang = lang_of(update)
    follows = corpus_of(context).follows
    listed = await asyncio.to_thread(follows.following, chat.id)
    # Looking at one's follows is what keeps them from the inactivity clean-up.
    on = await asyncio.to_thread(follows.notifications, chat.id)
    if listed:
        await asyncio.to_thread(follows.keep, chat.id)
    lines = following_lines(listed, lang, notifications=on is not False)
    if head and listed:
        lines = [(Piece(head),), (), *lines]
    await send_html(
        message, to_messages(lines), to_plain_messages(lines), reply_markup=following_keyboard(listed, lang)
    )


async def unfollow_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    target = await _command_target(update, context)
    if target is None:
        return
    message, chat = target
    lang = lang_of(update)
    topic = " ".join(context.args or []).strip()
    follows = corpus_of(context).follows
    if not topic:
        await _show_following(update, context, message, chat, head=t(lang, "unfollow_usage"))
        return
    if topic.lower() in ALL_WORDS:
        listed = await asyncio.to_thread(follows.following, chat.id)
        if not listed:
            await message.reply_text(t(lang, "following_empty"))
            return
        await message.reply_text(
            t(lang, "unfollow_all_confirm", count=len(listed)), reply_markup=unfollow_all_keyboard(lang)
        )
        return
    outcome, removed = await asyncio.to_thread(follows.unfollow_topic, chat_id=chat.id, topic=topic)
    if outcome != "removed":
        await message.reply_text(t(lang, "unfollow_unknown"))
        return
    await message.reply_text(await _after_removal(context, chat.id, lang, removed))


async def _after_removal(context: ContextTypes.DEFAULT_TYPE, chat_id: int, lang: Lang, topic: str) -> str:
    left = await asyncio.to_thread(corpus_of(context).follows.following, chat_id)
    return t(lang, "unfollowed" if left else "unfollowed_last", topic=escape(topic))


async def notifications_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/notifications on|off``; the merger may fold this into /settings (same library calls)."""
    target = await _command_target(update, context)
    if target is None:
        return
    message, chat = target
    lang = lang_of(update)
    follows = corpus_of(context).follows
    word = " ".join(context.args or []).strip().lower()
    if word in ON_WORDS or word in OFF_WORDS:
        on = word in ON_WORDS
        if not await asyncio.to_thread(follows.set_notifications, chat.id, on):
            await message.reply_text(t(lang, "notifications_none"))
            return
        await message.reply_text(t(lang, "notifications_set_on" if on else "notifications_set_off"))
        return
    state = await asyncio.to_thread(follows.notifications, chat.id)
    if state is None:
        await message.reply_text(t(lang, "notifications_none"))
        return
    shown = t(lang, "notifications_state_on" if state else "notifications_state_off")
    await message.reply_text(t(lang, "notifications_usage", state=shown))


# --- buttons -------------------------------------------------------------------------------


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    lang = lang_of(update)
    press = callbacks.parse_follow(query.data)
    if press is None:
        await query.answer(t(lang, "expired"), show_alert=True)
        return
    if not _allowed(context, query.from_user.id):
        await query.answer(t(lang, "rate_limited"))
        return
    follows = corpus_of(context).follows
    if press.kind == "w":
        await _follow_answer(query, update, context, chat, press.key)
    elif press.kind == "u":
        outcome, topic = await asyncio.to_thread(follows.unfollow, chat_id=chat.id, follow_id=press.number)
        if outcome == "not_yours":
            log.warning("chat %s pressed unfollow for another chat's follow", chat.id)
            await query.answer(t(lang, "unfollow_not_yours"), show_alert=True)
            return
        if outcome == "unknown":
            await query.answer(t(lang, "unfollow_unknown"), show_alert=True)
            return
        text = await _after_removal(context, chat.id, lang, topic)
        await query.answer(t(lang, "unfollowed", topic=topic)[:200])
        await _refresh_list(query, context, chat.id, lang, text)
    elif press.kind == "U":
        await _unfollow_all(query, context, chat.id, lang, press.key)
    else:  # "k": keep my follows
        kept = await asyncio.to_thread(follows.keep, chat.id)
        await query.answer()
        await _edit(query, t(lang, "kept" if kept else "following_empty"))


async def _follow_answer(
    query: CallbackQuery, update: Update, context: ContextTypes.DEFAULT_TYPE, chat: Chat, key: str
) -> None:
    """关注 under an answer: follow what that question asked about."""
    lang = lang_of(update)
    saved: SavedButtons = context.bot_data[BUTTONS]
    conversation = await asyncio.to_thread(saved.answer, key)
    if conversation is None:
        await query.answer(t(lang, "expired"), show_alert=True)
        return
    if not conversation.may_press(
        saved.owner(chat.id), saved.owner(query.from_user.id), asker_only=False
    ):
        await query.answer(t(lang, "not_yours"), show_alert=True)
        return
    reply = await _follow(update, context, chat, conversation.answer.query)
    await query.answer()
    if query.message is not None:
        await query.message.reply_text(reply, do_quote=True)


async def _unfollow_all(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, chat_id: int, lang: Lang, action: str
) -> None:
    follows = corpus_of(context).follows
    await query.answer()
    if action == "ask":
        listed = await asyncio.to_thread(follows.following, chat_id)
        if not listed:
            await _edit(query, t(lang, "following_empty"))
            return
        await _edit(query, t(lang, "unfollow_all_confirm", count=len(listed)), unfollow_all_keyboard(lang))
    elif action == "ok":
        count = await asyncio.to_thread(follows.unfollow_all, chat_id)
        await _edit(query, t(lang, "unfollowed_all", count=count) if count else t(lang, "following_empty"))
    else:
        await _edit(query, t(lang, "unfollow_all_kept"))


async def _refresh_list(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, chat_id: int, lang: Lang, head: str
) -> None:
    """The /following message after a removal: what was done, and what is left with its buttons."""
    follows = corpus_of(context).follows
    listed = await asyncio.to_thread(follows.following, chat_id)
    on = await asyncio.to_thread(follows.notifications, chat_id)
    if not listed:
        await _edit(query, head)
        return
    body = to_messages(following_lines(listed, lang, notifications=on is not False))[0]
    await _edit(query, f"{head}\n\n{body}", following_keyboard(listed, lang))


async def _edit(query: CallbackQuery, text: str, markup: object = None) -> None:
    try:
        await query.edit_message_text(text, reply_markup=markup)  # type: ignore[arg-type]
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise

"""/settings: my street (from the streets the store holds) and my language, as buttons.

A settings message belongs to the resident who sent /settings: its buttons carry their
Telegram id, and a press by anyone else is refused (in a group everyone sees the
message). The choices are stored under the query log's pseudonym, never the id.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import callbacks
from bot.render.links import lang_choices, settings_menu, settings_text, street_choices
from bot.residents import corpus_of, lang_of, prefs_of, within_limit
from bot.texts import t, user_lang
from corpus.api import Lang, ResidentPrefs, StoreError

log = logging.getLogger(__name__)


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await within_limit(update, context):
        return
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    prefs = await prefs_of(update, context)
    lang = prefs.lang or lang_of(update)
    notifications = await _notifications(context, message.chat_id)
    await message.reply_text(
        settings_text(prefs.street, prefs.lang, lang),
        reply_markup=settings_menu(user.id, lang, notifications),
    )


async def _notifications(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> bool | None:
    """Whether the chat's notifications are on (None: it follows nothing, or unknown)."""
    try:
        return await asyncio.to_thread(corpus_of(context).follows.notifications, chat_id)
    except StoreError:
        log.warning("could not read the notifications setting", exc_info=True)
        return None


async def _menu(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, prefs: ResidentPrefs, street: str | None, lang: Lang) -> None:
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    notifications = await _notifications(context, chat_id)
    await _show(
        query,
        settings_text(street, prefs.lang, lang),
        settings_menu(query.from_user.id, lang, notifications),
    )


async def _set_notifications(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, on: bool, prefs: ResidentPrefs, lang: Lang
) -> None:
    # Notifications belong to the chat that follows (in a group, the group's follows).
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    try:
        switched = await asyncio.to_thread(corpus_of(context).follows.set_notifications, chat_id, on)
    except StoreError:
        log.warning("could not save a notifications setting", exc_info=True)
        await query.answer(t(lang, "settings_failed"), show_alert=True)
        return
    if not switched:
        await query.answer(t(lang, "notifications_none"), show_alert=True)
        return
    await query.answer(t(lang, "notifications_set_on" if on else "notifications_set_off"))
    await _menu(query, context, prefs, prefs.street, lang)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    prefs = await prefs_of(update, context)
    lang = prefs.lang or lang_of(update)
    press = callbacks.parse_settings(query.data)
    if press is None:
        await query.answer(t(lang, "expired"), show_alert=True)
        return
    if press.user_id != query.from_user.id:
        await query.answer(t(lang, "not_yours"), show_alert=True)
        return
    residents = corpus_of(context).residents
    user_id = query.from_user.id
    if press.what == "m":
        await query.answer()
        await _menu(query, context, prefs, prefs.street, lang)
    elif press.what == "S":
        streets = await asyncio.to_thread(residents.streets)
        if not streets:
            await query.answer(t(lang, "no_streets"), show_alert=True)
            return
        await query.answer()
        await _show(query, t(lang, "settings_streets"), street_choices(user_id, streets, prefs.street, lang))
    elif press.what == "L":
        await query.answer()
        await _show(query, t(lang, "settings_langs"), lang_choices(user_id, prefs.lang, lang))
    elif press.what == "s":
        await _set_street(query, context, press.issue_id or None, prefs, lang)
    elif press.what == "n":
        await _set_notifications(query, context, press.notify == "on", prefs, lang)
    else:
        await _set_lang(query, context, None if press.lang == "auto" else press.lang, prefs)  # type: ignore[arg-type]


async def _set_street(
    query: CallbackQuery,
    context: ContextTypes.DEFAULT_TYPE,
    issue_id: int | None,
    prefs: ResidentPrefs,
    lang: Lang,
) -> None:
    residents = corpus_of(context).residents
    try:
        street = await asyncio.to_thread(residents.set_street, query.from_user.id, issue_id)
    except LookupError:
        # A forged id, or the street's issues were removed since the list was shown.
        await query.answer(t(lang, "street_gone"), show_alert=True)
        return
    except StoreError:
        log.warning("could not save a street setting", exc_info=True)
        await query.answer(t(lang, "settings_failed"), show_alert=True)
        return
    await query.answer(t(lang, "street_set", street=street) if street else t(lang, "street_cleared"))
    await _menu(query, context, prefs, street, lang)


async def _set_lang(
    query: CallbackQuery,
    context: ContextTypes.DEFAULT_TYPE,
    chosen: Lang | None,
    prefs: ResidentPrefs,
) -> None:
    residents = corpus_of(context).residents
    lang: Lang = chosen or user_lang(query.from_user.language_code)
    try:
        await asyncio.to_thread(residents.set_lang, query.from_user.id, chosen)
    except StoreError:
        log.warning("could not save a language setting", exc_info=True)
        await query.answer(t(prefs.lang or lang, "settings_failed"), show_alert=True)
        return
    await query.answer(t(lang, "lang_set"))
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    notifications = await _notifications(context, chat_id)
    await _show(
        query,
        settings_text(prefs.street, chosen, lang),
        settings_menu(query.from_user.id, lang, notifications),
    )


async def _show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup) -> None:
    """Show the settings message's new state in place."""
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise

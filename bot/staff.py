"""Staff's handlers: confirm or cancel a preview, remove and list issues; the staff role.

One upload and one tap: a staff member sends the issue (:mod:`bot.upload` asks what is
missing and shows a preview with 确认/取消), and on 确认 it is stored in one transaction
and re-indexed, so residents can ask about it at once. ``/remove N`` works the same way.

Handlers are thin: check the role (in every handler: the command menu is only a hint),
read the update, call one library function in a worker thread (``corpus.issues``, the
functions `linli ingest` and `linli remove` use too), render with
the pure ``render_*`` functions, reply. Buttons carry a short key; what they confirm lives
in a :class:`~bot.state.KeyedStore`, so a button from before a restart gets a polite "send it again".
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Literal

from telegram import LinkPreviewOptions, Update
from telegram.constants import ChatType
from telegram.ext import (
    ContextTypes,
)

from bot import callbacks
from bot.render.html import escape as _e
from bot.render.staff import (
    confirm_keyboard,
    info_label,
    issue_label,
    render_issues,
    render_remove,
)
from bot.residents import corpus_of, lang_of, within_limit
from bot.state import KeyedStore
from bot.texts import t
from corpus.api import Corpus, IssueInfo, Preview, StoreError
from corpus.settings import Settings

log = logging.getLogger(__name__)

#: A preview's buttons work this long.
PENDING_TTL = 24 * 3600

PENDING = "staff_pending"


# --- server-side state behind the preview buttons --------------------------------------


@dataclass
class Pending:
    """What a preview's 确认 would do: add a prepared issue, or remove a stored one."""

    kind: Literal["add", "remove"]
    user_id: int
    html: str  # the preview as shown, kept so the outcome can be appended to it
    preview: Preview | None = None
    issue: IssueInfo | None = None


def pending_store() -> KeyedStore[Pending]:
    """Previews awaiting 确认/取消 (``pop`` hands one out once)."""
    return KeyedStore(capacity=500, ttl=PENDING_TTL)


# --- roles ---------------------------------------------------------------------------------


def is_staff(settings: Settings, user_id: int | None) -> bool:
    """Staff or admin (admins are staff too); nobody when STAFF_IDS and ADMIN_IDS are empty."""
    return user_id is not None and (user_id in settings.staff_ids or user_id in settings.admin_ids)


async def allowed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: str, refusal: str = "staff_only"
) -> bool:
    """Staff may go on; anyone else gets a polite refusal, and the attempt is logged."""
    user = update.effective_user
    if is_staff(context.bot_data["settings"], user.id if user else None):
        return True
    # The numeric id only, and only in the server log: nothing is stored about them.
    log.warning("refused staff action %s to user %s", action, user.id if user else "unknown")
    lang = lang_of(update)
    if update.callback_query is not None:
        await update.callback_query.answer(t(lang, "staff_only"), show_alert=True)
    elif update.effective_message is not None and await within_limit(update, context):
        # Refusals count against the user's limit like any reply: /add sent in a loop
        # must not make the bot send refusals in a loop.
        await update.effective_message.reply_text(_e(t(lang, refusal)))
    return False


async def private(update: Update) -> bool:
    """Issues are managed in a private chat, not in front of a group."""
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        return True
    if update.effective_message is not None:
        await update.effective_message.reply_text(_e(t(lang_of(update), "staff_private_only")))
    return False


def pending(context: ContextTypes.DEFAULT_TYPE) -> KeyedStore[Pending]:
    return context.bot_data[PENDING]


# --- removing and listing ---------------------------------------------------------------


async def remove_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/remove N``: show what would be removed, with 确认/取消."""
    message = update.effective_message
    if message is None:
        return
    if not await allowed(update, context, "/remove") or not await private(update):
        return
    lang = lang_of(update)
    args = context.args or []
    match = re.fullmatch(r"#?(\d{1,9})", args[0]) if len(args) == 1 else None
    if match is None:
        await message.reply_text(_e(t(lang, "remove_usage")))
        return
    issue_id = int(match.group(1))
    info = await asyncio.to_thread(corpus_of(context).issues.find, issue_id)
    if info is None:
        await message.reply_text(_e(t(lang, "remove_unknown", id=issue_id)))
        return
    text = render_remove(info, lang)
    user = update.effective_user
    key = pending(context).put(
        Pending(kind="remove", user_id=user.id if user else 0, html=text, issue=info)
    )
    await message.reply_text(text, reply_markup=confirm_keyboard(key, lang))


async def issues_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/issues``: the stored issues with their numbers (for /remove)."""
    message = update.effective_message
    if message is None:
        return
    if not await allowed(update, context, "/issues") or not await private(update):
        return
    lang = lang_of(update)
    if context.args:
        await message.reply_text(_e(t(lang, "issues_usage")))
        return
    issues = await asyncio.to_thread(corpus_of(context).issues.list)
    await message.reply_text(render_issues(issues, lang))


async def web_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/web``: a one-time sign-in link for the web console (staff and admins)."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    if not await allowed(update, context, "/web") or not await private(update):
        return
    lang = lang_of(update)
    settings: Settings = context.bot_data["settings"]
    if settings.web_port is None and settings.web_base_url is None:
        await message.reply_text(_e(t(lang, "web_off")))
        return
    link = await asyncio.to_thread(web_link, corpus_of(context), settings, user.id)
    log.info("staff user %s: web sign-in link sent", corpus_of(context).log.pseudonym(user.id)[:8])
    # No preview: Telegram's previewer would fetch the link (it only shows a page, but
    # a link is for the person it was sent to).
    await message.reply_text(
        t(lang, "web_link", link=f'<a href="{_e(link)}">{_e(link)}</a>'),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


def web_link(corpus: Corpus, settings: Settings, user_id: int) -> str:
    """The one-time sign-in link ``/web`` sends (the bot's own function; tests mint with it)."""
    token = corpus.web.mint_link(corpus.web.user(user_id))
    return f"{settings.console_url}/login/{token}"


# --- the preview's buttons ----------------------------------------------------------------


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """确认 / 取消 under a preview: act once, then say what happened in place of the buttons."""
    query = update.callback_query
    if query is None:
        return
    if not await allowed(update, context, "button"):
        return
    lang = lang_of(update)
    action, key = callbacks.parse_staff(query.data) or ("", "")
    store = pending(context)
    item = store.get(key) if key else None
    # Only the one who asked may confirm; pop() lets a double press act once.
    item = store.pop(key) if item is not None and item.user_id == query.from_user.id else None
    if item is None:
        await query.answer(t(lang, "pending_expired"), show_alert=True)
        return
    await query.answer()
    if action == "no":
        outcome = t(lang, "cancelled")
    elif item.kind == "add":
        outcome = await _confirm_add(update, context, item, key)
    else:
        outcome = await _confirm_remove(update, context, item, key)
    if outcome is None:
        return
    await query.edit_message_text(f"{item.html}\n\n<b>{_e(outcome)}</b>", reply_markup=None)


async def _confirm_add(
    update: Update, context: ContextTypes.DEFAULT_TYPE, item: Pending, key: str
) -> str | None:
    assert item.preview is not None
    lang = lang_of(update)
    try:
        # Answerable at once when this returns; other processes follow within seconds.
        [result] = await asyncio.to_thread(corpus_of(context).issues.store, [item.preview])
    except StoreError as error:
        log.exception("storing an uploaded issue failed")
        if error.permanent:
            # The same data fails the same way: the buttons go, the preview says why.
            return t(lang, "store_refused")
        pending(context).restore(key, item)
        if update.effective_message is not None:
            await update.effective_message.reply_text(_e(t(lang, "store_failed")))
        return None
    log.info("staff user %s: issue #%d %s", item.user_id, result.issue_id, result.status)
    label = issue_label(result.publication, result.street, result.date, result.title, lang)
    if result.status == "duplicate":
        return t(lang, "done_duplicate", id=result.issue_id)
    return t(
        lang,
        "done_added" if result.status == "added" else "done_replaced",
        id=result.issue_id,
        label=label,
        articles=result.articles,
        passages=result.passages,
    )


async def _confirm_remove(
    update: Update, context: ContextTypes.DEFAULT_TYPE, item: Pending, key: str
) -> str | None:
    assert item.issue is not None
    lang = lang_of(update)
    try:
        removed = await asyncio.to_thread(corpus_of(context).issues.remove, item.issue.id)
    except StoreError as error:
        log.exception("removing issue #%d failed", item.issue.id)
        if error.permanent:
            return t(lang, "remove_refused")
        pending(context).restore(key, item)
        if update.effective_message is not None:
            await update.effective_message.reply_text(_e(t(lang, "remove_failed")))
        return None
    if removed is None:
        return t(lang, "remove_gone", id=item.issue.id)
    log.info("staff user %s: issue #%d removed", item.user_id, removed.id)
    return t(lang, "done_removed", id=removed.id, label=info_label(removed, lang))


# --- registration ---------------------------------------------------------------------------

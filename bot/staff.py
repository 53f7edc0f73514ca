"""Staff's handlers: add, correct and remove newspaper issues from Telegram.

One upload and one tap: a staff member sends the issue (a file, or ``/add`` and the text),
Linli asks only for what neither the caption nor the text says (usually the date), shows a
preview with 确认/取消 (Confirm/Cancel), and on 确认 stores it in one transaction and
rebuilds the index, so residents can ask about it at once. ``/remove N`` works the same way.

Handlers are thin: check the role (in every handler: the command menu is only a hint),
read the update, call one library function in a worker thread (:mod:`corpus.metadata`,
:mod:`corpus.ingest` -- the functions `linli ingest` and `linli remove` use), render with
the pure ``render_*`` functions, reply. Buttons carry a short key; what they confirm lives
in a :class:`~bot.state.KeyedStore`, so a button from before a restart gets a polite "send it again".
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Literal

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import callbacks
from bot.render.html import escape as _e
from bot.render.staff import (
    confirm_keyboard,
    info_label,
    issue_label,
    render_issues,
    render_preview,
    render_remove,
)
from bot.residents import corpus_of, lang_of
from bot.state import KeyedStore
from bot.texts import t
from corpus.api import (
    CaptionError,
    Draft,
    Field,
    IngestError,
    IssueInfo,
    Lang,
    Preview,
    StoreError,
    format_issue_date,
)
from corpus.settings import Settings

log = logging.getLogger(__name__)

#: Bots may download files up to 20 MB through the Bot API (getFile refuses larger ones).
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
#: A half-answered upload is dropped after this long, so its questions do not linger.
CONVERSATION_TIMEOUT = 30 * 60
#: A preview's buttons work this long.
PENDING_TTL = 24 * 3600
PASTED_SOURCE = "Telegram"
# A single line after /add this long is the issue's text, not a caption.
CAPTION_MAX = 60

ASKING, AWAITING_TEXT = range(2)
DRAFT = "staff_draft"
ADD_CAPTION = "staff_add_caption"
PENDING = "staff_pending"

_ASK_KEYS: dict[Field, str] = {
    "street": "ask_street",
    "publication": "ask_publication",
    "date": "ask_date",
}


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


async def _allowed(
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
    elif update.effective_message is not None:
        await update.effective_message.reply_text(_e(t(lang, refusal)))
    return False


async def _private(update: Update) -> bool:
    """Issues are managed in a private chat, not in front of a group."""
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        return True
    if update.effective_message is not None:
        await update.effective_message.reply_text(_e(t(lang_of(update), "staff_private_only")))
    return False


def _pending(context: ContextTypes.DEFAULT_TYPE) -> KeyedStore[Pending]:
    return context.bot_data[PENDING]


# --- adding: a file or pasted text, questions, the preview --------------------------------


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A document in a private chat: staff's new issue (anyone else is refused)."""
    message = update.effective_message
    if message is None or message.document is None:
        return ConversationHandler.END
    if not await _allowed(update, context, "upload", refusal="staff_upload_refused"):
        return ConversationHandler.END
    context.user_data.pop(DRAFT, None)
    lang = lang_of(update)
    document = message.document
    name = document.file_name or "upload"
    # Checked before asking for the file: getFile refuses files over 20 MB anyway.
    if (document.file_size or 0) > MAX_DOWNLOAD_BYTES:
        await _too_big(message, document.file_size or 0, lang)
        return ConversationHandler.END
    try:
        data = bytes(await (await document.get_file()).download_as_bytearray())
    except BadRequest as error:
        if "too big" not in error.message.lower():
            raise
        await _too_big(message, document.file_size or 0, lang)
        return ConversationHandler.END
    try:
        draft = await asyncio.to_thread(
            corpus_of(context).issues.open_upload, data, name, message.caption
        )
    except CaptionError as exc:
        await message.reply_text(_e(t(lang, "caption_failed", reason=exc)))
        return ConversationHandler.END
    except IngestError as exc:
        await message.reply_text(t(lang, "upload_failed", name=_e(name), reason=_e(exc)))
        return ConversationHandler.END
    return await _next_step(update, context, draft)


async def _too_big(message: Message, size: int, lang: Lang) -> None:
    megabytes = f"{size / 1024 / 1024:.1f}" if size else "> 20"
    await message.reply_text(t(lang, "file_too_big", size=megabytes))


async def on_add(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """``/add [caption]`` and the issue's text on the following lines (or in the next message)."""
    message = update.effective_message
    if message is None:
        return ConversationHandler.END
    if not await _allowed(update, context, "/add") or not await _private(update):
        return ConversationHandler.END
    context.user_data.pop(DRAFT, None)
    rest = re.sub(r"^/\S*[ \t]*", "", message.text or "", count=1)
    caption, _, body = rest.partition("\n")
    if not body.strip() and len(caption.strip()) > CAPTION_MAX:
        caption, body = "", caption
    if not body.strip():
        context.user_data[ADD_CAPTION] = caption
        await message.reply_text(_e(t(lang_of(update), "add_usage")))
        return AWAITING_TEXT
    return await _open_text(update, context, body, caption)


async def on_pasted_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The text after a bare ``/add``."""
    message = update.effective_message
    if message is None:
        return ConversationHandler.END
    if not await _allowed(update, context, "/add text"):
        return ConversationHandler.END
    caption = context.user_data.pop(ADD_CAPTION, "")
    return await _open_text(update, context, message.text or "", caption)


async def _open_text(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, caption: str
) -> int:
    lang = lang_of(update)
    message = update.effective_message
    assert message is not None
    try:
        draft = await asyncio.to_thread(
            corpus_of(context).issues.open_text, text, PASTED_SOURCE, caption
        )
    except CaptionError as exc:
        await message.reply_text(_e(t(lang, "caption_failed", reason=exc)))
        return ConversationHandler.END
    except IngestError as exc:
        await message.reply_text(t(lang, "upload_failed", name=PASTED_SOURCE, reason=_e(exc)))
        return ConversationHandler.END
    return await _next_step(update, context, draft)


async def on_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Staff's reply to the question about the next missing field."""
    message = update.effective_message
    if message is None:
        return ConversationHandler.END
    if not await _allowed(update, context, "answer"):
        return ConversationHandler.END
    draft: Draft | None = context.user_data.get(DRAFT)
    if draft is None or not draft.missing:
        return ConversationHandler.END
    try:
        draft = draft.answer(draft.missing[0], message.text or "")
    except IngestError as exc:
        await message.reply_text(_e(t(lang_of(update), "bad_answer", reason=exc)))
        return ASKING
    return await _next_step(update, context, draft)


async def _next_step(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> int:
    """Ask for the next missing field, or show the preview when nothing is missing."""
    message = update.effective_message
    assert message is not None
    lang = lang_of(update)
    if draft.missing:
        context.user_data[DRAFT] = draft
        await message.reply_text(_e(ask_text(draft, draft.missing[0], lang)))
        return ASKING
    context.user_data.pop(DRAFT, None)
    try:
        preview = await asyncio.to_thread(corpus_of(context).issues.preview, draft)
    except IngestError as exc:
        await message.reply_text(
            t(lang, "upload_failed", name=_e(draft.source_name), reason=_e(exc))
        )
        return ConversationHandler.END
    text = render_preview(preview, lang)
    if preview.check == "duplicate":
        await message.reply_text(text)
        return ConversationHandler.END
    user = update.effective_user
    key = _pending(context).put(
        Pending(kind="add", user_id=user.id if user else 0, html=text, preview=preview)
    )
    await message.reply_text(text, reply_markup=confirm_keyboard(key, lang))
    return ConversationHandler.END


def ask_text(draft: Draft, field_name: Field, lang: Lang) -> str:
    """The question for a missing field, offering its default where there is one."""
    default = draft.default(field_name)
    if field_name == "date":
        if default:
            return t(lang, "ask_date_default", default=format_issue_date(default, lang))
        return t(lang, "ask_date")
    return t(lang, _ASK_KEYS[field_name], default=default or "")


async def on_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/cancel during an upload: forget the draft."""
    if not await _allowed(update, context, "/cancel"):
        return ConversationHandler.END
    context.user_data.pop(DRAFT, None)
    context.user_data.pop(ADD_CAPTION, None)
    if update.effective_message is not None:
        await update.effective_message.reply_text(_e(t(lang_of(update), "cancelled")))
    return ConversationHandler.END


async def on_idle_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cancel with nothing going on."""
    if not await _allowed(update, context, "/cancel"):
        return
    if update.effective_message is not None:
        await update.effective_message.reply_text(_e(t(lang_of(update), "nothing_to_cancel")))


async def on_timeout(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An upload left half-described: drop it quietly (nothing was stored)."""
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
        context.user_data.pop(ADD_CAPTION, None)


# --- removing and listing ---------------------------------------------------------------


async def remove_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/remove N``: show what would be removed, with 确认/取消."""
    message = update.effective_message
    if message is None:
        return
    if not await _allowed(update, context, "/remove") or not await _private(update):
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
    key = _pending(context).put(
        Pending(kind="remove", user_id=user.id if user else 0, html=text, issue=info)
    )
    await message.reply_text(text, reply_markup=confirm_keyboard(key, lang))


async def issues_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/issues``: the stored issues with their numbers (for /remove)."""
    message = update.effective_message
    if message is None:
        return
    if not await _allowed(update, context, "/issues") or not await _private(update):
        return
    lang = lang_of(update)
    if context.args:
        await message.reply_text(_e(t(lang, "issues_usage")))
        return
    issues = await asyncio.to_thread(corpus_of(context).issues.list)
    await message.reply_text(render_issues(issues, lang))


# --- the preview's buttons ----------------------------------------------------------------


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """确认 / 取消 under a preview: act once, then say what happened in place of the buttons."""
    query = update.callback_query
    if query is None:
        return
    if not await _allowed(update, context, "button"):
        return
    lang = lang_of(update)
    action, key = callbacks.parse_staff(query.data) or ("", "")
    store = _pending(context)
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
        outcome = await _confirm_remove(update, context, item)
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
    except StoreError:
        log.exception("storing an uploaded issue failed")
        _pending(context).restore(key, item)
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


async def _confirm_remove(update: Update, context: ContextTypes.DEFAULT_TYPE, item: Pending) -> str:
    assert item.issue is not None
    lang = lang_of(update)
    removed = await asyncio.to_thread(corpus_of(context).issues.remove, item.issue.id)
    if removed is None:
        return t(lang, "remove_gone", id=item.issue.id)
    log.info("staff user %s: issue #%d removed", item.user_id, removed.id)
    return t(lang, "done_removed", id=removed.id, label=info_label(removed, lang))


# --- registration ---------------------------------------------------------------------------


def register(application: Application) -> None:
    """Staff's handlers; call before the residents' catch-alls (documents, text, commands)."""
    application.bot_data.setdefault(PENDING, pending_store())
    text = filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED
    document = filters.Document.ALL & filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED
    # A conversation needs its updates one at a time: bot.app.OrderedUpdateProcessor keeps
    # each (chat, user)'s in order, which is this handler's key while per_chat and per_user
    # stay at their defaults; a reply arriving mid-step would otherwise reach the residents.
    application.add_handler(
        ConversationHandler(
            entry_points=[
                MessageHandler(document, on_document),
                CommandHandler("add", on_add),
            ],
            states={
                ASKING: [MessageHandler(text, on_answer)],
                AWAITING_TEXT: [MessageHandler(text, on_pasted_text)],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, on_timeout)],
            },
            fallbacks=[CommandHandler("cancel", on_cancel)],
            # A new file or /add starts over, whatever was being asked.
            allow_reentry=True,
            conversation_timeout=CONVERSATION_TIMEOUT,
            name="staff-upload",
        )
    )
    application.add_handler(CommandHandler("remove", remove_command))
    application.add_handler(CommandHandler("issues", issues_command))
    application.add_handler(CommandHandler("cancel", on_idle_cancel))
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.STAFF_PATTERN))

"""The staff upload conversation: a file or ``/add`` text, the questions, the preview.

A staff member sends the issue (a file, or ``/add`` and the text); Linli asks only for
what neither the caption nor the text says (usually the date) and shows a preview with
确认/取消, whose buttons :mod:`bot.staff` handles. A new file or ``/add`` starts over.
"""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.render.html import escape as _e
from bot.render.staff import confirm_keyboard, render_preview
from bot.residents import corpus_of, lang_of
from bot.staff import Pending, allowed, pending, private
from bot.texts import t
from corpus.api import CaptionError, Draft, Field, IngestError, Lang, format_issue_date

log = logging.getLogger(__name__)

#: Bots may download files up to 20 MB through the Bot API (getFile refuses larger ones).
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
#: A half-answered upload is dropped after this long, so its questions do not linger.
CONVERSATION_TIMEOUT = 30 * 60
PASTED_SOURCE = "Telegram"
# A single line after /add this long is the issue's text, not a caption.
CAPTION_MAX = 60

ASKING, AWAITING_TEXT = range(2)
DRAFT = "staff_draft"
ADD_CAPTION = "staff_add_caption"

_ASK_KEYS: dict[Field, str] = {
    "street": "ask_street",
    "publication": "ask_publication",
    "date": "ask_date",
}


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A document in a private chat: staff's new issue (anyone else is refused)."""
    message = update.effective_message
    if message is None or message.document is None:
        return ConversationHandler.END
    if not await allowed(update, context, "upload", refusal="staff_upload_refused"):
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
        await message.reply_text(
            t(lang, "upload_failed", name=_e(name), reason=_e(_reason(exc, name)))
        )
        return ConversationHandler.END
    return await _next_step(update, context, draft)


def _reason(error: IngestError, name: str) -> str:
    """The refusal without the file's name in front: the reply names the file already."""
    text = str(error)
    return text[len(name) + 2 :] if text.startswith(f"{name}: ") else text


async def _too_big(message: Message, size: int, lang: Lang) -> None:
    megabytes = f"{size / 1024 / 1024:.1f}" if size else "> 20"
    await message.reply_text(t(lang, "file_too_big", size=megabytes))


async def on_add(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """``/add [caption]`` and the issue's text on the following lines (or in the next message)."""
    message = update.effective_message
    if message is None:
        return ConversationHandler.END
    if not await allowed(update, context, "/add") or not await private(update):
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
    if not await allowed(update, context, "/add text"):
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
    if not await allowed(update, context, "answer"):
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
            t(
                lang,
                "upload_failed",
                name=_e(draft.source_name),
                reason=_e(_reason(exc, draft.source_name)),
            )
        )
        return ConversationHandler.END
    text = render_preview(preview, lang)
    if preview.check == "duplicate":
        await message.reply_text(text)
        return ConversationHandler.END
    user = update.effective_user
    key = pending(context).put(
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
    if not await allowed(update, context, "/cancel"):
        return ConversationHandler.END
    context.user_data.pop(DRAFT, None)
    context.user_data.pop(ADD_CAPTION, None)
    if update.effective_message is not None:
        await update.effective_message.reply_text(_e(t(lang_of(update), "cancelled")))
    return ConversationHandler.END


async def on_idle_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cancel with nothing going on."""
    if not await allowed(update, context, "/cancel"):
        return
    if update.effective_message is not None:
        await update.effective_message.reply_text(_e(t(lang_of(update), "nothing_to_cancel")))


async def on_timeout(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An upload left half-described: drop it quietly (nothing was stored)."""
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
        context.user_data.pop(ADD_CAPTION, None)



def conversation() -> ConversationHandler:  # type: ignore[type-arg]
    """The upload conversation; app.py registers it before the residents' catch-alls."""
    text = filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED
    document = filters.Document.ALL & filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED
    # A conversation needs its updates one at a time: bot.ordering.OrderedUpdateProcessor
    # keeps each (chat, user)'s in order, which is this handler's key while per_chat and
    # per_user stay at their defaults; a reply arriving mid-step would otherwise reach
    # the residents.
    return ConversationHandler(
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

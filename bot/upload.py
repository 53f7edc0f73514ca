"""The staff upload conversation: a file or ``/add`` text, the questions, the preview.

A staff member sends the issue (a file, or ``/add`` and the text); Linli asks only for
what neither the caption nor the text says (usually the date) and shows a preview with
确认/取消, whose buttons :mod:`bot.staff` handles. A new file or ``/add`` starts over.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest, TelegramError
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
from bot.residents import corpus_of, lang_of, non_text
from bot.staff import Pending, allowed, is_staff, pending, private
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
ALBUMS = "staff_albums"
#: bot_data key: the one thread OCR runs in (app.py makes it), so one job runs at a time
#: and the threads answering residents are never taken by it.
OCR_EXECUTOR = "ocr_executor"
#: Photos sent together arrive as separate updates; the album is read once no more of it
#: has come for this long.
ALBUM_WAIT = 2.5

_ASK_KEYS: dict[Field, str] = {
    "street": "ask_street",
    "publication": "ask_publication",
    "date": "ask_date",
}


class OcrProgress:
    """The "正在识别第 2/4 页…" message, sent at the first page and edited in place.

    The OCR thread calls :meth:`from_thread`; the edits run on the event loop, in order.
    """

    def __init__(self, message: Message, lang: Lang, loop: asyncio.AbstractEventLoop) -> None:
        self._message = message
        self._lang = lang
        self._loop = loop
        self._lock = asyncio.Lock()
        self._sent: Message | None = None
        self._pending: list[Future[None]] = []
        self.pages = 0

    async def show(self, text: str) -> None:
        async with self._lock:
            try:
                if self._sent is None:
                    self._sent = await self._message.reply_text(_e(text))
                else:
                    await self._sent.edit_text(_e(text))
            except TelegramError as exc:
                # Progress is a courtesy: a failed edit must not fail the upload.
                log.info("could not show OCR progress: %s", exc)

    def from_thread(self, page: int, pages: int) -> None:
        self.pages = pages
        text = t(self._lang, "ocr_progress", page=page, pages=pages)
        self._pending.append(asyncio.run_coroutine_threadsafe(self.show(text), self._loop))

    async def finish(self) -> None:
        """Wait for the edits under way, then say how many pages were read."""
        for future in self._pending:
            await asyncio.wrap_future(future)
        if self._sent is not None:
            await self.show(t(self._lang, "ocr_done", pages=self.pages))


def ocr_executor() -> ThreadPoolExecutor:
    """The one OCR thread (app.py puts it in bot_data)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="linli-ocr")


async def run_ocr(
    context: ContextTypes.DEFAULT_TYPE,
    message: Message,
    lang: Lang,
    read: Callable[..., Draft],
    *args: Any,
) -> Draft:
    """``read(*args, progress=...)`` in the OCR thread, showing its progress to staff."""
    loop = asyncio.get_running_loop()
    progress = OcrProgress(message, lang, loop)
    try:
        return await loop.run_in_executor(
            context.bot_data[OCR_EXECUTOR],
            functools.partial(read, *args, progress=progress.from_thread),
        )
    finally:
        await progress.finish()


async def _download(message: Message, file: Any, size: int | None, lang: Lang) -> bytes | None:
    """The bytes of a photo or document, or None (staff were told it is too big)."""
    # Checked before asking for the file: getFile refuses files over 20 MB anyway.
    if (size or 0) > MAX_DOWNLOAD_BYTES:
        await _too_big(message, size or 0, lang)
        return None
    try:
        return bytes(await (await file.get_file()).download_as_bytearray())
    except BadRequest as error:
        if "too big" not in error.message.lower():
            raise
        await _too_big(message, size or 0, lang)
        return None


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
    data = await _download(message, document, document.file_size, lang)
    if data is None:
        return ConversationHandler.END
    issues = corpus_of(context).issues
    if message.media_group_id and issues.needs_ocr(name) and not name.lower().endswith(".pdf"):
        return await _collect_album(update, context, message, data, name)
    try:
        if issues.needs_ocr(name):
            draft = await run_ocr(
                context, message, lang, issues.open_upload, data, name, message.caption
            )
        else:
            draft = await asyncio.to_thread(issues.open_upload, data, name, message.caption)
    except CaptionError as exc:
        await message.reply_text(_e(t(lang, "caption_failed", reason=exc)))
        return ConversationHandler.END
    except IngestError as exc:
        await message.reply_text(t(lang, "upload_failed", name=_e(name), reason=_e(exc)))
        return ConversationHandler.END
    return await _next_step(update, context, draft)


def photo_name(message: Message) -> str:
    """A name for a Telegram photo (it has none): shown in previews and stored as the source."""
    return f"photo_{message.chat_id}_{message.message_id}.jpg"


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A photo in a private chat: from staff, a page of an issue; from anyone else, the
    residents' "please ask in words"."""
    message = update.effective_message
    if message is None or not message.photo:
        return ConversationHandler.END
    user = update.effective_user
    if not is_staff(context.bot_data["settings"], user.id if user else None):
        await non_text(update, context)
        return ConversationHandler.END
    context.user_data.pop(DRAFT, None)
    lang = lang_of(update)
    photo = message.photo[-1]  # the largest size Telegram made
    name = photo_name(message)
    data = await _download(message, photo, photo.file_size, lang)
    if data is None:
        return ConversationHandler.END
    if message.media_group_id:
        return await _collect_album(update, context, message, data, name)
    issues = corpus_of(context).issues
    try:
        draft = await run_ocr(
            context, message, lang, issues.open_upload, data, name, message.caption
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


# --- albums: several photos sent together, one issue --------------------------------------


@dataclass
class _Album:
    message: Message  # the first photo: replies go under it
    user_id: int
    lang: Lang
    caption: str | None = None
    pages: list[tuple[int, bytes, str]] = field(default_factory=list)
    reading: bool = False


async def _collect_album(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    message: Message,
    data: bytes,
    name: str,
) -> int:
    """Keep one photo of an album; the album is read once no more photos come."""
    albums: dict[str, _Album] = context.user_data.setdefault(ALBUMS, {})
    key = str(message.media_group_id)
    user = update.effective_user
    album = albums.get(key)
    if album is not None and album.reading:
        # A photo of the album arriving after it was read (a very slow network): its own
        # draft then, never silently left out.
        key = f"{key}:{message.message_id}"
        album = None
    if album is None:
        album = albums[key] = _Album(
            message=message, user_id=user.id if user else 0, lang=lang_of(update)
        )
    album.pages.append((message.message_id, data, name))
    album.caption = album.caption or message.caption
    job_name = f"album:{user.id if user else 0}:{key}"
    queue = context.job_queue
    assert queue is not None, "the job-queue extra is a dependency"
    for job in queue.get_jobs_by_name(job_name):
        job.schedule_removal()
    queue.run_once(
        _album_ready,
        ALBUM_WAIT,
        data=key,
        name=job_name,
        chat_id=message.chat_id,
        user_id=user.id if user else None,
    )
    return ASKING


async def _album_ready(context: ContextTypes.DEFAULT_TYPE) -> None:
    """No more photos of the album came: read its pages in order as one issue."""
    assert context.job is not None
    albums: dict[str, _Album] = context.user_data.get(ALBUMS, {})
    album = albums.get(str(context.job.data))
    if album is None or album.reading:
        return
    album.reading = True
    files = [(data, name) for _, data, name in sorted(album.pages)]
    issues = corpus_of(context).issues
    message, lang = album.message, album.lang
    try:
        draft = await run_ocr(context, message, lang, issues.open_photos, files, album.caption)
    except CaptionError as exc:
        await message.reply_text(_e(t(lang, "caption_failed", reason=exc)))
        return
    except IngestError as exc:
        label = f"{len(files)} photos" if lang == "en" else f"{len(files)} 张照片"
        await message.reply_text(t(lang, "upload_failed", name=_e(label), reason=_e(exc)))
        return
    finally:
        albums.pop(str(context.job.data), None)
    await _show_draft(context, message, album.user_id, lang, draft)


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
    if draft is None and context.user_data.get(ALBUMS):
        await message.reply_text(_e(t(lang_of(update), "ocr_album_wait")))
        return ASKING
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
    user = update.effective_user
    return await _show_draft(context, message, user.id if user else 0, lang_of(update), draft)


async def _show_draft(
    context: ContextTypes.DEFAULT_TYPE, message: Message, user_id: int, lang: Lang, draft: Draft
) -> int:
    """:func:`_next_step` for a draft made outside an update (an album read by a job)."""
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
    key = pending(context).put(Pending(kind="add", user_id=user_id, html=text, preview=preview))
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
    photo = filters.PHOTO & filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED
    # A conversation needs its updates one at a time: bot.ordering.OrderedUpdateProcessor
    # keeps each (chat, user)'s in order, which is this handler's key while per_chat and
    # per_user stay at their defaults; a reply arriving mid-step would otherwise reach
    # the residents.
    return ConversationHandler(
        entry_points=[
            MessageHandler(document, on_document),
            MessageHandler(photo, on_photo),
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

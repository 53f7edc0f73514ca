"""Staff's pages for issues: list, upload (any size the settings allow), preview with
Confirm / Cancel, edit metadata, replace, remove, and an issue's articles and passages.

The upload is read from the request stream into memory, never to a file: its name is
only a label (cut to its last path component) and tells the format by its extension.
The preview is the bot's own (``render_preview``), so staff see the same in both places.
Drafts and previews wait server-side under random keys, bound to whoever made them.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from aiohttp import BodyPartReader, web
from markupsafe import Markup

from bot.render.staff import issue_label, render_preview
from bot.state import KeyedStore
from bot.web.auth import MULTIPART_ROUTES, check_csrf_part
from bot.web.context import SETTINGS, STATE, corpus, off_loop, refuse, render, see_other, viewer
from corpus.api import (
    CaptionError,
    Draft,
    Field,
    IngestError,
    IssueInfo,
    Preview,
    StoreError,
    format_issue_date,
)

log = logging.getLogger(__name__)

DRAFTS = "issue_drafts"
PENDING = "issue_pending"
KEPT = 100
TTL = 6 * 3600
FIELD_BYTES = 1000
CHUNK = 64 * 1024
NAME_CHARS = 120
FIELD_NAMES: dict[Field, str] = {"publication": "报名", "street": "街道", "date": "日期"}


@dataclass
class Waiting:
    """A draft or preview and who may act on it (a pseudonym)."""

    owner: str
    draft: Draft | None = None
    preview: Preview | None = None
    html: str = ""
    replaces: IssueInfo | None = None


def _store(request: web.Request, key: str) -> KeyedStore[Waiting]:
    return request.app[STATE][key]


def safe_name(raw: str | None) -> str:
    """An upload's name as a label: its last path component, printable, short.

    Never used as a path: nothing is written under it.
    """
    # Some clients percent-encode the name (%2F for /): decoded first, then cut.
    name = re.split(r"[\\/]", unquote(raw or ""))[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: NAME_CHARS - len(ext) - 1] + dot + ext) if dot and len(ext) <= 8 else name[:NAME_CHARS]
    return name or "upload"


def _upload_limit(request: web.Request) -> int:
    return request.app[STATE]["upload_bytes"]


async def _read_capped(part: BodyPartReader, limit: int) -> bytes | None:
    """The part's bytes, or None past ``limit`` (the rest is not read into memory)."""
    buffer = bytearray()
    while chunk := await part.read_chunk(CHUNK):
        buffer += chunk
        if len(buffer) > limit:
            return None
    return bytes(buffer)


async def _read_upload(request: web.Request) -> tuple[str, bytes, dict[str, str]] | web.Response:
    """The file and the text fields of an upload form, the CSRF part checked first."""
    limit = _upload_limit(request)
    if (request.content_length or 0) > limit + CHUNK:
        return _too_big(request)
    try:
        reader = await request.multipart()
        if not await check_csrf_part(request, await reader.next()):
            # Read the rest first (within the limit): a browser still sending its file
            # when the answer comes shows a broken connection instead of the answer.
            await _discard(request, limit)
            return refuse(request, 403, "表单已失效（缺少安全令牌）。请回到页面重新提交。")
        name, data, fields = "", None, {}
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "file":
                name = safe_name(part.filename)
                data = await _read_capped(part, limit)
                if data is None:
                    return _too_big(request)
            elif part.name in ("publication", "street", "date", "title"):
                value = await _read_capped(part, FIELD_BYTES)
                if value is None:
                    return refuse(request, 400, f"“{part.name}”太长了。")
                fields[part.name] = value.decode("utf-8", "replace").strip()
    except ValueError:
        return refuse(request, 400, "上传的表单不完整，请重新选择文件。")
    if not data:
        return refuse(request, 400, "没有选择文件，或文件是空的。")
    return name, data, fields


async def _discard(request: web.Request, limit: int) -> None:
    seen = 0
    async for chunk in request.content.iter_chunked(CHUNK):
        seen += len(chunk)
        if seen > limit:
            break


def _too_big(request: web.Request) -> web.Response:
    mb = _upload_limit(request) // (1024 * 1024)
    return refuse(request, 413, f"文件太大：最多 {mb} MB（WEB_MAX_UPLOAD_MB）。")


# --- the list, and an issue's articles ----------------------------------------------------


async def issues_page(request: web.Request) -> web.Response:
    issues = await off_loop(corpus(request).issues.list)
    return render(
        request,
        "issues.html",
        issues=issues,
        date=lambda d: format_issue_date(d, "zh"),
        limit_mb=_upload_limit(request) // (1024 * 1024),
    )


async def _issue(request: web.Request) -> IssueInfo | None:
    try:
        issue_id = int(request.match_info["issue_id"])
    except ValueError:
        return None
    return await off_loop(corpus(request).issues.find, issue_id)


async def issue_page(request: web.Request) -> web.Response:
    info = await _issue(request)
    if info is None:
        return refuse(request, 404, "没有这一期（可能已被删除）。")
    articles = await off_loop(corpus(request).issues.passages_of, info.id)
    return render(
        request, "issue.html", issue=info, articles=articles, date=format_issue_date(info.date, "zh")
    )


# --- upload, questions, preview, confirm --------------------------------------------------


async def upload(request: web.Request) -> web.Response:
    return await _take_upload(request, replaces=None)


async def replace_form(request: web.Request) -> web.Response:
    info = await _issue(request)
    if info is None:
        return refuse(request, 404, "没有这一期（可能已被删除）。")
    return render(request, "replace.html", issue=info, limit_mb=_upload_limit(request) // (1024 * 1024))


async def replace_upload(request: web.Request) -> web.Response:
    info = await _issue(request)
    if info is None:
        return refuse(request, 404, "没有这一期（可能已被删除）。")
    return await _take_upload(request, replaces=info)


async def _take_upload(request: web.Request, replaces: IssueInfo | None) -> web.Response:
    read = await _read_upload(request)
    if isinstance(read, web.Response):
        return read
    name, data, fields = read
    library = corpus(request)
    try:
        draft = await off_loop(library.issues.open_upload, data, name, None)
        if fields.get("title"):
            draft = dataclasses.replace(
                draft, meta=dataclasses.replace(draft.meta, title=fields["title"][:300])
            )
        if replaces is not None:
            draft = draft.replacing(replaces)
        else:
            for field in ("street", "publication", "date"):
                if fields.get(field):
                    draft = draft.answer(field, fields[field])  # type: ignore[arg-type]
    except (CaptionError, IngestError) as exc:
        return render(request, "upload_failed.html", status=400, name=name, reason=str(exc))
    log.info("web: %s uploaded %s (%d bytes)", viewer(request).name, name, len(data))
    return await _next_step(request, draft, replaces)


async def _next_step(
    request: web.Request, draft: Draft, replaces: IssueInfo | None, error: str = ""
) -> web.Response:
    owner = viewer(request).user.user_hash
    if draft.missing:
        key = _store(request, DRAFTS).put(Waiting(owner=owner, draft=draft, replaces=replaces))
        fields = [
            {"name": f, "label": FIELD_NAMES[f], "default": draft.default(f) or ""} for f in draft.missing
        ]
        return render(request, "draft.html", key=key, draft=draft, fields=fields, error=error)
    try:
        preview = await off_loop(corpus(request).issues.preview, draft)
    except IngestError as exc:
        return render(request, "upload_failed.html", status=400, name=draft.source_name, reason=str(exc))
    html = render_preview(preview, "zh")
    key = ""
    if preview.check != "duplicate":
        key = _store(request, PENDING).put(
            Waiting(owner=owner, preview=preview, html=html, replaces=replaces)
        )
    return render(
        request,
        "preview.html",
        key=key,
        preview=preview,
        html=Markup(html),  # the bot's rendering: every piece of text escaped (bot.render)
        replaces=replaces,
    )


async def draft_answer(request: web.Request) -> web.Response:
    waiting = _store(request, DRAFTS).pop(request.match_info["key"])
    if waiting is None or waiting.draft is None or waiting.owner != viewer(request).user.user_hash:
        return refuse(request, 410, "这次上传已过期，请重新上传文件。")
    form = await request.post()
    draft = waiting.draft
    for field in list(draft.missing):
        value = str(form.get(field, "")).strip()[:100]
        try:
            draft = draft.answer(field, value or "跳过")
        except IngestError as exc:
            return await _next_step(request, draft, waiting.replaces, error=f"{FIELD_NAMES[field]}：{exc}")
    return await _next_step(request, draft, waiting.replaces)


async def pending_action(request: web.Request) -> web.Response:
    action = request.match_info["action"]
    store = _store(request, PENDING)
    key = request.match_info["key"]
    found = store.get(key)
    me = viewer(request)
    waiting = store.pop(key) if found is not None and found.owner == me.user.user_hash else None
    if waiting is None or waiting.preview is None:
        return refuse(request, 410, "这个预览已经处理过或已过期，请重新上传。")
    if action == "cancel":
        log.info("web: %s cancelled the upload of %s", me.name, waiting.preview.prepared.source_name)
        return render(request, "stored.html", outcome="已取消，什么都没有改变。", result=None, html=Markup(waiting.html))
    try:
        [result] = await off_loop(corpus(request).issues.store, [waiting.preview])
    except StoreError:
        log.exception("web: storing an uploaded issue failed")
        store.restore(key, waiting)
        return refuse(request, 503, "数据库暂时无法写入，什么都没有存。请稍后再点一次确认。")
    log.info("web: %s stored issue #%d (%s)", me.name, result.issue_id, result.status)
    label = issue_label(result.publication, result.street, result.date, result.title, "zh")
    outcome = {
        "added": f"已添加 #{result.issue_id}：{label}（{result.articles} 篇文章，{result.passages} 段）。居民现在就能问到。",
        "replaced": f"已替换 #{result.issue_id}：{label}（{result.articles} 篇文章，{result.passages} 段）。",
        "duplicate": f"这一期已经存过了（#{result.issue_id}），没有改变。",
    }[result.status]
    return render(request, "stored.html", outcome=outcome, result=result, html=Markup(waiting.html))


# --- edit and remove ------------------------------------------------------------------------


async def edit_form(request: web.Request) -> web.Response:
    info = await _issue(request)
    if info is None:
        return refuse(request, 404, "没有这一期（可能已被删除）。")
    values = {"publication": info.publication, "street": info.street, "date": info.date, "title": info.title}
    return render(request, "edit.html", issue=info, values=values, error="")


async def edit(request: web.Request) -> web.Response:
    info = await _issue(request)
    if info is None:
        return refuse(request, 404, "没有这一期（可能已被删除）。")
    form = await request.post()
    values: dict[str, Any] = {k: str(form.get(k, ""))[:400] for k in ("publication", "street", "date", "title")}
    try:
        changed = await off_loop(corpus(request).issues.edit, info.id, **values)
    except IngestError as exc:
        return render(request, "edit.html", status=400, issue=info, values=values, error=str(exc))
    if changed is None:
        return refuse(request, 404, "没有这一期（可能已被删除）。")
    log.info("web: %s changed the metadata of issue #%d", viewer(request).name, info.id)
    return see_other(f"/issues/{info.id}?changed=1")


async def remove_form(request: web.Request) -> web.Response:
    info = await _issue(request)
    if info is None:
        return refuse(request, 404, "没有这一期（可能已被删除）。")
    return render(request, "remove.html", issue=info, date=format_issue_date(info.date, "zh"))


async def remove(request: web.Request) -> web.Response:
    info = await _issue(request)
    if info is None:
        return refuse(request, 404, "这一期已经不在了。")
    removed = await off_loop(corpus(request).issues.remove, info.id)
    if removed is None:
        return refuse(request, 404, "这一期已经不在了。")
    log.info("web: %s removed issue #%d", viewer(request).name, removed.id)
    return see_other("/issues?removed=" + str(removed.id))


def setup(app: web.Application) -> None:
    state = app[STATE]
    state["upload_bytes"] = app[SETTINGS].web_max_upload_mb * 1024 * 1024
    state[DRAFTS] = KeyedStore(capacity=KEPT, ttl=TTL)
    state[PENDING] = KeyedStore(capacity=KEPT, ttl=TTL)
    add = app.router
    add.add_get("/issues", issues_page, name="issues")
    add.add_post("/issues/upload", upload, name="upload")
    add.add_post("/issues/drafts/{key}", draft_answer, name="draft_answer")
    add.add_post("/issues/pending/{key}/{action:confirm|cancel}", pending_action, name="pending")
    add.add_get(r"/issues/{issue_id:\d+}", issue_page, name="issue")
    add.add_get(r"/issues/{issue_id:\d+}/edit", edit_form)
    add.add_post(r"/issues/{issue_id:\d+}/edit", edit, name="edit")
    add.add_get(r"/issues/{issue_id:\d+}/replace", replace_form)
    add.add_post(r"/issues/{issue_id:\d+}/replace", replace_upload, name="replace")
    add.add_get(r"/issues/{issue_id:\d+}/remove", remove_form)
    add.add_post(r"/issues/{issue_id:\d+}/remove", remove, name="remove")
    state.setdefault(MULTIPART_ROUTES, set()).update({"upload", "replace"})

"""Staff send a phone photo, a scan or an album in Telegram: OCR, end to end.

The page is the committed photo of a printed two-column page (tests/data/ocr_page.jpg)
whose first article breaks across the columns mid-sentence. Recognition is real and
cached by pixels for the session (tests/support/ocr.py), so each page is read once.
"""

from __future__ import annotations

import asyncio
import re
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.app import build_application
from bot.render.staff import render_preview
from corpus.api import Corpus
from corpus.ingest.ocr import engine
from corpus.ingest.prepare import IssueMeta, prepare_issue
from corpus.ingest.upload import Preview
from tests.bot.helpers import bot_settings, button, keyboard, started
from tests.bot.test_staff import RESIDENT, STAFF, ask_resident, issues, press
from tests.support.fake_bot_api import Call, FakeBotAPI
from tests.support.ocr import PAGE_PHOTO, PAGE_TEXT, requires_ocr, scan_pdf

PHOTO = PAGE_PHOTO.read_bytes()
CAPTION = "社区晨报 凉城 2026-11"
BROKEN_SENTENCE = "可以拨打居委会电话，志愿者会在每天上午九点到十一点陪同老人上下楼"


@pytest.fixture
async def app(fake_api: FakeBotAPI, service: Corpus, tmp_path: Path) -> AsyncIterator[Application]:
    settings = bot_settings(fake_api, tmp_path, staff_ids=frozenset({STAFF}))
    async with started(build_application(settings, service)) as a:
        yield a


def texts(calls: list[Call]) -> list[str]:
    return [c.params.get("text") or "" for c in calls]


async def preview_after(fake: FakeBotAPI, since: int, timeout: float = 90) -> Call:
    """The message with 确认/取消 (or the duplicate notice) sent after ``since``."""

    def is_preview(call: Call) -> bool:
        return "预览" in call.params["text"] or "已经收录过" in call.params["text"]

    [call] = await fake.wait_for("sendMessage", since=since, timeout=timeout, predicate=is_preview)
    return call


@requires_ocr
async def test_a_photo_becomes_an_issue_residents_get_quotes_from_then_a_scan_is_the_same(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    before = len(issues(service))
    since = fake_api.mark()
    fake_api.push_photo(PHOTO, caption=CAPTION, user_id=STAFF, width=1280, height=1030)
    preview = await preview_after(fake_api, since)
    text = preview.params["text"]
    progress = [
        c
        for c in fake_api.calls(since=since)
        if re.search("正在识别|已识别", c.params.get("text") or "")
    ]
    assert progress[0].method == "sendMessage" and "正在识别第 1/1 页" in texts(progress)[0]
    assert progress[-1].method == "editMessageText" and "已识别 1 页" in texts(progress)[-1]
    assert "新一期预览" in text and "社区晨报 · 凉城新村街道 · 2026年11月" in text
    assert "1. 凉二小区加装电梯进入施工阶段" in text and "2. 社区食堂推出老年助餐套餐" in text
    assert "由文字识别（OCR）读出 1 页" in text
    assert len(issues(service)) == before

    await press(fake_api, preview, button(preview, "s:ok:"))
    assert len(issues(service)) == before + 1
    answer = await ask_resident(fake_api, "加装电梯期间行动不便的老人需要帮助怎么办")
    assert BROKEN_SENTENCE in answer.replace("<b>", "").replace("</b>", "")
    assert "社区晨报 · 凉城新村街道 · 2026年11月 · 凉二小区加装电梯进入施工阶段" in answer

    # The same page as an image-only PDF, filed under another date: the same issue by its
    # text, never a second one.
    since = fake_api.mark()
    fake_api.push_document(
        scan_pdf(PHOTO), "scan.pdf", caption="社区晨报 凉城 2026-11-20", user_id=STAFF
    )
    again = await preview_after(fake_api, since)
    # Read to the same characters (a duplicate) or nearly (the same issue by similarity).
    assert re.search("已经收录过|同一期", again.params["text"])
    if keyboard(again):
        await press(fake_api, again, button(again, "s:ok:"))
    assert len(issues(service)) == before + 1


@requires_ocr
async def test_residents_are_answered_while_a_page_is_being_read(
    app: Application, fake_api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    real = engine.Recogniser.__call__

    def held(self: engine.Recogniser, image: Any) -> list[engine.Box]:
        release.wait(60)  # the OCR thread is busy until the resident has been answered
        return real(self, image)

    monkeypatch.setattr(engine.Recogniser, "__call__", held)
    since = fake_api.mark()
    fake_api.push_photo(PHOTO, caption=CAPTION, user_id=STAFF)
    await fake_api.wait_for(
        "sendMessage", since=since, timeout=30, predicate=lambda c: "正在识别" in c.params["text"]
    )
    answer = await ask_resident(fake_api, "世纪同乐小区什么时候清理楼道堆物")
    assert not release.is_set() and answer  # answered while OCR still holds its thread
    release.set()
    await preview_after(fake_api, since)


@requires_ocr
async def test_an_album_of_photos_is_one_issue_with_its_pages_counted(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    since = fake_api.mark()
    album = {"media_group_id": "13579"}
    fake_api.push_photo(PHOTO, caption=CAPTION, user_id=STAFF, extra=album)
    fake_api.push_photo(PHOTO, user_id=STAFF, extra=album)
    preview = await preview_after(fake_api, since)
    progress = " ".join(texts(fake_api.calls(since=since)))
    assert "正在识别第 2/2 页" in progress and "已识别 2 页" in progress
    assert "由文字识别（OCR）读出 2 页" in preview.params["text"]
    assert (
        len([c for c in fake_api.calls("sendMessage", since=since) if "预览" in c.params["text"]])
        == 1
    )


async def test_an_image_that_is_not_a_picture_gets_a_clear_message(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    before = issues(service)
    since = fake_api.mark()
    fake_api.push_photo(b"\xff\xd8\xff\xe0 broken", caption=CAPTION, user_id=STAFF)
    [reply] = await fake_api.wait_for(
        "sendMessage", since=since, timeout=30, predicate=lambda c: "没能读取" in c.params["text"]
    )
    assert (
        "damaged or not an image" in reply.params["text"]
        and "什么都没有改动" in reply.params["text"]
    )
    assert issues(service) == before


async def test_without_the_ocr_extra_staff_get_a_message_not_a_traceback(
    app: Application, fake_api: FakeBotAPI, service: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)
    engine.reset()
    try:
        before = issues(service)
        since = fake_api.mark()
        fake_api.push_photo(PHOTO, caption=CAPTION, user_id=STAFF)
        [reply] = await fake_api.wait_for(
            "sendMessage",
            since=since,
            timeout=30,
            predicate=lambda c: "没能读取" in c.params["text"],
        )
        assert "needs OCR" in reply.params["text"] and "pip install" in reply.params["text"]
        assert issues(service) == before
        # The residents' side is unaffected.
        assert await ask_resident(fake_api, "世纪同乐小区什么时候清理楼道堆物")
    finally:
        engine.reset()


async def test_a_residents_photo_still_gets_the_please_ask_in_words_reply(
    app: Application, fake_api: FakeBotAPI
) -> None:
    since = fake_api.mark()
    fake_api.push_photo(PHOTO, user_id=RESIDENT)
    [reply] = await fake_api.wait_for("sendMessage", since=since, timeout=10)
    assert "文字" in reply.params["text"]
    assert not fake_api.calls("getFile", since=since)
    await asyncio.sleep(0)


def test_the_preview_lists_the_lines_ocr_was_unsure_of_escaped_and_capped() -> None:
    prepared = prepare_issue(
        PAGE_TEXT.read_text(encoding="utf-8"), IssueMeta(date="2026-11", source_name="p.jpg")
    )
    unsure = tuple((1 + n // 6, f"<第{n}行>模糊&", 0.5 + n / 100) for n in range(11))
    text = render_preview(Preview(prepared, "new", None, {}, unsure=unsure, ocr_pages=2), "zh")
    assert "由文字识别（OCR）读出 2 页" in text and "以下 11 行识别得不太确定" in text
    assert "• p1 (50%) <code>&lt;第0行&gt;模糊&amp;</code>" in text
    assert "……还有 3 行" in text and "/add" in text  # how to send the corrected text
    assert "第8行" not in text and len(text) < 4096


@requires_ocr
async def test_an_image_sent_as_a_file_is_read_like_a_photo(
    app: Application, fake_api: FakeBotAPI
) -> None:
    since = fake_api.mark()
    fake_api.push_document(PHOTO, "第88期.jpg", caption=CAPTION, user_id=STAFF)
    preview = await preview_after(fake_api, since)
    text = preview.params["text"]
    assert "文件：第88期.jpg" in text and "1. 凉二小区加装电梯进入施工阶段" in text
    assert keyboard(preview)

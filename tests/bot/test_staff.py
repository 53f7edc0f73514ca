"""Staff add, correct and remove issues in Telegram, end to end through the fake Bot API.

Every path ends where a resident notices it: after 确认 the new issue is quoted with its
own source line; after 取消, a refusal or a bad file, nothing changed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot import upload as staff_upload
from bot.app import build_application
from bot.render.staff import render_preview
from bot.staff import pending_store
from bot.state import KeyedStore
from corpus.api import Corpus
from corpus.ingest.prepare import IssueMeta, prepare_issue
from corpus.ingest.upload import Preview
from corpus.settings import Settings
from corpus.store.issues import list_issues
from corpus.store.records import IssueInfo
from tests.bot.helpers import bot_settings, button, keyboard, started
from tests.data.staff.samples import docx_bytes, pdf_bytes, scanned_pdf_bytes
from tests.support.fake_bot_api import DEFAULT_USER_ID, Call, FakeBotAPI

STAFF = 5005
ADMIN = 7007
RESIDENT = DEFAULT_USER_ID
SAMPLES = Path(__file__).parent.parent / "data" / "staff"
LIANGCHENG = (SAMPLES / "liangcheng_2026-11.txt").read_bytes()
CHANGFENG_GBK = (SAMPLES / "changfeng_2026-10_gbk.txt").read_bytes()
MARKET_QUESTION = "水电路菜场什么时候重新开业"
MARKET_SOURCE = "社区晨报 · 凉城新村街道 · 2026年11月 · 水电路菜场改造完成重新开业"


# --- fixtures and helpers ------------------------------------------------------------------


def make_settings(fake: FakeBotAPI, tmp_path: Path) -> Settings:
    return bot_settings(fake, tmp_path, staff_ids=frozenset({STAFF}), admin_ids=frozenset({ADMIN}))


@pytest.fixture
async def app(
    fake_api: FakeBotAPI, service: Corpus, tmp_path: Path
) -> AsyncIterator[Application]:
    async with started(build_application(make_settings(fake_api, tmp_path), service)) as a:
        yield a


async def reply_to(fake: FakeBotAPI, push: Any, *args: Any, **kwargs: Any) -> Call:
    """Push an update and return the bot's one reply (sendMessage)."""
    since = fake.mark()
    push(*args, **kwargs)
    [call] = await fake.wait_for("sendMessage", since=since, timeout=10)
    return call


async def say(fake: FakeBotAPI, text: str, user_id: int = STAFF, **kwargs: Any) -> Call:
    return await reply_to(fake, fake.push_message, text, user_id=user_id, **kwargs)


async def upload(
    fake: FakeBotAPI, content: bytes, name: str, user_id: int = STAFF, **kwargs: Any
) -> Call:
    return await reply_to(fake, fake.push_document, content, name, user_id=user_id, **kwargs)


async def press(fake: FakeBotAPI, call: Call, data: str, user_id: int = STAFF, **kw: Any) -> Call:
    """Press a button under ``call``'s message; returns the edit of that message."""
    since = fake.mark()
    fake.push_callback(data, message=call.result, user_id=user_id, **kw)
    await fake.wait_for("answerCallbackQuery", since=since, timeout=10)
    [edit] = await fake.wait_for("editMessageText", since=since, timeout=10)
    return edit


async def press_refused(fake: FakeBotAPI, call: Call, data: str, user_id: int = STAFF) -> str:
    """Press a button that must not act; returns the alert's text."""
    since = fake.mark()
    fake.push_callback(data, message=call.result, user_id=user_id)
    [ack] = await fake.wait_for("answerCallbackQuery", since=since, timeout=10)
    assert ack.params.get("show_alert") is True
    assert not fake.calls("editMessageText", since=since)
    return ack.params["text"]


async def ask_resident(fake: FakeBotAPI, question: str) -> str:
    return (await say(fake, question, user_id=RESIDENT)).params["text"]


def issues(service: Corpus) -> list[IssueInfo]:
    with service.store.factory() as session:
        return list_issues(session)


# --- adding --------------------------------------------------------------------------------


async def test_staff_upload_with_caption_is_answerable_after_confirm(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    before = issues(service)
    preview = await upload(fake_api, LIANGCHENG, "本期.txt", caption="社区晨报 凉城 2026-11")
    text = preview.params["text"]
    assert "新一期预览" in text and "社区晨报 · 凉城新村街道 · 2026年11月" in text
    assert "水电路菜场改造完成重新开业" in text and "凉城社区举办银发智能手机课堂" in text
    assert "文章 2 篇" in text and "共 2 段" in text
    assert "经过四个月的改造" in text  # the sample passage
    labels = [b["text"] for row in keyboard(preview) for b in row]
    assert labels == ["确认", "取消"]
    assert all(len(b["callback_data"].encode()) <= 64 for row in keyboard(preview) for b in row)
    assert issues(service) == before  # nothing stored by the preview

    edit = await press(fake_api, preview, button(preview, "s:ok:"))
    new = issues(service)[0]
    assert len(issues(service)) == len(before) + 1
    assert f"已收录 #{new.id}" in edit.params["text"]
    assert not keyboard(edit)  # the buttons are gone

    answer = await ask_resident(fake_api, MARKET_QUESTION)
    assert "11月18日" in answer and MARKET_SOURCE in answer


async def test_gbk_file_without_caption_asks_only_what_is_missing(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    # No masthead: the paper's name is asked, with a default named after the street found
    # in the text; the date is suggested from the file name.
    question = await upload(fake_api, CHANGFENG_GBK, "changfeng_2026-10.txt")
    assert "长风社区报" in question.params["text"] and "跳过" in question.params["text"]
    question = await say(fake_api, "跳过")
    assert "2026年10月" in question.params["text"] and "跳过" in question.params["text"]
    retry = await say(fake_api, "下周三")
    assert "看不懂" in retry.params["text"]  # still asking for the date
    preview = await say(fake_api, "2026-10-28")
    assert "长风社区报 · 长风新村街道 · 2026年10月28日" in preview.params["text"]
    assert "长风新村街道开展秋季消防安全大检查" in preview.params["text"]

    await press(fake_api, preview, button(preview, "s:ok:"))
    answer = await ask_resident(fake_api, "长风公园银杏大道新增了几张座椅")
    assert "12张" in answer
    assert "长风社区报 · 长风新村街道 · 2026年10月28日 · 长风公园银杏大道迎来最佳观赏期" in answer


async def test_docx_upload_by_english_speaking_admin(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    preview = await upload(
        fake_api,
        docx_bytes(),
        "huamu.docx",
        user_id=ADMIN,
        language_code="en",
        caption="花木 2026-09",
    )
    text = preview.params["text"]
    assert "Preview of a new issue" in text and "花木社区报 · 花木街道 · September 2026" in text
    assert [b["text"] for row in keyboard(preview) for b in row] == ["Confirm", "Cancel"]
    edit = await press(
        fake_api, preview, button(preview, "s:ok:"), user_id=ADMIN, language_code="en"
    )
    assert "Added #" in edit.params["text"]
    answer = await ask_resident(fake_api, "联洋口袋公园每天几点开放")
    assert "早上6点至晚上9点" in answer
    assert "花木社区报 · 花木街道 · 2026年9月 · 联洋社区新建口袋公园正式开放" in answer


async def test_pdf_upload_takes_the_date_suggested_by_its_name(
    app: Application, fake_api: FakeBotAPI
) -> None:
    # The masthead in the PDF's text layer names paper and street; only the date is asked.
    question = await upload(fake_api, pdf_bytes(), "liangcheng_2026-12.pdf")
    assert "2026年12月" in question.params["text"]
    preview = await say(fake_api, "跳过")
    assert "社区晨报 · 凉城新村街道 · 2026年12月" in preview.params["text"]
    await press(fake_api, preview, button(preview, "s:ok:"))
    answer = await ask_resident(fake_api, "社区助浴每次收费多少钱")
    assert "30元" in answer and "社区晨报 · 凉城新村街道 · 2026年12月" in answer


async def test_a_reply_sent_the_moment_a_question_arrives_goes_to_the_upload(
    fake_api: FakeBotAPI,
    service: Corpus,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # PTB records the conversation's next state only once a step's callback returns, a
    # little after its question went out (the Bot API's response has to come back first).
    # A pause there widens that window to 0.3 s, so a reply sent the moment the question
    # arrives always lands in it: with updates processed concurrently regardless of chat,
    # it was answered as a resident's question (see bot.ordering.OrderedUpdateProcessor).
    def slow_to_return(step: Callable[..., Awaitable[int]]) -> Callable[..., Awaitable[int]]:
        async def step_then_pause(*args: Any) -> int:
            state = await step(*args)
            await asyncio.sleep(0.3)
            return state

        return step_then_pause

    monkeypatch.setattr(staff_upload, "_next_step", slow_to_return(staff_upload._next_step))
    # Before building: the ConversationHandler holds on to the entry point itself.
    monkeypatch.setattr(staff_upload, "on_add", slow_to_return(staff_upload.on_add))
    async with started(build_application(make_settings(fake_api, tmp_path), service)):
        question = await upload(fake_api, CHANGFENG_GBK, "changfeng_2026-10.txt")
        assert "长风社区报" in question.params["text"]
        question = await say(fake_api, "跳过")
        assert "2026年10月" in question.params["text"] and "跳过" in question.params["text"]
        preview = await say(fake_api, "2026-10-28")
        assert "长风社区报 · 长风新村街道 · 2026年10月28日" in preview.params["text"]
        # After a bare /add, the next message is the issue's text, not a question.
        usage = await say(fake_api, "/add 社区晨报 凉城 2026-11")
        assert "发给我" in usage.params["text"]
        preview = await say(fake_api, LIANGCHENG.decode("utf-8"))
        assert "新一期预览" in preview.params["text"]


async def test_pasted_text_after_add(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    text = LIANGCHENG.decode("utf-8")
    preview = await say(fake_api, "/add 社区晨报 凉城 2026-11\n" + text)
    assert "社区晨报 · 凉城新村街道 · 2026年11月" in preview.params["text"]
    assert "文件：Telegram" in preview.params["text"]
    await press(fake_api, preview, button(preview, "s:ok:"))
    assert MARKET_SOURCE in await ask_resident(fake_api, MARKET_QUESTION)


async def test_bare_add_then_the_text_in_the_next_message(
    app: Application, fake_api: FakeBotAPI
) -> None:
    usage = await say(fake_api, "/add 社区晨报 凉城 2026-11")
    assert "发给我" in usage.params["text"]
    preview = await say(fake_api, LIANGCHENG.decode("utf-8"))
    assert "新一期预览" in preview.params["text"]
    assert "2026年11月" in preview.params["text"]


async def test_same_content_again_is_a_duplicate_and_nothing_is_added(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    first = await upload(fake_api, LIANGCHENG, "a.txt", caption="社区晨报 凉城 2026-11")
    await press(fake_api, first, button(first, "s:ok:"))
    stored = issues(service)
    # Same text with a BOM and Windows line ends, even under another date: a duplicate.
    again = b"\xef\xbb\xbf" + LIANGCHENG.replace(b"\n", b"\r\n")
    duplicate = await upload(fake_api, again, "b.txt", caption="社区晨报 凉城 2026-12")
    text = duplicate.params["text"]
    assert "已经收录过了" in text and f"#{stored[0].id}" in text
    assert not keyboard(duplicate)
    assert issues(service) == stored


async def test_new_text_for_a_stored_issue_is_a_correction_that_replaces_it(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    first = await upload(fake_api, LIANGCHENG, "a.txt", caption="社区晨报 凉城 2026-11")
    await press(fake_api, first, button(first, "s:ok:"))
    stored = issues(service)
    original = stored[0]
    corrected = LIANGCHENG.decode("utf-8").replace("11月18日", "11月20日").encode("utf-8")
    preview = await upload(fake_api, corrected, "a2.txt", caption="社区晨报 凉城 2026-11")
    assert "更正预览" in preview.params["text"]
    assert f"#{original.id}" in preview.params["text"] and "替换" in preview.params["text"]
    edit = await press(fake_api, preview, button(preview, "s:ok:"))
    assert f"已更正 #{original.id}" in edit.params["text"]
    after = issues(service)
    assert [i.id for i in after] == [i.id for i in stored]  # replaced, not added
    answer = await ask_resident(fake_api, MARKET_QUESTION)
    assert "11月20日" in answer and "11月18日" not in answer


async def test_cancel_stores_nothing(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    before = issues(service)
    preview = await upload(fake_api, LIANGCHENG, "a.txt", caption="社区晨报 凉城 2026-11")
    edit = await press(fake_api, preview, button(preview, "s:no:"))
    assert "已取消" in edit.params["text"] and not keyboard(edit)
    assert issues(service) == before
    assert MARKET_SOURCE not in await ask_resident(fake_api, MARKET_QUESTION)
    # The cancelled preview's 确认 does nothing any more.
    alert = await press_refused(fake_api, preview, button(preview, "s:ok:"))
    assert "重新发送" in alert


async def test_guided_upload_can_be_cancelled_and_questions_work_again(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    before = issues(service)
    question = await upload(fake_api, LIANGCHENG, "issue.txt")
    assert "出版" in question.params["text"]
    cancelled = await say(fake_api, "/cancel")
    assert "已取消" in cancelled.params["text"]
    assert issues(service) == before
    # The conversation is over: the staff member's text is a question again.
    answer = await say(fake_api, "世纪同乐小区什么时候清理楼道堆物？")
    assert "11月22日" in answer.params["text"]
    idle = await say(fake_api, "/cancel")
    assert "没有进行中" in idle.params["text"]


async def test_button_pressed_twice_acts_once(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    before = issues(service)
    preview = await upload(fake_api, LIANGCHENG, "a.txt", caption="社区晨报 凉城 2026-11")
    data = button(preview, "s:ok:")
    await press(fake_api, preview, data)
    alert = await press_refused(fake_api, preview, data)
    assert "已经处理过" in alert
    assert len(issues(service)) == len(before) + 1


async def test_preview_button_after_a_restart_asks_to_send_again(
    fake_api: FakeBotAPI, service: Corpus, tmp_path: Path
) -> None:
    settings = make_settings(fake_api, tmp_path)
    before = issues(service)
    async with started(build_application(settings, service)):
        preview = await upload(fake_api, LIANGCHENG, "a.txt", caption="社区晨报 凉城 2026-11")
    async with started(build_application(settings, service)):
        alert = await press_refused(fake_api, preview, button(preview, "s:ok:"))
        assert "请重新发送" in alert
        garbage = await press_refused(fake_api, preview, "s:ok:zz")
        assert "重新发送" in garbage
    assert issues(service) == before


# --- removing and listing ------------------------------------------------------------------


async def test_remove_after_confirmation(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    preview = await upload(fake_api, LIANGCHENG, "a.txt", caption="社区晨报 凉城 2026-11")
    await press(fake_api, preview, button(preview, "s:ok:"))
    new = issues(service)[0]
    listing = await say(fake_api, "/issues")
    assert f"#{new.id} 社区晨报 · 凉城新村街道 · 2026年11月" in listing.params["text"]

    confirm = await say(fake_api, f"/remove {new.id}")
    assert "确定删除" in confirm.params["text"] and "水电路菜场" in confirm.params["text"]
    assert [b["text"] for row in keyboard(confirm) for b in row] == ["确认", "取消"]
    assert issues(service)[0].id == new.id  # not before 确认
    edit = await press(fake_api, confirm, button(confirm, "s:ok:"))
    assert f"已删除 #{new.id}" in edit.params["text"]
    assert new.id not in {i.id for i in issues(service)}
    assert MARKET_SOURCE not in await ask_resident(fake_api, MARKET_QUESTION)


async def test_remove_cancelled_keeps_the_issue(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    before = issues(service)
    confirm = await say(fake_api, f"/remove #{before[0].id}")
    edit = await press(fake_api, confirm, button(confirm, "s:no:"))
    assert "已取消" in edit.params["text"]
    assert issues(service) == before


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/remove", "用法"),
        ("/remove abc", "用法"),
        ("/remove 1 2", "用法"),
        ("/remove -3", "用法"),
        ("/remove 9999", "没有编号为 #9999"),
        ("/issues everything", "用法"),
        ("/remove 1;DROP TABLE issues", "用法"),
        ("/remove <b>1</b>", "用法"),
        ("/remove 😀", "用法"),
        ("/remove 99999999999999", "用法"),
        ("/remove #0", "没有编号为 #0"),
        ("/issues '; --", "用法"),
    ],
)
async def test_bad_command_arguments_get_usage(
    app: Application, fake_api: FakeBotAPI, service: Corpus, command: str, expected: str
) -> None:
    before = issues(service)
    reply = await say(fake_api, command)
    assert expected in reply.params["text"]
    assert not keyboard(reply)
    assert issues(service) == before


# --- refusals and bad files ------------------------------------------------------------------


async def test_residents_are_refused_politely_and_logged(
    app: Application,
    fake_api: FakeBotAPI,
    service: Corpus,
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = issues(service)
    with caplog.at_level(logging.WARNING, logger="bot.staff"):
        upload_reply = await upload(
            fake_api,
            LIANGCHENG,
            "a.txt",
            user_id=RESIDENT,
            caption="社区晨报 凉城 2026-11",
            username="nosy_neighbour",
        )
        add_reply = await say(fake_api, "/add 社区晨报 凉城 2026-11\n正文", user_id=RESIDENT)
        remove_reply = await say(fake_api, f"/remove {before[0].id}", user_id=RESIDENT)
        issues_reply = await say(fake_api, "/issues", user_id=RESIDENT)
    assert "只有街道工作人员可以上传" in upload_reply.params["text"]
    for reply in (add_reply, remove_reply, issues_reply):
        assert "只对街道工作人员开放" in reply.params["text"]
        assert not keyboard(reply)
    assert not fake_api.calls("getFile")  # the resident's file was not even downloaded
    assert issues(service) == before
    refusals = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(refusals) == 4
    assert all(str(RESIDENT) in r.getMessage() for r in refusals)
    assert "nosy_neighbour" not in caplog.text
    # The resident is still answered as a resident.
    assert "11月22日" in await ask_resident(fake_api, "世纪同乐小区什么时候清理楼道堆物？")


async def test_a_resident_cannot_press_a_staff_button(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    before = issues(service)
    confirm = await say(fake_api, f"/remove {before[0].id}")
    alert = await press_refused(fake_api, confirm, button(confirm, "s:ok:"), user_id=RESIDENT)
    assert "只对街道工作人员开放" in alert
    # The staff member's own button still works afterwards.
    edit = await press(fake_api, confirm, button(confirm, "s:no:"))
    assert "已取消" in edit.params["text"]
    assert issues(service) == before


async def test_oversized_file_is_refused_before_downloading(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    before = issues(service)
    reply = await upload(fake_api, b"tiny", "big.pdf", file_size=25 * 1024 * 1024)
    text = reply.params["text"]
    assert "25.0 MB" in text and "20 MB" in text and "linli ingest" in text
    assert not fake_api.calls("getFile")
    assert issues(service) == before


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"", "empty.txt", "empty"),
        (b"\x00\x01\x02\xff\xfe\x00junk" * 200, "junk.txt", "junk.txt"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "photo.txt", "photo.txt"),
        (scanned_pdf_bytes(), "scan.pdf", "scan.pdf"),  # blank: no text, or no OCR here
        (b"%PDF-1.4 broken", "broken.pdf", "broken.pdf"),
        (b"PK\x03\x04 not really a zip", "issue.docx", "issue.docx"),
        (b"a,b,c\n1,2,3\n", "sheet.xlsx", ".xlsx"),
    ],
)
async def test_unreadable_files_get_a_clear_message_and_change_nothing(
    app: Application,
    fake_api: FakeBotAPI,
    service: Corpus,
    content: bytes,
    name: str,
    expected: str,
) -> None:
    before = issues(service)
    since = fake_api.mark()
    fake_api.push_document(content, name, caption="社区晨报 凉城 2026-11", user_id=STAFF)
    # A scan goes to OCR first, which shows its progress before the outcome.
    [reply] = await fake_api.wait_for(
        "sendMessage", lambda c: "没能读取" in c.params["text"], since=since, timeout=60
    )
    text = reply.params["text"]
    assert "什么都没有改动" in text and expected in text
    assert not keyboard(reply)
    assert issues(service) == before


async def test_caption_with_a_bad_date(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    before = issues(service)
    reply = await upload(fake_api, LIANGCHENG, "a.txt", caption="社区晨报 凉城 2026-13")
    assert "说明文字有误" in reply.params["text"] and "2026-13" in reply.params["text"]
    assert issues(service) == before


async def test_document_in_a_group_is_not_an_upload(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    before = issues(service)
    since = fake_api.mark()
    fake_api.push_document(LIANGCHENG, "a.txt", user_id=STAFF, chat_type="group")
    # Anything after it is answered; the document itself got no reply and no download.
    answer = await say(fake_api, "/add", chat_type="group")
    assert "私聊" in answer.params["text"]
    assert not fake_api.calls("getFile", since=since)
    assert issues(service) == before


# --- the preview, rendered ---------------------------------------------------------------------


def test_preview_escapes_text_and_fits_one_message() -> None:
    articles = "\n\n".join(f"## 第{i}篇<b>标题</b>\n\n正文{i}：居民&邻里共建。" for i in range(40))
    prepared = prepare_issue(
        articles, IssueMeta(street="凉城新村街道", date="2026-11", source_name="<x>.txt")
    )
    text = render_preview(Preview(prepared, "new", None, {3: 2}), "zh")
    assert "<b>标题</b>" not in text and "&lt;b&gt;" in text and "&amp;" in text
    assert "……还有" in text and "#3" in text and len(text) < 4096


def test_pending_store_hands_an_item_out_once_and_forgets_old_ones() -> None:
    from bot.staff import Pending

    store = KeyedStore(capacity=500, ttl=60)
    key = store.put(Pending(kind="remove", user_id=1, html="x"))
    assert len(f"s:ok:{key}".encode()) <= 64
    assert store.pop(key) is not None and store.pop(key) is None
    old = KeyedStore(capacity=500, ttl=-1)  # anything put is already too old
    key = old.put(Pending(kind="remove", user_id=1, html="x"))
    assert old.get(key) is None
    assert pending_store().get(key) is None  # another process (a restart) knows no keys


async def test_another_staff_member_cannot_confirm_someone_elses_preview(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    """Previews are bound to the staff member who asked for them (Pending.user_id)."""
    before = issues(service)
    confirm = await say(fake_api, f"/remove {before[0].id}")
    alert = await press_refused(fake_api, confirm, button(confirm, "s:ok:"), user_id=ADMIN)
    assert "处理过或已过期" in alert
    assert issues(service) == before
    edit = await press(fake_api, confirm, button(confirm, "s:no:"))
    assert "已取消" in edit.params["text"]


def _mangled(original: bytes, seed: int) -> bytes:
    """``original`` with some bytes overwritten and maybe cut short (reproducibly)."""
    import random

    rng = random.Random(seed)
    data = bytearray(original)
    for _ in range(rng.randint(1, 12)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    if rng.random() < 0.3:
        data = data[: rng.randrange(1, len(data))]
    return bytes(data)


@pytest.mark.parametrize(
    ("original", "name"),
    [(LIANGCHENG, "本期.txt"), (CHANGFENG_GBK, "gbk.txt"), (docx_bytes(), "期刊.docx"),
     (pdf_bytes(), "期刊.pdf")],
    ids=["txt", "gbk", "docx", "pdf"],
)
async def test_damaged_uploads_through_the_bot_get_a_preview_or_a_refusal_naming_them(
    app: Application, fake_api: FakeBotAPI, service: Corpus, original: bytes, name: str
) -> None:
    # The upload path fuzzed in tests/corpus/test_fuzz_ingest.py, here as staff meet it.
    before = issues(service)
    for seed in range(6):
        since = fake_api.mark()
        fake_api.push_document(
            _mangled(original, seed), name, caption="社区晨报 凉城 2026-11", user_id=STAFF
        )
        # A PDF that lost its text layer goes to OCR, which shows its progress first.
        [reply] = await fake_api.wait_for(
            "sendMessage", lambda c: "正在识别" not in c.params["text"], since=since, timeout=60
        )
        text = reply.params["text"]
        assert "出了点问题" not in text, (seed, text)
        assert "预览" in text or "收录过" in text or f"没能读取 {name}" in text, (seed, text)
        assert issues(service) == before  # nothing stored before 确认

"""The fake Bot API drives a real PTB Application end to end (no PTB mocks)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.support.fake_bot_api import (
    DEFAULT_CHAT_IDS,
    DEFAULT_USER_ID,
    FakeBotAPI,
    application_builder,
    detect_entities,
    render_formatted,
    running_app,
)

Context = ContextTypes.DEFAULT_TYPE


def build_demo_app(builder: ApplicationBuilder) -> tuple[Application, dict[str, Any]]:
    """A tiny bot: /start with a keyboard, echo, callback edit, document length, mentions."""
    app = builder.build()
    seen: dict[str, Any] = {}

    async def start(update: Update, context: Context) -> None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("更多", callback_data="more:1")]])
        await update.effective_message.reply_text(
            "<b>欢迎</b> 邻里", parse_mode=ParseMode.HTML, reply_markup=keyboard
        )

    async def on_callback(update: Update, context: Context) -> None:
        query = update.callback_query
        await query.edit_message_text(f"已选择 {query.data}")
        await query.answer("好的")

    async def on_document(update: Update, context: Context) -> None:
        document = update.effective_message.document
        data = await (await document.get_file()).download_as_bytearray()
        seen["document"] = bytes(data)
        await update.effective_message.reply_text(f"{document.file_name}: {len(data)} bytes")

    async def on_mention(update: Update, context: Context) -> None:
        message = update.effective_message
        mentions = list(message.parse_entities([MessageEntity.MENTION]).values())
        seen["mentions"] = mentions
        await message.reply_text(f"mentioned {' '.join(mentions)}")

    async def on_formatted(update: Update, context: Context) -> None:
        message = update.effective_message
        try:
            await message.reply_text("<b>粗体</b>", parse_mode=ParseMode.HTML)
        except BadRequest as exc:
            seen["bad_request"] = exc
            await message.reply_text("粗体")

    async def on_flood(update: Update, context: Context) -> None:
        try:
            await update.effective_message.reply_text("first try")
        except RetryAfter as exc:
            seen["retry_after"] = exc
            await update.effective_message.reply_text("second try")

    async def echo(update: Update, context: Context) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("fmt", on_formatted))
    app.add_handler(CommandHandler("flood", on_flood))
    app.add_handler(CallbackQueryHandler(on_callback))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    app.add_handler(MessageHandler(filters.Entity(MessageEntity.MENTION), on_mention))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app, seen


# ------------------------------------------------------------------ end to end through PTB


async def test_polling_echo_and_command(fake_api: FakeBotAPI, app_builder) -> None:
    app, _ = build_demo_app(app_builder)
    async with running_app(app):
        fake_api.push_message("你好，邻里")
        fake_api.push_message("/start")
        calls = await fake_api.wait_for("sendMessage", count=2)

    echo, start = calls
    assert echo.params == {"chat_id": DEFAULT_USER_ID, "text": "你好，邻里"}
    assert start.params["parse_mode"] == "HTML"
    assert start.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "更多", "callback_data": "more:1"}]]
    }
    assert start.ok and start.result["text"] == "欢迎 邻里"
    assert start.result["from"]["username"] == "linli_test_bot"
    assert start.result["message_id"] > echo.result["message_id"]
    assert fake_api.sent_texts() == ["你好，邻里", "<b>欢迎</b> 邻里"]
    assert fake_api.sent_texts(rendered=True)[1] == "欢迎 邻里"
    assert fake_api.sent_texts(chat_id=42) == []
    # Polling confirmed the updates it handled.
    assert fake_api.pending_updates == []
    assert app.bot.username == "linli_test_bot"


async def test_callback_edits_message_and_answers(fake_api: FakeBotAPI, app_builder) -> None:
    app, _ = build_demo_app(app_builder)
    async with running_app(app):
        fake_api.push_message("/start")
        [sent] = await fake_api.wait_for("sendMessage")
        query = fake_api.push_callback("more:1", message=sent.result)
        [edit] = await fake_api.wait_for("editMessageText")
        [answer] = await fake_api.wait_for("answerCallbackQuery")

    assert edit.params["message_id"] == sent.result["message_id"]
    assert edit.params["text"] == "已选择 more:1"
    assert answer.params == {"callback_query_id": query["id"], "text": "好的"}
    current = fake_api.message(DEFAULT_USER_ID, sent.result["message_id"])
    assert current is not None
    assert current["text"] == "已选择 more:1"
    assert "reply_markup" not in current  # the edit did not keep the keyboard
    assert fake_api.last_sent() == current


async def test_document_download_through_base_file_url(fake_api: FakeBotAPI, app_builder) -> None:
    app, seen = build_demo_app(app_builder)
    content = "第一期 社区通讯\n".encode() * 100
    async with running_app(app):
        pushed = fake_api.push_document(content, "通讯 第1期.txt", mime_type="text/plain")
        [reply] = await fake_api.wait_for("sendMessage")

    assert seen["document"] == content
    assert reply.params["text"] == f"通讯 第1期.txt: {len(content)} bytes"
    [get_file] = fake_api.calls("getFile")
    assert get_file.params == {"file_id": pushed["document"]["file_id"]}
    assert pushed["document"]["file_size"] == len(content)


async def test_group_mention_entity_parsed_by_ptb(fake_api: FakeBotAPI, app_builder) -> None:
    app, seen = build_demo_app(app_builder)
    async with running_app(app):
        message = fake_api.push_message(
            "请问 @linli_test_bot 垃圾分类几点？", chat_type="supergroup", user_id=7
        )
        [reply] = await fake_api.wait_for("sendMessage")

    assert message["entities"] == [{"type": "mention", "offset": 3, "length": 15}]
    assert seen["mentions"] == ["@linli_test_bot"]
    assert reply.params["chat_id"] == DEFAULT_CHAT_IDS["supergroup"]
    assert reply.result["chat"]["type"] == "supergroup"
    assert reply.params["reply_parameters"]["message_id"] == message["message_id"]
    assert reply.result["reply_to_message"]["message_id"] == message["message_id"]


async def test_group_command_addressed_to_bot(fake_api: FakeBotAPI, app_builder) -> None:
    app, _ = build_demo_app(app_builder)
    async with running_app(app):
        fake_api.push_message("/start@other_bot", chat_type="group")
        fake_api.push_message("/start@linli_test_bot", chat_type="group")
        [reply] = await fake_api.wait_for("sendMessage")
        await asyncio.sleep(0.1)
    assert reply.params["chat_id"] == DEFAULT_CHAT_IDS["group"]
    assert len(fake_api.calls("sendMessage")) == 1  # /start@other_bot was not for us


async def test_rejected_token_raises_invalid_token(fake_api: FakeBotAPI) -> None:
    app = application_builder(fake_api, token="999:not-a-valid-token").build()
    with pytest.raises(InvalidToken):
        await app.initialize()
    [call] = fake_api.calls("getMe")
    assert call.status == 401
    assert call.response == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_fail_next_gives_bad_request_in_handler(fake_api: FakeBotAPI, app_builder) -> None:
    app, seen = build_demo_app(app_builder)
    fake_api.fail_next(
        "sendMessage", description="Bad Request: can't parse entities: Unsupported start tag"
    )
    async with running_app(app):
        fake_api.push_message("/fmt")
        first, second = await fake_api.wait_for("sendMessage", count=2)

    assert isinstance(seen["bad_request"], BadRequest)
    assert "Can't parse entities" in str(seen["bad_request"])
    assert (first.status, first.params["parse_mode"]) == (400, "HTML")
    assert second.ok and "parse_mode" not in second.params
    assert fake_api.sent_texts() == ["粗体"]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_retry_after_next_gives_retry_after(fake_api: FakeBotAPI, app_builder) -> None:
    app, seen = build_demo_app(app_builder)
    fake_api.retry_after_next("sendMessage", seconds=3)
    async with running_app(app):
        fake_api.push_message("/flood")
        first, second = await fake_api.wait_for("sendMessage", count=2)

    assert isinstance(seen["retry_after"], RetryAfter)
    assert "Retry in 3" in str(seen["retry_after"])
    assert first.status == 429
    assert first.response["parameters"] == {"retry_after": 3}
    assert second.ok and second.params["text"] == "second try"


async def test_stop_does_not_hang_during_long_poll(fake_api: FakeBotAPI) -> None:
    app = application_builder(fake_api).get_updates_read_timeout(1).build()
    async with running_app(app, poll_timeout=30):
        await fake_api.wait_for("deleteWebhook")
        await asyncio.sleep(0.2)  # a 30 s getUpdates is now waiting in the fake
        started = time.monotonic()
    assert time.monotonic() - started < 3

    # Stopping the server itself also wakes a waiting long poll.
    url = f"{fake_api.base_url}{fake_api.token}/getUpdates?timeout=30"
    result: dict[str, Any] = {}

    def poll() -> None:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                result["body"] = response.read()
        except OSError as exc:  # connection closed by the stopping server is fine too
            result["error"] = exc

    thread = threading.Thread(target=poll)
    thread.start()
    await asyncio.sleep(0.2)
    started = time.monotonic()
    await asyncio.to_thread(fake_api.stop)
    await asyncio.to_thread(thread.join, 5)
    assert time.monotonic() - started < 3
    assert not thread.is_alive()


# ------------------------------------------------------------------ the fake's API surface


async def test_get_updates_long_poll_offset_and_limit(fake_api: FakeBotAPI) -> None:
    async with Bot(fake_api.token, base_url=fake_api.base_url) as bot:
        started = time.monotonic()
        assert await bot.get_updates(timeout=0.3) == ()
        assert time.monotonic() - started >= 0.25

        async def push_later() -> None:
            await asyncio.sleep(0.2)
            fake_api.push_message("晚到的消息")

        pusher = asyncio.create_task(push_later())
        started = time.monotonic()
        updates = await bot.get_updates(timeout=10)
        await pusher
        assert time.monotonic() - started < 2  # returned early when the update arrived
        assert [u.message.text for u in updates] == ["晚到的消息"]

        fake_api.push_message("二")
        fake_api.push_message("三")
        first = await bot.get_updates(limit=1)
        assert [u.message.text for u in first] == ["晚到的消息"]
        rest = await bot.get_updates(offset=first[0].update_id + 1)
        assert [u.message.text for u in rest] == ["二", "三"]
        assert [u.message.text for u in await bot.get_updates(offset=-1)] == ["三"]
        assert await bot.get_updates(offset=rest[-1].update_id + 1) == ()
        assert fake_api.pending_updates == []
        [last] = fake_api.calls("getUpdates")[-1:]
        assert last.params["offset"] == rest[-1].update_id + 1


async def test_pushed_media_are_valid_for_ptb(fake_api: FakeBotAPI) -> None:
    fake_api.push_sticker("😀")
    fake_api.push_photo(b"jpeg-bytes", caption="照片 /start")
    fake_api.push_voice(duration=5)
    fake_api.push_location(31.2, 121.5, chat_type="group", user_id=9)
    reply_to = fake_api.push_message("原消息")
    fake_api.push_message("回复", reply_to_message=reply_to, entities=[])
    async with Bot(
        fake_api.token, base_url=fake_api.base_url, base_file_url=fake_api.base_file_url
    ) as bot:
        sticker, photo, voice, location, _, reply = (u.message for u in await bot.get_updates())
        assert sticker.sticker.emoji == "😀"
        assert photo.photo[-1].width == 1280 and photo.caption == "照片 /start"
        assert photo.caption_entities[0].type == MessageEntity.BOT_COMMAND
        assert voice.voice.to_dict()["duration"] == 5 and voice.voice.mime_type == "audio/ogg"
        assert (location.location.latitude, location.chat.id) == (31.2, DEFAULT_CHAT_IDS["group"])
        assert reply.reply_to_message.text == "原消息" and reply.entities == ()
        file = await bot.get_file(photo.photo[-1].file_id)
        assert file.file_path.startswith(f"{fake_api.base_file_url}{fake_api.token}/photos/")


async def test_upload_document_multipart_and_too_big_file(fake_api: FakeBotAPI) -> None:
    async with Bot(
        fake_api.token, base_url=fake_api.base_url, base_file_url=fake_api.base_file_url
    ) as bot:
        message = await bot.send_document(
            DEFAULT_USER_ID,
            document=b"%PDF-1.4 fake",
            filename='第 3 期 "特刊".pdf',
            caption="<i>本期</i>",
            parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("网址", url="https://x.y")]]),
        )
        [call] = fake_api.calls("sendDocument")
        assert call.files == {"document": ('第 3 期 "特刊".pdf', b"%PDF-1.4 fake")}
        assert call.params["caption"] == "<i>本期</i>"
        assert call.params["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://x.y"
        assert message.document.file_name == '第 3 期 "特刊".pdf'
        assert message.caption == "本期"
        assert fake_api.file_content(message.document.file_id) == b"%PDF-1.4 fake"
        downloaded = await (await bot.get_file(message.document.file_id)).download_as_bytearray()
        assert downloaded == b"%PDF-1.4 fake"

        photo = await bot.send_photo(DEFAULT_USER_ID, photo=b"\x89PNG\r\n\x1a\n" + bytes(16))
        assert photo.photo[0].file_id and fake_api.calls("sendPhoto")[0].files["photo"]

        big = fake_api.push_document(b"tiny", "big.pdf", file_size=25 * 1024 * 1024)
        with pytest.raises(BadRequest, match="too big"):
            await bot.get_file(big["document"]["file_id"])
        with pytest.raises(BadRequest, match="Invalid file_id"):
            await bot.get_file("nope")


async def test_formatting_validation_and_limits(fake_api: FakeBotAPI) -> None:
    async with Bot(fake_api.token, base_url=fake_api.base_url) as bot:
        with pytest.raises(BadRequest, match="Can't parse entities: unsupported start tag"):
            await bot.send_message(1, "<div>x</div>", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match="reserved"):
            await bot.send_message(1, "第1期.", parse_mode=ParseMode.MARKDOWN_V2)
        ok = await bot.send_message(1, r"*第1期*\. [链接](https://a.b/c)", parse_mode="MarkdownV2")
        assert ok.text == "第1期. 链接"
        with pytest.raises(BadRequest, match="too long"):
            await bot.send_message(1, "长" * 4097)
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(
                1,
                "x",
                reply_markup=InlineKeyboardMarkup.from_button(
                    InlineKeyboardButton("b", callback_data="x" * 65)
                ),
            )
        sent = await bot.send_message(1, "同样")
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text("同样", chat_id=1, message_id=sent.message_id)
        assert await bot.delete_message(1, sent.message_id)
        with pytest.raises(BadRequest, match="not found"):
            await bot.delete_message(1, sent.message_id)

    assert render_formatted('a &lt;b&gt; <a href="u">c</a>', "HTML") == "a <b> c"
    with pytest.raises(Exception, match="end tag"):
        render_formatted("<b>x", "HTML")
    assert detect_entities("/help@linli_test_bot 和 @someone") == [
        {"type": "bot_command", "offset": 0, "length": 20},
        {"type": "mention", "offset": 23, "length": 8},
    ]
    assert detect_entities("😀 @someone")[0]["offset"] == 3  # UTF-16 offsets


async def test_raw_http_surface(fake_api: FakeBotAPI) -> None:
    fake_api.fail_next("getMe", error_code=403, description="Forbidden: x", times=2)
    async with httpx.AsyncClient(base_url=f"{fake_api.base_url}{fake_api.token}") as client:
        assert (await client.get("/getme")).status_code == 403
        assert (await client.post("/GETME")).status_code == 403
        me = (await client.post("/getMe")).json()
        assert me["ok"] and me["result"]["can_join_groups"] is True
        assert me["result"]["can_read_all_group_messages"] is False
        unknown = await client.post("/fooBar", json={})
        assert unknown.status_code == 404
        assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        sent = await client.post(
            "/sendmessage",
            json={"chat_id": 5, "text": "123", "reply_markup": '{"inline_keyboard": []}'},
        )
        assert sent.json()["result"]["text"] == "123"
        form = await client.post("/sendMessage", data={"chat_id": "5", "text": "true"})
        assert form.json()["result"]["message_id"] == 2
        cmds = [{"command": "help", "description": "帮助"}]
        await client.post("/setMyCommands", data={"commands": json.dumps(cmds)})
        assert (await client.post("/getMyCommands")).json()["result"] == cmds
        await client.post("/setWebhook", data={"url": "https://example.invalid/hook"})
        conflict = await client.post("/getUpdates")
        assert conflict.status_code == 409
        info = (await client.post("/getWebhookInfo")).json()["result"]
        assert info["url"] == "https://example.invalid/hook"
        assert (await client.post("/deleteWebhook")).json()["result"] is True
        assert (await client.post("/logOut")).json()["result"] is True
        missing = await client.get(f"{fake_api.base_file_url}{fake_api.token}/documents/none")
        assert missing.status_code == 404

    assert [c.method for c in fake_api.calls("getme")] == ["getMe"] * 3
    sends = fake_api.calls("sendMessage")
    assert sends[0].params["text"] == "123" and sends[0].params["reply_markup"] == {
        "inline_keyboard": []
    }
    assert sends[1].params == {"chat_id": 5, "text": "true"}
    assert fake_api.sent_texts(chat_id=5) == ["123", "true"]
    mark = fake_api.mark()
    with pytest.raises(TimeoutError, match="sendMessage"):
        await fake_api.wait_for("sendMessage", since=mark, timeout=0.1)


@pytest.mark.parametrize(("backlog", "expected"), [(None, 5), (256, 256)])
def test_backlog_is_the_listen_queue(
    monkeypatch: pytest.MonkeyPatch, backlog: int | None, expected: int
) -> None:
    """``backlog`` reaches listen() (the load benchmark's 50 clients at once need more than 5)."""
    import socket

    queues: list[int] = []
    listen = socket.socket.listen

    def recording_listen(self: socket.socket, queue: int) -> None:
        queues.append(queue)
        listen(self, queue)

    monkeypatch.setattr(socket.socket, "listen", recording_listen)
    options = {} if backlog is None else {"backlog": backlog}
    with FakeBotAPI(**options) as fake:
        url = f"{fake.base_url}{fake.token}/getMe"
        with urllib.request.urlopen(url, timeout=5) as response:
            assert json.load(response)["ok"] is True
    assert queues == [expected]


def _call(fake: FakeBotAPI, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    """One Bot API call over HTTP, as a bot makes it; (status, decoded body)."""
    request = urllib.request.Request(
        f"{fake.base_url}{fake.token}/{method}",
        data=json.dumps(params).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_slow_next_delays_the_answer_and_then_handles_the_call(fake_api: FakeBotAPI) -> None:
    fake_api.push_message("hi")  # the chat exists
    fake_api.slow_next("sendMessage", 0.5)
    started = time.monotonic()
    status, body = _call(fake_api, "sendMessage", chat_id=DEFAULT_USER_ID, text="slow")
    assert time.monotonic() - started >= 0.5
    assert status == 200 and body["ok"] and fake_api.sent_texts() == ["slow"]
    started = time.monotonic()
    _call(fake_api, "sendMessage", chat_id=DEFAULT_USER_ID, text="fast")
    assert time.monotonic() - started < 0.5
    fake_api.slow_next("sendMessage", 0.2, error_code=504, description="Gateway Timeout")
    status, body = _call(fake_api, "sendMessage", chat_id=DEFAULT_USER_ID, text="lost")
    assert (status, body["description"]) == (504, "Gateway Timeout")
    assert fake_api.sent_texts() == ["slow", "fast"]


def test_random_faults_are_reproducible_counted_and_cleared(fake_api: FakeBotAPI) -> None:
    fake_api.push_message("hi")

    def run() -> list[int]:
        fake_api.random_faults(
            "sendMessage", seed=3, retry_after=0.2, server_error=0.2, slow=0.1, slow_seconds=0.01
        )
        return [
            _call(fake_api, "sendMessage", chat_id=DEFAULT_USER_ID, text=str(n))[0]
            for n in range(60)
        ]

    statuses = run()
    met = fake_api.faults_met("sendMessage")
    assert statuses.count(429) == met["429"] > 0 and statuses.count(502) == met["502"] > 0
    assert met["slow"] > 0 and statuses.count(200) == 60 - met["429"] - met["502"]
    assert run() == statuses  # the same seed, the same faults
    fake_api.clear_faults()
    assert _call(fake_api, "sendMessage", chat_id=DEFAULT_USER_ID, text="ok")[0] == 200
    assert fake_api.faults_met("sendMessage") == {}

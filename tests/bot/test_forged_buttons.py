"""Forged and malformed button data, of every kind, changes nothing and gets a polite alert.

Anyone can send any callback data (up to 64 bytes) with any message, so every press is
a possible attack: data that fits no grammar, a real key with an impossible number, a
key from another chat or another user. Each must end in one alert (never a traceback,
a message or an edit), and the bot must go on answering.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.app import build_application
from corpus.api import Corpus
from tests.bot.helpers import bot_settings, button, started
from tests.bot.test_app import QUESTION, ask, eventually, log_entries
from tests.bot.test_staff import LIANGCHENG, upload
from tests.support.fake_bot_api import Call, FakeBotAPI

ALICE = 1001
MALLORY = 2002
STAFF = 5005
OTHER_STAFF = 6006

EXPIRED = "过期"
NOT_YOURS = "另一位邻居"
STAFF_ONLY = "工作人员"
HANDLED = "已经处理过或已过期"


@pytest.fixture
async def app(
    fake_api: FakeBotAPI, service: Corpus, tmp_path: Path
) -> AsyncIterator[Application]:
    settings = bot_settings(fake_api, tmp_path, staff_ids=frozenset({STAFF, OTHER_STAFF}))
    async with started(build_application(settings, service)) as application:
        yield application


async def refused(fake: FakeBotAPI, data: str, message: Call, user_id: int) -> str:
    """Press ``data`` on ``message``; the one alert's text (nothing else may happen)."""
    since = fake.mark()
    fake.push_callback(data, message=message.result, user_id=user_id)
    [ack] = await fake.wait_for("answerCallbackQuery", since=since, timeout=10)
    assert not fake.calls("sendMessage", since=since), data
    assert not fake.calls("editMessageText", since=since), data
    return ack.params.get("text") or ""


MALFORMED = [
    "",
    " ",
    "x",
    "x:",
    "x:zh",
    "x:zh:",
    "x:zh:99",
    "x:fr:0",
    "x:zh:-1",
    "x:zh:1\n",
    "p:",
    "p:key",
    "p:key:",
    "p:key:abc",
    "p:key:99999",
    "p:key:-1",
    "p:" + "k" * 58 + ":1",
    "a:nosuchkey:0",
    "a:key:-5",
    "f:key:2",
    "f:key:0",
    "f:key:+1",
    "r:key:0",
    "r:nosuchkey:1",
    "z:key:1",
    "💥",
    "<b>p:key:1</b>",
    "'; DROP TABLE query_log; --",
    "p:key:1' OR '1'='1",
    "\x00\x01",
    "p:../../etc:1",
]


@pytest.mark.parametrize("data", MALFORMED)
async def test_malformed_resident_data_is_an_expired_button(
    app: Application, fake_api: FakeBotAPI, service: Corpus, data: str
) -> None:
    answer = await ask(fake_api, QUESTION, user_id=ALICE)
    assert EXPIRED in await refused(fake_api, data, answer, ALICE)
    await eventually(lambda: log_entries(service))
    assert [e.feedback for e in log_entries(service)] == [None]
    assert "11月22日" in (await ask(fake_api, QUESTION, user_id=ALICE)).params["text"]


async def test_real_keys_with_impossible_numbers_change_nothing(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    answer = await ask(fake_api, QUESTION, user_id=ALICE)
    key = button(answer, "f:").split(":")[1]
    for data, expected in [
        (f"p:{key}:999", "没有更多"),
        (f"a:{key}:99", EXPIRED),
        (f"f:{key}:5", EXPIRED),
        (f"f:{key}:-2", EXPIRED),
        (f"r:{key}:1", EXPIRED),  # an answer's key is not an article's
        (f"x:zh:{len(key)}", EXPIRED),
    ]:
        assert expected in await refused(fake_api, data, answer, ALICE), data
    await eventually(lambda: log_entries(service))
    assert [e.feedback for e in log_entries(service)] == [None]


async def test_every_kind_of_button_pressed_by_someone_else_is_refused(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    alices = await ask(fake_api, QUESTION, user_id=ALICE)
    mallorys = await ask(fake_api, "垃圾分类志愿者", user_id=MALLORY)
    key = button(alices, "f:").split(":")[1]
    # Alice's buttons, replayed by Mallory in Mallory's chat.
    for data in (button(alices, "f:"), button(alices, "a:"), f"p:{key}:1"):
        assert NOT_YOURS in await refused(fake_api, data, mallorys, MALLORY), data
    # A staff member's preview: a resident, then another staff member, press its buttons.
    preview = await upload(fake_api, LIANGCHENG, "a.txt", caption="社区晨报 凉城 2026-11")
    before = service.issues.list()
    for data in (button(preview, "s:ok:"), button(preview, "s:no:")):
        assert STAFF_ONLY in await refused(fake_api, data, mallorys, MALLORY), data
        assert HANDLED in await refused(fake_api, data, preview, OTHER_STAFF), data
    assert service.issues.list() == before
    # Forged staff data, from a resident and from staff.
    for data in ("s:ok:", "s:maybe:abc", "s:ok:nosuchkey", "s:no:" + "k" * 30, "s:"):
        alert = await refused(fake_api, data, preview, STAFF)
        assert HANDLED in alert or EXPIRED in alert, data
        assert STAFF_ONLY in await refused(fake_api, data, mallorys, MALLORY), data
    # The preview still works for its owner; the feedback nobody may give was never given.
    since = fake_api.mark()
    fake_api.push_callback(button(preview, "s:ok:"), message=preview.result, user_id=STAFF)
    [edit] = await fake_api.wait_for("editMessageText", since=since, timeout=10)
    assert "已收录" in edit.params["text"]
    await eventually(lambda: log_entries(service))
    assert all(e.feedback is None for e in log_entries(service))


async def test_buttons_on_a_message_telegram_calls_inaccessible_are_expired_not_a_crash(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    # Presses on messages older than 48 hours come with the message "inaccessible"
    # (date 0): it can be neither edited nor replied to.
    answer = await ask(fake_api, QUESTION, user_id=ALICE)
    old = {"message_id": 999_999, "chat": {"id": ALICE, "type": "private"}, "date": 0}
    key = button(answer, "f:").split(":")[1]
    for data in (button(answer, "a:"), f"p:{key}:1", "x:zh:0", f"r:{key}:1"):
        since = fake_api.mark()
        fake_api.push_callback(data, message=old, user_id=ALICE)
        [ack] = await fake_api.wait_for("answerCallbackQuery", since=since, timeout=10)
        assert EXPIRED in ack.params["text"], data
        assert not fake_api.calls("sendMessage", since=since), data
    # Rating needs no message: it still counts.
    since = fake_api.mark()
    fake_api.push_callback(button(answer, "f:"), message=old, user_id=ALICE)
    [ack] = await fake_api.wait_for("answerCallbackQuery", since=since, timeout=10)
    assert "谢谢" in ack.params["text"]

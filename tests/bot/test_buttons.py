"""Answer buttons against misuse: only their chat (👍/👎: only the asker) may press them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.app import build_application
from corpus.api import Corpus
from tests.bot.helpers import bot_settings, button, started
from tests.bot.test_app import QUESTION, ask, eventually, log_entries
from tests.support.fake_bot_api import FakeBotAPI

ALICE = 1001
MALLORY = 2002


@pytest.fixture
async def app(
    fake_api: FakeBotAPI, service: Corpus, tmp_path: Path
) -> AsyncIterator[Application]:
    application = build_application(bot_settings(fake_api, tmp_path), service)
    async with started(application):
        yield application


async def test_another_residents_answer_buttons_are_refused_and_change_nothing(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    alices = await ask(fake_api, QUESTION, user_id=ALICE)
    await eventually(lambda: log_entries(service))
    mallorys = await ask(fake_api, "垃圾分类志愿者", user_id=MALLORY)
    for prefix in ("f:", "a:", "p:"):
        data = button(alices, prefix) if prefix != "p:" else button(alices, "a:").replace("a:", "p:")
        since = fake_api.mark()
        # Alice's button data, pressed by Mallory on a message in Mallory's own chat.
        fake_api.push_callback(data, message=mallorys.result, user_id=MALLORY)
        [ack] = await fake_api.wait_for("answerCallbackQuery", since=since)
        assert "另一位邻居" in ack.params["text"], prefix
        assert not fake_api.calls("sendMessage", since=since)
        assert not fake_api.calls("editMessageText", since=since)
    entries = await eventually(lambda: log_entries(service))
    assert [e.feedback for e in entries if e.question == QUESTION] == [None]
    # Alice's own press still works.
    since = fake_api.mark()
    fake_api.push_callback(button(alices, "f:"), message=alices.result, user_id=ALICE)
    [ack] = await fake_api.wait_for("answerCallbackQuery", since=since)
    assert "谢谢" in ack.params["text"]


async def test_in_a_group_anyone_reads_the_article_but_only_the_asker_rates(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    answer = await ask(
        fake_api, f"@linli_test_bot {QUESTION}", chat_type="group", user_id=ALICE
    )
    await eventually(lambda: log_entries(service))
    since = fake_api.mark()
    fake_api.push_callback(button(answer, "f:"), message=answer.result, user_id=MALLORY)
    [ack] = await fake_api.wait_for("answerCallbackQuery", since=since)
    assert "另一位邻居" in ack.params["text"]
    assert [e.feedback for e in log_entries(service)] == [None]
    since = fake_api.mark()
    fake_api.push_callback(button(answer, "a:"), message=answer.result, user_id=MALLORY)
    [article] = await fake_api.wait_for("sendMessage", since=since)
    assert "世纪同乐" in article.params["text"]


"""Follow-up questions in the bot and the terminal chat: the previous topic carried over."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot import residents
from bot.app import build_application
from bot.terminal import run_chat
from corpus.api import FOLLOWUP_WINDOW, Corpus
from tests.bot.helpers import (
    ELEVATOR_ARTICLE,
    ELEVATOR_QUESTION,
    add_sample_issue,
    bot_settings,
    started,
)
from tests.bot.test_app import ask
from tests.support.fake_bot_api import FakeBotAPI


@pytest.fixture
async def app(
    fake_api: FakeBotAPI, service: Corpus, tmp_path: Path
) -> AsyncIterator[Application]:
    add_sample_issue(service)
    application = build_application(bot_settings(fake_api, tmp_path), service)
    async with started(application):
        yield application


async def test_a_follow_up_is_answered_from_the_same_article(
    app: Application, fake_api: FakeBotAPI
) -> None:
    first = await ask(fake_api, ELEVATOR_QUESTION)
    assert ELEVATOR_ARTICLE in first.params["text"]
    follow = await ask(fake_api, "那什么时候完工")
    text = follow.params["text"]
    assert text.startswith("<b>关于 桂花苑小区加装电梯：</b>")
    assert ELEVATOR_ARTICLE in text and "预计明年3月竣工" in text
    # The topic carries on to the next follow-up, too.
    where = await ask(fake_api, "在哪里")
    assert "关于 桂花苑小区加装电梯" in where.params["text"]
    assert ELEVATOR_ARTICLE in where.params["text"]


async def test_a_question_with_its_own_topic_starts_afresh(
    app: Application, fake_api: FakeBotAPI
) -> None:
    await ask(fake_api, ELEVATOR_QUESTION)
    canteen = await ask(fake_api, "社区食堂几点开门")
    assert "关于" not in canteen.params["text"]
    assert "社区食堂推出老人助餐优惠" in canteen.params["text"]
    assert ELEVATOR_ARTICLE not in canteen.params["text"]
    # ... and is the topic now.
    price = await ask(fake_api, "多少钱")
    assert "关于 社区食堂" in price.params["text"]


async def test_the_topic_is_per_chat_and_resident_and_expires(
    app: Application, fake_api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ask(fake_api, ELEVATOR_QUESTION)
    # Another resident's "在哪里" is not about Alice's question; nor in a group.
    other = await ask(fake_api, "那什么时候完工", user_id=2002)
    assert "关于" not in other.params["text"]
    group = await ask(fake_api, "/ask 那什么时候完工", chat_type="group")
    assert "关于" not in group.params["text"]
    # Past the window, a topic-less question is on its own again.
    topics = app.bot_data[residents.TOPICS]
    monkeypatch.setattr(topics, "window", 0.0)
    late = await ask(fake_api, "那什么时候完工")
    assert "关于" not in late.params["text"]


async def test_a_question_that_found_nothing_is_not_carried_over(
    app: Application, fake_api: FakeBotAPI
) -> None:
    await ask(fake_api, ELEVATOR_QUESTION)
    nothing = await ask(fake_api, "游泳池几点开门")
    assert "没有在社区报里找到" in nothing.params["text"]
    after = await ask(fake_api, "在哪里")
    assert "关于" not in after.params["text"]


def chat(service: Corpus, session: str, clock: list[float] | None = None) -> str:
    out = io.StringIO()
    times = iter(clock) if clock else None
    kwargs = {"clock": lambda: next(times)} if times else {}
    assert run_chat(service, out=out, inp=io.StringIO(session), **kwargs) == 0
    return out.getvalue()


def test_the_terminal_chat_carries_the_topic_over(service: Corpus) -> None:
    add_sample_issue(service)
    text = chat(service, f"{ELEVATOR_QUESTION}\n那什么时候完工\n社区食堂几点开门\n")
    followup = text.split("问> ")[2]
    assert followup.startswith("关于 桂花苑小区加装电梯：") and ELEVATOR_ARTICLE in followup
    assert "关于" not in text.split("问> ")[3]


def test_the_terminal_chat_forgets_the_topic_after_the_window(service: Corpus) -> None:
    add_sample_issue(service)
    text = chat(
        service, f"{ELEVATOR_QUESTION}\n那什么时候完工\n", clock=[0.0, FOLLOWUP_WINDOW + 1]
    )
    assert "关于" not in text


@pytest.mark.parametrize("arg", ["0", "-1", "-3", "abc", "99", "", "1.5"])
def test_full_with_a_bad_number_is_refused(service: Corpus, arg: str) -> None:
    text = chat(service, f"垃圾分类志愿者\n/full {arg}\n")
    assert "/full 后面写结果的编号" in text


def test_full_before_any_question_says_what_to_do(service: Corpus) -> None:
    assert "先问一个问题" in chat(service, "/full 1\n")

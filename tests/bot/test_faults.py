"""Telegram misbehaving (429 with retry_after, 5xx, 401, slow responses): nothing lost or half-written.

Every question ends in the query log exactly once, marked "sent" only when a reply did
arrive; no reply is sent twice; a staff change is stored once whatever becomes of the
message that reports it. The faults are injected in the fake Bot API
(``fail_next``, ``retry_after_next``, ``slow_next``, ``random_faults``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.app import build_application
from corpus.api import Corpus, parse_period
from tests.bot.helpers import bot_settings, button, started
from tests.bot.test_app import QUESTION, ask, eventually, log_entries
from tests.bot.test_staff import LIANGCHENG, upload
from tests.support.fake_bot_api import FakeBotAPI

STAFF = 5005
OTHER_QUESTION = "看电影的优惠票多少钱"


@pytest.fixture
async def app(
    fake_api: FakeBotAPI, service: Corpus, tmp_path: Path
) -> AsyncIterator[Application]:
    settings = bot_settings(fake_api, tmp_path, staff_ids=frozenset({STAFF}))
    async with started(build_application(settings, service)) as application:
        yield application


def answers_to(fake: FakeBotAPI, chat_id: int, since: int = 0) -> list[Any]:
    """The bot's answers (replies to a question) in ``chat_id``, each attempt."""
    return [
        c
        for c in fake.calls("sendMessage", since=since)
        if c.params.get("chat_id") == chat_id and c.params.get("reply_parameters")
    ]


async def test_a_429_is_waited_out_and_the_answer_arrives_once(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    fake_api.retry_after_next(
        "sendMessage", 1, when=lambda p: bool(p.get("reply_parameters"))
    )
    since = fake_api.mark()
    started_at = time.monotonic()
    fake_api.push_message(QUESTION)
    await fake_api.wait_for("sendMessage", lambda c: c.ok, since=since, timeout=15)
    assert time.monotonic() - started_at >= 1.0  # retry_after was honoured
    attempts = answers_to(fake_api, 1001, since)
    assert [c.status for c in attempts] == [429, 200]
    entries = await eventually(lambda: log_entries(service))
    assert [(e.question, e.delivery) for e in entries] == [(QUESTION, "sent")]


async def test_a_slow_response_holds_up_only_its_own_answer(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    fake_api.slow_next("sendMessage", 2.0, when=lambda p: p.get("chat_id") == 1001)
    since = fake_api.mark()
    fake_api.push_message(QUESTION, user_id=1001)
    await asyncio.sleep(0.2)
    started_at = time.monotonic()
    other = await ask(fake_api, OTHER_QUESTION, user_id=2002)
    assert time.monotonic() - started_at < 1.5 and "9.9元" in other.params["text"]
    [slow] = await fake_api.wait_for(
        "sendMessage", lambda c: c.params.get("chat_id") == 1001, since=since, timeout=10
    )
    assert slow.ok and slow.delayed == 2.0
    entries = await eventually(lambda: len(log_entries(service)) == 2 or [])
    assert entries and sorted(e.delivery for e in log_entries(service)) == ["sent", "sent"]
    assert len(answers_to(fake_api, 1001, since)) == 1  # not sent twice


async def test_a_401_while_answering_is_logged_as_undelivered_and_the_bot_goes_on(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    # A token revoked for a moment (or a proxy answering 401): the answer cannot go out.
    fake_api.fail_next(
        "sendMessage",
        error_code=401,
        description="Unauthorized",
        when=lambda p: bool(p.get("reply_parameters")),
    )
    since = fake_api.mark()
    fake_api.push_message(QUESTION)
    entries = await eventually(lambda: log_entries(service), timeout=10)
    assert [(e.question, e.delivery) for e in entries] == [(QUESTION, "failed")]
    assert [c.status for c in answers_to(fake_api, 1001, since)] == [401]  # never resent
    assert "9.9元" in (await ask(fake_api, OTHER_QUESTION)).params["text"]
    # The query log is written in batches: the second question's entry may land after its
    # reply has gone out.
    def counts() -> tuple[int, int] | None:
        stats = service.log.stats(parse_period("all"))
        return (stats.questions, stats.undelivered) if stats.questions >= 2 else None

    assert await eventually(counts, timeout=10) == (2, 1)


async def test_random_faults_lose_no_question_and_log_only_real_deliveries(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    fake_api.random_faults(
        "sendMessage",
        seed=11,
        retry_after=0.1,
        server_error=0.15,
        slow=0.1,
        slow_seconds=0.3,
    )
    users = list(range(7000, 7030))
    since = fake_api.mark()
    for user in users:
        fake_api.push_message(QUESTION if user % 2 else OTHER_QUESTION, user_id=user)
    entries = await eventually(lambda: len(log_entries(service)) >= len(users) or [], timeout=60)
    assert entries, f"{len(log_entries(service))} of {len(users)} logged"
    await asyncio.sleep(1.0)  # nothing more may come (no late duplicates)
    logged = {e.user_hash: e.delivery for e in log_entries(service)}
    assert len(log_entries(service)) == len(users) == len(logged)  # each exactly once
    from corpus.querylog.write import pseudonym

    met = fake_api.faults_met("sendMessage")
    assert met.get("429") and met.get("502") and met.get("slow"), met
    for user in users:
        arrived = [c for c in answers_to(fake_api, user, since) if c.ok]
        assert len(arrived) <= 1, user  # never the same answer twice
        delivery = logged[pseudonym(b"test-secret", user)]
        assert delivery == ("sent" if arrived else "failed"), (user, delivery)


async def test_a_confirm_whose_report_fails_stores_the_issue_once(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    before = len(service.issues.list())
    preview = await upload(fake_api, LIANGCHENG, "a.txt", caption="社区晨报 凉城 2026-11")
    fake_api.fail_next("editMessageText", error_code=502, description="Bad Gateway", times=5)
    confirm = button(preview, "s:ok:")
    since = fake_api.mark()
    fake_api.push_callback(confirm, message=preview.result, user_id=STAFF)
    [apology] = await fake_api.wait_for(
        "sendMessage", lambda c: c.params.get("chat_id") == STAFF, since=since, timeout=10
    )
    assert "抱歉" in apology.params["text"]
    assert len(service.issues.list()) == before + 1
    # Pressed again (the staff member never saw "stored"): nothing is stored twice.
    since = fake_api.mark()
    fake_api.push_callback(confirm, message=preview.result, user_id=STAFF)
    [ack] = await fake_api.wait_for("answerCallbackQuery", since=since, timeout=10)
    assert "已经处理过" in ack.params["text"]
    again = await upload(fake_api, LIANGCHENG, "a.txt", caption="社区晨报 凉城 2026-11")
    assert "已经收录过" in again.params["text"]
    assert len(service.issues.list()) == before + 1


async def test_a_reply_slower_than_the_read_timeout_is_not_sent_twice(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    # The bot gives up waiting (TimedOut) while Telegram may still deliver the message:
    # sending it again could show the resident the answer twice, so it is not resent, and
    # the log says "failed" (the bot cannot know it arrived).
    fake_api.slow_next("sendMessage", 7.0, when=lambda p: bool(p.get("reply_parameters")))
    since = fake_api.mark()
    fake_api.push_message(QUESTION)
    entries = await eventually(lambda: log_entries(service), timeout=20)
    assert [(e.question, e.delivery) for e in entries] == [(QUESTION, "failed")]
    await fake_api.wait_for("sendMessage", lambda c: c.delayed > 0, since=since, timeout=10)
    await asyncio.sleep(1.0)
    assert len(answers_to(fake_api, 1001, since)) == 1  # the slow one, never a second
    assert "9.9元" in (await ask(fake_api, OTHER_QUESTION, user_id=2002)).params["text"]

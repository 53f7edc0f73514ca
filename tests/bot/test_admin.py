"""Admins read the query log in Telegram: /stats, /unanswered, /top, /export, end to end.

A real PTB Application talks to the loopback fake Bot API; the log lives in a fresh
database per test (SQLite, and PostgreSQL when configured).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from telegram.ext import Application

from bot import admin
from bot.app import FLUSH_JOB, build_application
from corpus.answer.service import LinliService
from corpus.api import Corpus
from corpus.querylog import export, periods
from corpus.querylog.write import pseudonym
from corpus.settings import Settings
from corpus.store.engine import Store
from corpus.store.models import QueryLogEntry
from tests.bot.helpers import bot_settings, started
from tests.corpus.test_charts import png_chunks, png_text
from tests.corpus.test_logstats import add, dump_database
from tests.support.fake_bot_api import DEFAULT_USER_ID, Call, FakeBotAPI

ADMIN_ID = 4242
RESIDENT_ID = 987654321  # appears nowhere in the corpus, so a leak would show
SECRET = b"admin-test-secret"
COMMANDS = ("/stats", "/unanswered", "/top", "/export")


def settings_for(fake: FakeBotAPI, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "admin_ids": frozenset({ADMIN_ID}),
        "staff_ids": frozenset({ADMIN_ID}),
        "database_url": None,
    }
    values.update(overrides)
    return bot_settings(fake, tmp_path, **values)


@pytest.fixture
def service(empty_store: Store) -> Iterator[Corpus]:
    yield Corpus(empty_store, LinliService(empty_store), SECRET)


@pytest.fixture
async def app(
    fake_api: FakeBotAPI, service: Corpus, tmp_path: Path
) -> AsyncIterator[Application]:
    async with started(build_application(settings_for(fake_api, tmp_path), service)) as app:
        yield app


async def send(fake: FakeBotAPI, text: str, method: str = "sendMessage", **kwargs: Any) -> Call:
    kwargs.setdefault("user_id", ADMIN_ID)
    since = fake.mark()
    fake.push_message(text, **kwargs)
    [call] = await fake.wait_for(method, since=since, timeout=10)
    return call


def count_entries(store: Store) -> int:
    with store.factory() as session:
        return session.scalar(select(func.count()).select_from(QueryLogEntry)) or 0


def a_day_of_traffic(store: Store, now: datetime) -> dict[str, Any]:
    """Known entries: 5 in the last week (3 found), 1 a month ago."""
    recent = now - timedelta(hours=2)
    older = now - timedelta(days=3)
    add(store, at=recent, user="a", latency=10, feedback=1)
    add(store, at=recent, user="a", latency=20, feedback=1, direct="2019年11月22日")
    add(store, at=recent, user="b", latency=30, feedback=-1)
    add(store, at=older, user="c", latency=40, question="游泳池几点开门", found=False)
    add(store, at=older, user="", latency=1000, question="游泳池什么时候开门？", found=False)
    add(store, at=now - timedelta(days=20), user="d", question="上个月的问题")
    beijing = periods.REPORT_TZ
    return {
        "recent_hour": recent.astimezone(beijing).hour,
        "older_hour": older.astimezone(beijing).hour,
    }


# --- /stats -------------------------------------------------------------------------------------


async def test_stats_shows_the_figures_and_a_chart_of_the_week(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    now = datetime.now(UTC)
    hours = a_day_of_traffic(service.store, now)
    since = fake_api.mark()
    fake_api.push_message("/stats", user_id=ADMIN_ID)
    [photo] = await fake_api.wait_for("sendPhoto", since=since, timeout=15)
    [reply] = fake_api.calls("sendMessage", since=since)
    text = reply.params["text"]
    assert "最近 7 天" in text
    assert "提问 5 次，提问人 3 位" in text
    assert "找到答案 3 次（60.0%），没找到 2 次" in text
    assert "中位数 30 毫秒，95% 在 1000 毫秒以内" in text
    assert "👍 2　👎 1" in text
    assert f"{hours['recent_hour']}点（3次）" in text and f"{hours['older_hour']}点（2次）" in text
    _, png = photo.files["photo"]
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png_chunks(png)[-1][0] == b"IEND"
    series = json.loads(png_text(png)["Description"])
    today = now.astimezone(periods.REPORT_TZ).date()
    assert [d["date"] for d in series] == [
        (today - timedelta(days=7 - i)).isoformat() for i in range(8)
    ]
    assert sum(d["found"] for d in series) == 3 and sum(d["not_found"] for d in series) == 2
    assert "绿色" in photo.params["caption"]


async def test_stats_counts_a_question_asked_a_moment_ago(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    """Entries are queued and written in batches; an admin's read sees them all the same."""
    assert app.job_queue is not None
    for job in app.job_queue.get_jobs_by_name(FLUSH_JOB):
        job.schedule_removal()  # only the admin command may write the queue here
    await send(fake_api, "世纪同乐小区什么时候清理楼道堆物？", user_id=RESIDENT_ID)
    assert await eventually(lambda: service.log.pending == 1)  # queued after the reply
    assert count_entries(service.store) == 0
    since = fake_api.mark()
    fake_api.push_message("/stats", user_id=ADMIN_ID)
    await fake_api.wait_for("sendPhoto", since=since, timeout=15)
    [reply] = fake_api.calls("sendMessage", since=since)
    assert "提问 1 次，提问人 1 位" in reply.params["text"]
    assert count_entries(service.store) == 1


async def test_stats_period_argument(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    a_day_of_traffic(service.store, datetime.now(UTC))
    since = fake_api.mark()
    fake_api.push_message("/stats 30d", user_id=ADMIN_ID)
    await fake_api.wait_for("sendPhoto", since=since, timeout=15)
    assert "提问 6 次" in fake_api.calls("sendMessage", since=since)[0].params["text"]
    reply = await send(fake_api, "/stats all", method="sendPhoto")
    assert reply.ok
    future = await send(fake_api, "/stats 2099-01-01")
    assert "看不懂“2099-01-01”" in future.params["text"]


async def test_stats_in_english_and_for_an_empty_log(
    app: Application, fake_api: FakeBotAPI
) -> None:
    reply = await send(fake_api, "/stats", language_code="en")
    assert reply.params["text"] == "last 7 days: no questions."
    assert not fake_api.calls("sendPhoto")


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        ("/stats 99x", "99x"),
        ("/stats 7d 30d", "7d 30d"),
        ("/unanswered yesterday", "yesterday"),
        ("/top 0d", "0d"),
        ("/export notadate", "notadate"),
        ("/export 2024-05-31 2024-05-01", "2024-05-31 2024-05-01"),
        ("/export 1d 2d 3d", "1d 2d 3d"),
        ("/stats 😀", "😀"),
        ("/top 2024-02-30", "2024-02-30"),
        ("/stats 99999999999d", "99999999999d"),
        ("/export '; DROP TABLE query_log; --", "'; DROP TABLE query_log; --"),
        ("/unanswered <b>7d</b>", "&lt;b&gt;7d&lt;/b&gt;"),
        ("/stats " + "9" * 600, "9" * 600),
    ],
)
async def test_bad_input_is_explained_without_a_traceback(
    app: Application,
    fake_api: FakeBotAPI,
    caplog: pytest.LogCaptureFixture,
    command: str,
    shown: str,
) -> None:
    with caplog.at_level(logging.ERROR):
        reply = await send(fake_api, command)
    text = reply.params["text"]
    assert f"看不懂“{shown}”" in text and "用法" in text and command.split()[0] in text
    assert "Traceback" not in caplog.text and not caplog.records
    assert not fake_api.calls("sendPhoto") and not fake_api.calls("sendDocument")


# --- /unanswered and /top -----------------------------------------------------------------------


async def test_unanswered_groups_similar_questions(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    now = datetime.now(UTC)
    for minutes, question in enumerate(
        ["游泳池几点开门", "游泳池几点开门", "游泳池什么时候开门？", "狗证在哪里办"], start=1
    ):
        add(service.store, at=now - timedelta(minutes=minutes), question=question, found=False)
    add(service.store, at=now - timedelta(minutes=9), question="<b>停车</b>费", found=False)
    add(service.store, at=now - timedelta(minutes=1), found=True)
    text = (await send(fake_api, "/unanswered")).params["text"]
    lines = text.split("\n")
    assert lines[0] == "<b>没找到答案的问题（最近 30 天，相似的合为一组）</b>"
    assert lines[1] == "1. 3次 · 游泳池几点开门 / 游泳池什么时候开门？"
    assert "2. 1次 · 狗证在哪里办" in lines
    assert "3. 1次 · &lt;b&gt;停车&lt;/b&gt;费" in lines  # residents' text is escaped
    assert "世纪同乐" not in text
    english = await send(fake_api, "/unanswered 1d", language_code="en")
    assert "Questions that found nothing (last 24 hours" in english.params["text"]
    assert "3× · 游泳池几点开门" in english.params["text"]


async def test_top_lists_the_most_asked_questions(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    now = datetime.now(UTC)
    for i in range(3):
        add(service.store, at=now - timedelta(hours=i + 1), question="看电影的优惠票多少钱")
    add(service.store, at=now - timedelta(hours=5), question="看電影的優惠票多少錢？")
    add(service.store, at=now - timedelta(hours=6), question="游泳池几点开门", found=False)
    text = (await send(fake_api, "/top 7d")).params["text"]
    assert text.split("\n")[1:] == [
        "1. 4次 · 看电影的优惠票多少钱",
        "2. 1次 · 游泳池几点开门（没找到）",
    ]
    assert "最近 7 天" in text
    english = (await send(fake_api, "/top 1d", language_code="en")).params["text"]
    assert english.split("\n")[:2] == [
        "<b>Most-asked questions (last 24 hours)</b>",
        "1. 4× · 看电影的优惠票多少钱",
    ]
    assert "2. 1× · 游泳池几点开门 (nothing found)" in english


async def test_unanswered_and_top_when_nothing_was_asked(
    app: Application, fake_api: FakeBotAPI
) -> None:
    assert "没有找不到答案" in (await send(fake_api, "/unanswered")).params["text"]
    assert "还没有人提问" in (await send(fake_api, "/top all")).params["text"]


# --- /export -------------------------------------------------------------------------------------


async def test_export_sends_the_log_as_csv_with_bom_and_pseudonyms(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    now = datetime.now(UTC)
    a_day_of_traffic(service.store, now)
    user = pseudonym(SECRET, RESIDENT_ID)
    add(
        service.store,
        at=now - timedelta(minutes=5),
        user=user,
        question="凉二小区加装电梯进展怎么样了",
    )
    call = await send(fake_api, "/export", method="sendDocument")
    filename, data = call.files["document"]
    assert filename == "linli-log-all.csv"
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == list(export.CSV_COLUMNS)
    assert len(rows) == 7 and "7" in call.params["caption"]
    assert rows[-1]["question"] == "凉二小区加装电梯进展怎么样了" and rows[-1]["user"] == user
    assert [r["question"] for r in rows[:2]] == ["上个月的问题", "游泳池几点开门"]  # oldest first
    assert [r["direct_answer"] for r in rows if r["direct_answer"]] == ["2019年11月22日"]
    assert str(RESIDENT_ID) not in data.decode("utf-8-sig")
    assert all(r["time"].endswith("+00:00") for r in rows)

    today = now.astimezone(periods.REPORT_TZ).date()
    week = await send(fake_api, f"/export 7d {today.isoformat()}", method="sendDocument")
    name, data = week.files["document"]
    assert name == f"linli-log-7d_{today.isoformat()}.csv"
    assert len(list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))) == 6


async def test_stats_and_export_count_the_answers_that_never_reached_residents(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    now = datetime.now(UTC)
    add(service.store, at=now - timedelta(hours=1), user="a")
    add(service.store, at=now - timedelta(hours=2), user="b", delivery="failed")
    add(service.store, at=now - timedelta(hours=3), user="c", delivery="failed")
    stats = await send(fake_api, "/stats")
    assert "提问 3 次" in stats.params["text"]
    assert "没能送达的回答 2 次" in stats.params["text"]
    english = await send(fake_api, "/stats", language_code="en")
    assert "Answers not delivered: 2" in english.params["text"]
    call = await send(fake_api, "/export", method="sendDocument")
    assert "其中 2 条回答没能送达" in call.params["caption"]
    _, data = call.files["document"]
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert sorted(r["delivery"] for r in rows) == ["failed", "failed", "sent"]


async def test_export_of_an_empty_range_says_so(app: Application, fake_api: FakeBotAPI) -> None:
    reply = await send(fake_api, "/export 2024-01-01 2024-01-31")
    assert reply.params["text"] == "2024-01-01 至 2024-01-31：没有可导出的记录。"
    assert not fake_api.calls("sendDocument")


# --- who may ask ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
async def test_non_admins_are_refused_politely_and_nothing_is_stored(
    app: Application,
    fake_api: FakeBotAPI,
    service: Corpus,
    caplog: pytest.LogCaptureFixture,
    command: str,
) -> None:
    a_day_of_traffic(service.store, datetime.now(UTC))
    before = dump_database(service.store)
    with caplog.at_level(logging.WARNING, logger="bot.admin"):
        reply = await send(fake_api, f"{command} all", user_id=DEFAULT_USER_ID)
    assert reply.params["text"] == "抱歉，这个功能只对管理员开放。"
    assert f"refused {command} to non-admin user {DEFAULT_USER_ID}" in caplog.text
    assert all(r.levelno == logging.WARNING for r in caplog.records if r.name == "bot.admin")
    assert "小明" not in caplog.text  # the numeric id only, never the name
    await asyncio.sleep(0.2)
    assert not fake_api.calls("sendPhoto") and not fake_api.calls("sendDocument")
    assert dump_database(service.store) == before
    english = await send(fake_api, command, user_id=DEFAULT_USER_ID, language_code="en")
    assert english.params["text"] == "Sorry, only administrators can do that."


async def test_admins_are_sent_to_a_private_chat_in_groups(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    a_day_of_traffic(service.store, datetime.now(UTC))
    for command in COMMANDS:
        reply = await send(fake_api, command, chat_type="group")
        assert "私聊" in reply.params["text"]
    await asyncio.sleep(0.2)
    assert not fake_api.calls("sendPhoto") and not fake_api.calls("sendDocument")


# --- recording and the daily purge -------------------------------------------------------------


async def eventually(probe: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while not (result := probe()) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    return result


def rated(store: Store) -> int:
    with store.factory() as session:
        return session.scalar(
            select(func.count()).select_from(QueryLogEntry).where(QueryLogEntry.feedback.is_not(None))
        ) or 0


async def test_residents_questions_and_feedback_are_logged_without_their_id(
    fake_api: FakeBotAPI, seeded_store: Store, tmp_path: Path
) -> None:
    service = Corpus(seeded_store, LinliService(seeded_store), SECRET)
    application = build_application(settings_for(fake_api, tmp_path), service)
    async with started(application):
        first = await send(fake_api, "世纪同乐小区什么时候清理楼道堆物？", user_id=RESIDENT_ID)
        await send(fake_api, "看电影的优惠票多少钱", user_id=RESIDENT_ID)
        await send(
            fake_api,
            "游泳池几点开门",
            user_id=RESIDENT_ID,
            chat_type="group",
            reply_to_message=first.result,
        )
        await eventually(lambda: count_entries(seeded_store) == 3)
        # 👍 under the first answer: it must land on the first entry, not the latest.
        thumbs = next(
            b["callback_data"]
            for row in first.params["reply_markup"]["inline_keyboard"]
            for b in row
            if b["callback_data"].startswith("f:") and b["callback_data"].endswith(":1")
        )
        since = fake_api.mark()
        fake_api.push_callback(thumbs, message=first.result, user_id=RESIDENT_ID)
        await fake_api.wait_for("answerCallbackQuery", since=since)
        # Queued with the log and written by the next flush, within a second.
        await eventually(lambda: rated(seeded_store) == 1)
    with seeded_store.factory() as session:
        logged = list(session.scalars(select(QueryLogEntry).order_by(QueryLogEntry.id)))
    assert [(e.question, e.channel, e.found, e.feedback) for e in logged] == [
        ("世纪同乐小区什么时候清理楼道堆物？", "private", True, 1),
        ("看电影的优惠票多少钱", "private", True, None),
        ("游泳池几点开门", "group", False, None),
    ]
    assert {e.user_hash for e in logged} == {pseudonym(SECRET, RESIDENT_ID)}
    assert all(e.created_at.tzinfo is not None for e in logged)
    assert logged[0].feedback_at is not None and logged[0].latency_ms > 0
    assert str(RESIDENT_ID) not in dump_database(seeded_store)


async def test_the_daily_purge_is_scheduled_and_deletes_only_old_entries(
    fake_api: FakeBotAPI, service: Corpus, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    add(service.store, at=now - timedelta(days=31), question="旧的")
    add(service.store, at=now - timedelta(days=29), question="新的")
    settings = settings_for(fake_api, tmp_path, log_retention_days=30)
    async with started(build_application(settings, service)) as application:
        [job] = application.job_queue.get_jobs_by_name(admin.PURGE_JOB)
        assert job.job.trigger.interval == timedelta(days=1)
        assert job.next_t is not None and job.next_t - now < timedelta(minutes=5)
        await job.run(application)
    with service.store.factory() as session:
        assert list(session.scalars(select(QueryLogEntry.question))) == ["新的"]


async def test_a_failing_purge_is_logged_and_the_bot_keeps_answering(
    fake_api: FakeBotAPI,
    service: Corpus,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(service.log, "purge", broken)
    async with started(build_application(settings_for(fake_api, tmp_path), service)) as application:
        [job] = application.job_queue.get_jobs_by_name(admin.PURGE_JOB)
        with caplog.at_level(logging.ERROR):
            await job.run(application)
        assert "purge failed" in caplog.text
        assert "没有" in (await send(fake_api, "/top")).params["text"]


async def test_a_retention_of_zero_days_never_empties_the_log(
    fake_api: FakeBotAPI,
    service: Corpus,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    add(service.store, at=datetime.now(UTC) - timedelta(days=3))
    settings = settings_for(fake_api, tmp_path, log_retention_days=0)
    async with started(build_application(settings, service)) as application:
        [job] = application.job_queue.get_jobs_by_name(admin.PURGE_JOB)
        with caplog.at_level(logging.WARNING):
            await job.run(application)
    assert "not purging" in caplog.text and count_entries(service.store) == 1

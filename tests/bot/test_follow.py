"""Following topics end to end: /follow, a staff upload, and the notification that follows.

A real Application with its production handlers and jobs against the fake Bot API;
the notification job polls every fraction of a second here instead of every few.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from telegram.ext import Application

from bot import notify
from bot.app import build_application
from corpus.answer.service import LinliService
from corpus.api import Corpus, IssueMeta
from corpus.store import follows as follow_queries
from corpus.store.engine import Store
from corpus.store.models import Follow, Follower, Notification
from tests.bot.helpers import bot_settings, button, keyboard, started
from tests.support.fake_bot_api import DEFAULT_USER_ID, Call, FakeBotAPI

STAFF = 5005
RESIDENT = DEFAULT_USER_ID
NEIGHBOUR = 1002
GROUP = -4001
DATA = Path(__file__).resolve().parents[1] / "data"
ELEVATOR = DATA / "follow" / "elevator_2026-12.txt"
LIBRARY = DATA / "follow" / "library_2026-12.txt"
ELEVATOR_SOURCE = "社区晨报 · 凉城新村街道 · 2026年12月 · 凉城三村5号楼加装电梯正式启用"


@pytest.fixture(autouse=True)
def _fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notify, "NOTIFY_INTERVAL", 0.2)


@pytest.fixture
async def app(fake_api: FakeBotAPI, service: Corpus, tmp_path: Path) -> AsyncIterator[Application]:
    settings = bot_settings(fake_api, tmp_path, staff_ids=frozenset({STAFF}))
    async with started(build_application(settings, service)) as application:
        yield application


async def say(fake: FakeBotAPI, text: str, user_id: int = RESIDENT, **kwargs: Any) -> Call:
    since = fake.mark()
    fake.push_message(text, user_id=user_id, **kwargs)
    [call] = await fake.wait_for("sendMessage", since=since, timeout=10)
    return call


async def press(fake: FakeBotAPI, call: Call, data: str, user_id: int = RESIDENT) -> Call:
    """Press a button under ``call``'s message; returns the callback's answer."""
    since = fake.mark()
    fake.push_callback(data, message=call.result, user_id=user_id)
    [ack] = await fake.wait_for("answerCallbackQuery", since=since, timeout=10)
    return ack


def notifications_to(fake: FakeBotAPI, chat_id: int) -> list[Call]:
    return [
        c
        for c in fake.calls("sendMessage")
        if c.params.get("chat_id") == chat_id and "🔔" in str(c.params.get("text", ""))
    ]


def is_notification(chat_id: int) -> Callable[[Call], bool]:
    return lambda c: c.params.get("chat_id") == chat_id and "🔔" in str(c.params.get("text", ""))


async def matched_up_to(service: Corpus, issue_id: int, timeout: float = 15) -> None:
    """Wait until the notification job has matched issue ``issue_id`` (and sent what it queued)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        with service.store.factory() as session:
            cursor = follow_queries.last_matched_issue(session) or 0
            pending = session.scalar(
                select(func.count()).where(Notification.status.in_(("pending", "sending")))
            )
        if cursor >= issue_id and not pending:
            return
        assert asyncio.get_running_loop().time() < deadline, f"cursor {cursor}, pending {pending}"
        await asyncio.sleep(0.05)


async def staff_adds(fake: FakeBotAPI, path: Path, caption: str) -> Call:
    since = fake.mark()
    fake.push_document(path.read_bytes(), path.name, user_id=STAFF, caption=caption)
    [preview] = await fake.wait_for("sendMessage", since=since, timeout=15)
    since = fake.mark()
    fake.push_callback(button(preview, "s:ok:"), message=preview.result, user_id=STAFF)
    [edit] = await fake.wait_for("editMessageText", since=since, timeout=15)
    assert "已收录" in edit.params["text"], edit.params["text"]
    return edit


def newest_issue(service: Corpus) -> int:
    return service.issues.list()[0].id if service.issues.list() else 0


def chat_ids(service: Corpus) -> set[int]:
    with service.store.factory() as session:
        return set(session.scalars(select(Follower.chat_id)))


# --- the done-when path --------------------------------------------------------------------


async def test_a_follower_is_told_once_of_a_new_issue_on_the_topic_and_not_of_others(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    reply = await say(fake_api, "/follow 加装电梯")
    assert "已关注「加装电梯」" in reply.params["text"]

    await staff_adds(fake_api, ELEVATOR, "社区晨报 凉城 2026-12")
    [note] = await fake_api.wait_for("sendMessage", is_notification(RESIDENT), timeout=20)
    text = note.params["text"]
    assert "加装电梯" in text and "5号楼" in text and ELEVATOR_SOURCE in text
    assert "<b>" in text  # the matched words in bold, as in answers
    assert note.params.get("reply_parameters") is None  # nobody asked: not a reply
    elevator = newest_issue(service)
    await matched_up_to(service, elevator)

    # The article opens from the notification, through the 全文 machinery.
    since = fake_api.mark()
    await press(fake_api, note, button(note, "o:"))
    [article] = await fake_api.wait_for("sendMessage", since=since, timeout=10)
    assert "凉城三村5号楼加装电梯正式启用" in article.params["text"]
    assert "另外3个门洞" in article.params["text"]

    # An unrelated issue notifies nobody; the elevator one is never sent again.
    await staff_adds(fake_api, LIBRARY, "社区晨报 长风 2026-12")
    await matched_up_to(service, newest_issue(service))
    await asyncio.sleep(notify.NOTIFY_INTERVAL * 3)
    assert len(notifications_to(fake_api, RESIDENT)) == 1


async def test_an_issue_ingested_by_another_process_notifies_exactly_once(
    app: Application, fake_api: FakeBotAPI, service: Corpus, tmp_path: Path
) -> None:
    await say(fake_api, "/follow 加装电梯")
    # A second bot process on the same database, polling the same outbox.
    other_store = Store.open(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    other_corpus = Corpus(other_store, LinliService(other_store), b"test-secret")
    other = build_application(bot_settings(fake_api, tmp_path), other_corpus)
    try:
        async with other:
            await other.start()
            result = subprocess.run(
                [sys.executable, "-m", "bot.cli", "ingest", str(ELEVATOR), "--date", "2026-12"],
                cwd=tmp_path,
                env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"},
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 0, result.stderr
            await fake_api.wait_for("sendMessage", is_notification(RESIDENT), timeout=30)
            await matched_up_to(service, newest_issue(service))
            await asyncio.sleep(notify.NOTIFY_INTERVAL * 4)
            await other.stop()
    finally:
        other_corpus.store.close()
    assert len(notifications_to(fake_api, RESIDENT)) == 1


async def test_a_follower_who_blocked_the_bot_is_forgotten(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    await say(fake_api, "/follow 加装电梯")
    await say(fake_api, "/follow 加装电梯", user_id=NEIGHBOUR)
    fake_api.fail_next(
        "sendMessage",
        error_code=403,
        description="Forbidden: bot was blocked by the user",
        when=lambda p: p.get("chat_id") == NEIGHBOUR,
    )
    await asyncio.to_thread(service.issues.add_files, [ELEVATOR], IssueMeta(date="2026-12"))
    await fake_api.wait_for("sendMessage", is_notification(RESIDENT), timeout=20)
    await matched_up_to(service, newest_issue(service))
    assert chat_ids(service) == {RESIDENT}  # the neighbour's chat id is gone, follows too
    with service.store.factory() as session:
        assert session.scalar(select(func.count()).select_from(Follow)) == 1


async def test_notifications_off_are_honoured_and_on_again(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    assert "没有通知可以开关" in (await say(fake_api, "/notifications off")).params["text"]
    await say(fake_api, "/follow 电梯")
    assert "关闭" in (await say(fake_api, "/notifications off")).params["text"]
    assert "现在：关闭" in (await say(fake_api, "/notifications")).params["text"]
    assert service.follows.notifications(RESIDENT) is False
    await asyncio.to_thread(service.issues.add_files, [ELEVATOR], IssueMeta(date="2026-12"))
    await matched_up_to(service, newest_issue(service))
    assert not notifications_to(fake_api, RESIDENT)
    assert service.follows.outbox_counts() == {"skipped": 1}
    assert "打开" in (await say(fake_api, "/notifications on")).params["text"]
    assert service.follows.notifications(RESIDENT) is True


# --- following, listing, stopping ----------------------------------------------------------


async def test_following_lists_topics_with_buttons_that_stop_them(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    assert "还没有关注" in (await say(fake_api, "/following")).params["text"]
    await say(fake_api, "/follow 加装电梯")
    await say(fake_api, "/follow 菜场")
    assert "已经在关注" in (await say(fake_api, "/follow 加装 电梯")).params["text"]
    listing = await say(fake_api, "/following")
    assert "1. 加装电梯" in listing.params["text"] and "2. 菜场" in listing.params["text"]
    data = [b["callback_data"] for row in keyboard(listing) for b in row]
    assert data[-1] == "U:ask" and all(len(d.encode()) <= 64 for d in data)

    since = fake_api.mark()
    await press(fake_api, listing, data[0])
    [edit] = await fake_api.wait_for("editMessageText", since=since, timeout=10)
    assert "已取消关注「加装电梯」" in edit.params["text"] and "1. 菜场" in edit.params["text"]
    assert [f.topic for f in service.follows.following(RESIDENT)] == ["菜场"]

    # The last one goes, and the chat id with it.
    since = fake_api.mark()
    await press(fake_api, listing, button(edit, "u:"))
    [edit] = await fake_api.wait_for("editMessageText", since=since, timeout=10)
    assert "聊天 ID 也已删除" in edit.params["text"]
    assert chat_ids(service) == set()


async def test_unfollow_all_asks_first(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    await say(fake_api, "/follow 加装电梯")
    await say(fake_api, "/follow 菜场")
    confirm = await say(fake_api, "/unfollow all")
    assert "确定要取消全部 2 个关注吗" in confirm.params["text"]
    assert chat_ids(service) == {RESIDENT}  # nothing yet

    since = fake_api.mark()
    await press(fake_api, confirm, "U:no")
    [edit] = await fake_api.wait_for("editMessageText", since=since, timeout=10)
    assert "保留" in edit.params["text"] and len(service.follows.following(RESIDENT)) == 2

    since = fake_api.mark()
    await press(fake_api, confirm, "U:ok")
    [edit] = await fake_api.wait_for("editMessageText", since=since, timeout=10)
    assert "已取消全部 2 个关注" in edit.params["text"]
    assert chat_ids(service) == set()
    assert "没有找到这个关注" in (await say(fake_api, "/unfollow 菜场")).params["text"]


async def test_unfollow_by_topic_and_usage(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    await say(fake_api, "/follow 加装电梯")
    assert "/unfollow all" in (await say(fake_api, "/unfollow")).params["text"]
    assert "已取消关注「加装电梯」" in (await say(fake_api, "/unfollow 加装电梯")).params["text"]
    assert chat_ids(service) == set()


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ("", "请在 /follow 后面写上"),
        ("   ", "请在 /follow 后面写上"),
        ("电梯" * 40, "话题太长了"),
        ("什么时候", "没有可以查找的词"),
        ("🎉🎉🎉", "没有可以查找的词"),
        ("\x00\x01", "请在 /follow 后面写上"),
    ],
)
async def test_topics_that_cannot_be_followed_get_a_clear_reply(
    app: Application, fake_api: FakeBotAPI, service: Corpus, topic: str, expected: str
) -> None:
    reply = await say(fake_api, f"/follow {topic}")
    assert expected in reply.params["text"]
    assert chat_ids(service) == set()  # nothing stored, no chat id kept


async def test_html_and_sql_looking_topics_are_stored_as_text_and_shown_escaped(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    reply = await say(fake_api, "/follow <b>电梯</b>&")
    assert "&lt;b&gt;电梯&lt;/b&gt;&amp;" in reply.params["text"]
    reply = await say(fake_api, "/follow 电梯'; DROP TABLE follows; --")
    assert "已关注" in reply.params["text"]
    listing = await say(fake_api, "/following")
    assert "&lt;b&gt;电梯" in listing.params["text"] and "DROP TABLE" in listing.params["text"]
    assert len(service.follows.following(RESIDENT)) == 2


async def test_follows_are_capped_per_chat(
    app: Application, fake_api: FakeBotAPI, service: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corpus.follow import topics

    monkeypatch.setattr(topics, "MAX_FOLLOWS", 2)
    await say(fake_api, "/follow 电梯")
    await say(fake_api, "/follow 菜场")
    assert "最多只能关注 2 个话题" in (await say(fake_api, "/follow 图书馆")).params["text"]
    assert [f.topic for f in service.follows.following(RESIDENT)] == ["电梯", "菜场"]


async def test_a_group_follows_as_a_group(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    reply = await say(fake_api, "/follow@linli_test_bot 加装电梯", chat_type="group", chat_id=GROUP)
    assert "本群已关注「加装电梯」" in reply.params["text"] and "每位成员" in reply.params["text"]
    assert chat_ids(service) == {GROUP}
    await asyncio.to_thread(service.issues.add_files, [ELEVATOR], IssueMeta(date="2026-12"))
    [note] = await fake_api.wait_for("sendMessage", is_notification(GROUP), timeout=20)
    assert ELEVATOR_SOURCE in note.params["text"]
    assert not notifications_to(fake_api, RESIDENT)


# --- the 关注 button under an answer ---------------------------------------------------------


async def test_the_follow_button_under_an_answer_follows_its_question(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    answer = await say(fake_api, "凉二小区加装电梯进展怎么样了")
    data = button(answer, "w:")
    since = fake_api.mark()
    await press(fake_api, answer, data)
    [reply] = await fake_api.wait_for("sendMessage", since=since, timeout=10)
    assert "已关注「凉二小区加装电梯进展怎么样了」" in reply.params["text"]
    assert [f.topic for f in service.follows.following(RESIDENT)] == ["凉二小区加装电梯进展怎么样了"]
    # Not found yet is followed too: the next issue may cover it.
    nothing = await say(fake_api, "月球基地什么时候建成")
    assert button(nothing, "w:")
    # A question too long to be a topic is not offered to be followed.
    long = await say(fake_api, "凉二小区加装电梯进展怎么样了，" * 3)
    assert not any(b.get("callback_data", "").startswith("w:") for row in keyboard(long) for b in row)


# --- forged and stale buttons --------------------------------------------------------------


async def test_forged_and_unknown_unfollow_buttons_change_nothing(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    await say(fake_api, "/follow 加装电梯", user_id=NEIGHBOUR)
    [theirs] = service.follows.following(NEIGHBOUR)
    mine = await say(fake_api, "/follow 菜场")
    # The resident replays the neighbour's follow id from their own chat.
    ack = await press(fake_api, mine, f"u:{theirs.id}")
    assert ack.params.get("show_alert") is True and "另一个聊天" in ack.params["text"]
    ack = await press(fake_api, mine, "u:999999")
    assert "没有找到这个关注" in ack.params["text"]
    for forged in ("u:abc", "u:-1", "U:maybe", "o:", "w:" + "x" * 40, "k:no"):
        ack = await press(fake_api, mine, forged)
        assert "过期" in ack.params["text"], forged
    ack = await press(fake_api, mine, "w:unknownkey")
    assert "过期" in ack.params["text"]
    ack = await press(fake_api, mine, "o:999999")
    assert "不在库里" in ack.params["text"]
    assert [f.topic for f in service.follows.following(NEIGHBOUR)] == ["加装电梯"]
    assert [f.topic for f in service.follows.following(RESIDENT)] == ["菜场"]


async def test_privacy_says_what_following_keeps(app: Application, fake_api: FakeBotAPI) -> None:
    text = (await say(fake_api, "/privacy")).params["text"]
    assert "聊天的 ID" in text and "365 天" in text and "化名编号" in text


async def test_an_inactive_follower_is_asked_once_and_keeps_its_follows_by_a_press(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    await say(fake_api, "/follow 加装电梯")
    long_ago = datetime.now(UTC) - timedelta(days=400)
    with service.store.factory.begin() as session:
        session.execute(update(Follower).values(active_at=long_ago))
    assert await notify.ask_inactive(app) == 1
    [question] = [c for c in fake_api.calls("sendMessage") if "还想继续收到通知" in c.params["text"]]
    assert question.params["chat_id"] == RESIDENT and "365 天" in question.params["text"]
    assert await notify.ask_inactive(app) == 0  # asked once only
    since = fake_api.mark()
    await press(fake_api, question, button(question, "k:"))
    [edit] = await fake_api.wait_for("editMessageText", since=since, timeout=10)
    assert "保留着" in edit.params["text"]
    with service.store.factory() as session:
        kept = session.scalars(select(Follower)).one()
    assert kept.retention_asked_at is None and kept.active_at > long_ago


async def test_a_429_is_waited_out_by_the_rate_limiter_and_a_502_sent_again_later(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    await say(fake_api, "/follow 加装电梯")
    await say(fake_api, "/follow 加装电梯", user_id=NEIGHBOUR)
    to = {"resident": lambda p: p.get("chat_id") == RESIDENT, "neighbour": lambda p: p.get("chat_id") == NEIGHBOUR}
    fake_api.retry_after_next("sendMessage", seconds=1, when=to["resident"])
    fake_api.fail_next(
        "sendMessage", error_code=502, description="Bad Gateway", when=to["neighbour"]
    )
    await asyncio.to_thread(service.issues.add_files, [ELEVATOR], IssueMeta(date="2026-12"))
    await fake_api.wait_for("sendMessage", is_notification(RESIDENT), timeout=20)
    await fake_api.wait_for("sendMessage", is_notification(NEIGHBOUR), timeout=20)
    await matched_up_to(service, newest_issue(service))
    await asyncio.sleep(notify.NOTIFY_INTERVAL * 3)
    for chat in (RESIDENT, NEIGHBOUR):
        calls = notifications_to(fake_api, chat)
        assert [c.status for c in calls] == ([429, 200] if chat == RESIDENT else [502, 200])
    assert service.follows.outbox_counts() == {"sent": 2}

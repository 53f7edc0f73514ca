"""Answer buttons against misuse: only their chat (👍/👎: only the asker) may press them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from telegram.ext import Application

from bot import articles
from bot.app import build_application
from corpus.api import Corpus
from tests.bot.helpers import bot_settings, button, started
from tests.bot.test_app import QUESTION, ask, eventually, log_entries
from tests.support.fake_bot_api import FakeBotAPI

ALICE = 1001
MALLORY = 2002



async def test_another_residents_answer_buttons_are_refused_and_change_nothing(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    alices = await ask(fake_api, QUESTION, user_id=ALICE)
    await eventually(lambda: log_entries(service))
    mallorys = await ask(fake_api, "垃圾分类志愿者", user_id=MALLORY)
    for prefix in ("f:", "a:", "p:"):
        # A page press forged from the article button's data: only its prefix changes (a
        # key ending in "a" would otherwise be changed too, and the press merely expire).
        data = button(alices, prefix) if prefix != "p:" else "p:" + button(alices, "a:")[2:]
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



LONG_QUESTION = "蝴蝶兰花展在哪里举办"


def ingest_long_article(service: Corpus) -> None:
    """One article of ~40,000 characters: ten Telegram messages and more."""
    paragraph = "凉城社区蝴蝶兰花展在文化中心举办，居民可以免费参观，现场还有养护讲座。" * 4
    body = "\n\n".join(f"{i}. {paragraph}" for i in range(150))
    text = f"社区晨报\n\n## 蝴蝶兰花展在文化中心举办\n\n{body}\n"
    draft = service.issues.open_text(text, "long.txt", "社区晨报 凉城 2026-11")
    assert not draft.missing, draft.missing
    service.issues.store([service.issues.preview(draft)])


async def test_a_long_article_comes_a_few_messages_per_press(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    ingest_long_article(service)
    answer = await ask(fake_api, LONG_QUESTION)
    since = fake_api.mark()
    fake_api.push_callback(button(answer, "a:"), message=answer.result)
    parts = await fake_api.wait_for("sendMessage", since=since, count=articles.ARTICLE_PARTS)
    await asyncio.sleep(0.5)
    assert len(fake_api.calls("sendMessage", since=since)) == articles.ARTICLE_PARTS
    assert "蝴蝶兰花展" in parts[0].params["text"]
    # The last one offers the rest, which comes the same way, from where it stopped.
    rest = button(parts[-1], "r:")
    since = fake_api.mark()
    fake_api.push_callback(rest, message=parts[-1].result)
    more = await fake_api.wait_for("sendMessage", since=since, count=articles.ARTICLE_PARTS)
    await asyncio.sleep(0.5)
    assert len(fake_api.calls("sendMessage", since=since)) == articles.ARTICLE_PARTS
    assert more[0].params["text"] not in [p.params["text"] for p in parts]
    # The rest is for that chat only.
    mallorys = await ask(fake_api, "垃圾分类志愿者", user_id=MALLORY)
    since = fake_api.mark()
    fake_api.push_callback(rest, message=mallorys.result, user_id=MALLORY)
    [ack] = await fake_api.wait_for("answerCallbackQuery", since=since)
    assert "另一位邻居" in ack.params["text"]
    assert not fake_api.calls("sendMessage", since=since)


async def test_rapid_presses_are_rate_limited_like_questions(
    fake_api: FakeBotAPI, service: Corpus, tmp_path: Path
) -> None:
    ingest_long_article(service)
    application = build_application(
        bot_settings(fake_api, tmp_path, rate_limit_per_minute=5), service
    )
    async with started(application):
        answer = await ask(fake_api, LONG_QUESTION)  # one of the five
        since = fake_api.mark()
        for _ in range(30):
            fake_api.push_callback(button(answer, "a:"), message=answer.result)
        acks = await fake_api.wait_for("answerCallbackQuery", since=since, count=30, timeout=30)
        await asyncio.sleep(0.5)
        sent = fake_api.calls("sendMessage", since=since)
    limited = [a for a in acks if "稍等" in (a.params.get("text") or "")]
    assert len(limited) == 26
    assert len(sent) == 4 * articles.ARTICLE_PARTS  # four presses got through, each capped


async def test_ratings_while_the_database_is_locked_hold_up_no_question(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    # A long write (a large issue being stored) holds SQLite's write lock. A 👍 used to
    # wait for it in its handler, holding one of the bot's few update slots: a handful
    # of ratings and every resident's question waited for the ingest.
    import sqlite3

    from sqlalchemy import func, select

    from corpus.store.models import QueryLogEntry

    answers = [await ask(fake_api, QUESTION, user_id=3000 + n) for n in range(9)]
    await eventually(lambda: len(log_entries(service)) == 9 or [])
    locker = sqlite3.connect(service.store.engine.url.database, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # the write lock, as an ingest holds it
    try:
        since = fake_api.mark()
        for n, answer in enumerate(answers):
            fake_api.push_callback(button(answer, "f:"), message=answer.result, user_id=3000 + n)
        acks = await fake_api.wait_for("answerCallbackQuery", since=since, count=9, timeout=5)
        assert all("谢谢" in a.params["text"] for a in acks)
        started = asyncio.get_running_loop().time()
        reply = await ask(fake_api, "看电影的优惠票多少钱", user_id=4000)
        assert "9.9元" in reply.params["text"]
        assert asyncio.get_running_loop().time() - started < 3
    finally:
        locker.execute("ROLLBACK")
        locker.close()

    def rated() -> list[int]:
        with service.store.factory() as session:
            n = session.scalar(
                select(func.count())
                .select_from(QueryLogEntry)
                .where(QueryLogEntry.feedback == 1)
            )
        return [n] if n == 9 else []

    assert await eventually(rated, timeout=10)  # written once the lock was released


@pytest.mark.parametrize(
    "send",
    [
        lambda fake: fake.push_message("/start"),
        lambda fake: fake.push_message("/latest"),
        lambda fake: fake.push_message("/help"),
        lambda fake: fake.push_message("/privacy"),
        lambda fake: fake.push_message("/ask"),
        lambda fake: fake.push_message("/nosuchcommand"),
        lambda fake: fake.push_sticker(),
        lambda fake: fake.push_message("/add 社区晨报 凉城 2026-11"),  # not staff: refused
        lambda fake: fake.push_message("/stats"),  # not an admin: refused
    ],
    ids=["start", "latest", "help", "privacy", "ask-usage", "unknown", "sticker", "add", "stats"],
)
async def test_every_reply_a_resident_can_provoke_counts_against_the_limit(
    fake_api: FakeBotAPI, service: Corpus, tmp_path: Path, send: object
) -> None:
    # Questions and presses were limited, but /start, /latest, stickers, unknown commands
    # and the refusals of staff and admin commands were answered every time: sent in a
    # loop, each one spent the bot's ~30 messages a second on one resident.
    application = build_application(
        bot_settings(fake_api, tmp_path, rate_limit_per_minute=3), service
    )
    async with started(application):
        since = fake_api.mark()
        for _ in range(12):
            send(fake_api)  # type: ignore[operator]
        await fake_api.wait_for("sendMessage", since=since, count=4, timeout=15)
        await asyncio.sleep(1.0)
        replies = [c for c in fake_api.calls("sendMessage", since=since) if c.ok]
    assert len([r for r in replies if "稍等" in r.params["text"]]) == 1
    assert len(replies) == 4  # three within the limit, then one warning

"""Opening and sharing the paper: deep links, /latest's issue buttons, the share button;
answer buttons across a restart; edited messages; replies to deleted messages."""

from __future__ import annotations

import asyncio
import urllib.parse
from pathlib import Path

import pytest
from telegram import ReplyParameters
from telegram.error import BadRequest
from telegram.ext import Application

from bot import articles
from bot.app import build_application
from corpus.answer.service import LinliService
from corpus.api import Corpus
from corpus.store.engine import Store
from tests.bot.helpers import bot_settings, button, keyboard, started
from tests.bot.test_app import QUESTION, ask, eventually, log_entries
from tests.bot.test_buttons import LONG_QUESTION, ingest_long_article
from tests.support.fake_bot_api import DEFAULT_USER_ID, Call, FakeBotAPI

MALLORY = 2002



def share_link(call: Call) -> str:
    """The deep link inside an answer's share button."""
    [url] = [b["url"] for row in keyboard(call) for b in row if "url" in b]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    return query["url"][0]


async def replies(fake: FakeBotAPI, text: str, count: int, **kwargs: object) -> list[Call]:
    since = fake.mark()
    fake.push_message(text, **kwargs)
    calls = await fake.wait_for("sendMessage", since=since, count=count, timeout=10)
    await asyncio.sleep(0.3)
    assert len(fake.calls("sendMessage", since=since)) == count
    return calls


async def test_the_share_buttons_deep_link_opens_the_article(
    app: Application, fake_api: FakeBotAPI
) -> None:
    answer = await ask(fake_api, QUESTION)
    link = share_link(answer)
    assert link.startswith("https://t.me/linli_test_bot?start=a")
    payload = link.split("start=", 1)[1]
    [article] = await replies(fake_api, f"/start {payload}", 1)
    text = article.params["text"]
    assert "世纪同乐" in text and "12月7日下午" in text and "长风新村街道" in text
    assert "您好" not in text  # the article, not the greeting


async def test_a_deep_link_to_a_long_article_is_capped_with_read_on(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    ingest_long_article(service)
    answer = await ask(fake_api, LONG_QUESTION)
    parts = await replies(fake_api, f"/start {share_link(answer).split('start=')[1]}", 3)
    assert len(parts) == articles.ARTICLE_PARTS and "蝴蝶兰花展" in parts[0].params["text"]
    since = fake_api.mark()
    fake_api.push_callback(button(parts[-1], "r:"), message=parts[-1].result)
    more = await fake_api.wait_for("sendMessage", since=since, count=articles.ARTICLE_PARTS)
    assert more[0].params["text"] not in [p.params["text"] for p in parts]


@pytest.mark.parametrize(
    "payload", ["a999999", "a0", "a", "abc", "issue_5", "a12x", "a-1", "a" + "9" * 40]
)
async def test_forged_or_unknown_deep_links_say_so_then_greet(
    app: Application, fake_api: FakeBotAPI, payload: str
) -> None:
    bad, greeting = await replies(fake_api, f"/start {payload}", 2)
    assert "链接打不开" in bad.params["text"]
    assert "您好" in greeting.params["text"]


async def test_the_inline_modes_ask_link_just_greets(
    app: Application, fake_api: FakeBotAPI
) -> None:
    [greeting] = await replies(fake_api, "/start ask", 1)
    assert "您好" in greeting.params["text"]


async def test_latest_lists_issues_as_buttons_that_open_their_articles(
    app: Application, fake_api: FakeBotAPI
) -> None:
    latest = await ask(fake_api, "/latest")
    issue_buttons = [b for row in keyboard(latest) for b in row]
    assert len(issue_buttons) == 3 and all(b["callback_data"].startswith("i:") for b in issue_buttons)
    assert "2022年1月" in issue_buttons[0]["text"]
    since = fake_api.mark()
    fake_api.push_callback(issue_buttons[0]["callback_data"], message=latest.result)
    [listing] = await fake_api.wait_for("sendMessage", since=since)
    titles = [b for row in keyboard(listing) for b in row]
    assert any("胡广杰在凉城新村街道调研社区文化工作" in b["text"] for b in titles)
    chosen = next(b for b in titles if "胡广杰" in b["text"])
    since = fake_api.mark()
    fake_api.push_callback(chosen["callback_data"], message=listing.result)
    [article] = await fake_api.wait_for("sendMessage", since=since)
    assert article.params["text"].startswith("<b>胡广杰在凉城新村街道调研社区文化工作")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("i:999999", "这一期已经不在库里"),
        ("o:999999", "这篇文章已经不在库里"),
        ("i:abc", "过期"),
        ("o:-1", "过期"),
        ("o:1;DROP TABLE articles", "过期"),
        ("i:" + "9" * 30, "过期"),
    ],
)
async def test_forged_issue_and_article_buttons_get_a_clear_message(
    app: Application, fake_api: FakeBotAPI, data: str, expected: str
) -> None:
    latest = await ask(fake_api, "/latest")
    since = fake_api.mark()
    fake_api.push_callback(data, message=latest.result)
    [ack] = await fake_api.wait_for("answerCallbackQuery", since=since)
    assert expected in ack.params["text"] and ack.params["show_alert"]
    await asyncio.sleep(0.2)
    assert not fake_api.calls("sendMessage", since=since)


async def test_more_results_still_pages_after_a_restart(
    fake_api: FakeBotAPI, service: Corpus, tmp_path: Path
) -> None:
    settings = bot_settings(fake_api, tmp_path)
    async with started(build_application(settings, service)):
        answer = await ask(fake_api, "垃圾分类志愿者")
        await eventually(lambda: log_entries(service))
    # A new process: a new Application, store and service on the same database.
    store = Store.open(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    restarted = Corpus(store, LinliService(store), b"test-secret")
    try:
        async with started(build_application(settings, restarted)):
            since = fake_api.mark()
            fake_api.push_callback(button(answer, "p:"), message=answer.result)
            [edit] = await fake_api.wait_for("editMessageText", since=since)
            assert "4. “" in edit.params["text"]
            # The page turned back, 👍 and 全文 work too; another resident is still refused.
            since = fake_api.mark()
            fake_api.push_callback(button(edit, "p:"), message=edit.result)
            [back] = await fake_api.wait_for("editMessageText", since=since)
            assert "1. “" in back.params["text"]
            since = fake_api.mark()
            fake_api.push_callback(button(answer, "f:"), message=answer.result)
            [ack] = await fake_api.wait_for("answerCallbackQuery", since=since)
            assert "谢谢" in ack.params["text"]
            # Ratings are queued with the log entries and written within a second.
            await eventually(lambda: [e for e in log_entries(restarted) if e.feedback])
            since = fake_api.mark()
            fake_api.push_callback(button(answer, "a:"), message=answer.result)
            [article] = await fake_api.wait_for("sendMessage", since=since)
            assert "垃圾分类" in article.params["text"]
            mallorys = await ask(fake_api, "看电影的优惠票多少钱", user_id=MALLORY)
            since = fake_api.mark()
            fake_api.push_callback(button(answer, "p:"), message=mallorys.result, user_id=MALLORY)
            [refused] = await fake_api.wait_for("answerCallbackQuery", since=since)
            assert "另一位邻居" in refused.params["text"]
        # Ratings are queued with the log entries and written within a second.
        assert [e.feedback for e in log_entries(restarted)][:1] == [1]
    finally:
        store.close()


async def test_buttons_past_the_age_limit_have_expired(
    app: Application, fake_api: FakeBotAPI, service: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = await ask(fake_api, "垃圾分类志愿者")
    monkeypatch.setattr(service.residents, "BUTTONS_KEPT_DAYS", 0)
    since = fake_api.mark()
    fake_api.push_callback(button(answer, "p:"), message=answer.result)
    [ack] = await fake_api.wait_for("answerCallbackQuery", since=since)
    assert "过期" in ack.params["text"]
    service.residents.flush()  # if the bot's flush job has not yet
    assert service.residents.purge_buttons() == 1


@pytest.mark.parametrize("text", ["/latest", "/ask 世纪同乐小区什么时候清理楼道堆物？", "/start", QUESTION, "/nonsense"])
async def test_an_edited_message_is_not_answered_again(
    app: Application, fake_api: FakeBotAPI, text: str
) -> None:
    since = fake_api.mark()
    message = fake_api.push_message(text)
    await fake_api.wait_for("sendMessage", since=since, timeout=10)
    await asyncio.sleep(0.3)
    answered = len(fake_api.calls("sendMessage", since=since))
    fake_api.push_edited_message(message, text)
    fake_api.push_edited_message(message, text + " ")
    await asyncio.sleep(0.8)
    assert len(fake_api.calls("sendMessage", since=since)) == answered
    # The bot is still there for new messages.
    assert (await ask(fake_api, "/help")).ok


async def test_a_reply_to_a_message_deleted_meanwhile_is_still_sent(
    app: Application, fake_api: FakeBotAPI
) -> None:
    since = fake_api.mark()
    fake_api.push_message(QUESTION, deleted=True)
    [answer] = await fake_api.wait_for("sendMessage", since=since, timeout=10)
    assert answer.ok and "11月22日" in answer.params["text"]
    assert answer.params["reply_parameters"]["allow_sending_without_reply"] is True
    assert "reply_to_message" not in answer.result
    # Without the flag, the fake refuses as Telegram does (what the default guards against).
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await app.bot.send_message(
            DEFAULT_USER_ID,
            "x",
            reply_parameters=ReplyParameters(message_id=10_000, allow_sending_without_reply=False),
        )

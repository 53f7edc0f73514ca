"""The resident's bot end to end: a real PTB Application against the loopback fake Bot API."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram.ext import Application

from bot import residents
from bot.app import build_application, serve, settle_heap
from corpus.api import Corpus, parse_period
from corpus.settings import Settings
from corpus.store.models import QueryLogEntry
from retrieval.cedict import load_cedict
from tests.bot.helpers import bot_settings, button, keyboard, started
from tests.support.fake_bot_api import DEFAULT_USER_ID, Call, FakeBotAPI

QUESTION = "世纪同乐小区什么时候清理楼道堆物？"


def make_settings(fake: FakeBotAPI, tmp_path: Path, **overrides: Any) -> Settings:
    return bot_settings(fake, tmp_path, **overrides)


@pytest.fixture
async def app(
    fake_api: FakeBotAPI, service: Corpus, tmp_path: Path
) -> AsyncIterator[Application]:
    application = build_application(make_settings(fake_api, tmp_path), service)
    async with started(application):
        yield application


def log_entries(service: Corpus) -> list[QueryLogEntry]:
    with service.store.factory() as session:
        return list(session.scalars(select(QueryLogEntry)))


async def eventually(probe: Callable[[], list[Any]], timeout: float = 5.0) -> list[Any]:
    """Poll until ``probe`` returns a non-empty list (the log is written after the reply)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = probe()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.05)


async def ask(fake: FakeBotAPI, text: str, **kwargs: Any) -> Call:
    since = fake.mark()
    fake.push_message(text, **kwargs)
    [call] = await fake.wait_for("sendMessage", since=since, timeout=10)
    return call


async def test_command_menu_is_set_in_chinese_and_english(
    app: Application, fake_api: FakeBotAPI
) -> None:
    await fake_api.wait_for("setMyCommands", count=2)
    zh = {c["command"]: c["description"] for c in fake_api.commands()}
    en = {c["command"]: c["description"] for c in fake_api.commands(language_code="en")}
    assert {"start", "help", "latest", "privacy", "ask"} <= set(zh) == set(en)
    assert "提问" in zh["ask"] and "Ask" in en["ask"]


async def test_start_greets_in_the_users_language_with_example_buttons(
    app: Application, fake_api: FakeBotAPI
) -> None:
    zh = await ask(fake_api, "/start")
    assert "邻里" in zh.params["text"] and zh.params["parse_mode"] == "HTML"
    assert len([b for row in keyboard(zh) for b in row]) == 3
    en = await ask(fake_api, "/start", language_code="en", user_id=2002)
    assert "Hello" in en.params["text"]


async def test_example_button_answers_its_question(app: Application, fake_api: FakeBotAPI) -> None:
    start = await ask(fake_api, "/start")
    since = fake_api.mark()
    fake_api.push_callback(button(start, "x:zh:0"), message=start.result)
    await fake_api.wait_for("answerCallbackQuery", since=since)
    calls = await fake_api.wait_for("sendMessage", since=since, count=2, timeout=10)
    assert QUESTION in calls[0].params["text"]
    assert "11月22日" in calls[1].params["text"]


async def test_question_gets_direct_answer_quotes_sources_and_buttons(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    call = await ask(fake_api, QUESTION)
    text = call.params["text"]
    assert call.params["parse_mode"] == "HTML"
    assert "📅" in text and "11月22日" in text and "11月30日" in text
    assert "<b>" in text  # matched words in bold
    assert "长风新村街道" in text and "2019年12月" in text and "世纪同乐" in text
    assert call.params["reply_parameters"]  # a reply to the asker's message
    callbacks = [b["callback_data"] for row in keyboard(call) for b in row if "callback_data" in b]
    assert any(c.startswith("a:") for c in callbacks)
    [share] = [b["url"] for row in keyboard(call) for b in row if "url" in b]
    assert share.startswith("https://t.me/share/url?") and "start%3Da" in share
    assert any(c.startswith("f:") and c.endswith(":1") for c in callbacks)
    assert all(len(c.encode()) <= 64 for c in callbacks)
    # The question is logged after the reply, pseudonymously.
    entries = await eventually(lambda: log_entries(service))
    assert [e.question for e in entries] == [QUESTION]
    assert entries[0].channel == "private" and entries[0].found
    assert str(DEFAULT_USER_ID) not in entries[0].user_hash


async def test_more_results_edits_the_message(app: Application, fake_api: FakeBotAPI) -> None:
    call = await ask(fake_api, "垃圾分类志愿者")
    since = fake_api.mark()
    fake_api.push_callback(button(call, "p:"), message=call.result)
    [edit] = await fake_api.wait_for("editMessageText", since=since)
    assert "4. “" in edit.params["text"]
    await fake_api.wait_for("answerCallbackQuery", since=since)
    assert any(b["callback_data"].startswith("p:") for row in keyboard(edit) for b in row)


async def test_full_article_is_sent(app: Application, fake_api: FakeBotAPI) -> None:
    call = await ask(fake_api, QUESTION)
    since = fake_api.mark()
    fake_api.push_callback(button(call, "a:"), message=call.result)
    [article] = await fake_api.wait_for("sendMessage", since=since)
    text = article.params["text"]
    assert "世纪同乐" in text and "12月7日下午" in text
    assert "长风新村街道" in text


async def test_feedback_is_stored_with_the_question(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    call = await ask(fake_api, QUESTION)
    since = fake_api.mark()
    fake_api.push_callback(button(call, "f:"), message=call.result)
    [ack] = await fake_api.wait_for("answerCallbackQuery", since=since)
    assert "谢谢" in ack.params["text"]
    entries = await eventually(lambda: [e for e in log_entries(service) if e.feedback == 1])
    assert [e.question for e in entries] == [QUESTION]


async def test_button_from_an_old_session_asks_to_ask_again(
    app: Application, fake_api: FakeBotAPI
) -> None:
    message = fake_api.push_message("hi")
    for data in ("p:deadbeef:1", "a:00:0", "f:zz:1", "garbage", "x:zh:99"):
        since = fake_api.mark()
        fake_api.push_callback(data, message=message)
        [ack] = await fake_api.wait_for("answerCallbackQuery", since=since)
        assert "重新提问" in ack.params["text"]


async def test_stickers_photos_voice_location_get_a_helpful_reply(
    app: Application, fake_api: FakeBotAPI
) -> None:
    for push in (
        fake_api.push_sticker,
        fake_api.push_photo,
        fake_api.push_voice,
        fake_api.push_location,
    ):
        since = fake_api.mark()
        push()
        [reply] = await fake_api.wait_for("sendMessage", since=since)
        assert "文字" in reply.params["text"]


async def test_unknown_command_points_to_help(app: Application, fake_api: FakeBotAPI) -> None:
    reply = await ask(fake_api, "/frobnicate now")
    assert "/help" in reply.params["text"]


async def test_help_latest_privacy(app: Application, fake_api: FakeBotAPI) -> None:
    assert "/ask" in (await ask(fake_api, "/help")).params["text"]
    latest = (await ask(fake_api, "/latest")).params["text"]
    assert "胡广杰在凉城新村街道调研社区文化工作" in latest and "2022年1月" in latest
    privacy = (await ask(fake_api, "/privacy")).params["text"]
    assert "180" in privacy and "哈希" in privacy


async def test_group_answers_only_when_addressed(app: Application, fake_api: FakeBotAPI) -> None:
    since = fake_api.mark()
    fake_api.push_message("今天天气不错", chat_type="group")
    fake_api.push_message("/start@other_bot", chat_type="group")
    mention = fake_api.push_message(f"@linli_test_bot {QUESTION}", chat_type="group")
    [reply] = await fake_api.wait_for("sendMessage", since=since, timeout=10)
    assert "11月22日" in reply.params["text"]
    assert reply.params["reply_parameters"]["message_id"] == mention["message_id"]
    assert len(fake_api.calls("sendMessage", since=since)) == 1  # chatter got no reply

    slash = await ask(fake_api, f"/ask@linli_test_bot {QUESTION}", chat_type="group")
    assert "11月22日" in slash.params["text"]
    answer_message = slash.result
    replied = await ask(
        fake_api, "看电影的优惠票多少钱", chat_type="group", reply_to_message=answer_message
    )
    assert "9.9元" in replied.params["text"]


async def test_rejected_formatting_is_resent_as_plain_text(
    app: Application, fake_api: FakeBotAPI
) -> None:
    fake_api.fail_next(
        "sendMessage", description="Bad Request: can't parse entities: unexpected end tag"
    )
    since = fake_api.mark()
    fake_api.push_message(QUESTION)
    [plain] = await fake_api.wait_for("sendMessage", lambda c: c.ok, since=since, timeout=10)
    assert "parse_mode" not in plain.params or not plain.params["parse_mode"]
    assert "<b>" not in plain.params["text"] and "11月22日" in plain.params["text"]


def _is_answer(params: dict[str, Any]) -> bool:
    """The answer to QUESTION (not the apology, nor "typing…")."""
    return "11月22日" in str(params.get("text", ""))


async def test_a_reply_telegram_fails_with_a_5xx_once_arrives_on_the_retry(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    fake_api.fail_next(
        "sendMessage", error_code=500, description="Internal Server Error", when=_is_answer
    )
    since = fake_api.mark()
    fake_api.push_message(QUESTION)
    [failed, resent] = await fake_api.wait_for(
        "sendMessage", lambda c: _is_answer(c.params), since=since, count=2, timeout=10
    )
    assert failed.error and not failed.ok
    assert resent.ok and resent.params["text"] == failed.params["text"]
    entries = await eventually(lambda: log_entries(service))
    assert [(e.question, e.delivery) for e in entries] == [(QUESTION, "sent")]


@pytest.mark.parametrize("failures", [2, 50], ids=["twice", "always"])
async def test_an_answer_telegram_never_delivers_is_logged_as_failed_and_counted(
    app: Application,
    fake_api: FakeBotAPI,
    service: Corpus,
    caplog: pytest.LogCaptureFixture,
    failures: int,
) -> None:
    fake_api.fail_next(
        "sendMessage", error_code=502, description="Bad Gateway", times=failures, when=_is_answer
    )
    since = fake_api.mark()
    with caplog.at_level(logging.WARNING):
        fake_api.push_message(QUESTION)
        # Sent, sent again once, then given up: no third try of the same reply.
        await fake_api.wait_for(
            "sendMessage", lambda c: _is_answer(c.params), since=since, count=2, timeout=10
        )
        entries = await eventually(lambda: log_entries(service))
    assert [(e.question, e.found, e.delivery) for e in entries] == [(QUESTION, True, "failed")]
    assert len([c for c in fake_api.calls("sendMessage", since=since) if _is_answer(c.params)]) == 2
    assert "a handler failed" in caplog.text  # on_error saw it, and the bot carries on
    stats = service.log.stats(parse_period("all"))
    assert (stats.questions, stats.found, stats.undelivered) == (1, 1, 1)
    if failures == 2:
        # Telegram is back: the apology reaches the resident, and so does the next answer.
        assert any("抱歉" in t for t in fake_api.sent_texts())
        assert (await ask(fake_api, "世纪同乐小区清理楼道堆物")).ok
        entries = await eventually(lambda: log_entries(service)[1:])
        assert [e.delivery for e in log_entries(service)] == ["failed", "sent"]
        assert service.log.stats(parse_period("all")).questions == 2


async def test_an_answer_held_up_by_429s_past_the_rate_limiters_retries_is_logged_as_failed(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    # AIORateLimiter(max_retries=3) waits out three; the fourth 429 reaches the handler.
    fake_api.retry_after_next("sendMessage", 1, times=4, when=_is_answer)
    fake_api.push_message(QUESTION)
    entries = await eventually(lambda: log_entries(service), timeout=15)
    assert [(e.question, e.delivery) for e in entries] == [(QUESTION, "failed")]
    assert service.log.stats(parse_period("all")).questions == 1


async def test_a_failing_handler_apologises_and_the_bot_keeps_running(
    app: Application,
    fake_api: FakeBotAPI,
    service: Corpus,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    real_answer = service.answers.answer

    def broken(question: str, **kwargs: Any) -> Any:
        raise RuntimeError("index exploded")

    monkeypatch.setattr(service.answers, "answer", broken)
    with caplog.at_level(logging.ERROR):
        apology = await ask(fake_api, QUESTION)
    assert "抱歉" in apology.params["text"]
    assert "index exploded" in caplog.text
    monkeypatch.setattr(service.answers, "answer", real_answer)
    assert "11月22日" in (await ask(fake_api, QUESTION)).params["text"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("😀😀😀", "换个说法"),
        ("！！！？？？", "换个说法"),
        ("<script>alert(1)</script>", "&lt;script&gt;"),
        ("'; DROP TABLE passages; --", "Nothing in the community newspapers matches"),
        ("游泳池几点开门", "没有在社区报里找到"),
    ],
)
async def test_bad_input_gets_a_clear_reply(
    app: Application, fake_api: FakeBotAPI, text: str, expected: str
) -> None:
    reply = await ask(fake_api, text)
    assert expected in reply.params["text"]
    # Nothing was harmed: the corpus still answers.
    assert "11月22日" in (await ask(fake_api, QUESTION)).params["text"]


async def test_very_long_text_is_answered_from_its_first_part(
    app: Application, fake_api: FakeBotAPI
) -> None:
    reply = await ask(fake_api, QUESTION + "啊" * 10_000)
    assert "太长" in reply.params["text"] and "11月22日" in reply.params["text"]
    assert len(reply.params["text"]) <= 4096


async def test_english_user_gets_english_labels(app: Application, fake_api: FakeBotAPI) -> None:
    reply = await ask(fake_api, "when was the stairwell clean-up", language_code="en")
    assert "Nothing" in reply.params["text"] or "Answer" in reply.params["text"]


async def test_flood_is_stopped_politely(
    fake_api: FakeBotAPI, service: Corpus, tmp_path: Path
) -> None:
    application = build_application(
        make_settings(fake_api, tmp_path, rate_limit_per_minute=2), service
    )
    async with started(application):
        since = fake_api.mark()
        for _ in range(5):
            fake_api.push_message(QUESTION)
        calls = await fake_api.wait_for("sendMessage", since=since, count=3, timeout=10)
    texts = [c.params["text"] for c in fake_api.calls("sendMessage", since=since)]
    assert sum("11月22日" in t for t in texts) == 2
    assert sum("稍等" in t for t in texts) == 1
    assert calls


def test_refused_token_gives_a_clear_message(
    fake_api: FakeBotAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = "999999:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    code = serve(make_settings(fake_api, tmp_path, telegram_bot_token=bad))
    err = capsys.readouterr().err
    assert code == 2 and "refused" in err
    assert bad not in err


def test_placeholder_token_gives_a_clear_message(
    fake_api: FakeBotAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert serve(make_settings(fake_api, tmp_path, telegram_bot_token="changeme")) == 2
    assert "BotFather" in capsys.readouterr().err


def test_unreachable_api_gives_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeBotAPI() as fake:
        settings = make_settings(fake, tmp_path)
    # The fake is stopped now: nothing listens on its port.
    assert serve(settings) == 1
    assert "Cannot reach" in capsys.readouterr().err


async def test_staff_and_admins_get_their_commands_in_their_own_menus(
    fake_api: FakeBotAPI, service: Corpus, tmp_path: Path
) -> None:
    settings = make_settings(
        fake_api, tmp_path, staff_ids=frozenset({4004, 5005}), admin_ids=frozenset({5005})
    )
    async with started(build_application(settings, service)):
        await fake_api.wait_for("setMyCommands", count=6)
    staff = {c["command"] for c in fake_api.commands({"type": "chat", "chat_id": 4004})}
    admin = {c["command"] for c in fake_api.commands({"type": "chat", "chat_id": 5005})}
    resident = {c["command"] for c in fake_api.commands()}
    assert {"add", "remove", "issues"} <= staff and "stats" not in staff
    assert {"add", "stats", "export"} <= admin
    assert not resident & {"add", "remove", "stats", "export"}


async def test_typing_shows_only_while_a_slow_answer_is_awaited(
    app: Application,
    fake_api: FakeBotAPI,
    service: Corpus,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(residents, "TYPING_AFTER", 0.2)
    since = fake_api.mark()
    await ask(fake_api, QUESTION)  # milliseconds: no indicator
    await asyncio.sleep(0.4)
    assert fake_api.calls("sendChatAction", since=since) == []

    answer = service.answers.answer

    def slow(question: str, **kwargs: Any) -> Any:
        time.sleep(0.6)
        return answer(question, **kwargs)

    monkeypatch.setattr(service.answers, "answer", slow)
    since = fake_api.mark()
    await ask(fake_api, QUESTION)
    [typing] = fake_api.calls("sendChatAction", since=since)
    [reply] = fake_api.calls("sendMessage", since=since)
    assert typing.params["action"] == "typing" and typing.time < reply.time


async def test_the_index_and_dictionary_are_kept_out_of_full_garbage_collections(
    fake_api: FakeBotAPI, service: Corpus, tmp_path: Path
) -> None:
    gc.unfreeze()
    application = build_application(make_settings(fake_api, tmp_path), service)
    assert service.answers.after_rebuild.count(settle_heap) == 1
    build_application(make_settings(fake_api, tmp_path), service)
    assert service.answers.after_rebuild.count(settle_heap) == 1  # one hook, however many builds
    async with started(application):
        # post_init built the index: its records are out of the collector's lists
        # (frozen objects are in none of its generations).
        def collected() -> set[int]:
            return {id(o) for o in gc.get_objects()}

        assert gc.get_freeze_count() > len(service.answers.state.records)
        assert not collected() & {id(r) for r in service.answers.state.records}
        # The English dictionary, loaded in the background, is frozen once it is in.
        dictionary = await asyncio.to_thread(load_cedict)
        for _ in range(200):
            if id(dictionary) not in collected():
                break
            await asyncio.sleep(0.05)
        assert id(dictionary) not in collected()
        call = await ask(fake_api, QUESTION)
        assert "2019年11月22日" in call.params["text"]

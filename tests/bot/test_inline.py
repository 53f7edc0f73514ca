"""Inline mode: ``@bot 问题`` in any chat, and the result a resident chooses."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.app import build_application
from corpus.api import Corpus
from tests.bot.helpers import bot_settings, started
from tests.bot.test_app import QUESTION, eventually, log_entries
from tests.support.fake_bot_api import DEFAULT_USER_ID, Call, FakeBotAPI, render_formatted


async def inline(fake: FakeBotAPI, query: str, **kwargs: Any) -> tuple[Call, list[dict[str, Any]]]:
    since = fake.mark()
    fake.push_inline_query(query, **kwargs)
    [call] = await fake.wait_for("answerInlineQuery", since=since, timeout=10)
    assert call.ok, call.error
    results = call.params["results"]
    return call, json.loads(results) if isinstance(results, str) else results


def button_of(call: Call) -> dict[str, Any] | None:
    button = call.params.get("button")
    return json.loads(button) if isinstance(button, str) else button


async def test_an_inline_question_offers_quotes_with_headline_snippet_and_source(
    app: Application, fake_api: FakeBotAPI
) -> None:
    call, results = await inline(fake_api, "垃圾分类志愿者", chat_type="group")
    assert 1 <= len(results) <= 5
    first = results[0]
    assert first["type"] == "article" and first["title"]
    assert "“" not in first["title"]  # the headline, not the quote
    assert "社区" in first["description"] and " · " in first["description"]
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML"
    sent = render_formatted(content["message_text"], "HTML")  # what the chat will show
    assert sent.startswith("“") and "—— " in sent
    assert "https://t.me/linli_test_bot?start=a" in content["message_text"]
    assert call.params["is_personal"] is True
    assert len({r["id"] for r in results}) == len(results)


async def test_the_deep_link_in_a_chosen_result_opens_its_article(
    app: Application, fake_api: FakeBotAPI
) -> None:
    _, results = await inline(fake_api, QUESTION)
    text = results[0]["input_message_content"]["message_text"]
    payload = text.split("start=", 1)[1].split('"', 1)[0]
    since = fake_api.mark()
    fake_api.push_message(f"/start {payload}")
    [article] = await fake_api.wait_for("sendMessage", since=since, timeout=10)
    assert "世纪同乐" in article.params["text"] and "12月7日下午" in article.params["text"]


async def test_a_chosen_result_is_logged_like_a_question_pseudonymously(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    _, results = await inline(fake_api, QUESTION)
    # Typing alone logs nothing: only the result a resident sends counts.
    await asyncio.sleep(1.5)
    assert log_entries(service) == []
    fake_api.push_chosen_inline_result(results[0]["id"], QUESTION)
    [entry] = await eventually(lambda: log_entries(service))
    assert (entry.question, entry.channel, entry.found) == (QUESTION, "inline", True)
    assert entry.user_hash and str(DEFAULT_USER_ID) not in entry.user_hash
    # The same pseudonym as the resident's own questions.
    since = fake_api.mark()
    fake_api.push_message("看电影的优惠票多少钱")
    await fake_api.wait_for("sendMessage", since=since, timeout=10)
    entries = await eventually(lambda: log_entries(service)[1:])
    assert entries[0].user_hash == entry.user_hash


@pytest.mark.parametrize(
    ("query", "button"),
    [
        ("", "私聊邻里提问"),
        ("   ", "私聊邻里提问"),
        ("😀😀😀", "没有找到"),
        ("游泳池几点开门", "没有找到"),
        ("'; DROP TABLE passages; --", "没有找到"),
        ("<b>bold</b> & <script>", None),  # "bold" is 大胆: found, and the HTML escaped
        ("垃圾分类" * 200, None),  # longer than Telegram's 256: answered from its first part
    ],
)
async def test_empty_huge_and_odd_inline_queries_are_answered(
    app: Application, fake_api: FakeBotAPI, query: str, button: str | None
) -> None:
    call, results = await inline(fake_api, query)
    if button is None:
        assert results and button_of(call) is None
    else:
        assert results == []
        offered = button_of(call)
        assert offered is not None and button in offered["text"]
        assert offered["start_parameter"] == "ask"


async def test_a_chosen_result_with_an_odd_query_is_handled(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    fake_api.push_chosen_inline_result("p1", "")
    fake_api.push_chosen_inline_result("forged", "😀")
    await asyncio.sleep(1.5)
    entries = log_entries(service)
    assert [(e.question, e.found) for e in entries] == [("😀", False)]
    # Still answering.
    _, results = await inline(fake_api, QUESTION)
    assert results


async def test_a_flood_of_inline_queries_is_limited_politely(
    fake_api: FakeBotAPI, service: Corpus, tmp_path: Path
) -> None:
    from bot.app import INLINE_QUERIES_PER_QUESTION

    application = build_application(
        bot_settings(fake_api, tmp_path, rate_limit_per_minute=1), service
    )
    async with started(application):
        answered = [await inline(fake_api, "垃圾分类志愿者") for _ in range(INLINE_QUERIES_PER_QUESTION + 1)]
    assert all(results for _, results in answered[:-1])
    call, results = answered[-1]
    assert results == [] and "稍等" in (button_of(call) or {}).get("text", "")

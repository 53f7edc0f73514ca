"""/settings: my street and my language, through the real bot and its buttons."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from telegram.ext import Application

from corpus.api import Corpus
from corpus.store.models import ResidentSetting
from tests.bot.helpers import button, keyboard
from tests.bot.test_app import ask, eventually, log_entries
from tests.support.fake_bot_api import DEFAULT_USER_ID, Call, FakeBotAPI

MALLORY = 2002



async def press(
    fake: FakeBotAPI, data: str, message: Call, *, user_id: int = DEFAULT_USER_ID
) -> tuple[Call, Call | None]:
    """Press a button; the callback's answer, and the edit of the message if one came.

    A refusal (an alert) edits nothing: for those, a moment is given for a wrong edit
    to show up."""
    since = fake.mark()
    fake.push_callback(data, message=message.result, user_id=user_id)
    [ack] = await fake.wait_for("answerCallbackQuery", since=since)
    if ack.params.get("show_alert"):
        await asyncio.sleep(0.3)
        edits = fake.calls("editMessageText", since=since)
        return ack, edits[-1] if edits else None
    [edit] = await fake.wait_for("editMessageText", since=since)
    return ack, edit


def street_handle(service: Corpus, street: str) -> int:
    return dict(service.residents.streets())[street]


def settings_rows(service: Corpus) -> list[ResidentSetting]:
    with service.store.factory() as session:
        return list(session.scalars(select(ResidentSetting)))


async def test_choosing_a_street_ranks_its_issues_first_and_latest_shows_it_first(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    def first_source(call: Call) -> str:
        return call.params["text"].split("—— ", 1)[1].split("\n", 1)[0]

    def pages(call: Call) -> str:
        return call.params["text"].rsplit("\n", 1)[1]

    before = await ask(fake_api, "垃圾分类")
    assert "花木街道" not in first_source(before)
    menu = await ask(fake_api, "/settings")
    assert "我的街道：不限" in menu.params["text"]
    _, streets = await press(fake_api, button(menu, "g:1001:S"), menu)
    assert streets is not None
    labels = [b["text"] for row in keyboard(streets) for b in row]
    assert {"长风新村街道", "凉城新村街道", "花木街道"} <= set(labels)
    ack, shown = await press(fake_api, f"g:1001:s:{street_handle(service, '花木街道')}", menu)
    assert ack.params["text"] == "已设为 花木街道"
    assert shown is not None and "我的街道：花木街道" in shown.params["text"]

    after = await ask(fake_api, "垃圾分类")
    assert "花木街道" in first_source(after)
    # Not a filter: the other streets' quotes follow (the same articles: test_followup_service).
    assert pages(after) != "第1/1页"
    latest = await ask(fake_api, "/latest")
    first_issue = latest.params["text"].split("\n")[2]
    assert "花木街道" in first_issue
    # A question naming another street still gets that street only.
    named = await ask(fake_api, "长风垃圾分类")
    assert "花木街道" not in named.params["text"] and "长风新村街道" in named.params["text"]
    # Cleared again: back to the search's own order.
    await press(fake_api, "g:1001:s:0", menu)
    again = await ask(fake_api, "垃圾分类")
    assert again.params["text"] == before.params["text"]


async def test_choosing_a_language_overrides_the_clients(
    app: Application, fake_api: FakeBotAPI
) -> None:
    menu = await ask(fake_api, "/settings")
    _, langs = await press(fake_api, "g:1001:L", menu)
    assert langs is not None and any("English" in b["text"] for row in keyboard(langs) for b in row)
    ack, shown = await press(fake_api, "g:1001:l:en", menu)
    assert ack.params["text"] == "Language changed"
    assert shown is not None and "Language: English" in shown.params["text"]
    # The client says Chinese; the setting says English.
    assert "Hello" in (await ask(fake_api, "/start")).params["text"]
    assert "How to ask" in (await ask(fake_api, "/help")).params["text"]
    await press(fake_api, "g:1001:l:auto", menu)
    assert "您好" in (await ask(fake_api, "/start")).params["text"]
    # Someone whose client is English can choose Chinese.
    english = await ask(fake_api, "/settings", user_id=3003, language_code="en")
    assert "Settings" in english.params["text"]
    await press(fake_api, "g:3003:l:zh", english, user_id=3003)
    assert "您好" in (await ask(fake_api, "/start", user_id=3003, language_code="en")).params["text"]


async def test_settings_are_stored_under_the_query_logs_pseudonym(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    menu = await ask(fake_api, "/settings")
    await press(fake_api, f"g:1001:s:{street_handle(service, '凉城新村街道')}", menu)
    await press(fake_api, "g:1001:l:en", menu)
    await ask(fake_api, "垃圾分类")
    [row] = settings_rows(service)
    [entry] = await eventually(lambda: log_entries(service))
    assert row.user_hash == entry.user_hash and str(DEFAULT_USER_ID) not in row.user_hash
    assert (row.street, row.lang) == ("凉城新村街道", "en")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("g:1001:s:999999", "不在库里"),  # an issue id no street has
        ("g:1001:s:-1", "过期"),
        ("g:1001:l:fr", "过期"),
        ("g:1001:x", "过期"),
        ("g:1001", "过期"),
        ("g:99999999999999999999999:S", "过期"),
        ("g:1001:s:1'; DROP TABLE issues;--", "过期"),
        ("g:😀:S", "过期"),
    ],
)
async def test_forged_settings_buttons_change_nothing(
    app: Application, fake_api: FakeBotAPI, service: Corpus, data: str, expected: str
) -> None:
    menu = await ask(fake_api, "/settings")
    ack, edit = await press(fake_api, data, menu)
    assert expected in ack.params["text"] and ack.params.get("show_alert")
    assert edit is None and settings_rows(service) == []
    assert "11月22日" in (await ask(fake_api, "世纪同乐小区什么时候清理楼道堆物？")).params["text"]


async def test_another_residents_settings_buttons_are_refused(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    menu = await ask(fake_api, "/settings", chat_type="group")
    handle = street_handle(service, "花木街道")
    for data in (f"g:1001:s:{handle}", "g:1001:l:en", "g:1001:S"):
        ack, edit = await press(fake_api, data, menu, user_id=MALLORY)
        assert "另一位邻居" in ack.params["text"] and edit is None
    assert settings_rows(service) == []
    # The owner's own press in the same group works.
    ack, edit = await press(fake_api, f"g:1001:s:{handle}", menu)
    assert ack.params["text"] == "已设为 花木街道" and edit is not None


async def test_a_street_whose_issues_were_removed_is_refused(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    menu = await ask(fake_api, "/settings")
    handle = street_handle(service, "花木街道")
    service.issues.remove(handle)
    ack, _ = await press(fake_api, f"g:1001:s:{handle}", menu)
    assert "不在库里" in ack.params["text"]
    assert settings_rows(service) == []


async def test_settings_switches_the_notifications_of_a_chat_that_follows(
    app: Application, fake_api: FakeBotAPI, service: Corpus
) -> None:
    menu = await ask(fake_api, "/settings")
    # Following nothing, there is nothing to switch: no button.
    assert not any(
        b.get("callback_data", "").startswith("g:1001:n:") for row in keyboard(menu) for b in row
    )
    await ask(fake_api, "/follow 加装电梯")
    assert service.follows.notifications(DEFAULT_USER_ID) is True
    menu = await ask(fake_api, "/settings")
    ack, shown = await press(fake_api, button(menu, "g:1001:n:off"), menu)
    assert "通知已关闭" in ack.params["text"]
    assert service.follows.notifications(DEFAULT_USER_ID) is False
    assert shown is not None and button(shown, "g:1001:n:on")
    # Someone else's settings message switches nothing.
    ack, _ = await press(fake_api, "g:1001:n:on", menu, user_id=MALLORY)
    assert ack.params.get("show_alert")
    assert service.follows.notifications(DEFAULT_USER_ID) is False
    ack, _ = await press(fake_api, "g:1001:n:on", menu)
    assert "通知已打开" in ack.params["text"]
    assert service.follows.notifications(DEFAULT_USER_ID) is True
    # Forged values are refused as expired buttons.
    ack, _ = await press(fake_api, "g:1001:n:maybe", menu)
    assert ack.params.get("show_alert")

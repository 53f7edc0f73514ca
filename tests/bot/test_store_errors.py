"""Staff and admins are told whether a database failure is worth trying again.

``StoreError.permanent`` says the database refused the data itself (a constraint, a value
it cannot hold): the same press fails the same way, so "try again later" would send staff
round in circles. An outage (connection lost, database locked) is worth a second try.
The database's errors are raised where the real ones would be (the store's query
functions), so the classification in ``corpus.api`` is exercised as well as the replies.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, SQLAlchemyError
from telegram.ext import Application

from bot.app import build_application
from corpus import api
from corpus.api import Corpus
from tests.bot.helpers import bot_settings, button, started
from tests.bot.test_staff import LIANGCHENG, issues, press, say, upload
from tests.support.fake_bot_api import FakeBotAPI

STAFF = 5005
ADMIN = 7007

OUTAGE = OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))
REFUSED = DataError("INSERT", {}, Exception("value too long for type character varying(300)"))
DUPLICATE = IntegrityError("DELETE", {}, Exception("FOREIGN KEY constraint failed"))

TRY_LATER = ("稍后", "later")
NO_USE = ("不会成功", "will not help")


@pytest.fixture
async def app(
    fake_api: FakeBotAPI, service: Corpus, tmp_path: Path
) -> AsyncIterator[Application]:
    settings = bot_settings(
        fake_api, tmp_path, staff_ids=frozenset({STAFF}), admin_ids=frozenset({ADMIN})
    )
    async with started(build_application(settings, service)) as application:
        yield application


def failing(error: SQLAlchemyError) -> Callable[..., object]:
    def fail(*_: object, **__: object) -> object:
        raise error

    return fail


def says_try_later(text: str) -> bool:
    return any(w in text for w in TRY_LATER) and not any(w in text for w in NO_USE)


def says_no_use(text: str) -> bool:
    return any(w in text for w in NO_USE) and not any(w in text for w in TRY_LATER)


async def test_a_refused_issue_is_not_offered_again_and_an_outage_is(
    app: Application, fake_api: FakeBotAPI, service: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = issues(service)
    preview = await upload(fake_api, LIANGCHENG, "本期.txt", caption="社区晨报 凉城 2026-11")
    confirm = button(preview, "s:ok:")

    monkeypatch.setattr(api, "store_issues", failing(OUTAGE))
    since = fake_api.mark()
    fake_api.push_callback(confirm, message=preview.result, user_id=STAFF)
    [retry] = await fake_api.wait_for("sendMessage", since=since, timeout=10)
    assert says_try_later(retry.params["text"])
    assert not fake_api.calls("editMessageText", since=since)  # the buttons stay

    # The same press once more: now the database refuses the data itself.
    monkeypatch.setattr(api, "store_issues", failing(REFUSED))
    edit = await press(fake_api, preview, confirm)
    assert says_no_use(edit.params["text"]) and "数据库拒绝保存" in edit.params["text"]
    assert "reply_markup" not in edit.params or not edit.params["reply_markup"]
    assert issues(service) == before
    # Pressing the same data again finds nothing to act on.
    since = fake_api.mark()
    fake_api.push_callback(confirm, message=preview.result, user_id=STAFF)
    [ack] = await fake_api.wait_for("answerCallbackQuery", since=since, timeout=10)
    assert "已经处理过" in ack.params["text"]


@pytest.mark.parametrize(
    ("error", "permanent"), [(OUTAGE, False), (DUPLICATE, True)], ids=["outage", "refused"]
)
async def test_a_failed_removal_says_whether_to_try_again(
    app: Application,
    fake_api: FakeBotAPI,
    service: Corpus,
    monkeypatch: pytest.MonkeyPatch,
    error: SQLAlchemyError,
    permanent: bool,
) -> None:
    target = issues(service)[0]
    confirm = await say(fake_api, f"/remove {target.id}")
    monkeypatch.setattr(api, "remove_issue", failing(error))
    since = fake_api.mark()
    fake_api.push_callback(button(confirm, "s:ok:"), message=confirm.result, user_id=STAFF)
    if permanent:
        [edit] = await fake_api.wait_for("editMessageText", since=since, timeout=10)
        assert says_no_use(edit.params["text"]) and "拒绝删除" in edit.params["text"]
    else:
        [reply] = await fake_api.wait_for("sendMessage", since=since, timeout=10)
        assert says_try_later(reply.params["text"]) and "删除时出错" in reply.params["text"]
    assert target.id in {i.id for i in issues(service)}


@pytest.mark.parametrize(
    ("command", "user", "target", "lang"),
    [
        ("/issues", STAFF, "list_issues", "zh"),
        ("/remove 1", STAFF, "issue_info", "zh"),
        ("/stats", ADMIN, "log_stats", "zh"),
        ("/export", ADMIN, "export", "en"),
        ("/top", ADMIN, "questions", "zh"),
    ],
)
@pytest.mark.parametrize(("error", "permanent"), [(OUTAGE, False), (REFUSED, True)])
async def test_staff_and_admin_readings_tell_an_outage_from_a_refusal(
    app: Application,
    fake_api: FakeBotAPI,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    user: int,
    target: str,
    lang: str,
    error: SQLAlchemyError,
    permanent: bool,
) -> None:
    if target == "list_issues":
        monkeypatch.setattr(api.store_issues_queries, "list_issues", failing(error))
    elif target == "issue_info":
        monkeypatch.setattr(api.store_issues_queries, "issue_info", failing(error))
    elif target == "log_stats":
        monkeypatch.setattr(api, "log_stats", failing(error))
    elif target == "export":
        monkeypatch.setattr(api.export, "export_csv", failing(error))
    else:
        monkeypatch.setattr(api.questions, "top_questions", failing(error))
    reply = await say(
        fake_api, command, user_id=user, language_code="en" if lang == "en" else "zh-hans"
    )
    text = reply.params["text"]
    assert says_no_use(text) if permanent else says_try_later(text), text
    assert ("database" if lang == "en" else "数据库") in text


async def test_an_upload_while_the_database_is_down_says_try_later(
    app: Application, fake_api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corpus.ingest import upload as ingest_upload

    monkeypatch.setattr(ingest_upload, "known_streets", failing(OUTAGE))
    reply = await upload(fake_api, LIANGCHENG, "本期.txt", caption="社区晨报 凉城 2026-11")
    assert says_try_later(reply.params["text"]) and "数据库" in reply.params["text"]

"""Fixtures for end-to-end bot tests against the loopback :class:`FakeBotAPI`.

Typical test::

    from tests.bot.fake_bot_api import DEFAULT_USER_ID, running_app

    async def test_answers(fake_api, app_builder):
        app = app_builder.build()          # or the Linli factory given fake_api.base_url ...
        app.add_handler(...)
        async with running_app(app):
            fake_api.push_message("你好")
            [call] = await fake_api.wait_for("sendMessage")
        assert call.params["chat_id"] == DEFAULT_USER_ID
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from telegram.ext import ApplicationBuilder

from tests.bot.fake_bot_api import FakeBotAPI, application_builder


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    """A fresh fake Bot API server on 127.0.0.1, stopped after the test."""
    with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
def app_builder(fake_api: FakeBotAPI) -> ApplicationBuilder:
    """An ``ApplicationBuilder`` with the fake's token, URLs and short timeouts."""
    return application_builder(fake_api)

"""Fixtures for end-to-end bot tests against the loopback :class:`FakeBotAPI`.

Typical test::

    from tests.support.fake_bot_api import DEFAULT_USER_ID, running_app

    async def test_answers(fake_api, app_builder):
        app = app_builder.build()          # or the Linli factory given fake_api.base_url ...
        app.add_handler(...)
        async with running_app(app):
            fake_api.push_message("你好")
            [call] = await fake_api.wait_for("sendMessage")
        assert call.params["chat_id"] == DEFAULT_USER_ID
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from telegram.ext import Application, ApplicationBuilder

from bot.app import build_application
from corpus.answer.service import LinliService
from corpus.api import Corpus
from corpus.ingest.seed import seed_demo
from corpus.store.engine import Store
from tests.bot.helpers import bot_settings, started
from tests.support.fake_bot_api import FakeBotAPI, application_builder


@pytest.fixture(autouse=True)
def _unfreeze_heap() -> Iterator[None]:
    """A started bot freezes the heap (bot.app.settle_heap); give it back after each
    test, or every test's cyclic garbage would stay in memory for the whole run."""
    yield
    gc.unfreeze()


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    """A fresh fake Bot API server on 127.0.0.1, stopped after the test."""
    with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
def app_builder(fake_api: FakeBotAPI) -> ApplicationBuilder:
    """An ``ApplicationBuilder`` with the fake's token, URLs and short timeouts."""
    return application_builder(fake_api)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded SQLite file per run, copied for each test (seeding parses five issues)."""
    path = tmp_path_factory.mktemp("seed") / "seed.sqlite3"
    store = Store.open(f"sqlite:///{path}")
    seed_demo(store)
    store.close()
    return path


@pytest.fixture
def service(seeded_template: Path, tmp_path: Path) -> Iterator[Corpus]:
    """A service over a fresh copy of the seeded store."""
    db = tmp_path / "bot.sqlite3"
    db.write_bytes(seeded_template.read_bytes())
    store = Store.open(f"sqlite:///{db}")
    yield Corpus(store, LinliService(store), b"test-secret")
    store.close()


@pytest.fixture
async def app(fake_api: FakeBotAPI, service: Corpus, tmp_path: Path) -> AsyncIterator[Application]:
    """The production bot over ``service``, started against the fake (default settings)."""
    async with started(build_application(bot_settings(fake_api, tmp_path), service)) as application:
        yield application

"""Plumbing shared by the end-to-end bot tests: settings, start-up, reading keyboards."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from telegram.ext import Application

from corpus.settings import Settings
from tests.support.fake_bot_api import Call, FakeBotAPI, running_app


def bot_settings(fake: FakeBotAPI, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings pointing the bot at ``fake``, with a generous rate limit for tests."""
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "database_url": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        "telegram_bot_token": fake.token,
        "telegram_api_base_url": fake.base_url,
        "telegram_api_file_url": fake.base_file_url,
        "rate_limit_per_minute": 100,
    }
    values.update(overrides)
    return Settings(**values)


@contextlib.asynccontextmanager
async def started(application: Application) -> AsyncIterator[Application]:
    """Polling as `run_polling` does it, including the post_init hook it calls."""
    async with running_app(application):
        assert application.post_init is not None
        await application.post_init(application)
        yield application


def keyboard(call: Call) -> list[list[dict[str, Any]]]:
    markup = call.params.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return markup.get("inline_keyboard", [])


def button(call: Call, prefix: str) -> str:
    """The callback data of the first button whose data starts with ``prefix``."""
    for row in keyboard(call):
        for b in row:
            if b.get("callback_data", "").startswith(prefix):
                return b["callback_data"]
    raise AssertionError(f"no button {prefix!r} in {keyboard(call)}")


SAMPLE_ISSUE = Path(__file__).resolve().parents[1] / "data" / "sample_issue.txt"
# The sample issue's project, and its article.
ELEVATOR_QUESTION = "桂花苑小区加装电梯进展怎么样"
ELEVATOR_ARTICLE = "桂花苑小区举行加装电梯签约仪式"


def add_sample_issue(service: Any) -> None:
    """Store tests/data/sample_issue.txt (凉城, 2026-11: an elevator project and more)."""
    from corpus.api import IssueMeta

    service.issues.add_files([SAMPLE_ISSUE], IssueMeta(date="2026-11", source_name="sample_issue.txt"))
    service.answers.refresh(force=True)

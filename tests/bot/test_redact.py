"""The bot token never reaches stderr or a log line, whatever path the text takes."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import app
from bot.app import RedactToken
from tests.bot.helpers import bot_settings
from tests.support.fake_bot_api import DEFAULT_TOKEN, FakeBotAPI

TOKEN = DEFAULT_TOKEN


def run_serve(tmp_path: Path, base_url: str, level: str = "DEBUG") -> str:
    """`linli serve` as a process at ``level``; its stdout and stderr together."""
    environ = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": base_url,
        "LINLI_DATA_DIR": str(tmp_path / "data"),
        "LOG_LEVEL": level,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve"],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    return done.stdout + done.stderr


@pytest.mark.parametrize(
    "base_url",
    ["htp://127.0.0.1:9/bot", "http//api.telegram.org/bot"],
    ids=["scheme-typo", "no-colon"],
)
def test_a_mistyped_base_url_never_prints_the_token(tmp_path: Path, base_url: str) -> None:
    output = run_serve(tmp_path, base_url)
    assert "Cannot reach the Telegram Bot API" in output  # the error is still explained
    assert "Traceback" in output  # PTB's log of the failure is still there, with its traceback
    assert TOKEN not in output
    assert TOKEN.split(":", 1)[1] not in output


def test_an_unreachable_bot_api_is_one_line_without_a_traceback(tmp_path: Path) -> None:
    # PTB logs its failed start-up with the whole traceback, and the HTTP clients it never
    # shut down made asyncio print "Unclosed client session" twice at exit.
    output = run_serve(tmp_path, "http://127.0.0.1:9/bot", level="INFO")
    assert "Cannot reach the Telegram Bot API" in output
    assert "Traceback" not in output and "Unclosed" not in output, output
    assert [line for line in output.splitlines() if "ERROR" in line] == [], output


def _logger_with_filter() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactToken(TOKEN))
    logger = logging.getLogger("tests.redact")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_log_records_are_redacted_in_message_args_traceback_and_stack() -> None:
    logger, stream = _logger_with_filter()
    try:
        try:
            raise OSError(f"cannot open /bot{TOKEN}/getMe")
        except OSError as cause:
            raise RuntimeError(f"wrapped {TOKEN}") from cause
    except RuntimeError:
        logger.exception("failed %s", f"url /bot{TOKEN}/x", stack_info=True)
    logger.debug("token=%s", TOKEN, stack_info=True)
    text = stream.getvalue()
    assert "failed url /bot<token>/x" in text and "wrapped <token>" in text
    assert "OSError" in text and "Stack (most recent call last)" in text
    assert TOKEN not in text


def test_an_unexpected_error_in_serve_is_printed_without_the_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeBotAPI() as fake:
        settings = bot_settings(fake, tmp_path)

    def explode(*args: object) -> None:
        raise RuntimeError(f"boom at https://api.telegram.org/bot{TOKEN}/getMe")

    monkeypatch.setattr(app, "build_application", explode)
    assert app.serve(settings) == 1
    err = capsys.readouterr().err
    assert "RuntimeError: boom" in err and TOKEN not in err


def test_library_debug_lines_keep_names_and_withhold_the_rest() -> None:
    from bot.redact import WithholdDetails

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(WithholdDetails())
    handler.addFilter(RedactToken(TOKEN))
    logger = logging.getLogger("telegram.ext.tests")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.debug("Received Update with ID %d on Webhook", 1001)  # %d no longer fits
    logger.debug("Calling `%s` with `%s`", "sendMessage", {"chat_id": 1001, "text": "楼道"})
    logger.info("kept at INFO: %s", "as is")
    lines = stream.getvalue().splitlines()
    assert lines == [
        "Received Update with ID <withheld> on Webhook",
        "Calling `sendMessage` with `<withheld>`",
        "kept at INFO: as is",
    ]

"""Keeping the bot token out of everything the process writes.

Bot API URLs carry the token (``…/bot<token>/getMe``), so any error about a request
(a mistyped ``TELEGRAM_API_BASE_URL``, a refused connection) can quote it: in the
exception's message, in the exceptions chained to it, and so in every traceback. Each
output path is scrubbed here: log records (message, traceback, stack), and the lines
``serve`` and the CLI print themselves.
"""

from __future__ import annotations

import logging
import re
import traceback

PLACEHOLDER = "<token>"
# The token's place in a Bot API URL, whatever it is (the transport does not know it).
_URL_TOKEN = re.compile(r"(/(?:file/)?bot)[^/\s]+")


def redact(text: str, token: str | None) -> str:
    """``text`` without ``token`` (nothing to do for an empty token)."""
    return text.replace(token, PLACEHOLDER) if token else text


def redact_url(text: str) -> str:
    """``text`` with the token part of any Bot API URL in it replaced."""
    return _URL_TOKEN.sub(rf"\1{PLACEHOLDER}", text)


def format_exception(error: BaseException, token: str | None) -> str:
    """The whole traceback of ``error``, its causes included, without the token."""
    return redact("".join(traceback.format_exception(error)), token)


class RedactToken(logging.Filter):
    """Removes the bot token from every log record, whoever logs it.

    Attached to handlers, so it sees records from every logger (PTB's, aiohttp's,
    asyncio's). The traceback is formatted here, redacted, and kept as ``exc_text``
    with ``exc_info`` dropped: a formatter that found ``exc_info`` would format the
    original again, token and all.
    """

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.token:
            return True
        message = record.getMessage()
        if self.token in message:
            record.msg = redact(message, self.token)
            record.args = None
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.token)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.token)
        return True

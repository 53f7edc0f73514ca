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
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            # A broken log call: the handler would print its arguments raw to report it.
            record.msg, record.args = f"{redact(str(record.msg), self.token)} {WITHHELD}", None
            message = record.msg
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


# Loggers of the libraries under the bot. At DEBUG, PTB logs every update whole and every
# Bot API call with its parameters and result: residents' ids, names and messages.
LIBRARY_LOGGERS = ("telegram", "httpx", "httpcore", "aiohttp", "apscheduler")
WITHHELD = "<withheld>"
# What a DEBUG line of theirs may still show: an endpoint's or handler's name, a flag.
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]{0,63}$")
# A %-conversion of a log template, to be turned into %s (its mapping key kept).
_CONVERSION = re.compile(r"%(\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcr]")


class WithholdDetails(logging.Filter):
    """Keeps residents' data out of the libraries' DEBUG lines, and the lines themselves.

    A DEBUG record from a library logger keeps its message template and any argument
    that is a bare name (``sendMessage``) or a flag; every other argument (an Update,
    call parameters, a result, a chat id) is replaced by ``<withheld>``. So LOG_LEVEL=DEBUG
    still shows which calls are made and when, but not to whom or with what text.
    Records at INFO and above, and the bot's own, pass unchanged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.INFO or not _is_library(record.name):
            return True
        if not record.args:
            return True
        if isinstance(record.args, dict):
            args: object = {k: _shown(v) for k, v in record.args.items()}
        else:
            args = tuple(_shown(a) for a in record.args)
        # Formatted here: "<withheld>" no longer fits the template's %d or %f.
        template = _CONVERSION.sub(r"%\1s", str(record.msg))
        try:
            record.msg = template % args
        except (TypeError, ValueError, KeyError):
            record.msg = f"{record.msg} {WITHHELD}"
        record.args = None
        return True


def _is_library(name: str) -> bool:
    return any(name == lib or name.startswith(lib + ".") for lib in LIBRARY_LOGGERS)


def _shown(value: object) -> object:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and _NAME.match(value):
        return value
    return WITHHELD

"""A loopback fake of the Telegram Bot API for end-to-end tests of PTB applications.

The bot under test is a real :class:`telegram.ext.Application` talking HTTP to this server
(``ApplicationBuilder().base_url(fake.base_url).base_file_url(fake.base_file_url)``), so the
whole PTB stack -- request encoding, response parsing, error mapping, polling -- is exercised.

The server runs in a background thread (``ThreadingHTTPServer``) bound to 127.0.0.1 on an
OS-chosen port, independent of the test's event loop.  Tests inject updates with the ``push_*``
helpers, then ``await fake.wait_for("sendMessage")`` and inspect the recorded :class:`Call`\\ s.

Behaviour mirrors the real API where it matters to a bot:

* ``{url}/bot{token}/{method}`` (method names case-insensitive) and
  ``{url}/file/bot{token}/{file_path}``; unknown token -> 401 ``Unauthorized``; unknown
  method -> 404 ``Not Found``.
* JSON, urlencoded and multipart bodies; form values are JSON-decoded the way PTB encodes them
  (``chat_id=5`` -> ``5``, ``reply_markup='{...}'`` -> dict), known string fields stay strings.
* ``getUpdates`` long-polls (``offset``/``limit``/``timeout``/``allowed_updates``); a newer
  ``getUpdates`` terminates a waiting one with 409 ``Conflict`` as Telegram does.
* ``parse_mode`` HTML / MarkdownV2 / Markdown are validated roughly like Telegram does
  (unsupported or unbalanced tags, unescaped reserved characters) and rejected with
  400 ``Bad Request: can't parse entities: ...``; text > 4096 and caption > 1024 characters,
  oversized ``callback_data`` and "message is not modified" edits are rejected too.
  Pass ``validate_formatting=False`` to switch the parse-mode checks off.
* Inline mode: ``push_inline_query`` / ``push_chosen_inline_result``; ``answerInlineQuery``
  checks what Telegram checks (the query is open, at most 50 results with unique ids of
  1-64 bytes, titles, message content within 4096 characters, ``button``'s start parameter).
* ``push_edited_message`` edits a message the user sent (an ``edited_message`` update);
  ``push_message(..., deleted=True)`` sends one the user deletes at once, so a reply to it
  is refused with "message to be replied not found" unless ``allow_sending_without_reply``.
* Faults, for the tests and the soak benchmark: ``fail_next`` (any error code: 5xx, 401 …),
  ``retry_after_next`` (429 with ``retry_after``), ``slow_next`` (a response that comes late,
  or fails late), and ``random_faults`` (each call meets a 429, a 502 or a delay at random,
  reproducibly by seed; ``faults_met`` counts them).
* One request per connection (HTTP/1.0) by default; ``keep_alive=True`` serves persistent
  HTTP/1.1 connections as Telegram does (the load benchmark uses it).
* ``backlog`` is the listening socket's queue of connections not yet accepted: socketserver's
  5 by default, which is plenty for tests; many clients connecting at once (the load
  benchmark's 50 residents) need more, or the OS resets connections, which Telegram never does.

Not a test module: the tests (``tests/bot``) and the load benchmark (``benchmarks/load.py``)
both import it from here.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import datetime as dt
import itertools
import json
import random
import re
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from telegram.ext import Application, ApplicationBuilder

__all__ = [
    "DEFAULT_CHAT_IDS",
    "DEFAULT_TOKEN",
    "DEFAULT_USER_ID",
    "MAX_DOWNLOAD_SIZE",
    "ApiError",
    "Call",
    "FakeBotAPI",
    "application_builder",
    "detect_entities",
    "render_formatted",
    "running_app",
]

DEFAULT_TOKEN = "123456789:AAFakeTokenForLinliTests_0123456789"
DEFAULT_USER_ID = 1001
DEFAULT_FIRST_NAME = "小明"
#: Chat ids used when ``chat_id`` is omitted for a non-private chat.
DEFAULT_CHAT_IDS = {"group": -4001, "supergroup": -1001234567890, "channel": -1009876543210}
#: Bots may download files up to 20 MB through getFile.
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

JSONDict = dict[str, Any]

# Form fields that are plain strings even when they look like JSON (``text="123"``).
_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "action",
        "file_id",
        "language_code",
        "secret_token",
        "ip_address",
        "business_connection_id",
        "message_effect_id",
        "document",
        "photo",
        "sticker",
        "voice",
        "audio",
        "video",
        "animation",
        "thumbnail",
        "emoji",
        "title",
        "description",
        "short_description",
        "name",
        "query",
    }
)
# Fields that carry JSON objects; decoded even when a JSON body sends them as strings.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "reply_parameters",
        "link_preview_options",
        "allowed_updates",
    }
)


class ApiError(Exception):
    """An error answer of the API: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(
        self, error_code: int, description: str, parameters: JSONDict | None = None
    ) -> None:
        super().__init__(f"{error_code}: {description}")
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> JSONDict:
        body: JSONDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass(frozen=True)
class Call:
    """One request the fake received, recorded after it was answered.

    ``method`` is the canonical camelCase name (``"sendMessage"``) whatever case was used;
    ``params`` are decoded (ints, dicts, lists as sent); ``files`` maps multipart part name to
    ``(filename, content)``; ``status`` is the HTTP status answered and ``response`` the JSON
    body (``response["result"]`` on success).
    """

    method: str
    params: JSONDict
    files: dict[str, tuple[str, bytes]]
    time: float
    token: str = ""
    status: int = 200
    response: JSONDict = field(default_factory=dict)
    # Seconds the answer was held back by an injected slow response.
    delayed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def error(self) -> str | None:
        """The error description when the call failed, else ``None``."""
        return None if self.ok else self.response.get("description")


@dataclass(frozen=True)
class Sender:
    """Who sends a pushed message and in which chat: the keyword arguments every
    ``push_*`` method takes (``chat_id`` defaults to ``user_id`` in a private chat and to
    :data:`DEFAULT_CHAT_IDS` otherwise)."""

    user_id: int = DEFAULT_USER_ID
    chat_id: int | str | None = None
    chat_type: str = "private"
    first_name: str = DEFAULT_FIRST_NAME
    language_code: str | None = "zh-hans"
    username: str | None = None
    chat_title: str | None = None


@dataclass
class _Fault:
    error: ApiError | None  # None: a slow response, handled normally after ``delay``
    remaining: int
    when: Callable[[JSONDict], bool] | None = None
    delay: float = 0.0


def _throttled(seconds: float) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


@dataclass
class _RandomFaults:
    """Faults drawn at random for every call of a method (FakeBotAPI.random_faults)."""

    rng: random.Random
    chances: tuple[tuple[float, _Fault], ...]
    when: Callable[[JSONDict], bool] | None = None
    drawn: dict[str, int] = field(default_factory=dict)

    def draw(self, params: JSONDict) -> _Fault | None:
        """The fault this call meets, or None; called under the fake's lock."""
        if self.when is not None and not self.when(params):
            return None
        roll = self.rng.random()
        for chance, fault in self.chances:
            if roll < chance:
                kind = str(fault.error.error_code) if fault.error is not None else "slow"
                self.drawn[kind] = self.drawn.get(kind, 0) + 1
                return fault
            roll -= chance
        return None


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    file_size: int


# --------------------------------------------------------------------------------------------
# Small helpers


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _norm_chat_id(value: Any) -> int | str:
    """``"123"``/``123`` -> ``123``; ``"@channel"`` stays a string."""
    if isinstance(value, bool):
        raise _bad_request("chat not found")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value
    raise _bad_request("chat_id is empty")


def _decode_value(name: str, value: str) -> Any:
    if name in _STRING_FIELDS and name not in _JSON_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _decode_params(raw: dict[str, Any]) -> JSONDict:
    """Normalise parameters: form values from strings, JSON-ish fields to objects."""
    params: JSONDict = {}
    for name, value in raw.items():
        if isinstance(value, str):
            value = _decode_value(name, value)
        if name in _JSON_FIELDS and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        params[name] = value
    return params


_DISPOSITION_PARAM = re.compile(r'(?:^|;)\s*([\w*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))')


def _parse_disposition(header: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for match in _DISPOSITION_PARAM.finditer(header):
        key = match.group(1).lower()
        if match.group(2) is not None:
            # httpx uses the HTML5 form encoding: '"' -> %22, '\' -> '\\', control chars -> %XX.
            value = re.sub(r"\\(.)", r"\1", match.group(2))
            value = re.sub(r"%(22|[01][0-9A-Fa-f])", lambda m: chr(int(m.group(1), 16)), value)
        else:
            value = match.group(3).strip()
        if key.endswith("*"):  # RFC 5987: filename*=utf-8''name
            key = key[:-1]
            _, _, encoded = value.partition("''")
            value = urllib.parse.unquote(encoded)
        out[key] = value
    return out


def _parse_multipart(
    body: bytes, content_type: str
) -> tuple[dict[str, str], dict[str, tuple[str, bytes, str]]]:
    """Split a multipart/form-data body into text fields and uploaded files."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise _bad_request("invalid multipart body: no boundary")
    delimiter = b"--" + match.group(1).encode("latin-1")
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes, str]] = {}
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        if part.startswith(b"\r\n"):
            part = part[2:]
        if part.endswith(b"\r\n"):
            part = part[:-2]
        head, _, content = part.partition(b"\r\n\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = _parse_disposition(headers.get("content-disposition", ""))
        name = disposition.get("name")
        if name is None:
            continue
        if "filename" in disposition:
            mime = headers.get("content-type", "application/octet-stream")
            files[name] = (disposition["filename"], content, mime)
        else:
            fields[name] = content.decode("utf-8", "replace")
    return fields, files


# --------------------------------------------------------------------------------------------
# Formatting validation (rough imitation of Telegram's parsers)

_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
        "tg-time",
    }
)
_HTML_TOKEN = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*)?)>|<|&(#\d+|#[xX][0-9A-Fa-f]+|[A-Za-z]+);"
)
_HTML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _parse_error(detail: str) -> ApiError:
    return _bad_request(f"can't parse entities: {detail}")


def _render_html(text: str) -> str:
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    for match in _HTML_TOKEN.finditer(text):
        out.append(text[pos : match.start()])
        pos = match.end()
        offset = _byte_offset(text, match.start())
        token = match.group(0)
        if token == "<":
            raise _parse_error(f'Unsupported start tag "" at byte offset {offset}')
        if token.startswith("&"):
            entity = match.group(4)
            if entity.startswith(("#x", "#X")):
                out.append(chr(int(entity[2:], 16)))
            elif entity.startswith("#"):
                out.append(chr(int(entity[1:])))
            else:
                out.append(_HTML_ENTITIES.get(entity.lower(), token))
            continue
        closing, name = match.group(1) == "/", match.group(2).lower()
        if not closing:
            if name not in _HTML_TAGS or match.group(3).rstrip().endswith("/"):
                raise _parse_error(f'Unsupported start tag "{name}" at byte offset {offset}')
            stack.append(name)
        elif not stack:
            raise _parse_error(f"Unexpected end tag at byte offset {offset}")
        elif stack[-1] != name:
            raise _parse_error(
                f'Unmatched end tag at byte offset {offset}, expected "</{stack[-1]}>", '
                f'found "</{name}>"'
            )
        else:
            stack.pop()
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    out.append(text[pos:])
    return "".join(out)


_MDV2_NAMES = {"*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough", "||": "Spoiler"}


def _render_markdown_v2(text: str) -> str:
    out: list[str] = []
    open_at: dict[str, int] = {}
    link_depth = 0
    i, n = 0, len(text)

    def reserved(char: str, index: int) -> ApiError:
        return _parse_error(
            f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        )

    def toggle(marker: str, index: int) -> None:
        if marker in open_at:
            del open_at[marker]
        else:
            open_at[marker] = index

    while i < n:
        char = text[i]
        if char == "\\":
            if i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            raise reserved("\\", i)
        if char == "`":
            fence = "```" if text.startswith("```", i) else "`"
            j = i + len(fence)
            while j < n and not text.startswith(fence, j):
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                kind = "Pre" if fence == "```" else "Code"
                raise _parse_error(
                    f"Can't find end of {kind} entity at byte offset {_byte_offset(text, i)}"
                )
            body = text[i + len(fence) : j]
            if fence == "```" and "\n" in body:
                body = body.split("\n", 1)[1]
            out.append(re.sub(r"\\([`\\])", r"\1", body))
            i = j + len(fence)
            continue
        if char in "*~":
            toggle(char, i)
            i += 1
            continue
        if char == "_":
            marker = "__" if text.startswith("__", i) else "_"
            toggle(marker, i)
            i += len(marker)
            continue
        if char == "|":
            if text.startswith("||", i):
                toggle("||", i)
                i += 2
                continue
            raise reserved(char, i)
        if char == "[":
            link_depth += 1
            i += 1
            continue
        if char == "!" and text.startswith("![", i):
            i += 1
            continue
        if char == "]" and link_depth:
            link_depth -= 1
            if not text.startswith("(", i + 1):
                raise reserved("]", i)
            j = i + 2
            while j < n and text[j] != ")":
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                raise _parse_error(
                    f"Can't find end of a URL at byte offset {_byte_offset(text, i + 1)}"
                )
            i = j + 1
            continue
        if char == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1
            continue
        if char in "[]()>#+-={}.!":
            raise reserved(char, i)
        out.append(char)
        i += 1
    if link_depth:
        raise _parse_error("Can't find end of a TextUrl entity")
    if open_at:
        marker, index = min(open_at.items(), key=lambda item: item[1])
        raise _parse_error(
            f"Can't find end of {_MDV2_NAMES[marker]} entity at byte offset "
            f"{_byte_offset(text, index)}"
        )
    return "".join(out)


def _render_markdown(text: str) -> str:
    """Legacy Markdown: ``*bold*``, ``_italic_``, ``` `code` ```, ``[text](url)``."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and text[i + 1] in "*_`[":
            out.append(text[i + 1])
            i += 2
            continue
        if char in "*_`":
            fence = "```" if text.startswith("```", i) else char
            end = text.find(fence, i + len(fence))
            if end < 0:
                raise _parse_error(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            out.append(text[i + len(fence) : end])
            i = end + len(fence)
            continue
        if char == "[":
            match = re.compile(r"\[([^\]]*)\]\(([^)]*)\)").match(text, i)
            if not match:
                raise _parse_error(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            out.append(match.group(1))
            i = match.end()
            continue
        out.append(char)
        i += 1
    return "".join(out)


def render_formatted(text: str, parse_mode: str | None) -> str:
    """The plain text Telegram would show for ``text`` under ``parse_mode``.

    Raises :class:`ApiError` (400 can't parse entities) where Telegram would reject it.
    """
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _render_html(text)
    if mode == "markdownv2":
        return _render_markdown_v2(text)
    if mode == "markdown":
        return _render_markdown(text)
    if mode:
        raise _bad_request(f"unsupported parse_mode: {parse_mode}")
    return text


# --------------------------------------------------------------------------------------------
# Entities for pushed messages

_COMMAND_RE = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION_RE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{4,32}(?![\w@])")
_URL_RE = re.compile(r"https?://[^\s<>\"]+")


def detect_entities(text: str) -> list[JSONDict]:
    """``bot_command``, ``mention`` and ``url`` entities with UTF-16 offsets, like Telegram."""
    spans: list[tuple[int, int, str]] = []
    for regex, kind in ((_COMMAND_RE, "bot_command"), (_URL_RE, "url"), (_MENTION_RE, "mention")):
        for match in regex.finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e, _ in spans):
                continue
            spans.append((start, end, kind))
    spans.sort()
    return [
        {
            "type": kind,
            "offset": _utf16_len(text[:start]),
            "length": _utf16_len(text[start:end]),
        }
        for start, end, kind in spans
    ]


def _png_size(content: bytes) -> tuple[int, int] | None:
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    return None


# --------------------------------------------------------------------------------------------
# The server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeBotAPI

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up (e.g. a cancelled long poll) are normal; stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, content_type, payload = self.server.fake._handle_http(
            self.command, self.path, self.headers.get("Content-Type", ""), body
        )
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass  # the client went away (cancelled request)


class _KeepAliveHandler(_Handler):
    """HTTP/1.1 with persistent connections, as Telegram serves the Bot API.

    No Nagle delay: the status line and headers go out in one write and the body in
    another, and Nagle would hold the body back until the client's delayed ACK.
    """

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True


class FakeBotAPI:
    """A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests.

    Use as a context manager (``with FakeBotAPI() as fake:``) or ``start()``/``stop()``.
    All public methods are thread-safe; ``wait_for`` is a coroutine that never blocks the loop.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "linli_test_bot",
        bot_first_name: str = "Linli Test Bot",
        validate_formatting: bool = True,
        host: str = "127.0.0.1",
        keep_alive: bool = False,
        backlog: int = 5,
    ) -> None:
        self.token = token
        self.tokens: set[str] = {token}
        self.validate_formatting = validate_formatting
        self.host = host
        # Off for tests: a connection per request keeps cancelled long polls simple.
        self.keep_alive = keep_alive
        self.backlog = backlog
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 4242
        self.bot_user: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self._cond = threading.Condition(threading.RLock())
        self._calls: list[Call] = []
        self._updates: list[JSONDict] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int | str, int] = {}
        self._messages: dict[tuple[int | str, int], JSONDict] = {}
        self._chats: dict[int | str, JSONDict] = {}
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._open_callbacks: set[str] = set()
        self._inline_ids = itertools.count(1)
        self._open_inline: set[str] = set()
        self._faults: dict[str, deque[_Fault]] = {}
        self._random: dict[str, _RandomFaults] = {}
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._stopping = False
        self.webhook_url = ""
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._methods: dict[str, tuple[str, Callable[[JSONDict, dict], Any]]] = {}
        for attr in dir(self):
            if attr.startswith("_api_"):
                name = attr[len("_api_") :]
                self._methods[name.lower()] = (name, getattr(self, attr))

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> FakeBotAPI:
        """Bind 127.0.0.1:0 and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._stopping = False
        server = _Server(
            (self.host, 0),
            _KeepAliveHandler if self.keep_alive else _Handler,
            bind_and_activate=False,
        )
        server.request_queue_size = self.backlog  # what server_activate passes to listen()
        try:
            server.server_bind()
            server.server_activate()
        except BaseException:
            server.server_close()
            raise
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="FakeBotAPI",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; wakes pending long polls so this returns promptly."""
        if self._server is None:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeBotAPI is not running")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)`` (PTB appends the token)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)`` (PTB appends the token)."""
        return f"{self.url}/file/bot"

    def add_token(self, token: str) -> None:
        """Accept another token (same bot identity)."""
        with self._cond:
            self.tokens.add(token)

    # ---------------------------------------------------------------- inspection

    def calls(self, method: str | None = None, *, since: int = 0) -> list[Call]:
        """Recorded calls (optionally only ``method``, case-insensitive), oldest first.

        ``since`` is a value from :meth:`mark`: only calls recorded after it are returned.
        """
        with self._cond:
            recorded = self._calls[since:]
        if method is None:
            return list(recorded)
        wanted = method.lower()
        return [call for call in recorded if call.method.lower() == wanted]

    def mark(self) -> int:
        """A position in the call log, for ``calls(since=...)``/``wait_for(since=...)``."""
        with self._cond:
            return len(self._calls)

    def clear_calls(self) -> None:
        with self._cond:
            self._calls.clear()

    def sent_texts(self, chat_id: int | str | None = None, *, rendered: bool = False) -> list[str]:
        """Texts of successful ``sendMessage`` calls, oldest first.

        By default the ``text`` parameter as the bot sent it (markup included); with
        ``rendered=True`` the plain text Telegram would display.
        """
        return [
            (msg.get("text", "") if rendered else call.params.get("text", ""))
            for call, msg in self._sent("sendMessage", chat_id)
        ]

    def sent_messages(self, chat_id: int | str | None = None) -> list[JSONDict]:
        """Message objects returned by successful send* calls, oldest first."""
        return [msg for _, msg in self._sent(None, chat_id)]

    def last_sent(self, chat_id: int | str | None = None) -> JSONDict | None:
        """The latest message the bot sent (current state, edits applied), or ``None``."""
        sent = self.sent_messages(chat_id)
        if not sent:
            return None
        return self.message(sent[-1]["chat"]["id"], sent[-1]["message_id"]) or sent[-1]

    def message(self, chat_id: int | str, message_id: int) -> JSONDict | None:
        """Current state of a stored message (edits applied), or ``None`` if deleted/unknown."""
        with self._cond:
            msg = self._messages.get((_norm_chat_id(chat_id), int(message_id)))
            return copy.deepcopy(msg) if msg is not None else None

    def commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """Commands last set with ``setMyCommands`` for ``scope``/``language_code``."""
        key = (json.dumps(scope or {"type": "default"}, sort_keys=True), language_code)
        with self._cond:
            return copy.deepcopy(self._commands.get(key, []))

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by a getUpdates ``offset``."""
        with self._cond:
            return copy.deepcopy(self._updates)

    def _sent(self, method: str | None, chat_id: int | str | None) -> list[tuple[Call, JSONDict]]:
        wanted = None if chat_id is None else _norm_chat_id(chat_id)
        out = []
        for call in self.calls(method):
            result = call.result
            if not call.ok or not call.method.startswith("send") or not isinstance(result, dict):
                continue
            if "message_id" not in result:
                continue
            if wanted is None or result["chat"]["id"] == wanted:
                out.append((call, result))
        return out

    # ---------------------------------------------------------------- waiting

    def _matching(
        self, method: str | None, predicate: Callable[[Call], bool] | None, since: int
    ) -> list[Call]:
        return [c for c in self.calls(method, since=since) if predicate is None or predicate(c)]

    async def wait_for(
        self,
        method: str | None,
        predicate: Callable[[Call], bool] | None = None,
        count: int = 1,
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> list[Call]:
        """Wait (without blocking the loop) until ``count`` matching calls were recorded.

        Counts calls since ``since`` (see :meth:`mark`; default: since the server started)
        and returns all matching ones. Raises :class:`TimeoutError` listing what was seen.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = self._matching(method, predicate, since)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise TimeoutError(self._timeout_message(method, count, found, since))
            await asyncio.sleep(0.01)

    def wait_for_sync(
        self,
        method: str | None,
        predicate: Callable[[Call], bool] | None = None,
        count: int = 1,
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> list[Call]:
        """Blocking twin of :meth:`wait_for` for synchronous code."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self._matching(method, predicate, since)
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self._timeout_message(method, count, found, since))
                self._cond.wait(remaining)

    def _timeout_message(
        self, method: str | None, count: int, found: list[Call], since: int
    ) -> str:
        seen = [
            f"{c.method}({c.status})" for c in self.calls(since=since) if c.method != "getUpdates"
        ]
        return (
            f"waited for {count} x {method or 'any call'}, matched {len(found)}; "
            f"calls seen (getUpdates omitted): {seen}"
        )

    # ---------------------------------------------------------------- fault injection

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 400,
        description: str = "Bad Request: can't parse entities: Unsupported start tag",
        times: int = 1,
        parameters: JSONDict | None = None,
        when: Callable[[JSONDict], bool] | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (optionally only those whose params
        satisfy ``when``) with an error instead of handling them."""
        self._add_fault(method, _Fault(ApiError(error_code, description, parameters), times, when))

    def retry_after_next(
        self,
        method: str,
        seconds: int = 1,
        *,
        times: int = 1,
        when: Callable[[JSONDict], bool] | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with 429 and ``retry_after``."""
        self._add_fault(method, _Fault(_throttled(seconds), times, when))

    def slow_next(
        self,
        method: str,
        seconds: float,
        *,
        times: int = 1,
        when: Callable[[JSONDict], bool] | None = None,
        error_code: int | None = None,
        description: str = "Bad Gateway",
    ) -> None:
        """Answer the next ``times`` calls of ``method`` only after ``seconds``.

        The call is handled (and recorded) after the wait, as an overloaded server would;
        with ``error_code`` it fails after the wait instead (a gateway timing out).
        """
        error = ApiError(error_code, description) if error_code is not None else None
        self._add_fault(method, _Fault(error, times, when, delay=seconds))

    def random_faults(
        self,
        method: str,
        *,
        seed: int = 0,
        retry_after: float = 0.0,
        retry_seconds: int = 1,
        server_error: float = 0.0,
        slow: float = 0.0,
        slow_seconds: float = 1.0,
        when: Callable[[JSONDict], bool] | None = None,
    ) -> None:
        """From now on, fail each call of ``method`` at random, for soak runs.

        Each call (that satisfies ``when``) meets a 429 with ``retry_seconds`` with
        probability ``retry_after``, a 502 with probability ``server_error``, or a
        response delayed ``slow_seconds`` with probability ``slow``; reproducible by
        ``seed``. Faults queued with the ``*_next`` methods before this come first.
        """
        self._add_random(
            method,
            _RandomFaults(
                random.Random(seed),
                (
                    (retry_after, _Fault(_throttled(retry_seconds), 1)),
                    (server_error, _Fault(ApiError(502, "Bad Gateway"), 1)),
                    (slow, _Fault(None, 1, delay=slow_seconds)),
                ),
                when,
            ),
        )

    def _add_random(self, method: str, faults: _RandomFaults) -> None:
        with self._cond:
            self._random[method.lower()] = faults

    def faults_met(self, method: str) -> dict[str, int]:
        """How many random faults ``method``'s calls met so far, by kind ("429", "502", "slow")."""
        with self._cond:
            chance = self._random.get(method.lower())
            return dict(chance.drawn) if chance is not None else {}

    def clear_faults(self, method: str | None = None) -> None:
        """Forget the faults queued for ``method``, random ones too (every method's if None)."""
        with self._cond:
            if method is None:
                self._faults.clear()
                self._random.clear()
            else:
                self._faults.pop(method.lower(), None)
                self._random.pop(method.lower(), None)

    def _add_fault(self, method: str, fault: _Fault) -> None:
        with self._cond:
            self._faults.setdefault(method.lower(), deque()).append(fault)

    def _take_fault(self, method: str, params: JSONDict) -> _Fault | None:
        for fault in list(self._faults.get(method.lower()) or ()):
            if fault.when is None or fault.when(params):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults[method.lower()].remove(fault)
                return fault
        chance = self._random.get(method.lower())
        return chance.draw(params) if chance is not None else None

    # ---------------------------------------------------------------- update injection

    def push_update(self, update: JSONDict) -> JSONDict:
        """Queue a raw update (``update_id`` assigned) for getUpdates; returns it."""
        with self._cond:
            update = {"update_id": next(self._update_ids), **copy.deepcopy(update)}
            self._updates.append(update)
            self._cond.notify_all()
            return copy.deepcopy(update)

    def _user(
        self, user_id: int, first_name: str, language_code: str | None, username: str | None
    ) -> JSONDict:
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        return user

    def _chat(
        self,
        chat_id: int | str | None,
        chat_type: str,
        user: JSONDict,
        chat_title: str | None,
    ) -> JSONDict:
        if chat_type == "private":
            chat: JSONDict = {
                "id": user["id"] if chat_id is None else _norm_chat_id(chat_id),
                "type": "private",
                "first_name": user["first_name"],
            }
            if "username" in user:
                chat["username"] = user["username"]
        elif chat_type in DEFAULT_CHAT_IDS:
            chat = {
                "id": DEFAULT_CHAT_IDS[chat_type] if chat_id is None else _norm_chat_id(chat_id),
                "type": chat_type,
                "title": chat_title or "邻里测试群",
            }
        else:
            raise ValueError(f"unknown chat_type {chat_type!r}")
        self._chats[chat["id"]] = chat
        return chat

    def _next_message_id(self, chat_id: int | str) -> int:
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def _incoming(
        self,
        content: JSONDict,
        *,
        sender: Sender,
        reply_to_message: JSONDict | None,
        extra: JSONDict | None,
        deleted: bool = False,
    ) -> JSONDict:
        with self._cond:
            user = self._user(
                sender.user_id, sender.first_name, sender.language_code, sender.username
            )
            chat = self._chat(sender.chat_id, sender.chat_type, user, sender.chat_title)
            message: JSONDict = {
                "message_id": self._next_message_id(chat["id"]),
                "from": user,
                "chat": chat,
                "date": int(time.time()),
                **content,
            }
            if reply_to_message is not None:
                message["reply_to_message"] = copy.deepcopy(reply_to_message)
            if extra:
                message.update(copy.deepcopy(extra))
            if not deleted:
                self._messages[(chat["id"], message["message_id"])] = message
            self.push_update({"message": message})
            return copy.deepcopy(message)

    def push_message(
        self,
        text: str,
        *,
        entities: list[JSONDict] | None = None,
        reply_to_message: JSONDict | None = None,
        extra: JSONDict | None = None,
        deleted: bool = False,
        **sender: Any,
    ) -> JSONDict:
        """Queue a text message from a user; returns the Message dict.

        ``entities=None`` detects ``bot_command``/``mention``/``url`` entities like Telegram;
        pass ``[]`` for none. ``chat_id`` defaults to ``user_id`` in private chats and to
        :data:`DEFAULT_CHAT_IDS` otherwise. ``extra`` is merged into the Message object.
        ``deleted``: the user deletes the message before the bot can reply to it.
        """
        content: JSONDict = {"text": text}
        found = detect_entities(text) if entities is None else entities
        if found:
            content["entities"] = copy.deepcopy(found)
        return self._incoming(
            content,
            sender=Sender(**sender),
            reply_to_message=reply_to_message,
            extra=extra,
            deleted=deleted,
        )

    def push_edited_message(
        self, message: JSONDict, text: str, *, entities: list[JSONDict] | None = None
    ) -> JSONDict:
        """Queue an ``edited_message``: ``message`` (one pushed before) now reads ``text``."""
        with self._cond:
            key = (message["chat"]["id"], message["message_id"])
            edited = copy.deepcopy(self._messages.get(key, message))
            edited["text"] = text
            edited["edit_date"] = int(time.time())
            found = detect_entities(text) if entities is None else entities
            if found:
                edited["entities"] = copy.deepcopy(found)
            else:
                edited.pop("entities", None)
            self._messages[key] = edited
            self.push_update({"edited_message": edited})
            return copy.deepcopy(edited)

    def push_inline_query(
        self,
        query: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        first_name: str = DEFAULT_FIRST_NAME,
        language_code: str | None = "zh-hans",
        username: str | None = None,
        chat_type: str = "private",
    ) -> JSONDict:
        """Queue an ``inline_query`` (the user typed ``@bot query`` in some chat)."""
        with self._cond:
            query_id = str(7_000_000 + next(self._inline_ids))
            self._open_inline.add(query_id)
            inline = {
                "id": query_id,
                "from": self._user(user_id, first_name, language_code, username),
                "query": query,
                "offset": "",
                "chat_type": chat_type,
            }
            self.push_update({"inline_query": inline})
            return copy.deepcopy(inline)

    def push_chosen_inline_result(
        self,
        result_id: str,
        query: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        first_name: str = DEFAULT_FIRST_NAME,
        language_code: str | None = "zh-hans",
    ) -> JSONDict:
        """Queue a ``chosen_inline_result`` (sent only with inline feedback on)."""
        chosen = {
            "result_id": result_id,
            "from": self._user(user_id, first_name, language_code, None),
            "query": query,
        }
        return self.push_update({"chosen_inline_result": chosen})

    def _store_file(
        self, content: bytes, folder: str, extension: str, file_size: int | None
    ) -> _StoredFile:
        number = next(self._file_counter)
        stored = _StoredFile(
            file_id=f"FAKE-{folder}-{number:04d}-{'x' * 8}",
            file_unique_id=f"uniq{number:04d}",
            file_path=f"{folder}/file_{number}{extension}",
            content=bytes(content),
            file_size=len(content) if file_size is None else file_size,
        )
        with self._cond:
            self._files[stored.file_id] = stored
            self._files_by_path[stored.file_path] = stored
        return stored

    def file_content(self, file_id: str) -> bytes:
        """Bytes stored for ``file_id`` (uploaded by the bot or pushed by a test)."""
        with self._cond:
            return self._files[file_id].content

    def _caption(self, caption: str | None) -> JSONDict:
        if caption is None:
            return {}
        content: JSONDict = {"caption": caption}
        found = detect_entities(caption)
        if found:
            content["caption_entities"] = found
        return content

    def push_document(
        self,
        content: bytes,
        file_name: str,
        *,
        caption: str | None = None,
        mime_type: str | None = None,
        file_size: int | None = None,
        extra: JSONDict | None = None,
        **sender: Any,
    ) -> JSONDict:
        """Queue a document message; the bytes are served via getFile + file download.

        ``file_size`` overrides the reported size; above 20 MB getFile answers
        400 "Bad Request: file is too big", like Telegram.
        """
        extension = "." + file_name.rsplit(".", 1)[1] if "." in file_name else ""
        stored = self._store_file(content, "documents", extension, file_size)
        document: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "file_size": stored.file_size,
        }
        if mime_type:
            document["mime_type"] = mime_type
        return self._incoming(
            {"document": document, **self._caption(caption)},
            sender=Sender(**sender),
            reply_to_message=None,
            extra=extra,
        )

    def push_photo(
        self,
        content: bytes = b"\xff\xd8\xff\xe0fake-jpeg",
        *,
        caption: str | None = None,
        width: int = 1280,
        height: int = 960,
        extra: JSONDict | None = None,
        **sender: Any,
    ) -> JSONDict:
        """Queue a photo message (a thumbnail size plus the full size, both downloadable)."""
        thumb = self._store_file(content, "photos", ".jpg", None)
        full = self._store_file(content, "photos", ".jpg", None)
        sizes = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": stored.file_size,
                "width": w,
                "height": h,
            }
            for stored, (w, h) in (
                (thumb, (max(1, width // 16), max(1, height // 16))),
                (full, (width, height)),
            )
        ]
        return self._incoming(
            {"photo": sizes, **self._caption(caption)},
            sender=Sender(**sender),
            reply_to_message=None,
            extra=extra,
        )

    def push_sticker(
        self,
        emoji: str = "👍",
        *,
        set_name: str | None = None,
        extra: JSONDict | None = None,
        **sender: Any,
    ) -> JSONDict:
        """Queue a (static, regular) sticker message."""
        stored = self._store_file(b"RIFF\x00\x00\x00\x00WEBP", "stickers", ".webp", None)
        sticker: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": stored.file_size,
        }
        if set_name:
            sticker["set_name"] = set_name
        return self._incoming(
            {"sticker": sticker},
            sender=Sender(**sender),
            reply_to_message=None,
            extra=extra,
        )

    def push_voice(
        self,
        content: bytes = b"OggS\x00fake-voice",
        *,
        duration: int = 3,
        mime_type: str = "audio/ogg",
        extra: JSONDict | None = None,
        **sender: Any,
    ) -> JSONDict:
        """Queue a voice message."""
        stored = self._store_file(content, "voice", ".oga", None)
        voice: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": mime_type,
            "file_size": stored.file_size,
        }
        return self._incoming(
            {"voice": voice},
            sender=Sender(**sender),
            reply_to_message=None,
            extra=extra,
        )

    def push_location(
        self,
        latitude: float = 31.2304,
        longitude: float = 121.4737,
        *,
        extra: JSONDict | None = None,
        **sender: Any,
    ) -> JSONDict:
        """Queue a location message."""
        return self._incoming(
            {"location": {"latitude": latitude, "longitude": longitude}},
            sender=Sender(**sender),
            reply_to_message=None,
            extra=extra,
        )

    def push_callback(
        self,
        data: str,
        *,
        message: JSONDict,
        user_id: int = DEFAULT_USER_ID,
        first_name: str = DEFAULT_FIRST_NAME,
        language_code: str | None = "zh-hans",
        username: str | None = None,
    ) -> JSONDict:
        """Queue a ``callback_query`` pressed on ``message`` (a message the bot sent, e.g.
        ``fake.last_sent()`` or a ``Call.result``); its current stored state is used."""
        with self._cond:
            chat_id = message["chat"]["id"]
            current = self._messages.get((chat_id, message["message_id"]), message)
            query_id = str(9_000_000 + next(self._callback_ids))
            self._open_callbacks.add(query_id)
            query = {
                "id": query_id,
                "from": self._user(user_id, first_name, language_code, username),
                "message": copy.deepcopy(current),
                "chat_instance": f"ci{abs(hash(chat_id)) % 10**12}",
                "data": data,
            }
            self.push_update({"callback_query": query})
            return copy.deepcopy(query)

    # ---------------------------------------------------------------- HTTP plumbing

    def _handle_http(
        self, verb: str, raw_path: str, content_type: str, body: bytes
    ) -> tuple[int, str, bytes]:
        split = urllib.parse.urlsplit(raw_path)
        path = urllib.parse.unquote(split.path)
        if path.startswith("/file/bot"):
            token, _, file_path = path[len("/file/bot") :].partition("/")
            return self._serve_file(token, file_path)
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z0-9_]+)/?", path)
        if not match:
            return self._json(ApiError(404, "Not Found").to_json(), 404)
        token, method = match.groups()
        try:
            raw: dict[str, Any] = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
            files: dict[str, tuple[str, bytes, str]] = {}
            ctype = content_type.split(";", 1)[0].strip().lower()
            if ctype == "application/json" and body:
                loaded = json.loads(body)
                if isinstance(loaded, dict):
                    raw.update(loaded)
            elif ctype == "application/x-www-form-urlencoded":
                raw.update(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            elif ctype == "multipart/form-data":
                fields, files = _parse_multipart(body, content_type)
                raw.update(fields)
            params = _decode_params(raw)
        except (ValueError, UnicodeDecodeError):
            params, files = {}, {}
            error: ApiError | None = _bad_request("invalid request body")
        else:
            error = None
        entry = self._methods.get(method.lower())
        name = entry[0] if entry else method
        status, response = 200, {}
        fault: _Fault | None = None
        try:
            if error is not None:
                raise error
            if token not in self.tokens:
                raise ApiError(401, "Unauthorized")
            if entry is None:
                raise ApiError(404, "Not Found")
            with self._cond:
                fault = self._take_fault(name, params)
            if fault is not None and fault.delay:
                time.sleep(fault.delay)  # outside the lock: other calls go on meanwhile
            if fault is not None and fault.error is not None:
                raise fault.error
            result = entry[1](params, files)
            response = {"ok": True, "result": result}
        except ApiError as exc:
            status, response = exc.error_code, exc.to_json()
        recorded_files = {key: (fname, data) for key, (fname, data, _) in files.items()}
        with self._cond:
            self._calls.append(
                Call(
                    name,
                    params,
                    recorded_files,
                    time.time(),
                    token,
                    status,
                    response,
                    fault.delay if fault is not None else 0.0,
                )
            )
            self._cond.notify_all()
        return self._json(response, status)

    @staticmethod
    def _json(body: JSONDict, status: int = 200) -> tuple[int, str, bytes]:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return status, "application/json", payload

    def _serve_file(self, token: str, file_path: str) -> tuple[int, str, bytes]:
        if token not in self.tokens:
            return self._json(ApiError(401, "Unauthorized").to_json(), 401)
        with self._cond:
            stored = self._files_by_path.get(file_path)
        if stored is None:
            return self._json(ApiError(404, "Not Found").to_json(), 404)
        return 200, "application/octet-stream", stored.content

    # ---------------------------------------------------------------- API helpers

    def _chat_for(self, chat_id: int | str) -> JSONDict:
        chat = self._chats.get(chat_id)
        if chat is not None:
            return chat
        if isinstance(chat_id, str):
            return {"id": chat_id, "type": "channel", "title": chat_id.lstrip("@")}
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "User"}
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": "Group"}

    def _require_chat(self, params: JSONDict) -> int | str:
        if params.get("chat_id") in (None, ""):
            raise _bad_request("chat_id is empty")
        return _norm_chat_id(params["chat_id"])

    def _render(self, text: str, parse_mode: Any) -> str:
        if not self.validate_formatting:
            return text
        return render_formatted(text, parse_mode if isinstance(parse_mode, str) else None)

    @staticmethod
    def _check_markup(markup: Any) -> JSONDict | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return markup
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise _bad_request("text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                    raise _bad_request("BUTTON_DATA_INVALID")
                actions = set(button) - {"text", "style", "icon_custom_emoji_id"}
                if not actions:
                    raise _bad_request("text buttons are unallowed in the inline keyboard")
        return markup

    def _reply_target(self, chat_id: int | str, params: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters")
        message_id = params.get("reply_to_message_id")
        allow_missing = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
            chat_id = _norm_chat_id(reply.get("chat_id", chat_id))
        if message_id is None:
            return None
        target = self._messages.get((chat_id, int(message_id)))
        if target is None and not allow_missing:
            raise _bad_request("message to be replied not found")
        return copy.deepcopy(target) if target else None

    def _bot_message(self, chat_id: int | str, params: JSONDict, content: JSONDict) -> JSONDict:
        markup = self._check_markup(params.get("reply_markup"))
        with self._cond:
            reply_to = self._reply_target(chat_id, params)
            message: JSONDict = {
                "message_id": self._next_message_id(chat_id),
                "from": dict(self.bot_user),
                "chat": dict(self._chat_for(chat_id)),
                "date": int(time.time()),
                **content,
            }
            if reply_to is not None:
                message["reply_to_message"] = reply_to
            if markup and "inline_keyboard" in markup:
                message["reply_markup"] = markup
            self._messages[(chat_id, message["message_id"])] = message
            return copy.deepcopy(message)

    def _caption_content(self, params: JSONDict) -> JSONDict:
        caption = params.get("caption")
        if caption in (None, ""):
            return {}
        rendered = self._render(str(caption), params.get("parse_mode"))
        if _utf16_len(rendered) > MAX_CAPTION_LENGTH:
            raise _bad_request("message caption is too long")
        content: JSONDict = {"caption": rendered}
        if params.get("caption_entities"):
            content["caption_entities"] = params["caption_entities"]
        return content

    def _uploaded_or_existing(
        self,
        params: JSONDict,
        files: dict[str, tuple[str, bytes, str]],
        field_name: str,
        folder: str,
    ) -> tuple[_StoredFile, str, str | None]:
        """Stored file, file name, mime type for an upload or an existing file_id."""
        if field_name in files:
            filename, content, mime = files[field_name]
            extension = "." + filename.rsplit(".", 1)[1] if "." in filename else ""
            return self._store_file(content, folder, extension, None), filename, mime
        value = params.get(field_name)
        if isinstance(value, str) and value.startswith("attach://"):
            attached = files.get(value[len("attach://") :])
            if attached is None:
                raise _bad_request(f"{field_name} attachment not found")
            return self._store_file(attached[1], folder, "", None), attached[0], attached[2]
        if not value:
            raise _bad_request(f"there is no {field_name} in the request")
        with self._cond:
            stored = self._files.get(str(value))
        if stored is None:
            if str(value).startswith(("http://", "https://")):
                return self._store_file(b"", folder, "", None), str(value).rsplit("/", 1)[-1], None
            raise _bad_request("wrong file identifier/HTTP URL specified")
        return stored, stored.file_path.rsplit("/", 1)[-1], None

    def _editable(self, params: JSONDict) -> tuple[int | str, JSONDict] | None:
        """The stored message an edit targets; ``None`` for inline messages."""
        if params.get("inline_message_id"):
            return None
        chat_id = self._require_chat(params)
        if params.get("message_id") in (None, ""):
            raise _bad_request("message identifier is not specified")
        message = self._messages.get((chat_id, int(params["message_id"])))
        if message is None:
            raise _bad_request("message to edit not found")
        return chat_id, message

    # ---------------------------------------------------------------- API methods
    # Each ``_api_<methodName>(params, files)`` returns the ``result`` or raises ApiError.

    def _api_getMe(self, params: JSONDict, files: dict) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_logOut(self, params: JSONDict, files: dict) -> bool:
        return True

    def _api_close(self, params: JSONDict, files: dict) -> bool:
        return True

    def _api_getUpdates(self, params: JSONDict, files: dict) -> list[JSONDict]:
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = min(max(float(params.get("timeout") or 0), 0.0), 50.0)
        deadline = time.monotonic() + timeout
        with self._cond:
            if self.webhook_url:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            if isinstance(params.get("allowed_updates"), list):
                self._allowed_updates = list(params["allowed_updates"])
            self._poll_generation += 1
            generation = self._poll_generation
            self._cond.notify_all()
            if offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            elif offset < 0:
                self._updates = self._updates[offset:]
            while True:
                if generation != self._poll_generation:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that only "
                        "one bot instance is running",
                    )
                allowed = set(self._allowed_updates)
                ready = [
                    u for u in self._updates if not allowed or allowed & (set(u) - {"update_id"})
                ][:limit]
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0 or self._stopping:
                    return copy.deepcopy(ready)
                self._cond.wait(remaining)

    def _api_setWebhook(self, params: JSONDict, files: dict) -> bool:
        url = params.get("url") or ""
        with self._cond:
            self.webhook_url = str(url)
            if params.get("drop_pending_updates"):
                self._updates.clear()
        return True

    def _api_deleteWebhook(self, params: JSONDict, files: dict) -> bool:
        with self._cond:
            self.webhook_url = ""
            if params.get("drop_pending_updates"):
                self._updates.clear()
        return True

    def _api_getWebhookInfo(self, params: JSONDict, files: dict) -> JSONDict:
        with self._cond:
            return {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }

    @staticmethod
    def _commands_key(params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _api_setMyCommands(self, params: JSONDict, files: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise _bad_request("command description must be non-empty")
        with self._cond:
            self._commands[self._commands_key(params)] = commands
        return True

    def _api_getMyCommands(self, params: JSONDict, files: dict) -> list[JSONDict]:
        with self._cond:
            return self._commands.get(self._commands_key(params), [])

    def _api_deleteMyCommands(self, params: JSONDict, files: dict) -> bool:
        with self._cond:
            self._commands.pop(self._commands_key(params), None)
        return True

    def _api_sendMessage(self, params: JSONDict, files: dict) -> JSONDict:
        chat_id = self._require_chat(params)
        text = params.get("text")
        if text is None or str(text).strip() == "":
            raise _bad_request("message text is empty")
        rendered = self._render(str(text), params.get("parse_mode"))
        if not rendered.strip():
            raise _bad_request("message text is empty")
        if _utf16_len(rendered) > MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        content: JSONDict = {"text": rendered}
        if params.get("entities"):
            content["entities"] = params["entities"]
        return self._bot_message(chat_id, params, content)

    def _api_sendChatAction(self, params: JSONDict, files: dict) -> bool:
        self._require_chat(params)
        if not params.get("action"):
            raise _bad_request("wrong parameter action in request")
        return True

    def _api_sendDocument(self, params: JSONDict, files: dict) -> JSONDict:
        chat_id = self._require_chat(params)
        caption = self._caption_content(params)
        stored, filename, mime = self._uploaded_or_existing(params, files, "document", "documents")
        document: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": filename,
            "file_size": stored.file_size,
        }
        if mime:
            document["mime_type"] = mime
        return self._bot_message(chat_id, params, {"document": document, **caption})

    def _api_sendPhoto(self, params: JSONDict, files: dict) -> JSONDict:
        chat_id = self._require_chat(params)
        caption = self._caption_content(params)
        stored, _, _ = self._uploaded_or_existing(params, files, "photo", "photos")
        width, height = _png_size(stored.content) or (800, 600)
        photo = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": stored.file_size,
                "width": width,
                "height": height,
            }
        ]
        return self._bot_message(chat_id, params, {"photo": photo, **caption})

    def _api_getFile(self, params: JSONDict, files: dict) -> JSONDict:
        file_id = params.get("file_id")
        with self._cond:
            stored = self._files.get(str(file_id)) if file_id else None
        if stored is None:
            raise _bad_request("invalid file_id")
        if stored.file_size > MAX_DOWNLOAD_SIZE:
            raise _bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }

    def _api_editMessageText(self, params: JSONDict, files: dict) -> JSONDict | bool:
        text = params.get("text")
        if text is None or str(text).strip() == "":
            raise _bad_request("message text is empty")
        rendered = self._render(str(text), params.get("parse_mode"))
        if _utf16_len(rendered) > MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        markup = self._check_markup(params.get("reply_markup"))
        with self._cond:
            target = self._editable(params)
            if target is None:
                return True
            _, message = target
            if "text" not in message:
                raise _bad_request("there is no text in the message to edit")
            if message["text"] == rendered and message.get("reply_markup") == markup:
                raise _bad_request(
                    "message is not modified: specified new message content and reply markup "
                    "are exactly the same as a current content and reply markup of the message"
                )
            message["text"] = rendered
            message["edit_date"] = int(time.time())
            if params.get("entities"):
                message["entities"] = params["entities"]
            else:
                message.pop("entities", None)
            if markup and "inline_keyboard" in markup:
                message["reply_markup"] = markup
            else:
                message.pop("reply_markup", None)
            return copy.deepcopy(message)

    def _api_editMessageReplyMarkup(self, params: JSONDict, files: dict) -> JSONDict | bool:
        markup = self._check_markup(params.get("reply_markup"))
        with self._cond:
            target = self._editable(params)
            if target is None:
                return True
            _, message = target
            if message.get("reply_markup") == markup:
                raise _bad_request(
                    "message is not modified: specified new message content and reply markup "
                    "are exactly the same as a current content and reply markup of the message"
                )
            if markup and "inline_keyboard" in markup:
                message["reply_markup"] = markup
            else:
                message.pop("reply_markup", None)
            message["edit_date"] = int(time.time())
            return copy.deepcopy(message)

    def _api_deleteMessage(self, params: JSONDict, files: dict) -> bool:
        chat_id = self._require_chat(params)
        with self._cond:
            key = (chat_id, int(params.get("message_id") or 0))
            if self._messages.pop(key, None) is None:
                raise _bad_request("message to delete not found")
        return True

    def _api_answerInlineQuery(self, params: JSONDict, files: dict) -> bool:
        query_id = str(params.get("inline_query_id") or "")
        results = params.get("results")
        if isinstance(results, str):
            results = json.loads(results)
        if not isinstance(results, list):
            raise _bad_request("can't parse inline query results JSON object")
        if len(results) > 50:
            raise _bad_request("RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if any(not 1 <= len(i.encode("utf-8")) <= 64 for i in ids):
            raise _bad_request("RESULT_ID_INVALID")
        if len(set(ids)) != len(ids):
            raise _bad_request("RESULT_ID_DUPLICATE")
        for result in results:
            if result.get("type") == "article" and not result.get("title"):
                raise _bad_request("RESULT_TITLE_EMPTY")
            content = result.get("input_message_content") or {}
            text = content.get("message_text")
            if result.get("type") == "article" and not text:
                raise _bad_request("MESSAGE_EMPTY")
            if text is not None:
                rendered = self._render(str(text), content.get("parse_mode"))
                if _utf16_len(rendered) > MAX_TEXT_LENGTH:
                    raise _bad_request("MESSAGE_TOO_LONG")
            self._check_markup(result.get("reply_markup"))
        button = params.get("button")
        if isinstance(button, str):
            button = json.loads(button)
        if button is not None:
            start = str(button.get("start_parameter") or "")
            if not button.get("text") or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", start):
                raise _bad_request("START_PARAM_INVALID")
        with self._cond:
            if query_id not in self._open_inline:
                raise _bad_request(
                    "query is too old and response timeout expired or query ID is invalid"
                )
            self._open_inline.discard(query_id)
        return True

    def _api_answerCallbackQuery(self, params: JSONDict, files: dict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if len(str(params.get("text") or "")) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        with self._cond:
            if query_id not in self._open_callbacks:
                raise _bad_request(
                    "query is too old and response timeout expired or query ID is invalid"
                )
            self._open_callbacks.discard(query_id)
        return True


# --------------------------------------------------------------------------------------------
# PTB glue


def application_builder(fake: FakeBotAPI, token: str | None = None) -> ApplicationBuilder:
    """An ``ApplicationBuilder`` pointed at ``fake`` with test-friendly short timeouts.

    Add handlers after ``.build()``; start polling with :func:`running_app` or by hand
    (``await app.updater.start_polling(poll_interval=0, timeout=1)``).
    """
    return (
        ApplicationBuilder()
        .token(token or fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .get_updates_read_timeout(2)
        .get_updates_connect_timeout(2)
        .get_updates_pool_timeout(2)
        .read_timeout(5)
        .connect_timeout(2)
        .pool_timeout(2)
    )


@contextlib.asynccontextmanager
async def running_app(
    app: Application,  # type: ignore[type-arg]
    *,
    poll_timeout: float = 1,
    drop_pending_updates: bool = False,
    **polling_kwargs: Any,
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """``initialize`` + ``start`` + ``updater.start_polling``; stops and shuts down on exit.

    ``drop_pending_updates`` defaults to False so updates pushed before polling starts are kept.
    """
    async with app:
        await app.start()
        try:
            await app.updater.start_polling(
                poll_interval=0,
                timeout=dt.timedelta(seconds=poll_timeout),
                drop_pending_updates=drop_pending_updates,
                **polling_kwargs,
            )
            try:
                yield app
            finally:
                if app.updater.running:
                    await app.updater.stop()
        finally:
            if app.running:
                await app.stop()

"""What inline buttons send back: the callback data grammar, in one place.

Telegram returns a button's ``callback_data`` (at most 64 bytes) verbatim when it is
pressed, and anyone can send any data, so every press is parsed here; data that does
not fit the grammar parses to None and the handler says the button has expired.

==================  ===========================================
``x:<lang>:<n>``    example question ``n`` from /start
``p:<key>:<page>``  another page of the answer under ``key``
``a:<key>:<n>``     the whole article of quote ``n``
``f:<key>:<±1>``    👍 / 👎 on the answer
``r:<key>:<part>``  the rest of a long article, from message ``part``
``s:<ok|no>:<key>`` confirm or cancel a staff preview
==================  ===========================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# Handler patterns: which handler a press goes to (the grammar is checked by parse_*,
# whole: ``$`` alone would let a trailing newline through, "x:zh:1\n" pressed as x:zh:1).
RESIDENT_PATTERN = r"^[xpafr]:"
STAFF_PATTERN = r"^s:"

_KEY = r"[A-Za-z0-9_-]{1,24}"
_RESIDENT = re.compile(rf"^(?P<kind>[pafr]):(?P<key>{_KEY}):(?P<arg>-?\d{{1,4}})$")
_EXAMPLE = re.compile(r"^x:(?P<lang>zh|en):(?P<arg>\d{1,2})$")
_STAFF = re.compile(rf"^s:(?P<action>ok|no):(?P<key>{_KEY})$")

Kind = Literal["x", "p", "a", "f", "r"]


@dataclass(frozen=True)
class Press:
    """A resident's button press: its kind, the answer's key (or a language) and a number."""

    kind: Kind
    key: str
    number: int


def example(lang: str, index: int) -> str:
    return f"x:{lang}:{index}"


def page(key: str, number: int) -> str:
    return f"p:{key}:{number}"


def article(key: str, quote: int) -> str:
    return f"a:{key}:{quote}"


def rest(key: str, part: int) -> str:
    return f"r:{key}:{part}"


def feedback(key: str, value: int) -> str:
    return f"f:{key}:{value}"


def confirm(key: str) -> str:
    return f"s:ok:{key}"


def cancel(key: str) -> str:
    return f"s:no:{key}"


def parse_resident(data: str | None) -> Press | None:
    """A resident's press, or None for data that fits no button of theirs.

    For ``x`` presses the key is the language of the example list.
    """
    text = data or ""
    match = _EXAMPLE.fullmatch(text)
    if match:
        return Press("x", match["lang"], int(match["arg"]))
    match = _RESIDENT.fullmatch(text)
    if match is None:
        return None
    kind: Kind = match["kind"]  # type: ignore[assignment]
    number = int(match["arg"])
    if kind == "f" and number not in (1, -1):
        return None
    if kind != "f" and number < 0:
        return None
    return Press(kind, match["key"], number)


def parse_staff(data: str | None) -> tuple[Literal["ok", "no"], str] | None:
    """A staff preview press: ("ok" or "no", the preview's key), or None."""
    match = _STAFF.fullmatch(data or "")
    if match is None:
        return None
    return match["action"], match["key"]  # type: ignore[return-value]

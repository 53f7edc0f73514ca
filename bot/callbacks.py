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
``w:<key>``         follow (watch) the topic of the answer under ``key``
``u:<follow id>``   stop following one topic (checked against the chat's own follows)
``U:<ask|ok|no>``   ask to confirm, confirm or cancel "stop following everything"
``k:ok``            keep my follows (the once-a-year retention question)
``i:<issue id>``    the article list of an issue (/latest)
``o:<article id>``  open an article (from an issue's list, or a notification's quote)
``g:<user>:<what>`` /settings of Telegram user ``user``: ``m`` the menu, ``S`` the
                    street list, ``s:<issue id>`` that issue's street (0: none),
                    ``L`` the languages, ``l:<zh|en|auto>`` a language, ``n:<on|off>``
                    notifications for followed topics
==================  ===========================================

Deep links (``t.me/<bot>?start=<payload>``) have a grammar of their own:
``a<article id>`` opens an article; ``ask`` (inline mode's "ask privately") greets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# Handler patterns: which handler a press goes to (the grammar is checked by parse_*,
# whole: ``$`` alone would let a trailing newline through, "x:zh:1\n" pressed as x:zh:1).
RESIDENT_PATTERN = r"^[xpafr]:"
STAFF_PATTERN = r"^s:"
FOLLOW_PATTERN = r"^[wuUk]:"
OPEN_PATTERN = r"^[io]:"
SETTINGS_PATTERN = r"^g:"

_KEY = r"[A-Za-z0-9_-]{1,24}"
_RESIDENT = re.compile(rf"^(?P<kind>[pafr]):(?P<key>{_KEY}):(?P<arg>-?\d{{1,4}})$")
_EXAMPLE = re.compile(r"^x:(?P<lang>zh|en):(?P<arg>\d{1,2})$")
_STAFF = re.compile(rf"^s:(?P<action>ok|no):(?P<key>{_KEY})$")
_FOLLOW = re.compile(
    rf"^(?:w:(?P<key>{_KEY})|(?P<kind>u):(?P<id>\d{{1,12}})|U:(?P<all>ask|ok|no)|k:(?P<keep>ok))$"
)
_OPEN = re.compile(r"^(?P<kind>[io]):(?P<id>\d{1,12})$")
_SETTINGS = re.compile(
    r"^g:(?P<user>\d{1,20}):(?P<what>m|S|L|s:(?P<issue>\d{1,12})|l:(?P<lang>zh|en|auto)"
    r"|n:(?P<notify>on|off))$"
)
ASK_PAYLOAD = "ask"
_START_ARTICLE = re.compile(r"^a(?P<id>\d{1,12})$")

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


def follow_answer(key: str) -> str:
    return f"w:{key}"


def unfollow(follow_id: int) -> str:
    return f"u:{follow_id}"


def unfollow_all(action: Literal["ask", "ok", "no"]) -> str:
    return f"U:{action}"


def issue(issue_id: int) -> str:
    return f"i:{issue_id}"


def open_article(article_id: int) -> str:
    return f"o:{article_id}"


def keep_follows() -> str:
    return "k:ok"


@dataclass(frozen=True)
class FollowPress:
    """A press on a follow button: ``w`` (key), ``u`` (number), ``U`` (key: the action),
    ``k``."""

    kind: Literal["w", "u", "U", "k"]
    key: str = ""
    number: int = 0


def parse_follow(data: str | None) -> FollowPress | None:
    match = _FOLLOW.fullmatch(data or "")
    if match is None:
        return None
    if match["key"]:
        return FollowPress("w", key=match["key"])
    if match["kind"]:
        return FollowPress(match["kind"], number=int(match["id"]))  # type: ignore[arg-type]
    if match["all"]:
        return FollowPress("U", key=match["all"])
    return FollowPress("k")


def parse_open(data: str | None) -> tuple[Literal["i", "o"], int] | None:
    """An issue's list ("i", issue id) or an article ("o", article id), or None."""
    match = _OPEN.fullmatch(data or "")
    if match is None:
        return None
    return match["kind"], int(match["id"])  # type: ignore[return-value]


@dataclass(frozen=True)
class SettingsPress:
    """A /settings button: whose menu, and what was chosen.

    ``what`` is "m" (the menu), "S" (the street list), "s" (a street: ``issue_id``, 0 for
    none), "L" (the languages) or "l" (a language: ``lang``, "auto" for the client's).
    """

    user_id: int
    what: str
    issue_id: int = 0
    lang: str = ""
    notify: str = ""  # "on" / "off" when ``what`` is "n"


def settings(user_id: int, what: str) -> str:
    return f"g:{user_id}:{what}"


def parse_settings(data: str | None) -> SettingsPress | None:
    match = _SETTINGS.fullmatch(data or "")
    if match is None:
        return None
    what = match["what"][0]
    return SettingsPress(
        user_id=int(match["user"]),
        what=what,
        issue_id=int(match["issue"] or 0),
        lang=match["lang"] or "",
        notify=match["notify"] or "",
    )


def start_article(article_id: int) -> str:
    """The deep link payload that opens an article: ``t.me/<bot>?start=a123``."""
    return f"a{article_id}"


def parse_start(payload: str | None) -> int | None:
    """The article a deep link's payload opens, or None."""
    match = _START_ARTICLE.fullmatch(payload or "")
    return int(match["id"]) if match else None

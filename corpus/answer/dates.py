"""Dates in the text: what a "when" question is answered with, years resolved from the issue date."""

from __future__ import annotations

import re
from dataclasses import dataclass

_DATE_RE = re.compile(
    r"(?:(?P<year>\d{4})年)?(?P<month>\d{1,2})月(?:(?P<day>\d{1,2})[日号])?"
    r"(?P<part>上午|下午|晚上|中午|早上)?(?:(?P<clock>\d{1,2}[时点](?:\d{1,2}分|半)?))?"
)
_YEAR_RE = re.compile(r"(?P<year>(?:19|20)\d{2})年(?:度|底|初)?")
_DOT_DATE_RE = re.compile(r"“?(?P<month>\d{1,2})·(?P<day>\d{1,2})”?")


def _issue_year_month(issue_date: str) -> tuple[int, int] | None:
    match = re.match(r"(\d{4})-(\d{2})", issue_date or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def resolve_year(month: int, issue_date: str) -> int | None:
    """The year of a month mentioned without one, from the issue's date.

    A paper reports on the recent past: a month later than the issue's month
    (allowing one month of lead time for announcements) belongs to the year before.
    """
    ym = _issue_year_month(issue_date)
    if ym is None:
        return None
    year, issue_month = ym
    return year if month <= issue_month + 1 else year - 1


_PARTS_EN = {
    "上午": "morning",
    "下午": "afternoon",
    "晚上": "evening",
    "中午": "noon",
    "早上": "morning",
}
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class DateMention:
    """A date in the text, with the year filled in from the issue date when the text omits it."""

    year: int | None
    month: int | None
    day: int | None = None
    part: str = ""  # 上午/下午/…
    clock: str = ""  # 9时, 10点半 …
    year_inferred: bool = False

    def zh(self) -> str:
        text = f"{self.year}年" if self.year else ""
        if self.month:
            text += f"{self.month}月"
        if self.day:
            text += f"{self.day}日"
        return text + self.part + self.clock

    def en(self) -> str:
        pieces = []
        if self.day:
            pieces.append(str(self.day))
        if self.month:
            pieces.append(_MONTHS_EN[self.month - 1])
        if self.year:
            pieces.append(str(self.year))
        text = " ".join(pieces)
        if self.part:
            text += f" ({_PARTS_EN.get(self.part, self.part)})"
        return text


def find_dates(text: str, issue_date: str) -> list[DateMention]:
    """Dates mentioned in ``text``, in order, each once, with years resolved."""
    found: list[DateMention] = []
    for match in _DATE_RE.finditer(text):
        month = int(match.group("month"))
        if not 1 <= month <= 12:
            continue
        day = int(match.group("day")) if match.group("day") else None
        if match.group("year"):
            year, inferred = int(match.group("year")), False
        else:
            year, inferred = resolve_year(month, issue_date), True
        found.append(
            DateMention(
                year, month, day, match.group("part") or "", match.group("clock") or "", inferred
            )
        )
    if not found:
        for match in _DOT_DATE_RE.finditer(text):
            month, day = int(match.group("month")), int(match.group("day"))
            if 1 <= month <= 12 and 1 <= day <= 31:
                found.append(
                    DateMention(resolve_year(month, issue_date), month, day, year_inferred=True)
                )
    if not found:
        found = [DateMention(int(m.group("year")), None) for m in _YEAR_RE.finditer(text)]
    unique: dict[str, DateMention] = {}
    for mention in found:
        unique.setdefault(mention.zh(), mention)
    return list(unique.values())

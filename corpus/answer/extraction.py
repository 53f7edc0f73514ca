"""Direct answers: the date, number, person or place a question asks for, read off the quoted text.

Cheap, rule-based and honest: an answer is given only when the snippet holds an
expression of the asked-for kind; otherwise the caller says the text does not give it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Kind = Literal["when", "number", "who", "where"]

_KIND_PATTERNS: list[tuple[Kind, re.Pattern[str]]] = [
    (
        "when",
        re.compile(r"什么时候|什么时间|啥时候|哪天|哪一天|几号|几月|何时|哪一年|哪年|日期|多久前"),
    ),
    (
        "when",
        re.compile(r"\bwhen\b|what (?:date|day|time|year|month)|which (?:day|date|year)", re.I),
    ),
    (
        "number",
        re.compile(
            r"多少|几个|几名|几位|几家|几次|几张|几户|几幢|几栋|几车|几项|几人|几岁|几元|几块|几天"
        ),
    ),
    ("number", re.compile(r"\bhow (?:many|much|long|old)\b|what (?:price|number)", re.I)),
    ("who", re.compile(r"谁|哪位|什么人|哪个人|哪些人")),
    ("who", re.compile(r"\bwho(?:m|se)?\b", re.I)),
    ("where", re.compile(r"哪里|哪儿|在哪|去哪|什么地方|哪个地方|什么地点|哪个小区|地点")),
    ("where", re.compile(r"\bwhere\b|what place|which place", re.I)),
]


def question_kind(question: str) -> Kind | None:
    """The kind of answer a question asks for, if it is one we can answer directly."""
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(question):
            return kind
    return None


_CN_DIGITS = "〇零一二两三四五六七八九十"
# A lone 一 is nearly always an article ("一支队伍", "一个起点"), not a count anyone asks for.
_NUM = (
    rf"(?:\d+(?:\.\d+)?|[二两三四五六七八九十][{_CN_DIGITS}百千万]*"
    rf"|一[十百千万][{_CN_DIGITS}百千万]*)"
)
_DATE_RE = re.compile(
    r"(?:(?P<year>\d{4})年)?(?P<month>\d{1,2})月(?:(?P<day>\d{1,2})[日号])?"
    r"(?P<part>上午|下午|晚上|中午|早上)?(?:(?P<clock>\d{1,2}[时点](?:\d{1,2}分|半)?))?"
)
_YEAR_RE = re.compile(r"(?P<year>(?:19|20)\d{2})年(?:度|底|初)?")
_DOT_DATE_RE = re.compile(r"“?(?P<month>\d{1,2})·(?P<day>\d{1,2})”?")
_NUMBER_RE = re.compile(
    rf"(?:近|约|共|达|超过|将近)?{_NUM}(?:余|多)?"
    r"(?:万|千|百)?(?:名|人次|人|个|位|家|张|份|元|次|车|户|幢|栋|号楼|项|岁|辆|场|所|件|条|块|"
    r"平方米|米|公里|小时|分钟|天|周(?!年)|个月|批|支|组|期)"
)
_PLACE_RE = re.compile(
    r"(?:在|来到|前往|走进|到)(?P<place>[^，。；！？、“”\s]{2,20}?)"
    r"(?:举行|举办|召开|开展|进行|参观|学习|调研|走访|签约|集中|设立|开放|$|，|。)"
)
_TITLE_NAME_RE = re.compile(
    r"(?P<title>(?:书记|主任|部长|所长|区长|会长|副会长|组长|楼组长|科长|传承人|教授|老师|网格长|队长|站长|党员|"
    r"记者|校长|经理|主席|委员|院长|馆长|社长|居民))"
    r"(?P<name>[\u4e00-\u9fff]{2,3}?)(?=[，。、；（(,\s]|为|在|作|代表|向|对|与|和|从|以|主持|强调|表示|介绍|提出|带领|陪同|出席|邀请|牵头|$)"
)


@dataclass(frozen=True)
class DirectAnswer:
    """What a question asked for, as found in the text."""

    kind: Kind
    value: str | None  # None: the question asks for it but the text does not give it
    dates: tuple[DateMention, ...] = ()

    @property
    def year_inferred(self) -> bool:
        return any(d.year_inferred for d in self.dates)

    def english(self) -> str | None:
        """The value in English form where it is a date or a plain number, else as is."""
        if self.dates:
            return ", ".join(d.en() for d in self.dates)
        if self.kind == "number" and self.value:
            return number_en(self.value)
        return self.value


_CN_VALUES = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
}
_CN_VALUES |= {"八": 8, "九": 9}
_CN_POWERS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_PREFIX_EN = {
    "近": "nearly ",
    "将近": "nearly ",
    "约": "about ",
    "超过": "over ",
    "达": "",
    "共": "",
}
# Measure words with a cheap English unit; the rest (个, 张, 家 …) are bare counts.
_UNIT_EN = {
    "人次": "visits",
    "人": "people",
    "名": "people",
    "位": "people",
    "户": "households",
    "元": "yuan",
    "岁": "years old",
    "天": "days",
    "小时": "hours",
    "分钟": "minutes",
    "个月": "months",
    "个小时": "hours",
    "周": "weeks",
    "米": "m",
    "公里": "km",
    "平方米": "m²",
    "车": "truckloads",
    "幢": "buildings",
    "栋": "buildings",
    "辆": "vehicles",
    "次": "times",
}
_NUMBER_PARTS_RE = re.compile(
    rf"^(?P<prefix>近|将近|约|超过|达|共)?(?P<num>{_NUM})(?P<more>余|多)?"
    r"(?P<scale>万|千|百)?(?P<more2>余|多)?(?P<unit>.*)$"
)


def chinese_number(text: str) -> int | None:
    """二十五 → 25, 一百零八 → 108; digits pass through; None if it is not a number."""
    if text.isdigit():
        return int(text)
    total = section = digit = 0
    for ch in text:
        if ch in _CN_VALUES:
            digit = _CN_VALUES[ch]
        elif ch in _CN_POWERS:
            power = _CN_POWERS[ch]
            if power == 10000:
                total += (section + digit) * power
                section = 0
            else:
                section += (digit or 1) * power
            digit = 0
        else:
            return None
    return total + section + digit


def number_en(value: str) -> str:
    """A count as read off the text, in English: 150余名 → over 150 people, 9.9元 → 9.9 yuan.

    Anything it does not recognise is returned as it is (still correct, just Chinese).
    """
    match = _NUMBER_PARTS_RE.match(value)
    if not match:
        return value
    raw = match.group("num")
    number: float | int | None = float(raw) if "." in raw else chinese_number(raw)
    if number is None:
        return value
    number *= {"万": 10000, "千": 1000, "百": 100}.get(match.group("scale") or "", 1)
    unit = match.group("unit")
    more = bool(match.group("more") or match.group("more2"))
    if unit.startswith("个多"):  # 2个多月: over two months
        unit, more = "个" + unit[2:], True
    if unit == "号楼":
        return f"Building {number}"
    if unit not in _UNIT_EN and unit not in _UNITS and unit != "项":
        unit_en = None
    else:
        unit_en = _UNIT_EN.get(unit, "")
    if unit_en is None:
        return value
    prefix = "over " if more else _PREFIX_EN.get(match.group("prefix") or "", "")
    text = f"{number:g}" if isinstance(number, float) else str(number)
    return f"{prefix}{text} {unit_en}".strip()


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


def _nearest(matches: Sequence[tuple[int, str]], anchors: Sequence[int]) -> str | None:
    if not matches:
        return None
    if not anchors:
        return matches[0][1]
    return min(matches, key=lambda m: min(abs(m[0] - a) for a in anchors))[1]


_UNITS = "位个名人家张次户幢栋车项岁元块天辆场件条所份批支组期"
_ASKED_UNIT_RE = re.compile(rf"(?:几|多少)(?P<unit>[{_UNITS}])")
_WHICH_RE = re.compile(r"哪(?:一)?[个家所位座条间]?(?P<noun>[\u4e00-\u9fff]{1,8})")
_NOT_NAMES = frozenset(
    [
        "强调",
        "表示",
        "主持",
        "介绍",
        "提出",
        "指出",
        "带领",
        "陪同",
        "出席",
        "邀请",
        "牵头",
        "认为",
        "希望",
        "要求",
        "参加",
        "交流",
        "肯定",
        "代表",
        "结合",
        "进行",
        "发言",
        "讲话",
        "同志",
        "一行",
        "等人",
        "们的",
    ]
)


def asked_unit(question: str) -> str | None:
    """The measure word a number question asks with: 几位 → 位, 多少钱 → 元."""
    if "多少钱" in question or "几块钱" in question:
        return "元"
    match = _ASKED_UNIT_RE.search(question)
    return match.group("unit") if match else None


def which_noun(question: str) -> str | None:
    """The head noun of a "which X" question: 哪家影院 → 影院, 哪个党群服务站 → 党群服务站."""
    match = _WHICH_RE.search(question)
    if not match:
        return None
    noun = re.split(r"[的了是在呢吗啊？?，,。\s]", match.group("noun"))[0]
    return noun if len(noun) >= 2 else None


def find_answer(
    kind: Kind,
    text: str,
    *,
    issue_date: str,
    anchors: Sequence[int] = (),
    unit: str | None = None,
    noun: str | None = None,
) -> DirectAnswer:
    """Read the asked-for expression off ``text`` (the best snippet).

    Args:
        kind: what the question asks for.
        text: the snippet the answer is quoted from.
        issue_date: the issue's date, to resolve years ("YYYY-MM[-DD]").
        anchors: offsets of the matched query terms in ``text``; the expression nearest
            to them wins when there are several.
        unit: the measure word asked with (几位 → 位); numbers in it are preferred.
        noun: the head noun of a "which X" question; a name ending in it is preferred.
    """
    if noun and kind in ("where", "who"):
        named = [
            (m.start(), m.group(0))
            for m in re.finditer(rf"[\u4e00-\u9fff]{{1,8}}?{re.escape(noun)}", text)
            if m.group(0) != noun and not m.group(0).startswith(("各", "该", "这", "那", "此"))
        ]
        if named:
            return DirectAnswer(kind, _nearest(named, anchors))
    if kind == "when":
        # Several dates in one sentence usually answer together ("11月22日和11月30日").
        dates = tuple(find_dates(text, issue_date)[:3])
        if not dates:
            return DirectAnswer(kind, None)
        return DirectAnswer(kind, "、".join(d.zh() for d in dates), dates)
    if kind == "number":
        matches = [(m.start(), m.group(0)) for m in _NUMBER_RE.finditer(text)]
        in_unit = [m for m in matches if unit and m[1].endswith(unit)]
        return DirectAnswer(kind, _nearest(in_unit or matches, anchors))
    if kind == "who":
        matches = [
            (m.start("name"), m.group(0))
            for m in _TITLE_NAME_RE.finditer(text)
            if m.group("name") not in _NOT_NAMES
        ]
        return DirectAnswer(kind, _nearest(matches, anchors))
    matches = [(m.start("place"), m.group("place")) for m in _PLACE_RE.finditer(text)]
    return DirectAnswer(kind, _nearest(matches, anchors))

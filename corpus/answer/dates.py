"""Dates in the text: what a "when" question is answered with, years resolved from the issue date."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# Years named relative to the issue: 预计明年3月完工 in a 2026-11 issue is 2027年3月.
RELATIVE_YEARS = {"前年": -2, "去年": -1, "今年": 0, "明年": 1, "后年": 2}
_REL = "|".join(RELATIVE_YEARS)
# A time of day as papers print it, in digits or in words: 9时, 10点半, 上午九点, 十点三十分
# (a lone 一点 is "a little" far more often than one o'clock, so words start at 二).
_CN_HOUR = "十[一二]?|[两二三四五六七八九]"
_CN_MINUTE = "[一二三四五]?十[一二三四五六七八九]?|[一二三四五六七八九]|零[一二三四五六七八九]"
_CLOCK = rf"(?:\d{{1,2}}|{_CN_HOUR})[时点](?:\d{{1,2}}分|(?:{_CN_MINUTE})分|半|整)?"
_DATE_RE = re.compile(
    # (A year may carry its reign-year in brackets: "1993年（民国82年）1月24日".)
    rf"(?:(?P<year>\d{{4}})年(?:[（(][^（()）]{{1,8}}[）)])?|(?P<rel>{_REL}))?"
    rf"(?P<month>\d{{1,2}})月(?:(?P<day>\d{{1,2}})[日号])?"
    rf"(?P<part>上午|下午|晚上|中午|早上)?(?P<clock>{_CLOCK})?"
)
# Months named relative to the issue (下个月15日), and years alone (明年底前).
_REL_MONTH_RE = re.compile(
    r"(?P<rel>下个?月|本月|这个月|上个?月)(?:(?P<day>\d{1,2})[日号])?"
    r"(?P<part>上午|下午|晚上|中午|早上)?"
)
_MONTH_STEP = {"下月": 1, "下个月": 1, "本月": 0, "这个月": 0, "上月": -1, "上个月": -1}
_REL_YEAR_RE = re.compile(rf"(?P<rel>{_REL})(?P<when>年底|年初|上半年|下半年|底|初)?")
# Holidays a deadline or an event is named by (五一前完成, 国庆期间): a time, kept as printed.
_HOLIDAY_RE = re.compile(
    r"(?P<holiday>元旦|春节|元宵节?|清明节?|五一|劳动节|端午节?|七一|中秋节?|国庆节?|重阳节?)"
    r"(?P<when>前后|前|后|期间|假期|当天|节前|节后)?"
)
# Weeks named relative to the issue (本周五, 下周三): a date only when the issue's day is
# known, else kept as printed.
_REL_WEEK_RE = re.compile(
    r"(?P<rel>本周|这周|下周|上周|下个?星期|上个?星期|这个?星期|本星期)(?P<day>[一二三四五六日天])?"
    r"(?P<part>上午|下午|晚上|中午|早上)?"
)
_WEEK_STEP = {"本": 0, "这": 0, "下": 1, "上": -1}
_WEEKDAYS = "一二三四五六日"
_NEXT_YEAR_RE = re.compile(r"翌年|次年|第二年")
# The first month of a span of months whose last one a month date is ("2至4月"): a bare
# number (not a day, "9月27日-10月9日", nor a year) and a dash or 至 before it.
_MONTH_SPAN = re.compile(r"(?<![\d年月日号.])(?P<first>\d{1,2})\s*(?:至|到|-|—|－|~|～)\s*$")
_YEAR_RE = re.compile(r"(?<!\d)(?P<year>1[5-9]\d{2}|20\d{2})年(?P<part>代|底|初|度)?")
# A part of a year as printed (2003年初, 1990年代), and in English.
_YEAR_PARTS_EN = {"初": "early {}", "底": "late {}", "代": "the {}s", "度": "{}"}
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
    named: str = ""  # a holiday or a part of the year, as printed (五一前, 年底)
    # The first month of a span of months printed without a year ("生殖季在2至4月",
    # "花期为3-8月"): a season that comes back every year, not a date; as printed.
    first_month: int | None = None
    printed: str = ""

    def zh(self) -> str:
        if self.first_month is not None:
            return self.printed
        text = f"{self.year}年" if self.year else ""
        if self.month:
            text += f"{self.month}月"
        if self.day:
            text += f"{self.day}日"
        return text + self.part + self.clock + self.named

    def en(self) -> str:
        if self.first_month is not None and self.month:
            return f"{_MONTHS_EN[self.first_month - 1]} to {_MONTHS_EN[self.month - 1]}"
        pieces = []
        if self.day:
            pieces.append(str(self.day))
        if self.month:
            pieces.append(_MONTHS_EN[self.month - 1])
        if self.year:
            pieces.append(str(self.year))
        text = " ".join(pieces)
        if self.year and not self.month and self.named in _YEAR_PARTS_EN:
            return _YEAR_PARTS_EN[self.named].format(self.year)
        if self.named:
            text += f" ({self.named})"
        clock = clock_en(self.clock, self.part)
        if clock:
            text += f", {clock}"
        elif self.part:
            text += f" ({_PARTS_EN.get(self.part, self.part)})"
        return text


# Parts of the day after noon: 下午三点 is 3 p.m., 晚上八点 8 p.m. (中午十二点 is noon).
_PM_PARTS = frozenset({"下午", "晚上"})
_CLOCK_PARTS_RE = re.compile(r"^(?P<hour>\d{1,2}|[十一二两三四五六七八九]+)[时点](?P<minute>.*)$")


def clock_en(clock: str, part: str = "") -> str:
    """A printed time of day in English: 九点 → 9:00, 下午3点半 → 3:30 p.m.; "" if none."""
    match = _CLOCK_PARTS_RE.match(clock)
    if not match:
        return ""
    hour = _clock_number(match.group("hour"))
    rest = match.group("minute").removesuffix("分")
    minute = 30 if rest == "半" else 0 if rest in ("", "整") else _clock_number(rest.lstrip("零"))
    if hour is None or minute is None or not (0 <= hour <= 24 and 0 <= minute < 60):
        return ""
    suffix = ""
    if part in _PM_PARTS and hour < 12:
        suffix = " p.m."
    elif part in ("上午", "早上") and hour < 12:
        suffix = " a.m."
    return f"{hour}:{minute:02d}{suffix}"


_CLOCK_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _clock_number(text: str) -> int | None:
    """9 or 九, 十二, 三十五 (as a clock prints them); None for anything else."""
    if text.isdigit():
        return int(text)
    tens, _, units = text.rpartition("十")
    if "十" not in text:
        return _CLOCK_DIGITS.get(text) if len(text) == 1 else None
    high = _CLOCK_DIGITS.get(tens) if tens else 1
    low = _CLOCK_DIGITS.get(units) if units else 0
    return None if high is None or low is None else high * 10 + low


def find_dates(text: str, issue_date: str) -> list[DateMention]:
    """Dates mentioned in ``text``, in order, each once, with years resolved.

    Dates with a month come first; failing those, dotted dates (12·5), then years
    alone, years relative to the issue (明年底) and holidays (五一前).
    """
    unique: dict[str, DateMention] = {}
    for _, _, mention in date_spans(text, issue_date):
        unique.setdefault(mention.zh(), mention)
    return list(unique.values())


def date_spans(text: str, issue_date: str) -> list[tuple[int, int, DateMention]]:
    """:func:`find_dates` with where each date stands: ``(start, end, mention)``, in order."""
    found = _month_dates(text, issue_date)
    if not found:
        for match in _DOT_DATE_RE.finditer(text):
            month, day = int(match.group("month")), int(match.group("day"))
            if 1 <= month <= 12 and 1 <= day <= 31:
                mention = DateMention(resolve_year(month, issue_date), month, day, year_inferred=True)
                found.append((match.start(), match.end(), mention))
    if not found:
        found = [
            (m.start(), m.end(), DateMention(int(m.group("year")), None, named=m.group("part") or ""))
            for m in _YEAR_RE.finditer(text)
        ]
    if not found:
        found = _named_times(text, issue_date)
    return found


def _month_dates(text: str, issue_date: str) -> list[tuple[int, int, DateMention]]:
    ym = _issue_year_month(issue_date)
    dated: list[tuple[int, int, DateMention]] = []
    printed: tuple[int, int] | None = None  # the last year the text printed, and its month
    for match in _DATE_RE.finditer(text):
        month = int(match.group("month"))
        if not 1 <= month <= 12:
            continue
        day = int(match.group("day")) if match.group("day") else None
        season = None if match.group("year") or match.group("rel") else _MONTH_SPAN.search(
            text, max(0, match.start() - 6), match.start()
        )
        if season and 1 <= int(season.group("first")) < month:
            # "2至4月": from one month to another, every year; kept as printed.
            mention = DateMention(
                None,
                month,
                first_month=int(season.group("first")),
                printed=text[season.start() : match.end()],
            )
            dated.append((season.start(), match.end(), mention))
            continue
        if match.group("year"):
            year, inferred = int(match.group("year")), False
            printed = (year, month)
        elif match.group("rel") and ym:
            year, inferred = ym[0] + RELATIVE_YEARS[match.group("rel")], True
        elif printed is not None:
            # "2009年9月27日至10月9日", "2008年8月15日及8月16日": a date without a year
            # after one with it is in the same year (the next one after 翌年/次年).
            gap = text[dated[-1][1] if dated else 0 : match.start()]
            year = printed[0] + (1 if _NEXT_YEAR_RE.search(gap) else 0)
            inferred = False
        else:
            year, inferred = resolve_year(month, issue_date), True
        mention = DateMention(
            year, month, day, match.group("part") or "", match.group("clock") or "", inferred
        )
        dated.append((match.start(), match.end(), mention))
    day_known = _issue_day(issue_date)
    if day_known:
        for match in _REL_WEEK_RE.finditer(text):
            if not match.group("day"):
                continue
            monday = day_known - dt.timedelta(days=day_known.weekday())
            weekday = _WEEKDAYS.index(match.group("day").replace("天", "日"))
            when = monday + dt.timedelta(weeks=_WEEK_STEP[match.group("rel")[0]], days=weekday)
            mention = DateMention(
                when.year, when.month, when.day, match.group("part") or "", year_inferred=True
            )
            dated.append((match.start(), match.end(), mention))
    if ym:
        for match in _REL_MONTH_RE.finditer(text):
            step = _MONTH_STEP[match.group("rel")]
            index = ym[0] * 12 + ym[1] - 1 + step
            day = int(match.group("day")) if match.group("day") else None
            mention = DateMention(index // 12, index % 12 + 1, day, match.group("part") or "",
                                  year_inferred=True)
            dated.append((match.start(), match.end(), mention))
    return sorted(dated, key=lambda item: item[0])


def _issue_day(issue_date: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat((issue_date or "")[:10])
    except ValueError:
        return None


def _named_times(text: str, issue_date: str) -> list[tuple[int, int, DateMention]]:
    ym = _issue_year_month(issue_date)
    found = []
    for match in _REL_WEEK_RE.finditer(text):
        # Not resolved to a day (the issue's day unknown, or no weekday): as printed.
        mention = DateMention(None, None, named=match.group(0))
        found.append((match.start(), match.end(), mention))
    for match in _REL_YEAR_RE.finditer(text):
        if ym:
            year = ym[0] + RELATIVE_YEARS[match.group("rel")]
            mention = DateMention(year, None, named=match.group("when") or "", year_inferred=True)
            found.append((match.start(), match.end(), mention))
    for match in _HOLIDAY_RE.finditer(text):
        year = ym[0] if ym else None
        named = match.group("holiday") + (match.group("when") or "")
        mention = DateMention(year, None, named=named, year_inferred=year is not None)
        found.append((match.start(), match.end(), mention))
    return sorted(found, key=lambda item: item[0])

"""Chinese numbers and counts, read and said in English ("十四位" → "14 people")."""

from __future__ import annotations

import re

CN_DIGITS = "〇零一二两三四五六七八九十"
# A lone 一 is nearly always an article ("一支队伍", "一个起点"), not a count anyone asks for.
NUM = (
    rf"(?:\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|[二两三四五六七八九十][{CN_DIGITS}百千万]*"
    rf"|一[十百千万][{CN_DIGITS}百千万]*)"
)
# A round number said loosely: 上千人 (over a thousand), 数百名, 几十位, 近千人, 百余人. The
# bare power stands only beside what makes it a count (近/约 before it, 余/多 after it),
# never in a word (百姓, 千家万户, 万人空巷).
APPROX = r"(?:上|数|几)[十百千万]+|(?<=[近约])[百千万]|[百千万](?=[余多])"
# Measure words, longest first: 2个多月 is two months and more, not two "个"; 平方米 is
# an area, not a length in 米.
MEASURES = (
    "个多月|个月|个多小时|个小时|人次|号楼|平方公里|平方千米|平方米|公顷|公里|千米|厘米|毫米|公尺|"
    "米|公斤|千克|克|吨|万年|年|名|人|个|位|家|张|份|美元|元|次|车|户|幢|栋|项|岁|辆|场|所|件|条|块|"
    "小时|分钟|天|周(?!年)|批|支|组|期|册|种|座|届|集|层|亩|倍|%|％"
)
NUMBER_RE = re.compile(
    rf"(?P<prefix>近|约|共|达|超过|将近)?(?P<ordinal>第)?(?P<num>{NUM}|{APPROX})(?:余|多|几)?"
    rf"(?P<scale>亿|万|千|百)?(?:余|多)?(?P<unit>{MEASURES})"
)
# A year is not a count of years: 2019年, 1589年 (and 19年12月) are dates.
_YEAR_LIKE = re.compile(r"^(?:\d{4}|\d{2})$")
# What a kind of count is measured in: a question about people, time or money is
# answered by a number in one of these, never by another count in the same sentence.
UNIT_FAMILIES = {
    "people": ("名", "人", "位", "人次"),
    "duration": ("个多月", "个月", "个多小时", "个小时", "小时", "分钟", "天", "周", "年", "万年"),
    "money": ("元", "块", "美元"),
    "age": ("岁",),
    "weight": ("公斤", "千克", "克", "吨"),
    "length": ("米", "厘米", "毫米", "公里", "千米", "公尺"),
    "area": ("平方米", "平方公里", "平方千米", "公顷", "亩"),
    # A multiple (是其上一代的2倍) compares, it does not count: "速度是多少" is not 2倍.
    "ratio": ("%", "％", "倍"),
}
# Measure words of a quantity (an age, a price, a length …), not of a count of things or
# people: such a number answers only a question about that measure.
MEASURED = frozenset(
    unit for family, units in UNIT_FAMILIES.items() if family != "people" for unit in units
)
UNITS = "位个名人家张次户幢栋车项岁元块天辆场件条所份批支组期册种座届集层亩倍"


# The lower end of a range before a count: "15至20厘米", "100米至2,800米", "70-80公里".
_RANGE_START = re.compile(rf"(?:{NUM})(?:{MEASURES})?(?:至|到|-|—|－|~|～)$")


def counts(text: str) -> list[tuple[int, str, str, bool]]:
    """Counts in ``text``: ``(start, as printed, measure word, ordinal)``, years left out
    (ordinal: a rank or a label, 第3届, 35号楼).

    A range is one count, printed whole ("100米至2,800米"): its upper end alone would be
    a wrong answer.
    """
    found = []
    for m in NUMBER_RE.finditer(text):
        unit = m.group("unit")
        if unit == "年" and not m.group("scale") and (
            _YEAR_LIKE.match(m.group("num")) or text[m.end() : m.end() + 1] in ("月", "代", "级")
        ):
            continue
        start = m.start()
        if not m.group("prefix") and not m.group("ordinal"):
            lower = _RANGE_START.search(text, max(0, start - 16), start)
            if lower:
                start = lower.start()
                if found and found[-1][0] >= start:
                    found.pop()  # the lower end was read as a count of its own
        # A building number (35号楼) labels one, like a rank: it counts nothing.
        label = bool(m.group("ordinal")) or unit == "号楼"
        found.append((start, text[start : m.end()], unit, label))
    return found


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
    "公斤": "kg",
    "千克": "kg",
    "克": "g",
    "吨": "tonnes",
    "厘米": "cm",
    "毫米": "mm",
    "千米": "km",
    "公尺": "m",
    "平方公里": "km²",
    "公顷": "hectares",
    "年": "years",
    "万年": "years",
}
_NUMBER_PARTS_RE = re.compile(
    rf"^(?P<prefix>近|将近|约|超过|达|共)?(?P<ordinal>第)?(?P<num>{NUM}|{APPROX})(?P<more>余|多|几)?"
    r"(?P<scale>亿|万|千|百)?(?P<more2>余|多)?(?P<unit>.*)$"
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
    raw = match.group("num").replace(",", "")
    loose = raw[0] if raw[0] in "上数几" else ""
    raw = raw.removeprefix(loose)
    if raw[:1] in _CN_POWERS:
        raw = "一" + raw  # 千 of 上千人, 百 of 百余人: one of that power
    number: float | int | None = float(raw) if "." in raw else chinese_number(raw)
    if number is None:
        return value
    if match.group("ordinal"):
        return value  # a rank, not a count: left as printed
    unit = match.group("unit")
    if unit == "万年":
        number, unit = number * 10000, "年"
    number *= {"亿": 100_000_000, "万": 10000, "千": 1000, "百": 100}.get(
        match.group("scale") or "", 1
    )
    more = bool(match.group("more") or match.group("more2"))
    if unit.startswith("个多"):  # 2个多月: over two months
        unit, more = "个" + unit[2:], True
    if unit == "号楼":
        return f"Building {number}"
    if unit not in _UNIT_EN and unit not in UNITS and unit != "项":
        unit_en = None
    else:
        unit_en = _UNIT_EN.get(unit, "")
    if unit_en is None:
        return value
    prefix = "over " if more or loose == "上" else _PREFIX_EN.get(match.group("prefix") or "", "")
    text = f"{number:g}" if isinstance(number, float) else str(number)
    if loose in ("数", "几") and unit_en:
        # 数百名 → several hundred people: the power said, not a number that was not printed.
        return f"{_SEVERAL_EN.get(int(number), f'several times {text}')} {unit_en}"
    return f"{prefix}{text} {unit_en}".strip()


_SEVERAL_EN = {
    10: "dozens of",
    100: "several hundred",
    1000: "several thousand",
    10000: "tens of thousands of",
    100000: "hundreds of thousands of",
}

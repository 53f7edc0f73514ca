"""Direct answers: the date, number, person or place a question asks for, read off the quoted text.

Cheap, rule-based and honest: an answer is given only when the snippet holds an
expression of the asked-for kind; otherwise the caller says the text does not give it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from corpus.answer.dates import DateMention, find_dates
from corpus.answer.numbers import NUMBER_RE, UNIT_FAMILIES, UNITS, number_en

Kind = Literal["when", "number", "who", "where", "which"]

_KIND_PATTERNS: list[tuple[Kind, re.Pattern[str]]] = [
    # "哪几个小区", "哪些单位": which ones — a list of names, not a count.
    ("which", re.compile(r"哪几|哪些")),
    ("which", re.compile(r"\bwhich (?:ones|\w+s)\b", re.I)),
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


_PLACE_RE = re.compile(
    r"(?:在|来到|前往|走进|到)(?P<place>[^，。；！？、“”\s]{2,20}?)"
    r"(?:举行|举办|召开|开展|进行|参观|学习|调研|走访|签约|集中|设立|开放|$|，|。)"
)
# What a place's name ends with; a "where" answer that does not is a fragment of a sentence.
_PLACE_END = re.compile(
    r"(?:中心|广场|公园|小区|新村|居委会|居民区|服务站|服务点|接种点|街道|社区|学校|小学|中学|"
    r"幼儿园|医院|剧场|礼堂|会议室|活动室|图书馆|体育馆|文化馆|馆|室|厅|站|点|所|楼|园|场|"
    r"路|街|弄|号|村|镇|区|市|县|省|大厦|大楼|酒店|饭店|食堂|公司|单位|基地|景区|博物馆)$"
)
_TITLES = (
    "书记|主任|部长|所长|区长|会长|副会长|组长|楼组长|科长|传承人|教授|老师|网格长|队长|站长|党员|"
    "记者|校长|经理|主席|委员|院长|馆长|社长|居民"
)
_TITLE_NAME_RE = re.compile(
    rf"(?P<title>(?:{_TITLES}))"
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


def _nearest(matches: Sequence[tuple[int, str]], anchors: Sequence[int]) -> str | None:
    if not matches:
        return None
    if not anchors:
        return matches[0][1]
    return min(matches, key=lambda m: min(abs(m[0] - a) for a in anchors))[1]


_ASKED_UNIT_RE = re.compile(rf"(?:几|多少)(?P<unit>[{UNITS}])")
# 哪里 and 哪儿 ask "where", not "which X" (哪里预约 names no 预约 to pick).
_WHICH_RE = re.compile(
    r"哪(?![里儿])(?:一|几|些)?[个家所位座条间项]?(?P<noun>[\u4e00-\u9fff]{1,8})"
)
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


# Nouns that count people: "多少居民", "退休党员有几个" ask for a head count.
_PERSON_NOUNS = (
    r"(?:居民|党员|志愿者|群众|老人|学生|儿童|孩子|书记|代表|成员|工作人员|人员|选手|家庭|的人)"
    r"(?![区委会楼点站组队])"  # 居民区, 志愿者队: places and bodies, not people
)
_FAMILY_PATTERNS = (
    ("duration", re.compile(r"多久|多长时间|多少天|几天|几个月|多少个月|几个小时|多少小时|\bhow long\b", re.I)),
    ("money", re.compile(r"多少钱|几块钱|几元|\bhow much\b(?! time)|\bprice\b|\bcost\b", re.I)),
    ("age", re.compile(r"几岁|多大年纪|\bhow old\b", re.I)),
    (
        "people",
        re.compile(
            r"几位|几名|几人|几个人|多少人|多少个人|多少名|多少位"
            rf"|(?:多少|几)[个位名]?{_PERSON_NOUNS}|{_PERSON_NOUNS}(?:一共|总共|共)?有?(?:多少|几)"
            r"|\bhow many (?:\w+ ){0,3}(?:people|persons|residents|volunteers|members|directors"
            r"|secretaries|children|students|elderly|seniors|participants|workers|staff|officers)\b",
            re.I,
        ),
    ),
)


def asked_family(question: str) -> str | None:
    """What the asked-for count is measured in (people, duration, money, age), if said.

    A count of people is never answered with a count of buildings in the same sentence,
    nor "how long" with a head count: with a family asked, only its measure words do.
    """
    for family, pattern in _FAMILY_PATTERNS:
        if pattern.search(question):
            return family
    return None


def asked_title(question: str) -> str | None:
    """The title a "who" question asks about: 办事处主任是谁 → 主任."""
    found = re.findall(_TITLES, question)
    return max(found, key=len) if found else None


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
    family: str | None = None,
    noun: str | None = None,
    title: str | None = None,
    people: Sequence[tuple[int, int]] | None = None,
) -> DirectAnswer:
    """Read the asked-for expression off ``text`` (the best snippet).

    Args:
        kind: what the question asks for.
        text: the snippet the answer is quoted from.
        issue_date: the issue's date, to resolve years ("YYYY-MM[-DD]").
        anchors: offsets of the matched query terms in ``text``; the expression nearest
            to them wins when there are several.
        unit: the measure word asked with (几位 → 位); a count in another measure word
            answers only when the asked one is the generic 个.
        family: what the count is measured in (:func:`asked_family`); only its
            measure words answer.
        noun: the head noun of a "which X" question; a name ending in it is preferred.
        title: the title a "who" question asks about (主任); a name under it is preferred.
        people: spans of ``text`` a segmenter tagged as person names; when given, a
            "who" answer must be one of them (居民区工作 holds no name).
    """
    if kind == "which":
        return DirectAnswer(kind, _named_list(text, noun))
    if noun and kind in ("where", "who"):
        named = _named(text, noun)
        if named:
            return DirectAnswer(kind, _nearest(named, anchors))
    if kind == "when":
        # Several dates in one sentence usually answer together ("11月22日和11月30日").
        dates = tuple(find_dates(text, issue_date)[:3])
        if not dates:
            return DirectAnswer(kind, None)
        return DirectAnswer(kind, "、".join(d.zh() for d in dates), dates)
    if kind == "number":
        matches = [(m.start(), m.group(0)) for m in NUMBER_RE.finditer(text)]
        if family:
            matches = [m for m in matches if m[1].endswith(UNIT_FAMILIES[family])]
        elif unit and unit != "个":
            matches = [m for m in matches if m[1].endswith(unit)]
        # The count whose noun follows it (110名退休党员) beats a nearer count of another.
        counted = [m for m in matches if any(0 <= a - m[0] - len(m[1]) <= 2 for a in anchors)]
        return DirectAnswer(kind, _nearest(counted or matches, anchors))
    if kind == "who":
        matches = [
            (m.start("name"), m.group(0))
            for m in _TITLE_NAME_RE.finditer(text)
            if m.group("name") not in _NOT_NAMES
            and (
                people is None
                or _overlaps(m.span("name"), people)
                or m.group("name")[0] in _SURNAMES
            )
        ]
        # The title asked about (所长是谁) is answered only by a name under that title:
        # the 主任 named beside the 所长 is someone else.
        if title:
            matches = [m for m in matches if m[1].startswith(title)]
        return DirectAnswer(kind, _nearest(matches, anchors))
    matches = [
        (m.start("place"), m.group("place"))
        for m in _PLACE_RE.finditer(text)
        if _PLACE_END.search(m.group("place"))
    ]
    return DirectAnswer(kind, _nearest(matches, anchors))


# The common single-character surnames (about nine in ten people in China bear one):
# jieba tags 刘伟民 as 刘 + 伟民, not as a name, but a title before a surname is a person.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关"
    "兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻"
    "祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿"
    "桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝乐"
)


def person_spans(tagged: Sequence[tuple[str, str]]) -> list[tuple[int, int]]:
    """Offsets of the words a segmenter tagged as person names (jieba's nr, nrfg, nrt)."""
    spans, at = [], 0
    for word, tag in tagged:
        if tag.startswith("nr"):
            spans.append((at, at + len(word)))
        at += len(word)
    return spans


def _overlaps(span: tuple[int, int], spans: Sequence[tuple[int, int]]) -> bool:
    return any(start < span[1] and span[0] < end for start, end in spans)


# Words a name does not start with: determiners, and counts (余家, 多个, 几处).
_NOT_A_NAME_START = ("各", "该", "这", "那", "此", "个", "余", "多", "几", "等", "每", "全")


# Characters a name does not hold: particles and the verbs and prepositions a sentence
# runs through before it reaches one ("…组织成员参观了国际舞蹈中心" names 国际舞蹈中心).
_NAME_BREAK = re.compile(r".*[了的在到和与及是为对把被从向往去来于以则但他她们将等让使由跟同]")
# A place's head noun may run on past the word asked with (舞蹈 → 舞蹈中心).
_RUN_ON = re.compile(r"^(?:中心|馆|站|园|室|厅|点|所|基地|广场|学校)")


def _named(text: str, noun: str) -> list[tuple[int, str]]:
    """Names in ``text`` that end with ``noun`` (凉二小区 for 小区), with their offsets."""
    found = []
    for m in re.finditer(rf"[\u4e00-\u9fff]{{1,8}}?{re.escape(noun)}", text):
        start, name = m.start(), m.group(0)
        cut = _NAME_BREAK.match(name[: -len(noun)])
        if cut:
            start, name = start + cut.end(), name[cut.end() :]
            if len(name) - len(noun) < 2:
                continue  # "能去电影院": a common noun, not a name
        run_on = _RUN_ON.match(text[m.end() :])
        if run_on:
            name += run_on.group(0)
        if (
            name != noun
            and not name.startswith(_NOT_A_NAME_START)
            # "30余家党群服务站" is a count of them, not one of their names.
            and not (start and text[start - 1].isdigit())
        ):
            found.append((start, name))
    return found


def _named_list(text: str, noun: str | None) -> str | None:
    """"哪几个小区": every name ending in the noun, in order, once each."""
    if not noun:
        return None
    names = list(dict.fromkeys(name for _, name in _named(text, noun)))
    return "、".join(names) if names else None

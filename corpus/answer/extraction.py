"""Direct answers: the date, number, person or place a question asks for, read off the quoted text.

Cheap, rule-based and honest: an answer is given only when the snippet holds an
expression of the asked-for kind; otherwise the caller says the text does not give it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from corpus.answer.dates import DateMention, date_spans
from corpus.answer.numbers import MEASURED, UNIT_FAMILIES, UNITS, counts, number_en

Kind = Literal["when", "number", "who", "where", "which", "name"]

# (Chinese only: an English question's noun is a translation, too loose to tell which
# quoted name of a sentence is the one asked.)
_NAME_ASKED = r"叫什么|叫啥|叫做什么|名叫什么|什么名字?|名字是什么|名称是什么"
_NAME_ASK = re.compile(_NAME_ASKED)
_KIND_PATTERNS: list[tuple[Kind, re.Pattern[str]]] = [
    # "哪几个小区", "哪些单位": which ones — a list of names, not a count.
    ("which", re.compile(r"哪几|哪些")),
    ("which", re.compile(r"\bwhich (?:ones|\w+s)\b", re.I)),
    (
        "when",
        re.compile(r"什么时候|什么时间|啥时候|哪天|哪一天|几号|几月|何时|哪一年|哪年|日期|多久前"),
    ),
    # 几点 asks the time of day (几点开始, 几点到几点), unless it counts points (几点要求):
    # a time is followed by a verb, a time word or the end of the question.
    ("when", re.compile(r"几点(?:钟|半|[开结到去来集出举在可能前后起]|$|[？?，,。！!\s])|几时")),
    (
        "when",
        re.compile(r"\bwhen\b|what (?:date|day|time|year|month)|which (?:day|date|year)", re.I),
    ),
    (
        "number",
        re.compile(
            r"多少|几个|几名|几位|几家|几次|几张|几户|几幢|几栋|几车|几项|几人|几岁|几元|几块|几天"
            r"|第几|多高|多重|多远|多长|多深|多宽|多久"
        ),
    ),
    ("number", re.compile(r"\bhow (?:many|much|long|old)\b|what (?:price|number)", re.I)),
    ("who", re.compile(r"谁|哪位|什么人|哪个人|哪些人")),
    ("who", re.compile(r"\bwho(?:m|se)?\b", re.I)),
    ("where", re.compile(r"哪里|哪儿|在哪|去哪|什么地方|哪个地方|什么地点|哪个小区|地点")),
    ("where", re.compile(r"\bwhere\b|what place|which place", re.I)),
    # "叫什么名字": a name (a team's, a play's); a person's (副部长叫什么) is read as "who"
    # once the noun before it is known (direct._asked).
    ("name", _NAME_ASK),
]


def question_kind(question: str) -> Kind | None:
    """The kind of answer a question asks for, if it is one we can answer directly."""
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(question):
            return kind
    return None


_PLACE_ACTS = "举行|举办|召开|开展|进行|参观|学习|调研|走访|签约|集中|设立|开放"
# A place is where something happens (在…举行; not the 在 of 现在, 存在), or what an
# action is done to when an act follows it (对华府樟园开展楼道堆物治理): "对无线这个弱点，"
# is no place.
_PLACE_RE = re.compile(
    r"(?:(?:(?<![现存实])在|来到|前往|走进|到)(?P<place>[^，。；！？、“”\s]{2,20}?)"
    rf"(?:{_PLACE_ACTS}|$|，|。)"
    rf"|对(?P<target>[^，。；！？、“”\s]{{2,20}}?)(?:{_PLACE_ACTS}))"
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
    rf"(?P<title>副?(?:{_TITLES}))"
    r"(?P<name>[\u4e00-\u9fff]{2,3}?)(?=[，。、；（(,\s]|为|在|作|代表|向|对|与|和|从|以|主持|强调|表示|介绍|提出|带领|陪同|出席|邀请|牵头|$)"
)


@dataclass(frozen=True)
class DirectAnswer:
    """What a question asked for, as found in the text."""

    kind: Kind
    value: str | None  # None: the question asks for it but the text does not give it
    dates: tuple[DateMention, ...] = ()
    # How the value was read (see find_answer): the confidence of a direct line is
    # measured per kind and path, since some paths are right far less often than others.
    path: str = ""
    # How many values of the asked kind the sentence held (one: nothing else to mix up).
    candidates: int = 1
    # Where the value stands in the text read, and where the other values of the asked
    # kind stand (start, end): the gate weighs the clause around each (direct.confident).
    span: tuple[int, int] | None = None
    others: tuple[tuple[int, int], ...] = ()

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


def _nearest(matches: Sequence[tuple[int, str]], anchors: Sequence[int]) -> tuple[int, str] | None:
    if not matches:
        return None
    if not anchors:
        return matches[0]
    return min(matches, key=lambda m: min(abs(m[0] - a) for a in anchors))


def _read(
    kind: Kind,
    chosen: tuple[int, str] | None,
    matches: Sequence[tuple[int, str]],
    path: str,
) -> DirectAnswer:
    """The answer ``chosen`` among ``matches`` (all of the asked kind), with where each stands."""
    if chosen is None:
        return DirectAnswer(kind, None, path=path, candidates=_distinct(matches))
    start, value = chosen
    others = tuple(
        dict.fromkeys((s, s + len(v)) for s, v in matches if v != value)
    )
    return DirectAnswer(
        kind,
        value,
        path=path,
        candidates=_distinct(matches),
        span=(start, start + len(value)),
        others=others,
    )


_ASKED_UNIT_RE = re.compile(
    rf"(?:几|多少)(?P<unit>平方公里|平方米|公里|千米|厘米|毫米|公斤|千克|米|吨|年|[{UNITS}])"
)
_ORDINAL_ASKED = re.compile(r"第几|第多少|\bwhat (?:place|rank|position|number)\b", re.I)


def asks_ordinal(question: str) -> bool:
    """Whether a number question asks for a rank (第几张专辑 → 第20张), not a count."""
    return bool(_ORDINAL_ASKED.search(question))
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
# A telephone number as printed: 021-66666666, 5508 1234, 13912345678, 12345.
_PHONE_RE = re.compile(r"(?<![\d.])(?:\d{3,4}[-－—\s]?)?\d{4}[-－\s]?\d{4}(?![\d.])|(?<!\d)123\d{2}(?!\d)")
# Nouns of people by their agentive ending: 居民, 观众, 游客, 教师, 医生, 志愿者, 住户.
_PERSON_END = re.compile(
    r"(?:人|员|者|生|师|民|众|客|士|童|友|长|手|工|属|户|家|们|干部"
    r"|[弟哥姐妹父母儿女夫妻爸妈爷奶孙]"  # kin: 弟弟, 女儿, 丈夫
    r"|[孩儿妻孙学男女]子|小伙子)$"  # (not 子 alone: 片子, 棚子, 单子 are things)
)


def names_people(noun: str) -> bool:
    """Whether a counted noun is one of people (a head count may answer for it)."""
    return bool(
        _PERSON_END.search(noun)
        or re.fullmatch(_PERSON_NOUNS, noun)
        or re.search(rf"(?:{_TITLES})$", noun)
    )


# A question naming people: a 个 count of it may be a head count.
_NAMES_PEOPLE = re.compile(rf"{_PERSON_NOUNS}|{_TITLES}|人")
_FAMILY_PATTERNS = (
    (
        "duration",
        re.compile(
            r"多久|多长时间|多少天|几天|几个月|多少个月|几个小时|多少小时|多少分钟|几分钟|多少年|几年"
            r"|\bhow long\b",
            re.I,
        ),
    ),
    (
        "money",
        re.compile(
            r"多少钱|几块钱|几元|多少元|价格|票价|售价|费用|资本|资金|收入|投资额|营业额|销售额"
            r"|\bhow much\b(?! time)|\bprice\b|\bcost\b",
            re.I,
        ),
    ),
    # A phone number is asked (物业电话是多少), not a count: no count in the text answers.
    (
        "contact",
        re.compile(r"电话|号码|热线|手机号|联系方式|\b(?:phone|telephone|hotline)\b", re.I),
    ),
    ("age", re.compile(r"几岁|多少岁|多大年纪|年龄|\bhow old\b", re.I)),
    ("ratio", re.compile(r"[率比]是?多少|比例|百分比|占比|百分之几|\bpercent", re.I)),
    ("weight", re.compile(r"体重|重量|多重|重多少|多少公斤|多少千克|多少吨|\bhow heavy\b", re.I)),
    ("area", re.compile(r"面积|多少平方|\bhow big\b", re.I)),
    (
        "length",
        re.compile(
            r"身高|高度|多高|海拔|长度|体长|全长|多长|距离|多远|宽度|多宽|深度|多深|直径|射程"
            r"|多少米|多少公里|多少厘米|多少千米|\bhow (?:tall|high|far|deep|wide)\b",
            re.I,
        ),
    ),
    (
        "people",
        re.compile(
            r"几位|几名|几人|几个人|多少人|多少个人|多少名|多少位|人口|人数"
            rf"|(?:多少|几)[个位名]?{_PERSON_NOUNS}|{_PERSON_NOUNS}(?:一共|总共|共)?有?(?:多少|几)"
            r"|\bhow many (?:\w+ ){0,3}(?:people|persons|residents|volunteers|members|directors"
            r"|secretaries|children|students|elderly|seniors|participants|workers|staff|officers)\b",
            re.I,
        ),
    ),
)


def asked_family(question: str) -> str | None:
    """What the asked-for count is measured in (people, duration, money, age, weight,
    area, length), if said.

    A count of people is never answered with a count of buildings in the same sentence,
    nor "how long" with a head count: with a family asked, only its measure words do.
    """
    for family, pattern in _FAMILY_PATTERNS:
        if pattern.search(question):
            return family
    return None


def supplies(question: str, text: str) -> bool:
    """Whether ``text`` could hold the value ``question`` asks for, where only a value of
    its own type answers it: a phone number asked (物业电话是多少) is never answered by a
    passage that prints none, whatever else it shares with the question. Other kinds
    are not judged here (a date or a count may be said in words, or by the issue)."""
    if _asks_phone(question):
        return _PHONE_RE.search(text) is not None
    return True


@functools.lru_cache(maxsize=256)
def _asks_phone(question: str) -> bool:
    # Read once per question, not once per candidate passage it is asked of.
    return question_kind(question) == "number" and asked_family(question) == "contact"


def asked_title(question: str) -> str | None:
    """The title a "who" question asks about: 办事处主任是谁 → 主任, 副书记是谁 → 副书记
    (a deputy is not the head)."""
    found = re.findall(rf"副?(?:{_TITLES})", question)
    return max(found, key=len) if found else None


def named_noun(question: str) -> str:
    """What a name question asks the name of: the words before its 叫什么 (志愿队叫什么名字
    → 志愿队), as written; "" when nothing stands before it."""
    match = _NAME_ASK.search(question)
    if match is None:
        return ""
    before = re.split(r"[，,。？?！!\s的]", question[: match.start()])[-1]
    return before.removesuffix("的名字").removesuffix("名字")


def names_a_person(noun: str) -> bool:
    """Whether a name question asks a person's name (副部长叫什么, 楼组长叫什么名字)."""
    return bool(noun) and names_people(noun)


# A name as papers print it: in quotation marks or title marks (“净美凉城”志愿服务队,
# 《垃圾分类党员先行》), two to sixteen characters.
_QUOTED_NAME = re.compile(r"[“「『《\"]([^“”「」『』《》\"\n]{2,16})[”」』》\"]")
# What introduces a name: 名为, 叫做, 称为 …
_NAMED_AS = re.compile(r"(?:名为|名叫|叫做|叫|称为|称作|命名为|题为|主题为)$")


def _quoted_names(
    text: str, noun: str, new: Callable[[str], bool]
) -> list[tuple[int, str]]:
    """Quoted names of ``text`` the question does not hold, printed as the name of
    ``noun``: the quote beside a word ending like it (“净美凉城”志愿服务队 for 志愿队,
    诗集《人象石柱》 for 诗集) or after 名为/叫做. Any other quotation is not known to
    be the name asked (a slogan, a saying, another thing's name)."""
    tail = noun[-1:] if noun else ""
    found = []
    for m in _QUOTED_NAME.finditer(text):
        name = m.group(1)
        if not new(name) or not re.search(r"[\u4e00-\u9fffA-Za-z]", name):
            continue
        if _NOT_IN_NAME.search(name):
            continue  # quotation marks unpaired in the text: a run of the sentence
        at = m.start(1)
        if m.group(0).startswith("《"):
            # A work's title is written with its marks (《人象石柱》), a team's name without.
            name, at = m.group(0), m.start()
        after = re.split(r"[，,。；;：:、！？!?“《(（]", text[m.end() : m.end() + 8])[0]
        before = re.split(r"[，,。；;：:、！？!?”》)）]", text[max(0, m.start() - 8) : m.start()])[-1]
        if (
            (tail and (tail in after or before.endswith(tail) or before.endswith(noun)))
            or _NAMED_AS.search(text[max(0, m.start() - 3) : m.start()])
        ):
            found.append((at, name))
    return found


# Punctuation no name holds (a quotation mark the text left unpaired catches a run).
_NOT_IN_NAME = re.compile(r"[，,。；;：:（）()、！？!?]")


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
    year_only: bool = False,
    ordinal: bool = False,
    question: str = "",
    counted: str | None = None,
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
        year_only: the question asks for a year (哪一年): the answer is the year alone.
        ordinal: the question asks for a rank (第几): only a rank (第34个) answers.
        question: the question asked; a value it already names (its own date, count or
            name: "莎莉公司在2012年…") is what it asks about, never the answer.
        counted: the noun a count question counts (多少传单 → 传单); a head count never
            answers for a noun that names no person.
    """
    asked_in = re.sub(r"\s+", "", question)

    def new(value: str) -> bool:
        return not asked_in or re.sub(r"\s+", "", value) not in asked_in

    if kind == "which":
        names = _named_list(text, noun, new, asked_in)
        # (For a list, candidates counts its names.)
        parts = names.split("、") if names else []
        first, last = (text.find(parts[0]), text.rfind(parts[-1])) if parts else (-1, -1)
        span = (first, last + len(parts[-1])) if parts and 0 <= first <= last else None
        return DirectAnswer(
            kind,
            names,
            path="list",
            candidates=len(parts),
            span=span,
            others=_left_out(text, span) if span else (),
        )
    if kind == "name":
        found = _quoted_names(text, noun or "", new)
        return _read(kind, _nearest(found, anchors), found, "quoted")
    if noun and kind in ("where", "who"):
        named = [n for n in _named(text, noun, asked_in) if new(n[1])]
        if named:
            return _read(kind, _nearest(named, anchors), named, "named")
    if kind == "when":
        return _when(text, issue_date, anchors, year_only=year_only, new=new)
    if kind == "number":
        # A rank is answered by a rank (第几 → 第20张), a count never by one (第3届).
        found = [c for c in counts(text) if c[3] == ordinal and new(c[1])]
        path = "ordinal" if ordinal else "any"
        if family == "contact":
            phones = [(m.start(), m.group()) for m in _PHONE_RE.finditer(text) if new(m.group())]
            return _read(kind, _nearest(phones, anchors), phones, "contact")
        if unit == "人" and family == "people":
            unit = None  # 多少人 asks a head count however it is printed (近200位, 80余名)
        if unit and unit != "个" and (
            not family or unit in UNIT_FAMILIES[family]
        ):
            found = [c for c in found if c[2] == unit]
            path = "unit"
        elif family:
            found = [c for c in found if c[2] in UNIT_FAMILIES[family]]
            path = family
            if family == "duration":
                # 行动开展前两周, 两周后: how long before or after something, which only a
                # question asking that (提前多久) is answered with, and no other one.
                ahead = bool(_AHEAD_ASKED.search(asked_in))
                found = [c for c in found if _relative_span(text, c[0], c[1]) == ahead]
            if family == "length":
                found = _of_dimension(found, text, asked_in)
        else:
            # "多少个国家" is not answered by an age or a price in the same sentence.
            found = [c for c in found if c[2] not in MEASURED]
            if (unit == "个" and asked_in and not _NAMES_PEOPLE.search(asked_in)) or (
                counted and not names_people(counted)
            ):
                # 个 counts things unless a person is named (几个党员, 主任有几个):
                # "活动的地方一共有多少个" is never answered by a head count (200余人),
                # nor is "发了多少传单" (近100名 volunteers handed them out).
                found = [c for c in found if c[2] not in UNIT_FAMILIES["people"]]
        matches = [(start, value) for start, value, _, _ in found]
        # The count whose noun follows it (110名退休党员) beats a nearer count of another.
        counted = [m for m in matches if any(0 <= a - m[0] - len(m[1]) <= 2 for a in anchors)]
        if path == "any" and len({value for _, value in counted}) > 1:
            # Two counts each followed by a question word (70个健身苑点和16条健身步道):
            # nearness cannot tell which one was asked.
            path = "counted"
        return _read(kind, _nearest(counted or matches, anchors), matches, path)
    if kind == "who":
        # The name alone answers (主任是谁 → 陈懿): the title is the question's word.
        named = [
            (m.start("name"), m.group("name"), m.group("title"))
            for m in _TITLE_NAME_RE.finditer(text)
            if m.group("name") not in _NOT_NAMES
            and new(m.group("name"))
            and (
                people is None
                or _overlaps(m.span("name"), people)
                or m.group("name")[0] in SURNAMES
            )
        ]
        matches = [(at, name) for at, name, held in named if not title or held == title]
        # (The title asked about, 所长是谁, is answered only by a name under that title:
        # the 主任 named beside the 所长 is someone else.)
        found = _read(kind, _nearest(matches, anchors), matches, "title" if title else "name")
        if found.value is None:
            return found
        # Everyone named under a title is another person the question might mean.
        people_named = tuple(
            dict.fromkeys((at, at + len(name)) for at, name, _ in named if name != found.value)
        )
        return replace(found, others=people_named)
    places = [
        (m.start(group), m.group(group))
        for m in _PLACE_RE.finditer(text)
        for group in ("place", "target")
        if m.group(group)
    ]
    matches = [
        (at, place)
        for at, place in places
        if _PLACE_END.search(place)
        and not _FRAGMENT.search(place)
        and new(place)
        and _names_more(place, asked_in)
    ]
    return _read(kind, _nearest(matches, anchors), matches, "place")


def _names_more(place: str, question: str) -> bool:
    """Whether ``place`` says more than its kind and the question's own words: "在广场中心"
    answers no "胜利广场是哪儿的广场" (广场 + 中心), nor does a bare "社区"."""
    end = _PLACE_END.search(place)
    head = place[: end.start()] if end else place
    return bool(head) and head not in question


# The dimension a length question asks (多长, 身高, 海拔, how deep) and the words that
# print a length as that dimension, or another, just before it ("长702米，深80米").
_DIMENSIONS = {
    "长": re.compile(r"多长|长度|体长|全长|长约|\bhow long\b", re.I),
    "高": re.compile(r"多高|高度|身高|海拔|\bhow (?:tall|high)\b", re.I),
    "深": re.compile(r"多深|深度|\bhow deep\b", re.I),
    "宽": re.compile(r"多宽|宽度|\bhow wide\b", re.I),
}
_DIMENSION_BEFORE = re.compile(r"([长高深宽])(?:度|约|达|为|有|近|超过){0,2}$")


_AHEAD_ASKED = re.compile(
    r"提前|提早|多久[以之]?[前后]|多长时间[以之]?[前后]|[前后]多久|[前后]多长时间"
    r"|in advance|beforehand|\bahead\b|\bbefore\b|\bafter\b|\blater\b",
    re.I,
)
_SPAN_BEFORE = re.compile(r"(?:之|以)?[前后]$")
_SPAN_AFTER = re.compile(r"^(?:之|以)?[前后]")


def _relative_span(text: str, start: int, value: str) -> bool:
    """Whether the duration printed at ``start`` dates something (前两周, 三天后)."""
    end = start + len(value)
    return bool(_SPAN_BEFORE.search(text[max(0, start - 2) : start]) or _SPAN_AFTER.match(text[end : end + 2]))


def _of_dimension(
    found: list[tuple[int, str, str, bool]], text: str, question: str
) -> list[tuple[int, str, str, bool]]:
    """The lengths of ``found`` not printed as another dimension than the one asked (多长
    is not answered by 深80米); all of them when that would leave none."""
    asked = next((d for d, pattern in _DIMENSIONS.items() if pattern.search(question)), None)
    if asked is None:
        return found
    kept = []
    for c in found:
        before = _DIMENSION_BEFORE.search(text[max(0, c[0] - 3) : c[0]])
        if before is None or before.group(1) == asked:
            kept.append(c)
    return kept or found


def _distinct(matches: Sequence[tuple[int, str]]) -> int:
    return len({value for _, value in matches})


# What joins dates that answer together: "11月22日和11月30日", "9月27日-10月9日".
_DATE_JOIN = re.compile(r"\s*(?:和|及|与|、|或|至|到|-|—|－|~|～|，)?\s*")
_YEAR_ALONE = re.compile(r"(?<!\d)(?:1[5-9]\d{2}|20\d{2})年(?!\d{1,2}月)")
_YEAR_ASKED = re.compile(r"哪一年|哪年|何年|什么年份|哪个年份|年份|\b(?:which|what) year\b", re.I)


def asks_year(question: str) -> bool:
    """Whether a "when" question asks for a year only (哪一年, in what year)."""
    return bool(_YEAR_ASKED.search(question))


def _when(
    text: str,
    issue_date: str,
    anchors: Sequence[int],
    *,
    year_only: bool,
    new: Callable[[str], bool],
) -> DirectAnswer:
    """The date (or the run of dates joined by 和, 至, 、 …) nearest the question's words.

    Dates that answer together are joined in the text ("11月22日下午和11月30日下午"); other
    dates of the sentence are about other things and never join the answer.
    """
    printed_dates = date_spans(text, issue_date)
    spans = [span for span in printed_dates if new(text[span[0] : span[1]])]
    if not spans:
        return DirectAnswer("when", None)
    groups: list[list[tuple[int, int, DateMention]]] = [[spans[0]]]
    for span in spans[1:]:
        gap = text[groups[-1][-1][1] : span[0]]
        if _DATE_JOIN.fullmatch(gap) and len(groups[-1]) < 3:
            groups[-1].append(span)
        else:
            groups.append([span])
    if anchors and len(groups) > 1:
        group = min(groups, key=lambda g: min(abs(g[0][0] - a) for a in anchors))
    else:
        group = groups[0]
    span = (group[0][0], group[-1][1])
    # (The same date printed twice is not a rival of itself.)
    chosen = text[span[0] : span[1]]
    others = tuple(
        (g[0][0], g[-1][1])
        for g in groups
        if g is not group and text[g[0][0] : g[-1][1]] != chosen
    )
    # Years standing alone beside dates with a month are dates of other events too
    # ("1817年3月8日，…，1863年，…改名为纽约证券交易所"), though never the answer read.
    lone_years = [
        (m.start(), m.end())
        for m in _YEAR_ALONE.finditer(text)
        if not any(a <= m.start() < b for a, b, _ in printed_dates)
        and new(m.group(0))
        # (Nor the year of the dates read: "2008年夏季…在2008年8月15日及8月16日…举行".)
        and int(m.group(0)[:4]) not in {d.year for _, _, d in group}
    ]
    others += tuple(lone_years)
    dates = tuple(d for _, _, d in group)
    if year_only:
        # A decade stays one ("1990年代以来" does not say 1990年).
        years = list(
            dict.fromkeys(
                (d.year, d.named == "代") for d in dates if d.year and new(f"{d.year}年")
            )
        )
        if not years:
            return DirectAnswer("when", None)
        kept = tuple(
            DateMention(
                y,
                None,
                year_inferred=any(d.year_inferred for d in dates if d.year == y),
                named="代" if decade else "",
            )
            for y, decade in years
        )
        return DirectAnswer(
            "when",
            "、".join(d.zh() for d in kept),
            kept,
            path="year",
            candidates=len(groups) + len(lone_years),
            span=span,
            others=others,
        )
    unique = tuple(dict.fromkeys(dates))
    value = unique[0].zh()
    if len(group) > 1:
        # A run of dates as printed ("9月27日-10月9日", "11月22日下午和11月30日下午"),
        # its year in front when the text gives it further on or not at all.
        printed = text[group[0][0] : group[-1][1]]
        first = unique[0]
        value = printed if printed.startswith(f"{first.year}年") or not first.year else (
            f"{first.year}年{printed}"
        )
    return DirectAnswer(
        "when",
        value,
        unique,
        path=_date_path(unique),
        candidates=len(groups) + len(lone_years),
        span=span,
        others=others,
    )


def _date_path(dates: Sequence[DateMention]) -> str:
    """How a date answer was read: a day or month, a year alone, or a named time."""
    first = dates[0]
    if first.month is None:
        return "named" if first.named else "year"
    return "day" if first.day else "month"


# The common single-character surnames (about nine in ten people in China bear one):
# jieba tags 刘伟民 as 刘 + 伟民, not as a name, but a title before a surname is a person.
SURNAMES = frozenset(
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
_NOT_A_NAME_START = (
    "各", "该", "这", "那", "此", "个", "余", "多", "几", "等", "每", "全", "一", "其", "某", "另",
    "所有", "著名", "整个", "本", "不少", "许多", "很多", "众多", "一些", "部分", "主要", "重要",
)  # fmt: skip
# What a name or a place never holds: a count (两家公司, 一首歌: a number of them), a
# pronoun or a particle (她的网站, 此建筑中建立了博物馆: a piece of the sentence).
_FRAGMENT = re.compile(
    r"[一二两三四五六七八九十几数][家个条所位名路首部种座张]|[了的她他它此其之把被「」《》“”]"
    r"|不少|许多|很多|众多|一些"
)


# Characters a name does not hold: particles and the verbs and prepositions a sentence
# runs through before it reaches one ("…组织成员参观了国际舞蹈中心" names 国际舞蹈中心).
_NAME_BREAK = re.compile(
    r".*(?:[了的在到和与及是为对把被从向往去来于以则但他她们将等让使由跟同]"
    # A verb that takes the name as its object (邀请区域单位浦东干部学院): the name is after it.
    r"|邀请|带领|召集|来到|前往|走进|走访|慰问|看望|参加|参观)"
)
# A place's head noun may run on past the word asked with (舞蹈 → 舞蹈中心).
_RUN_ON = re.compile(r"^(?:中心|馆|站|园|室|厅|点|所|基地|广场|学校)")


def _named(text: str, noun: str, question: str = "") -> list[tuple[int, str]]:
    """Names in ``text`` that end with ``noun`` (凉二小区 for 小区), with their offsets.

    The question's own words in front of a name are the sentence running up to it
    ("效力于哪个球队" → 效力香港超级联赛球队 is 香港超级联赛球队).
    """
    found = []
    for m in re.finditer(rf"[\u4e00-\u9fff]{{1,8}}?{re.escape(noun)}", text):
        start, name = m.start(), m.group(0)
        cut = _NAME_BREAK.match(name[: -len(noun)])
        if cut:
            start, name = start + cut.end(), name[cut.end() :]
            if len(name) - len(noun) < 2:
                continue  # "能去电影院": a common noun, not a name
        lead = _asked_lead(name[: -len(noun)], question)
        if lead:
            start, name = start + lead, name[lead:]
            if len(name) - len(noun) < 2:
                continue
        run_on = _RUN_ON.match(text[m.end() :])
        if run_on:
            name += run_on.group(0)
        if (
            name != noun
            and not name.startswith(_NOT_A_NAME_START)
            and not _FRAGMENT.search(name)
            # "30余家党群服务站" is a count of them, not one of their names.
            and not (start and text[start - 1].isdigit())
        ):
            found.append((start, name))
    return found


def _asked_lead(head: str, question: str) -> int:
    """How many characters at the start of ``head`` are a word the question has (2 or more)."""
    for length in range(len(head), 1, -1):
        if head[:length] in question:
            return length
    return 0


_CLAUSE_END = re.compile(r"[，,；;：:。！？!?]")


def _left_out(text: str, span: tuple[int, int]) -> tuple[tuple[int, int], ...]:
    """The items of the enumeration holding ``span`` (the names listed) that it leaves out.

    An enumeration's items are parted by 、 within a clause ("包含神经科学、认知科学、
    资讯工程、电脑科学"); those before or after the names listed are items of the same
    list that do not end in the noun asked: the names are then only part of the answer.
    """
    start = max((m.end() for m in _CLAUSE_END.finditer(text, 0, span[0])), default=0)
    end = next((m.start() for m in _CLAUSE_END.finditer(text, span[1])), len(text))
    items, at = [], start
    for piece in text[start:end].split("、"):
        items.append((at, at + len(piece)))
        at += len(piece) + 1
    return tuple(
        (a, b) for a, b in items if b <= span[0] or a >= span[1]
    )


def _named_list(
    text: str, noun: str | None, new: Callable[[str], bool], question: str = ""
) -> str | None:
    """"哪几个小区": every name ending in the noun, in order, once each."""
    if not noun:
        return None
    names = list(dict.fromkeys(name for _, name in _named(text, noun, question) if new(name)))
    return "、".join(names) if names else None

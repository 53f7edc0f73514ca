"""Page furniture: the masthead, QR blurbs, editorial small print, page numbers and jumps.

Recognised by shape, not by exact strings (see :mod:`corpus.ingest.cleaning`), and the
street office read from a masthead or publisher line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from corpus.ingest import places
from corpus.ingest.characters import IDEO, IDEO_RE, ideograph_count

LABEL_MAX = 6  # longest section label (社区扫描, 居民区)

# --- masthead, QR and page furniture ----------------------------------------------

_SENTENCE_PUNCT = re.compile(r"[。！？；!?;]")
_QR = re.compile(r"二维码|公众号|微信号|关注[“\"「]|小程序|抖音号|视频号|扫码|扫一扫")
_LATIN_MASTHEAD = re.compile(r"^[A-Z][A-Z &.'\-]{4,}$")
_SPACED_SLOGAN = re.compile(rf"^[{IDEO}](?:\s*[/／|｜·・\s]\s*[{IDEO}]){{2,}}$")
_PUBLICATION = re.compile(rf"^([{IDEO}]{{1,8}}(?:晨报|晚报|日报|周报|社区报|报))$")
_NOT_PUBLICATION = frozenset({"喜报", "简报", "捷报", "海报", "画报", "情报", "快报"})
_ORGAN = r"(?:党工委|党委|办事处|人民政府|政府|委员会|管委会|党群服务中心|党建服务中心)"
# "花木街道党工委、办事处 主办", "南京东路街道办事处 编", "莘庄镇党委、镇政府 联合出版": a street
# office or town and its organs, then what they do for the paper, and nothing else on the line.
_ORGAN_PUBLISHER = re.compile(
    rf"^(?:中共)?[{IDEO}]{{1,12}}(?:街道|镇|乡)[{IDEO}、，,\s]{{0,24}}?{_ORGAN}?[、，,\s]*"
    r"(?:联合)?(?:主办|出版|编印|编辑|编|主管|承办|协办|出品)$"
)
_BARE_PUBLISHER = re.compile(
    rf"^[{IDEO}]{{1,12}}(?:街道|镇|乡)[、，,\s]*(?:联合)?(?:主办|出版|编印|编辑|编|主管|承办|协办|出品)$"
)
_PUBLISHER_WORDS = re.compile(
    r"联合出版|联合主办|^主办(?:单位)?[:：]|^出版[:：]|^承办[:：]|^协办[:：]|^主管[:：]"
)


# Editorial small print only: addresses and phone numbers may be news to a resident.
_EDITORIAL = re.compile(
    r"^(?:主编|副主编|编辑|责任编辑|执行主编|美术编辑|编审|校对|投稿邮箱|准印证号?|印刷|"
    r"印数)[:：\s]|^内部资料|免费赠阅|免费交流"
)
_PAGE_NOISE = re.compile(
    r"^(?:[-—\s]*\d{1,3}[-—\s]*|第\s*\d{1,3}\s*[版期页]|\d{1,3}\s*版|"
    r"[(（]?\s*[上下]转第?\s*\d{1,3}\s*版\s*[)）]?|[(（]?\s*[上下]接第?\s*\d{1,3}\s*版\s*[)）]?)$"
)
# A credit or a bracketed note, bold as it may be set: "□记者 林晓", "（社区服务办）", "图/王敏".
NOT_A_HEADLINE = re.compile(
    r"^[（(【\[□■]|[）)】\]]$|^(?:文|图|图文|摄影|记者|通讯员|本报记者)\s*[/／:：|｜\s]"
)
INLINE_JUMP = re.compile(r"[(（]\s*[上下][转接]第?\s*\d{1,3}\s*版\s*[)）]")
MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s*")
_STREET_IN_LINE = re.compile(rf"([{IDEO}]{{2,8}}?街道)")
_TOWN_IN_LINE = re.compile(rf"([{IDEO}]{{1,6}}?[镇乡])(?=党|人民|政府|委员|办|社区|[、，,\s]|$)")
# A line of the masthead that only dates and numbers the issue: "2026年11月5日 星期四 第11期".
_ISSUE_LINE = re.compile(
    r"^(?:\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|\d{4}[-./]\d{1,2}(?:[-./]\d{1,2})?|"
    r"(?:总\s*)?第\s*\d{1,4}\s*期|星期[一二三四五六日天]|周[一二三四五六日]|农历\S{2,8}|"
    r"[\s|｜·•/／,，、()（）])+$"
)

_FOLIO = re.compile(r"^(?:第\s*\d{1,2}\s*版|[A-D]?\d{1,2}\s*版)$")


def publication_of(line: str) -> str | None:
    m = _PUBLICATION.match(MARKDOWN_HEADING.sub("", line).strip())
    if m and len(m.group(1)) >= 3 and m.group(1) not in _NOT_PUBLICATION:
        return m.group(1)
    return None


def publisher_line(line: str) -> bool:
    """A masthead line naming who publishes the paper (never a headline, never the issue title)."""
    compact = MARKDOWN_HEADING.sub("", line).strip()
    if len(compact) > 80:
        # A whole page run together (a text layer without line breaks) merely contains it.
        return False
    if _PUBLISHER_WORDS.search(compact):
        return True
    if len(compact) > 40 or _SENTENCE_PUNCT.search(compact):
        return False
    # Without an organ the line is "凉城街道 主办" at most: "凉城街道居民自编" names no office.
    return bool(_ORGAN_PUBLISHER.match(compact)) and (
        re.search(_ORGAN, compact) is not None or _BARE_PUBLISHER.match(compact) is not None
    )


def publication_in(title: str) -> str | None:
    """The paper's name in a masthead title such as ``社区晨报 2026年11月 第11期``."""
    for part in re.split(r"[\s|｜·•/／,，、]+", MARKDOWN_HEADING.sub("", title)):
        name = publication_of(part)
        if name:
            return name
    return None


def street_of_publisher(line: str) -> str | None:
    """The street office or town a publisher line names: a listed one by its official name."""
    listed = places.find_in_line(line)
    if listed:
        return listed
    compact = line.replace(" ", "")
    m = _STREET_IN_LINE.search(compact) or _TOWN_IN_LINE.search(compact)
    if not m:
        return None
    street = re.sub(r"^(?:中共|中国共产党)", "", m.group(1))
    # "虹口区凉城新村街道": the district is not part of the street office's name.
    street = re.sub(rf"^[{IDEO}]*?(?:新区|[区市县])(?=[{IDEO}]{{2}})", "", street)
    return street if len(street) > 2 or (len(street) == 2 and street[-1] in "镇乡") else None


def _dates_issue(part: str) -> bool:
    return bool(_ISSUE_LINE.match(part)) and bool(re.search(r"\d|星期|农历", part))


def issue_line(line: str) -> bool:
    """A masthead line or running head that dates or numbers the issue, and nothing else.

    Beside the date may stand the paper's name, the page (第2版) and its section label:
    "社区晨报 2026年11月5日 第2版 综合新闻", printed atop every page of a PDF.
    """
    text = MARKDOWN_HEADING.sub("", line).strip()
    if _dates_issue(text):
        return True
    if len(text) > 40 or _SENTENCE_PUNCT.search(text) or re.search("[，,：:]", text):
        return False
    parts = [part for part in re.split(r"[\s|｜·•/／]+", text) if part]
    dated = False
    for part in parts:
        if _dates_issue(part) or _FOLIO.match(part):
            dated = True
        elif not (publication_of(part) or ideograph_count(part) == len(part) <= LABEL_MAX):
            return False
    return dated and len(parts) >= 2


_STOP_CHARS = frozenset(
    "的了在到和与及对为是由从向将把被给等各全共同这那其该本我你他她们来去有没无也都就还又所于区市"
)


def detect_street(text: str) -> str | None:
    """The most frequently named street office or town, if any, by its official name when listed.

    Listed units (:mod:`corpus.ingest.places`) are counted under every spoken form
    (凉城街道 and 凉城新村街道 are one), a town only when named twice or more. An
    unlisted ``XX街道`` is found too: see
    :func:`_unlisted_street`; it wins only when named more often than every listed one.
    """
    counts = places.count_in_text(text)
    # A town's name can be part of a longer word (城乡建设镇级…): once is not enough.
    for name in [n for n, k in counts.items() if k < 2 and not n.endswith("街道")]:
        del counts[name]
    unlisted = _unlisted_street(text)
    if unlisted is not None:
        name = places.canonical(unlisted) or unlisted
        counts[name] = max(counts[name], text.count(unlisted))
    if not counts:
        return None
    # Ties go to the unit named first (the masthead or the lead article).
    return max(counts, key=lambda name: (counts[name], -_first_mention(text, name)))


def _first_mention(text: str, name: str) -> int:
    found = text.find(name)
    return found if found >= 0 else len(text)


def _unlisted_street(text: str) -> str | None:
    """The most frequently named ``XX街道``/``XX新村街道``, read from the text alone.

    Each ``街道`` is extended leftwards one character at a time while the longer
    name still accounts for more than half of the shorter one's mentions, never
    across function words, so ``来到凉城新村街道`` counts as ``凉城新村街道``.
    """
    prefixes: Counter[str] = Counter()
    for m in re.finditer("街道", text):
        start = m.start()
        for size in range(1, 7):
            if start - size < 0:
                break
            ch = text[start - size]
            if not IDEO_RE.match(ch) or ch in _STOP_CHARS:
                break
            if size >= 2:
                prefixes[text[start - size : start]] += 1
    if not prefixes:
        return None
    best: str | None = None
    for seed, count in prefixes.most_common():
        if len(seed) != 2:
            continue
        name = seed
        while True:
            longer = [p for p in prefixes if len(p) == len(name) + 1 and p.endswith(name)]
            top = max(longer, key=prefixes.__getitem__, default=None)
            if top is None or prefixes[top] * 2 <= count:
                break
            name, count = top, prefixes[top]
        best = name
        break
    return f"{best}街道" if best else None


def masthead_group(lines: Sequence[str]) -> bool:
    """A whole blank-separated group that is masthead furniture (QR block, Latin name)."""
    if sum(len(line) for line in lines) > 120:
        return False
    # A QR block is short lines of calls to scan or follow; a sentence that merely
    # mentions 扫码 or 公众号 ("学习使用手机挂号、扫码乘车。") is news, not furniture.
    if any(_QR.search(line) for line in lines) and not any(
        _SENTENCE_PUNCT.search(line) for line in lines
    ):
        return True
    # "LIANG CHENG" sits over the Chinese place name: drop the short lines with it.
    return any(_LATIN_MASTHEAD.match(line) for line in lines) and all(
        _LATIN_MASTHEAD.match(line) or ideograph_count(line) <= LABEL_MAX for line in lines
    )


def masthead_line(line: str) -> bool:
    return bool(
        _LATIN_MASTHEAD.match(line)
        or _SPACED_SLOGAN.match(line)
        or publisher_line(line)
        or issue_line(line)
        or (_EDITORIAL.search(line) and len(line) <= 60)
        or _PAGE_NOISE.match(line)
    )

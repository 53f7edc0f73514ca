"""Page furniture: the masthead, QR blurbs, editorial small print, page numbers and jumps.

Recognised by shape, not by exact strings (see :mod:`corpus.ingest.cleaning`), and the
street office read from a masthead or publisher line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from corpus.ingest.characters import IDEO, IDEO_RE, ideograph_count

LABEL_MAX = 6  # longest section label (社区扫描, 居民区)

# --- masthead, QR and page furniture ----------------------------------------------

_SENTENCE_PUNCT = re.compile(r"[。！？；!?;]")
_QR = re.compile(r"二维码|公众号|微信号|关注[“\"「]|小程序|抖音号|视频号|扫码|扫一扫")
_LATIN_MASTHEAD = re.compile(r"^[A-Z][A-Z &.'\-]{4,}$")
_SPACED_SLOGAN = re.compile(rf"^[{IDEO}](?:\s*[/／|｜·・\s]\s*[{IDEO}]){{2,}}$")
_PUBLICATION = re.compile(rf"^([{IDEO}]{{1,8}}(?:晨报|晚报|日报|周报|社区报|报))$")
_NOT_PUBLICATION = frozenset({"喜报", "简报", "捷报", "海报", "画报", "情报", "快报"})
PUBLISHER = re.compile(r"联合出版|联合主办|^主办[:：]|^出版[:：]|^承办[:：]|^协办[:：]")
# Editorial small print only: addresses and phone numbers may be news to a resident.
_EDITORIAL = re.compile(
    r"^(?:主编|副主编|编辑|责任编辑|执行主编|美术编辑|编审|校对|投稿邮箱|准印证号?|印刷|"
    r"印数)[:：\s]|^内部资料|免费赠阅|免费交流"
)
_PAGE_NOISE = re.compile(
    r"^(?:[-—\s]*\d{1,3}[-—\s]*|第\s*\d{1,3}\s*[版期页]|\d{1,3}\s*版|"
    r"[(（]?\s*[上下]转第?\s*\d{1,3}\s*版\s*[)）]?|[(（]?\s*[上下]接第?\s*\d{1,3}\s*版\s*[)）]?)$"
)
INLINE_JUMP = re.compile(r"[(（]\s*[上下][转接]第?\s*\d{1,3}\s*版\s*[)）]")
MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s*")
_STREET_IN_LINE = re.compile(rf"([{IDEO}]{{2,8}}?街道)")


def publication_of(line: str) -> str | None:
    m = _PUBLICATION.match(MARKDOWN_HEADING.sub("", line).strip())
    if m and len(m.group(1)) >= 3 and m.group(1) not in _NOT_PUBLICATION:
        return m.group(1)
    return None


def street_of_publisher(line: str) -> str | None:
    m = _STREET_IN_LINE.search(line.replace(" ", ""))
    if not m:
        return None
    street = re.sub(r"^(?:中共|中国共产党)", "", m.group(1))
    # "虹口区凉城新村街道": the district is not part of the street office's name.
    street = re.sub(rf"^[{IDEO}]*?(?:新区|[区市县])(?=[{IDEO}]{{2}})", "", street)
    return street if len(street) > 2 else None


_STOP_CHARS = frozenset(
    "的了在到和与及对为是由从向将把被给等各全共同这那其该本我你他她们来去有没无也都就还又所于区市"
)


def detect_street(text: str) -> str | None:
    """The most frequently named street office (``XX街道``/``XX新村街道``), if any.

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
        or PUBLISHER.search(line)
        or (_EDITORIAL.search(line) and len(line) <= 60)
        or _PAGE_NOISE.match(line)
    )

"""Line-level cleaning of OCR'd community-newspaper text (pure functions, no I/O).

The text we get is what a PDF-to-text tool makes of a printed page: one line per
paragraph or headline, blank lines between them, and all the furniture of the
page mixed in.  :func:`clean_text` turns it into a flat stream of typed
:class:`Block` s (``heading``, ``caption``, ``body``, ``byline``) and the masthead's
metadata; :mod:`corpus.articles` groups that stream into articles.

How a short line is told apart (the crux of the module):

* **Masthead and QR furniture** is recognised by its shape, not by exact strings:
  blocks mentioning a QR code / official account, all-capitals Latin lines
  (``LIANG CHENG``), a paper name ending in 报 before the first body text,
  spaced-out slogans (``自 / 家 / 门 / 口``), ``…联合出版`` / ``主办：`` lines,
  page numbers and ``(下转第2版)`` jumps.
* **Body** text has sentence punctuation (。；), ends mid-clause (，、：), or is
  longer than any headline.  Everything else is a *short line*: a headline, a
  kicker, a section label, a subhead or a photo caption.
* **Captions versus headings** is decided per run of short lines between two body
  paragraphs, from layout first: the OCR sets photo captions off with three or
  more blank lines while headings follow a single one; a short line that occurs
  twice is a caption (photos are often captioned twice).  When a run holds only
  such set-off lines, the last one still counts as a heading if it opens the
  text, follows a byline (a finished article needs a new headline before more
  body), or if the paragraph after it takes up its words more than the one
  before (a subhead announces what follows; a caption describes a photo).
  Markdown headings and ``联洋二 | 感受红色文化`` items are always headings.
* **Broken paragraphs**: a body paragraph that does not end a sentence is joined
  to the next body paragraph when only captions stand between them; that is how a
  column or page break looks after OCR (``…让大`` / captions / ``家感受到…``).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

# Ideographs only, and the wider "CJK context" that also counts full-width
# punctuation, curly quotes, ellipses and dashes as Chinese text.
_IDEO = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK = _IDEO + "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\uff00-\uffef\u2014\u2018-\u201f\u2026\u00b7"
_IDEO_RE = re.compile(f"[{_IDEO}]")

SENTENCE_FINAL = "。！？!?；;…"
CLOSERS = "”’」』）)》】\"'"
# A paragraph ending with one of these is complete (a colon introduces a list that
# legitimately starts a new paragraph).
_COMPLETE_END = SENTENCE_FINAL + "：:"
_CLAUSE_END = "，,、：:—"

CAPTION_GAP = 3  # blank lines that set a photo caption off in the OCR layout
MAX_SHORT = 50  # longest headline/caption, in non-space characters
LABEL_MAX = 6  # longest section label (社区扫描, 居民区)


class Kind(StrEnum):
    HEADING = "heading"
    CAPTION = "caption"
    BODY = "body"
    BYLINE = "byline"


@dataclass(frozen=True)
class Block:
    """One cleaned unit of the page, in reading order.

    Attributes:
        kind: what the unit is.
        text: the cleaned text (a byline without its brackets or □).
        gap: blank lines before it in the source (0 for the first block).
        level: markdown heading level (``#`` = 1), 0 when not marked up.
    """

    kind: Kind
    text: str
    gap: int = 0
    level: int = 0

    @property
    def is_item(self) -> bool:
        """A ``place | headline`` short item (``联洋二 | 感受红色文化``)."""
        return self.kind is not Kind.BODY and _ITEM.match(self.text) is not None


@dataclass(frozen=True)
class CleanedText:
    blocks: tuple[Block, ...]
    publication: str | None
    street: str | None


# --- character-level normalisation ------------------------------------------------

_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
_FULLWIDTH_ALNUM = {
    **{0xFF10 + i: 0x30 + i for i in range(10)},
    **{0xFF21 + i: 0x41 + i for i in range(26)},
    **{0xFF41 + i: 0x61 + i for i in range(26)},
}


def prepare_text(text: str) -> str:
    """Unify line breaks, drop invisible characters, use ASCII for full-width digits and letters.

    Markup such as ``<b>`` is left alone: uploads are text extracted from PDFs, so
    anything that looks like HTML is literally printed and is kept verbatim.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub("[\u2028\u2029\x0c\x0b]", "\n\n", text)
    text = _ZERO_WIDTH.sub("", _CONTROL.sub("", text))
    text = text.translate(_FULLWIDTH_ALNUM)
    return re.sub("[\u00a0\u3000\t\u2002-\u200a]", " ", text)


_ASCII_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
_PUNCT = re.compile(r"\s*([,:;?!])\s*")
_PAREN_PAIR = re.compile(r"[(（]([^()（）\n]{0,80})[)）]")
_ASCII_QUOTES = re.compile(rf'"([^"\n]*[{_IDEO}][^"\n]*)"')
_CJK_CHAR = re.compile(f"[{_CJK}]")


def _is_cjk(ch: str) -> bool:
    return bool(ch) and _CJK_CHAR.match(ch) is not None


def normalize_punctuation(line: str) -> str:
    """Use full-width Chinese punctuation next to Chinese text, ASCII elsewhere.

    ``,:;?!`` become ``，：；？！`` when a neighbour is Chinese (``12:30`` and
    ``http://`` stay), brackets and straight double quotes around Chinese become
    ``（）`` and ``“”``.
    """

    def punct(m: re.Match[str]) -> str:
        mark = m.group(1)
        before = line[m.start() - 1] if m.start() > 0 else ""
        after = line[m.end()] if m.end() < len(line) else ""
        if mark in ",:" and before.isdigit() and after.isdigit():
            return m.group(0)
        if _is_cjk(before) or _is_cjk(after):
            return _ASCII_TO_FULL[mark]
        return m.group(0)

    line = _PUNCT.sub(punct, line)

    def paren(m: re.Match[str]) -> str:
        before = line[m.start() - 1] if m.start() > 0 else ""
        after = line[m.end()] if m.end() < len(line) else ""
        inner = m.group(1)
        if _IDEO_RE.search(inner) or _is_cjk(before) or _is_cjk(after):
            return f"（{inner.strip()}）"
        return f"({inner})"

    line = _PAREN_PAIR.sub(paren, line)
    return _ASCII_QUOTES.sub(r"“\1”", line)


_SPACE_RUN = re.compile(r"\s+")
# Spaces that never mean anything in Chinese: next to a digit or inside brackets/quotes.
_OPEN = "“‘（《「『【"
_TIGHT = "”’）》」』】，。：；！？、"


def collapse_spaces(line: str, *, keep_word_spaces: bool = False) -> str:
    """Collapse whitespace the way Chinese typesetting expects.

    Whitespace between Chinese text and digits (``成立 98 周年``) always goes, as
    does whitespace next to Chinese punctuation; a single space is kept between
    Latin words and between Chinese and Latin.  Between two Chinese characters it
    goes in body text but is kept when ``keep_word_spaces`` is set, because in
    headlines, captions and bylines it separates the parts (``万众建我家 同心筑凉城``,
    ``党建办 杜嵩``).
    """
    line = line.strip()
    if not line:
        return ""

    def space(m: re.Match[str]) -> str:
        before = line[m.start() - 1] if m.start() > 0 else ""
        after = line[m.end()] if m.end() < len(line) else ""
        if not before or not after:
            return ""
        b_cjk, a_cjk = _is_cjk(before), _is_cjk(after)
        if (b_cjk and after.isdigit()) or (before.isdigit() and a_cjk):
            return ""
        if before in _OPEN or after in _TIGHT:
            return ""
        if b_cjk and a_cjk:
            return " " if keep_word_spaces else ""
        return " "

    return _SPACE_RUN.sub(space, line)


def join_fragments(first: str, second: str) -> str:
    """Join two pieces of one paragraph: no space in Chinese, one between Latin words."""
    if first and second and first[-1].isascii() and first[-1].isalnum() and second[0].isascii():
        return f"{first} {second}"
    return first + second


def is_complete(text: str) -> bool:
    """Whether a paragraph ends a sentence (or a colon that introduces a list)."""
    stripped = text.rstrip().rstrip(CLOSERS).rstrip()
    return bool(stripped) and stripped[-1] in _COMPLETE_END


def ideograph_count(text: str) -> int:
    return len(_IDEO_RE.findall(text))


# --- masthead, QR and page furniture ----------------------------------------------

_SENTENCE_PUNCT = re.compile(r"[。！？；!?;]")
_QR = re.compile(r"二维码|公众号|微信号|关注[“\"「]|小程序|抖音号|视频号|扫码|扫一扫")
_LATIN_MASTHEAD = re.compile(r"^[A-Z][A-Z &.'\-]{4,}$")
_SPACED_SLOGAN = re.compile(rf"^[{_IDEO}](?:\s*[/／|｜·・\s]\s*[{_IDEO}]){{2,}}$")
_PUBLICATION = re.compile(rf"^([{_IDEO}]{{1,8}}(?:晨报|晚报|日报|周报|社区报|报))$")
_NOT_PUBLICATION = frozenset({"喜报", "简报", "捷报", "海报", "画报", "情报", "快报"})
_PUBLISHER = re.compile(r"联合出版|联合主办|^主办[:：]|^出版[:：]|^承办[:：]|^协办[:：]")
# Editorial small print only: addresses and phone numbers may be news to a resident.
_EDITORIAL = re.compile(
    r"^(?:主编|副主编|编辑|责任编辑|执行主编|美术编辑|编审|校对|投稿邮箱|准印证号?|印刷|"
    r"印数)[:：\s]|^内部资料|免费赠阅|免费交流"
)
_PAGE_NOISE = re.compile(
    r"^(?:[-—\s]*\d{1,3}[-—\s]*|第\s*\d{1,3}\s*[版期页]|\d{1,3}\s*版|"
    r"[(（]?\s*[上下]转第?\s*\d{1,3}\s*版\s*[)）]?|[(（]?\s*[上下]接第?\s*\d{1,3}\s*版\s*[)）]?)$"
)
_INLINE_JUMP = re.compile(r"[(（]\s*[上下][转接]第?\s*\d{1,3}\s*版\s*[)）]")
_MARKDOWN = re.compile(r"^(#{1,6})\s*")
_STREET_IN_LINE = re.compile(rf"([{_IDEO}]{{2,8}}?街道)")


def _publication_of(line: str) -> str | None:
    m = _PUBLICATION.match(_MARKDOWN.sub("", line).strip())
    if m and len(m.group(1)) >= 3 and m.group(1) not in _NOT_PUBLICATION:
        return m.group(1)
    return None


def _street_of_publisher(line: str) -> str | None:
    m = _STREET_IN_LINE.search(line.replace(" ", ""))
    if not m:
        return None
    street = re.sub(r"^(?:中共|中国共产党)", "", m.group(1))
    # "虹口区凉城新村街道": the district is not part of the street office's name.
    street = re.sub(rf"^[{_IDEO}]*?(?:新区|[区市县])(?=[{_IDEO}]{{2}})", "", street)
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
            if not _IDEO_RE.match(ch) or ch in _STOP_CHARS:
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


def _masthead_group(lines: Sequence[str]) -> bool:
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


def _masthead_line(line: str) -> bool:
    return bool(
        _LATIN_MASTHEAD.match(line)
        or _SPACED_SLOGAN.match(line)
        or _PUBLISHER.search(line)
        or (_EDITORIAL.search(line) and len(line) <= 60)
        or _PAGE_NOISE.match(line)
    )


# --- blocks -------------------------------------------------------------------------


@dataclass
class _Item:
    """A block under construction; ``kind`` is None while it may be heading or caption."""

    kind: Kind | None
    text: str
    gap: int
    level: int = 0

    @property
    def key(self) -> str:
        return re.sub(r"\s+", "", self.text)


def _groups(text: str) -> list[tuple[int, list[str]]]:
    """Blank-separated groups of stripped lines, with the blank lines before each."""
    lines = text.split("\n")
    if len(lines) > 3 and not any(not line.strip() for line in lines):
        # No blank lines at all: one line is one paragraph.
        return [(0, [line.strip()]) for line in lines]
    groups: list[tuple[int, list[str]]] = []
    gap, current = 0, []
    for raw in lines:
        line = raw.strip()
        if line:
            current.append(line)
            continue
        if current:
            groups.append((gap, current))
            gap, current = 0, []
        gap += 1
    if current:
        groups.append((gap, current))
    return groups


_BYLINE_BOX = re.compile(r"^[□■◇◆○●]\s*(.{1,40})$")
_BYLINE_CREDIT = re.compile(
    rf"^(?:(?:文|图|图文|摄影|撰稿|作者|来源)\s*[/／:：|｜]|(?:本报)?(?:特约)?(?:记者|通讯员)[\s/／:：]+[{_IDEO}]{{2,4}}(?:\s|$)).{{0,40}}$"
)
_BYLINE_PAREN = re.compile(r"^[（(]([^()（）。，,；;！？]{1,40})[)）]$")
_TRAILING_BYLINE = re.compile(
    r"^(.*[。！？!?…”」』])\s*[（(]([^()（）。，,；;！？]{1,40})[)）]$", re.DOTALL
)


def _byline_text(text: str) -> str | None:
    for pattern in (_BYLINE_BOX, _BYLINE_PAREN):
        m = pattern.match(text)
        if m:
            return m.group(1).strip()
    if _BYLINE_CREDIT.match(text):
        return text
    return None


def _parallel(compact: str) -> bool:
    """A two-part headline such as ``汇集志愿力量，引领文明时尚``."""
    parts = re.split("[，：]", compact)
    if len(parts) != 2:
        return False
    sizes = [ideograph_count(part) for part in parts]
    return max(sizes) <= 12 and abs(sizes[0] - sizes[1]) <= 3


def _is_body(text: str, gap: int) -> bool:
    compact = re.sub(r"\s+", "", text)
    if not compact:
        return False
    if len(compact) > MAX_SHORT or re.search("[。；;]", compact):
        return True
    if compact[-1] in _CLAUSE_END:
        return True
    # A short line with a comma that is not set off like a caption is the start of a
    # paragraph broken by a column end ("最后，区委组织部副部长、区社工委").
    if gap < CAPTION_GAP and re.search("[，：]", compact) and not _parallel(compact):
        return True
    # A headline may end in ？ or ！ ("垃圾分类你做对了吗？"); a longer line is a sentence.
    marks = [i for i, ch in enumerate(compact) if ch in "！？!?"]
    return bool(marks) and (len(compact) > 25 or marks[0] < len(compact.rstrip(CLOSERS)) - 1)


def _make_items(text: str) -> tuple[list[_Item], str | None, str | None]:
    """Masthead-free items, plus the publication and street the masthead names."""
    items: list[_Item] = []
    publication: str | None = None
    street: str | None = None
    seen_body = False
    for gap, lines in _groups(text):
        if _masthead_group(lines):
            continue
        kept: list[str] = []
        for line in lines:
            if _PUBLISHER.search(line):
                street = street or _street_of_publisher(line)
            name = _publication_of(line)
            if name and (not seen_body or name == publication):
                publication = publication or name
                continue
            if not _masthead_line(line):
                kept.append(line)
        if not kept:
            continue
        joined = kept[0]
        for line in kept[1:]:
            joined = join_fragments(joined, line)
        joined = _INLINE_JUMP.sub("", joined).strip()
        level = 0
        md = _MARKDOWN.match(joined)
        if md:
            level = len(md.group(1))
            joined = joined[md.end() :]
        joined = normalize_punctuation(joined.replace("**", "").strip())
        if not joined:
            continue
        items.extend(_classify(joined, 0 if not items else gap, level))
        seen_body = seen_body or any(item.kind is Kind.BODY for item in items[-2:])
    return items, publication, street


def _classify(text: str, gap: int, level: int) -> list[_Item]:
    if level:
        return [_Item(None, text, gap, level)]
    byline = _byline_text(text)
    if byline is not None:
        return [_Item(Kind.BYLINE, byline, gap)]
    if not _is_body(text, gap):
        return [_Item(None, text, gap)]
    m = _TRAILING_BYLINE.match(text)
    if m and ideograph_count(m.group(1)) > 0:
        # "(党建办)" closing the last paragraph is the article's credit line.
        return [
            _Item(Kind.BODY, m.group(1).strip(), gap),
            _Item(Kind.BYLINE, m.group(2).strip(), 0),
        ]
    return [_Item(Kind.BODY, text, gap)]


# --- captions versus headings ------------------------------------------------------

_ITEM = re.compile(r"^\S{1,12}\s*[|｜]\s*\S")
_CONTEXT = 200  # characters of the neighbouring paragraphs compared with a short line


def _bigrams(text: str) -> set[str]:
    ideographs = _IDEO_RE.findall(text)
    return {a + b for a, b in itertools.pairwise(ideographs)}


def _announces(line: str, before: str, after: str) -> bool:
    """Whether ``line`` shares more words with the following text than the preceding one."""
    words = _bigrams(line)
    ahead = len(words & _bigrams(after[:_CONTEXT]))
    behind = len(words & _bigrams(before[-_CONTEXT:]))
    return ahead >= 2 and ahead > behind


def _resolve_run(
    run: list[_Item],
    prev: _Item | None,
    nxt: _Item | None,
    after: str,
    repeats: Counter[str],
    *,
    closed: bool,
) -> None:
    """Decide heading or caption for each short line of one run, in place."""
    if nxt is None:
        # Nothing follows: captions under the last photos of the page.
        for item in run:
            item.kind = Kind.CAPTION
        return
    for item in run:
        explicit = item.level > 0 or _ITEM.match(item.text) is not None
        set_off = repeats[item.key] > 1 or item.gap >= CAPTION_GAP
        item.kind = Kind.CAPTION if set_off and not explicit else Kind.HEADING
    if any(item.kind is Kind.HEADING for item in run):
        return
    singles = [item for item in run if repeats[item.key] == 1]
    if not singles or (prev is not None and prev.kind is Kind.BODY and not is_complete(prev.text)):
        return
    last = singles[-1]
    before = prev.text if prev is not None and prev.kind is Kind.BODY else ""
    if closed or _announces(last.text, before, after):
        last.kind = Kind.HEADING


def _resolve(items: list[_Item]) -> None:
    repeats = Counter(item.key for item in items if item.kind is None)
    # The next body paragraph after each position, found in one backward pass.
    following: list[str] = [""] * (len(items) + 1)
    for k in range(len(items) - 1, -1, -1):
        following[k] = items[k].text if items[k].kind is Kind.BODY else following[k + 1]
    i = 0
    while i < len(items):
        if items[i].kind is not None:
            i += 1
            continue
        j = i
        while j < len(items) and items[j].kind is None:
            j += 1
        prev = items[i - 1] if i else None
        # A byline closes an article only when it follows body text (not a top credit).
        closed = prev is None or (
            prev.kind is Kind.BYLINE and i >= 2 and items[i - 2].kind is Kind.BODY
        )
        nxt = items[j] if j < len(items) else None
        _resolve_run(items[i:j], prev, nxt, following[j], repeats, closed=closed)
        i = j


def _rejoin(items: list[_Item]) -> list[Block]:
    """Join broken paragraphs across captions and emit the final blocks."""
    out: list[_Item] = []
    open_body: int | None = None  # index in ``out`` of a paragraph that stops mid-sentence
    for item in items:
        if item.kind is Kind.BODY:
            if open_body is None:
                out.append(item)
                open_body = len(out) - 1
            else:
                out[open_body].text = join_fragments(out[open_body].text, item.text)
            if is_complete(out[open_body].text):
                open_body = None
        else:
            out.append(item)
            if item.kind is not Kind.CAPTION:
                open_body = None
    blocks: list[Block] = []
    for item in out:
        kind = item.kind or Kind.CAPTION
        text = collapse_spaces(item.text, keep_word_spaces=kind is not Kind.BODY)
        if text:
            blocks.append(Block(kind, text, item.gap, item.level))
    return blocks


def clean_text(text: str) -> CleanedText:
    """Clean raw OCR text into typed blocks plus the masthead's publication and street.

    The street comes from the ``…街道党工委、办事处 联合出版`` line when there is
    one, else it is the street office the text names most often.
    """
    text = prepare_text(text)
    items, publication, street = _make_items(text)
    _resolve(items)
    blocks = _rejoin(items)
    return CleanedText(tuple(blocks), publication, street or detect_street(text))

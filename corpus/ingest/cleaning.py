"""Line-level cleaning of OCR'd community-newspaper text (pure functions, no I/O).

The text we get is what a PDF-to-text tool makes of a printed page: one line per
paragraph or headline, blank lines between them, and all the furniture of the
page mixed in.  :func:`clean_text` turns it into a flat stream of typed
:class:`Block` s (``heading``, ``caption``, ``body``, ``byline``) and the masthead's
metadata; :mod:`corpus.ingest.articles` groups that stream into articles.

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
from dataclasses import dataclass
from enum import StrEnum

from corpus.ingest.characters import (
    CLAUSE_END,
    CLOSERS,
    IDEO,
    IDEO_RE,
    collapse_spaces,
    ideograph_count,
    is_complete,
    join_fragments,
    normalize_punctuation,
    prepare_text,
)
from corpus.ingest.furniture import (
    INLINE_JUMP,
    MARKDOWN_HEADING,
    detect_street,
    masthead_group,
    masthead_line,
    publication_in,
    publication_of,
    publisher_line,
    street_of_publisher,
)

CAPTION_GAP = 3  # blank lines that set a photo caption off in the OCR layout
MAX_SHORT = 50  # longest headline/caption, in non-space characters


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
    rf"^(?:(?:文|图|图文|摄影|撰稿|作者|来源)\s*[/／:：|｜]|(?:本报)?(?:特约)?(?:记者|通讯员)[\s/／:：]+[{IDEO}]{{2,4}}(?:\s|$)).{{0,40}}$"
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
    if compact[-1] in CLAUSE_END:
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
        if masthead_group(lines):
            continue
        kept: list[str] = []
        for line in lines:
            if publisher_line(line):
                street = street or street_of_publisher(line)
            name = publication_of(line)
            if name and (not seen_body or name == publication):
                publication = publication or name
                continue
            if not masthead_line(line):
                kept.append(line)
        if not kept:
            continue
        joined = kept[0]
        for line in kept[1:]:
            joined = join_fragments(joined, line)
        joined = INLINE_JUMP.sub("", joined).strip()
        level = 0
        md = MARKDOWN_HEADING.match(joined)
        if md:
            level = len(md.group(1))
            joined = joined[md.end() :]
        joined = normalize_punctuation(joined.replace("**", "").strip())
        if not joined:
            continue
        items.extend(_classify(joined, 0 if not items else gap, level))
        seen_body = seen_body or any(item.kind is Kind.BODY for item in items[-2:])
    items, title_publication = _without_document_title(items)
    return items, publication or title_publication, street


def _without_document_title(items: list[_Item]) -> tuple[list[_Item], str | None]:
    """Drop a ``#`` document title above ``##`` articles: the masthead (a Word Title, a PDF's
    paper name set far larger than any headline).

    In Markdown the one ``#`` heading names the document, and a newspaper document is
    the paper; its articles sit under deeper headings. A ``#`` with no deeper heading
    after it, before the first body text, is an article's headline and stays.
    """
    lead = next((i for i, item in enumerate(items) if item.kind is Kind.BODY), len(items))
    deeper = next((i for i in range(lead) if items[i].level >= 2), None)
    if deeper is None:
        return items, None
    titles = [i for i in range(deeper) if items[i].level == 1]
    if not titles:
        return items, None
    name = next(filter(None, (publication_in(items[i].text) for i in titles)), None)
    return [item for i, item in enumerate(items) if i not in titles], name


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
    ideographs = IDEO_RE.findall(text)
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

"""A PDF text layer laid out as the article parser reads it: reading order, paragraphs, headlines.

pypdf's text visitor gives every text run with its position, font and size; from those:

* **Lines**: runs on one baseline, split where a wide horizontal gap (a column gutter)
  separates them.
* **Columns**: a page's columns start where many lines start and few lines of the column
  to their left reach across; a line that does reach across (a headline over two columns,
  the masthead band) is read in its place between the bands of columns above and below
  it, and each band is read column by column, left to right, top to bottom.
* **Paragraphs**: a blank line where the gap to the next line is wider than the body's
  leading, where a line is indented as a paragraph's first line, after a short line that
  ends a sentence, where the type changes, and between columns (the cleaning stage joins a
  sentence a column break cut, as for OCR'd text).
* **Headlines**: lines set clearly larger than the body text become ``##`` headings, and
  slightly larger or bold short lines ``###`` (subheads, decks); one top line far larger
  than every headline is the paper's name, ``#`` (see cleaning's document title).

Sizes and weights are judged against the body text of the whole document, so a page of
headlines alone is still read right.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

from corpus.ingest.characters import CLAUSE_END, join_fragments
from corpus.ingest.furniture import NOT_A_HEADLINE

HEADLINE_RATIO = 1.25  # a line this much larger than the body is a headline
SUBHEAD_RATIO = 1.08  # ... this much larger (or bold at body size) a subhead or deck
MASTHEAD_RATIO = 1.5  # the paper's name: this much larger than every headline
HEADING_MAX = 50  # a heading paragraph longer than this (non-space characters) is body text
SUBHEAD_MAX = 40

_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demibold|,b$|hei(?!ght)", re.IGNORECASE)
_SENTENCE_END = "。！？!?…”」』"
_SENTENCE = re.compile("[。！？；!?;]")


@dataclass(frozen=True)
class _Span:
    x: float
    y: float
    size: float
    bold: bool
    text: str

    @property
    def width(self) -> float:
        return sum(_advance(ch) for ch in self.text) * self.size


@dataclass
class Line:
    x0: float
    x1: float
    y: float  # baseline, page space (grows upwards)
    size: float
    bold: bool
    text: str
    column: int = 0
    spanning: bool = False


def _advance(ch: str) -> float:
    """A character's advance in ems: CJK and full-width forms are square, the rest about half."""
    code = ord(ch)
    if code >= 0x2E80 or 0x2000 <= code <= 0x206F:
        return 1.0
    return 0.55


# --- runs out of pypdf ---------------------------------------------------------------


def _font_bold(font: Any) -> bool:
    """Whether a font dictionary names a bold or heavy face (by name, weight or ForceBold).

    Only a hint for headlines: a font dictionary too damaged to say is read as regular
    rather than refusing a file whose text is fine.
    """
    try:
        fonts = [font]
        fonts += [d.get_object() for d in font.get("/DescendantFonts") or ()]
        for each in fonts:
            if _BOLD_NAME.search(str(each.get("/BaseFont", ""))):
                return True
            descriptor = each.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            weight = float(descriptor.get("/FontWeight", 0) or 0)
            flags = int(descriptor.get("/Flags", 0) or 0)
            if weight >= 600 or flags & (1 << 18):
                return True
    except Exception:  # see the docstring: never a reason to refuse the file
        return False
    return False


def page_spans(page: Any, add: Callable[[str], str]) -> list[_Span]:
    """The page's text runs with their baseline origin, size and weight, in content order."""
    spans: list[_Span] = []
    bold_cache: dict[int, bool] = {}

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if not text or not text.strip():
            return
        add(text)  # per text run: one page's content stream can be a bomb too
        # The run's origin and vertical scale in page space: the text matrix through the CTM.
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = math.hypot(tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3])
        height = abs(size or 0.0) * (scale or 1.0)
        if not math.isfinite(x + y + height) or height <= 0:
            return
        if font is None:
            bold = False
        else:
            key = id(font)
            if key not in bold_cache:
                bold_cache[key] = _font_bold(font)
            bold = bold_cache[key]
        for k, piece in enumerate(text.strip("\n").split("\n")):
            if piece.strip():
                spans.append(_Span(x, y - k * 1.2 * height, height, bold, piece))

    page.extract_text(visitor_text=visit)
    return spans


# --- lines and columns ---------------------------------------------------------------


def _is_cjk(ch: str) -> bool:
    return _advance(ch) == 1.0


def _make_line(row: list[_Span]) -> Line:
    text = row[0].text
    for prev, span in itertools.pairwise(row):
        gap = span.x - (prev.x + prev.width)
        if gap > 0.25 * span.size and text and not (_is_cjk(text[-1]) and _is_cjk(span.text[0])):
            text += " "
        text += span.text
    weights: Counter[float] = Counter()
    for span in row:
        weights[round(span.size, 1)] += len(span.text)
    bold_chars = sum(len(s.text) for s in row if s.bold)
    return Line(
        x0=row[0].x,
        x1=max(s.x + s.width for s in row),
        y=median(s.y for s in row),
        size=weights.most_common(1)[0][0],
        bold=bold_chars >= 0.8 * sum(len(s.text) for s in row),
        text=text.strip(),
    )


def make_lines(spans: Iterable[_Span]) -> list[Line]:
    """Runs on one baseline joined into lines, split at gaps wider than an em and a half."""
    ordered = sorted(spans, key=lambda s: (-s.y, s.x))
    rows: list[list[_Span]] = []
    for span in ordered:
        if rows and abs(rows[-1][0].y - span.y) <= 0.4 * min(span.size, rows[-1][0].size):
            rows[-1].append(span)
        else:
            rows.append([span])
    lines: list[Line] = []
    for row in rows:
        row.sort(key=lambda s: s.x)
        current, end = [row[0]], row[0].x + row[0].width
        for span in row[1:]:
            gap = span.x - end
            small = min(span.size, current[-1].size)
            # A gutter, or a headline's end beside the next column's body text.
            other_type = abs(span.size - current[-1].size) > 0.2 * small
            if gap > 1.5 * small or (other_type and gap > 0.5 * small):
                lines.append(_make_line(current))
                current, end = [], -math.inf
            current.append(span)
            end = max(end, span.x + span.width)
        lines.append(_make_line(current))
    return [line for line in lines if line.text]


def _column_starts(lines: Sequence[Line], em: float) -> list[float]:
    """Where the page's columns start, left to right (one start: a single column)."""
    if not lines:
        return []
    clusters: list[list[float]] = []
    for x in sorted(line.x0 for line in lines):
        # Indented first lines start a little right of their column: the same column.
        if clusters and x - clusters[-1][0] <= 4 * em:
            clusters[-1].append(x)
        else:
            clusters.append([x])
    needed = max(2, len(lines) // 10)
    starts = [clusters[0][0]]
    for cluster in clusters[1:]:
        start = cluster[0]
        if len(cluster) < needed:
            continue
        left = [line for line in lines if line.x0 < start - 2 * em]
        across = [line for line in left if line.x1 > start + 0.5 * em]
        if left and len(across) <= 0.25 * len(left):
            starts.append(start)
    return starts


def _assign_columns(lines: Sequence[Line], starts: Sequence[float], em: float) -> None:
    for line in lines:
        line.column = max((i for i, s in enumerate(starts) if s - em <= line.x0), default=0)
        line.spanning = any(
            line.x0 < s - 2 * em and line.x1 > s + 0.5 * em for s in starts[line.column + 1 :]
        )


def reading_order(lines: Sequence[Line], columns: int) -> list[list[Line]]:
    """The page's lines as blocks in reading order: one block per column of a band.

    A band is what lies between two lines that reach across columns; those lines are
    blocks of their own.
    """
    blocks: list[list[Line]] = []
    band: list[Line] = []

    def close_band() -> None:
        for column in range(columns or 1):
            block = [line for line in band if line.column == column]
            if block:
                blocks.append(block)
        band.clear()

    for line in sorted(lines, key=lambda line: -line.y):
        if line.spanning:
            close_band()
            blocks.append([line])
        else:
            band.append(line)
    close_band()
    return blocks


# --- paragraphs and headlines ----------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    """The document's body type, against which headlines are told."""

    size: float
    bold: bool
    leading: float
    masthead_size: float  # the paper's name is set at least this large (inf: no such line)

    def tier(self, line: Line) -> int:
        """1 masthead, 2 headline, 3 subhead or deck, 0 body."""
        if line.size >= self.masthead_size:
            return 1
        if line.size >= HEADLINE_RATIO * self.size:
            return 2
        if line.size >= SUBHEAD_RATIO * self.size:
            return 3
        if line.bold and not self.bold and line.size >= 0.95 * self.size:
            return 3
        return 0


def document_style(pages: Sequence[Sequence[Line]]) -> _Style:
    chars: Counter[float] = Counter()
    for line in itertools.chain.from_iterable(pages):
        chars[round(line.size * 2) / 2] += len(line.text)
    size = chars.most_common(1)[0][0] if chars else 10.0
    body = [
        line for line in itertools.chain.from_iterable(pages) if abs(line.size - size) < 0.1 * size
    ]
    bold = sum(len(line.text) for line in body if line.bold) > 0.5 * sum(
        len(line.text) for line in body
    )
    # Gaps between successive body lines of one column: lines grouped by where they start,
    # so the other column's lines (on baselines of their own) do not come between.
    gaps: list[float] = []
    for page in pages:
        columns: dict[int, list[Line]] = {}
        for line in page:
            if abs(line.size - size) < 0.1 * size:
                columns.setdefault(round(line.x0 / (3 * size)), []).append(line)
        for column in columns.values():
            ys = sorted((line.y for line in column), reverse=True)
            gaps += [a - b for a, b in itertools.pairwise(ys) if a > b]
    gaps.sort()
    # The leading is the common small gap; paragraph gaps can be as frequent as line gaps
    # in a paper of short paragraphs, so a low quantile, not the median.
    leading = gaps[len(gaps) // 4] if gaps else 1.2 * size
    return _Style(size, bold, leading, _masthead_size(pages, size))


def _masthead_size(pages: Sequence[Sequence[Line]], body: float) -> float:
    """The size of the paper's name: the first page's top line, when far larger than any headline."""
    if not pages or not pages[0]:
        return math.inf
    top = max(pages[0], key=lambda line: line.y)
    others = [
        line.size
        for line in itertools.chain.from_iterable(pages)
        if line is not top and line.size >= HEADLINE_RATIO * body
    ]
    short = len(re.sub(r"\s+", "", top.text)) <= 10
    if short and top.size >= MASTHEAD_RATIO * max(others, default=HEADLINE_RATIO * body):
        return top.size * 0.95
    return math.inf


def _paragraphs(block: Sequence[Line], style: _Style, left: float, right: float) -> list[list[Line]]:
    """A column block cut into paragraphs (lists of lines)."""
    out: list[list[Line]] = [[block[0]]]
    for a, b in itertools.pairwise(block):
        gap = a.y - b.y
        tier_a, tier_b = style.tier(a), style.tier(b)
        em = b.size
        new = (
            tier_a != tier_b
            or abs(a.size - b.size) > 0.1 * max(a.size, b.size)
            or gap > 1.5 * max(style.leading, a.size if tier_a else 0.0)
            or gap <= 0
        )
        if not new and tier_b == 0:
            indented = 1.5 * em <= b.x0 - left <= 4.5 * em
            ended = a.text.rstrip()[-1:] in _SENTENCE_END and a.x1 < right - 2 * em
            new = indented or ended
        if new:
            out.append([b])
        else:
            out[-1].append(b)
    return out


def _joined(lines: Sequence[Line]) -> str:
    text = lines[0].text
    for line in lines[1:]:
        text = join_fragments(text, line.text)
    return text


def _paragraph_text(lines: Sequence[Line], style: _Style) -> str:
    tier = style.tier(lines[0])
    if tier:
        text = " ".join(_joined(lines).split())
        compact = re.sub(r"\s+", "", text)
        limit = SUBHEAD_MAX if tier == 3 else HEADING_MAX
        sentence = tier == 3 and (compact[-1] in CLAUSE_END or re.search("[。；;]", compact))
        credit = tier == 3 and NOT_A_HEADLINE.search(text)
        if len(compact) <= limit and not sentence and not credit:
            return "#" * tier + " " + text
    return "\n".join(line.text for line in lines)


def _mark_masthead_band(lines: Sequence[Line], style: _Style) -> None:
    """Read the masthead band's short lines first, as lines across the columns.

    The band is what stands above the page's top headline, when that headline is in the
    top part of the page: the publisher at the left, the date at the right, each in a
    column of its own. A line that flows on into body text below it is a column's text.
    """
    headlines = [line.y for line in lines if style.tier(line) == 2]
    if not headlines:
        return
    top, bottom = max(line.y for line in lines), min(line.y for line in lines)
    first = max(headlines)
    if top - first > 0.4 * (top - bottom):
        return
    by_column: dict[int, list[Line]] = {}
    for line in sorted(lines, key=lambda line: -line.y):
        by_column.setdefault(line.column, []).append(line)
    for column in by_column.values():
        for line, below in itertools.zip_longest(column, column[1:]):
            if line.y <= first or len(line.text) > 30 or _SENTENCE.search(line.text):
                continue
            flows = (
                below is not None
                and style.tier(line) == style.tier(below) == 0
                and line.y - below.y <= 1.5 * style.leading
            )
            line.spanning = line.spanning or not flows


def page_text(lines: Sequence[Line], style: _Style) -> str:
    """One page's text: paragraphs in reading order, blank lines between, headlines marked."""
    if not lines:
        return ""
    out: list[str] = []
    starts = _column_starts(lines, style.size)
    _assign_columns(lines, starts, style.size)
    _mark_masthead_band(lines, style)
    blocks = reading_order(lines, len(starts))
    # Each column's edges, from its body lines: where a paragraph's first line is indented
    # from and where a full line ends.
    edges: dict[int, tuple[float, float]] = {}
    for column in {line.column for line in lines}:
        body = [ln for ln in lines if ln.column == column and not ln.spanning]
        body = [ln for ln in body if style.tier(ln) == 0] or body or list(lines)
        edges[column] = (min(ln.x0 for ln in body), max(ln.x1 for ln in body))
    for block in blocks:
        left, right = edges[block[0].column]
        if block[0].spanning:
            left, right = block[0].x0, block[0].x1
        out.extend(_paragraph_text(p, style) for p in _paragraphs(block, style, left, right))
    return "\n\n".join(out)


def pages_text(pages: Iterable[Any], add: Callable[[str], str]) -> list[str]:
    """Every page's laid-out text (see :func:`page_text`), judged against the whole document."""
    lines = [make_lines(page_spans(page, add)) for page in pages]
    style = document_style(lines)
    return [page_text(page, style) for page in lines]

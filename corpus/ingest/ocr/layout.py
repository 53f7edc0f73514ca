"""OCR boxes into reading order and text (pure functions, no I/O).

The recogniser returns one box per printed line, in no useful order. A newspaper page is
a masthead band across the top and columns below it, with the odd headline or photo
spanning several; so, per page:

* **Deskew**: a phone photo is tilted by a degree or so, which shifts a column's edge by
  tens of pixels from top to bottom; the boxes' own slope gives the angle, and their
  coordinates are turned back before anything is compared.
* **Columns** are found from the x positions: the gutters are the vertical strips that
  (almost) no body-sized line crosses. A box that crosses a gutter spans columns
  (masthead lines, wide headlines) and splits the page into bands; each band is read
  column by column, left to right, top to bottom within a column.
* **Roles by height**: the body size is the usual line height; a line clearly taller is a
  headline (emitted as ``## 标题``, the Markdown heading the cleaning stage honours), a
  clearly smaller one a photo caption (set off by blank lines, as the cleaning stage expects
  of captions). Bylines, QR blurbs and masthead lines stay text for the cleaning stage to
  classify; only the □ bullet the recogniser reads as 口 is put back.
* **Paragraphs**: a line continues the paragraph above unless it is indented or the line
  above stopped short of its column's edge. Lines are joined without spaces, and so a
  sentence broken at the foot of a column continues at the head of the next one.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from corpus.ingest.ocr.engine import Box

HEADLINE_RATIO = 1.25  # this much taller than body text is a headline
CAPTION_RATIO = 0.9  # this much smaller is a caption (box padding narrows the ratio)
SAME_SIZE = 0.25  # lines of one headline differ in height by less than this share
NARROW = 0.6  # a box narrower than this share of the text block may sit in a column
GUTTER_SHARE = 0.15  # a gutter is crossed by at most this share of a column's lines
INDENT = 0.9  # an indent of this many line heights starts a paragraph
SHORT = 1.5  # a line ending this many line heights before its column's edge ends one
CAPTION_GAP = "\n\n\n\n"  # three blank lines: how the cleaning stage knows a caption

# The □ before a byline reads as 口 (口记者 林晓, 口文 徐云): put it back when a credit
# word follows, so the cleaning stage knows the byline.
_BYLINE_BULLET = re.compile(
    r"^[口□囗]\s*(?=(?:本报)?(?:特约)?(?:记者|通讯员|文|图|摄影|撰稿|作者|来源|供稿)"
    r"|[\u4e00-\u9fff]{2,4}$"
    # or an office's name (口花木安全家园, 口联洋社区管理中心): not 口罩发放点
    r"|[\u4e00-\u9fff]{1,12}(?:中心|办公室|办|家园|委员会|居委会|党委|党总支|支部|站|队|所|部|协会|社)$)"
)
_LATIN = re.compile(r"[A-Za-z0-9]$")
_LATIN_START = re.compile(r"^[A-Za-z0-9]")


@dataclass
class Line:
    """One printed line: its text and where it sits (deskewed page coordinates)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    score: float
    column: int = -1  # -1 for a line that spans columns
    page: int = 0
    # The box's own height (its edges' length, whatever its tilt), and its type size:
    # the smaller of that and its width per character (a short box whose tilt the
    # detector got wrong is taller than its type, never wider).
    size: float = 0.0
    parts: list[Box] = field(default_factory=list, repr=False)

    @property
    def height(self) -> float:
        return self.size or (self.y1 - self.y0)

    @property
    def middle(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass(frozen=True)
class Block:
    """A unit of the page's text: a headline, a paragraph, a caption or page furniture."""

    kind: str  # "heading", "body", "caption", "furniture"
    text: str
    score: float  # the lowest line confidence in it
    lines: tuple[tuple[int, str, float], ...]  # each printed line: page, text, confidence


def _skew(boxes: Sequence[Box]) -> float:
    """The page's tilt in radians, from the top edges of the long boxes."""
    angles = []
    for box in boxes:
        (x0, y0), (x1, y1) = box.points[0], box.points[1]
        height = abs(box.points[3][1] - y0)
        if x1 - x0 > 3 * max(height, 1.0):
            angles.append(math.atan2(y1 - y0, x1 - x0))
    return statistics.median(angles) if angles else 0.0


def _type_size(box: Box, text: str) -> float:
    p = box.points
    edge = (math.dist(p[0], p[3]) + math.dist(p[1], p[2])) / 2
    width = (math.dist(p[0], p[1]) + math.dist(p[3], p[2])) / 2
    # Latin letters and digits are about half as wide as an ideograph.
    chars = sum(0.5 if ord(c) < 0x2000 else 1.0 for c in text if not c.isspace())
    if chars < 2:
        return edge
    # The detector pads a box by a fraction of its height: a pitch ~15% under it.
    return min(edge, 1.15 * width / chars)


def _lines(boxes: Sequence[Box]) -> list[Line]:
    angle = _skew(boxes)
    cos, sin = math.cos(-angle), math.sin(-angle)
    lines = []
    for box in boxes:
        if not box.text.strip():
            continue
        xs = [x * cos - y * sin for x, y in box.points]
        ys = [x * sin + y * cos for x, y in box.points]
        text = _fix_line(box.text.strip())
        lines.append(
            Line(
                text,
                min(xs),
                min(ys),
                max(xs),
                max(ys),
                box.score,
                parts=[box],
                size=_type_size(box, text),
            )
        )
    return lines


def body_height(lines: Sequence[Line]) -> float:
    """The usual height of a body line: the median of the lines with some length."""
    heights = [line.height for line in lines if len(line.text) >= 6] or [
        line.height for line in lines
    ]
    return statistics.median(heights) if heights else 0.0


def _gutters(lines: Sequence[Line], body: float) -> list[float]:
    """The x positions of the column gutters (their middles), left to right."""
    if not lines:
        return []
    left = min(line.x0 for line in lines)
    right = max(line.x1 for line in lines)
    width = right - left
    if width <= 0:
        return []
    narrow = [
        line
        for line in lines
        if line.x1 - line.x0 < NARROW * width and line.height <= HEADLINE_RATIO * body
    ]
    if len(narrow) < 4:
        return []
    size = int(width) + 1
    cover = [0] * size
    for line in narrow:
        for x in range(int(line.x0 - left), min(size, int(line.x1 - left) + 1)):
            cover[x] += 1
    limit = max(1.0, GUTTER_SHARE * max(cover))
    gutters: list[float] = []
    start: int | None = None
    edge = 0.15 * width  # a gutter lies well inside the text block
    for x, n in enumerate([*cover, size]):
        if n <= limit and x < size:
            start = x if start is None else start
            continue
        if start is not None:
            if x - start >= 0.5 * body and start > edge and x < width - edge:
                gutters.append(left + (start + x) / 2)
            start = None
    return gutters


def _merge_same_line(lines: list[Line], body: float) -> list[Line]:
    """Boxes of one column at the same height are one printed line (split at a wide space)."""
    lines.sort(key=lambda line: (line.column, line.middle, line.x0))
    merged: list[Line] = []
    for line in lines:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.column == line.column
            and abs(last.middle - line.middle) < 0.4 * min(last.height, line.height, body or 1e9)
        ):
            first, second = (last, line) if last.x0 <= line.x0 else (line, last)
            space = " " if _LATIN.search(first.text) and _LATIN_START.match(second.text) else ""
            merged[-1] = Line(
                first.text + space + second.text,
                min(last.x0, line.x0),
                min(last.y0, line.y0),
                max(last.x1, line.x1),
                max(last.y1, line.y1),
                min(last.score, line.score),
                column=last.column,
                page=last.page,
                parts=last.parts + line.parts,
                size=max(last.height, line.height),
            )
        else:
            merged.append(line)
    return merged


def reading_order(boxes: Sequence[Box]) -> tuple[list[Line], float]:
    """The page's lines in reading order, and the body line height."""
    lines = _lines(boxes)
    body = body_height(lines)
    gutters = _gutters(lines, body)
    bounds = [-math.inf, *gutters, math.inf]
    slack = 0.5 * body
    for line in lines:
        line.column = -1
        for n in range(len(bounds) - 1):
            if line.x0 >= bounds[n] - slack and line.x1 <= bounds[n + 1] + slack:
                line.column = n
                break
    lines = _merge_same_line(lines, body)
    spans = sorted((line for line in lines if line.column < 0), key=lambda line: line.y0)
    in_columns = [line for line in lines if line.column >= 0]
    ordered: list[Line] = []
    top = -math.inf
    for boundary in [*spans, None]:
        bottom = boundary.middle if boundary is not None else math.inf
        band = [line for line in in_columns if top <= line.middle < bottom]
        band.sort(key=lambda line: (line.column, line.y0))
        ordered.extend(band)
        if boundary is not None:
            ordered.append(boundary)
            top = boundary.middle
    return ordered, body


def _fix_byline(text: str) -> str:
    return _BYLINE_BULLET.sub("□", text, count=1)


def _fix_line(text: str) -> str:
    # The recogniser reads a printed bar (联洋二 | 感受红色文化) as the ideograph 丨, a
    # radical no sentence uses: the cleaning stage knows such items by the bar.
    return text.replace("丨", "|")


def _join(a: str, b: str) -> str:
    space = " " if _LATIN.search(a) and _LATIN_START.match(b) else ""
    return a + space + b


def _column_edges(lines: Sequence[Line]) -> tuple[dict[int, float], dict[int, float]]:
    """Each column's left and right edge, from where most of its lines start and end.

    Not the extremes: punctuation hanging past the measure (the compositor's rule that
    。 never starts a line) or a stray box would make every line look short or indented.
    """
    starts: dict[int, list[float]] = {}
    ends: dict[int, list[float]] = {}
    for line in lines:
        starts.setdefault(line.column, []).append(line.x0)
        ends.setdefault(line.column, []).append(line.x1)

    def quantile(values: list[float], q: float) -> float:
        values = sorted(values)
        return values[min(len(values) - 1, int(q * len(values)))]

    lefts = {c: quantile(v, 0.25) for c, v in starts.items()}
    rights = {c: quantile(v, 0.75) for c, v in ends.items()}
    return lefts, rights


@dataclass
class _Open:
    kind: str
    lines: list[Line]
    texts: list[str]
    column_right: float


class PageFlow:
    """Builds blocks from the pages' ordered lines; a paragraph may run on to the next page."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.pages = 0
        self._open: _Open | None = None

    def _close(self) -> None:
        if self._open is None:
            return
        current = self._open
        text = ""
        for part in current.texts:
            text = _join(text, part) if text else part
        if current.kind == "body":
            text = _fix_byline(text)
        self.blocks.append(
            Block(
                current.kind,
                text,
                min(line.score for line in current.lines),
                tuple((line.page, line.text, line.score) for line in current.lines),
            )
        )
        self._open = None

    def _start(self, kind: str, line: Line, right: float) -> None:
        self._close()
        self._open = _Open(kind, [line], [line.text], right)

    def _add(self, line: Line, right: float) -> None:
        assert self._open is not None
        self._open.lines.append(line)
        self._open.texts.append(line.text)
        self._open.column_right = right

    def add_page(self, boxes: Sequence[Box]) -> None:
        self.pages += 1
        lines, body = reading_order(boxes)
        for line in lines:
            line.page = self.pages
        if not lines:
            return
        lefts, rights = _column_edges(lines)
        first_column_line = next((n for n, line in enumerate(lines) if line.column >= 0), 0)
        for n, line in enumerate(lines):
            height = line.height
            kind = (
                "heading"
                if height >= HEADLINE_RATIO * body
                else "caption"
                if height <= CAPTION_RATIO * body
                else "body"
            )
            # The band above the first column line: the masthead, one block a line (its
            # large name a heading, which the cleaning stage knows as a masthead), or a
            # headline across the columns.
            if n < first_column_line and kind != "heading":
                self._start("furniture", line, rights[line.column])
                continue
            current = self._open
            if kind == "heading":
                previous = current.lines[-1] if current is not None else None
                if (
                    current is not None
                    and current.kind == "heading"
                    and previous is not None
                    and previous.column == line.column
                    and abs(previous.height - height) <= SAME_SIZE * max(previous.height, height)
                    and line.y0 - previous.y1 < 0.8 * height
                ):
                    self._add(line, rights[line.column])
                else:
                    self._start("heading", line, rights[line.column])
                continue
            if kind == "caption" and current is not None and current.kind == "body":
                # Small type right under a paragraph that ran to its column's edge is the
                # paragraph's last line (a short line measures small), not a caption.
                previous = current.lines[-1]
                if (
                    previous.column == line.column
                    and 0 <= line.y0 - previous.y1 < 0.6 * body
                    and previous.x1 > current.column_right - SHORT * body
                    and line.x0 - lefts[line.column] < INDENT * body
                ):
                    kind = "body"
            if kind == "caption":
                if current is not None and current.kind == "caption":
                    self._add(line, rights[line.column])
                else:
                    self._start("caption", line, rights[line.column])
                continue
            unit = line.height or body
            indented = line.x0 - lefts[line.column] > INDENT * unit
            continues = (
                current is not None
                and current.kind == "body"
                and not indented
                and current.lines[-1].x1 > current.column_right - SHORT * unit
            )
            if continues:
                self._add(line, rights[line.column])
            else:
                self._start("body", line, rights[line.column])

    def finish(self) -> list[Block]:
        self._close()
        return self.blocks


def blocks_text(blocks: Sequence[Block]) -> str:
    """The blocks as the text the cleaning stage reads: ``## `` headlines, blank lines."""
    out: list[str] = []
    for block in blocks:
        if block.kind == "heading":
            out.append(f"\n\n## {block.text}")
        elif block.kind == "caption":
            out.append(f"{CAPTION_GAP}{block.text}{CAPTION_GAP}")
        else:
            out.append(f"\n\n{block.text}")
    return re.sub(r"\n{5,}", "\n\n\n\n", "".join(out)).strip("\n") + "\n"

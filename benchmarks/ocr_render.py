"""Printed pages for the OCR benchmark and the test page: an issue set as two-column A4.

An issue (its parsed articles) is laid out the way a street office's paper is: a masthead
band across the top of the first page, then the articles flowing down the left column and
on into the right one, a headline in a larger face, a byline behind a □, photo captions in a
smaller face. Text breaks wherever the column ends, mid-sentence included: that is what the
layout stage has to put back together. :func:`phone_photo` adds what a phone does to it.

The face is a CJK font from Debian (``fonts-wqy-zenhei`` or ``fonts-noto-cjk``).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)
FONT_HINT = "apt-get install fonts-wqy-zenhei (or fonts-noto-cjk)"

# A4 at 150 dpi.
PAGE_W, PAGE_H = 1240, 1754
MARGIN = 80
GUTTER = 56
BODY = 24
HEADLINE = 38
DECK = 28
BYLINE = 22
CAPTION = 19
LEADING = 1.5


def find_font() -> Path | None:
    """The first CJK font installed, or None."""
    return next((Path(p) for p in FONT_CANDIDATES if Path(p).is_file()), None)


@dataclass(frozen=True)
class Item:
    """One thing set on the page: a masthead line, headline, deck, byline, body or caption."""

    kind: str
    text: str


@dataclass
class _Page:
    image: Image.Image
    draw: ImageDraw.ImageDraw
    top: int


@dataclass
class Rendered:
    pages: list[Image.Image] = field(default_factory=list)
    #: What was printed, item by item, in reading order (the benchmark's reference text).
    items: list[Item] = field(default_factory=list)


class _Fonts:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._cache: dict[int, ImageFont.FreeTypeFont] = {}

    def __call__(self, size: int) -> ImageFont.FreeTypeFont:
        if size not in self._cache:
            self._cache[size] = ImageFont.truetype(str(self._path), size)
        return self._cache[size]


_SIZE = {"headline": HEADLINE, "deck": DECK, "byline": BYLINE, "body": BODY, "caption": CAPTION}
_NO_LINE_START = set("，。、；：？！”）》」』,.;:?!)")


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, indent: int) -> list[str]:
    """Lines of ``text`` that fit ``width`` pixels, breaking between any two characters."""
    lines: list[str] = []
    current = ""
    room = width - indent
    for char in text:
        if font.getlength(current + char) <= room or not current:
            current += char
            continue
        # Punctuation never starts a line (the compositor's kinsoku rule).
        if char in _NO_LINE_START:
            current += char
            continue
        lines.append(current)
        current, room = char, width
    if current:
        lines.append(current)
    return lines


def render_items(
    items: list[Item],
    masthead: list[str],
    font_path: Path,
    *,
    max_pages: int = 12,
    page_h: int = PAGE_H,
) -> Rendered:
    """Set ``items`` on two-column A4 pages under a masthead band; the pages and the text."""
    fonts = _Fonts(font_path)
    out = Rendered()
    column_w = (PAGE_W - 2 * MARGIN - GUTTER) // 2

    def new_page() -> _Page:
        image = Image.new("RGB", (PAGE_W, page_h), "white")
        page = _Page(image=image, draw=ImageDraw.Draw(image), top=MARGIN)
        out.pages.append(image)
        return page

    page = new_page()
    # The masthead band, centred across both columns.
    for n, line in enumerate(masthead):
        size = 64 if n == 0 else 24
        font = fonts(size)
        width = font.getlength(line)
        page.draw.text(((PAGE_W - width) / 2, page.top), line, font=font, fill="black")
        page.top += int(size * 1.6)
        out.items.append(Item("masthead", line))
    page.draw.line((MARGIN, page.top, PAGE_W - MARGIN, page.top), fill="black", width=3)
    page.top += 30

    column = 0
    y = page.top
    bottom = page_h - MARGIN

    def advance(height: int) -> None:
        nonlocal column, y, page
        if y + height <= bottom:
            return
        if column == 0:
            column, y = 1, page.top
            return
        if len(out.pages) >= max_pages:
            raise ValueError("the issue does not fit the pages allowed")
        page = new_page()
        column, y = 0, page.top

    for item in items:
        size = _SIZE[item.kind]
        font = fonts(size)
        indent = 2 * size if item.kind == "body" else 0
        lines = _wrap(item.text, font, column_w, indent)
        step = int(size * LEADING)
        space_before = {"headline": int(BODY * 1.4), "caption": int(BODY * 0.6)}.get(
            item.kind, int(BODY * 0.5)
        )
        if item.kind == "headline":
            # A headline keeps itself and two body lines together in one column.
            advance(space_before + step * len(lines) + 3 * int(BODY * LEADING))
        if y > page.top:
            y += space_before
        for n, line in enumerate(lines):
            advance(step)
            x = MARGIN + column * (column_w + GUTTER) + (indent if n == 0 else 0)
            page.draw.text((x, y), line, font=font, fill="black")
            y += step
        out.items.append(item)
    return out


def phone_photo(page: Image.Image, *, seed: int = 0, width: int = 1280) -> bytes:
    """``page`` as a phone photo sent through Telegram: tilted, soft, 1280 px, JPEG ~70."""
    rng = random.Random(seed)
    angle = rng.choice((-1, 1)) * rng.uniform(0.7, 1.2)
    tilted = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    soft = tilted.filter(ImageFilter.GaussianBlur(radius=0.8))
    height = round(soft.height * width / soft.width)
    small = soft.resize((width, height), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def issue_items(text: str) -> tuple[list[str], list[Item]]:
    """A bundled issue's masthead and articles as items to print (through Linli's parser)."""
    from corpus.ingest.articles import parse_issue

    parsed = parse_issue(text)
    masthead = [parsed.publication or "社区报"]
    if parsed.street:
        # A publisher line the cleaning stage knows as furniture (联合出版).
        masthead.append(f"{parsed.street}党工委、办事处 联合出版")
    items: list[Item] = []
    for article in parsed.articles:
        items.append(Item("headline", article.title))
        if article.subtitle:
            items.append(Item("deck", article.subtitle))
        if article.byline:
            items.append(Item("byline", "□" + article.byline))
        items.extend(Item("body", p) for p in article.paragraphs)
        items.extend(Item("caption", c) for c in article.captions[:2])
    return masthead, items


def to_pdf(pages: list[Image.Image]) -> bytes:
    """The pages as an image-only PDF (a scan: no text layer)."""
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:], resolution=150)
    return buffer.getvalue()


def markdown_items(text: str) -> tuple[list[str], list[Item]]:
    """A hand-written page (``# masthead`` and its line, ``## headline``, □ byline, paragraphs)."""
    masthead: list[str] = []
    items: list[Item] = []
    for block in (b.strip() for b in text.split("\n\n")):
        if not block:
            continue
        if block.startswith("# "):
            masthead.extend(line.lstrip("# ").strip() for line in block.splitlines())
        elif block.startswith("## "):
            items.append(Item("headline", block[3:].strip()))
        elif block.startswith("□"):
            items.append(Item("byline", block))
        else:
            items.append(Item("body", block))
    return masthead, items


TEST_PAGE_H = 1000


def main() -> None:
    """Render the unit tests' page (tests/data/ocr_page.txt) as a phone photo."""
    root = Path(__file__).parents[1] / "tests" / "data"
    font = find_font()
    if font is None:
        raise SystemExit(f"no CJK font installed: {FONT_HINT}")
    masthead, items = markdown_items((root / "ocr_page.txt").read_text(encoding="utf-8"))
    rendered = render_items(items, masthead, font, max_pages=1, page_h=TEST_PAGE_H)
    (root / "ocr_page.jpg").write_bytes(phone_photo(rendered.pages[0], seed=15))


if __name__ == "__main__":
    main()

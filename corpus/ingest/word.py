"""A Word document's structure as the article parser reads it: headlines as Markdown headings.

Editors mark an issue up in one of three ways, all read here:

* **Heading styles** (Heading 1–9, under any localised name: 标题 1, Überschrift 1 …) or a
  custom style with an outline level: each heading level used becomes a Markdown level,
  the shallowest ``##`` (an article), the next ``###`` (a subhead) and so on, whatever
  Word level the editor started from (Title + Heading 2 articles is as common as Heading 1).
  A level holding only section labels (社区扫描) shares ``##`` with the articles under it.
* **The Title style** (标题, Subtitle/副标题 too): the paper's name, or the issue's date
  line, at the top: ``#``, which :mod:`corpus.ingest.cleaning` takes for the masthead when
  articles follow under deeper headings. So is a heading level used once, at the top, over
  deeper ones (the paper's name in Heading 1 over Heading 2 articles).
* **Bold short paragraphs**, when no heading style marks the articles: headlines (``##``);
  under heading-styled articles they are subheads, one level below the deepest heading.

Paragraphs are separated by blank lines, in document order, with the text of text boxes
and of layout tables (cells holding paragraphs: the columns of a page) where they are
anchored; a data table's rows are one line each.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from corpus.ingest.characters import CLAUSE_END, ideograph_count
from corpus.ingest.furniture import LABEL_MAX, NOT_A_HEADLINE

HEADLINE_MAX = 40  # longest bold paragraph taken for a headline, in non-space characters
HEADING_MAX = 80  # a heading-styled paragraph longer than this is body text styled wrongly

_HEADING_NAME = re.compile(
    r"^(?:heading|标题|標題|titre|überschrift|titolo|título|kop|rubrik|otsikko|nagłówek|"
    r"заголовок|見出し|제목)\s*(\d)$",
    re.IGNORECASE,
)
_TITLE_NAMES = frozenset(
    {"title", "标题", "標題", "titre", "titel", "título", "titolo", "subtitle", "副标题",
     "副標題", "sous-titre", "untertitel", "subtítulo", "sottotitolo"}
)  # fmt: skip
_CAPTION_NAMES = frozenset({"caption", "题注", "題注", "légende", "beschriftung"})

Kind = Literal["title", "heading", "bold", "body"]


@dataclass(frozen=True)
class _Entry:
    kind: Kind
    text: str
    outline: int = 0  # Word's outline level for headings: 0 is Heading 1


def _styles(style: Any) -> Iterator[Any]:
    """The style and the styles it is based on, nearest first."""
    seen = 0
    while style is not None and seen < 20:  # a based-on loop in a damaged file ends here
        yield style
        style = style.base_style
        seen += 1


def _outline(element: Any) -> int | None:
    values = element.xpath("./w:pPr/w:outlineLvl/@w:val")
    if values and str(values[0]).isdigit() and int(values[0]) < 9:  # 9 is body text
        return int(values[0])
    return None


def _heading_kind(paragraph: Any) -> tuple[Kind, int] | None:
    direct = _outline(paragraph._p)
    if direct is not None:
        return "heading", direct
    for style in _styles(paragraph.style):
        name = (style.name or "").strip().lower()
        if name in _TITLE_NAMES:
            return "title", 0
        m = _HEADING_NAME.match(name)
        if m and m.group(1) != "0":
            return "heading", int(m.group(1)) - 1
        level = _outline(style.element)
        if level is not None:
            return "heading", level
    return None


def _style_bold(style: Any) -> bool | None:
    for each in _styles(style):
        if each.font.bold is not None:
            return bool(each.font.bold)
    return None


def _all_bold(paragraph: Any) -> bool:
    """Every run with text is bold, set on the run, its character style or the paragraph style."""
    paragraph_bold = _style_bold(paragraph.style)
    runs = [run for run in paragraph.runs if run.text.strip()]
    if not runs:
        return False
    for run in runs:
        bold = run.bold
        if bold is None:
            bold = _style_bold(run.style) if run.style is not None else None
        if bold is None:
            bold = paragraph_bold
        if not bold:
            return False
    return True


def _headline_like(text: str) -> bool:
    compact = re.sub(r"\s+", "", text)
    return (
        0 < len(compact) <= HEADLINE_MAX
        and compact[-1] not in CLAUSE_END
        and not re.search("[。；;]", compact)
        and not NOT_A_HEADLINE.search(text.strip())
    )


def _caption(paragraph: Any) -> bool:
    names = ((style.name or "").strip().lower() for style in _styles(paragraph.style))
    return any(name in _CAPTION_NAMES for name in names)


def _entry(paragraph: Any, text: str) -> _Entry:
    one_line = " ".join(text.split())
    if _caption(paragraph):  # a photo caption, however it is set, heads nothing
        return _Entry("body", text)
    found = _heading_kind(paragraph)
    if found is not None and len(one_line) <= HEADING_MAX:
        kind, outline = found
        return _Entry(kind, one_line, outline)
    if _headline_like(one_line) and _all_bold(paragraph):
        return _Entry("bold", one_line)
    return _Entry("body", text)


_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
LAYOUT_CELL = 60  # a table cell with more text than this (or several paragraphs) is layout
MAX_DEPTH = 4  # text boxes in table cells in text boxes …: deeper is a hostile file


def _text_boxes(paragraph: Any) -> list[Any]:
    """The text boxes anchored in a paragraph (newsletters set articles in them), once each.

    Word stores each box twice, as DrawingML and as a VML fallback: only the first is
    read; a box inside another box is read with its outer box.
    """
    from docx.oxml.ns import qn

    tag = qn("w:txbxContent")
    own = paragraph._p
    boxes = []
    for box in own.iter(tag):
        outer = itertools.takewhile(lambda e: e is not own, box.iterancestors())
        if not any(e.tag in (tag, _MC_FALLBACK) for e in outer):
            boxes.append(box)
    return boxes


def _box_content(box: Any, parent: Any) -> Iterator[Any]:
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in box.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, parent)
        elif child.tag == qn("w:tbl"):
            yield Table(child, parent)


def _table_entries(table: Any, add: Callable[[str], str], depth: int) -> list[_Entry]:
    """A data table's rows as lines; a layout table's cells read in turn, row by row."""
    seen: set[int] = set()
    cells = []
    for row in table.rows:
        for cell in row.cells:
            if id(cell._tc) not in seen:  # a merged cell is returned once per grid column
                seen.add(id(cell._tc))
                cells.append(cell)
    if any(len(c.paragraphs) > 1 or len(c.text) > LAYOUT_CELL for c in cells):
        entries: list[_Entry] = []
        for cell in cells:
            entries += _walk(cell.iter_inner_content(), add, depth + 1)
        return entries
    entries = []
    for row in table.rows:
        line = add(" ".join(cell.text for cell in row.cells))
        if line.strip():
            entries.append(_Entry("body", line))
    return entries


def _walk(blocks: Iterable[Any], add: Callable[[str], str], depth: int = 0) -> list[_Entry]:
    from docx.table import Table

    entries: list[_Entry] = []
    if depth > MAX_DEPTH:
        return entries
    for block in blocks:
        if isinstance(block, Table):
            entries += _table_entries(block, add, depth)
            continue
        text = add(block.text)
        if text.strip():
            entries.append(_entry(block, text))
        for box in _text_boxes(block):
            entries += _walk(_box_content(box, block._parent), add, depth + 1)
    return entries


def _top_heading_as_title(entries: list[_Entry]) -> list[_Entry]:
    """The paper's name set in the shallowest heading style, once, above everything: a title.

    ("花木社区报" in Heading 1 over Heading 2 articles: otherwise the articles would be read
    as subheads of a feature headlined with the paper's name.)
    """
    headings = [e for e in entries if e.kind == "heading"]
    if len({e.outline for e in headings}) < 2:
        return entries
    top = min(e.outline for e in headings)
    at_top = [i for i, e in enumerate(entries) if e.kind == "heading" and e.outline == top]
    first_body = next((i for i, e in enumerate(entries) if e.kind == "body"), len(entries))
    if len(at_top) != 1 or at_top[0] > first_body:
        return entries
    i = at_top[0]
    return [*entries[:i], _Entry("title", entries[i].text), *entries[i + 1 :]]


def _markdown(entries: list[_Entry]) -> str:
    entries = _top_heading_as_title(entries)
    levels = sorted({e.outline for e in entries if e.kind == "heading"})
    rank: dict[int, int] = {}
    markdown = 2
    for i, outline in enumerate(levels):
        rank[outline] = min(6, markdown)
        texts = [e.text for e in entries if e.kind == "heading" and e.outline == outline]
        # A level of section labels only (社区扫描, 居民区) over the articles' level: the
        # articles keep ``##``; the parser tells the labels by their length.
        sections = i + 1 < len(levels) and all(
            len(t) <= LABEL_MAX and ideograph_count(t) == len(t) for t in texts
        )
        markdown += 0 if sections else 1
    bold_level = min(6, markdown)
    out: list[str] = []
    for entry in entries:
        if entry.kind == "body":
            out.append(entry.text)
            continue
        level = {"title": 1, "bold": bold_level}.get(entry.kind) or rank[entry.outline]
        out.append("#" * level + " " + entry.text)
    return "\n\n".join(out)


def docx_markdown(document: Any, add: Callable[[str], str]) -> str:
    """The document's text with its headlines as Markdown headings, blank lines between paragraphs.

    Args:
        document: a python-docx ``Document``.
        add: called with each paragraph's text before it is kept (the extraction budget).
    """
    return _markdown(_walk(document.iter_inner_content(), add))

"""Segmenting a cleaned issue into articles (pure functions, no I/O).

:func:`parse_issue` takes the typed blocks of :mod:`corpus.cleaning` and decides
what each run of headings means:

* **Section labels** (``社区扫描``, ``居民区``): very short lines that head a run
  with a headline still below them.  They name a page or column, so they carry
  over to the following articles until another label appears.
* **Headline and deck**: the first remaining line of the run is the title, any
  lines after it (kicker or deck, e.g. ``凉城新村街道举办庆祝中国共产党成立98周年活动``)
  are joined into ``subtitle``.  The OCR loses type sizes, so a kicker printed
  above a headline cannot be told from a deck below it; the first line wins.  Where
  the text marks headings up (``##`` from Word styles or PDF type sizes), the most
  prominent line is the title and a smaller kicker above it joins the subtitle.
* **New article or inner subhead**: a run opens a new article when it cannot be
  anything else (start of text, after a closing byline such as ``（党建办）``, a
  section label, two or more heading lines, a markdown ``#``/``##`` heading, a
  ``联洋二 | 感受红色文化`` item, photo captions right under it, or a headline of
  16 or more Chinese characters).  A single short line inside a running article
  (``聚焦主题重点学``, ``党群阵地暖人心 点点滴滴为民情``) is a subhead of the feature.
  Subheads stay in ``paragraphs`` as short paragraphs of their own: a resident's
  source is the feature's real headline, while the subhead's words (``网格助力
  “悬空老人”圆“加梯梦”``) are exactly what a question about lifts will match.
* **Captions** before the first heading of a run belong to the article above it
  (the photos sit at its end); captions after a heading belong to the new article.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from corpus.ingest.characters import ideograph_count
from corpus.ingest.cleaning import Block, Kind, clean_text
from corpus.ingest.furniture import LABEL_MAX
from retrieval.sentences import split_clauses, split_sentences

NEW_ARTICLE_MIN = 16  # a lone heading this long (in Chinese characters) is a headline
TITLE_MAX = 30  # a title derived from body text is clipped to this many characters


@dataclass(frozen=True)
class ArticleDraft:
    title: str
    subtitle: str = ""
    section: str = ""
    byline: str = ""
    captions: tuple[str, ...] = ()
    paragraphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedIssue:
    articles: tuple[ArticleDraft, ...]
    publication: str | None
    street: str | None


@dataclass
class _Builder:
    title: str = ""
    subtitles: list[str] = field(default_factory=list)
    section: str = ""
    byline: str = ""
    captions: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    closed: bool = False

    def build(self) -> ArticleDraft:
        return ArticleDraft(
            title=self.title or derive_title(self.paragraphs),
            subtitle=" ".join(self.subtitles),
            section=self.section,
            byline=self.byline,
            captions=tuple(dict.fromkeys(self.captions)),
            paragraphs=tuple(self.paragraphs),
        )


def derive_title(paragraphs: list[str] | tuple[str, ...]) -> str:
    """A title for text that has no headline: its first clause or sentence, clipped."""
    text = next((p for p in paragraphs if p.strip()), "").strip()
    if not text:
        return ""
    sentence = split_sentences(text)[0]
    if len(sentence) > TITLE_MAX:
        sentence = split_clauses(sentence)[0]
    sentence = sentence.rstrip("。！？!?；;，,、：:… ")
    if len(sentence) > TITLE_MAX:
        return sentence[:TITLE_MAX] + "…"
    return sentence or text[:TITLE_MAX]


def _is_label(block: Block, below: Block) -> bool:
    """A section label over the heading ``below`` it: very short, and not marked up smaller."""
    text = block.text
    short = len(text) <= LABEL_MAX and ideograph_count(text) == len(text)
    return short and (block.level == 0 or 0 < block.level <= below.level)


def _headline(headings: list[Block]) -> tuple[Block, list[Block]]:
    """The headline of a run and its other lines (kicker, deck) in order.

    Without markup the first line wins; with it (Word styles, PDF type sizes) the most
    prominent one does, so a kicker set small above the headline stays a kicker.
    """
    levels = [h.level for h in headings if h.level]
    if not levels or headings[0].level == min(levels):
        return headings[0], headings[1:]
    lead = next(h for h in headings if h.level == min(levels))
    return lead, [h for h in headings if h is not lead]


class _Segmenter:
    def __init__(self) -> None:
        self.done: list[_Builder] = []
        self.current: _Builder | None = None
        self.section = ""
        self.orphan_captions: list[str] = []  # captions seen before any article

    def _start(self, title: str = "") -> _Builder:
        if self.current is not None:
            self.done.append(self.current)
        self.current = _Builder(title=title, section=self.section)
        self.current.captions.extend(self.orphan_captions)
        self.orphan_captions.clear()
        return self.current

    def _caption(self, text: str) -> None:
        if self.current is None:
            self.orphan_captions.append(text)
        else:
            self.current.captions.append(text)

    def run(self, blocks: list[Block]) -> None:
        """Handle one run of heading and caption blocks."""
        headings = [b for b in blocks if b.kind is Kind.HEADING]
        if not headings:
            for block in blocks:
                self._caption(block.text)
            return
        first = blocks.index(headings[0])
        for block in blocks[:first]:
            self._caption(block.text)
        tail = blocks[first:]

        labels: list[str] = []
        while len(headings) > 1 and _is_label(headings[0], headings[1]):
            labels.append(headings.pop(0).text)
        title, rest = _headline(headings)
        current = self.current
        if current is not None and not current.closed and not current.paragraphs:
            # Still above the body (e.g. after a top byline): more headline or deck lines.
            texts = [h.text for h in headings]
            if not current.title:
                current.title = texts.pop(0)
            current.subtitles.extend(texts)
            for block in tail:
                if block.kind is Kind.CAPTION:
                    current.captions.append(block.text)
            return
        caption_below = len(tail) > 1 and tail[1].kind is Kind.CAPTION
        new = (
            current is None
            or current.closed
            or bool(labels)
            or bool(rest)
            or 0 < title.level <= 2
            or title.is_item
            or caption_below
            or ideograph_count(title.text) >= NEW_ARTICLE_MIN
        )
        if not new:
            assert current is not None
            current.paragraphs.append(title.text)
            current.captions.extend(b.text for b in tail if b.kind is Kind.CAPTION)
            return
        if labels:
            self.section = " ".join(labels)
        article = self._start(title.text)
        article.subtitles.extend(h.text for h in rest)
        article.captions.extend(b.text for b in tail if b.kind is Kind.CAPTION)

    def body(self, text: str) -> None:
        if self.current is None or self.current.closed:
            self._start()
        assert self.current is not None
        self.current.paragraphs.append(text)

    def byline(self, text: str) -> None:
        if self.current is None or self.current.closed:
            self._start()
        assert self.current is not None
        if self.current.paragraphs:
            # A credit after the body ends the article.
            self.current.closed = True
        self.current.byline = " ".join(filter(None, (self.current.byline, text)))

    def finish(self) -> list[ArticleDraft]:
        if self.current is not None:
            self.done.append(self.current)
            self.current = None
        return [b.build() for b in self.done if b.paragraphs]


def _segment(blocks: tuple[Block, ...]) -> list[ArticleDraft]:
    segmenter = _Segmenter()
    pending: list[Block] = []
    for block in blocks:
        if block.kind in (Kind.HEADING, Kind.CAPTION):
            pending.append(block)
            continue
        if pending:
            segmenter.run(pending)
            pending = []
        if block.kind is Kind.BODY:
            segmenter.body(block.text)
        else:
            segmenter.byline(block.text)
    if pending:
        segmenter.run(pending)
    return segmenter.finish()


def parse_issue(text: str) -> ParsedIssue:
    """Parse the raw OCR text of one issue into articles and masthead metadata.

    Text with no body at all (only short lines, e.g. a pasted notice of a few
    words) becomes one article of those lines rather than nothing.
    """
    cleaned = clean_text(text)
    articles = _segment(cleaned.blocks)
    if not articles and cleaned.blocks:
        lines = list(dict.fromkeys(block.text for block in cleaned.blocks))
        articles = [ArticleDraft(title=derive_title(lines[:1]), paragraphs=tuple(lines))]
    return ParsedIssue(tuple(articles), cleaned.publication, cleaned.street)

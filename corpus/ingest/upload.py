"""An issue's metadata as staff give it (a caption, answers to questions) and its preview.

The bot's upload is a :class:`Draft`: the text read from the file, what the caption said,
and what the text itself suggests (masthead, street office, a date in the file name).
Staff are asked only for what is still missing; then :func:`preview_draft` prepares the
issue with :func:`corpus.ingest.prepare_issue` -- the parser `linli ingest` uses -- and
says what storing it would do. Nothing here writes to the store.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from corpus.ingest import places
from corpus.ingest.articles import ParsedIssue, parse_issue
from corpus.ingest.decoding import DecodeError
from corpus.ingest.extract import IMAGE_SUFFIXES, Extracted, OcrProgress, extract
from corpus.ingest.prepare import (
    Check,
    IngestError,
    IssueMeta,
    PreparedIssue,
    default_publication,
    normalise_date,
    prepare_issue,
)
from corpus.ingest.write import judge_issue
from corpus.store import issues as queries
from corpus.store.models import Issue, Passage
from corpus.store.records import IssueInfo


class CaptionError(IngestError):
    """The caption staff wrote cannot be used (a date that is not a real date)."""


Field = Literal["street", "publication", "date"]
#: The order staff are asked in: the publication's default is named after the street.
#: Replies that accept a question's default.
SKIP_WORDS = frozenset({"跳过", "略过", "默认", "skip", "default", "-"})

IDEO = "\u3400-\u4dbf\u4e00-\u9fff"
_DATE_IN_TEXT = re.compile(
    r"(?<!\d)\d{4}\s*[-/.年]\s*\d{1,2}\s*(?:[-/.月]\s*\d{1,2}\s*日?)?\s*月?(?!\d)"
)
_DATE_IN_NAME = re.compile(
    r"(?<!\d)((?:19|20)\d{2})[-_.年]?(0[1-9]|1[0-2])(?:[-_.月]?(0[1-9]|[12]\d|3[01]))?(?!\d)"
)
_MASTHEAD_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")
_CAPTION_SPLIT = re.compile(r"[\s,，、;；|｜·/]+")
_PUBLICATION = re.compile(rf"[{IDEO}A-Za-z]{{1,10}}(?:报|刊|通讯|简讯)")
# Words of a sentence, not of a masthead: "这是本期社区报" is not a publication's name.
_NOT_A_NAME = set("这那本请的了是吗呢啊")
_STREET_SUFFIX = re.compile(r"(?:新村)?街道$|镇$")
MASTHEAD_LINES = 12


def _street_base(name: str) -> str:
    return _STREET_SUFFIX.sub("", name.strip())


def resolve_street(name: str, streets: Iterable[str] = ()) -> str:
    """The street office a short name means: 凉城 → 凉城新村街道 when that one is known.

    Known streets (stored or named in the text) win, then Shanghai's listed street offices
    and towns (莘庄 → 莘庄镇); a name in neither keeps its own 街道/镇 suffix, or gets 街道.
    """
    name = re.sub(r"\s+", "", name)
    base = _street_base(name)
    known = sorted(set(streets), key=lambda s: (len(s), s))
    for street in known:
        if street == name:
            return street
    for street in known:
        if len(base) >= 2 and (_street_base(street) == base or street.startswith(base)):
            return street
    listed = places.resolve(name)
    if listed:
        return listed
    if _STREET_SUFFIX.search(name):
        return name
    return f"{name}街道"


def parse_caption(caption: str | None, *, streets: Iterable[str] = ()) -> IssueMeta:
    """Read ``社区晨报 凉城 2026-11 [title]`` (any order, any of them) into metadata.

    A date-like part must be a real date; a paper's name ends in 报/刊; the first short
    name is the street office, resolved against ``streets``; the rest is the title, kept
    only when something else was recognised (a caption like "本期请查收" sets nothing).

    Raises:
        CaptionError: a date that is not a real date (e.g. 2026-13).
    """
    text = (caption or "").strip()
    if not text:
        return IssueMeta()
    date: str | None = None
    match = _DATE_IN_TEXT.search(text)
    if match:
        try:
            date = normalise_date(match.group(0))
        except IngestError as exc:
            raise CaptionError(str(exc)) from exc
        text = text[: match.start()] + " " + text[match.end() :]
    publication: str | None = None
    street: str | None = None
    rest: list[str] = []
    streets = list(streets)
    for token in filter(None, _CAPTION_SPLIT.split(text)):
        if publication is None and _PUBLICATION.fullmatch(token) and not _NOT_A_NAME & set(token):
            publication = token
        elif street is None and (
            _STREET_SUFFIX.search(token)
            or (2 <= len(token) <= 4 and re.fullmatch(f"[{IDEO}]+", token) and not rest)
        ):
            street = resolve_street(token, streets)
        else:
            rest.append(token)
    recognised = date or publication or street
    title = " ".join(rest) if rest and recognised else None
    return IssueMeta(publication=publication, street=street, date=date, title=title)


def guess_date(text: str, filename: str = "") -> str | None:
    """A date printed in the masthead (2026年11月), else one in the file name (…_2026-11.txt)."""
    head = [line for line in text.splitlines() if line.strip()][:MASTHEAD_LINES]
    for line in head:
        found = _MASTHEAD_DATE.search(line)
        if found:
            year, month, day = found.groups()
            try:
                return normalise_date(f"{year}-{month}" + (f"-{day}" if day else ""))
            except IngestError:
                continue
    found = _DATE_IN_NAME.search(PurePath(filename).stem) if filename else None
    if found:
        year, month, day = found.groups()
        try:
            return normalise_date(f"{year}-{month}" + (f"-{day}" if day else ""))
        except IngestError:
            return None
    return None


@dataclass(frozen=True)
class TextDefaults:
    """What the text itself says about the issue."""

    publication: str | None  # the masthead's name, if the text has a masthead
    street: str | None
    date: str | None  # a suggestion only: staff confirm it
    title: str | None  # the first headline


def text_defaults(parsed: ParsedIssue, text: str, filename: str = "") -> TextDefaults:
    return TextDefaults(
        publication=parsed.publication,
        street=parsed.street,
        date=guess_date(text, filename),
        title=parsed.articles[0].title if parsed.articles else None,
    )


def read_upload(data: bytes, filename: str, progress: OcrProgress | None = None) -> Extracted:
    """The text of an uploaded file (.txt/.md/.docx/.pdf, UTF-8/BOM/GB18030; images and
    scans through OCR).

    Raises:
        IngestError: unsupported, binary, empty or undecodable, with what to do instead.
    """
    try:
        return extract(data, filename, progress=progress)
    except DecodeError as exc:
        raise IngestError(str(exc)) from exc


def read_photos(
    files: list[tuple[bytes, str]], progress: OcrProgress | None = None
) -> Extracted:
    """Several photos or image files as the pages of one issue, in order (an album).

    Raises:
        IngestError: a damaged or unreadable image, too many pages, no text, no OCR.
    """
    from corpus.ingest.ocr import read_images

    try:
        result = read_images(files, progress)
    except DecodeError as exc:
        raise IngestError(str(exc)) from exc
    return Extracted(
        result.text, tuple((u.page, u.text, u.score) for u in result.unsure), result.pages
    )


def needs_ocr(filename: str) -> bool:
    """Whether a file of this name is read through OCR (an image; a PDF may be too)."""
    return PurePath(filename).suffix.lower() in (*IMAGE_SUFFIXES, ".pdf")


@dataclass(frozen=True)
class Draft:
    """An upload being described: its text, the metadata so far, and the text's defaults."""

    text: str
    source_name: str
    meta: IssueMeta
    defaults: TextDefaults
    streets: tuple[str, ...] = ()
    # The text as parsed once at upload: storing it does not parse it again.
    parsed: ParsedIssue | None = field(default=None, compare=False, repr=False)
    # OCR'd pages: (page, line, confidence) of the lines the recogniser was unsure of.
    unsure: tuple[tuple[int, str, float], ...] = ()
    ocr_pages: int = 0

    @property
    def missing(self) -> list[Field]:
        """What staff must still be asked, in order; a field with a sure value is not asked.

        The street is asked only when neither caption nor text names one, the publication
        only when there is no masthead (its default is named after the street), the date
        whenever the caption lacks it: a date in a file name is only a suggestion.
        """
        asked: list[Field] = []
        if not self.meta.street and not self.defaults.street:
            asked.append("street")
        if not self.meta.publication and not self.defaults.publication:
            asked.append("publication")
        if not self.meta.date:
            asked.append("date")
        return asked

    def default(self, field: Field) -> str | None:
        """The value a skip gives ``field``, if it has one."""
        if field == "date":
            return self.defaults.date
        if field == "publication":
            street = self.meta.street or self.defaults.street
            return default_publication(street) if street else None
        return None

    def answer(self, field: Field, reply: str) -> Draft:
        """The draft with staff's reply to the question about ``field``.

        Raises:
            IngestError: an unusable reply (no default to skip to, a bad date, nothing).
        """
        reply = reply.strip()
        if reply.lower() in SKIP_WORDS:
            value = self.default(field)
            if value is None:
                raise IngestError(f"the {field} has no default; please give it")
        elif not reply or len(reply) > 60:
            raise IngestError(f"give the {field} in a few characters")
        elif field == "date":
            value = normalise_date(reply)
        elif field == "street":
            value = resolve_street(reply, self.streets)
        else:
            value = reply
        return replace(self, meta=replace(self.meta, **{field: value}))

    def replacing(self, issue: IssueInfo) -> Draft:
        """The draft filed under ``issue``'s identity, so storing it replaces that issue."""
        meta = replace(
            self.meta,
            publication=issue.publication,
            street=issue.street,
            date=issue.date,
            date_estimated=issue.date_estimated,
        )
        return replace(self, meta=meta)

    def prepare(self) -> PreparedIssue:
        """Parse the issue with the settled metadata (the parser `linli ingest` uses).

        Raises:
            IngestError: no article text, or metadata still missing.
        """
        meta = replace(self.meta, source_name=self.source_name)
        return prepare_issue(self.text, meta, parsed=self.parsed)


def known_streets(session: Session) -> list[str]:
    """The street offices of the stored issues."""
    return list(session.scalars(select(Issue.street).distinct().order_by(Issue.street)))


def open_upload(
    factory: sessionmaker[Session],
    data: bytes,
    filename: str,
    caption: str | None,
    progress: OcrProgress | None = None,
) -> Draft:
    """Read an uploaded file and its caption into a draft (nothing is stored).

    Args:
        progress: called with (page, pages) before each page OCR reads (photos, scans).

    Raises:
        IngestError: the file has no usable text; CaptionError: the caption has a bad date.
    """
    extracted = read_upload(data, filename, progress)
    draft = open_text(factory, extracted.text, filename, caption)
    return replace(draft, unsure=extracted.unsure, ocr_pages=extracted.pages)


def open_photos(
    factory: sessionmaker[Session],
    files: list[tuple[bytes, str]],
    caption: str | None,
    progress: OcrProgress | None = None,
) -> Draft:
    """Photos sent together (an album) as one issue's pages, into a draft.

    Raises:
        IngestError: an image that cannot be read, or no text; CaptionError: a bad date.
    """
    extracted = read_photos(files, progress)
    draft = open_text(factory, extracted.text, files[0][1], caption)
    return replace(draft, unsure=extracted.unsure, ocr_pages=extracted.pages)


def open_text(
    factory: sessionmaker[Session], text: str, source_name: str, caption: str | None
) -> Draft:
    """Like :func:`open_upload` for text already in hand (pasted in a message).

    Raises:
        IngestError: empty text; CaptionError: the caption has a bad date.
    """
    if not text.strip():
        raise IngestError("the text is empty")
    parsed = parse_issue(text)
    defaults = text_defaults(parsed, text, source_name)
    with factory() as session:
        streets = known_streets(session)
    if defaults.street:
        streets.append(defaults.street)
    meta = parse_caption(caption, streets=streets)
    return Draft(
        text=text,
        source_name=source_name,
        meta=meta,
        defaults=defaults,
        streets=tuple(streets),
        parsed=parsed,
    )


@dataclass(frozen=True)
class Preview:
    """What storing a prepared issue would do, for staff to confirm."""

    prepared: PreparedIssue
    check: Check  # "new", "duplicate" (same text stored) or "correction" (same identity)
    existing: IssueInfo | None  # the stored issue a duplicate or correction refers to
    # Other stored issues that already hold some of these passages word for word:
    # issue id -> how many (a reprinted article, or the same issue under another date).
    repeated: dict[int, int]
    # How much of the text the stored issue shares (0-1), when it was found by its text.
    similarity: float | None = None
    # OCR'd pages: the lines the recogniser was unsure of (page, line, confidence).
    unsure: tuple[tuple[int, str, float], ...] = ()
    ocr_pages: int = 0


def preview_draft(factory: sessionmaker[Session], draft: Draft) -> Preview:
    """Prepare the draft and compare it with the store (read only).

    Raises:
        IngestError: the text yields no articles.
    """
    prepared = draft.prepare()
    texts = list({text for article in prepared.articles for _, text in article.passages})
    with factory() as session:
        check, existing, similarity = judge_issue(session, prepared)
        info = queries.issue_info(session, issue_id=existing.id) if existing is not None else None
        repeated: dict[int, int] = {}
        if check != "duplicate":
            rows = session.execute(
                select(Passage.issue_id, Passage.text).where(Passage.text.in_(texts))
            ).all()
            for issue_id, _ in set(rows):
                if info is None or issue_id != info.id:
                    repeated[issue_id] = repeated.get(issue_id, 0) + 1
    return Preview(
        prepared=prepared,
        check=check,
        existing=info,
        repeated=repeated,
        similarity=similarity,
        unsure=draft.unsure,
        ocr_pages=draft.ocr_pages,
    )

"""Ingesting newspaper issues: the one library function behind `linli ingest` and the bot's upload.

Work is split in two so staff can see a preview before anything is written:
:func:`prepare_issue` parses text into articles and passages (no database), and
:func:`store_issues` writes prepared issues in the caller's transaction, recognising
duplicates (same content) and corrections (same publication + street + date, new text).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date as Date
from pathlib import Path
from typing import Literal

from corpus.ingest import places
from corpus.ingest.articles import ParsedIssue, parse_issue
from corpus.ingest.decoding import DecodeError
from corpus.ingest.extract import SUPPORTED_SUFFIXES, extract_text
from corpus.ingest.passages import split_sections
from corpus.store.models import Article, Issue, Passage

SHANGHAI_DISTRICTS = (
    "黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区",
    "宝山区", "嘉定区", "浦东新区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区",
)  # fmt: skip


class IngestError(ValueError):
    """An issue cannot be ingested; the message tells staff what to fix."""


@dataclass(frozen=True)
class IssueMeta:
    """Metadata given by staff; anything left ``None`` is taken from the text where it can be."""

    publication: str | None = None
    street: str | None = None
    district: str | None = None
    date: str | None = None
    date_estimated: bool = False
    title: str | None = None
    source_name: str = ""


@dataclass(frozen=True)
class PreparedArticle:
    title: str
    subtitle: str
    section: str
    byline: str
    captions: tuple[str, ...]
    body: str
    # (subhead or "", passage text) in reading order.
    passages: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PreparedIssue:
    """A parsed issue ready to store, also shown to staff as a preview."""

    publication: str
    street: str
    district: str
    date: str
    date_estimated: bool
    title: str
    source_name: str
    content_hash: str
    raw_text: str
    articles: tuple[PreparedArticle, ...]

    @property
    def passage_count(self) -> int:
        """Passages stored: the text passages and one per photo caption."""
        return sum(len(a.passages) + len(a.captions) for a in self.articles)

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.publication, self.street, self.date)


Status = Literal["added", "duplicate", "replaced"]


def content_hash(text: str) -> str:
    """Hash of the text with layout differences (BOM, line ends, spacing) normalised away."""
    text = unicodedata.normalize("NFC", text).lstrip("\ufeff")
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()]
    canonical = "\n".join(line for line in lines if line)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_DATE_RE = re.compile(
    r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*月?\s*$"
)


def normalise_date(value: str) -> str:
    """Accept 2026-11, 2026/11/5, 2026年11月5日 …; return YYYY-MM or YYYY-MM-DD.

    Raises:
        IngestError: not a date of that form, or not a real date.
    """
    match = _DATE_RE.match(value or "")
    if not match:
        raise IngestError(f"'{value}' is not a date like 2026-11 or 2026-11-05")
    year, month = int(match.group(1)), int(match.group(2))
    day = int(match.group(3)) if match.group(3) else None
    try:
        Date(year, month, day or 1)
    except ValueError as exc:
        raise IngestError(f"'{value}' is not a real date") from exc
    if not 1900 <= year <= 2100:
        raise IngestError(f"'{value}': the year {year} is out of range")
    return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")


def _guess_district(text: str, street: str) -> str:
    """The street office's district when it is a listed one, else the district the text names most."""
    listed = places.district_of(street)
    if listed:
        return listed
    counts = Counter({d: text.count(d) for d in SHANGHAI_DISTRICTS})
    district, n = counts.most_common(1)[0]
    return district if n else ""


def default_publication(street: str) -> str:
    """The name a paper without a masthead in its text goes by: its street office's."""
    return re.sub(r"(新村)?街道$", "", street) + "社区报"


def _limit(model: type[Issue | Article | Passage], column: str) -> int:
    """The column's declared length (the models are the one place lengths are set)."""
    length = model.__table__.c[column].type.length  # type: ignore[attr-defined]
    assert isinstance(length, int), f"{model.__name__}.{column} has no length"
    return length


def _clip(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters, an ellipsis showing the cut.

    PostgreSQL refuses a varchar longer than declared where SQLite stores it; a headline
    or subhead the parser ran long (a paragraph taken for a heading) is still worth
    storing, shortened.
    """
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _check_length(value: str, limit: int, what: str, option: str) -> str:
    """``value`` unchanged, or an IngestError: identity metadata is never shortened silently.

    A cut publication, street or title would file the issue under a name nobody gave.
    """
    if len(value) > limit:
        raise IngestError(
            f"the {what} is {len(value)} characters long; at most {limit} are accepted "
            f"(give a shorter one: {option})"
        )
    return value


def prepare_issue(
    text: str, meta: IssueMeta, *, parsed: ParsedIssue | None = None
) -> PreparedIssue:
    """Parse ``text`` into articles and passages and settle its metadata (no database).

    Args:
        parsed: ``parse_issue(text)`` when the caller already has it (an upload is parsed
            once, for its preview questions and for storing).

    Raises:
        IngestError: no body text found, or metadata missing that the text cannot supply.
    """
    if not text or not text.strip():
        raise IngestError("the text is empty")
    parsed = parsed or parse_issue(text)
    articles = _prepared_articles(parsed)
    if not articles:
        raise IngestError("no article text was found in it (only headings, captions or noise)")

    street = (meta.street or parsed.street or "").strip()
    if not street:
        raise IngestError("the street office could not be read from the text; give it (--street)")
    publication = (meta.publication or parsed.publication or "").strip()
    if not publication:
        publication = default_publication(street)
    if not meta.date:
        raise IngestError("the issue date is missing; give it as YYYY-MM or YYYY-MM-DD (--date)")
    return PreparedIssue(
        publication=_check_length(
            publication, _limit(Issue, "publication"), "publication", "--publication"
        ),
        street=_check_length(street, _limit(Issue, "street"), "street office", "--street"),
        district=_check_length(
            (meta.district or _guess_district(text, street)).strip(),
            _limit(Issue, "district"),
            "district",
            "--district",
        ),
        date=normalise_date(meta.date),
        date_estimated=meta.date_estimated,
        title=_check_length(
            (meta.title or articles[0].title).strip(), _limit(Issue, "title"), "title", "--title"
        ),
        # Only a label for staff (the file's name): shortening it files nothing wrongly.
        source_name=_clip(meta.source_name, _limit(Issue, "source_name")),
        content_hash=content_hash(text),
        raw_text=text,
        articles=tuple(articles),
    )


def _prepared_articles(parsed: ParsedIssue) -> list[PreparedArticle]:
    """The parsed articles that have body text, cut into passages, fitted to their columns."""
    articles: list[PreparedArticle] = []
    heading_limit = _limit(Passage, "heading")
    for draft in parsed.articles:
        passages = tuple(
            (heading, text)
            for heading, texts in split_sections(list(draft.paragraphs))
            for text in texts
        )
        if not passages:
            continue
        articles.append(
            PreparedArticle(
                title=_clip(draft.title, _limit(Article, "title")),
                subtitle=draft.subtitle,
                section=_clip(draft.section, _limit(Article, "section")),
                byline=_clip(draft.byline, _limit(Article, "byline")),
                captions=tuple(draft.captions),
                body="\n".join(draft.paragraphs),
                passages=tuple((_clip(h, heading_limit), t) for h, t in passages),
            )
        )
    return articles


Check = Literal["new", "duplicate", "correction"]


#: ``linli ingest``'s progress: (file name, page, pages) before OCR reads each page.
FileProgress = Callable[[str, int, int], None]


def prepare_bytes(
    data: bytes,
    filename: str,
    meta: IssueMeta,
    progress: Callable[[int, int], None] | None = None,
) -> PreparedIssue:
    """Extract text from an uploaded file's bytes and prepare it.

    Raises:
        IngestError: unsupported, binary, empty, undecodable or unparseable input, naming
            the file.
    """
    try:
        return _prepare_bytes(data, filename, meta, progress)
    except IngestError as exc:
        if filename in str(exc):
            raise
        raise IngestError(f"{filename}: {exc}") from exc


def _prepare_bytes(
    data: bytes,
    filename: str,
    meta: IssueMeta,
    progress: Callable[[int, int], None] | None,
) -> PreparedIssue:
    try:
        text = extract_text(data, filename, progress=progress)
    except DecodeError as exc:
        raise IngestError(str(exc)) from exc
    meta = meta if meta.source_name else replace(meta, source_name=filename)
    return prepare_issue(text, meta)


def _manifest_meta(folder: Path) -> dict[str, IssueMeta]:
    """Per-file metadata from a folder's manifest.json, in the bundled corpus's format."""
    from corpus.ingest.seed import read_manifest

    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return {}
    try:
        return read_manifest(manifest)
    except OSError as exc:
        raise IngestError(f"{manifest}: cannot read it ({exc.strerror})") from exc
    except ValueError as exc:  # also json's JSONDecodeError and UnicodeDecodeError
        raise IngestError(f"{manifest}: {exc}") from exc


def collect_files(paths: Iterable[str | Path]) -> list[tuple[Path, IssueMeta | None]]:
    """Expand files and folders into the files to ingest, with manifest metadata if any.

    Raises:
        IngestError: a path that does not exist, or a folder with nothing to ingest.
    """
    found: list[tuple[Path, IssueMeta | None]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            manifest = _manifest_meta(path)
            files = sorted(
                p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
            )
            if not files:
                raise IngestError(
                    f"{path}: no {', '.join(SUPPORTED_SUFFIXES)} files in this folder"
                )
            found.extend((p, manifest.get(p.name)) for p in files)
        elif path.is_file():
            found.append((path, None))
        else:
            raise IngestError(f"{path}: no such file or folder")
    return found


def prepare_paths(
    paths: Iterable[str | Path], meta: IssueMeta, *, progress: FileProgress | None = None
) -> list[PreparedIssue]:
    """Read and prepare every file; any bad file raises before anything is stored.

    Metadata given on the command line wins over a folder manifest's.

    Raises:
        IngestError: naming the first bad file and what is wrong with it.
    """
    prepared: list[PreparedIssue] = []
    for path, manifest_meta in collect_files(paths):
        base = manifest_meta or IssueMeta()
        merged = IssueMeta(
            publication=meta.publication or base.publication,
            street=meta.street or base.street,
            district=meta.district or base.district,
            date=meta.date or base.date,
            date_estimated=meta.date_estimated or base.date_estimated,
            title=meta.title or base.title,
            source_name=meta.source_name or base.source_name or path.name,
        )
        try:
            pages = None if progress is None else _for_file(progress, path.name)
            prepared.append(_prepare_bytes(path.read_bytes(), path.name, merged, pages))
        except IngestError as exc:
            raise IngestError(f"{path}: {exc}") from exc
        except OSError as exc:
            raise IngestError(f"{path}: cannot read it ({exc.strerror})") from exc
    return prepared


def _for_file(progress: FileProgress, name: str) -> Callable[[int, int], None]:
    return lambda page, pages: progress(name, page, pages)

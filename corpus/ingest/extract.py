"""Text out of the files staff have: plain text, Markdown, Word (.docx) and PDF with a text layer."""

from __future__ import annotations

import io
import logging
import zipfile

from corpus.ingest import decoding, layout_pdf, word
from corpus.ingest.decoding import TEXT_SUFFIXES, DecodeError, decode_text

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, ".docx", ".pdf")


def _suffix(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower() if dot >= 0 else ""


# How much bigger than its text a Word document's XML may be before it is refused unread:
# markup per run is large, but past this the file is a bomb, not an issue, and parsing
# it would hold the whole tree in memory first. The allowance is for the styles and
# theme every .docx carries whatever its length (Word's template alone is ~0.8 MB).
XML_PER_TEXT_BYTE = 8
XML_ALLOWANCE = 4 * 1024 * 1024


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"


class _TextBudget:
    """Counts the text extracted so far and refuses as soon as it passes the upload cap.

    A small .docx or .pdf can expand to tens of millions of characters (0.6 MB gave 42 M
    and took 91 s and 1.7 GB): the cap text files have (decoding.MAX_TEXT_BYTES) applies
    to extracted text too, checked per paragraph or text run, not after joining it all.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.limit = decoding.MAX_TEXT_BYTES  # read now, so tests can lower it
        self.used = 0

    def too_big(self) -> DecodeError:
        return DecodeError(
            f"{self.name} holds more than {_size(self.limit)} of text; issues over that are "
            "not accepted (split it into several files)"
        )

    def add(self, text: str) -> str:
        self.used += len(text.encode("utf-8"))
        if self.used > self.limit:
            raise self.too_big()
        return text


def _check_docx_size(data: bytes, budget: _TextBudget) -> None:
    """Refuse a .docx whose XML parts are declared far larger than the text cap, unread.

    zipfile never inflates a member past its declared size, so the declared sizes bound
    what python-docx would parse.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = sum(i.file_size for i in archive.infolist() if i.filename.endswith(".xml"))
    if xml > XML_PER_TEXT_BYTE * budget.limit + XML_ALLOWANCE:
        raise budget.too_big()


def _unreadable(name: str, kind: str, exc: Exception) -> DecodeError:
    """The one refusal for a file its parser chokes on, whatever the parser raised.

    Damaged or hostile files make python-docx, lxml, zipfile and pypdf raise almost any
    exception class (zlib.error, KeyError, struct.error, NotImplementedError, EOFError,
    pypdf's LimitReachedError …); listing them would always miss one, so every failure
    inside a parser becomes this message, and the original is logged for whoever debugs it.
    """
    log.info("could not read %s as %s: %s: %s", name, kind, exc.__class__.__name__, exc)
    return DecodeError(f"could not read {name}: the file is damaged or not a {kind}")


def _docx_text(data: bytes, name: str) -> str:
    try:
        return _docx_paragraphs_text(data, name)
    except DecodeError:
        raise
    except Exception as exc:  # any parser failure, see _unreadable
        raise _unreadable(name, "Word (.docx) file", exc) from exc


def _docx_paragraphs_text(data: bytes, name: str) -> str:
    import docx  # python-docx: imported lazily, only staff uploads need it

    budget = _TextBudget(name)
    _check_docx_size(data, budget)
    document = docx.Document(io.BytesIO(data))
    # Headlines as Markdown headings, blank lines between paragraphs (see corpus.ingest.word).
    text = word.docx_markdown(document, budget.add)
    if not text.strip():
        raise DecodeError(f"{name} has no text")
    return text


def _pdf_text(data: bytes, name: str) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        budget = _TextBudget(name)
        # Reading order, paragraphs and headlines from positions and fonts (layout_pdf).
        pages = layout_pdf.pages_text(reader.pages, budget.add)
    except DecodeError:
        raise
    except Exception as exc:  # any parser failure, see _unreadable
        raise _unreadable(name, "PDF", exc) from exc
    text = "\n\n".join(pages)
    if len("".join(text.split())) < 20:
        raise DecodeError(
            f"{name} has no text layer (a scanned PDF?); run OCR on it first or send the text"
        )
    return text


def extract_text(data: bytes, filename: str) -> str:
    """Return the text of an uploaded file, chosen by its extension.

    Raises:
        DecodeError: unsupported type, or a file that yields no usable text.
    """
    suffix = _suffix(filename)
    if suffix in TEXT_SUFFIXES or suffix == "":
        return decode_text(data, name=filename)
    if not data:
        raise DecodeError(f"{filename} is empty")
    if suffix == ".docx":
        return _docx_text(data, filename)
    if suffix == ".pdf":
        return _pdf_text(data, filename)
    raise DecodeError(
        f"{filename}: {suffix} files are not supported; send .txt, .md, .docx or .pdf"
    )

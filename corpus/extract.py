"""Text out of the files staff have: plain text, Markdown, Word (.docx) and PDF with a text layer."""

from __future__ import annotations

import io
import zipfile

from corpus.decoding import TEXT_SUFFIXES, DecodeError, decode_text

SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, ".docx", ".pdf")


def _suffix(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower() if dot >= 0 else ""


def _docx_text(data: bytes, name: str) -> str:
    import docx  # python-docx: imported lazily, only staff uploads need it

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DecodeError(f"{name} is not a readable Word (.docx) file") from exc
    paragraphs = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            paragraphs.append(" ".join(cell.text for cell in row.cells))
    # Blank lines between paragraphs, as in the OCR text the parser was built for.
    text = "\n\n".join(p for p in paragraphs if p.strip())
    if not text.strip():
        raise DecodeError(f"{name} has no text")
    return text


def _pdf_text(data: bytes, name: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise DecodeError(f"{name} is not a readable PDF") from exc
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

"""Text out of PDF and Word files keeps the paragraph breaks the article parser relies on."""

from __future__ import annotations

import pytest

from corpus.ingest.articles import parse_issue
from corpus.ingest.decoding import DecodeError
from corpus.ingest.extract import extract_text
from tests.data.staff.samples import docx_bytes, pdf_bytes, scanned_pdf_bytes
from tests.support.ocr import requires_ocr


def test_pdf_paragraph_gaps_become_blank_lines() -> None:
    text = extract_text(pdf_bytes(), "issue.pdf")
    assert "\n\n凉城街道开通社区助浴服务\n\n" in text
    titles = [a.title for a in parse_issue(text).articles]
    assert titles == ["凉城街道开通社区助浴服务", "广灵四路人行道完成修缮"]


def test_docx_paragraphs_are_separated() -> None:
    text = extract_text(docx_bytes(), "issue.docx")
    assert "\n\n" in text and len(parse_issue(text).articles) >= 2


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.pdf", "empty"),
        (
            b"%PDF-1.4 garbage",
            "broken.pdf",
            "could not read broken.pdf: the file is damaged or not a PDF",
        ),
        (
            b"PK\x03\x04junk",
            "broken.docx",
            r"could not read broken.docx: the file is damaged or not a Word \(.docx\) file",
        ),
        (b"\x00\x01", "photo.jpg", "could not read photo.jpg: the file is damaged or not an image"),
        (b"\x00\x01", "drawing.bmp", r"\.bmp files are not supported"),
    ],
)
def test_bad_files_are_refused(data: bytes, name: str, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        extract_text(data, name)


@requires_ocr
def test_scanned_pdf_without_text_layer_goes_to_ocr() -> None:
    # The sample scan is a blank page: OCR finds nothing, and says so.
    with pytest.raises(DecodeError, match=r"scan\.pdf: little or no Chinese text"):
        extract_text(scanned_pdf_bytes(), "scan.pdf")

"""Text extracted from Word and PDF files is capped as text uploads are, refused as it grows.

A 0.6 MB .docx once expanded to 42 M characters (91 s, 1.7 GB): the cap must stop
extraction early with a clear message, not after the whole text is built.
"""

from __future__ import annotations

import io
import zipfile

import docx
import pytest

from corpus.ingest import decoding
from corpus.ingest.prepare import IngestError, IssueMeta, prepare_bytes
from tests.data.staff.samples import DOCX_ISSUE, PDF_ISSUE, docx_bytes, pdf_bytes

META = IssueMeta(street="凉城新村街道", date="2026-11")
LINE = "凉城新村街道社区助浴服务点开放，每周二、四下午为高龄独居老人提供助浴。"  # 3 bytes/char


def _bomb(paragraphs: int) -> bytes:
    """A small .docx of the same paragraph many times over (compresses to almost nothing)."""
    return docx_bytes((("heading", "社区助浴"),) + (("body", LINE),) * paragraphs)


def test_docx_text_over_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decoding, "MAX_TEXT_BYTES", 50_000)
    data = _bomb(600)  # ~60 kB of text, XML well under the unread-refusal bound
    assert len(data) < 50_000
    with pytest.raises(IngestError, match=r"bomb\.docx holds more than 50000 bytes of text"):
        prepare_bytes(data, "bomb.docx", META)


def test_docx_text_is_counted_per_paragraph_not_after_joining(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(decoding, "MAX_TEXT_BYTES", 50_000)
    read = 0
    text_of = docx.text.paragraph.Paragraph.text

    def counting(self: docx.text.paragraph.Paragraph) -> str:
        nonlocal read
        read += 1
        return text_of.fget(self)  # type: ignore[attr-defined,no-any-return]

    monkeypatch.setattr(docx.text.paragraph.Paragraph, "text", property(counting))
    with pytest.raises(IngestError, match="holds more than"):
        prepare_bytes(_bomb(600), "bomb.docx", META)
    assert read < 500  # stopped near 50 kB / 108 bytes a paragraph (463), not at the 601st


def _zip_bomb(paragraphs: int) -> bytes:
    """The sample .docx with its document part replaced by ``paragraphs`` copies of one."""
    sample = zipfile.ZipFile(io.BytesIO(docx_bytes()))
    body = f"<w:p><w:r><w:t>{LINE}</w:t></w:r></w:p>" * paragraphs
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in sample.infolist():
            data = sample.read(info)
            if info.filename == "word/document.xml":
                head, _, rest = data.decode("utf-8").partition("<w:body>")
                data = (head + "<w:body>" + body + rest.split("<w:sectPr", 1)[0]).encode()
                data += b"</w:body></w:document>"
            bomb.writestr(info.filename, data)
    return out.getvalue()


def test_docx_xml_far_over_the_cap_is_refused_unparsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decoding, "MAX_TEXT_BYTES", 50_000)
    data = _zip_bomb(60_000)  # ~8 MB of XML in a file a fraction of that size

    def parse(*_: object) -> None:
        raise AssertionError("the XML was parsed")

    monkeypatch.setattr(docx, "Document", parse)
    assert len(data) < 500_000
    with pytest.raises(IngestError, match=r"bomb\.docx holds more than 50000 bytes of text"):
        prepare_bytes(data, "bomb.docx", META)


def test_pdf_text_over_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decoding, "MAX_TEXT_BYTES", 5_000)
    with pytest.raises(IngestError, match=r"big\.pdf holds more than 5000 bytes of text"):
        prepare_bytes(pdf_bytes(PDF_ISSUE * 30), "big.pdf", META)


def test_files_under_the_cap_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decoding, "MAX_TEXT_BYTES", 50_000)
    assert prepare_bytes(docx_bytes(DOCX_ISSUE), "issue.docx", META).articles
    assert prepare_bytes(pdf_bytes(), "issue.pdf", META).articles

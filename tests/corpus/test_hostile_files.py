"""Damaged or hostile Word and PDF files are refused with one clear IngestError, never a crash.

Parsers raise almost any exception class on broken input (zlib.error, KeyError,
struct.error, NotImplementedError, pypdf's LimitReachedError …); staff must get a
message naming the file instead of "something went wrong" or a traceback.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus.ingest.prepare import IngestError, IssueMeta, prepare_bytes
from tests.data.staff.samples import docx_bytes, pdf_bytes

META = IssueMeta(street="凉城新村街道", date="2026-11")
DOCX = docx_bytes()
PDF = pdf_bytes()


def _ingest_or_refuse(data: bytes, name: str) -> None:
    """Succeeds, or raises IngestError naming the file; anything else fails the test."""
    try:
        prepare_bytes(data, name, META)
    except IngestError as exc:
        assert name in str(exc)


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` with a few bytes overwritten, a slice cut out and/or the tail cut off."""
    data = bytearray(original)
    for _ in range(draw(st.integers(0, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        start = draw(st.integers(0, len(data) - 1))
        del data[start : start + draw(st.integers(1, 64))]
    if draw(st.booleans()):
        data = data[: draw(st.integers(1, len(data)))]
    return bytes(data)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(mutated(DOCX))
def test_mutated_docx_is_read_or_refused_clearly(data: bytes) -> None:
    _ingest_or_refuse(data, "issue.docx")


@FUZZ
@given(mutated(PDF))
def test_mutated_pdf_is_read_or_refused_clearly(data: bytes) -> None:
    _ingest_or_refuse(data, "issue.pdf")


def _garbled(original: bytes, seed: int) -> bytes:
    """``original`` with a few bytes overwritten, reproducibly (seeds found by fuzzing)."""
    rng = random.Random(seed)
    data = bytearray(original)
    for _ in range(rng.randint(1, 6)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


# Before the fix these escaped as zlib.error, NotImplementedError, EOFError and
# pypdf's LimitReachedError.
@pytest.mark.parametrize(
    ("original", "seed", "name", "kind"),
    [
        (DOCX, 1, "zlib.docx", "Word (.docx) file"),
        (DOCX, 423, "unsupported.docx", "Word (.docx) file"),
        (DOCX, 670, "eof.docx", "Word (.docx) file"),
        (PDF, 679, "loop.pdf", "PDF"),
    ],
)
def test_garbled_files_found_by_fuzzing_are_refused(
    original: bytes, seed: int, name: str, kind: str
) -> None:
    with pytest.raises(IngestError) as caught:
        prepare_bytes(_garbled(original, seed), name, META)
    assert str(caught.value) == f"could not read {name}: the file is damaged or not a {kind}"


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (DOCX[: len(DOCX) // 2], "truncated.docx", "Word (.docx) file"),
        (DOCX[:-30], "cut-directory.docx", "Word (.docx) file"),
        (random.Random(0).randbytes(4096), "random.pdf", "PDF"),
        (b"%PDF-1.4 garbage", "broken.pdf", "PDF"),
        (b"PK\x03\x04junk", "broken.docx", "Word (.docx) file"),
    ],
)
def test_broken_files_name_the_file_and_what_is_wrong(data: bytes, name: str, kind: str) -> None:
    with pytest.raises(IngestError) as caught:
        prepare_bytes(data, name, META)
    assert str(caught.value) == f"could not read {name}: the file is damaged or not a {kind}"

"""Fuzzed uploads through the functions the bot and `linli ingest` call: refused politely or stored whole.

test_hostile_files.py fuzzes the parsers; this goes through the doors every caller
uses (``Corpus.issues.open_upload`` + ``preview`` + ``store`` for the bot's upload,
``Corpus.issues.add_files`` for `linli ingest`), with .txt, GBK text, .docx and .pdf
bytes mutated by Hypothesis. Every example ends in one of two ways: an IngestError
whose message names the file (nothing stored), or an issue stored whole (its passages
in the store are the ones its preview counted). Never another exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus.answer.service import LinliService
from corpus.api import Corpus, IngestError, IssueMeta
from corpus.store.engine import Store
from tests.corpus.test_hostile_files import mutated
from tests.data.staff.samples import docx_bytes, pdf_bytes

DATA = Path(__file__).parent.parent / "data"
TXT = (DATA / "staff" / "liangcheng_2026-11.txt").read_bytes()
GBK = (DATA / "staff" / "changfeng_2026-10_gbk.txt").read_bytes()
DOCX = docx_bytes()
PDF = pdf_bytes()
CAPTION = "社区晨报 凉城 2026-11"
META = IssueMeta(publication="社区晨报", street="凉城新村街道", date="2026-11")

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
ORIGINALS = {"issue.txt": TXT, "gbk.txt": GBK, "issue.docx": DOCX, "issue.pdf": PDF}


@pytest.fixture
def corpus(db_url: str) -> Iterator[Corpus]:
    store = Store.open(db_url)
    yield Corpus(store, LinliService(store), b"fuzz")
    store.close()


def _stored_whole(corpus: Corpus, issue_id: int, passages: int) -> None:
    info = corpus.issues.find(issue_id)
    assert info is not None and info.passages == passages


def _count(corpus: Corpus) -> int:
    return len(corpus.issues.list())


def _upload_or_refuse(corpus: Corpus, data: bytes, name: str) -> None:
    """The bot's path: read the upload, preview it, store it."""
    before = _count(corpus)
    try:
        draft = corpus.issues.open_upload(data, name, CAPTION)
        preview = corpus.issues.preview(draft)
    except IngestError as exc:
        assert name in str(exc), str(exc)
        assert _count(corpus) == before
        return
    [result] = corpus.issues.store([preview])
    if result.status == "duplicate":
        assert _count(corpus) == before
    else:
        _stored_whole(corpus, result.issue_id, preview.prepared.passage_count)


def _ingest_or_refuse(corpus: Corpus, data: bytes, path: Path) -> None:
    """`linli ingest`'s path: a file on disk."""
    path.write_bytes(data)
    before = _count(corpus)
    try:
        [result] = corpus.issues.add_files([path], META)
    except IngestError as exc:
        assert path.name in str(exc), str(exc)
        assert _count(corpus) == before
        return
    if result.status != "duplicate":
        _stored_whole(corpus, result.issue_id, result.passages)


@pytest.mark.parametrize("name", list(ORIGINALS))
def test_mutated_uploads_are_refused_naming_the_file_or_stored_whole(
    corpus: Corpus, name: str
) -> None:
    @FUZZ
    @given(mutated(ORIGINALS[name]))
    def check(data: bytes) -> None:
        _upload_or_refuse(corpus, data, name)

    check()


@pytest.mark.parametrize("name", list(ORIGINALS))
def test_mutated_files_given_to_linli_ingest_are_refused_naming_the_file_or_stored_whole(
    corpus: Corpus, name: str, tmp_path: Path
) -> None:
    @FUZZ
    @given(mutated(ORIGINALS[name]))
    def check(data: bytes) -> None:
        _ingest_or_refuse(corpus, data, tmp_path / name)

    check()


@FUZZ
@given(st.binary(max_size=4096), st.sampled_from(list(ORIGINALS)))
def test_arbitrary_bytes_under_any_supported_name_are_refused_or_stored(
    corpus: Corpus, data: bytes, name: str
) -> None:
    _upload_or_refuse(corpus, data, name)


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"", "empty.txt"),
        (b"   \n\n\t ", "blank.txt"),
        ("社区晨报\n\n## 只有标题\n".encode(), "headline-only.txt"),
        ("## 标题\n\n😀😀😀".encode(), "emoji.txt"),
        (b"\x00\x01\x02" * 100, "binary.txt"),
        (b"\xff\xfe\x00", "bom-only.txt"),
        ("<b>加装电梯</b>".encode(), "html.md"),
        (b"PK\x03\x04", "stub.docx"),
        (b"%PDF-1.4\n%%EOF", "stub.pdf"),
    ],
)
def test_degenerate_uploads_name_the_file(corpus: Corpus, data: bytes, name: str) -> None:
    with pytest.raises(IngestError) as caught:
        draft = corpus.issues.open_upload(data, name, CAPTION)
        corpus.issues.preview(draft)
    assert name in str(caught.value)
    assert _count(corpus) == 0

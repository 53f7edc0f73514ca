"""Saving and loading an index: exact round trips, and every kind of bad file refused."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from retrieval import Retriever, Tokenizer
from retrieval.index.persist import FORMAT_VERSION, IndexFileError, IndexMismatchError, load, save

PASSAGES = [
    "凉二居民区加装电梯工作启动，居民可到居委会申请加梯。",
    "世纪同乐小区开展楼道堆物清理，请居民自行处理杂物。",
    "市民驿站每周提供理发、扦脚、眼镜护理等便民服务。",
    "奎照路1000弄屋顶违建拆除工作圆满结束。",
    "",
]
QUERIES = ["加装电梯怎么申请", "楼道堆物", "违建", "便民服务理发"]
TOKENIZER = Tokenizer(char_unigrams=True)
KEYS = np.array([11, 12, 13, 14, 15], np.int64)


@pytest.fixture
def retriever() -> Retriever:
    return Retriever.from_texts(PASSAGES, tokenizer=TOKENIZER)


@pytest.fixture
def saved(tmp_path: Path, retriever: Retriever) -> Path:
    path = tmp_path / "index.lidx"
    save(path, retriever, keys=KEYS, digests=KEYS.astype(np.uint64) * 7, meta={"corpus_version": 3})
    return path


def test_round_trip_is_exact(saved: Path, retriever: Retriever) -> None:
    loaded = load(saved, TOKENIZER, expect_meta={"corpus_version": 3})
    assert loaded.keys.tolist() == KEYS.tolist()
    assert loaded.digests is not None and loaded.digests.tolist() == (KEYS * 7).tolist()
    assert loaded.meta == {"corpus_version": 3}
    assert len(loaded.retriever) == len(PASSAGES)
    for query in QUERIES:
        assert loaded.retriever.search(query) == retriever.search(query)
        terms = TOKENIZER.tokenize(query)
        assert np.array_equal(
            loaded.retriever.index.get_scores(terms), retriever.index.get_scores(terms)
        )
    # A loaded index keeps growing like a built one.
    loaded.retriever.add(["社区食堂开业。"])
    retriever.add(["社区食堂开业。"])
    assert loaded.retriever.search("食堂") == retriever.search("食堂")


def test_bm25_parameters_are_chosen_at_load(saved: Path) -> None:
    okapi = load(saved, TOKENIZER, bm25={"k1": 1.2, "b": 0.75, "idf": "okapi"})
    fresh = Retriever.from_texts(PASSAGES, tokenizer=TOKENIZER, k1=1.2, b=0.75, idf="okapi")
    assert okapi.retriever.index.params == fresh.index.params
    assert okapi.retriever.search("加装电梯") == fresh.search("加装电梯")


def test_an_empty_index_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "empty.lidx"
    save(path, Retriever.from_texts([], tokenizer=TOKENIZER), keys=np.zeros(0, np.int64))
    loaded = load(path, TOKENIZER)
    assert len(loaded.retriever) == 0 and loaded.digests is None
    assert loaded.retriever.search("电梯") == []


def test_saving_replaces_the_file_and_leaves_no_temporary_files(
    saved: Path, retriever: Retriever
) -> None:
    retriever.add(["新增的一段。"])
    save(saved, retriever, keys=np.arange(len(retriever)), meta={"corpus_version": 4})
    assert load(saved, TOKENIZER).meta == {"corpus_version": 4}
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]


def test_keys_must_match_the_passages(tmp_path: Path, retriever: Retriever) -> None:
    with pytest.raises(ValueError, match="one key per passage"):
        save(tmp_path / "x.lidx", retriever, keys=KEYS[:2])
    with pytest.raises(ValueError, match="one digest per passage"):
        save(tmp_path / "x.lidx", retriever, keys=KEYS, digests=np.zeros(1, np.uint64))


def _flip(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x40
    path.write_bytes(bytes(data))


def test_corruption_of_the_header_is_detected(saved: Path) -> None:
    _flip(saved, 40)
    with pytest.raises(IndexFileError, match="corrupt header"):
        load(saved, TOKENIZER)


@pytest.mark.parametrize(
    "name",
    [
        "doc_len",
        "indptr",
        "doc_ids",
        "tf",
        "keys",
        "digests",
        "terms",
        "term_ends",
        "term_hashes",
        "term_order",
    ],
)
def test_corruption_of_any_array_is_detected(saved: Path, name: str) -> None:
    from retrieval.index.persist import _read_header

    with saved.open("rb") as file:
        header, start = _read_header(file, saved)
    entry = header["arrays"][name]
    size = entry["length"] * np.dtype(entry["dtype"]).itemsize
    _flip(saved, start + entry["offset"] + size - 1)
    with pytest.raises(IndexFileError, match=f"corrupt data \\('{name}'"):
        load(saved, TOKENIZER)


def test_truncated_missing_and_foreign_files_are_refused(saved: Path, tmp_path: Path) -> None:
    data = saved.read_bytes()
    for cut in (0, 10, 30, len(data) // 2):
        saved.write_bytes(data[:cut])
        with pytest.raises(IndexFileError, match=r"truncated|corrupt"):
            load(saved, TOKENIZER)
    saved.write_bytes(b"PK\x03\x04 not an index at all" * 10)
    with pytest.raises(IndexFileError, match="not a Linli index"):
        load(saved, TOKENIZER)
    with pytest.raises(IndexFileError, match="cannot read"):
        load(tmp_path / "missing.lidx", TOKENIZER)


def test_another_format_version_is_a_mismatch(saved: Path) -> None:
    data = bytearray(saved.read_bytes())
    data[8:12] = struct.pack("<I", FORMAT_VERSION + 1)
    saved.write_bytes(bytes(data))
    with pytest.raises(IndexMismatchError, match="format version"):
        load(saved, TOKENIZER)


def test_tokens_from_another_tokenizer_are_refused(saved: Path) -> None:
    with pytest.raises(IndexMismatchError, match="char_unigrams"):
        load(saved, Tokenizer(char_unigrams=False))
    with pytest.raises(IndexMismatchError, match="userdict"):
        load(saved, Tokenizer(char_unigrams=True, userdict=None))


def test_an_edited_user_dictionary_makes_the_index_stale(tmp_path: Path) -> None:
    userdict = tmp_path / "userdict.txt"
    userdict.write_text("凉二居民区 10 ns\n", encoding="utf-8")
    tokenizer = Tokenizer(char_unigrams=True, userdict=userdict)
    path = tmp_path / "index.lidx"
    save(path, Retriever.from_texts(PASSAGES, tokenizer=tokenizer), keys=KEYS)
    assert len(load(path, tokenizer).retriever) == len(PASSAGES)
    userdict.write_text("凉二居民区 10 ns\n世纪同乐 10 ns\n", encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="userdict"):
        load(path, Tokenizer(char_unigrams=True, userdict=userdict))


def test_expected_metadata_is_checked(saved: Path) -> None:
    with pytest.raises(IndexMismatchError, match="database"):
        load(saved, TOKENIZER, expect_meta={"database": "elsewhere"})


def test_a_file_without_the_term_hash_table_loads_the_same(
    tmp_path: Path, retriever: Retriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As files written before the table was saved: the table is rebuilt from the terms.
    from retrieval.index import persist

    named = persist._named_arrays

    def without_table(*args: object) -> dict[str, np.ndarray]:
        arrays = named(*args)  # type: ignore[arg-type]
        del arrays["term_hashes"], arrays["term_order"]
        return arrays

    monkeypatch.setattr(persist, "_named_arrays", without_table)
    path = tmp_path / "old.lidx"
    save(path, retriever, keys=KEYS)
    with path.open("rb") as file:
        assert "term_hashes" not in persist._read_header(file, path)[0]["arrays"]
    loaded = load(path, TOKENIZER).retriever
    assert loaded.index._vocab.hashes.tolist() == retriever.index._vocab.hashes.tolist()
    for query in QUERIES:
        assert loaded.search(query) == retriever.search(query)

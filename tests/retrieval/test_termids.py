"""The term-id table: lookups agree with a dict, hash collisions included."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.index import termids
from retrieval.index.termids import TermIds

TERMS = ["a", "bb", "中文", "", "x" * 10, "ab", "ba", "文中", "社区晨报"]
ASKED = [*TERMS, "zz", "中", "aa", "文", "社区", "b", "晨报社区", "a"]


def _check(table: TermIds) -> None:
    expected = {term: i for i, term in enumerate(TERMS)}
    assert table.lookup(ASKED).tolist() == [expected.get(t, -1) for t in ASKED]
    assert [table.get(t) for t in ASKED] == [expected.get(t) for t in ASKED]
    assert [table.term(i) for i in range(len(TERMS))] == TERMS


def test_lookup_matches_a_dict() -> None:
    _check(TermIds.from_terms(TERMS))
    _check(TermIds.from_terms(TERMS[:4]).extended(TERMS[4:]))
    assert TermIds.from_terms([]).lookup(["a"]).tolist() == [-1]
    assert TermIds.from_terms(TERMS).lookup([]).tolist() == []


def test_lookup_survives_hash_collisions(monkeypatch: pytest.MonkeyPatch) -> None:
    # A hash with three values: terms of the same length collide (same bytes count,
    # other bytes) and so do terms of other lengths.
    def weak(data: bytes) -> int:
        return len(data) % 3

    def weak_all(blob: np.ndarray, ends: np.ndarray) -> np.ndarray:
        starts = np.concatenate(([0], ends[:-1])).astype(np.int64)
        return ((ends - starts) % 3).astype(np.uint64)

    monkeypatch.setattr(termids, "_hash", weak)
    monkeypatch.setattr(termids, "_hash_all", weak_all)
    _check(TermIds.from_terms(TERMS))
    _check(TermIds.from_terms(TERMS[:4]).extended(TERMS[4:]))


def test_a_given_hash_table_is_used_and_checked() -> None:
    table = TermIds.from_terms(["凉二", "电梯", "a", "bb", "加梯"])
    again = TermIds.from_blob(table.blob, table.ends, table=table.table(len(table)))
    assert again.hashes is table.hashes and again.order is table.order
    assert again.lookup(["电梯", "zz", "a"]).tolist() == [1, -1, 2]
    # The first three terms' table is the full table's, ids beyond them dropped.
    hashes, order = table.table(3)
    assert order.tolist() == [i for i in table.order.tolist() if i < 3]
    assert (np.diff(hashes.astype(np.float64)) >= 0).all()
    swapped = table.order.copy()
    swapped[[0, 1]] = swapped[[1, 0]]
    bad_tables = [
        (table.hashes, swapped),  # ids that do not match their hashes
        (table.hashes[::-1].copy(), table.order[::-1].copy()),  # not ascending
        (table.hashes, table.order.astype(np.int64)),
        (table.hashes[:-1], table.order[:-1]),
    ]
    for bad in bad_tables:
        with pytest.raises(ValueError, match="hash table"):
            TermIds.from_blob(table.blob, table.ends, table=bad)

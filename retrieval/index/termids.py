"""The term-id table: a compact, immutable term -> id map for millions of terms.

A Python ``dict[str, int]`` costs ~140 bytes a term (a 2-character ``str`` is
78 bytes, the dict slot and the ``int`` the rest). A city archive's index has a
million or more terms (every new name brings words and character bigrams), so
the dict would cost more than the postings. Here a term costs ~27 bytes:

* ``blob``: all terms' UTF-8 bytes, concatenated in id order, and ``ends``,
  each term's end offset (int64) in it;
* ``hashes``: a 64-bit polynomial hash of each term, sorted, with ``order``,
  the term ids in that order (int32). A lookup hashes the term, binary-searches
  ``hashes`` and compares the bytes, so collisions cost time, never correctness.

The polynomial hash is computed for all terms at once with numpy prefix sums
(build and load are O(bytes), no per-term Python), and for a query term in
Python. Instances never change: :meth:`TermIds.extended` returns a new one,
so readers holding the old one are unaffected.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

_MASK = (1 << 64) - 1
_P = 0x9E3779B97F4A7C15  # odd, so invertible modulo 2**64
_P_INV = pow(_P, -1, 1 << 64)
_CACHE_SIZE = 8192


def _hash(data: bytes) -> int:
    value, power = 0, 1
    for byte in data:
        value = (value + byte * power) & _MASK
        power = (power * _P) & _MASK
    return value


def _powers(base: int, n: int) -> np.ndarray:
    powers = np.full(n, base, np.uint64)
    if n:
        powers[0] = 1
        np.cumprod(powers, out=powers)  # wraps modulo 2**64, as intended
    return powers


def _hash_all(blob: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``_hash`` of every term, vectorised: sum of byte * P**i over each term."""
    n = len(blob)
    prefix = np.zeros(n + 1, np.uint64)
    if n:
        np.cumsum(blob.astype(np.uint64) * _powers(_P, n), out=prefix[1:])
    starts = np.concatenate(([0], ends[:-1])).astype(np.int64)
    with np.errstate(over="ignore"):
        return (prefix[ends] - prefix[starts]) * _powers(_P_INV, n + 1)[starts]


def _check_table(blob: bytes, ends: np.ndarray, hashes: np.ndarray, order: np.ndarray) -> None:
    """That a given hash table fits the terms: shapes, ascending hashes, the ids a
    permutation, and the hashes of evenly spaced entries as recomputed."""
    n = len(ends)
    fits = hashes.dtype == np.uint64 and order.dtype == np.int32
    fits = fits and hashes.shape == order.shape == (n,)
    if fits and n:
        fits = not (hashes[1:] < hashes[:-1]).any() and order.min() >= 0 and order.max() < n
        fits = fits and bool((np.bincount(order, minlength=n) == 1).all())
    if not fits:
        raise ValueError("vocabulary hash table does not fit the terms")
    for at in np.linspace(0, n - 1, min(n, 256)).astype(np.int64).tolist():
        tid = int(order[at])
        start = int(ends[tid - 1]) if tid else 0
        if _hash(blob[start : int(ends[tid])]) != int(hashes[at]):
            raise ValueError("vocabulary hash table does not fit the terms")


class TermIds:
    """Terms numbered 0..n-1; see the module docstring.

    Build with :meth:`from_terms` or :meth:`from_blob`; extend with :meth:`extended`.
    """

    __slots__ = ("_cache", "_lock", "blob", "data", "ends", "hashes", "order")

    def __init__(
        self, blob: bytes, ends: np.ndarray, hashes: np.ndarray, order: np.ndarray
    ) -> None:
        self.blob = blob
        self.data = np.frombuffer(blob, np.uint8)  # the same bytes, for compiled code
        self.ends = ends
        self.hashes = hashes
        self.order = order
        # Recent lookups (service code asks idf/doc_freq of the same words often).
        self._cache: dict[str, int] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_terms(cls, terms: Sequence[str]) -> TermIds:
        """Terms in id order (must be distinct)."""
        encoded = [term.encode("utf-8") for term in terms]
        ends = np.fromiter(map(len, encoded), np.int64, len(encoded))
        np.cumsum(ends, out=ends)
        return cls.from_blob(b"".join(encoded), ends, check=False)

    @classmethod
    def from_blob(
        cls,
        blob: bytes,
        ends: np.ndarray,
        *,
        check: bool = True,
        table: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> TermIds:
        """From UTF-8 ``blob`` and term end offsets, as :meth:`export` gives them.

        ``table``: the sorted hashes and their term ids as :meth:`table` gave them (a
        saved index keeps them: hashing and sorting a million terms is most of the
        table's load time); checked for shape, order and a sample of hashes.

        Raises:
            ValueError: (with ``check``) bad offsets, invalid UTF-8, a term
                boundary inside a character, duplicate terms, or a ``table`` that
                does not fit the terms.
        """
        ends = np.asarray(ends, np.int64)
        data = np.frombuffer(blob, np.uint8)
        if check:
            if len(ends) and (ends[-1] != len(blob) or (np.diff(ends) < 0).any() or ends[0] < 0):
                raise ValueError("vocabulary offsets do not fit the term bytes")
            if not len(ends) and blob:
                raise ValueError("vocabulary offsets do not fit the term bytes")
            try:
                blob.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValueError("vocabulary is not UTF-8") from exc
            starts = np.concatenate(([0], ends[:-1]))
            inside = starts[starts < len(blob)]
            if ((data[inside] & 0xC0) == 0x80).any():
                raise ValueError("a vocabulary term starts inside a character")
        if table is None:
            hashes = _hash_all(data, ends)
            order = np.argsort(hashes, kind="stable").astype(np.int32)
            sorted_hashes = hashes[order]
        else:
            sorted_hashes, order = table
            _check_table(blob, ends, sorted_hashes, order)
        table = cls(blob, ends, sorted_hashes, order)
        if check:
            same = np.flatnonzero(sorted_hashes[1:] == sorted_hashes[:-1])
            for i in same.tolist():
                if table.term(int(order[i])) == table.term(int(order[i + 1])):
                    raise ValueError("duplicate terms in the vocabulary")
        return table

    def __len__(self) -> int:
        return len(self.ends)

    def table(self, n_terms: int) -> tuple[np.ndarray, np.ndarray]:
        """The sorted hashes and term ids of the first ``n_terms`` terms (for
        :meth:`from_blob`'s ``table``)."""
        if n_terms == len(self):
            return self.hashes, self.order
        keep = self.order < n_terms  # still sorted
        return self.hashes[keep], self.order[keep]

    def nbytes(self) -> int:
        """Memory held by the table's bytes and arrays."""
        return len(self.blob) + self.ends.nbytes + self.hashes.nbytes + self.order.nbytes

    def term(self, tid: int) -> str:
        """The term with id ``tid``."""
        start = int(self.ends[tid - 1]) if tid else 0
        return self.blob[start : int(self.ends[tid])].decode("utf-8")

    def _find(self, term: str, value: int) -> int:
        encoded = term.encode("utf-8")
        at = int(np.searchsorted(self.hashes, np.uint64(value)))
        while at < len(self.hashes) and int(self.hashes[at]) == value:
            tid = int(self.order[at])
            start = int(self.ends[tid - 1]) if tid else 0
            if self.blob[start : int(self.ends[tid])] == encoded:
                return tid
            at += 1
        return -1

    def get(self, term: str) -> int | None:
        """The id of ``term``, or None."""
        tid = self._cache.get(term)
        if tid is None:
            tid = self._find(term, _hash(term.encode("utf-8")))
            with self._lock:
                if len(self._cache) >= _CACHE_SIZE:
                    self._cache.clear()
                self._cache[term] = tid
        return tid if tid >= 0 else None

    def lookup(self, terms: Sequence[str]) -> np.ndarray:
        """Ids of ``terms`` (int64), -1 where unknown.

        Vectorised: the terms' hashes in one pass over their bytes, one binary search
        for all, and their bytes compared with the table's in one gather.
        """
        if not len(self.hashes) or not terms:
            return np.full(len(terms), -1, np.int64)
        encoded = [t.encode("utf-8") for t in terms]
        lengths = np.fromiter(map(len, encoded), np.int64, len(encoded))
        query_ends = np.cumsum(lengths)
        query_blob = np.frombuffer(b"".join(encoded), np.uint8)
        values = _hash_all(query_blob, query_ends)
        at = np.minimum(np.searchsorted(self.hashes, values), len(self.hashes) - 1)
        same_hash = self.hashes[at] == values
        tids = self.order[at].astype(np.int64)
        starts = np.where(tids > 0, self.ends[tids - 1], 0)
        hit = same_hash & (self.ends[tids] - starts == lengths)
        # Same hash and length: compare the bytes.
        where = np.flatnonzero(hit)
        sizes = lengths[where]
        offsets = np.arange(int(sizes.sum()), dtype=np.int64) - np.repeat(
            np.cumsum(sizes) - sizes, sizes
        )
        table_bytes = np.frombuffer(self.blob, np.uint8)[np.repeat(starts[where], sizes) + offsets]
        query_bytes = query_blob[np.repeat(query_ends[where] - sizes, sizes) + offsets]
        differs = np.zeros(len(where), bool)
        if len(offsets):
            bad = np.flatnonzero(table_bytes != query_bytes)
            differs[np.searchsorted(np.cumsum(sizes), bad, side="right")] = True
        hit[where[differs]] = False
        ids = np.where(hit, tids, -1)
        for i in np.flatnonzero(same_hash & ~hit).tolist():
            # A hash collision: check the other terms with this hash.
            ids[i] = self._find(terms[i], int(values[i]))
        return ids

    def extended(self, new_terms: Sequence[str]) -> TermIds:
        """A table with ``new_terms`` (not already present) appended."""
        if not new_terms:
            return self
        encoded = [t.encode("utf-8") for t in new_terms]
        lengths = np.fromiter(map(len, encoded), np.int64, len(encoded))
        offset = int(self.ends[-1]) if len(self.ends) else 0
        new_ends = offset + np.cumsum(lengths)
        new_hashes = _hash_all(np.frombuffer(b"".join(encoded), np.uint8), new_ends - offset)
        hashes = np.concatenate([self.hashes, new_hashes])
        order = np.concatenate(
            [self.order, np.arange(len(self), len(self) + len(encoded), dtype=np.int32)]
        )
        resort = np.argsort(hashes, kind="stable")
        return TermIds(
            self.blob + b"".join(encoded),
            np.concatenate([self.ends, new_ends]),
            hashes[resort],
            order[resort],
        )

    def subset(self, keep: np.ndarray) -> TermIds:
        """The terms where ``keep`` (bool, per id) is true, renumbered in id order."""
        ends = self.ends
        starts = np.concatenate(([0], ends[:-1]))
        lengths = (ends - starts)[keep]
        first = starts[keep]
        new_ends = np.cumsum(lengths)
        # Byte positions of the kept terms, in order.
        offsets = np.arange(int(new_ends[-1]) if len(new_ends) else 0, dtype=np.int64)
        offsets += np.repeat(first - (new_ends - lengths), lengths)
        blob = np.frombuffer(self.blob, np.uint8)[offsets].tobytes()
        return TermIds.from_blob(blob, new_ends, check=False)

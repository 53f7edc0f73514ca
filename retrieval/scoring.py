"""BM25 over an inverted index kept in plain numpy arrays.

The index is CSC-like: the postings of term ``t`` are the slice
``indptr[t]:indptr[t + 1]`` of ``doc_ids`` (ascending) and ``tf``. A posting
costs 5 bytes (int32 passage id + uint8 term frequency; the tf array widens
only if some passage repeats a term 255 times or more). BM25 weights are not
stored: a query computes its terms' contributions on the fly, ::

    idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))

with the per-passage ``k1 * (1 - b + b * dl / avgdl)`` precomputed. Storing a
float64 weight per posting would triple the memory (16 bytes with the id and
tf) and make every :meth:`BM25Index.add` rewrite all of them, since avgdl and
idf change; now an addition recomputes only per-term and per-passage arrays.

``top_k`` does not score every passage that shares a term with the query. Terms
are visited from the highest possible contribution down (rare words first);
once the k-th best partial score exceeds what all remaining terms could add
together, no unseen passage can enter the top k, so the remaining (common,
long) postings are only looked up for the surviving candidates (MaxScore).
The survivors' final scores are then recomputed exactly, adding the terms in
query order, so ``top_k`` returns the same passages and bit-identical scores
as scoring everything would.

``idf="okapi"`` reproduces ``rank_bm25.BM25Okapi`` to the last bit, including
its trap: a term in more than half of the passages has a negative raw idf and
is floored to ``epsilon * mean(idf)``, so a very common word can outweigh a
rare one. ``idf="lucene"`` (the default, for serving) uses Lucene's
``log(1 + (N - n + 0.5) / (n + 0.5))``, always positive and falling with n.

Thread-safety: all arrays live in one immutable snapshot that :meth:`add`
replaces in a single assignment, so searches running in other threads see
either the old or the new index, never a mixture.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from typing import Literal

import numpy as np

from .index.termids import TermIds
from .selection import top_k

IdfMode = Literal["lucene", "okapi"]
QueryTerms = Mapping[str, float] | Sequence[str]

# Below this ratio of query postings to passages, sorting the postings beats
# filling a dense score vector the size of the corpus.
_SPARSE_RATIO = 8

# Below this many postings in all of a query's terms, scoring them all is as
# cheap as pruning (which visits the rare terms twice).
_PRUNE_MIN_POSTINGS = 100_000

# Partial scores used only as bounds are summed in another order than the
# final ones; this margin keeps the bounds safe against rounding.
_BOUND_SLACK = 1e-9

# A binary search per candidate beats reading a whole posting list through a
# passage mask when the list is this many times longer than the candidates.
_FIND_RATIO = 64

# Passages tokenised and counted per numpy batch in add(): bounds the Python
# lists alive at once (memory) while keeping numpy calls large (speed).
_ADD_CHUNK = 8192

# Tuned on the CMRC 2018 trial split (benchmarks/cmrc.py): a low k1 makes term
# frequency saturate almost at once, which suits short passages where a word's
# second mention adds little evidence; b matters little at this k1.
DEFAULT_K1 = 0.1
DEFAULT_B = 0.3


@dataclass(frozen=True, slots=True, eq=False)
class _Snapshot:
    n_docs: int
    n_terms: int
    total_len: int
    doc_len: np.ndarray  # int32, (n_docs,)
    indptr: np.ndarray  # int64, (n_terms + 1,)
    doc_ids: np.ndarray  # int32, (n_postings,), ascending within a term
    tf: np.ndarray  # uint8 (wider only if needed), (n_postings,)
    idf: np.ndarray  # float64, (n_terms,)
    length_norm: np.ndarray  # float64, (n_docs,): k1 * (1 - b + b * dl / avgdl)
    # float64, (n_docs,): (k1 + 1) / (1 + length_norm), the saturation at tf = 1
    # (most postings), bit-identical to the general formula with tf = 1.
    saturation_1: np.ndarray


_EMPTY = _Snapshot(
    n_docs=0,
    n_terms=0,
    total_len=0,
    doc_len=np.zeros(0, np.int32),
    indptr=np.zeros(1, np.int64),
    doc_ids=np.zeros(0, np.int32),
    tf=np.zeros(0, np.uint8),
    idf=np.zeros(0, np.float64),
    length_norm=np.zeros(0, np.float64),
    saturation_1=np.zeros(0, np.float64),
)


@dataclass(frozen=True, slots=True, eq=False)
class IndexArrays:
    """Everything an index is built from, for persistence (:mod:`retrieval.persist`).

    Term ``t`` is ``terms[term_ends[t - 1]:term_ends[t]]`` (UTF-8) and owns
    postings ``indptr[t]:indptr[t + 1]`` of ``doc_ids`` and ``tf``;
    ``doc_len[d]`` is passage ``d``'s token count. idf and length norms are
    derived, so the same arrays serve any k1, b and idf mode.
    """

    terms: bytes
    term_ends: np.ndarray
    doc_len: np.ndarray
    indptr: np.ndarray
    doc_ids: np.ndarray
    tf: np.ndarray


_buffers = threading.local()


def _scratch(n_docs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-thread, all-zero work arrays of one value per passage, reused across queries.

    Allocating them per query costs page faults in proportion to the corpus;
    callers must leave them zeroed (they reset only what they touched).
    """
    arrays = getattr(_buffers, "arrays", None)
    if arrays is None or len(arrays[0]) != n_docs:
        arrays = (np.zeros(n_docs, np.float64), np.zeros(n_docs, bool), np.zeros(n_docs, bool))
        _buffers.arrays = arrays
    return arrays


def _tf_dtype(max_tf: int) -> np.dtype:
    for dtype in (np.uint8, np.uint16, np.uint32):
        if max_tf <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.int64)


def _query_items(query: QueryTerms) -> list[tuple[str, float]]:
    if isinstance(query, str):
        raise TypeError("query must be a sequence of terms or a term -> weight mapping")
    if isinstance(query, Mapping):
        items = [(term, float(weight)) for term, weight in query.items()]
    else:
        # Repeated terms stay repeated: BM25Okapi sums once per query token.
        items = [(term, 1.0) for term in query]
    for term, weight in items:
        if not (weight >= 0 and math.isfinite(weight)):
            raise ValueError(f"weight of {term!r} must be finite and >= 0, not {weight}")
    return items


def _batches(corpus: Iterable[Sequence[str]], size: int) -> Iterator[list[Sequence[str]]]:
    iterator = iter(corpus)
    while batch := list(islice(iterator, size)):
        yield batch


class BM25Index:
    """A BM25 index over pre-tokenised passages, numbered in insertion order.

    Args:
        k1: term-frequency saturation.
        b: length normalisation (0 = none, 1 = full).
        idf: ``"lucene"`` (serving default) or ``"okapi"`` (rank_bm25 parity).
        epsilon: okapi only: floor for negative idfs, as a fraction of the mean idf.
    """

    def __init__(
        self,
        *,
        k1: float = DEFAULT_K1,
        b: float = DEFAULT_B,
        idf: IdfMode = "lucene",
        epsilon: float = 0.25,
    ) -> None:
        if idf not in ("lucene", "okapi"):
            raise ValueError(f"idf must be 'lucene' or 'okapi', not {idf!r}")
        if k1 < 0 or not 0 <= b <= 1:
            raise ValueError("need k1 >= 0 and 0 <= b <= 1")
        self.k1 = float(k1)
        self.b = float(b)
        self.idf_mode: IdfMode = idf
        self.epsilon = float(epsilon)
        # term -> id in first-appearance order (rank_bm25's order, which its mean
        # idf depends on). Immutable, replaced by add(); ids >= the snapshot's
        # n_terms belong to a snapshot not yet published.
        self._vocab = TermIds.from_terms([])
        self._snap = _EMPTY
        self._write_lock = threading.Lock()

    @classmethod
    def from_tokens(cls, corpus: Iterable[Sequence[str]], **params: float | str) -> BM25Index:
        """Build an index from token lists (``params`` as for the constructor)."""
        index = cls(**params)  # type: ignore[arg-type]
        index.add(corpus)
        return index

    def __len__(self) -> int:
        return self._snap.n_docs

    def copy(self) -> BM25Index:
        """An independent index with the same passages, made in O(1).

        Snapshots are immutable and :meth:`add` replaces rather than mutates, so
        the copy shares the arrays; adding to one leaves the other as it was.
        """
        other = type(self)(k1=self.k1, b=self.b, idf=self.idf_mode, epsilon=self.epsilon)
        with self._write_lock:
            other._vocab, other._snap = self._vocab, self._snap
        return other

    @property
    def params(self) -> dict[str, float | str]:
        """The constructor arguments, e.g. to build a compatible index."""
        return {"k1": self.k1, "b": self.b, "idf": self.idf_mode, "epsilon": self.epsilon}

    @property
    def n_terms(self) -> int:
        """Number of distinct terms indexed."""
        return self._snap.n_terms

    @property
    def n_postings(self) -> int:
        """Number of (term, passage) pairs stored."""
        return len(self._snap.doc_ids)

    def memory_bytes(self) -> int:
        """Approximate memory held by the index: its arrays plus the vocabulary."""
        snap, vocab = self._snap, self._vocab
        arrays = sum(
            a.nbytes
            for a in (
                snap.doc_len,
                snap.indptr,
                snap.doc_ids,
                snap.tf,
                snap.idf,
                snap.length_norm,
                snap.saturation_1,
            )
        )
        return arrays + vocab.nbytes()

    def _term_id(self, term: str, snap: _Snapshot) -> int | None:
        tid = self._vocab.get(term)
        return tid if tid is not None and tid < snap.n_terms else None

    def doc_freq(self, term: str) -> int:
        """Number of passages containing ``term``."""
        snap = self._snap
        tid = self._term_id(term, snap)
        return 0 if tid is None else int(snap.indptr[tid + 1] - snap.indptr[tid])

    def passages_with(self, term: str) -> np.ndarray:
        """The passages containing ``term``, ascending (a read-only view)."""
        snap = self._snap
        tid = self._term_id(term, snap)
        if tid is None:
            return np.zeros(0, np.int32)
        view = snap.doc_ids[snap.indptr[tid] : snap.indptr[tid + 1]]
        view.flags.writeable = False
        return view

    def idf(self, term: str) -> float:
        """The idf the index uses for ``term`` (0.0 if it is not indexed)."""
        snap = self._snap
        tid = self._term_id(term, snap)
        return 0.0 if tid is None else float(snap.idf[tid])

    # -- building ---------------------------------------------------------------

    def add(self, corpus: Iterable[Sequence[str]]) -> range:
        """Append passages; returns their ids.

        Cost: O(tokens of the new passages) in Python, plus O(all postings) of
        numpy copying to make room for the new postings in each term's slice,
        plus O(terms + passages) to recompute idf and length norms. Concurrent
        searches keep using the previous snapshot until the new one is complete.
        """
        with self._write_lock:
            old = self._snap
            vocab = self._vocab
            # Terms new to the index, id = len(vocab) + position (first appearance).
            new_terms: dict[str, int] = {}
            parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
            lengths: list[np.ndarray] = []
            n_new = 0
            for batch in _batches(corpus, _ADD_CHUNK):
                if any(isinstance(doc, str) for doc in batch):
                    raise TypeError("each passage must be a sequence of tokens, not a string")
                flat = list(chain.from_iterable(batch))
                # New terms get ids in order of first appearance (dict.fromkeys
                # keeps it), as BM25Okapi's vocabulary does.
                distinct = list(dict.fromkeys(flat))
                ids = dict(zip(distinct, vocab.lookup(distinct).tolist(), strict=True))
                for term, tid in ids.items():
                    if tid < 0:
                        tid = new_terms.get(term)
                        if tid is None:
                            tid = new_terms[term] = len(vocab) + len(new_terms)
                        ids[term] = tid
                term_ids = np.fromiter(map(ids.__getitem__, flat), np.int64, len(flat))
                doc_len = np.fromiter(map(len, batch), np.int64, len(batch))
                local = np.repeat(np.arange(len(batch), dtype=np.int64), doc_len)
                # One sort groups postings by term, passages ascending, and counts tf.
                keys, tf = np.unique(term_ids * len(batch) + local, return_counts=True)
                parts.append(
                    (
                        (keys // len(batch)).astype(np.int32),
                        (keys % len(batch) + old.n_docs + n_new).astype(np.int32),
                        tf,
                    )
                )
                lengths.append(doc_len.astype(np.int32))
                n_new += len(batch)
            if old.n_docs + n_new > np.iinfo(np.int32).max:
                raise OverflowError("an index holds at most 2**31 - 1 passages")
            vocab = vocab.extended(list(new_terms))
            snap = self._merge(old, len(vocab), lengths, parts)
            # Publish the terms before the snapshot that can see them; readers
            # ignore ids beyond their own snapshot's n_terms.
            self._vocab = vocab
            self._snap = snap
            return range(old.n_docs, snap.n_docs)

    def _merge(
        self,
        old: _Snapshot,
        n_terms: int,
        lengths: list[np.ndarray],
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    ) -> _Snapshot:
        old_counts = np.zeros(n_terms, np.int64)
        old_counts[: old.n_terms] = np.diff(old.indptr)
        counts = old_counts.copy()
        for term_ids, _, _ in parts:
            counts += np.bincount(term_ids, minlength=n_terms)
        indptr = np.zeros(n_terms + 1, np.int64)
        np.cumsum(counts, out=indptr[1:])

        max_tf = max([int(old.tf.max(initial=0))] + [int(tf.max(initial=0)) for *_, tf in parts])
        tf_dtype = _tf_dtype(max_tf)
        if len(old.doc_ids):
            # Adding to an index: each new posting goes at the end of its term's
            # slice (new passages have larger ids), or after all slices for a new
            # term. np.insert copies the old postings in runs between insertion
            # points: O(postings) memcpy, no per-posting index arithmetic.
            empty = (np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int64))
            term_ids, doc_ids, tfs = (
                np.concatenate(arrays) for arrays in zip(empty, *parts, strict=True)
            )
            order = np.argsort(term_ids, kind="stable")  # batches are each sorted
            term_ids, doc_ids, tfs = term_ids[order], doc_ids[order], tfs[order].astype(tf_dtype)
            known = term_ids < old.n_terms
            at = old.indptr[term_ids[known] + 1]
            all_doc_ids = np.concatenate(
                [np.insert(old.doc_ids, at, doc_ids[known]), doc_ids[~known]]
            )
            all_tf = np.concatenate(
                [np.insert(old.tf.astype(tf_dtype), at, tfs[known]), tfs[~known]]
            )
        else:
            all_doc_ids = np.empty(indptr[-1], np.int32)
            all_tf = np.empty(indptr[-1], tf_dtype)
            fill = indptr[:-1].copy()  # next free slot of each term
            for term_ids, doc_ids, tfs in parts:
                if not len(term_ids):
                    continue
                # term_ids is sorted: rank each posting within its term's run.
                starts = np.flatnonzero(np.concatenate(([True], term_ids[1:] != term_ids[:-1])))
                sizes = np.diff(np.append(starts, len(term_ids)))
                dest = np.arange(len(term_ids), dtype=np.int64) - np.repeat(starts, sizes)
                dest += fill[term_ids]
                all_doc_ids[dest] = doc_ids
                all_tf[dest] = tfs
                fill[term_ids[starts]] += sizes
        doc_len = np.concatenate([old.doc_len, *lengths]) if lengths else old.doc_len
        return self._snapshot(doc_len, indptr, all_doc_ids, all_tf)

    def _snapshot(
        self, doc_len: np.ndarray, indptr: np.ndarray, doc_ids: np.ndarray, tf: np.ndarray
    ) -> _Snapshot:
        n_docs = len(doc_len)
        total_len = int(doc_len.sum(dtype=np.int64))
        if total_len:
            avgdl = total_len / n_docs
            # Same operation order as BM25Okapi.get_scores, for bit-identical scores.
            length_norm = self.k1 * (1 - self.b + self.b * doc_len.astype(np.float64) / avgdl)
        else:
            length_norm = np.zeros(0, np.float64)
        return _Snapshot(
            n_docs=n_docs,
            n_terms=len(indptr) - 1,
            total_len=total_len,
            doc_len=doc_len,
            indptr=indptr,
            doc_ids=doc_ids,
            tf=tf,
            idf=self._compute_idf(n_docs, np.diff(indptr)),
            length_norm=length_norm,
            saturation_1=(self.k1 + 1) / (1.0 + length_norm),
        )

    def _compute_idf(self, n_docs: int, df: np.ndarray) -> np.ndarray:
        if len(df) == 0:
            return np.zeros(0, np.float64)
        if self.idf_mode == "lucene":
            return np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
        # Okapi: math.log per distinct df (np.log may differ in the last bit),
        # and a sequential sum in vocabulary order, exactly as rank_bm25 does.
        values, inverse = np.unique(df, return_inverse=True)
        raw_values = [math.log(n_docs - n + 0.5) - math.log(n + 0.5) for n in values.tolist()]
        raw = np.asarray(raw_values, np.float64)[inverse]
        average_idf = np.cumsum(raw)[-1] / len(raw)
        return np.where(raw < 0, self.epsilon * average_idf, raw)

    # -- export, import, reordering ---------------------------------------------

    def export(self) -> IndexArrays:
        """The arrays the index is made of (shared, not copied: do not modify)."""
        snap, vocab = self._snap, self._vocab
        ends = vocab.ends[: snap.n_terms]
        return IndexArrays(
            terms=vocab.blob[: int(ends[-1]) if len(ends) else 0],
            term_ends=ends,
            doc_len=snap.doc_len,
            indptr=snap.indptr,
            doc_ids=snap.doc_ids,
            tf=snap.tf,
        )

    @classmethod
    def from_arrays(cls, arrays: IndexArrays, **params: float | str) -> BM25Index:
        """Rebuild an index from :meth:`export`'s arrays, checking they are consistent.

        Raises:
            ValueError: the arrays do not describe a valid index.
        """
        doc_len, indptr = arrays.doc_len, arrays.indptr
        doc_ids, tf = arrays.doc_ids, arrays.tf
        n_docs, n_terms = len(doc_len), len(arrays.term_ends)

        def check(ok: bool, what: str) -> None:
            if not ok:
                raise ValueError(f"inconsistent index arrays: {what}")

        check(doc_len.ndim == indptr.ndim == doc_ids.ndim == tf.ndim == 1, "not 1-d")
        check(doc_ids.dtype == np.int32 and indptr.dtype == np.int64, "dtypes")
        check(tf.dtype.kind == "u" and doc_len.dtype == np.int32, "dtypes")
        check(len(indptr) == n_terms + 1 and int(indptr[0]) == 0, "indptr length")
        check(int(indptr[-1]) == len(doc_ids) == len(tf), "postings length")
        counts = np.diff(indptr)
        check(bool((counts > 0).all()), "a term without postings")
        if len(doc_ids):
            check(int(doc_ids.min()) >= 0 and int(doc_ids.max()) < n_docs, "passage ids")
            check(int(tf.min()) >= 1, "zero term frequency")
            # Ascending within each term: a step down (or a repeat) may only happen
            # where the next term starts. (Few temporaries: this runs at every start.)
            steps = np.flatnonzero(np.diff(doc_ids) <= 0) + 1
            starts = indptr[1:-1]
            at = np.minimum(starts.searchsorted(steps), max(len(starts) - 1, 0))
            check(len(starts) > 0 or not len(steps), "passage order within a term")
            check(bool((starts[at] == steps).all()), "passage order within a term")
        # Integer sums: one count per posting plus what tfs above 1 add.
        per_doc = np.bincount(doc_ids, minlength=n_docs)
        repeated = (tf > 1).nonzero()[0]
        per_doc += np.bincount(
            doc_ids[repeated], weights=tf[repeated] - 1, minlength=n_docs
        ).astype(np.int64)
        check(bool(np.array_equal(per_doc, doc_len)), "passage lengths")
        vocab = TermIds.from_blob(arrays.terms, arrays.term_ends)  # checks, ValueError

        index = cls(**params)  # type: ignore[arg-type]
        index._vocab = vocab
        index._snap = index._snapshot(doc_len, indptr, doc_ids, tf)
        return index

    def take(self, positions: Sequence[int] | np.ndarray) -> BM25Index:
        """A new index of the passages at ``positions`` (distinct), in that order.

        Cost O(postings log postings), no tokenising: this is how a corpus that
        lost or reordered passages is re-indexed from what is already indexed.
        Terms left without passages are dropped; the rest keep their relative
        order (so okapi's mean idf may differ from a fresh build in the last bit).
        """
        snap = self._snap
        positions = np.asarray(positions, dtype=np.int64)
        if len(positions) and (
            positions.min() < 0
            or positions.max() >= snap.n_docs
            or len(np.unique(positions)) != len(positions)
        ):
            raise ValueError("positions must be distinct passage ids of this index")
        new_of_old = np.full(snap.n_docs, -1, np.int64)
        new_of_old[positions] = np.arange(len(positions))
        new_doc = new_of_old[snap.doc_ids]
        keep = new_doc >= 0
        term_of = np.repeat(np.arange(snap.n_terms, dtype=np.int64), np.diff(snap.indptr))[keep]
        new_doc, tf = new_doc[keep], snap.tf[keep]
        counts = np.bincount(term_of, minlength=snap.n_terms)
        alive = counts > 0
        new_tid = np.cumsum(alive) - 1
        # Postings stay grouped by term; sort passages within each term.
        order = np.argsort(new_tid[term_of] * max(len(positions), 1) + new_doc, kind="stable")
        indptr = np.zeros(int(alive.sum()) + 1, np.int64)
        np.cumsum(counts[alive], out=indptr[1:])
        keep_terms = np.zeros(len(self._vocab), bool)
        keep_terms[: snap.n_terms] = alive

        index = type(self)(k1=self.k1, b=self.b, idf=self.idf_mode, epsilon=self.epsilon)
        index._vocab = self._vocab.subset(keep_terms)
        index._snap = index._snapshot(
            snap.doc_len[positions], indptr, new_doc[order].astype(np.int32), tf[order]
        )
        return index

    # -- querying ---------------------------------------------------------------

    def _terms(self, snap: _Snapshot, query: QueryTerms) -> list[tuple[int, float]]:
        """(term id, weight) of the query's indexed terms with a non-zero weight."""
        items = _query_items(query)
        ids = self._vocab.lookup([term for term, _ in items]).tolist()
        return [
            (tid, weight)
            for tid, (_, weight) in zip(ids, items, strict=True)
            if 0 <= tid < snap.n_terms and weight != 0
        ]

    def _contributions(
        self, snap: _Snapshot, tid: int, weight: float, docs: np.ndarray, tf: np.ndarray
    ) -> np.ndarray:
        # Same operation order as BM25Okapi.get_scores, for bit-identical scores;
        # tf = 1 (most postings) is one lookup, other tfs take the whole formula.
        saturation = snap.saturation_1[docs]
        repeated = (tf != 1).nonzero()[0]
        if len(repeated):
            tf_f = tf[repeated].astype(np.float64)
            norm = snap.length_norm[docs[repeated]]
            saturation[repeated] = tf_f * (self.k1 + 1) / (tf_f + norm)
        part = snap.idf[tid] * saturation
        return part if weight == 1.0 else part * weight

    def score(self, query: QueryTerms) -> tuple[np.ndarray, np.ndarray]:
        """Scores of the passages that match ``query``.

        Args:
            query: terms (a repeated term counts again, as in BM25Okapi) or a
                mapping term -> weight, the weight multiplying that term's
                contribution (e.g. 0.5 for a synonym). Unknown terms are ignored.

        Returns:
            ``(doc_ids, scores)``: ascending passage ids and their scores, only
            where the score is non-zero.
        """
        snap = self._snap
        return self._score(snap, self._terms(snap, query))

    def _gather(
        self, snap: _Snapshot, terms: list[tuple[int, float]], at: np.ndarray, which: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Passages and contributions of postings ``at``, posting ``i`` being of ``terms[which[i]]``.

        One vectorised pass for any number of terms (per-term numpy calls cost
        more than the arithmetic on small corpora).
        """
        docs = snap.doc_ids[at]
        tf = snap.tf[at]
        tids = np.fromiter((tid for tid, _ in terms), np.int64, len(terms))
        weights = np.fromiter((w for _, w in terms), np.float64, len(terms))
        # Same operation order as BM25Okapi.get_scores, for bit-identical scores;
        # tf = 1 (most postings) is one lookup, other tfs take the whole formula.
        saturation = snap.saturation_1[docs]
        repeated = (tf != 1).nonzero()[0]
        if len(repeated):
            tf_f = tf[repeated].astype(np.float64)
            norm = snap.length_norm[docs[repeated]]
            saturation[repeated] = tf_f * (self.k1 + 1) / (tf_f + norm)
        contributions = snap.idf[tids][which] * saturation
        if (weights != 1.0).any():
            contributions *= weights[which]  # x * 1.0 == x: the other terms are unchanged
        return docs, contributions

    def _postings(
        self, snap: _Snapshot, terms: list[tuple[int, float]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Positions of all the terms' postings, term after term, and each one's term."""
        tids = np.fromiter((tid for tid, _ in terms), np.int64, len(terms))
        starts, sizes = snap.indptr[tids], snap.indptr[tids + 1] - snap.indptr[tids]
        ends = np.cumsum(sizes)
        at = np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int64)
        at += np.repeat(starts - (ends - sizes), sizes)
        return at, np.repeat(np.arange(len(terms)), sizes)

    def _score(
        self, snap: _Snapshot, terms: list[tuple[int, float]]
    ) -> tuple[np.ndarray, np.ndarray]:
        if not terms:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        postings, contributions = self._gather(snap, terms, *self._postings(snap, terms))
        if len(terms) == 1:
            docs, sums = postings.astype(np.int64), contributions
        else:
            # bincount adds in array order, i.e. query-term order, like BM25Okapi.
            if len(postings) * _SPARSE_RATIO < snap.n_docs:
                docs, inverse = np.unique(postings, return_inverse=True)
                sums = np.bincount(inverse, weights=contributions, minlength=len(docs))
            else:
                dense = np.bincount(postings, weights=contributions, minlength=snap.n_docs)
                docs = np.flatnonzero(dense)
                return docs, dense[docs]
        nonzero = sums != 0
        return docs[nonzero].astype(np.int64, copy=False), sums[nonzero]

    def get_scores(self, query: QueryTerms) -> np.ndarray:
        """Dense scores for every passage (like ``BM25Okapi.get_scores``)."""
        snap = self._snap
        docs, sums = self._score(snap, self._terms(snap, query))
        scores = np.zeros(snap.n_docs, np.float64)
        scores[docs] = sums
        return scores

    def top_k(self, query: QueryTerms, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best positive-scoring passages: score desc, then id asc.

        Same result as ranking :meth:`score`'s output, usually without visiting
        the long postings of common terms (see the module docstring).
        """
        snap = self._snap
        terms = self._terms(snap, query)
        if k <= 0 or not terms:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        candidates = self._candidates(snap, terms, k)
        if candidates is None:
            return top_k(*self._score(snap, terms), k)
        return top_k(candidates, self._rescore(snap, terms, candidates), k)

    def _candidates(
        self, snap: _Snapshot, terms: list[tuple[int, float]], k: int
    ) -> np.ndarray | None:
        """Sorted passages that can be in the top k, or None if pruning does not pay."""
        tids = np.fromiter((tid for tid, _ in terms), np.int64, len(terms))
        sizes = snap.indptr[tids + 1] - snap.indptr[tids]
        if len(terms) < 2 or int(sizes.sum()) < _PRUNE_MIN_POSTINGS:
            return None
        idf = snap.idf[tids]
        if (idf < 0).any():
            return None  # okapi's negative idfs: contributions are not bounded below
        # tf * (k1 + 1) / (tf + norm) < k1 + 1: a term's contribution never exceeds this.
        bounds = np.fromiter((w for _, w in terms), np.float64, len(terms)) * idf
        bounds *= self.k1 + 1
        order = np.argsort(-bounds, kind="stable")
        # rest[i]: the most the terms order[i:] can add to any passage.
        rest = np.append(np.cumsum(bounds[order][::-1])[::-1], 0.0)

        partial, seen, alive = _scratch(snap.n_docs)
        touched: list[np.ndarray] = []
        try:
            return self._maxscore(snap, terms, k, sizes, order, rest, partial, seen, alive, touched)
        finally:
            # Leave the per-thread buffers all zero for the next query.
            for docs in touched:
                partial[docs] = 0.0
                seen[docs] = False
                alive[docs] = False

    def _maxscore(
        self,
        snap: _Snapshot,
        terms: list[tuple[int, float]],
        k: int,
        sizes: np.ndarray,
        order: np.ndarray,
        rest: np.ndarray,
        partial: np.ndarray,
        seen: np.ndarray,
        alive: np.ndarray,
        touched: list[np.ndarray],
    ) -> np.ndarray | None:
        """MaxScore's first phase: whole posting lists, rarest term first, until pruning pays."""
        n_touched = 0
        for i, j in enumerate(order):
            if n_touched >= k and sizes[j] * 4 >= n_touched:
                # Before a long posting list: can the terms left still lift an
                # unseen passage into the top k?
                candidates = np.concatenate(touched)
                scores = partial[candidates]
                threshold = np.partition(scores, n_touched - k)[n_touched - k]
                if threshold > rest[i] * (1 + _BOUND_SLACK):
                    return self._narrow(
                        snap, terms, order[i:], rest[i:], candidates, partial, alive, k
                    )
            tid, weight = terms[j]
            lo, hi = snap.indptr[tid], snap.indptr[tid + 1]
            docs = snap.doc_ids[lo:hi]
            partial[docs] += self._contributions(snap, tid, weight, docs, snap.tf[lo:hi])
            new = docs[~seen[docs]]
            seen[new] = True
            touched.append(new)
            n_touched += len(new)
        return None  # every term had to be read in full: score them the usual way

    def _narrow(
        self,
        snap: _Snapshot,
        terms: list[tuple[int, float]],
        remaining: np.ndarray,
        rest: np.ndarray,
        candidates: np.ndarray,
        partial: np.ndarray,
        alive: np.ndarray,
        k: int,
    ) -> np.ndarray:
        """MaxScore's second phase: the remaining terms, only for passages still in the race.

        ``partial`` is the dense partial score of every passage (updated in place),
        ``alive`` an all-false passage mask to use.
        Before each term, passages whose partial score plus all the remaining
        terms could add stays below the k-th best partial score are dropped;
        the k-th best only rises, the remainder only falls, so the field
        narrows quickly. A long posting list is then filtered by a passage mask
        (one byte read per posting) or, once few candidates are left, binary
        searched for them.
        """
        alive[candidates] = True
        for n, j in enumerate(remaining.tolist()):
            scores = partial[candidates]
            threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
            keep = scores + rest[n] >= threshold * (1 - _BOUND_SLACK)
            if not keep.all():
                alive[candidates[~keep]] = False
                candidates = candidates[keep]
            if len(candidates) <= k:
                break
            tid, weight = terms[j]
            lo, hi = int(snap.indptr[tid]), int(snap.indptr[tid + 1])
            if len(candidates) * _FIND_RATIO < hi - lo:
                at = self._find(snap, tid, candidates)[1]
            else:
                at = alive[snap.doc_ids[lo:hi]].nonzero()[0] + lo
            docs = snap.doc_ids[at]
            partial[docs] += self._contributions(snap, tid, weight, docs, snap.tf[at])
        else:
            # Every term added: partial scores are final but for rounding, so only
            # passages within rounding of the k-th best need an exact rescore.
            scores = partial[candidates]
            if len(scores) > k:
                threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
                candidates = candidates[scores >= threshold * (1 - _BOUND_SLACK)]
        return np.sort(candidates).astype(np.int64)

    @staticmethod
    def _find(snap: _Snapshot, tid: int, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of ``candidates`` (any order) term ``tid`` has, and their postings.

        Returns ``(found, at)``: a boolean mask over ``candidates`` and, for the
        found ones in the same order, their positions in the postings arrays.
        """
        lo, hi = int(snap.indptr[tid]), int(snap.indptr[tid + 1])
        docs = snap.doc_ids[lo:hi]
        # Same dtype as the postings, or numpy converts the whole posting list.
        at = docs.searchsorted(candidates.astype(docs.dtype, copy=False))
        found = at < len(docs)
        found[found] = docs[at[found]] == candidates[found]
        return found, at[found] + lo

    def _rescore(
        self, snap: _Snapshot, terms: list[tuple[int, float]], candidates: np.ndarray
    ) -> np.ndarray:
        """Exact scores of ``candidates``, adding terms in query order (as _score does)."""
        positions, owners, which = [], [], []
        for i, (tid, _) in enumerate(terms):
            found, at = self._find(snap, tid, candidates)
            positions.append(at)
            owners.append(found.nonzero()[0])
            which.append(np.full(len(at), i))
        _, contributions = self._gather(
            snap, terms, np.concatenate(positions), np.concatenate(which)
        )
        # Term after term for each candidate, as _score adds them.
        return np.bincount(np.concatenate(owners), weights=contributions, minlength=len(candidates))

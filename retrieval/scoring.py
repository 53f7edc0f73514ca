"""BM25 over an inverted index kept in plain numpy arrays.

The index is CSC-like: the postings of term ``t`` are the slice
``indptr[t]:indptr[t + 1]`` of ``doc_ids`` (ascending) and ``weights``, where a
weight is the whole BM25 contribution of one term to one passage::

    idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))

A query therefore only adds up the weights of its own terms' postings
(``np.bincount``), costing O(postings of its terms) rather than O(corpus).

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
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .selection import top_k

IdfMode = Literal["lucene", "okapi"]
QueryTerms = Mapping[str, float] | Sequence[str]

# Below this ratio of query postings to passages, sorting the postings beats
# filling a dense score vector the size of the corpus.
_SPARSE_RATIO = 8

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
    doc_len: np.ndarray  # int64, (n_docs,)
    indptr: np.ndarray  # int64, (n_terms + 1,)
    doc_ids: np.ndarray  # int32, (n_postings,), ascending within a term
    tf: np.ndarray  # int32, (n_postings,)
    weights: np.ndarray  # float64, (n_postings,)
    idf: np.ndarray  # float64, (n_terms,)


_EMPTY = _Snapshot(
    n_docs=0,
    n_terms=0,
    total_len=0,
    doc_len=np.zeros(0, np.int64),
    indptr=np.zeros(1, np.int64),
    doc_ids=np.zeros(0, np.int32),
    tf=np.zeros(0, np.int32),
    weights=np.zeros(0, np.float64),
    idf=np.zeros(0, np.float64),
)


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
        # idf depends on). Only grows; ids >= snapshot.n_terms are not yet indexed.
        self._vocab: dict[str, int] = {}
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

    @property
    def n_terms(self) -> int:
        """Number of distinct terms indexed."""
        return self._snap.n_terms

    @property
    def n_postings(self) -> int:
        """Number of (term, passage) pairs stored."""
        return len(self._snap.doc_ids)

    def _term_id(self, term: str, snap: _Snapshot) -> int | None:
        tid = self._vocab.get(term)
        return tid if tid is not None and tid < snap.n_terms else None

    def doc_freq(self, term: str) -> int:
        """Number of passages containing ``term``."""
        snap = self._snap
        tid = self._term_id(term, snap)
        return 0 if tid is None else int(snap.indptr[tid + 1] - snap.indptr[tid])

    def idf(self, term: str) -> float:
        """The idf the index uses for ``term`` (0.0 if it is not indexed)."""
        snap = self._snap
        tid = self._term_id(term, snap)
        return 0.0 if tid is None else float(snap.idf[tid])

    # -- building ---------------------------------------------------------------

    def add(self, corpus: Iterable[Sequence[str]]) -> range:
        """Append passages; returns their ids.

        Cost: O(tokens of the new passages) in Python plus O(all postings) in
        numpy, because avgdl and idf change and every weight is recomputed
        (no re-tokenisation of old passages). Concurrent searches keep using
        the previous snapshot until the new one is complete.
        """
        with self._write_lock:
            old = self._snap
            new_terms: dict[str, int] = {}
            term_ids: list[int] = []
            doc_ids: list[int] = []
            tfs: list[int] = []
            lengths: list[int] = []
            next_id = len(self._vocab)
            for doc_id, doc in enumerate(corpus, start=old.n_docs):
                if isinstance(doc, str):
                    raise TypeError("each passage must be a sequence of tokens, not a string")
                lengths.append(len(doc))
                for term, tf in Counter(doc).items():
                    tid = self._vocab.get(term)
                    if tid is None:
                        tid = new_terms.get(term)
                        if tid is None:
                            tid = new_terms[term] = next_id
                            next_id += 1
                    term_ids.append(tid)
                    doc_ids.append(doc_id)
                    tfs.append(tf)
            snap = self._merge(
                old,
                n_terms=next_id,
                doc_len=np.asarray(lengths, np.int64),
                term_ids=np.asarray(term_ids, np.int64),
                doc_ids=np.asarray(doc_ids, np.int32),
                tfs=np.asarray(tfs, np.int32),
            )
            # Publish the terms before the snapshot that can see them; readers
            # ignore ids beyond their own snapshot's n_terms.
            self._vocab.update(new_terms)
            self._snap = snap
            return range(old.n_docs, snap.n_docs)

    def _merge(
        self,
        old: _Snapshot,
        *,
        n_terms: int,
        doc_len: np.ndarray,
        term_ids: np.ndarray,
        doc_ids: np.ndarray,
        tfs: np.ndarray,
    ) -> _Snapshot:
        # New postings grouped by term; the stable sort keeps passages ascending.
        order = np.argsort(term_ids, kind="stable")
        term_ids, doc_ids, tfs = term_ids[order], doc_ids[order], tfs[order]

        old_counts = np.zeros(n_terms, np.int64)
        old_counts[: old.n_terms] = np.diff(old.indptr)
        new_counts = np.bincount(term_ids, minlength=n_terms).astype(np.int64)
        indptr = np.zeros(n_terms + 1, np.int64)
        np.cumsum(old_counts + new_counts, out=indptr[1:])

        # Each term's slice is its old postings followed by its new ones (new
        # passages have larger ids), so every posting has a computable slot.
        n_old = len(old.doc_ids)
        shift = indptr[: old.n_terms] - old.indptr[: old.n_terms]
        old_dest = np.arange(n_old, dtype=np.int64) + np.repeat(shift, old_counts[: old.n_terms])
        new_start = np.zeros(n_terms + 1, np.int64)
        np.cumsum(new_counts, out=new_start[1:])
        rank = np.arange(len(term_ids), dtype=np.int64) - new_start[term_ids]
        new_dest = indptr[term_ids] + old_counts[term_ids] + rank

        all_doc_ids = np.empty(indptr[-1], np.int32)
        all_tf = np.empty(indptr[-1], np.int32)
        all_doc_ids[old_dest], all_tf[old_dest] = old.doc_ids, old.tf
        all_doc_ids[new_dest], all_tf[new_dest] = doc_ids, tfs

        all_doc_len = np.concatenate([old.doc_len, doc_len])
        total_len = old.total_len + int(doc_len.sum())
        idf = self._compute_idf(len(all_doc_len), np.diff(indptr))
        weights = self._compute_weights(all_doc_ids, all_tf, all_doc_len, total_len, indptr, idf)
        return _Snapshot(
            n_docs=len(all_doc_len),
            n_terms=n_terms,
            total_len=total_len,
            doc_len=all_doc_len,
            indptr=indptr,
            doc_ids=all_doc_ids,
            tf=all_tf,
            weights=weights,
            idf=idf,
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

    def _compute_weights(
        self,
        doc_ids: np.ndarray,
        tf: np.ndarray,
        doc_len: np.ndarray,
        total_len: int,
        indptr: np.ndarray,
        idf: np.ndarray,
    ) -> np.ndarray:
        if len(doc_ids) == 0:
            return np.zeros(0, np.float64)
        avgdl = total_len / len(doc_len)
        k1, b = self.k1, self.b
        # Same operation order as BM25Okapi.get_scores, for bit-identical scores.
        length_norm = k1 * (1 - b + b * doc_len.astype(np.float64) / avgdl)
        tf_f = tf.astype(np.float64)
        saturation = tf_f * (k1 + 1) / (tf_f + length_norm[doc_ids])
        return np.repeat(idf, np.diff(indptr)) * saturation

    # -- querying ---------------------------------------------------------------

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
        return self._score(self._snap, query)

    def _score(self, snap: _Snapshot, query: QueryTerms) -> tuple[np.ndarray, np.ndarray]:
        id_parts: list[np.ndarray] = []
        weight_parts: list[np.ndarray] = []
        for term, weight in _query_items(query):
            tid = self._term_id(term, snap)
            if tid is None or weight == 0:
                continue
            lo, hi = snap.indptr[tid], snap.indptr[tid + 1]
            id_parts.append(snap.doc_ids[lo:hi])
            part = snap.weights[lo:hi]
            weight_parts.append(part if weight == 1.0 else part * weight)

        if not id_parts:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        if len(id_parts) == 1:
            docs, sums = id_parts[0].astype(np.int64), weight_parts[0].copy()
        else:
            postings = np.concatenate(id_parts)
            contributions = np.concatenate(weight_parts)
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
        docs, sums = self._score(snap, query)
        scores = np.zeros(snap.n_docs, np.float64)
        scores[docs] = sums
        return scores

    def top_k(self, query: QueryTerms, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best positive-scoring passages: score desc, then id asc."""
        docs, sums = self.score(query)
        return top_k(docs, sums, k)

"""The arrays an index is made of: the live :class:`Snapshot` and the portable :class:`IndexArrays`.

The index is CSC-like: the postings of term ``t`` are the slice
``indptr[t]:indptr[t + 1]`` of ``doc_ids`` (ascending) and ``tf``. A posting
costs 5 bytes (int32 passage id + uint8 term frequency; the tf array widens
only if some passage repeats a term 255 times or more). BM25 weights are not
stored: a query computes its terms' contributions on the fly, ::

    idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))

with the per-passage ``k1 * (1 - b + b * dl / avgdl)`` precomputed
(:func:`derive`). Storing a float64 weight per posting would triple the memory
(16 bytes with the id and tf) and make every addition rewrite all of them,
since avgdl and idf change; now an addition recomputes only per-term and
per-passage arrays.

``idf="okapi"`` reproduces ``rank_bm25.BM25Okapi`` to the last bit, including
its trap: a term in more than half of the passages has a negative raw idf and
is floored to ``epsilon * mean(idf)``, so a very common word can outweigh a
rare one. ``idf="lucene"`` (the default, for serving) uses Lucene's
``log(1 + (N - n + 0.5) / (n + 0.5))``, always positive and falling with n.

Thread-safety: all arrays of one state live in one immutable :class:`Snapshot`
that :meth:`~retrieval.index.BM25Index.add` replaces in a single assignment, so
searches running in other threads see either the old or the new index, never a
mixture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

IdfMode = Literal["lucene", "okapi"]


@dataclass(frozen=True, slots=True, eq=False)
class Snapshot:
    """One state of an index: postings, passage lengths and the arrays scoring derives."""

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
    # float32, (n_docs,): length_norm rounded, what the compiled search prunes with
    # (:mod:`.kernel`; its final scores use length_norm).
    norm32: np.ndarray

    def nbytes(self) -> int:
        """Memory held by the snapshot's arrays."""
        return sum(
            a.nbytes
            for a in (
                self.doc_len,
                self.indptr,
                self.doc_ids,
                self.tf,
                self.idf,
                self.length_norm,
                self.saturation_1,
                self.norm32,
            )
        )


EMPTY = Snapshot(
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
    norm32=np.zeros(0, np.float32),
)


@dataclass(frozen=True, slots=True, eq=False)
class IndexArrays:
    """Everything an index is built from, for persistence (:mod:`retrieval.index.persist`).

    Term ``t`` is ``terms[term_ends[t - 1]:term_ends[t]]`` (UTF-8) and owns
    postings ``indptr[t]:indptr[t + 1]`` of ``doc_ids`` and ``tf``;
    ``doc_len[d]`` is passage ``d``'s token count. idf and length norms are
    derived, so the same arrays serve any k1, b and idf mode. ``term_hashes`` and
    ``term_order``, if given, are the term table's sorted hashes and their term ids
    (:meth:`.termids.TermIds.table`), derived too but kept to load faster.
    """

    terms: bytes
    term_ends: np.ndarray
    doc_len: np.ndarray
    indptr: np.ndarray
    doc_ids: np.ndarray
    tf: np.ndarray
    term_hashes: np.ndarray | None = None
    term_order: np.ndarray | None = None


def derive(
    doc_len: np.ndarray,
    indptr: np.ndarray,
    doc_ids: np.ndarray,
    tf: np.ndarray,
    *,
    k1: float,
    b: float,
    idf: IdfMode,
    epsilon: float,
) -> Snapshot:
    """A snapshot of the given postings, with idf and length norms for these parameters."""
    n_docs = len(doc_len)
    total_len = int(doc_len.sum(dtype=np.int64))
    if total_len:
        avgdl = total_len / n_docs
        # Same operation order as BM25Okapi.get_scores, for bit-identical scores.
        length_norm = k1 * (1 - b + b * doc_len.astype(np.float64) / avgdl)
    else:
        length_norm = np.zeros(0, np.float64)
    return Snapshot(
        n_docs=n_docs,
        n_terms=len(indptr) - 1,
        total_len=total_len,
        doc_len=doc_len,
        indptr=indptr,
        doc_ids=doc_ids,
        tf=tf,
        idf=_idf(n_docs, np.diff(indptr), idf, epsilon),
        length_norm=length_norm,
        saturation_1=(k1 + 1) / (1.0 + length_norm),
        norm32=length_norm.astype(np.float32),
    )


def _idf(n_docs: int, df: np.ndarray, mode: IdfMode, epsilon: float) -> np.ndarray:
    if len(df) == 0:
        return np.zeros(0, np.float64)
    if mode == "lucene":
        return np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
    # Okapi: math.log per distinct df (np.log may differ in the last bit),
    # and a sequential sum in vocabulary order, exactly as rank_bm25 does.
    values, inverse = np.unique(df, return_inverse=True)
    raw_values = [math.log(n_docs - n + 0.5) - math.log(n + 0.5) for n in values.tolist()]
    raw = np.asarray(raw_values, np.float64)[inverse]
    average_idf = np.cumsum(raw)[-1] / len(raw)
    return np.where(raw < 0, epsilon * average_idf, raw)

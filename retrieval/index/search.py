"""Scoring a query against an index snapshot, and choosing its best k passages.

A query's terms add their BM25 contributions (:mod:`.arrays` has the formula)
in query order, with the same operations as ``rank_bm25.BM25Okapi.get_scores``,
so scores are bit-identical to it.

Top k is the compiled MaxScore loop of :mod:`.kernel` (:func:`.kernel.search`),
which skips most of the long posting lists of common terms; without numba, every
posting is scored here with numpy and ranked by :func:`top_k`
(:meth:`QueryScorer.top`). Both give the same passages with bit-identical scores
(tests/retrieval/test_scoring.py).

Selection (:func:`top_k`): only passages that matched a query term are
candidates, and only those with a positive score are hits: a zero (or, with
okapi idf, negative) score means the passage shares nothing useful with the
question. Working on the candidates instead of a corpus-sized score vector keeps
selection proportional to the matches.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence

import numpy as np

from .arrays import Snapshot
from .termids import TermIds

QueryTerms = Mapping[str, float] | Sequence[str]
# (term id, weight) of a query's indexed terms with a non-zero weight, in query order.
Terms = list[tuple[int, float]]

# Below this ratio of query postings to passages, sorting the postings beats
# filling a dense score vector the size of the corpus.
_SPARSE_RATIO = 8


def no_hits() -> tuple[np.ndarray, np.ndarray]:
    """Empty ``(doc_ids, scores)``."""
    return np.zeros(0, np.int64), np.zeros(0, np.float64)


def indexed_terms(snap: Snapshot, termids: TermIds, query: QueryTerms) -> Terms:
    """(term id, weight) of the query's indexed terms with a non-zero weight.

    Raises:
        TypeError: ``query`` is a string rather than terms.
        ValueError: a weight is negative or not finite.
    """
    items = _query_items(query)
    ids = termids.lookup([term for term, _ in items]).tolist()
    return [
        (tid, weight)
        for tid, (_, weight) in zip(ids, items, strict=True)
        if 0 <= tid < snap.n_terms and weight != 0
    ]


def query_arrays(query: QueryTerms) -> tuple[Collection[str], np.ndarray]:
    """The query's terms (the sequence itself, or the mapping, whose keys are its terms)
    and their weights (float64), unchecked: for :func:`.kernel.search`, which checks the
    weights as :func:`indexed_terms` does.

    Raises:
        TypeError: ``query`` is a string rather than terms.
    """
    if isinstance(query, str):
        raise TypeError("query must be a sequence of terms or a term -> weight mapping")
    if isinstance(query, Mapping):
        return query, np.fromiter(query.values(), np.float64, len(query))
    # Repeated terms stay repeated, as in BM25Okapi; a one-pass iterable is read once.
    terms = query if isinstance(query, Sequence) else list(query)
    return terms, np.ones(len(terms), np.float64)


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


def top_k(doc_ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The best ``k`` positive-scoring candidates, best first, ties by id ascending.

    Args:
        doc_ids: candidate passage ids (any order, no duplicates).
        scores: their scores, aligned with ``doc_ids``.
        k: how many to return at most.

    Returns:
        ``(doc_ids, scores)`` of at most ``k`` hits, score descending then id
        ascending, all scores > 0.
    """
    if k <= 0 or len(scores) == 0:
        return no_hits()
    positive = scores > 0
    if not positive.all():
        doc_ids, scores = doc_ids[positive], scores[positive]
    if len(scores) > 4 * k:
        # Keep everything tied with the k-th best score, so the id tie-break
        # below sees all contenders for the last places.
        kth_best = np.partition(scores, len(scores) - k)[len(scores) - k]
        contenders = scores >= kth_best
        doc_ids, scores = doc_ids[contenders], scores[contenders]
    order = np.lexsort((doc_ids, -scores))[:k]
    return doc_ids[order], scores[order]


class QueryScorer:
    """One query's terms scored against one snapshot.

    Args:
        snap: the index state to search (it never changes).
        k1: the k1 ``snap``'s length norms were computed with.
        terms: the query, as :func:`indexed_terms` gives it.
    """

    __slots__ = ("k1", "snap", "terms", "tids", "weights")

    def __init__(self, snap: Snapshot, k1: float, terms: Terms) -> None:
        self.snap = snap
        self.k1 = k1
        self.terms = terms
        self.tids = np.fromiter((tid for tid, _ in terms), np.int64, len(terms))
        self.weights = np.fromiter((w for _, w in terms), np.float64, len(terms))

    def score(self) -> tuple[np.ndarray, np.ndarray]:
        """Ascending ids of the passages with a non-zero score, and their scores."""
        snap, terms = self.snap, self.terms
        if not terms:
            return no_hits()
        postings, contributions = self._gather(*self._postings())
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

    def top(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best positive-scoring passages: score desc, then id asc (as :func:`top_k`).

        Every posting scored: the numpy path (:func:`.kernel.search` is the compiled one).
        """
        if k <= 0 or not self.terms:
            return no_hits()
        return top_k(*self.score(), k)

    def _saturation(self, docs: np.ndarray, tf: np.ndarray) -> np.ndarray:
        """BM25's ``tf * (k1 + 1) / (tf + length_norm)`` for postings (passage, tf).

        Same operation order as BM25Okapi.get_scores, for bit-identical scores;
        tf = 1 (most postings) is one lookup, other tfs take the whole formula.
        """
        snap = self.snap
        saturation = snap.saturation_1[docs]
        repeated = (tf != 1).nonzero()[0]
        if len(repeated):
            tf_f = tf[repeated].astype(np.float64)
            norm = snap.length_norm[docs[repeated]]
            saturation[repeated] = tf_f * (self.k1 + 1) / (tf_f + norm)
        return saturation

    def _contributions(
        self, tid: int, weight: float, docs: np.ndarray, tf: np.ndarray
    ) -> np.ndarray:
        """Term ``tid``'s contributions to passages ``docs`` (tfs ``tf``), times ``weight``."""
        part = self.snap.idf[tid] * self._saturation(docs, tf)
        return part if weight == 1.0 else part * weight

    def _gather(self, at: np.ndarray, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Passages and contributions of postings ``at``; posting ``i`` is of ``terms[which[i]]``.

        One vectorised pass for any number of terms (per-term numpy calls cost
        more than the arithmetic on small corpora).
        """
        snap = self.snap
        docs = snap.doc_ids[at]
        contributions = snap.idf[self.tids][which] * self._saturation(docs, snap.tf[at])
        if (self.weights != 1.0).any():
            contributions *= self.weights[which]  # x * 1.0 == x: the other terms are unchanged
        return docs, contributions

    def _postings(self) -> tuple[np.ndarray, np.ndarray]:
        """Positions of all the terms' postings, term after term, and each one's term."""
        snap, tids = self.snap, self.tids
        starts, sizes = snap.indptr[tids], snap.indptr[tids + 1] - snap.indptr[tids]
        ends = np.cumsum(sizes)
        at = np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int64)
        at += np.repeat(starts - (ends - sizes), sizes)
        return at, np.repeat(np.arange(len(tids)), sizes)


def context_bonus(
    snap: Snapshot, terms: Terms, docs: np.ndarray, decay: np.ndarray, most: float
) -> np.ndarray:
    """The numpy twin of :func:`.kernel._context_bonus` (same operations, same order):
    for each term in query order, each passage of ``docs`` lacking it gains
    ``weight * max(idf, 0) * decay[d - 1]`` from the nearest of the ``len(decay)``
    passages before it that has it. Only terms in at most ``most`` passages count."""
    docs = np.asarray(docs, np.int64)
    bonus = np.zeros(len(docs), np.float64)
    if not len(decay) or not len(docs):
        return bonus
    wanted = docs[None, :] - np.arange(len(decay) + 1, dtype=np.int64)[:, None]
    for tid, weight in terms:
        start, end = int(snap.indptr[tid]), int(snap.indptr[tid + 1])
        if not 0 < end - start <= most:
            continue
        postings = snap.doc_ids[start:end]
        at = np.minimum(postings.searchsorted(wanted), end - start - 1)
        found = postings[at] == wanted
        behind = found[1:]
        nearest = np.where(behind.any(axis=0), decay[np.argmax(behind, axis=0)], 0.0)
        nearest[found[0]] = 0.0
        bonus += (weight * max(float(snap.idf[tid]), 0.0)) * nearest
    return bonus


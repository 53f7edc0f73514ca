"""Scoring a query against an index snapshot, and choosing its best k passages.

A query's terms add their BM25 contributions (:mod:`.arrays` has the formula)
in query order, with the same operations as ``rank_bm25.BM25Okapi.get_scores``,
so scores are bit-identical to it.

Top k without scoring everything (MaxScore): terms are visited from the highest
possible contribution down (rare words first); once the k-th best partial score
exceeds what all remaining terms could add together, no unseen passage can enter
the top k, so the remaining (common, long) postings are only looked up for the
surviving candidates. The survivors' final scores are then recomputed exactly,
adding the terms in query order, so :meth:`QueryScorer.top` returns the same
passages and bit-identical scores as scoring everything would.

Selection (:func:`top_k`): only passages that matched a query term are
candidates, and only those with a positive score are hits: a zero (or, with
okapi idf, negative) score means the passage shares nothing useful with the
question. Working on the candidates instead of a corpus-sized score vector keeps
selection proportional to the matches (np.argpartition over a mostly-zero 100k
vector is slow with this numpy).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence

import numpy as np

from .arrays import Snapshot
from .termids import TermIds

QueryTerms = Mapping[str, float] | Sequence[str]
# (term id, weight) of a query's indexed terms with a non-zero weight, in query order.
Terms = list[tuple[int, float]]

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
        """The ``k`` best positive-scoring passages: score desc, then id asc (as :func:`top_k`)."""
        if k <= 0 or not self.terms:
            return no_hits()
        candidates = self.candidates(k)
        if candidates is None:
            return top_k(*self.score(), k)
        return top_k(candidates, self.rescore(candidates), k)

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

    # -- MaxScore -------------------------------------------------------------------

    def candidates(self, k: int) -> np.ndarray | None:
        """Sorted passages that can be in the top k, or None if pruning does not pay."""
        snap, tids = self.snap, self.tids
        sizes = snap.indptr[tids + 1] - snap.indptr[tids]
        if len(tids) < 2 or int(sizes.sum()) < _PRUNE_MIN_POSTINGS:
            return None
        idf = snap.idf[tids]
        if (idf < 0).any():
            return None  # okapi's negative idfs: contributions are not bounded below
        # tf * (k1 + 1) / (tf + norm) < k1 + 1: a term's contribution never exceeds this.
        bounds = self.weights * idf
        bounds *= self.k1 + 1
        order = np.argsort(-bounds, kind="stable")
        # rest[i]: the most the terms order[i:] can add to any passage.
        rest = np.append(np.cumsum(bounds[order][::-1])[::-1], 0.0)

        partial, seen, alive = _scratch(snap.n_docs)
        touched: list[np.ndarray] = []
        try:
            return self._maxscore(k, sizes, order, rest, partial, seen, alive, touched)
        finally:
            # Leave the per-thread buffers all zero for the next query.
            for docs in touched:
                partial[docs] = 0.0
                seen[docs] = False
                alive[docs] = False

    def _maxscore(
        self,
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
        snap, terms = self.snap, self.terms
        n_touched = 0
        for i, j in enumerate(order):
            if n_touched >= k and sizes[j] * 4 >= n_touched:
                # Before a long posting list: can the terms left still lift an
                # unseen passage into the top k?
                candidates = np.concatenate(touched)
                scores = partial[candidates]
                threshold = np.partition(scores, n_touched - k)[n_touched - k]
                if threshold > rest[i] * (1 + _BOUND_SLACK):
                    return self._narrow(order[i:], rest[i:], candidates, partial, alive, k)
            tid, weight = terms[j]
            lo, hi = snap.indptr[tid], snap.indptr[tid + 1]
            docs = snap.doc_ids[lo:hi]
            partial[docs] += self._contributions(tid, weight, docs, snap.tf[lo:hi])
            new = docs[~seen[docs]]
            seen[new] = True
            touched.append(new)
            n_touched += len(new)
        return None  # every term had to be read in full: score them the usual way

    def _narrow(
        self,
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
        snap, terms = self.snap, self.terms
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
                at = self._find(tid, candidates)[1]
            else:
                at = alive[snap.doc_ids[lo:hi]].nonzero()[0] + lo
            docs = snap.doc_ids[at]
            partial[docs] += self._contributions(tid, weight, docs, snap.tf[at])
        else:
            # Every term added: partial scores are final but for rounding, so only
            # passages within rounding of the k-th best need an exact rescore.
            scores = partial[candidates]
            if len(scores) > k:
                threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
                candidates = candidates[scores >= threshold * (1 - _BOUND_SLACK)]
        return np.sort(candidates).astype(np.int64)

    def _find(self, tid: int, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of ``candidates`` (any order) term ``tid`` has, and their postings.

        Returns ``(found, at)``: a boolean mask over ``candidates`` and, for the
        found ones in the same order, their positions in the postings arrays.
        """
        snap = self.snap
        lo, hi = int(snap.indptr[tid]), int(snap.indptr[tid + 1])
        docs = snap.doc_ids[lo:hi]
        # Same dtype as the postings, or numpy converts the whole posting list.
        at = docs.searchsorted(candidates.astype(docs.dtype, copy=False))
        found = at < len(docs)
        found[found] = docs[at[found]] == candidates[found]
        return found, at[found] + lo

    def rescore(self, candidates: np.ndarray) -> np.ndarray:
        """Exact scores of ``candidates``, adding terms in query order (as :meth:`score` does)."""
        positions, owners, which = [], [], []
        for i, (tid, _) in enumerate(self.terms):
            found, at = self._find(tid, candidates)
            positions.append(at)
            owners.append(found.nonzero()[0])
            which.append(np.full(len(at), i))
        _, contributions = self._gather(np.concatenate(positions), np.concatenate(which))
        # Term after term for each candidate, as score() adds them.
        return np.bincount(np.concatenate(owners), weights=contributions, minlength=len(candidates))

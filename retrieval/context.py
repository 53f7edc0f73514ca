"""Document context: a passage is read together with the passages indexed before it.

Passages are cut from documents in reading order, and a passage that goes on about
a subject seldom names it again: "its flowers...", "the project...", "在2013年计划
参选总统" after a paragraph that named the candidate. Scored on its own words such a
passage loses to any passage that repeats the question's subject, though it holds
the answer. So a question's term that a candidate passage lacks but one of the
passages just before it has counts for the candidate too: ``weight ** d`` times
what the term would have given it (``query weight * idf``; with a low k1 saturation
is close to 1), ``d`` being how far back the nearest passage with the term is, up
to ``reach``. A term the passage has counts as before and gets nothing more, so a
passage that holds the question's words itself still ranks first among equals.
Only rare terms are lent (those in at most a tenth of the passages): the words
that name a subject are rare, and a common word before says nothing of this one.

This reorders the best BM25 candidates only (:func:`rerank`), and reads nothing
but the index's posting lists, so the index, its file format and the kernel are
untouched. It assumes that consecutive passage numbers are consecutive parts of
one text (how callers index documents); where they are not, the bonus is noise.
benchmarks/README.md has the figures (CMRC 2018, in order and shuffled).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .index import BM25Index, QueryTerms

# Tuned on CMRC 2018 trial (benchmarks/README.md): the gain is flat over a range and
# falls when a neighbour's word counts as much as the passage's own; the low end of
# the range costs least when passage order carries no meaning.
DEFAULT_CONTEXT_WEIGHT = 0.5
# BM25 candidates reordered: the passage that answers but lacks the subject is
# usually within the first few dozen.
CONTEXT_CANDIDATES = 20
# Only terms in at most this share of the passages are lent: the words that name a
# subject are rare, and a common word in the passage before says nothing about this one.
CONTEXT_MAX_SHARE = 0.1
# How many passages back a missing term is looked for; one ``d`` back counts
# ``weight ** d``.
CONTEXT_REACH = 2


def term_weights(terms: QueryTerms) -> dict[str, float]:
    """Term -> weight for a query given either way (a repeated term adds up)."""
    if isinstance(terms, Mapping):
        return {term: float(weight) for term, weight in terms.items()}
    weights: dict[str, float] = {}
    for term in terms:
        weights[term] = weights.get(term, 0.0) + 1.0
    return weights


def context_bonus(
    index: BM25Index,
    terms: Mapping[str, float],
    ids: np.ndarray,
    weight: float,
    reach: int = CONTEXT_REACH,
) -> np.ndarray:
    """What each passage of ``ids`` gains from the ``reach`` passages numbered before it.

    For every query term the passage lacks: ``weight ** d * term weight * idf``, where
    ``d`` is how many passages back the nearest one with the term is (none: nothing).
    """
    n = len(ids)
    bonus = np.zeros(n, np.float64)
    if weight <= 0 or reach < 1 or not n:
        return bonus
    own = np.asarray(ids, np.int64)
    most = CONTEXT_MAX_SHARE * len(index)
    # The passages, then those 1, 2, ... back: one binary search per term for all.
    wanted = np.concatenate([own - d for d in range(reach + 1)])
    rows: list[np.ndarray] = []
    values: list[float] = []
    for term, term_weight in terms.items():
        postings = index.passages_with(term) if term_weight > 0 else ()
        if not 0 < len(postings) <= most:
            continue
        at = postings.searchsorted(wanted)
        np.minimum(at, len(postings) - 1, out=at)
        rows.append(postings[at] == wanted)
        values.append(term_weight * max(index.idf(term), 0.0))
    if not rows:
        return bonus
    found = np.stack(rows).reshape(len(rows), reach + 1, n)
    behind = found[:, 1:, :]
    # weight ** (distance of the nearest passage back with the term), 0 if none.
    decay = weight ** np.arange(1, reach + 1, dtype=np.float64)
    nearest = np.where(behind.any(axis=1), decay[np.argmax(behind, axis=1)], 0.0)
    nearest[found[:, 0, :]] = 0.0  # the passage has the term itself
    return np.asarray(values) @ nearest


def rerank(
    index: BM25Index,
    terms: QueryTerms,
    ids: np.ndarray,
    scores: np.ndarray,
    weight: float = DEFAULT_CONTEXT_WEIGHT,
) -> tuple[np.ndarray, np.ndarray]:
    """``ids`` reordered by ``scores`` plus their :func:`context_bonus` (ties: lower id).

    Returns the ids and their new scores, best first.
    """
    total = np.asarray(scores, np.float64) + context_bonus(index, term_weights(terms), ids, weight)
    order = np.lexsort((ids, -total))
    return ids[order], total[order]

"""Document context: a passage is read together with the passage indexed before it.

Passages are cut from documents in reading order, and a passage that goes on about
a subject seldom names it again: "its flowers...", "the project...", "在2013年计划
参选总统" after a paragraph that named the candidate. Scored on its own words such a
passage loses to any passage that repeats the question's subject, though it holds
the answer. So a question's term that a candidate passage lacks but the passage
just before it has counts for the candidate too, at ``weight`` times what the term
would have given it (``weight * query weight * idf``; with a low k1 saturation is
close to 1, so a present term gives about its idf). A term the passage has counts
as before and gets nothing more from its neighbour, so the passage that holds the
question's words itself still ranks first among equals, and a neighbour that
repeats them does not drag an unrelated passage up twice.

This reorders the best BM25 candidates only (:func:`rerank`), and reads nothing
but the index's posting lists, so the index, its file format and the kernel are
untouched. It assumes that consecutive passage numbers are consecutive parts of
one text (how callers index documents); where they are not, the bonus is noise
at ``weight``. benchmarks/README.md has the figures (CMRC 2018, in order and
with the passages shuffled).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .index import BM25Index, QueryTerms

# Tuned on CMRC 2018 trial (benchmarks/README.md): the gain is flat from 0.5 to 0.8
# and falls at 1 (a neighbour's word then counts as much as the passage's own);
# the lower end costs least when passage order carries no meaning.
DEFAULT_CONTEXT_WEIGHT = 0.5
# BM25 candidates reordered: the passage that answers but lacks the subject is
# usually within the first few dozen.
CONTEXT_CANDIDATES = 30


def term_weights(terms: QueryTerms) -> dict[str, float]:
    """Term -> weight for a query given either way (a repeated term adds up)."""
    if isinstance(terms, Mapping):
        return {term: float(weight) for term, weight in terms.items()}
    weights: dict[str, float] = {}
    for term in terms:
        weights[term] = weights.get(term, 0.0) + 1.0
    return weights


def context_bonus(
    index: BM25Index, terms: Mapping[str, float], ids: np.ndarray, weight: float
) -> np.ndarray:
    """What each passage of ``ids`` gains from the passage numbered just before it.

    For every query term the passage lacks and its predecessor has:
    ``weight * term weight * idf``.
    """
    n = len(ids)
    bonus = np.zeros(n, np.float64)
    if weight <= 0 or not n:
        return bonus
    own = np.asarray(ids, np.int64)
    # Predecessors first, then the passages: one binary search per term for both.
    wanted = np.concatenate((own - 1, own))
    for term, term_weight in terms.items():
        if term_weight <= 0:
            continue
        postings = index.passages_with(term)
        if not len(postings):
            continue
        at = postings.searchsorted(wanted)
        np.minimum(at, len(postings) - 1, out=at)
        found = postings[at] == wanted
        gains = found[:n] > found[n:]  # the predecessor has it, the passage does not
        if gains.any():
            bonus[gains] += weight * term_weight * max(index.idf(term), 0.0)
    return bonus


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

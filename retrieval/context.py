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

This reorders the best BM25 candidates only, and reads nothing but the index's
posting lists, so the index and its file format are untouched; the search does it
in the same compiled call as the top k (:func:`context_of` gives
:meth:`BM25Index.top_k` its parameters; a numpy twin gives the same results). It assumes that consecutive passage numbers are consecutive parts of
one text (how callers index documents); where they are not, the bonus is noise.
benchmarks/README.md has the figures (CMRC 2018, in order and shuffled).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import numpy as np

from .index import BM25Index, QueryTerms
from .index.kernel import Context

# Tuned on CMRC 2018 trial (benchmarks/README.md): the gain is flat over a range and
# falls when a neighbour's word counts as much as the passage's own; the low end of
# the range costs least when passage order carries no meaning.
DEFAULT_CONTEXT_WEIGHT = 0.5
# BM25 candidates reordered: the passage that answers but lacks the subject is
# usually among the first few (a larger k reorders k; more cost search time for little).
CONTEXT_CANDIDATES = 10
# Only terms in at most this share of the passages are lent: the words that name a
# subject are rare, and a common word in the passage before says nothing about this one.
CONTEXT_MAX_SHARE = 0.1
# How many passages back a missing term is looked for; one ``d`` back counts
# ``weight ** d``.
CONTEXT_REACH = 2


def context_of(index: BM25Index, weight: float, reach: int = CONTEXT_REACH) -> Context | None:
    """What :meth:`BM25Index.top_k` needs to reorder by document context (None: off)."""
    if not weight > 0 or reach < 1:
        return None
    return _decay(weight, reach), CONTEXT_MAX_SHARE * len(index), CONTEXT_CANDIDATES


@cache
def _decay(weight: float, reach: int) -> np.ndarray:
    """``weight ** d`` for ``d`` in 1..reach: one array for every search (not to be
    modified; writable, as the compiled search's code is loaded for writable arrays)."""
    return weight ** np.arange(1, reach + 1, dtype=np.float64)


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
    The search itself adds this inside :meth:`BM25Index.top_k` (compiled, or its numpy
    twin); this is the same sum for any passages, to look at.
    """
    context = context_of(index, weight, reach)
    if context is None or not len(ids):
        return np.zeros(len(ids), np.float64)
    decay, most, _ = context
    return index.context_bonus(terms, np.asarray(ids, np.int64), decay, most)


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

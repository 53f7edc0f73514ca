"""Choosing the best k passages from the sparse candidates of a query.

Only passages that matched a query term are candidates, and only those with a
positive score are hits: a zero (or, with okapi idf, negative) score means
the passage shares nothing useful with the question. Working on the
candidates instead of a corpus-sized score vector keeps selection
proportional to the matches (np.argpartition over a mostly-zero 100k vector
is slow with this numpy).
"""

from __future__ import annotations

import numpy as np


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
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
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

"""Top k by MaxScore, compiled with numba: the loop a question spends its search time in.

Over the snapshot's arrays as they are (:mod:`.arrays`: int32 passage ids and uint8
tf per posting, saturation computed on the fly). A query position's contribution
never exceeds ``weight * idf * (k1 + 1)``, its bound. Two phases:

1. Term at a time, highest bound first, into a per-passage accumulator. Before a
   long list, if the k-th best partial score already exceeds what all the
   positions left could add (no unseen passage can enter the top k) and the
   passages still in the race are few enough that searching for each of them is
   cheaper than reading the lists left, phase 1 stops. (The k-th best is measured
   only when it could pass: no passage gained more than the bounds of the lists
   read since the last measure.)
2. Those passages, the k best partial scores first (they set a high threshold at
   once), then the rest that can still reach it, in ascending order, each finished
   by a galloping search in the lists left until it can no longer reach the k-th
   best finished score.

The survivors within rounding of the k-th best are then scored exactly: their
contributions added in query order from 0.0, with the same operations as
:meth:`.search.QueryScorer.score` (and ``np.bincount``), so the scores are
bit-identical to the numpy path's; ties go to the lower passage id. Pruning
itself adds in float32 (the length norms rounded, ``Snapshot.norm32``, and a float32
accumulator): the two arrays read at random for each posting take half the cache.
Bounds are compared with a relative slack wider than float32's rounding of a
question's sums, so partial sums taken in another order or precision never
prune a passage that belongs. A bound of 0 or below (okapi's idf of a term in
half the passages or more) turns pruning off: every posting is added in query order.

:func:`search` is the whole way from a question's terms to its sorted hits in one
call: the terms' bytes are hashed and looked up in the term table as
:meth:`.termids.TermIds.lookup` does, then :func:`_top_k`; at small corpora the
Python between the tokens and the kernel cost as much as the kernel.

The functions are compiled on first use and cached on disk (numba's ``cache=True``,
in ``__pycache__`` or ``NUMBA_CACHE_DIR``), so only the first process after an
install pays the compilation. numba itself is imported then too (:func:`load`), not
with this module; :meth:`.bm25.BM25Index.top_k` loads it in a background thread
(:func:`load_in_background`) and scores with numpy until it is ready, so a restart
answers its first question without waiting for numba. Without numba
(``LINLI_NUMBA=0``, or not installed) :data:`AVAILABLE` is false and :mod:`.search`
scores every posting with numpy, which gives the same passages and scores.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Collection
from importlib.util import find_spec
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .arrays import Snapshot
    from .termids import TermIds

# numba is imported, and the compiled functions loaded from its cache, on first use
# (:func:`load`): importing numba and readying its CPU target takes longer than loading
# a saved index, and a process that never searches (or a start that answers its first
# question meanwhile, :func:`load_in_background`) should not wait for it.
AVAILABLE = os.environ.get("LINLI_NUMBA", "1") != "0" and find_spec("numba") is not None

# Bounds summed in another order than the final scores: this margin keeps them safe.
_SLACK = 1e-9
# What a galloping search for one passage costs, in postings read in a row (cache misses).
_SEEK_COST = 4
# The term hash's multiplier (:mod:`.termids`).
_P = np.uint64(0x9E3779B97F4A7C15)


def _contribution(
    doc: int,
    f: int,
    idf: float,
    weight: float,
    k1p1: float,
    norm: np.ndarray,
) -> float:
    # As QueryScorer._saturation and _contributions, idf first, then the query weight
    # (x * 1.0 == x). The whole formula for every tf: at tf = 1 it gives saturation_1's
    # bits (1.0 * k1p1 == k1p1), and a division costs less than the mispredicted branch
    # to a lookup where tf > 1 is common (the long lists of single characters). ``norm``
    # is the length norm in float64 (exact scores) or float32 (pruning, see _top_k);
    # the arithmetic is float64 either way.
    tf = float(f)
    return idf * (tf * k1p1 / (tf + norm[doc])) * weight


def _seek(doc_ids: np.ndarray, at: int, end: int, doc: int) -> int:
    """The first position in ``[at, end)`` whose passage is ``>= doc``.

    Galloping from where the passages between ``doc_ids[at]`` and the list's last one,
    spread evenly, would put ``doc``: a long list is near even, so the search starts a
    few postings from its target instead of climbing to it in dependent reads (each a
    cache miss in a list read for the first time).
    """
    if at >= end or doc_ids[at] >= doc:
        return at
    last = doc_ids[end - 1]
    if last < doc:
        return end
    # doc_ids[at] < doc <= doc_ids[end - 1]: the answer is in (at, end - 1].
    first = doc_ids[at]
    guess = at + int((end - 1 - at) * (float(doc - first) / float(last - first)))
    if guess <= at:
        guess = at + 1
    if doc_ids[guess] < doc:
        lo = guess
        step = 1
        hi = guess + 1
        while doc_ids[hi] < doc:  # stops at end - 1 at the latest
            lo = hi
            step *= 2
            hi = guess + step
            if hi >= end - 1:
                hi = end - 1
                break
    else:
        hi = guess
        step = 1
        lo = guess - 1
        while lo > at and doc_ids[lo] >= doc:
            hi = lo
            step *= 2
            lo = guess - step
            if lo <= at:
                lo = at
                break
    # doc_ids[lo] < doc <= doc_ids[hi]
    lo += 1
    while lo < hi:
        mid = (lo + hi) // 2
        if doc_ids[mid] < doc:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _kth_largest(acc: np.ndarray, docs: np.ndarray, n: int, k: int, heap: np.ndarray) -> float:
    """The ``k``-th largest of ``acc[docs[:n]]`` (``n >= k``), with a k-item min-heap."""
    for i in range(k):
        heap[i] = acc[docs[i]]
        child = i
        while child > 0:
            parent = (child - 1) // 2
            if heap[child] < heap[parent]:
                heap[child], heap[parent] = heap[parent], heap[child]
                child = parent
            else:
                break
    for i in range(k, n):
        value = acc[docs[i]]
        if value > heap[0]:
            heap[0] = value
            at = 0
            while True:
                left = 2 * at + 1
                if left >= k:
                    break
                small = left
                if left + 1 < k and heap[left + 1] < heap[left]:
                    small = left + 1
                if heap[small] < heap[at]:
                    heap[small], heap[at] = heap[at], heap[small]
                    at = small
                else:
                    break
    return heap[0]


def _add_term(
    lo: int,
    hi: int,
    doc_ids: np.ndarray,
    tf: np.ndarray,
    idf: float,
    weight: float,
    k1p1: float,
    norm: np.ndarray,
    acc: np.ndarray,
    seen: np.ndarray,
    touched: np.ndarray,
    n_touched: int,
    check_seen: bool,
) -> int:
    """Add one term's contributions to ``acc``; passages new to it join ``touched``."""
    for p in range(lo, hi):
        doc = doc_ids[p]
        touched[n_touched] = doc  # written always, kept only if new: no branch
        if check_seen:
            n_touched += not seen[doc]
            seen[doc] = True
        else:  # contributions are positive: a passage not yet seen still holds 0.0
            n_touched += acc[doc] == 0.0
        acc[doc] += _contribution(doc, tf[p], idf, weight, k1p1, norm)
    return n_touched


def _push(heap: np.ndarray, size: int, k: int, value: float) -> int:
    """Keep the ``k`` largest values in the min-heap ``heap[:size]``; returns its new size."""
    if size < k:
        heap[size] = value
        child = size
        while child > 0:
            parent = (child - 1) // 2
            if heap[child] < heap[parent]:
                heap[child], heap[parent] = heap[parent], heap[child]
                child = parent
            else:
                break
        return size + 1
    if value > heap[0]:
        heap[0] = value
        at = 0
        while True:
            left = 2 * at + 1
            if left >= k:
                break
            small = left
            if left + 1 < k and heap[left + 1] < heap[left]:
                small = left + 1
            if heap[small] < heap[at]:
                heap[small], heap[at] = heap[at], heap[small]
                at = small
            else:
                break
    return size


def _finish(
    doc: int,
    score: float,
    first: int,
    q: int,
    threshold: float,
    slack: float,
    order: np.ndarray,
    rest: np.ndarray,
    indptr: np.ndarray,
    tids: np.ndarray,
    doc_ids: np.ndarray,
    tf: np.ndarray,
    idfs: np.ndarray,
    weights: np.ndarray,
    k1p1: float,
    norm: np.ndarray,
    starts: np.ndarray | None,
) -> float:
    """``score`` plus what positions ``order[first:]`` add to ``doc``, or -1.0 as soon as
    it cannot reach ``threshold``. ``starts``: per position, where to search from (moved
    forward as passages ascend); None: each list is searched from its start."""
    for i in range(first, q):
        if (score + rest[i]) * (1 + slack) < threshold:
            return -1.0
        j = order[i]
        hi = indptr[tids[j] + 1]
        if starts is None:
            p = _seek(doc_ids, indptr[tids[j]], hi, doc)
        else:
            p = _seek(doc_ids, starts[i], hi, doc)
            starts[i] = p
        if p < hi and doc_ids[p] == doc:
            score += _contribution(doc, tf[p], idfs[j], weights[j], k1p1, norm)
    return score


def _top_k(
    indptr: np.ndarray,
    doc_ids: np.ndarray,
    tf: np.ndarray,
    norm32: np.ndarray,
    length_norm: np.ndarray,
    k1p1: float,
    tids: np.ndarray,
    idfs: np.ndarray,
    weights: np.ndarray,
    k: int,
    acc: np.ndarray,
    acc32: np.ndarray,
    seen: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, int]:
    """The ``k`` best positive-scoring passages (unordered) and how many postings were read.

    ``tids``, ``idfs`` and ``weights`` describe the query positions in query order;
    ``acc`` (float64), ``acc32`` (float32) and ``seen`` (bool), one value per passage,
    must be all zero and are left so.

    Pruning works in float32 (``norm32``, the length norms, and ``acc32``): half the
    bytes of the two arrays read at random per posting, which keeps them in the
    core's cache at 10^5 passages and more. Every float32 partial score is within
    ``(q + 1) * 2**-24`` of its exact value, relatively (one rounding of the norm, one
    per addition), so every comparison allows twice that (``slack``); the passages
    left are scored exactly, in float64, from ``length_norm``.
    """
    q = len(tids)
    bounds = np.empty(q, np.float64)
    prune = True
    total = 0
    for j in range(q):
        bounds[j] = weights[j] * idfs[j] * k1p1
        # okapi: idf 0 or negative. Beyond float32's comfortable range: exact sums only.
        if not (1e-20 <= bounds[j] <= 1e20):
            prune = False
        total += indptr[tids[j] + 1] - indptr[tids[j]]
    slack = _SLACK + 4.0 * (q + 1) * 2.0**-24
    n_docs = len(acc)
    touched = np.empty(min(total, n_docs) + 1, np.int64)
    buffer = np.empty(k, np.float64)
    n_touched = 0
    read = 0
    if not prune:
        # Query order into the accumulator: the sums are the exact scores.
        for j in range(q):
            lo, hi = indptr[tids[j]], indptr[tids[j] + 1]
            n_touched = _add_term(
                lo,
                hi,
                doc_ids,
                tf,
                idfs[j],
                weights[j],
                k1p1,
                length_norm,
                acc,
                seen,
                touched,
                n_touched,
                True,
            )
            read += hi - lo
        candidates = np.sort(touched[:n_touched])  # ascending: ties go to the lower id
        exact = np.empty(n_touched, np.float64)
        for i in range(n_touched):
            exact[i] = acc[candidates[i]]
    else:
        order = np.argsort(-bounds, kind="mergesort")  # highest bound first
        rest = np.zeros(q + 1, np.float64)  # rest[i]: the most order[i:] can add
        candidates = np.empty(len(touched), np.int64)
        racing = 0
        for i in range(q - 1, -1, -1):
            rest[i] = rest[i + 1] + bounds[order[i]]
        switch = q
        threshold = 0.0
        measured = 0  # where the k-th best partial score was last measured
        for i in range(q):
            j = order[i]
            lo, hi = indptr[tids[j]], indptr[tids[j] + 1]
            # No passage gained more than the bounds of the lists read since the last
            # measure: when even that cannot beat the terms left, skip measuring.
            hopeless = threshold + rest[measured] - rest[i] <= rest[i]
            if n_touched >= k and (hi - lo) * 4 >= n_touched and not hopeless:
                # Before a long list: can the terms left still lift an unseen passage?
                # And are the passages still in the race few enough that searching the
                # lists left for each is cheaper than reading them?
                threshold = _kth_largest(acc32, touched, n_touched, k, buffer)
                measured = i
                if threshold > rest[i] * (1 + slack):
                    # The passages still in the race, gathered as they are counted:
                    # if phase 1 stops here, they are the candidates.
                    racing = 0
                    for t in range(n_touched):
                        doc = touched[t]
                        candidates[racing] = doc  # written always, kept only if racing
                        racing += acc32[doc] + rest[i] >= threshold * (1 - slack)
                    left = 0
                    for t in range(i, q):
                        left += indptr[tids[order[t]] + 1] - indptr[tids[order[t]]]
                    if racing * (q - i) * _SEEK_COST < left:
                        switch = i
                        break
            n_touched = _add_term(
                lo,
                hi,
                doc_ids,
                tf,
                idfs[j],
                weights[j],
                k1p1,
                norm32,
                acc32,
                seen,
                touched,
                n_touched,
                False,
            )
            read += hi - lo
        n = racing
        if switch == q:  # every list read: the candidates are all the passages touched
            candidates[:n_touched] = touched[:n_touched]
            n = n_touched
        if switch == q and n > k:
            # Drop what falls short of the k-th best (within rounding), then sort the
            # rest for the merges below.
            threshold = _kth_largest(acc32, candidates, n, k, buffer)
            kept = 0
            for c in range(n):
                if acc32[candidates[c]] + rest[switch] >= threshold * (1 - slack):
                    candidates[kept] = candidates[c]
                    kept += 1
            n = kept
        if switch == q:
            candidates[:n] = np.sort(candidates[:n])  # for the exact scores' merge
        else:
            # The terms left, highest bound first, for each candidate until it cannot
            # reach the k-th best score of the candidates finished so far. The k best
            # partial scores go first: finished, they set a threshold that drops most
            # of the others before a single search, and before sorting them.
            done = seen  # unused in this mode otherwise
            first = _kth_largest(acc32, candidates, n, k, buffer) if n > k else -1.0
            leaders = np.empty(n, np.int64)
            m = 0
            for c in range(n):
                leaders[m] = candidates[c]  # written always, kept only if among the best
                m += acc32[candidates[c]] >= first
            leaders = np.sort(leaders[:m])  # ascending: one merge per list, not a search each
            at = np.empty(q, np.int64)
            for i in range(switch, q):
                at[i] = indptr[tids[order[i]]]
            finished = 0
            for c in range(m):
                doc = leaders[c]
                score = _finish(
                    doc,
                    acc32[doc],
                    switch,
                    q,
                    -1.0,
                    slack,
                    order,
                    rest,
                    indptr,
                    tids,
                    doc_ids,
                    tf,
                    idfs,
                    weights,
                    k1p1,
                    norm32,
                    at,
                )
                acc32[doc] = score
                done[doc] = True
                finished = _push(buffer, finished, k, score)
            threshold = buffer[0] if finished == k else 0.0
            kept = 0
            for c in range(n):
                doc = candidates[c]
                if done[doc] or (acc32[doc] + rest[switch]) * (1 + slack) >= threshold:
                    candidates[kept] = doc
                    kept += 1
            n = kept
            candidates[:n] = np.sort(candidates[:n])  # ascending, for the merges below
            for i in range(switch, q):
                at[i] = indptr[tids[order[i]]]
            kept = 0
            for c in range(n):
                doc = candidates[c]
                if done[doc]:
                    done[doc] = False
                    candidates[kept] = doc
                    kept += 1
                    continue
                if (acc32[doc] + rest[switch]) * (1 + slack) < threshold:
                    continue  # what _finish would find first, without the call
                score = _finish(
                    doc,
                    acc32[doc],
                    switch,
                    q,
                    threshold,
                    slack,
                    order,
                    rest,
                    indptr,
                    tids,
                    doc_ids,
                    tf,
                    idfs,
                    weights,
                    k1p1,
                    norm32,
                    at,
                )
                if score < 0:
                    continue
                acc32[doc] = score
                candidates[kept] = doc
                kept += 1
                finished = _push(buffer, finished, k, score)
                if finished == k and buffer[0] > threshold:
                    threshold = buffer[0]
            n = kept
        if n > k:
            # Scores are final but for rounding (added in another order): only those
            # within rounding of the k-th best need their exact score.
            threshold = _kth_largest(acc32, candidates, n, k, buffer)
            kept = 0
            for c in range(n):
                if acc32[candidates[c]] >= threshold * (1 - slack):
                    candidates[kept] = candidates[c]
                    kept += 1
            n = kept
        candidates = candidates[:n].copy()
        # Exact scores: the contributions added in query order, from 0.0.
        exact = np.zeros(n, np.float64)
        for j in range(q):
            lo, hi = indptr[tids[j]], indptr[tids[j] + 1]
            p = lo
            for c in range(n):
                doc = candidates[c]
                p = _seek(doc_ids, p, hi, doc)
                if p >= hi:
                    break
                if doc_ids[p] == doc:
                    exact[c] += _contribution(
                        doc, tf[p], idfs[j], weights[j], k1p1, length_norm
                    )
    if prune:
        for i in range(n_touched):
            acc32[touched[i]] = 0.0
    else:
        for i in range(n_touched):
            acc[touched[i]] = 0.0
            seen[touched[i]] = False
    # The best k positive ones (ties: lower passage id), unordered.
    positive = 0
    for c in range(len(candidates)):
        if exact[c] > 0:
            candidates[positive] = candidates[c]
            exact[positive] = exact[c]
            positive += 1
    candidates, exact = candidates[:positive], exact[:positive]
    if positive > k:
        best = np.argsort(-exact, kind="mergesort")[:k]  # stable: ids ascending among ties
        candidates, exact = candidates[best], exact[best]
    return candidates, exact, read


def _byte_ends(qblob: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Where each term ends in the UTF-8 ``qblob`` of the terms joined, given their
    lengths in characters (a character's bytes are told by its lead byte)."""
    ends = np.empty(len(lengths), np.int64)
    at = 0
    for i in range(len(lengths)):
        for _ in range(lengths[i]):
            lead = qblob[at]
            at += 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
        ends[i] = at
    return ends


def _term_ids(
    qblob: np.ndarray,
    qends: np.ndarray,
    hashes: np.ndarray,
    order: np.ndarray,
    ends: np.ndarray,
    blob: np.ndarray,
    n_terms: int,
) -> np.ndarray:
    """Ids of the query terms (UTF-8 ``qblob`` cut at ``qends``), -1 if unknown or at or
    beyond ``n_terms``: :meth:`.termids.TermIds.lookup`, hash for hash, in one call."""
    n = len(qends)
    out = np.full(n, -1, np.int64)
    start = 0
    for i in range(n):
        end = qends[i]
        value = np.uint64(0)
        power = np.uint64(1)
        for at in range(start, end):
            value += np.uint64(qblob[at]) * power
            power *= _P
        at = np.searchsorted(hashes, value)
        while at < len(hashes) and hashes[at] == value:
            tid = order[at]
            first = ends[tid - 1] if tid > 0 else 0
            if ends[tid] - first == end - start:
                same = True
                for j in range(end - start):
                    if blob[first + j] != qblob[start + j]:
                        same = False
                        break
                if same:
                    if tid < n_terms:
                        out[i] = tid
                    break
            at += 1
        start = end
    return out


def _context_bonus(
    indptr: np.ndarray,
    doc_ids: np.ndarray,
    tids: np.ndarray,
    values: np.ndarray,
    docs: np.ndarray,
    decay: np.ndarray,
    most: float,
) -> np.ndarray:
    """:func:`retrieval.context.context_bonus` over the arrays: for each term in query
    order, each passage lacking it gains ``value * decay[d - 1]`` from the nearest of the
    ``len(decay)`` passages before it that has it (same operations, same order)."""
    n = len(docs)
    reach = len(decay)
    bonus = np.zeros(n, np.float64)
    ascending = np.argsort(docs)  # one merge per list: each search starts where the last ended
    for t in range(len(tids)):
        start, end = indptr[tids[t]], indptr[tids[t] + 1]
        if not (0 < end - start <= most):
            continue
        lo = start
        for r in range(n):
            i = ascending[r]
            doc = docs[i]
            # The first passage at or after doc - reach; the passages up to doc follow it.
            lo = _seek(doc_ids, lo, end, doc - reach)
            if lo >= end:
                break
            at = lo
            nearest = 0
            while at < end and doc_ids[at] <= doc:
                if doc_ids[at] == doc:
                    nearest = -1
                    break
                nearest = doc - doc_ids[at]
                at += 1
            if nearest > 0:
                bonus[i] += values[t] * decay[nearest - 1]
    return bonus


def _search(
    qblob: np.ndarray,
    lengths: np.ndarray,
    weights: np.ndarray,
    hashes: np.ndarray,
    order: np.ndarray,
    ends: np.ndarray,
    blob: np.ndarray,
    indptr: np.ndarray,
    doc_ids: np.ndarray,
    tf: np.ndarray,
    idf: np.ndarray,
    norm32: np.ndarray,
    length_norm: np.ndarray,
    k1p1: float,
    k: int,
    acc: np.ndarray,
    acc32: np.ndarray,
    seen: np.ndarray,
    decay: np.ndarray,
    most: float,
    candidates: int,
) -> tuple[np.ndarray, np.ndarray, int]:
    """From the query's terms (UTF-8 ``qblob`` of the terms joined, ``lengths`` of each in
    characters) and weights to its ``k`` best passages, sorted (score desc, id asc), in
    one call. The third value is -1, or the position of the first weight
    that is negative or not finite (then nothing is searched). With a non-empty
    ``decay``, the best ``max(k, candidates)`` are reordered by their document context
    (:func:`_context_bonus`) and the ``k`` best of them kept."""
    q = len(lengths)
    for i in range(q):
        if not (weights[i] >= 0 and np.isfinite(weights[i])):
            return np.zeros(0, np.int64), np.zeros(0, np.float64), i
    qends = _byte_ends(qblob, lengths)
    found = _term_ids(qblob, qends, hashes, order, ends, blob, len(indptr) - 1)
    m = 0
    for i in range(q):
        if found[i] >= 0 and weights[i] != 0:
            m += 1
    tids = np.empty(m, np.int64)
    idfs = np.empty(m, np.float64)
    ws = np.empty(m, np.float64)
    m = 0
    for i in range(q):
        if found[i] >= 0 and weights[i] != 0:
            tids[m] = found[i]
            idfs[m] = idf[found[i]]
            ws[m] = weights[i]
            m += 1
    if m == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float64), -1
    wanted = k
    if len(decay):
        wanted = min(max(k, candidates), len(length_norm))
    docs, scores, _ = _top_k(
        indptr, doc_ids, tf, norm32, length_norm, k1p1, tids, idfs, ws, wanted, acc, acc32, seen
    )
    if len(decay):
        values = np.empty(m, np.float64)
        for t in range(m):
            values[t] = ws[t] * max(idfs[t], 0.0)
        scores = scores + _context_bonus(indptr, doc_ids, tids, values, docs, decay, most)
    # Score descending, then id ascending (at most k: insertion sort).
    for i in range(1, len(docs)):
        doc, score = docs[i], scores[i]
        j = i - 1
        while j >= 0 and (scores[j] < score or (scores[j] == score and docs[j] > doc)):
            docs[j + 1], scores[j + 1] = docs[j], scores[j]
            j -= 1
        docs[j + 1], scores[j + 1] = doc, score
    return docs[:k], scores[:k], -1


_COMPILED = (
    "_contribution",
    "_seek",
    "_kth_largest",
    "_add_term",
    "_push",
    "_finish",
    "_top_k",
    "_byte_ends",
    "_term_ids",
    "_context_bonus",
    "_search",
)
# What the compiled functions above call in their loops: no allocation, so no reference counts.
_NO_REFCOUNT = frozenset(
    ("_contribution", "_seek", "_kth_largest", "_add_term", "_push", "_finish")
)
_ready = False  # the module's functions above are numba's (and _search is loaded)
_load_lock = threading.Lock()
_loader: threading.Thread | None = None


def load() -> None:
    """Import numba and compile the functions above (from its disk cache: a fraction of
    a second), once; later calls return at once. Searches call it themselves.

    Raises:
        RuntimeError: numba is not available (check :data:`AVAILABLE` first).
    """
    global _ready
    if _ready:
        return
    if not AVAILABLE:
        raise RuntimeError("the compiled kernel needs numba")
    with _load_lock:
        if _ready:
            return
        from numba import njit

        options = {"cache": True, "nogil": True}
        names = globals()
        # Callees first: a compiled function calls the dispatchers its globals name.
        for name in _COMPILED:
            # The helpers called inside loops allocate nothing: compiled without numba's
            # reference counting, a call no longer costs two atomic operations per array
            # argument (_finish takes eleven), which was most of a search's time.
            extra = {"_nrt": False} if name in _NO_REFCOUNT else {}
            names[name] = njit(**extra, **options)(names[name])
        _ready = True


def ready() -> bool:
    """Whether a search runs compiled now, without waiting for :func:`load`."""
    return _ready


def load_in_background(snap: Snapshot, termids: TermIds) -> None:
    """Start :func:`load` in a thread of its own (once), and load :func:`search`'s code
    for these arrays' types there too, so that the first search after it finds it ready.

    Until :func:`ready`, :meth:`.bm25.BM25Index.top_k` scores with numpy (the same
    passages and scores), so a fresh process answers its first questions at once.
    """
    global _loader
    if _ready or _loader is not None or not AVAILABLE:
        return
    with _load_lock:
        if _loader is not None:
            return
        _loader = threading.Thread(
            target=_load_for, args=(snap, termids), name="linli-kernel-load", daemon=True
        )
        _loader.start()


def _load_for(snap: Snapshot, termids: TermIds) -> None:
    load()
    warm(snap, termids)


def warm(snap: Snapshot, termids: TermIds) -> None:
    """Compile (or load from numba's disk cache) :func:`search`'s code for these arrays'
    types, as the background loader does; the tests call it so that the bot processes
    they start find the code cached."""
    load()
    empty = np.zeros(0, np.uint8)
    _search(  # an empty query: loads the code for these types and returns at once
        empty,
        np.zeros(0, np.int64),
        np.zeros(0, np.float64),
        termids.hashes,
        termids.order,
        termids.ends,
        termids.data,
        snap.indptr,
        snap.doc_ids,
        snap.tf,
        snap.idf,
        snap.norm32,
        snap.length_norm,
        1.0,
        1,
        *_scratch(snap.n_docs),
        *_NO_CONTEXT,
    )


# Document context for :func:`search`: the weight of a term found ``d`` passages back
# (``decay[d - 1]``), the most passages a lent term may be in, the candidates reordered.
Context = tuple[np.ndarray, float, int]
_NO_CONTEXT: Context = (np.zeros(0, np.float64), 0.0, 0)

_buffers = threading.local()


def _scratch(n_docs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-thread, all-zero arrays of one value per passage, reused across queries:
    the exact and the pruning accumulator (float64, float32) and the seen flags.

    Allocating them per query costs page faults in proportion to the corpus; the
    kernel leaves them zeroed.
    """
    arrays = getattr(_buffers, "arrays", None)
    if arrays is None or len(arrays[0]) != n_docs:
        arrays = (
            np.zeros(n_docs, np.float64),
            np.zeros(n_docs, np.float32),
            np.zeros(n_docs, np.bool_),
        )
        _buffers.arrays = arrays
    return arrays


def top_k(
    indptr: np.ndarray,
    doc_ids: np.ndarray,
    tf: np.ndarray,
    length_norm: np.ndarray,
    k1: float,
    tids: np.ndarray,
    idfs: np.ndarray,
    weights: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Best ``k`` passages, score descending then id ascending, and the postings read.

    Raises:
        RuntimeError: numba is not available (check :data:`AVAILABLE` first).
    """
    load()
    docs, scores, read = _top_k(
        indptr,
        doc_ids,
        tf,
        length_norm.astype(np.float32),
        length_norm,
        k1 + 1,
        tids,
        idfs,
        weights,
        k,
        *_scratch(len(length_norm)),
    )
    order = np.lexsort((docs, -scores))
    return docs[order], scores[order], read


def search(
    snap: Snapshot,
    termids: TermIds,
    k1: float,
    terms: Collection[str],
    weights: np.ndarray,
    k: int,
    context: Context | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Best ``k`` passages for ``terms`` (each weighing its ``weights`` entry, in the
    order ``terms`` iterates: a sequence, or a mapping's keys), score descending then id
    ascending: looking the terms up and :func:`top_k` in one call, then, given a
    ``context``, the document-context reordering of :mod:`retrieval.context` in the
    same call.

    Raises:
        ValueError: a weight is negative or not finite.
        RuntimeError: numba is not available (check :data:`AVAILABLE` first).
    """
    load()
    # One string and one array of lengths, not one bytes object per term: at small
    # corpora the Python before the call costs as much as the search.
    docs, scores, bad = _search(
        np.frombuffer("".join(terms).encode("utf-8"), np.uint8),
        np.fromiter(map(len, terms), np.int64, len(terms)),
        weights,
        termids.hashes,
        termids.order,
        termids.ends,
        termids.data,
        snap.indptr,
        snap.doc_ids,
        snap.tf,
        snap.idf,
        snap.norm32,
        snap.length_norm,
        k1 + 1,
        min(k, snap.n_docs),
        *_scratch(snap.n_docs),
        *(context if context is not None else _NO_CONTEXT),
    )
    if bad >= 0:
        term = list(terms)[bad]
        raise ValueError(f"weight of {term!r} must be finite and >= 0, not {weights[bad]}")
    return docs, scores

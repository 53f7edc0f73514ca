"""Building the postings arrays: from scratch, appending passages, taking a subset.

Functions here turn token lists into postings and rearrange postings; they
return plain ``(doc_len, indptr, doc_ids, tf)`` arrays (see
:mod:`.arrays` for the layout), from which :func:`.arrays.derive` makes a
searchable snapshot. :class:`~retrieval.index.BM25Index` calls them under its
write lock and publishes the result.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, count, islice

import numpy as np

from .arrays import IndexArrays, Snapshot
from .termids import TermIds

# Passages tokenised and counted per numpy batch in add(): bounds the Python
# lists alive at once (memory) while keeping numpy calls large (speed).
_ADD_CHUNK = 8192

# Passages per batch in build(): one batch's token lists are alive at a time, and
# its sort stays within the processor's caches.
_BUILD_CHUNK = 4096

# Postings read at a time by check_arrays.
_CHECK_BLOCK = 1 << 20

# (term ids int32, passage ids int32, tf) of one batch's postings, grouped by
# term, each term's passages ascending.
Part = tuple[np.ndarray, np.ndarray, np.ndarray]
# (doc_len, indptr, doc_ids, tf): the postings arrays of an index state.
Postings = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(slots=True)
class NewPassages:
    """Passages read by :func:`read_passages`, not yet merged into an index.

    Attributes:
        terms: the terms the index did not know, in order of first appearance;
            the i-th has id ``len(termids) + i``.
        parts: the postings, one :data:`Part` per batch.
        lengths: each batch's passage lengths (int32).
        n_docs: how many passages were read.
    """

    terms: list[str]
    parts: list[Part]
    lengths: list[np.ndarray]
    n_docs: int


def build(corpus: Iterable[Sequence[str]]) -> tuple[list[str], Postings]:
    """The terms and postings of ``corpus``, an index built from scratch.

    The same terms (numbered in order of first appearance) and arrays as
    :func:`read_passages` and :func:`merge` give for an empty index, in bounded
    memory: ``corpus`` is read batch by batch (an iterator of token lists is
    never held whole), each batch is reduced at once to compact postings, and
    those are moved into the final arrays part by part.

    Raises:
        TypeError: a passage is a string rather than a sequence of tokens.
        OverflowError: more than 2**31 - 1 passages or terms.
    """
    # term -> id; a new term takes the next id inside the dict's own lookup, so
    # numbering a token costs one C-level dict access.
    ids: defaultdict[str, int] = defaultdict(count().__next__)
    parts: list[Part] = []
    lengths: list[np.ndarray] = []
    n_docs = 0
    for batch in _batches(corpus, _BUILD_CHUNK):
        (term_ids, docs, tf), doc_len = count_batch(batch, ids)
        check_size(n_docs + len(batch), len(ids))
        parts.append((term_ids, docs + np.int32(n_docs), tf))
        lengths.append(doc_len)
        n_docs += len(batch)
        del batch  # before the next batch is read: one batch's tokens alive at a time
    return assemble(list(ids), parts, lengths)


def count_batch(batch: list[Sequence[str]], ids: defaultdict[str, int]) -> tuple[Part, np.ndarray]:
    """One batch's postings, its passages numbered from 0, grouped by term (each term's
    passages ascending), and its passage lengths; new terms join ``ids`` in order of
    first appearance.

    Raises:
        TypeError: a passage is a string rather than a sequence of tokens.
    """
    if any(isinstance(doc, str) for doc in batch):
        raise TypeError("each passage must be a sequence of tokens, not a string")
    doc_len = np.fromiter(map(len, batch), np.int64, len(batch))
    total = int(doc_len.sum())
    term_ids = np.fromiter(map(ids.__getitem__, chain.from_iterable(batch)), np.int64, total)
    # One sort groups the batch's postings by term, passages ascending; runs of
    # equal keys are one posting each, their length its tf.
    keys = np.sort(term_ids * len(batch) + np.repeat(np.arange(len(batch)), doc_len))
    del term_ids
    starts = np.flatnonzero(np.concatenate(([total > 0], keys[1:] != keys[:-1])))
    tf = np.diff(np.append(starts, total))
    keys = keys[starts]
    part = (
        (keys // len(batch)).astype(np.int32),
        (keys % len(batch)).astype(np.int32),
        tf.astype(_tf_dtype(int(tf.max(initial=0)))),
    )
    return part, doc_len.astype(np.int32)


def check_size(n_docs: int, n_terms: int) -> None:
    """Raises OverflowError past what int32 passage and term ids can number."""
    if n_docs > np.iinfo(np.int32).max or n_terms > np.iinfo(np.int32).max:
        raise OverflowError("an index holds at most 2**31 - 1 passages and terms")


def assemble(
    terms: list[str], parts: list[Part], lengths: list[np.ndarray]
) -> tuple[list[str], Postings]:
    """The index arrays of ``parts`` (in passage order; each grouped by term, a term's
    passages ascending) for ``terms``; ``parts`` is emptied as they are placed."""
    counts = np.zeros(len(terms), np.int64)
    for term_ids32, _, _ in parts:
        counts += np.bincount(term_ids32, minlength=len(terms))
    indptr = np.zeros(len(terms) + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    del counts
    tf_dtype = _tf_dtype(max((int(tf.max(initial=0)) for *_, tf in parts), default=0))
    # Each part is dropped once placed: its memory is reused for the pages of the
    # final arrays (allocated untouched) that it fills.
    parts.reverse()
    all_doc_ids = np.empty(indptr[-1], np.int32)
    all_tf = np.empty(indptr[-1], tf_dtype)
    fill = indptr[:-1].copy()  # next free slot of each term
    while parts:
        _place(parts.pop(), fill, all_doc_ids, all_tf)
    doc_len = np.concatenate(lengths) if lengths else np.zeros(0, np.int32)
    return terms, (doc_len, indptr, all_doc_ids, all_tf)


def _place(part: Part, fill: np.ndarray, doc_ids: np.ndarray, tf: np.ndarray) -> None:
    """Write ``part``'s postings at each term's next free slots (``fill``, advanced)."""
    term_ids, part_docs, part_tf = part
    if not len(term_ids):
        return
    # term_ids is grouped: rank each posting within its term's run.
    starts = np.flatnonzero(np.concatenate(([True], term_ids[1:] != term_ids[:-1])))
    sizes = np.diff(np.append(starts, len(term_ids)))
    dest = np.arange(len(term_ids), dtype=np.int64) - np.repeat(starts, sizes)
    dest += fill[term_ids]
    doc_ids[dest] = part_docs
    tf[dest] = part_tf
    fill[term_ids[starts]] += sizes


def read_passages(corpus: Iterable[Sequence[str]], termids: TermIds, first_doc: int) -> NewPassages:
    """Postings of ``corpus``, its passages numbered from ``first_doc``.

    Raises:
        TypeError: a passage is a string rather than a sequence of tokens.
    """
    new_terms: dict[str, int] = {}
    parts: list[Part] = []
    lengths: list[np.ndarray] = []
    n_new = 0
    for batch in _batches(corpus, _ADD_CHUNK):
        if any(isinstance(doc, str) for doc in batch):
            raise TypeError("each passage must be a sequence of tokens, not a string")
        part, doc_len = _batch_postings(batch, termids, new_terms, first_doc + n_new)
        parts.append(part)
        lengths.append(doc_len)
        n_new += len(batch)
    return NewPassages(list(new_terms), parts, lengths, n_new)


def _batches(corpus: Iterable[Sequence[str]], size: int) -> Iterator[list[Sequence[str]]]:
    iterator = iter(corpus)
    while batch := list(islice(iterator, size)):
        yield batch


def _batch_postings(
    batch: list[Sequence[str]], termids: TermIds, new_terms: dict[str, int], first_doc: int
) -> tuple[Part, np.ndarray]:
    """One batch's postings and passage lengths; terms new to the index join ``new_terms``."""
    flat = list(chain.from_iterable(batch))
    # New terms get ids in order of first appearance (dict.fromkeys keeps it),
    # as BM25Okapi's vocabulary does.
    distinct = list(dict.fromkeys(flat))
    ids = dict(zip(distinct, termids.lookup(distinct).tolist(), strict=True))
    for term, tid in ids.items():
        if tid < 0:
            tid = new_terms.get(term)
            if tid is None:
                tid = new_terms[term] = len(termids) + len(new_terms)
            ids[term] = tid
    term_ids = np.fromiter(map(ids.__getitem__, flat), np.int64, len(flat))
    doc_len = np.fromiter(map(len, batch), np.int64, len(batch))
    local = np.repeat(np.arange(len(batch), dtype=np.int64), doc_len)
    # One sort groups postings by term, passages ascending, and counts tf.
    keys, tf = np.unique(term_ids * len(batch) + local, return_counts=True)
    part = (
        (keys // len(batch)).astype(np.int32),
        (keys % len(batch) + first_doc).astype(np.int32),
        tf,
    )
    return part, doc_len.astype(np.int32)


def merge(old: Snapshot, n_terms: int, new: NewPassages) -> Postings:
    """The postings of ``old`` followed by ``new``'s, for ``n_terms`` terms in all."""
    counts = np.zeros(n_terms, np.int64)
    counts[: old.n_terms] = np.diff(old.indptr)
    for term_ids, _, _ in new.parts:
        counts += np.bincount(term_ids, minlength=n_terms)
    indptr = np.zeros(n_terms + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])

    # The old postings' dtype already fits their tfs: only the new ones are read.
    max_tf = max([int(tf.max(initial=0)) for *_, tf in new.parts], default=0)
    tf_dtype = np.promote_types(old.tf.dtype, _tf_dtype(max_tf))
    if len(old.doc_ids):
        doc_ids, tf = _insert_postings(old, new.parts, tf_dtype)
    else:
        doc_ids, tf = _place_postings(new.parts, indptr, tf_dtype)
    doc_len = np.concatenate([old.doc_len, *new.lengths]) if new.lengths else old.doc_len
    return doc_len, indptr, doc_ids, tf


def _tf_dtype(max_tf: int) -> np.dtype:
    for dtype in (np.uint8, np.uint16, np.uint32):
        if max_tf <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.int64)


def _insert_postings(
    old: Snapshot, parts: list[Part], tf_dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray]:
    """``old``'s postings with ``parts`` inserted, each at the end of its term's slice.

    New passages have larger ids, so a term's new postings go after its old ones,
    and new terms' after all slices. The result is one concatenation of alternating
    runs (old postings up to a term's end, that term's new postings): memcpy of the
    old postings, Python work only per term that gained postings (np.insert instead
    builds a mask over all postings and copies through it, several times slower).
    """
    empty = (np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int64))
    term_ids, doc_ids, tfs = (np.concatenate(arrays) for arrays in zip(empty, *parts, strict=True))
    order = np.argsort(term_ids, kind="stable")  # batches are each sorted
    term_ids, doc_ids, tfs = term_ids[order], doc_ids[order], tfs[order].astype(tf_dtype)
    firsts = np.flatnonzero(np.diff(term_ids, prepend=-1))
    known = firsts[term_ids[firsts] < old.n_terms]
    run_ends = np.append(firsts, len(term_ids))[1 : len(known) + 1].tolist()
    cuts = old.indptr[term_ids[known] + 1].tolist()
    doc_pieces: list[np.ndarray] = []
    tf_pieces: list[np.ndarray] = []
    done = 0
    for first, end, cut in zip(known.tolist(), run_ends, cuts, strict=True):
        doc_pieces += (old.doc_ids[done:cut], doc_ids[first:end])
        tf_pieces += (old.tf[done:cut], tfs[first:end])
        done = cut
    tail = run_ends[-1] if run_ends else 0  # the new terms' postings
    doc_pieces += (old.doc_ids[done:], doc_ids[tail:])
    tf_pieces += (old.tf[done:], tfs[tail:])
    return np.concatenate(doc_pieces), np.concatenate(tf_pieces, dtype=tf_dtype)


def _place_postings(
    parts: list[Part], indptr: np.ndarray, tf_dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray]:
    """The postings of ``parts`` (the whole index) laid out in the slices of ``indptr``."""
    all_doc_ids = np.empty(indptr[-1], np.int32)
    all_tf = np.empty(indptr[-1], tf_dtype)
    fill = indptr[:-1].copy()  # next free slot of each term
    for part in parts:
        _place(part, fill, all_doc_ids, all_tf)
    return all_doc_ids, all_tf


def take(
    snap: Snapshot, termids: TermIds, positions: Sequence[int] | np.ndarray
) -> tuple[TermIds, Postings]:
    """The terms and postings of the passages at ``positions`` (distinct), in that order.

    Terms left without passages are dropped; the rest keep their relative order.

    Raises:
        ValueError: a position repeats or is not a passage of ``snap``.
    """
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
    keep_terms = np.zeros(len(termids), bool)
    keep_terms[: snap.n_terms] = alive
    postings = (snap.doc_len[positions], indptr, new_doc[order].astype(np.int32), tf[order])
    return termids.subset(keep_terms), postings


def export(snap: Snapshot, termids: TermIds) -> IndexArrays:
    """The arrays ``snap`` is made of, with its terms (shared, not copied)."""
    ends = termids.ends[: snap.n_terms]
    hashes, order = termids.table(snap.n_terms)
    return IndexArrays(
        terms=termids.blob[: int(ends[-1]) if len(ends) else 0],
        term_ends=ends,
        doc_len=snap.doc_len,
        indptr=snap.indptr,
        doc_ids=snap.doc_ids,
        tf=snap.tf,
        term_hashes=hashes,
        term_order=order,
    )


def check_arrays(arrays: IndexArrays) -> None:
    """Check that ``arrays`` describe a valid index (the terms aside).

    Raises:
        ValueError: naming the first inconsistency found.
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
    # Ascending within each term: a step down (or a repeat) only where a term starts;
    # and the tfs of each passage sum to its length. Read in blocks, with temporaries
    # of one block (this runs at every start: whole-array temporaries of a large index
    # cost more in page faults than the comparisons).
    term_starts = indptr[1:-1]
    for start in range(1, len(doc_ids), _CHECK_BLOCK):  # the pairs (i - 1, i), i in block
        stop = min(start + _CHECK_BLOCK, len(doc_ids))
        down = doc_ids[start:stop] <= doc_ids[start - 1 : stop - 1]
        first, last = term_starts.searchsorted([start, stop])
        down[term_starts[first:last] - start] = False
        check(not down.any(), "passage order within a term")
    # Integer sums: one count per posting plus what tfs above 1 add. Blocks of at
    # least one count per passage, so adding them up costs no more than counting.
    per_doc = np.zeros(n_docs, np.int64)
    block = max(_CHECK_BLOCK, n_docs)
    for start in range(0, len(doc_ids), block):
        ids, tfs = doc_ids[start : start + block], tf[start : start + block]
        per_doc += np.bincount(ids, minlength=n_docs)
        repeated = (tfs > 1).nonzero()[0]
        if len(repeated):
            extra = np.bincount(ids[repeated], weights=tfs[repeated] - 1, minlength=n_docs)
            per_doc += extra.astype(np.int64)
    check(bool(np.array_equal(per_doc, doc_len)), "passage lengths")

"""The BM25 index: passages in, scored passage ids out.

:class:`BM25Index` holds the current :class:`~.arrays.Snapshot` and the term
table, builds new snapshots with :mod:`.build` and scores with :mod:`.search`.
Thread-safety: additions are serialised by a lock and publish a complete new
snapshot in one assignment; searches read whichever snapshot is current.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

import numpy as np

from . import build, kernel
from .arrays import EMPTY, IdfMode, IndexArrays, Snapshot, derive
from .search import QueryScorer, QueryTerms, Terms, context_bonus, indexed_terms, query_arrays
from .termids import TermIds

# Tuned on the CMRC 2018 trial split (benchmarks/cmrc.py): a low k1 makes term
# frequency saturate almost at once, which suits short passages where a word's
# second mention adds little evidence; b matters little at this k1.
DEFAULT_K1 = 0.1
DEFAULT_B = 0.3


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
        # idf depends on). Immutable, replaced by add(); ids >= the snapshot's
        # n_terms belong to a snapshot not yet published.
        self._vocab = TermIds.from_terms([])
        self._snap = EMPTY
        self._write_lock = threading.Lock()

    @classmethod
    def from_tokens(cls, corpus: Iterable[Sequence[str]], **params: float | str) -> BM25Index:
        """Build an index from token lists (``params`` as for the constructor).

        The same index as :meth:`add` to an empty one gives, built in bounded memory:
        ``corpus`` may be an iterator (e.g. tokenising passages as they are read),
        of which only one batch is held at a time.
        """
        return cls.from_postings(*build.build(corpus), **params)

    @classmethod
    def from_postings(
        cls, terms: list[str], postings: build.Postings, **params: float | str
    ) -> BM25Index:
        """An index of what :func:`.build.build` (or :func:`.parallel.build_texts`) made."""
        index = cls(**params)  # type: ignore[arg-type]
        index._vocab = TermIds.from_terms(terms)
        index._snap = index._snapshot(*postings)
        return index

    def __len__(self) -> int:
        return self._snap.n_docs

    def copy(self) -> BM25Index:
        """An independent index with the same passages, made in O(1).

        Snapshots are immutable and :meth:`add` replaces rather than mutates, so
        the copy shares the arrays; adding to one leaves the other as it was.
        """
        other = type(self)(**self.params)  # type: ignore[arg-type]
        with self._write_lock:
            other._vocab, other._snap = self._vocab, self._snap
        return other

    @property
    def params(self) -> dict[str, float | str]:
        """The constructor arguments, e.g. to build a compatible index."""
        return {"k1": self.k1, "b": self.b, "idf": self.idf_mode, "epsilon": self.epsilon}

    @property
    def n_terms(self) -> int:
        """Number of distinct terms indexed."""
        return self._snap.n_terms

    @property
    def n_postings(self) -> int:
        """Number of (term, passage) pairs stored."""
        return len(self._snap.doc_ids)

    def memory_bytes(self) -> int:
        """Approximate memory held by the index: its arrays plus the term table."""
        return self._snap.nbytes() + self._vocab.nbytes()

    def _term_id(self, term: str, snap: Snapshot) -> int | None:
        tid = self._vocab.get(term)
        return tid if tid is not None and tid < snap.n_terms else None

    def doc_freq(self, term: str) -> int:
        """Number of passages containing ``term``."""
        snap = self._snap
        tid = self._term_id(term, snap)
        return 0 if tid is None else int(snap.indptr[tid + 1] - snap.indptr[tid])

    def passages_with(self, term: str) -> np.ndarray:
        """The passages containing ``term``, ascending (a read-only view)."""
        snap = self._snap
        tid = self._term_id(term, snap)
        if tid is None:
            return np.zeros(0, np.int32)
        view = snap.doc_ids[snap.indptr[tid] : snap.indptr[tid + 1]]
        view.flags.writeable = False
        return view

    def idf(self, term: str) -> float:
        """The idf the index uses for ``term`` (0.0 if it is not indexed)."""
        snap = self._snap
        tid = self._term_id(term, snap)
        return 0.0 if tid is None else float(snap.idf[tid])

    # -- building ---------------------------------------------------------------

    def add(self, corpus: Iterable[Sequence[str]]) -> range:
        """Append passages; returns their ids.

        Cost: O(tokens of the new passages) in Python, plus O(all postings) of
        numpy copying to make room for the new postings in each term's slice,
        plus O(terms + passages) to recompute idf and length norms. Concurrent
        searches keep using the previous snapshot until the new one is complete.
        """
        with self._write_lock:
            old = self._snap
            new = build.read_passages(corpus, self._vocab, old.n_docs)
            if old.n_docs + new.n_docs > np.iinfo(np.int32).max:
                raise OverflowError("an index holds at most 2**31 - 1 passages")
            vocab = self._vocab.extended(new.terms)
            snap = self._snapshot(*build.merge(old, len(vocab), new))
            # Publish the terms before the snapshot that can see them; readers
            # ignore ids beyond their own snapshot's n_terms.
            self._vocab = vocab
            self._snap = snap
            return range(old.n_docs, snap.n_docs)

    def _snapshot(
        self, doc_len: np.ndarray, indptr: np.ndarray, doc_ids: np.ndarray, tf: np.ndarray
    ) -> Snapshot:
        return derive(
            doc_len,
            indptr,
            doc_ids,
            tf,
            k1=self.k1,
            b=self.b,
            idf=self.idf_mode,
            epsilon=self.epsilon,
        )

    # -- export, import, reordering ---------------------------------------------

    def export(self) -> IndexArrays:
        """The arrays the index is made of (shared, not copied: do not modify)."""
        return build.export(self._snap, self._vocab)

    @classmethod
    def from_arrays(cls, arrays: IndexArrays, **params: float | str) -> BM25Index:
        """Rebuild an index from :meth:`export`'s arrays, checking they are consistent.

        Raises:
            ValueError: the arrays do not describe a valid index.
        """
        build.check_arrays(arrays)
        table = None
        if arrays.term_hashes is not None and arrays.term_order is not None:
            table = (arrays.term_hashes, arrays.term_order)
        vocab = TermIds.from_blob(arrays.terms, arrays.term_ends, table=table)  # ValueError
        index = cls(**params)  # type: ignore[arg-type]
        index._vocab = vocab
        index._snap = index._snapshot(arrays.doc_len, arrays.indptr, arrays.doc_ids, arrays.tf)
        return index

    def take(self, positions: Sequence[int] | np.ndarray) -> BM25Index:
        """A new index of the passages at ``positions`` (distinct), in that order.

        Cost O(postings log postings), no tokenising: this is how a corpus that
        lost or reordered passages is re-indexed from what is already indexed.
        Terms left without passages are dropped; the rest keep their relative
        order (so okapi's mean idf may differ from a fresh build in the last bit).
        """
        vocab, postings = build.take(self._snap, self._vocab, positions)
        index = type(self)(**self.params)  # type: ignore[arg-type]
        index._vocab = vocab
        index._snap = index._snapshot(*postings)
        return index

    # -- querying ---------------------------------------------------------------

    def _terms(self, snap: Snapshot, query: QueryTerms) -> Terms:
        """(term id, weight) of the query's indexed terms with a non-zero weight."""
        return indexed_terms(snap, self._vocab, query)

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
        snap = self._snap
        return QueryScorer(snap, self.k1, self._terms(snap, query)).score()

    def get_scores(self, query: QueryTerms) -> np.ndarray:
        """Dense scores for every passage (like ``BM25Okapi.get_scores``)."""
        snap = self._snap
        docs, sums = QueryScorer(snap, self.k1, self._terms(snap, query)).score()
        scores = np.zeros(snap.n_docs, np.float64)
        scores[docs] = sums
        return scores

    def context_bonus(
        self, query: QueryTerms, ids: np.ndarray, decay: np.ndarray, most: float
    ) -> np.ndarray:
        """What each passage of ``ids`` gains from its document context (see :meth:`top_k`)."""
        snap = self._snap
        return context_bonus(snap, self._terms(snap, query), ids, decay, most)

    def top_k(
        self, query: QueryTerms, k: int = 10, context: kernel.Context | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best positive-scoring passages: score desc, then id asc.

        Same passages and scores as ranking :meth:`score`'s output, usually
        without visiting the long postings of common terms (see :mod:`.kernel`; the
        first search of a process starts loading its compiled code in the background
        and is scored with numpy, as are those until it is ready).
        With ``context`` (``(decay, most, candidates)``, see
        :mod:`retrieval.context`), the best ``max(k, candidates)`` are reordered by
        what the passages before each lend it, and the ``k`` best of them returned;
        the compiled and the numpy path give the same passages and scores.
        """
        snap = self._snap
        if kernel.AVAILABLE and k > 0 and snap.n_docs:
            if kernel.ready():
                terms, weights = query_arrays(query)
                return kernel.search(snap, self._vocab, self.k1, terms, weights, k, context)
            # A fresh process: numpy answers until the compiled code is loaded.
            kernel.load_in_background(snap, self._vocab)
        found = self._terms(snap, query)
        if context is None or not len(context[0]) or k <= 0:
            return QueryScorer(snap, self.k1, found).top(k)
        decay, most, candidates = context
        docs, scores = QueryScorer(snap, self.k1, found).top(min(max(k, candidates), snap.n_docs))
        scores = scores + context_bonus(snap, found, docs, decay, most)
        order = np.lexsort((docs, -scores))[:k]
        return docs[order], scores[order]

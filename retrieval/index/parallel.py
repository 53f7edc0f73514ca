"""Building an index from texts with the tokenising done by worker processes.

Tokenising is most of a first start (every passage segmented by jieba, in Python
around rjieba), and one process uses one core. :func:`build_texts` gives each of
``workers`` processes batches of texts; a worker tokenises a batch and reduces it to
its postings as :func:`.build.build` does (:func:`.build.count_batch`), numbering the
batch's terms itself, and sends back the terms, in order of first appearance, with
compact arrays. The parent renumbers each batch's terms into one vocabulary, batch
after batch in passage order, so every term gets the id it gets in
:func:`.build.build` (first appearance across the corpus) and the arrays are the
same, bit for bit (tests/retrieval/test_parallel_build.py).

Workers are started with ``spawn``: the caller may be a server with threads (a fork
would copy their locks as they stand), and a worker needs only the tokenizer.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import count, islice
from typing import Protocol

import numpy as np

from .build import _BUILD_CHUNK, Part, Postings, assemble, build, check_size, count_batch

log = logging.getLogger(__name__)


class PicklableTokenizer(Protocol):
    """What a worker needs: a tokenizer that pickles, and loads its dictionary."""

    def tokenize(self, text: str) -> Sequence[str]: ...

    def load(self) -> PicklableTokenizer: ...


_tokenizer: PicklableTokenizer | None = None  # a worker's, set once it starts


def _start(tokenizer: PicklableTokenizer) -> None:
    global _tokenizer
    _tokenizer = tokenizer.load()


def _count_texts(texts: list[str]) -> tuple[list[str], Part, np.ndarray]:
    """In a worker: one batch's terms (first appearance first), postings and lengths."""
    assert _tokenizer is not None
    ids: defaultdict[str, int] = defaultdict(count().__next__)
    part, lengths = count_batch([_tokenizer.tokenize(text) for text in texts], ids)
    return list(ids), part, lengths


def _chunks(texts: Sequence[str], size: int) -> Iterator[list[str]]:
    iterator = iter(texts)
    while chunk := list(islice(iterator, size)):
        yield chunk


def build_texts(
    texts: Sequence[str], tokenizer: PicklableTokenizer, workers: int
) -> tuple[list[str], Postings]:
    """``build(map(tokenizer.tokenize, texts))``, tokenised by ``workers`` processes.

    With fewer than two workers, or if worker processes cannot be started, the texts
    are tokenised here (the same result).

    Raises:
        OverflowError: more than 2**31 - 1 passages or terms.
    """
    if workers < 2 or len(texts) <= _BUILD_CHUNK:
        return build(map(tokenizer.tokenize, texts))
    try:
        return _build_in_workers(texts, tokenizer, workers)
    except (OSError, BrokenProcessPool):
        # No processes to be had here (a sandbox, a limit): the same index, slower.
        log.warning("could not tokenise in worker processes: tokenising here", exc_info=True)
        return build(map(tokenizer.tokenize, texts))


def _build_in_workers(
    texts: Sequence[str], tokenizer: PicklableTokenizer, workers: int
) -> tuple[list[str], Postings]:
    ids: defaultdict[str, int] = defaultdict(count().__next__)
    parts: list[Part] = []
    lengths: list[np.ndarray] = []
    n_docs = 0
    with ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start,
        initargs=(tokenizer,),
    ) as pool:
        for terms, (local_ids, docs, tf), doc_len in pool.map(
            _count_texts, _chunks(texts, _BUILD_CHUNK)
        ):
            # The batch's own numbering, in its order of first appearance, onto the
            # corpus's: a term new to the corpus takes the next id, as in build().
            renumber = np.fromiter(map(ids.__getitem__, terms), np.int64, len(terms))
            check_size(n_docs + len(doc_len), len(ids))
            parts.append((renumber[local_ids].astype(np.int32), docs + np.int32(n_docs), tf))
            lengths.append(doc_len)
            n_docs += len(doc_len)
    return assemble(list(ids), parts, lengths)

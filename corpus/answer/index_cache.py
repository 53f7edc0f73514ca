"""The service's index, kept in step with the store, re-tokenising as little as possible.

Tokenising is what makes indexing slow (a 100k-passage archive takes minutes),
so the index is never rebuilt from texts when it need not be:

* **Restart**: the index saved by the last run (``<index dir>/<database>.lidx``,
  see :mod:`retrieval.index.persist`) is loaded instead of rebuilt.
* **New issues**: their passages come after all others in the store's order
  (issue id, article, position), so they are tokenised and appended
  (:meth:`~retrieval.index.BM25Index.add`), in memory or after loading.
* **Anything else** (an issue removed or corrected, a stale file): passages
  still present with the same text keep their indexed tokens
  (:meth:`~retrieval.index.BM25Index.take`); only new texts are tokenised.

Nothing is reused on trust. Each passage is matched by its database id AND a
64-bit hash of the exact text indexed for it, so a passage whose text changed
under the same id is re-tokenised. A file that is corrupt, truncated, of
another format, made by another tokenizer (options, dictionaries, versions) or
for another database is ignored with a log line, and the index is rebuilt. The
file records the corpus version it was built at; the per-passage check makes
an index built at any version safe to reuse for what is unchanged.

Several processes may share the directory (e.g. ``linli serve`` replicas on
one host): files are replaced atomically, so each reads a whole file, and a
file written for another corpus state only costs a partial rebuild.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval import Retriever, Tokenizer
from retrieval.index.persist import IndexFileError, IndexMismatchError, load, save

log = logging.getLogger(__name__)

SUFFIX = ".lidx"


# A corpus this large is tokenised by one process per core when built from scratch (the
# first start): each worker costs a fraction of a second to start, which only pays
# for itself on many passages (benchmarks/load.py --cold-start).
PARALLEL_BUILD_PASSAGES = 20_000


def build_workers(passages: int) -> int:
    """How many processes tokenise a corpus of ``passages`` built from scratch."""
    if passages < PARALLEL_BUILD_PASSAGES:
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def text_digests(texts: Sequence[str]) -> np.ndarray:
    """A 64-bit BLAKE2b hash of each text, as uint64."""
    blob = b"".join(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest() for t in texts)
    return np.frombuffer(blob, dtype="<u8").astype(np.uint64)


def database_key(url: str) -> str:
    """A file-name-safe key of a database URL (its password must already be hidden)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class IndexedCorpus:
    """A retriever and what it indexes: passage ``i`` of the index is ``passage_ids[i]``."""

    version: int
    retriever: Retriever
    passage_ids: np.ndarray  # int64, in index order (the store's passage order)
    digests: np.ndarray  # uint64, text_digests of what was indexed


class NotLoaded:
    """Sentinel for :meth:`IndexCache.update`: the saved index was not read yet."""


class IndexCache:
    """Builds, updates, loads and saves the index of one database.

    Args:
        tokenizer: how passages and questions are tokenised.
        bm25: BM25 parameters for :class:`~retrieval.Retriever` (k1, b, idf, epsilon).
        directory: where index files live (created if missing); None keeps the
            index in memory only (updates are still incremental).
        database: the database URL with any password hidden; keys the file name,
            so one directory can serve several databases.
    """

    def __init__(
        self,
        *,
        tokenizer: Tokenizer,
        bm25: Mapping[str, Any] | None = None,
        directory: Path | None = None,
        database: str = "",
    ) -> None:
        self.tokenizer = tokenizer
        self.bm25 = dict(bm25 or {})
        self.database = database_key(database)
        self.path = Path(directory) / f"{self.database}{SUFFIX}" if directory else None
        self._on_disk: tuple[int, int] | None = None  # (version, passages) of the file

    def update(
        self,
        previous: IndexedCorpus | None,
        version: int,
        passage_ids: Sequence[int],
        texts: Sequence[str],
        *,
        saved: IndexedCorpus | type[NotLoaded] | None = NotLoaded,
    ) -> tuple[IndexedCorpus, str]:
        """An index of ``texts`` (passage ``passage_ids[i]`` is ``texts[i]``) at ``version``.

        Reuses ``previous`` (or, if None, the saved file: ``saved`` if the caller
        already called :meth:`load_saved`) for every passage whose id and text are
        unchanged; ``previous`` itself is never modified, since questions may still
        be using it.

        Returns:
            The index and how it was made: ``"unchanged"``, ``"loaded"``,
            ``"appended N"``, ``"rebuilt, N of M passages re-tokenised"`` or ``"built"``.
        """
        ids = np.asarray(passage_ids, dtype=np.int64)
        digests = text_digests(texts)
        base, source = previous, "memory"
        if base is None and saved is not NotLoaded:
            base, source = saved, "file"  # type: ignore[assignment]
        elif base is None and self.path is not None:
            base, source = self.load_saved(), "file"
        if base is None:
            retriever = Retriever.from_texts(
                texts, tokenizer=self.tokenizer, workers=build_workers(len(texts)), **self.bm25
            )
            return IndexedCorpus(version, retriever, ids, digests), "built"

        n_old = len(base.passage_ids)
        if (
            n_old <= len(ids)
            and np.array_equal(base.passage_ids, ids[:n_old])
            and np.array_equal(base.digests, digests[:n_old])
        ):
            if n_old == len(ids):
                how = "loaded" if source == "file" else "unchanged"
                return IndexedCorpus(version, base.retriever, ids, digests), how
            retriever = Retriever(base.retriever.index.copy(), self.tokenizer)
            retriever.add(texts[n_old:])
            return IndexedCorpus(version, retriever, ids, digests), f"appended {len(ids) - n_old}"

        retriever, fresh = self._reuse(base, ids, digests, texts)
        how = f"rebuilt, {fresh} of {len(ids)} passages re-tokenised"
        return IndexedCorpus(version, retriever, ids, digests), how

    def _reuse(
        self, base: IndexedCorpus, ids: np.ndarray, digests: np.ndarray, texts: Sequence[str]
    ) -> tuple[Retriever, int]:
        """An index of ``texts`` in store order, and how many passages it re-tokenised.

        The tokens of passages whose id and text are unchanged are kept.
        """
        old_position = {
            key: i
            for i, key in enumerate(
                zip(base.passage_ids.tolist(), base.digests.tolist(), strict=True)
            )
        }
        keys = zip(ids.tolist(), digests.tolist(), strict=True)
        found = np.fromiter((old_position.get(key, -1) for key in keys), np.int64, len(ids))
        reused = found >= 0
        index = base.retriever.index.take(found[reused])
        fresh = np.flatnonzero(~reused)
        retriever = Retriever(index, self.tokenizer)
        retriever.add([texts[i] for i in fresh.tolist()])
        if len(fresh) and fresh[0] < int(reused.sum()):
            # New passages were appended after the reused ones; restore store order.
            order = np.empty(len(ids), np.int64)
            order[np.flatnonzero(reused)] = np.arange(int(reused.sum()))
            order[fresh] = np.arange(int(reused.sum()), len(ids))
            retriever = Retriever(retriever.index.take(order), self.tokenizer)
        return retriever, len(fresh)

    def load_saved(self) -> IndexedCorpus | None:
        """The saved index if there is a sound one for this tokenizer and database.

        Which passages it covers is checked by :meth:`update`, not here.
        """
        if self.path is None or not self.path.exists():
            return None
        try:
            saved = load(
                self.path,
                self.tokenizer,
                bm25=self.bm25 or None,
                expect_meta={"database": self.database},
            )
        except IndexMismatchError as exc:
            log.info("saved index not usable, rebuilding: %s", exc)
            return None
        except IndexFileError as exc:
            log.warning("saved index is damaged, rebuilding: %s", exc)
            return None
        if saved.digests is None:
            log.warning("saved index %s has no passage hashes, rebuilding", self.path)
            return None
        version = int(saved.meta.get("corpus_version", -1))
        self._on_disk = (version, len(saved.keys))
        return IndexedCorpus(version, saved.retriever, saved.keys, saved.digests)

    def save(self, corpus: IndexedCorpus) -> bool:
        """Write ``corpus`` to the index file unless it is already there; True if written.

        A failure (disk full, read-only directory) is logged, not raised: the
        file only saves time at the next start.
        """
        if self.path is None or self._on_disk == (corpus.version, len(corpus.passage_ids)):
            return False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            save(
                self.path,
                corpus.retriever,
                keys=corpus.passage_ids,
                digests=corpus.digests,
                meta={"corpus_version": corpus.version, "database": self.database},
            )
        except OSError as exc:
            log.warning("could not save the index to %s: %s", self.path, exc)
            return False
        self._on_disk = (corpus.version, len(corpus.passage_ids))
        return True

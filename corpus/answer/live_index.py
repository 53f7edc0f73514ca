"""The live index: derived from the store, following its corpus version.

The database is the source of truth. The in-memory index follows the store's corpus
version, so an issue added by any process is answerable in every process within
``refresh_interval`` seconds (plus the build), without a restart. A new index is built
aside and swapped in with one assignment. A question never waits for a large build,
nor for a version check held up by one: the answer path hands both to a background
thread, waits for it a fraction of a second at most, and is answered from the index
in place meanwhile.
"""

from __future__ import annotations

import functools
import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from corpus.answer.index_cache import IndexCache, IndexedCorpus, NotLoaded
from corpus.store import issues as queries
from corpus.store.engine import Store
from corpus.store.records import IssueRef, PassageRecord
from retrieval import BM25Index, Retriever, Tokenizer, normalize
from retrieval.normalize import IDEOGRAPHS, ideograph_keepers, keeps_ideographs
from retrieval.tokenization import stopword_chars

log = logging.getLogger(__name__)


def _return_freed_memory() -> None:
    """Give the memory of the index just replaced back to the system (glibc only).

    A rebuild runs in whatever thread stored the issue, and glibc keeps what a thread's
    arena freed for that arena: with a large index each rebuild left its predecessor's
    arrays held, and the process grew by the index's size per rebuilding thread.
    """
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl, macOS): nothing to trim
        return
    libc.malloc_trim(0)


_paused = 0  # threads reading the store with the collector paused
_pause_lock = threading.Lock()
_resume = False  # whether the collector was on when the first of them paused it


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Keep Python's cyclic garbage collector off while every passage is read.

    A record per passage (10^5 tuples and the lists of their indexed texts) made the
    collector run its full passes over the whole heap several times during the read,
    freeing nothing: they took a fifth to a third of the read's CPU time
    (benchmarks/README.md). Readers in several threads share one pause; the last
    switches the collector back on, and only if it was on.
    """
    global _paused, _resume
    with _pause_lock:
        if _paused == 0:
            _resume = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _pause_lock:
            _paused -= 1
            if _paused == 0 and _resume:
                gc.enable()


@dataclass(frozen=True)
class IndexState:
    """One version of the corpus as the answer path sees it."""

    version: int
    retriever: Retriever
    records: tuple[PassageRecord, ...]
    positions: dict[int, int]  # passage id -> position in records (and in the index)
    # What the answer path derives from this index and keeps while it serves (word
    # weights for coverage): dropped with the state when a new index replaces it.
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @functools.cached_property
    def issues(self) -> tuple[IssueRef, ...]:
        """The issues the index holds passages of."""
        return tuple({r.issue.id: r.issue for r in self.records}.values())

    def record(self, passage_id: int) -> PassageRecord | None:
        at = self.positions.get(passage_id)
        return None if at is None else self.records[at]


class _StopwordChars:
    """Which passages have each stopword character: the index cannot tell (a stopword's
    characters yield no terms), so a phrase made of them was looked for in the whole
    corpus text, ~40 ms at 100k passages each (benchmarks/answer.py --passages 100000).

    One bit per passage and character (148 characters: 19 bytes a passage), of the
    passage's normalised text. ``changed`` holds the normalised texts of the passages
    whose ideographs normalising moves (``keeps_ideographs`` false); for every other
    passage the ideographs of its own text are those of the normalised one.
    """

    # Passages read at a time: bounds the arrays of one batch's characters, and the GIL
    # is let go between batches.
    BATCH = 4096

    def __init__(self, rows: np.ndarray, changed: dict[int, str]) -> None:
        self.bits = _stopword_bits()[0]
        self.size = _row_size()
        self.rows = rows
        self.changed = changed

    @classmethod
    def of_texts(cls, texts: Sequence[str]) -> _StopwordChars:
        """The rows of already normalised texts, one set intersection a text."""
        rows = b"".join(map(_stopword_row, texts))
        return cls(np.frombuffer(rows, np.uint8).reshape(len(texts), _row_size()), {})

    @classmethod
    def of_records(cls, records: Sequence[PassageRecord], plain: bytearray) -> _StopwordChars:
        """The same rows as :meth:`of_texts` of the normalised ``indexed_text``s, reading
        the characters of the passages that keep their ideographs as numpy arrays (done
        one set intersection and one normalisation a passage, this held the GIL for over
        two seconds at 10^5 passages, on the first question that needed it, while every
        other question and the bot's event loop waited). Fills ``plain`` as
        :meth:`CorpusVocabulary._holds_ideographs` does.
        """
        keepers = ideograph_keepers()
        if keepers is None:
            plain[:] = bytes([2]) * len(records)
            texts = [normalize(indexed_text(r)) for r in records]
            return cls(cls.of_texts(texts).rows, dict(enumerate(texts)))
        chars = _stopword_list()
        size, count = _row_size(), len(chars)
        lookup = np.full(0x10000, -1, np.int16)
        lookup[[ord(ch) for ch in chars]] = np.arange(count)
        rows = np.zeros((len(records), size), np.uint8)
        flags = np.frombuffer(plain, np.uint8)
        changed: dict[int, str] = {}
        for first in range(0, len(records), cls.BATCH):
            texts = [indexed_text(r) for r in records[first : first + cls.BATCH]]
            lengths = np.fromiter(map(len, texts), np.int64, len(texts)) + 1
            codes = np.frombuffer("\n".join(texts).encode("utf-32-le"), np.uint32)
            # Which passage each character is of (the separators count with the one before).
            owner = np.repeat(np.arange(len(texts)), lengths)[: len(codes)]
            bmp = np.minimum(codes, 0xFFFF)
            moved = np.zeros(len(texts), bool)
            moved[owner[~(keepers[bmp] & (codes <= 0xFFFF))]] = True
            found = lookup[bmp]
            at = np.flatnonzero(found >= 0)
            held = np.zeros((len(texts), count), bool)
            held[owner[at], found[at]] = True
            # Bit k of byte k // 8, as of_texts's little-endian integers have them.
            rows[first : first + len(texts)] = np.packbits(held, axis=1, bitorder="little")
            flags[first : first + len(texts)] = 1
            for j in np.flatnonzero(moved).tolist():
                text = changed[first + j] = normalize(texts[j])
                rows[first + j] = np.frombuffer(_stopword_row(text), np.uint8)
                flags[first + j] = 2
        return cls(rows, changed)

    def holding(self, phrase: str) -> np.ndarray:
        """The passages (ascending) that have every stopword character of ``phrase``."""
        need = sum(self.bits.get(ch, 0) for ch in set(phrase))
        if not need:
            return np.arange(len(self.rows))
        need_bytes = np.frombuffer(need.to_bytes(self.size, "little"), np.uint8)
        columns = np.flatnonzero(need_bytes)
        wanted = need_bytes[columns]
        held = (self.rows[:, columns] & wanted) == wanted
        return np.flatnonzero(held.all(axis=1))


@functools.cache
def _stopword_list() -> tuple[str, ...]:
    return tuple(sorted(ch for ch in stopword_chars() if IDEOGRAPHS.fullmatch(ch)))


def _row_size() -> int:
    return (len(_stopword_list()) + 7) // 8


@functools.cache
def _stopword_bits() -> tuple[dict[str, int], frozenset[str]]:
    chars = _stopword_list()
    return {ch: 1 << k for k, ch in enumerate(chars)}, frozenset(chars)


def _stopword_row(text: str) -> bytes:
    bits, wanted = _stopword_bits()
    return sum(bits[ch] for ch in wanted.intersection(text)).to_bytes(_row_size(), "little")


class CorpusVocabulary:
    """What query expansion may know of one index: its terms, and whether a phrase occurs.

    ``contains`` reads only passages that hold every character and character bigram
    of the phrase (found in their posting lists, rarest first), so nothing is built
    per corpus and a check costs about the same at 10^3 and 10^6 passages (at most
    ``MAX_READS`` passages read, the first that hold them: a phrase not among them
    counts as absent); a phrase of ideographs is looked for in a passage's own text
    where normalising would move none (most passages: ``keeps_ideographs``); a
    phrase whose characters the index cannot vouch for (stopword characters, Latin
    letters) falls back to scanning the whole corpus text, built once on first need.
    """

    # Passages read one by one, at most, for a phrase whose characters are indexed.
    MAX_READS = 256
    # Passages of the rarest posting list checked against the others at first (then
    # twice as many each time), while MAX_READS passages holding them all are not found.
    SLICE = 256
    # Answers to contains() kept, and passages' normalised texts kept (0: none). The
    # phrases are an English question's translations, asked again by question after
    # question, and the passages read are the first of posting lists, the same ones
    # for most phrases: see benchmarks/answer.py --memos.
    PHRASES = 20_000
    TEXTS = 8_192
    # Document frequencies kept: an English word read as pinyin looks up every character
    # of each of its syllables' readings (hundreds), the same ones question after question.
    FREQS = 50_000
    # Whether passages' keeps_ideographs is kept (a byte each): see --memos.
    PLAIN = True

    def __init__(
        self, index: BM25Index, tokenizer: Tokenizer, records: Sequence[PassageRecord]
    ) -> None:
        self.index = index
        self.tokenizer = tokenizer
        self.records = records
        self._text: str | None = None  # the whole corpus text, normalised
        self._stopwords: _StopwordChars | None = None
        self._lock = threading.Lock()
        self._found: dict[str, bool] = {}
        self._texts: dict[int, str] = {}
        self._freqs: dict[str, int] = {}
        # Per passage: 0 not known yet, 1 its text keeps its ideographs when normalised
        # (keeps_ideographs), 2 it does not. An absent phrase reads MAX_READS passages,
        # mostly the same first ones of posting lists, phrase after phrase.
        self._plain = bytearray(len(records))

    def doc_freq(self, term: str) -> int:
        found = self._freqs.get(term)
        if found is None:
            found = self.index.doc_freq(term)
            if len(self._freqs) >= self.FREQS:
                self._freqs = {}
            if self.FREQS:
                self._freqs[term] = found
        return found

    def passages_with(self, term: str) -> np.ndarray:
        """The passages holding the index term ``term`` (ascending)."""
        return self.index.passages_with(term)

    def contains(self, text: str) -> bool:
        found = self._found.get(text)
        if found is None:
            found = self._contains(text)
            if len(self._found) >= self.PHRASES:
                self._found = {}
            if self.PHRASES:
                self._found[text] = found
        return found

    def _passage_text(self, i: int) -> str:
        text = self._texts.get(i)
        if text is None:
            text = normalize(indexed_text(self.records[i]))
            if len(self._texts) >= self.TEXTS:
                self._texts = {}
            if self.TEXTS:
                self._texts[i] = text
        return text

    def _contains(self, text: str) -> bool:
        if not text:
            return False
        indexes_every = self.tokenizer.indexes_every
        keys = [g for g in {text[i : i + 2] for i in range(len(text) - 1)} if indexes_every(g)]
        # A character inside an indexed pair adds nothing: the pair's passages have it.
        paired = set("".join(keys))
        keys += [ch for ch in set(text) - paired if indexes_every(ch)]
        if not keys:
            return self._unvouched(text)
        # Most phrases asked (a translation joined to the next word's) have a pair the
        # corpus never prints: told by the kept document frequencies alone.
        if not all(map(self.doc_freq, keys)):
            return False
        rarest, *postings = sorted((self.index.passages_with(key) for key in keys), key=len)
        # Only passages holding every character and pair of the phrase can hold it. A
        # phrase the corpus prints is almost always in the first of them: past MAX_READS
        # it counts as absent (scanning the whole text for it cost each English or
        # mistyped question up to seconds at 100k passages, benchmarks/answer.py
        # --passages 100000, for a phrase that can at most add a search term). They are
        # found in order, a slice of the rarest posting list at a time (never the whole
        # intersection: a common pair's list holds most of the corpus), and read as found.
        holds = (
            self._holds_ideographs
            if IDEOGRAPHS.fullmatch(text)
            else lambda i, phrase: phrase in self._passage_text(i)
        )
        left, start, step = self.MAX_READS, 0, self.SLICE
        while left > 0 and start < len(rarest):
            found = rarest[start : start + step]
            start, step = start + step, step * 2
            for more in postings:
                found = held_by(more, found)
                if not len(found):
                    break
            found = found[:left].tolist()
            if any(holds(i, text) for i in found):
                return True
            left -= len(found)
        return False

    def _holds_ideographs(self, i: int, text: str) -> bool:
        """``text in self._passage_text(i)`` for ``text`` of ideographs alone."""
        record = self.records[i]
        plain = self._plain[i]
        if not plain:
            plain = 1 if keeps_ideographs(indexed_text(record)) else 2
            if self.PLAIN:
                self._plain[i] = plain
        if plain == 2:
            return text in self._passage_text(i)
        # Piece by piece, not joined: ideographs never span the line breaks between them.
        return (
            text in record.text
            or text in record.article_title
            or text in record.heading
            or text in record.issue.street
        )

    def _unvouched(self, text: str) -> bool:
        """Whether the corpus text holds ``text``, whose characters the index cannot vouch for.

        A phrase of ideographs is looked for only in the passages that have all its
        stopword characters (:class:`_StopwordChars`), elsewhere it cannot be; any other
        phrase in the whole text.
        """
        if IDEOGRAPHS.fullmatch(text) is None:
            return text in self._corpus()
        chars = self._chars()
        changed, records = chars.changed, self.records
        for i in chars.holding(text).tolist():
            moved = changed.get(i)
            if moved is not None:
                if text in moved:
                    return True
                continue
            # Piece by piece, not joined: ideographs never span the line breaks between them.
            record = records[i]
            if (
                text in record.text
                or text in record.article_title
                or text in record.heading
                or text in record.issue.street
            ):
                return True
        return False

    def _chars(self) -> _StopwordChars:
        with self._lock:
            if self._stopwords is None:
                self._stopwords = _StopwordChars.of_records(self.records, self._plain)
            return self._stopwords

    def _corpus(self) -> str:
        with self._lock:
            if self._text is None:
                # Passage by passage (the same text: normalising never reaches across a
                # line break): normalising the whole corpus in one call held the GIL for
                # seconds at 10^5 passages (OpenCC's t2s alone), and every other
                # question and the bot's event loop waited for it.
                self._text = "\n".join([normalize(indexed_text(r)) for r in self.records])
            return self._text


class LiveIndex:
    """The store's passages as a BM25 index, rebuilt when the corpus version moves."""

    # Seconds the question that notices a new corpus version waits for the new index
    # before it is answered from the one in place (see refresh).
    PATIENCE = 0.3

    def __init__(
        self,
        store: Store,
        *,
        tokenizer: Tokenizer,
        bm25: Mapping[str, Any],
        refresh_interval: float = 2.0,
        index_dir: Path | None = None,
        preload: Sequence[Tokenizer] = (),
    ) -> None:
        """
        Args:
            index_dir: where to keep the index between runs, so a restart loads it
                instead of re-tokenising every passage; None keeps it in memory only.
            preload: segmenters answering needs, loaded with the first index rather than
                by the first question that needs one (~60 ms holding the GIL).
        """
        self.store = store
        self.refresh_interval = refresh_interval
        self._preload = tuple(preload)
        self._state: IndexState | None = None
        self._rebuild_lock = threading.Lock()
        # Held while a refresh started by the answer path runs in the background.
        self._aside = threading.Lock()
        self._checked_at = 0.0
        self._index_cache = IndexCache(
            tokenizer=tokenizer,
            bm25=bm25,
            directory=index_dir,
            database=store.engine.url.render_as_string(hide_password=True),
        )
        self._indexed: IndexedCorpus | None = None
        self._vocabulary: tuple[IndexState, CorpusVocabulary] | None = None
        # Called (in the rebuilding thread) once a new index answers questions; the bot
        # uses it to keep the garbage collector off the index.
        self.after_rebuild: list[Callable[[], None]] = []
        # Called (with the session) on every version check, rebuild or not: what else
        # follows the store on the same schedule (the service's synonyms).
        self.on_check: list[Callable[[Session], None]] = []

    def _read_records(self) -> tuple[tuple[PassageRecord, ...], list[str]]:
        """Every passage's record, and the text the index sees of each."""
        with _collector_paused(), self.store.factory() as session:
            records = tuple(queries.all_passages(session))
            return records, [indexed_text(r) for r in records]

    def _build(self, version: int) -> IndexState:
        loaded: IndexedCorpus | type[NotLoaded] | None = NotLoaded
        if self._indexed is None:
            # At start, the saved index is read from disk while the passages are read
            # from the database (both mostly outside the GIL): a shorter cold start.
            with ThreadPoolExecutor(1) as pool:
                saved = pool.submit(self._index_cache.load_saved)
                records, texts = self._read_records()
                loaded = saved.result()
            for tokenizer in self._preload:
                tokenizer.load()
        else:
            records, texts = self._read_records()
        started = time.perf_counter()
        # Reuses the previous index (or the saved one) for unchanged passages.
        self._indexed, how = self._index_cache.update(
            self._indexed,
            version,
            [r.passage_id for r in records],
            texts,
            saved=loaded,
        )
        log.info(
            "index %s: %d passages, corpus version %d, %.0f ms",
            how,
            len(records),
            version,
            (time.perf_counter() - started) * 1000,
        )
        positions = {r.passage_id: i for i, r in enumerate(records)}
        return IndexState(
            version=version, retriever=self._indexed.retriever, records=records, positions=positions
        )

    def refresh(self, *, force: bool = False, wait: bool = True) -> bool:
        """Rebuild the index if the store's corpus version moved; True if it was rebuilt.

        Args:
            force: check the version now, not only once ``refresh_interval`` has passed.
            wait: check and rebuild in this thread, waiting for a build another thread is
                doing. With False (the answer path) the check, and the build if the
                version moved, run in a background thread; the question that started it
                waits at most ``PATIENCE`` seconds for it (an ordinary issue appended to
                the index is in place by then, so it is answered at once, as before),
                every other question not at all; a larger build goes on in the
                background while questions are answered from the index in place. Only
                the very first index is built in the caller's thread either way (there
                is nothing to answer from before it).
        """
        now = time.monotonic()
        if not force and self._state is not None and now - self._checked_at < self.refresh_interval:
            return False
        if not wait and self._state is not None:
            return self._refresh_aside(force)
        with self._rebuild_lock:
            return self._rebuild_if_moved(force)

    def _refresh_aside(self, force: bool) -> bool:
        """Check (and rebuild) in a thread of its own; True if rebuilt within PATIENCE."""
        # One background refresh at a time; questions meanwhile return at once. Not the
        # rebuild lock: that one is held for a whole build (by an ingest's refresh too).
        if not self._aside.acquire(blocking=False):
            return False
        # Moved now, so the questions of the next interval do not each try to start one.
        self._checked_at = time.monotonic()
        rebuilt: list[bool] = []
        done = threading.Event()
        try:
            threading.Thread(
                target=self._refresh_in_background,
                args=(force, rebuilt, done),
                name="linli-index-refresh",
                daemon=True,  # a build under way must not hold up the process's exit
            ).start()
        except BaseException:
            self._aside.release()
            raise
        return done.wait(self.PATIENCE) and rebuilt == [True]

    def _refresh_in_background(
        self, force: bool, rebuilt: list[bool], done: threading.Event
    ) -> None:
        try:
            with self._rebuild_lock:
                rebuilt.append(self._rebuild_if_moved(force))
        except Exception:  # the index in place keeps answering; the next interval retries
            log.exception("refreshing the index failed; answering from the one in place")
        finally:
            self._aside.release()
            done.set()

    def _rebuild_if_moved(self, force: bool) -> bool:
        """Check the version and rebuild; the caller holds the rebuild lock.

        The version is read under the lock: read before it, a thread that waited for
        another's build could take its older reading for a change and build again.
        Only threads that may wait come here, never a question.
        """
        with self.store.factory() as session:
            version = queries.corpus_version(session)
            for check in self.on_check:
                try:
                    check(session)
                except Exception:
                    log.exception("version check %r failed", check)
        self._checked_at = time.monotonic()
        if not force and self._state is not None and self._state.version == version:
            return False
        self._state = self._build(version)
        for hook in self.after_rebuild:
            try:
                hook()
            except Exception:
                log.exception("after-rebuild hook %r failed", hook)
        # Saved after the swap: new passages are answerable before the write ends.
        if self._indexed is not None:
            self._index_cache.save(self._indexed)
        _return_freed_memory()
        return True

    @property
    def loaded(self) -> bool:
        return self._state is not None

    @property
    def state(self) -> IndexState:
        if self._state is None:
            self.refresh(force=True)
        assert self._state is not None
        return self._state

    def vocabulary(self, state: IndexState) -> CorpusVocabulary:
        """What query expansion may know of ``state``'s index."""
        # Follows the index: rebuilt (once, racing threads at worst twice) per new state.
        cached = self._vocabulary
        if cached is None or cached[0] is not state:
            vocabulary = CorpusVocabulary(
                state.retriever.index, state.retriever.tokenizer, state.records
            )
            cached = self._vocabulary = (state, vocabulary)
        return cached[1]


def held_by(postings: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """The ``candidates`` (ascending) that are in ``postings`` (ascending), in order.

    ``np.intersect1d`` of the two, without sorting their concatenation: a few candidates
    against a character's posting list of tens of thousands of passages.
    """
    if not len(postings) or not len(candidates):
        return candidates[:0]
    at = np.searchsorted(postings, candidates)
    np.minimum(at, len(postings) - 1, out=at)
    return candidates[postings[at] == candidates]


def indexed_text(record: PassageRecord) -> str:
    """What the index sees of a passage: street, headline, subhead, then the passage.

    Headlines carry the words residents ask with (锦江区参访团, 加梯梦) that the body
    may not repeat, and residents name their street (凉城, 花木) where the paper names
    the compound; quotes and snippets still come from the passage text alone.
    """
    return "\n".join(
        filter(None, [record.issue.street, record.article_title, record.heading, record.text])
    )

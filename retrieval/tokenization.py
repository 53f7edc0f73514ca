"""One tokenizer for passages and questions: normalise, segment, filter.

Pipeline: :func:`~retrieval.normalize.normalize` → jieba (precise, or search
mode that adds a long word's dictionary sub-words) → drop punctuation,
whitespace, emoji and stopwords → optionally add character bigrams and
unigrams over the runs of CJK characters that are left. Bigrams are the usual
remedy for words jieba does not know (a new estate name, an OCR split); they
are never built across or from a stopword, so 什么时候 gives no 么时.

Each distinct ``userdict`` (and ``extra_words``) gets one segmenter instance
(:mod:`.segmenter`: rjieba or jieba) per process, built lazily under a lock:
loading the dictionary takes about a second and the instance is read-only
afterwards, so threads share it. :class:`~retrieval.memo.MemoTokenizer` keeps a
tokenizer's results for texts seen again.

In precise mode (the default) a word's terms depend only on the word, but for the
bigram across its ends: each word jieba cuts is worked out once and kept in a bounded
memo (:class:`_WordTerms`, :class:`_WordTokens`), so a passage costs one lookup a word
and the bigrams between neighbours. tests/retrieval/test_tokenization_reference.py
holds the result equal to the straightforward per-character pipeline it replaced.

One concept, kept in one module though it passes 400 lines: how text becomes index terms
(words, bigrams, unigrams, stopwords, the user dictionary, offsets and query weights), so
that indexing, querying and highlighting can never disagree about a term.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import re
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from operator import itemgetter
from pathlib import Path
from typing import Literal, NamedTuple, Protocol

from .normalize import normalize, normalize_with_offsets
from .segmenter import RJieba, Segmenter, SegmenterName, new_segmenter, tag_words
from .weighting import character_shares, word_shares

WordMode = Literal["precise", "search", "none"]

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_USERDICT = DATA_DIR / "userdict.txt"
STOPWORDS_FILE = DATA_DIR / "stopwords.txt"

# --- Default options: the one place to change them (the CMRC benchmark decides).
# Words keep names whole (加装电梯, 世纪同乐); character bigrams add their parts
# and rescue words jieba does not know (a new estate name, an OCR split), so a
# resident typing 同乐 or 加梯 still matches. With bigrams on, "search" mode adds
# little (its two-character sub-words are bigrams already) and scored a little
# lower on a 20-question check against the seed issues (MRR 0.82 vs 0.85).
# Character unigrams are off by default because they make poor highlights, but
# scoring with them on (char_unigrams=True, as Linli's service does) added +0.016
# MRR@10 on CMRC 2018 and +3 points hit@1 on the gold set; Retriever.snippet never
# highlights a lone unigram.
DEFAULT_WORDS: WordMode = "precise"
DEFAULT_CHAR_BIGRAMS = True
DEFAULT_CHAR_UNIGRAMS = False
DEFAULT_STOPWORDS = True
# rjieba (jieba-rs) cuts exactly as jieba does (tests/retrieval/test_segmenter.py
# checks every bundled paragraph, both word modes, user dictionary included),
# about 6x faster, and loads its dictionary in a fifth of the time, which is most
# of a cold start. jieba stays available as the reference.
DEFAULT_SEGMENTER: SegmenterName = "rjieba"

_WORD_MODES = ("precise", "search", "none")

# Bump whenever a change to this module, segmenter.py or normalize.py changes the terms a
# text yields: persisted indexes record it and are rebuilt when it differs.
PIPELINE_VERSION = 1


class Token(NamedTuple):
    """A term and the ``[start, end)`` slice of the text it was read from.

    A named tuple: hundreds are made per passage, and a frozen dataclass took three
    times as long to build.
    """

    term: str
    start: int
    end: int


# What one word of jieba's cut yields (Tokenizer._tokens_of_word): its terms, their
# spans in the word, and its first and last character if a bigram may use them.
WordTokens = tuple[tuple[str, ...], tuple[tuple[int, int], ...], str, str]

# Sort key: reading order (Token is (term, start, end)).
_SPAN = itemgetter(1, 2)
# Token((term, start, end)) without the named tuple's Python-level __new__: the
# tokenizer makes hundreds per passage.
as_token = partial(tuple.__new__, Token)


def read_word_list(path: str | Path) -> list[str]:
    """Read a UTF-8 word list: one entry a line, ``#`` comments, blank lines ignored.

    A ``#`` starts a comment at the beginning of a line or after whitespace,
    so an entry such as ``c#`` survives.
    """
    entries = []
    for line in Path(path).read_text(encoding="utf-8").lstrip("\ufeff").splitlines():
        line = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()
        if line:
            entries.append(line)
    return entries


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def _stopwords() -> frozenset[str]:
    return frozenset(normalize(word) for word in read_word_list(STOPWORDS_FILE))


@cache
def _stopword_ends() -> tuple[frozenset[str], frozenset[str]]:
    """The first and the last two characters of the stopwords of two or more: a word
    that neither begins nor ends with one of these has no stopword to split off."""
    long = [word for word in _stopwords() if len(word) >= 2]
    return frozenset(word[:2] for word in long), frozenset(word[-2:] for word in long)


@cache
def _stopword_chars() -> frozenset[str]:
    return frozenset("".join(_stopwords()))


def stopword_chars() -> frozenset[str]:
    """The characters of the bundled stopwords: no n-gram of an index vouches for them
    (see :meth:`Tokenizer.indexes_every`)."""
    return _stopword_chars()


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3134F
    )


# re's \w is str.isalnum() or "_": so this finds a letter, digit or CJK character.
_ALNUM = re.compile(r"[^\W_]")
# The ranges of _is_cjk, as runs.
_CJK_RUN = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0003134f]+")


def _is_content(word: str) -> bool:
    # Letters, digits and CJK are isalnum(); punctuation, spaces and emoji are not.
    return word.isalnum() or _ALNUM.search(word) is not None


_jieba_cache: dict[tuple[str, str | None, tuple[str, ...]], Segmenter] = {}
_jieba_lock = threading.Lock()


def _userdict_lines(path: Path) -> list[str]:
    lines = []
    for entry in read_word_list(path):
        word, *rest = entry.split()
        # jieba segments normalised text, so the dictionary must be normalised too.
        lines.append(" ".join([normalize(word), *rest]))
    return lines


def _jieba_for(
    userdict: Path | None, extra_words: tuple[str, ...], name: SegmenterName = "jieba"
) -> Segmenter:
    key = (name, str(userdict) if userdict is not None else None, extra_words)
    segmenter = _jieba_cache.get(key)
    if segmenter is not None:
        return segmenter
    with _jieba_lock:
        segmenter = _jieba_cache.get(key)
        if segmenter is None:
            segmenter = _jieba_cache[key] = _load_segmenter(userdict, extra_words, name)
    return segmenter


def _load_segmenter(
    userdict: Path | None, extra_words: tuple[str, ...], name: SegmenterName
) -> Segmenter:
    """A new segmenter that keeps stopword phrases, the user dictionary and ``extra_words``."""
    segmenter = new_segmenter(name)
    # Question phrases jieba does not know (哪天, 几号) would be cut into
    # characters and leave 天 or 号 behind; as words they are dropped whole.
    for word in sorted(_stopwords()):
        if len(word) > 1 and all(_is_cjk(ch) for ch in word) and segmenter.lcut(word) != [word]:
            segmenter.add_word(word)
    if userdict is not None:
        # jieba would read "#" lines as words, so it gets the cleaned text.
        segmenter.load_userdict(io.StringIO("\n".join(_userdict_lines(userdict))))
    for word in extra_words:
        segmenter.add_word(word)
    return segmenter


@dataclass(frozen=True, kw_only=True)
class Tokenizer:
    """Turns passages and questions into BM25 terms.

    Args:
        words: ``"precise"`` (jieba's default cut), ``"search"`` (also the
            dictionary sub-words of words longer than two characters) or
            ``"none"`` (no CJK words; Latin and digit words are still kept).
        char_bigrams: add overlapping character pairs over CJK runs.
        char_unigrams: add single CJK characters.
        stopwords: drop the words in ``data/stopwords.txt``.
        userdict: jieba user dictionary (``word [freq] [tag]`` lines, ``#``
            comments); ``None`` for none. Defaults to ``data/userdict.txt``.
        extra_words: more words to keep whole, e.g. names found at runtime.
        segmenter: ``"rjieba"`` (default) or ``"jieba"``, the reference; both cut
            identically.

    Instances are immutable, hashable and cheap; the jieba model behind them
    is shared per process.
    """

    words: WordMode = DEFAULT_WORDS
    char_bigrams: bool = DEFAULT_CHAR_BIGRAMS
    char_unigrams: bool = DEFAULT_CHAR_UNIGRAMS
    stopwords: bool = DEFAULT_STOPWORDS
    userdict: str | Path | None = DEFAULT_USERDICT
    extra_words: Iterable[str] = field(default=())
    segmenter: SegmenterName = DEFAULT_SEGMENTER

    def __post_init__(self) -> None:
        if self.segmenter not in ("rjieba", "jieba"):
            raise ValueError(f"segmenter must be 'rjieba' or 'jieba', not {self.segmenter!r}")
        if self.words not in _WORD_MODES:
            raise ValueError(f"words must be one of {_WORD_MODES}, not {self.words!r}")
        extra = tuple(sorted({normalize(w).strip() for w in self.extra_words} - {""}))
        object.__setattr__(self, "extra_words", extra)
        if self.userdict is not None:
            object.__setattr__(self, "userdict", Path(self.userdict).resolve())

    # -- public API ---------------------------------------------------------

    @staticmethod
    def normalize(text: str) -> str:
        """The normalisation applied before segmentation (see :mod:`.normalize`)."""
        return normalize(text)

    def load(self) -> Tokenizer:
        """Load the jieba model now (it loads lazily otherwise); returns ``self``."""
        self._segmenter()
        return self

    def fingerprint(self) -> dict[str, object]:
        """What the terms of a text depend on, for checking persisted tokens.

        Options, the stopword and user dictionary files (by content hash), the
        segmenter's and OpenCC's versions, and :data:`PIPELINE_VERSION`.
        """
        userdict = self.userdict if isinstance(self.userdict, Path) else None
        return {
            "pipeline": PIPELINE_VERSION,
            "words": self.words,
            "char_bigrams": self.char_bigrams,
            "char_unigrams": self.char_unigrams,
            "stopwords": _file_hash(STOPWORDS_FILE) if self.stopwords else None,
            "userdict": _file_hash(userdict) if userdict is not None else None,
            "extra_words": list(self.extra_words),
            "segmenter": self.segmenter,
            "jieba": importlib.metadata.version("jieba"),
            "rjieba": importlib.metadata.version("rjieba"),
            "opencc": importlib.metadata.version("OpenCC"),
        }

    def is_stopword(self, term: str) -> bool:
        """Whether ``term`` (already normalised) is dropped as a stopword."""
        return self.stopwords and term in _stopwords()

    def indexes_every(self, gram: str) -> bool:
        """Whether every occurrence of ``gram`` in a normalised text yields the term ``gram``.

        True for one CJK character with unigrams on, or two with bigrams on, unless a
        stopword holds one of them (a dropped stopword's characters yield no n-grams).
        Then the passages with the term are all the passages whose text has ``gram``.
        """
        if not ((len(gram) == 1 and self.char_unigrams) or (len(gram) == 2 and self.char_bigrams)):
            return False
        stop = _stopword_chars() if self.stopwords else frozenset()
        # isalnum: unassigned code points in the CJK blocks are never indexed.
        return all(_is_cjk(ch) and ch.isalnum() and ch not in stop for ch in gram)

    def tokenize(self, text: str) -> list[str]:
        """Terms of ``text`` in reading order (duplicates kept: they are term frequency)."""
        if self.words == "precise":
            return self._terms(normalize(text))
        return [token.term for token in self._analyze(normalize(text))]

    def query_terms(self, text: str) -> dict[str, float]:
        """``text`` as a question: its terms, each weighted by its share of the characters.

        The same terms as :meth:`tokenize`, but a character read by several terms (a
        word, its bigrams, its unigram) splits one vote among them instead of giving
        each a full one (:func:`~retrieval.weighting.character_shares`). This is what
        :meth:`Retriever.search <retrieval.Retriever.search>` scores a question with.
        """
        text = normalize(text)
        if self.words != "precise" or not text:
            return character_shares(self._analyze(text))
        # The same weights as character_shares(self._precise_tokens(text)), put together
        # from each word's shares (a memo, :class:`_WordShares`), without Token objects:
        # this ran as long as the search itself at 10k passages.
        stop = _stopwords() if self.stopwords else frozenset()
        entries = list(map(_word_shares(self).__getitem__, self._cut(text)))
        grams = []  # the bigram across the start of each word, or ""
        before = ""
        for _, head, tail, _ in entries:
            gram = before + head if before and head else ""
            grams.append(gram if gram not in stop else "")
            before = tail
        grams.append("")
        weights: dict[str, float] = {}
        get = weights.get
        last = 0.0  # what the last character of the word before gives a term reading it
        for i, (terms, _, _, variants) in enumerate(entries):
            gram = grams[i]
            own, first, last_here = variants[(2 if gram else 0) + (1 if grams[i + 1] else 0)]
            if gram:
                weights[gram] = get(gram, 0.0) + (last + first) / 2
            for term, share in zip(terms, own, strict=True):
                weights[term] = get(term, 0.0) + share
            last = last_here
        return weights

    def tokenize_with_spans(self, text: str) -> list[Token]:
        """Like :meth:`tokenize`, with each term's slice of the ORIGINAL ``text``.

        Offsets refer to ``text`` as given, even when it is traditional or
        full-width, so a renderer can mark matches where the reader sees them.
        """
        mapped = normalize_with_offsets(text)
        tokens = self._analyze(mapped.text)
        if mapped.identity:
            return tokens
        span = mapped.original_span
        return [as_token((token.term, *span(token.start, token.end))) for token in tokens]

    def matches(self, text: str, terms: Collection[str]) -> list[Token]:
        """The tokens of ``text`` whose term is one of ``terms``, in reading order."""
        return [token for token in self.tokenize_with_spans(text) if token.term in terms]

    def parts_of_speech(self, text: str) -> list[tuple[str, str]]:
        """``(word, part of speech)`` of the words of normalised ``text`` (jieba's tags:
        n noun, v verb, t time, f locative, r pronoun, ...), with this tokenizer's words."""
        return tag_words(self._segmenter(), normalize(text)) if text else []

    # -- pipeline -------------------------------------------------------------

    def _segmenter(self) -> Segmenter:
        userdict = self.userdict if isinstance(self.userdict, Path) else None
        return _jieba_for(userdict, tuple(self.extra_words), self.segmenter)

    def _analyze(self, text: str) -> list[Token]:
        """Terms of an already normalised ``text`` with offsets into it."""
        if not text:
            return []
        if self.words == "precise":
            return self._precise_tokens(text)
        segmenter = self._segmenter()
        stop = _stopwords() if self.stopwords else frozenset()
        want_ngrams = self.char_bigrams or self.char_unigrams
        # Characters that n-grams must not use: stopwords, punctuation, spaces.
        blocked = bytearray(len(text)) if want_ngrams else None
        tokens: list[Token] = []
        for word, start, end in self._words(segmenter, text, stop):
            if not _is_content(word) or word in stop:
                if blocked is not None:
                    blocked[start:end] = b"\x01" * (end - start)
                continue
            if self.words == "none" and any(_is_cjk(ch) for ch in word):
                continue
            if self.words == "search":
                tokens.extend(self._sub_words(segmenter, word, start, stop))
            tokens.append(as_token((word, start, end)))

        if blocked is not None:
            tokens.extend(self._char_ngrams(text, blocked, tokens, stop))
            tokens.sort(key=_SPAN)
        return tokens

    def _terms(self, text: str) -> list[str]:
        """The terms :meth:`_analyze` gives for normalised ``text`` in precise mode, made
        from each word's own terms (:class:`_WordTerms`, a memo: words repeat) and the
        bigram across each pair of neighbouring words, without Token objects, offsets or
        a sort (indexing runs this for every passage; tests/retrieval/test_tokenization.py
        and test_tokenization_reference.py hold it equal to the Token path).
        """
        if not text:
            return []
        stop = _stopwords() if self.stopwords else frozenset()
        terms: list[str] = []
        extend, add = terms.extend, terms.append
        before = ""
        for own, head, tail in map(_word_terms(self).__getitem__, self._cut(text)):
            if before and head:
                gram = before + head
                if gram not in stop:
                    add(gram)
            extend(own)
            before = tail
        return terms

    def _precise_tokens(self, text: str) -> list[Token]:
        """:meth:`_terms` with each term's span: the same words' tokens (a memo of their
        own, :class:`_WordTokens`), moved to where each word is."""
        stop = _stopwords() if self.stopwords else frozenset()
        tokens: list[Token] = []
        add = tokens.append
        before = ""
        at = 0
        words = self._cut(text)
        for word, (terms, spans, head, tail) in zip(
            words, map(_word_tokens(self).__getitem__, words), strict=True
        ):
            if before and head:
                gram = before + head
                if gram not in stop:
                    add(as_token((gram, at - 1, at + 1)))
            for term, (start, end) in zip(terms, spans, strict=True):
                add(as_token((term, at + start, at + end)))
            before = tail
            at += len(word)
        return tokens

    def _cut(self, text: str) -> list[str]:
        """jieba's precise cut of ``text`` (HMM on), as a list of words."""
        segmenter = self._segmenter()
        if isinstance(segmenter, RJieba):
            return segmenter.lcut(text)
        return segmenter.lcut(text, HMM=True)

    def _terms_of_word(self, word: str) -> tuple[tuple[str, ...], str, str]:
        """:meth:`_tokens_of_word` without the spans (what :meth:`_terms` needs)."""
        terms, _, first, last = self._tokens_of_word(word)
        return terms, first, last

    def _tokens_of_word(self, word: str) -> WordTokens:
        """The terms one word of jieba's cut yields in reading order, but for the bigram
        across its end (which depends on the next word), their ``(start, end)`` in the
        word, and the characters it offers such a bigram: ``(terms, spans, first, last)``,
        ``""`` where it offers none.

        Reading order is (start, end): at each position of a word, its unigram, then
        its bigram, and the word itself at its start, in the slot of the gram it
        coincides with (one or two characters) or after both.
        """
        stop = _stopwords() if self.stopwords else frozenset()
        unigrams, bigrams = self.char_unigrams, self.char_bigrams
        n = len(word)
        terms: list[str] = []
        spans: list[tuple[int, int]] = []
        heads, tails = _stopword_ends() if stop else (frozenset(), frozenset())
        if (
            word.isalnum()
            and _CJK_RUN.fullmatch(word)
            and not (n > 2 and (word[:2] in heads or word[-2:] in tails))
        ):
            # Most words: CJK only, and no stopword to split off. The loop below, unrolled.
            if word in stop:
                return (), (), "", ""
            ends = (word[0], word[-1]) if bigrams else ("", "")
            if n == 1 or not (unigrams or bigrams):
                return (word,), ((0, n),), *ends
            for i in range(n):
                if unigrams and word[i] not in stop:
                    terms.append(word[i])
                    spans.append((i, i + 1))
                if i == 0 and n == 2:
                    terms.append(word)
                    spans.append((0, 2))
                elif bigrams and i + 1 < n and word[i : i + 2] not in stop:
                    terms.append(word[i : i + 2])
                    spans.append((i, i + 2))
                if i == 0 and n > 2:
                    terms.append(word)
                    spans.append((0, n))
            return tuple(terms), tuple(spans), *ends
        # usable[i]: word[i] may start or end an n-gram (CJK, in no dropped piece).
        usable = bytearray(n + 1)
        if unigrams or bigrams:
            for run in _CJK_RUN.finditer(word):
                usable[run.start() : run.end()] = b"\x01" * (run.end() - run.start())
        kept = []
        for piece, start, end in self._pieces(word, 0, n, stop):
            if piece in stop or not _is_content(piece):
                usable[start:end] = bytes(end - start)
            else:
                kept.append((piece, start, end))
        if not (unigrams or bigrams):
            return (
                tuple(piece for piece, _, _ in kept),
                tuple((start, end) for _, start, end in kept),
                "",
                "",
            )

        def add(term: str, start: int, end: int) -> None:
            terms.append(term)
            spans.append((start, end))

        for piece, start, end in kept:
            size = end - start
            for i in range(start, end):
                if usable[i]:
                    if i == start and size == 1:
                        add(piece, start, end)
                    elif unigrams and word[i] not in stop:
                        add(word[i], i, i + 1)
                    if i == start and size == 2:
                        add(piece, start, end)
                    elif bigrams and usable[i + 1]:
                        gram = word[i : i + 2]
                        if gram not in stop:
                            add(gram, i, i + 2)
                elif i == start and size <= 2:
                    add(piece, start, end)
                if i == start and size > 2:
                    add(piece, start, end)
        if not bigrams:
            return tuple(terms), tuple(spans), "", ""
        first, last = word[0] if usable[0] else "", word[-1] if usable[n - 1] else ""
        return tuple(terms), tuple(spans), first, last

    @classmethod
    def _words(
        cls, segmenter: Segmenter, text: str, stop: frozenset[str]
    ) -> Iterator[tuple[str, int, int]]:
        """jieba's precise cut, with stopwords glued to a word split off again."""
        for word, start, end in segmenter.tokenize(text, mode="default", HMM=True):
            yield from cls._pieces(word, start, end, stop)

    @staticmethod
    def _pieces(
        word: str, start: int, end: int, stop: frozenset[str]
    ) -> Iterator[tuple[str, int, int]]:
        """``word`` (at ``[start, end)``), with a stopword glued to either end split off.

        jieba's dictionary holds phrases such as 哪些项目 or 多少钱; left whole
        they would never match a passage, so a leading or trailing stopword of
        two or more characters becomes a word of its own.
        """
        if len(word) <= 2 or word in stop or not stop:
            yield word, start, end
            return
        head = next((n for n in range(len(word) - 1, 1, -1) if word[:n] in stop), 0)
        tail = next(
            (n for n in range(len(word) - head - 1, 1, -1) if word[len(word) - n :] in stop),
            0,
        )
        if head:
            yield word[:head], start, start + head
        yield word[head : len(word) - tail], start + head, end - tail
        if tail:
            yield word[len(word) - tail :], end - tail, end

    @staticmethod
    def _sub_words(
        segmenter: Segmenter, word: str, start: int, stop: frozenset[str]
    ) -> list[Token]:
        # Same rule as jieba's tokenize(mode="search"), applied to the precise cut
        # we already have instead of segmenting twice.
        subs = []
        for size in (2, 3):
            if len(word) <= size:
                break
            for i in range(len(word) - size + 1):
                gram = word[i : i + size]
                if segmenter.FREQ.get(gram) and gram not in stop:
                    subs.append(Token(gram, start + i, start + i + size))
        return subs

    def _char_ngrams(
        self, text: str, blocked: bytearray, words: list[Token], stop: frozenset[str]
    ) -> list[Token]:
        # A bigram or unigram that coincides with a word already emitted would
        # count the same evidence twice.
        taken = {(t.start, t.end) for t in words}
        unigrams, bigrams = self.char_unigrams, self.char_bigrams
        grams = []
        for run in _CJK_RUN.finditer(text):
            end = run.end()
            for i in range(run.start(), end):
                if blocked[i]:
                    continue
                if unigrams and (i, i + 1) not in taken and text[i] not in stop:
                    grams.append(as_token((text[i], i, i + 1)))
                if bigrams and i + 1 < end and not blocked[i + 1] and (i, i + 2) not in taken:
                    gram = text[i : i + 2]
                    if gram not in stop:
                        grams.append(as_token((gram, i, i + 2)))
        return grams


# How many distinct words a tokenizer keeps the terms of: words repeat heavily (a
# passage's words are mostly among the city's few tens of thousands), and the bound keeps
# a corpus's long tail of names and numbers from growing it without end.
WORD_MEMO_SIZE = 1 << 15


class _WordTerms(dict[str, tuple[tuple[str, ...], str, str]]):
    """Word -> :meth:`Tokenizer._terms_of_word`, filled on first use and emptied when full.

    A dict with ``__missing__``: a word seen before costs one lookup in C.
    """

    def __init__(self, tokenizer: Tokenizer) -> None:
        super().__init__()
        self._of = tokenizer._terms_of_word

    def __missing__(self, word: str) -> tuple[tuple[str, ...], str, str]:
        if len(self) >= WORD_MEMO_SIZE:
            self.clear()
        out = self[word] = self._of(word)
        return out


_word_terms_memo: dict[Tokenizer, _WordTerms] = {}


def _word_terms(tokenizer: Tokenizer) -> _WordTerms:
    memo = _word_terms_memo.get(tokenizer)
    if memo is None:
        memo = _word_terms_memo.setdefault(tokenizer, _WordTerms(tokenizer))
    return memo


class _WordTokens(dict[str, WordTokens]):
    """Word -> :meth:`Tokenizer._tokens_of_word`, as :class:`_WordTerms` (spans too:
    for :meth:`Tokenizer.tokenize_with_spans` and :meth:`Tokenizer.query_terms`)."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        super().__init__()
        self._of = tokenizer._tokens_of_word

    def __missing__(self, word: str) -> WordTokens:
        if len(self) >= WORD_MEMO_SIZE:
            self.clear()
        out = self[word] = self._of(word)
        return out


_word_tokens_memo: dict[Tokenizer, _WordTokens] = {}


# A word's shares of a question's characters (word_shares' three values) with and without
# a bigram across its start and its end: indexed by 2 * (bigram before) + (bigram after).
ShareVariants = tuple[tuple[tuple[float, ...], float, float], ...]


class _WordShares(dict[str, tuple[tuple[str, ...], str, str, ShareVariants]]):
    """Word -> its terms, the characters it offers the bigrams across its ends (as
    :meth:`Tokenizer._tokens_of_word`) and its terms' shares of the question's characters
    for each way bigrams may cross its ends (:func:`~retrieval.weighting.word_shares`),
    for :meth:`Tokenizer.query_terms`: one lookup a word."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        super().__init__()
        self._tokens_of = tokenizer._tokens_of_word
        # The shares depend only on the word's shape (its terms' spans and its length),
        # and words share a few dozen shapes: a word new to the memo (most words of a
        # question never seen before) costs a lookup, not word_shares' arithmetic.
        self.by_shape: dict[tuple[tuple[tuple[int, int], ...], int], ShareVariants] = {}

    def __missing__(self, word: str) -> tuple[tuple[str, ...], str, str, ShareVariants]:
        if len(self) >= WORD_MEMO_SIZE:
            self.clear()
        terms, spans, head, tail = self._tokens_of(word)
        shape = (spans, len(word))
        variants = self.by_shape.get(shape)
        if variants is None:
            if len(self.by_shape) >= WORD_MEMO_SIZE:
                self.by_shape.clear()
            variants = self.by_shape[shape] = tuple(
                word_shares(spans, len(word), left, right)
                for left in (False, True)
                for right in (False, True)
            )
        out = self[word] = (terms, head, tail, variants)
        return out


_word_shares_memo: dict[Tokenizer, _WordShares] = {}


def _word_shares(tokenizer: Tokenizer) -> _WordShares:
    memo = _word_shares_memo.get(tokenizer)
    if memo is None:
        memo = _word_shares_memo.setdefault(tokenizer, _WordShares(tokenizer))
    return memo


def _word_tokens(tokenizer: Tokenizer) -> _WordTokens:
    memo = _word_tokens_memo.get(tokenizer)
    if memo is None:
        memo = _word_tokens_memo.setdefault(tokenizer, _WordTokens(tokenizer))
    return memo


class Analyzer(Protocol):
    """What snippet selection needs of a tokenizer.

    A :class:`Tokenizer` or a :class:`~retrieval.memo.MemoTokenizer`.
    """

    def normalize(self, text: str) -> str: ...

    def tokenize(self, text: str) -> Sequence[str]: ...

    def tokenize_with_spans(self, text: str) -> Sequence[Token]: ...

    def matches(self, text: str, terms: Collection[str]) -> list[Token]: ...

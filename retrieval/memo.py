"""A memo of a :class:`~retrieval.tokenization.Tokenizer`'s results for texts seen again.

The answer path tokenises the same passages for question after question (to
choose and mark quotes); :class:`MemoTokenizer` keeps the results of the texts
used last, as plain columns (:class:`_SpanTable`) the garbage collector does not
need to walk.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Collection, Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType
from typing import NamedTuple

from .normalize import ONE_FOR_ONE, normalize, normalize_with_offsets
from .tokenization import Token, Tokenizer, as_token

# Characters no term of any Tokenizer starts, ends or runs across, in a normalised text:
# jieba cuts the runs of CJK characters, letters, digits and +#&._%- between them each on
# its own (its "blocks"), and n-grams join only neighbouring CJK characters. So a text's
# tokens are its clauses' tokens, clause after clause, and a term's clauses are the only
# ones it needs segmented (tests/retrieval/test_memo.py checks it on every bundled text).
_BREAK_CHARS = r"\s,;:?!()\[\]。，、；：？！“”‘’（）《》〈〉【】「」『』"
_BREAKS = re.compile(f"[{_BREAK_CHARS}]")
_CLAUSE = re.compile(f"[^{_BREAK_CHARS}]+")


def _in_place(text: str, norm: str) -> bool:
    """Whether ``norm``, the normalised ``text``, has each character where ``text`` has
    the one it came from (as ``normalize_with_offsets(text).identity``)."""
    if len(norm) == len(text) and ONE_FOR_ONE.fullmatch(text) is not None:
        return True
    return normalize_with_offsets(text).identity


class Clauses(NamedTuple):
    """A text's runs between break characters (see :data:`_BREAKS`) and their offsets."""

    starts: tuple[int, ...]
    texts: tuple[str, ...]

    def around(self, text: str, term: str) -> list[int]:
        """The indexes of the clauses holding ``term`` (which has no break character)."""
        found = []
        at = text.find(term)
        while at >= 0:
            i = bisect_right(self.starts, at) - 1
            found.append(i)
            at = text.find(term, self.starts[i] + len(self.texts[i]))
        return found


def clauses_of(text: str) -> Clauses:
    """The runs of ``text`` between :data:`_BREAKS` characters, with their offsets."""
    found = [(m.start(), m.group()) for m in _CLAUSE.finditer(text)]
    if not found:
        return Clauses((), ())
    starts, texts = zip(*found, strict=True)
    return Clauses(starts, texts)


def _columns(
    tokens: Sequence[Token],
) -> tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...]]:
    if not tokens:
        return (), (), ()
    terms, starts, ends = map(tuple, zip(*tokens, strict=True))
    return terms, starts, ends


def positions_of(tokens: Sequence[Token]) -> Mapping[str, tuple[int, ...]]:
    """Each term of ``tokens`` and the indexes where it occurs, in order (read-only)."""
    where: dict[str, list[int]] = {}
    for i, token in enumerate(tokens):
        where.setdefault(token.term, []).append(i)
    return MappingProxyType({term: tuple(indexes) for term, indexes in where.items()})


class _SpanTable(NamedTuple):
    """A text's tokens as plain columns, as MemoTokenizer keeps them.

    Columns of ints and strings, not Token objects: the collector stops tracking plain
    tuples of such values, while hundreds of thousands of cached Tokens (a tuple
    subclass) stayed tracked and were walked by every full collection (20-45 ms pauses
    with a city's corpus).
    """

    terms: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    positions: Mapping[str, tuple[int, ...]]

    @classmethod
    def of(cls, tokens: Sequence[Token]) -> _SpanTable:
        if not tokens:
            return cls((), (), (), positions_of(()))
        terms, starts, ends = map(tuple, zip(*tokens, strict=True))
        return cls(terms, starts, ends, positions_of(tokens))

    def token(self, i: int) -> Token:
        return as_token((self.terms[i], self.starts[i], self.ends[i]))


class MemoTokenizer:
    """A :class:`Tokenizer` that keeps its results for the ``size`` texts used last.

    For callers that tokenise the same short texts again and again (a passage quoted
    for question after question); not for indexing, where every text comes once.
    Results are tuples, shared between callers. Thread-safe (``functools.lru_cache``).
    """

    def __init__(self, tokenizer: Tokenizer, size: int = 1024) -> None:
        self.tokenizer = tokenizer
        self._terms = lru_cache(size)(lambda text: tuple(tokenizer.tokenize(text)))
        self._tables = lru_cache(size)(
            lambda text: _SpanTable.of(tokenizer.tokenize_with_spans(text))
        )
        self._normalized = lru_cache(size)(normalize)
        self._clauses = lru_cache(size)(clauses_of)
        # A clause's tokens as columns, without the table's term positions (a clause
        # has few tokens: reading them all is cheaper than indexing them).
        self._columns = lru_cache(size)(lambda text: _columns(tokenizer.tokenize_with_spans(text)))
        # Not through the memo of tokenize: a clause's terms are asked only as a set,
        # and keeping them there too pushed out the whole texts that memo is for.
        self._sets = lru_cache(size)(lambda text: frozenset(tokenizer.tokenize(text)))

    def normalize(self, text: str) -> str:
        """:meth:`Tokenizer.normalize`, memoised."""
        return self._normalized(text)

    def tokenize(self, text: str) -> tuple[str, ...]:
        """:meth:`Tokenizer.tokenize`, memoised."""
        return self._terms(text)

    def tokenize_with_spans(self, text: str) -> tuple[Token, ...]:
        """:meth:`Tokenizer.tokenize_with_spans`, memoised."""
        table = self._tables(text)
        return tuple(map(table.token, range(len(table.terms))))

    def term_positions(self, text: str) -> Mapping[str, tuple[int, ...]]:
        """Where each term is in :meth:`tokenize_with_spans` ``(text)``: indexes into it."""
        return self._tables(text).positions

    def matches(self, text: str, terms: Collection[str]) -> list[Token]:
        """The tokens of ``text`` whose term is one of ``terms``, in reading order.

        Only the clauses holding one of the terms' characters are segmented (see
        :data:`_BREAKS`): a passage is quoted once for a question, and most of it has
        none of the question's words.
        """
        norm = self.normalize(text)
        present = [t for t in terms if t and t in norm]
        if not present:
            return []
        # Unless the normalised characters stand where the text's own do (most texts:
        # full-width punctuation becomes half-width one for one), the offsets of the
        # normalised clauses' tokens are not offsets in the text.
        if not _in_place(text, norm) or any(map(_BREAKS.search, present)):
            return self._matches_whole(text, present)
        if len(set(present)) < len(present):  # a term asked twice is found twice
            return self._matches_whole(text, present)
        wanted = frozenset(present)
        clauses = self._clauses(norm)
        found: list[Token] = []
        add = found.append
        for i in sorted({i for t in present for i in clauses.around(norm, t)}):
            start = clauses.starts[i]
            terms_, starts, ends = self._columns(clauses.texts[i])
            for term, first, last in zip(terms_, starts, ends, strict=True):
                if term in wanted:
                    add(as_token((term, first + start, last + start)))
        return found

    def _matches_whole(self, text: str, terms: Collection[str]) -> list[Token]:
        table = self._tables(text)
        where = table.positions
        return [table.token(i) for i in sorted(i for t in terms for i in where.get(t, ()))]

    def holds(self, text: str, term: str) -> bool:
        """Whether ``term`` is one of the terms of ``text``, which must be normalised.

        As ``term in term_set(text)``, segmenting only the clauses that hold ``term``.
        """
        if not term or term not in text:
            return False
        if _BREAKS.search(term):
            return term in self.term_set(text)
        clauses = self._clauses(text)
        sets = self._sets
        return any(term in sets(clauses.texts[i]) for i in clauses.around(text, term))

    def term_set(self, text: str) -> frozenset[str]:
        """The distinct terms of ``text`` (for membership tests)."""
        return self._sets(text)

"""A memo of a :class:`~retrieval.tokenization.Tokenizer`'s results for texts seen again.

The answer path tokenises the same passages for question after question (to
choose and mark quotes); :class:`MemoTokenizer` keeps the results of the texts
used last, as plain columns (:class:`_SpanTable`) the garbage collector does not
need to walk.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType
from typing import NamedTuple

from .normalize import normalize
from .tokenization import Token, Tokenizer, as_token


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
        # The cached function, not self, in the closure: no reference cycle (the bot
        # freezes the heap, and frozen cycles are never freed).
        terms = self._terms
        self._sets = lru_cache(size)(lambda text: frozenset(terms(text)))

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
        """The tokens of ``text`` whose term is one of ``terms``, in reading order."""
        table = self._tables(text)
        where = table.positions
        return [table.token(i) for i in sorted(i for t in terms for i in where.get(t, ()))]

    def term_set(self, text: str) -> frozenset[str]:
        """The distinct terms of ``text`` (for membership tests)."""
        return self._sets(text)

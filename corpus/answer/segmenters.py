"""The segmenters the answer path shares, each keeping its tokens for recent texts.

Answering re-reads the same passages, titles and headings question after question;
their tokens are kept (as plain columns, see ``MemoTokenizer``), enough for a street's
whole newspaper. Coverage, quoting and direct answers all read them through here.
"""

from __future__ import annotations

from pathlib import Path

from corpus.answer.live_index import IndexState
from retrieval import MemoTokenizer, Tokenizer

# Texts whose tokens are kept, per tokenizer: more than a street's popular passages.
TEXT_CACHE = 512


class Segmenters:
    """Words alone and bigrams alone (to judge relevance) and the index's highlighter."""

    def __init__(self, userdict: str | Path | None) -> None:
        self.words = MemoTokenizer(
            Tokenizer(words="precise", char_bigrams=False, char_unigrams=False, userdict=userdict),
            TEXT_CACHE,
        )
        self.bigrams = MemoTokenizer(
            Tokenizer(words="none", char_bigrams=True, char_unigrams=False, userdict=None),
            TEXT_CACHE,
        )
        self._highlighters: tuple[Tokenizer, MemoTokenizer] | None = None

    @property
    def preload(self) -> tuple[Tokenizer, ...]:
        """The tokenizers to load with the first index, not on a resident's question."""
        return (self.words.tokenizer, self.bigrams.tokenizer)

    def highlighter(self, state: IndexState) -> MemoTokenizer:
        """The index's highlighting tokenizer, keeping its results for recent texts."""
        current = self._highlighters
        if current is None or current[0] is not state.retriever.highlighter:
            current = (
                state.retriever.highlighter,
                MemoTokenizer(state.retriever.highlighter, TEXT_CACHE),
            )
            self._highlighters = current
        return current[1]

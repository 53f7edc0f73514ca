"""The segmenters the answer path shares, each keeping its tokens for recent texts.

Answering re-reads the same passages, titles and headings question after question;
their tokens are kept (as plain columns, see ``MemoTokenizer``), enough for a street's
whole newspaper. Coverage, quoting and direct answers all read them through here.
"""

from __future__ import annotations

from pathlib import Path

from corpus.answer.live_index import IndexState
from retrieval import MemoTokenizer, Tokenizer
from retrieval.normalize import normalize
from retrieval.tokenization import read_word_list

# Texts whose tokens are kept, per tokenizer and memo: more than a street's popular
# passages, and at a city's scale the clauses of the passages questions come back to
# (its worth and memory: benchmarks/answer.py --text-cache).
TEXT_CACHE = 8192
# A word this long may be held by its parts (Segmenters.parts_of); a shorter one's parts
# are a word and a character (快递柜: 快递, 柜), and a character says little.
PARTS_FROM = 4


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
        self._compounds: dict[str, tuple[str, ...]] | None = None
        self._parts: dict[str, tuple[str, ...]] = {}

    def compounds_of(self, word: str) -> tuple[str, ...]:
        """The user dictionary's compounds that hold ``word`` as a dictionary sub-word.

        The user dictionary glues local terms (加装电梯, 楼道堆物) into one word, and the
        index reads their sub-words too (search mode): a resident asking about 电梯
        asks about what 加装电梯 says.
        """
        if self._compounds is None:
            self._compounds = self._read_compounds()
        return self._compounds.get(word, ())

    def _read_compounds(self) -> dict[str, tuple[str, ...]]:
        """Sub-word → compounds, by the index's search-mode rule (dictionary 2- and
        3-grams of the word, stopwords left out)."""
        tokenizer = self.words.tokenizer
        if not isinstance(tokenizer.userdict, Path):
            return {}
        dictionary = tokenizer._segmenter().FREQ.get
        found: dict[str, dict[str, None]] = {}
        for entry in read_word_list(tokenizer.userdict):
            compound = normalize(entry.split()[0])
            for size in (2, 3):
                for i in range(len(compound) - size + 1):
                    gram = compound[i : i + size]
                    if gram != compound and dictionary(gram) and not tokenizer.is_stopword(gram):
                        found.setdefault(gram, {})[compound] = None
        return {gram: tuple(compounds) for gram, compounds in found.items()}

    def parts_of(self, word: str) -> tuple[tuple[str, str], ...]:
        """The ways ``word`` splits in two runs of two or more characters, one of them a
        dictionary word (凉城文化中心 → 凉城 + 文化中心); () if it is shorter than
        PARTS_FROM characters.

        A resident writes a place or a body as one run (凉城文化中心) where the paper
        prints its parts apart (the street in the masthead, 文化中心 in the text): the run
        is held where both parts of one split are, as it would be had the resident put
        a space in it.
        """
        found = self._parts.get(word)
        if found is None:
            found = self._split(word) if len(word) >= PARTS_FROM else ()
            if len(self._parts) > TEXT_CACHE:
                self._parts = {}
            self._parts[word] = found
        return found

    def _split(self, word: str) -> tuple[tuple[str, str], ...]:
        tokenizer = self.words.tokenizer
        dictionary = tokenizer._segmenter().FREQ.get
        splits = []
        for at in range(2, len(word) - 1):
            head, tail = word[:at], word[at:]
            if any(dictionary(part) and not tokenizer.is_stopword(part) for part in (head, tail)):
                splits.append((head, tail))
        return tuple(splits)

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

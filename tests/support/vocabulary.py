"""A corpus as query expansion sees it (retrieval.expansion.Vocabulary), for tests."""

from __future__ import annotations

from collections import Counter

from retrieval import Tokenizer


class FakeVocabulary:
    """The index terms and the text of a few invented passages."""

    def __init__(self, texts: list[str], tokenizer: Tokenizer) -> None:
        self.text = "\n".join(texts)
        self.df: Counter[str] = Counter()
        for text in texts:
            self.df.update(set(tokenizer.tokenize(text)))

    def doc_freq(self, term: str) -> int:
        return self.df[term]

    def contains(self, text: str) -> bool:
        return text in self.text

"""The public face of retrieval: texts in, ranked hits out.

A :class:`Retriever` couples one :class:`~retrieval.tokenization.Tokenizer`
with one :class:`~retrieval.index.BM25Index`, so passages and questions are
always tokenised the same way. It keeps no texts: a :class:`Hit` names the
position of a passage in the sequence the caller indexed.

``search`` is safe to call from several threads at once (the bot runs it in
``asyncio.to_thread``); ``add`` may run concurrently with searches, which see
the index either before or after the addition.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .context import DEFAULT_CONTEXT_WEIGHT, context_of
from .index import DEFAULT_B, DEFAULT_K1, BM25Index, IdfMode, QueryTerms
from .index.parallel import build_texts
from .snippets import Snippet, best_snippet
from .tokenization import Tokenizer, WordMode


class _Default:
    """Sentinel: ``userdict`` not given (``None`` means "no user dictionary")."""


def scoring_tokenizer(**options: Any) -> Tokenizer:
    """The tokenizer a Retriever scores with unless given one: what the bot serves.

    :class:`Tokenizer`'s defaults plus character unigrams: single characters make poor
    highlights (the highlighter drops them) but help scoring (+0.016 MRR@10 on CMRC 2018
    trial), so one configuration is measured, served and shipped as the default.
    """
    options.setdefault("char_unigrams", True)
    return Tokenizer(**options)


@dataclass(frozen=True, slots=True)
class Hit:
    """A passage that matched: its position in the indexed texts and its BM25 score."""

    index: int
    score: float


_new = object.__new__
_set_index = Hit.__dict__["index"].__set__
_set_score = Hit.__dict__["score"].__set__


def _hits(ids: list[int], scores: list[float]) -> list[Hit]:
    """``Hit(i, s)`` for each pair, made without the frozen dataclass's ``__init__``
    (two ``object.__setattr__`` calls a hit; at small corpora the ten hits of a
    search cost a tenth of it)."""
    hits = []
    for i, s in zip(ids, scores, strict=True):
        hit = _new(Hit)
        _set_index(hit, i)
        _set_score(hit, s)
        hits.append(hit)
    return hits


class Retriever:
    """BM25 search over passages tokenised by one :class:`Tokenizer`.

    Build with :meth:`from_texts` or :meth:`from_tokens` rather than directly.

    ``context`` is how much a question's term counts for a passage that lacks it when
    the passage indexed just before has it (:mod:`retrieval.context`: passages are
    taken to be indexed in reading order); 0 scores every passage on its own.
    """

    def __init__(
        self, index: BM25Index, tokenizer: Tokenizer, *, context: float = DEFAULT_CONTEXT_WEIGHT
    ) -> None:
        if not context >= 0:
            raise ValueError(f"context must be >= 0, not {context}")
        self.index = index
        self.tokenizer = tokenizer
        self.context = float(context)
        # Single characters help scoring but make noisy highlights: snippets and spans
        # are chosen with the same tokenizer minus unigrams.
        self.highlighter = (
            dataclasses.replace(tokenizer, char_unigrams=False)
            if tokenizer.char_unigrams
            else tokenizer
        )
        # Serialises additions so passage numbering follows call order; the
        # index itself publishes each addition atomically to readers.
        self._add_lock = threading.Lock()

    @classmethod
    def from_texts(
        cls,
        texts: Iterable[str],
        *,
        tokenizer: Tokenizer | None = None,
        k1: float = DEFAULT_K1,
        b: float = DEFAULT_B,
        idf: IdfMode = "lucene",
        epsilon: float = 0.25,
        words: WordMode | None = None,
        char_bigrams: bool | None = None,
        char_unigrams: bool | None = None,
        stopwords: bool | None = None,
        userdict: str | Path | type[_Default] | None = _Default,
        extra_words: Iterable[str] | None = None,
        context: float = DEFAULT_CONTEXT_WEIGHT,
        workers: int = 1,
    ) -> Retriever:
        """Tokenise and index ``texts``; hit ``index`` is the position in ``texts``.

        Args:
            texts: the passages.
            tokenizer: a ready tokenizer, or leave ``None`` and pass its
                keyword options (``words``, ``char_bigrams``, ``char_unigrams``,
                ``stopwords``, ``userdict``, ``extra_words``) here; unset
                options keep the tokenizer's defaults.
            k1, b, idf, epsilon: BM25 parameters (see :class:`BM25Index`).
            context: the weight of the preceding passage's terms (see the class).
            workers: processes to tokenise in (:mod:`.index.parallel`; the same index):
                worth it for a large corpus only, each costs a fraction of a second to
                start.
        """
        options = {
            name: value
            for name, value in (
                ("words", words),
                ("char_bigrams", char_bigrams),
                ("char_unigrams", char_unigrams),
                ("stopwords", stopwords),
                ("extra_words", extra_words),
            )
            if value is not None
        }
        if userdict is not _Default:
            options["userdict"] = userdict
        if tokenizer is not None and options:
            raise TypeError("pass either tokenizer= or tokenizer options, not both")
        tokenizer = tokenizer or scoring_tokenizer(**options)
        # Tokenised as the index reads them: the token lists of a whole archive
        # would take several times the memory of the index they make.
        params: dict[str, float | str] = {"k1": k1, "b": b, "idf": idf, "epsilon": epsilon}
        if workers > 1:
            texts = texts if isinstance(texts, Sequence) else list(texts)
            index = BM25Index.from_postings(*build_texts(texts, tokenizer, workers), **params)
        else:
            index = BM25Index.from_tokens(map(tokenizer.tokenize, texts), **params)
        return cls(index, tokenizer, context=context)

    @classmethod
    def from_tokens(
        cls,
        token_lists: Iterable[Sequence[str]],
        *,
        tokenizer: Tokenizer | None = None,
        k1: float = DEFAULT_K1,
        b: float = DEFAULT_B,
        idf: IdfMode = "lucene",
        epsilon: float = 0.25,
        context: float = DEFAULT_CONTEXT_WEIGHT,
    ) -> Retriever:
        """Index passages tokenised by the caller.

        ``tokenizer`` (default :class:`Tokenizer`) is what :meth:`search` will
        use on questions, so it should match how ``token_lists`` were made.
        """
        index = BM25Index.from_tokens(token_lists, k1=k1, b=b, idf=idf, epsilon=epsilon)
        return cls(index, tokenizer or Tokenizer(), context=context)

    def __len__(self) -> int:
        return len(self.index)

    def add(self, texts: Iterable[str]) -> range:
        """Tokenise and append passages; returns their indices.

        Cost: tokenising the new texts, plus recomputing the index arrays
        (O(all postings), numpy) because idf and average length change.
        """
        token_lists = [self.tokenizer.tokenize(text) for text in texts]
        return self.add_tokens(token_lists)

    def add_tokens(self, token_lists: Iterable[Sequence[str]]) -> range:
        """Append pre-tokenised passages; returns their indices."""
        with self._add_lock:
            return self.index.add(token_lists)

    def search(self, query: str, k: int = 10) -> list[Hit]:
        """Up to ``k`` passages for ``query``, best first (ties: lower index first).

        The question's terms are weighted by their share of its characters
        (:meth:`Tokenizer.query_terms <retrieval.Tokenizer.query_terms>`), so a
        character read by a word, its bigrams and its unigram counts once, not
        three times. A passage also gets part of the weight of the question's terms
        it lacks and the passage before it has (``context``). Only passages with a
        positive score are returned; an empty or stopword-only query gives ``[]``.
        """
        return self.search_terms(self.tokenizer.query_terms(query), k)

    def search_terms(self, terms: QueryTerms, k: int = 10) -> list[Hit]:
        """Like :meth:`search` for terms the caller produced or expanded.

        Args:
            terms: terms (repeats count again, each term counting 1, as in
                ``BM25Okapi``) or term -> weight, the weight scaling that
                term's contribution (e.g. 0.5 for a synonym). For the weights
                :meth:`search` uses, pass ``tokenizer.query_terms(question)``
                (:class:`~retrieval.expansion.QueryExpander` starts from them).
            k: maximum number of hits.
        """
        doc_ids, scores = self.index.top_k(terms, k, context_of(self.index, self.context))
        return _hits(doc_ids.tolist(), scores.tolist())

    def snippet(self, text: str, query: str | Sequence[str], max_chars: int = 120) -> Snippet:
        """:func:`~retrieval.snippets.best_snippet` weighting terms by this index's idf."""
        terms = (
            self.highlighter.tokenize(query)
            if isinstance(query, str)
            else [self.highlighter.normalize(t) for t in query]
        )
        weights: Mapping[str, float] = {
            term: self.index.idf(term) or float(len(term)) for term in terms
        }
        return best_snippet(text, terms, self.highlighter, max_chars, weights=weights)

"""Pure retrieval for Linli: text in, ranked hits out.

No Telegram, SQL or corpus code here. Where things are:

* :mod:`.normalize`: NFKC, traditional → simplified, lower case;
* :mod:`.tokenization`: the :class:`Tokenizer` (jieba words, character n-grams,
  stopwords), on :mod:`.segmenter` (rjieba or jieba), with :mod:`.memo` caching
  its results for texts seen again;
* :mod:`.weighting`: how much each term of a question counts (its share of the
  characters it reads; :meth:`Tokenizer.query_terms`);
* :mod:`.index`: the BM25 inverted index (term ids, building, search, the index
  file);
* :mod:`.expansion`: a question → weighted index terms (synonyms, English through
  :mod:`.cedict`, pinyin names);
* :mod:`.sentences` and :mod:`.snippets`: quoting the part of a passage that best
  covers the question;
* :mod:`.retriever`: the :class:`Retriever`, one tokenizer and one index together.

:mod:`.persist` only re-exports :mod:`.index.persist`, for existing imports.
"""

from .index import BM25Index
from .memo import MemoTokenizer
from .normalize import NormalizedText, normalize, normalize_with_offsets
from .retriever import Hit, Retriever, scoring_tokenizer
from .snippets import Snippet, best_snippet, match_spans
from .tokenization import (
    DEFAULT_CHAR_BIGRAMS,
    DEFAULT_CHAR_UNIGRAMS,
    DEFAULT_STOPWORDS,
    DEFAULT_USERDICT,
    DEFAULT_WORDS,
    Analyzer,
    Token,
    Tokenizer,
)

__all__ = [
    "DEFAULT_CHAR_BIGRAMS",
    "DEFAULT_CHAR_UNIGRAMS",
    "DEFAULT_STOPWORDS",
    "DEFAULT_USERDICT",
    "DEFAULT_WORDS",
    "Analyzer",
    "BM25Index",
    "Hit",
    "MemoTokenizer",
    "NormalizedText",
    "Retriever",
    "Snippet",
    "Token",
    "Tokenizer",
    "best_snippet",
    "match_spans",
    "normalize",
    "normalize_with_offsets",
    "scoring_tokenizer",
]

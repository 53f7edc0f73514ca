"""Pure retrieval for Linli: text in, ranked hits out.

No Telegram, SQL or corpus code here. Stages, one module each:
:mod:`.normalize` → :mod:`.tokenization` → :mod:`.index` (a package),
with :mod:`.snippets` for quoting and :mod:`.retriever` tying them together.
"""

from .index import BM25Index
from .memo import MemoTokenizer
from .normalize import NormalizedText, normalize, normalize_with_offsets
from .retriever import Hit, Retriever
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
]

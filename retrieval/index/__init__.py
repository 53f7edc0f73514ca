"""The BM25 inverted index, in numpy arrays.

* :mod:`.termids`: the term -> id table (compact, immutable);
* :mod:`.arrays`: the postings layout, the immutable :class:`Snapshot` searches
  read, idf and length norms;
* :mod:`.build`: turning token lists into postings, appending, taking a subset;
* :mod:`.search`: scoring a query, and top k (the numpy path scores every posting);
* :mod:`.kernel`: top k by MaxScore, compiled with numba (cached on disk);
* :mod:`.bm25`: :class:`BM25Index`, which ties them together;
* :mod:`.persist`: saving a retriever's index to one file and loading it (not
  imported here: it sits on top of :class:`~retrieval.Retriever`).
"""

from .arrays import IdfMode, IndexArrays, Snapshot
from .bm25 import DEFAULT_B, DEFAULT_K1, BM25Index
from .search import QueryTerms, top_k
from .termids import TermIds

__all__ = [
    "DEFAULT_B",
    "DEFAULT_K1",
    "BM25Index",
    "IdfMode",
    "IndexArrays",
    "QueryTerms",
    "Snapshot",
    "TermIds",
    "top_k",
]

"""The BM25 inverted index: term ids, building, searching, saving."""

from .termids import TermIds

__all__ = ["TermIds"]

"""The word segmenters behind :class:`~retrieval.tokenization.Tokenizer`: rjieba and jieba.

rjieba (jieba-rs) cuts exactly as jieba does and is much faster; jieba stays
available as the reference. :class:`RJieba` gives rjieba the part of
``jieba.Tokenizer``'s interface the tokenizer uses, so the two are
interchangeable. Which words each instance is taught, and the one instance per
process and dictionary, are :mod:`.tokenization`'s business.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal, Union

if TYPE_CHECKING:
    import jieba

SegmenterName = Literal["rjieba", "jieba"]

_USERDICT_LINE = re.compile(r"^(.+?)( [0-9]+)?( [a-z]+)?$")


def _rjieba_class() -> Any:
    """rjieba's ``Jieba``, from its compiled module alone when rjieba is not imported yet.

    ``import rjieba`` builds a module-level instance with the whole stock dictionary,
    which Linli never uses (each segmenter is private, see :func:`new_segmenter`):
    as long as one of Linli's own, at every start.
    """
    package = sys.modules.get("rjieba") or sys.modules.get("rjieba.rjieba")
    if package is None:
        try:
            found = importlib.util.find_spec("rjieba")
            locations = found.submodule_search_locations if found else None
            spec = importlib.machinery.PathFinder.find_spec("rjieba.rjieba", locations)
            if spec is not None and spec.loader is not None:
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                # A later `import rjieba` takes this one rather than loading it again.
                sys.modules[spec.name] = module
                return module.Jieba
        except (ImportError, AttributeError):
            pass  # another layout of the package: import it as usual
        import rjieba as package
    return package.Jieba


class RJieba:
    """rjieba behind the part of ``jieba.Tokenizer``'s interface the Tokenizer uses."""

    def __init__(self) -> None:
        self._jieba = _rjieba_class()()
        # jieba's FREQ.get(word) is truthy for dictionary words; so is has_word.
        self.FREQ = self

    def get(self, word: str) -> bool:
        """Whether ``word`` is in the dictionary (as ``jieba.Tokenizer.FREQ.get``)."""
        return self._jieba.has_word(word)

    def tokenize(
        self, text: str, mode: str = "default", HMM: bool = True
    ) -> list[tuple[str, int, int]]:
        """``(word, start, end)`` of each word, as ``jieba.Tokenizer.tokenize``."""
        return self._jieba.tokenize(text, mode, HMM)

    def lcut(self, text: str) -> list[str]:
        """The words of ``text`` (precise mode, HMM on), as ``jieba.Tokenizer.lcut``."""
        return self._jieba.cut(text, True)

    def tag(self, text: str) -> list[tuple[str, str]]:
        """``(word, part of speech)`` of each word (jieba's tag set), as ``jieba.posseg``."""
        return self._jieba.tag(text, True)

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        """Teach the dictionary ``word``."""
        self._jieba.add_word(word, freq, tag)

    def load_userdict(self, lines: Iterable[str]) -> None:
        """Add ``word [freq] [tag]`` lines, as ``jieba.Tokenizer.load_userdict``."""
        # jieba's own line format and parsing (jieba.Tokenizer.load_userdict).
        for raw in lines:
            line = raw.strip()
            if not line:
                continue
            match = _USERDICT_LINE.match(line)
            if match is None:
                continue
            word, freq, tag = match.groups()
            self.add_word(
                word.strip(), int(freq.strip()) if freq else None, tag.strip() if tag else None
            )


Segmenter = Union["jieba.Tokenizer", RJieba]


def tag_words(segmenter: Segmenter, text: str) -> list[tuple[str, str]]:
    """``(word, part of speech)`` for the words of ``text``, with either segmenter."""
    if isinstance(segmenter, RJieba):
        return segmenter.tag(text)
    import jieba.posseg

    return [(pair.word, pair.flag) for pair in jieba.posseg.POSTokenizer(segmenter).lcut(text)]


def new_segmenter(name: SegmenterName) -> Segmenter:
    """A private, initialised segmenter with the stock dictionary.

    Private: other code calling ``jieba.add_word`` on the global instance must
    not change how an index was built.
    """
    if name == "rjieba":
        return RJieba()
    # Imported only here: the reference costs ~70 ms to import (pkg_resources).
    import jieba

    segmenter = jieba.Tokenizer()
    segmenter.initialize()
    return segmenter

"""What an expanded question is made of: concepts, their alternatives, the result.

Also what expansion needs to know about the corpus (:class:`Vocabulary`) and
which language a question is in (:func:`detect_lang`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, Protocol

from ..normalize import normalize

Origin = Literal["question", "synonym", "thesaurus", "dictionary", "pinyin", "homophone"]
Lang = Literal["zh", "en"]

_LATIN = re.compile(r"[A-Za-z]")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class Vocabulary(Protocol):
    """What expansion needs to know about the corpus."""

    def doc_freq(self, term: str) -> int:
        """Passages holding the index term ``term``."""
        ...

    def contains(self, text: str) -> bool:
        """Whether normalised ``text`` occurs in the corpus as written."""
        ...


# Evidence against (Concept.unseen) of an untranslatable-in-this-corpus English concept.
UNSEEN_PHRASE = 1.0
UNSEEN_WORD = 0.5


@dataclass(frozen=True, slots=True)
class Alternative:
    """A Chinese way of saying a concept, and how much a match on it counts."""

    text: str  # normalised Chinese (or digits)
    weight: float
    origin: Origin


@dataclass(frozen=True, slots=True)
class Concept:
    """One thing the resident said and the ways the paper might say it.

    For a Chinese concept the first alternative is the resident's own wording
    (origin ``"question"``); an English concept has only translations, and none
    when nothing the index knows translates it (then it cannot be matched).
    """

    text: str
    alternatives: tuple[Alternative, ...]
    # English only: the dictionary has no word for it at all, so whether the paper
    # covers it is unknown (as opposed to translations the paper never uses).
    untranslated: bool = False
    # English only: how strongly the dictionary's translations, none of which the
    # corpus holds, say the paper does not cover it (0: it is not so). A phrase the
    # dictionary names as a whole (swimming pool → 游泳池, 游泳馆) whose head word the
    # corpus has no word for either weighs :data:`UNSEEN_PHRASE`; a single word
    # :data:`UNSEEN_WORD` (paraphrased more often: confiscated is 收缴, not 没收).
    unseen: float = 0.0

    @property
    def best(self) -> Alternative | None:
        """The alternative with the highest weight, if any."""
        return max(self.alternatives, key=lambda a: a.weight, default=None)


@dataclass(frozen=True)
class Expansion:
    """A question, expanded.

    Attributes:
        question: the normalised question.
        lang: ``"en"`` for a question in Latin letters without Chinese, else ``"zh"``.
        concepts: what the resident said, in order.
        terms: index term → weight, for :meth:`Retriever.search_terms`.
        highlight: highlighter term → weight (1 for the resident's words), for
            choosing and marking snippets.
    """

    question: str
    lang: Lang
    concepts: tuple[Concept, ...]
    terms: dict[str, float]
    highlight: dict[str, float] = field(default_factory=dict)

    @property
    def unseen(self) -> tuple[tuple[str, float], ...]:
        """The concepts the dictionary translates but the corpus never says, with their
        evidence against (:attr:`Concept.unseen`): "a word the corpus has never seen is
        evidence against", for translations."""
        return tuple((c.text, c.unseen) for c in self.concepts if c.unseen)

    def concept(self, text: str) -> Concept | None:
        """The concept for ``text`` as the resident wrote it (normalised), if any."""
        wanted = normalize(text)
        return next((c for c in self.concepts if c.text == wanted), None)


def detect_lang(text: str) -> Lang:
    """English when the text is written in Latin letters with no Chinese characters."""
    return "en" if _LATIN.search(text) and not CJK.search(text) else "zh"

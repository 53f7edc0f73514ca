"""Query expansion: what a resident asked → the weighted terms the index knows.

Residents do not write like the newspaper. A question becomes a list of
*concepts*, each one thing the resident said (a Chinese word, an everyday
phrase, an English word or phrase), with the Chinese *alternatives* that would
say it in the paper, each weighted:

* **the resident's own words** weigh 1 (a Chinese question's terms are exactly
  what :meth:`Tokenizer.tokenize` gives, so a question without synonyms searches
  as before);
* **synonyms** from the domain table (``data/synonyms.tsv``: 煤气罐 → 钢瓶, 燃气)
  weigh :data:`SYNONYM_WEIGHT`: evidence, but weaker than the word itself;
* **English words** become Chinese candidates from CC-CEDICT (:mod:`.cedict`),
  scored by how the dictionary gives them (exact gloss over a word inside a
  longer gloss, primary sense over later ones, words over single characters)
  and kept only if the index has seen them: of 12 headwords glossed
  "restaurant", the paper's 餐饮店 is the one that matters. At most
  :data:`MAX_CANDIDATES` survive, the best weighing 1 and the rest by their
  share of its score, so a word with many senses does not outweigh one with one;
* **names in pinyin** (Liangcheng, Shiji Tongle) become the character strings
  of the index whose readings spell them.

Terms of different alternatives and concepts merge by **max**, not sum: a term
is one piece of evidence, and 电梯 reached from "elevator" and from "lift" must
not count twice, nor may a synonym add weight to a word the resident already
wrote. Within one alternative, repeated terms count again, as in BM25.

Pure: the only outside knowledge is a :class:`Vocabulary` (the index's
document frequencies), passed per call so it follows index rebuilds.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal, Protocol

from .cedict import Cedict, clean_gloss, gloss_words, load_cedict, spelling
from .normalize import normalize
from .tokenization import DATA_DIR, Tokenizer, read_word_list

DEFAULT_SYNONYMS = DATA_DIR / "synonyms.tsv"

# A synonym is evidence for what the resident meant, but weaker than their own word:
# a passage with the word itself should still win. 0.6 kept every plain gold question
# where it was and lifted the colloquial ones (see corpus/gold/README.md).
SYNONYM_WEIGHT = 0.6
# Dictionary candidates kept per English word or phrase, and the share of the best
# candidate's score a further one needs.
MAX_CANDIDATES = 3
MIN_SHARE = 0.3
# Pinyin readings are guesses among homophones: the second and third weigh less.
PINYIN_WEIGHTS = (1.0, 0.6, 0.4)
MAX_SEGMENTATIONS = 8
MAX_CHAINS = 40

Origin = Literal["question", "synonym", "dictionary", "pinyin"]
Lang = Literal["zh", "en"]

_LATIN = re.compile(r"[A-Za-z]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_EN_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:\.\d+)?")

# English function words, question words and verbs too general to translate usefully
# ("get", "do"): in Chinese they would only add noise.
EN_STOPWORDS_FILE = DATA_DIR / "stopwords_en.txt"


@cache
def english_stopwords() -> frozenset[str]:
    return frozenset(w.lower() for w in read_word_list(EN_STOPWORDS_FILE))


class Vocabulary(Protocol):
    """What expansion needs to know about the corpus."""

    def doc_freq(self, term: str) -> int:
        """Passages holding the index term ``term``."""
        ...

    def contains(self, text: str) -> bool:
        """Whether normalised ``text`` occurs in the corpus as written."""
        ...


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

    @property
    def best(self) -> Alternative | None:
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

    def concept(self, text: str) -> Concept | None:
        """The concept for ``text`` as the resident wrote it (normalised), if any."""
        wanted = normalize(text)
        return next((c for c in self.concepts if c.text == wanted), None)


def detect_lang(text: str) -> Lang:
    """English when the text is written in Latin letters with no Chinese characters."""
    return "en" if _LATIN.search(text) and not _CJK.search(text) else "zh"


# --- the synonym table -----------------------------------------------------------------


class SynonymTable:
    """Everyday words → the official words the newspaper uses.

    The file is UTF-8, one ``everyday<TAB>official[,official…]`` a line, ``#``
    comments; both sides are normalised (traditional and full-width entries work).
    An everyday side in Latin letters is an English word or phrase.
    """

    def __init__(self, entries: Mapping[str, Iterable[str]] | None = None) -> None:
        self._entries: dict[str, tuple[str, ...]] = {}
        for everyday, officials in (entries or {}).items():
            self.add(everyday, officials)

    def add(self, everyday: str, officials: Iterable[str]) -> None:
        key = _norm_key(everyday)
        values = [normalize(o).strip() for o in officials]
        values = [v for v in values if v and v != key]
        if not key or not values:
            return
        merged = list(self._entries.get(key, ()))
        merged += [v for v in values if v not in merged]
        self._entries[key] = tuple(merged)

    @classmethod
    def load(cls, path: str | Path = DEFAULT_SYNONYMS) -> SynonymTable:
        """Read a synonym file; raises ``ValueError`` naming the line that is malformed."""
        table = cls()
        text = Path(path).read_text(encoding="utf-8").lstrip("\ufeff")
        for number, raw in enumerate(text.splitlines(), start=1):
            line = re.split(r"(?:^|\s)#", raw, maxsplit=1)[0].strip()
            if not line:
                continue
            everyday, sep, officials = line.partition("\t")
            if not sep or not officials.strip():
                raise ValueError(f"{path}:{number}: expected 'everyday<TAB>official[,official]'")
            table.add(everyday, re.split(r"[,，、]", officials))
        return table

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, everyday: str) -> bool:
        return _norm_key(everyday) in self._entries

    def get(self, everyday: str) -> tuple[str, ...]:
        return self._entries.get(_norm_key(everyday), ())

    def items(self) -> Iterable[tuple[str, tuple[str, ...]]]:
        return self._entries.items()

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Chinese everyday entries in normalised ``text``: ``(start, end, key)``.

        Longest entries first, never overlapping, so 装电梯 wins over 电梯.
        """
        taken = bytearray(len(text))
        found = []
        for key in sorted((k for k in self._entries if _CJK.search(k)), key=len, reverse=True):
            start = text.find(key)
            while start >= 0:
                end = start + len(key)
                if not any(taken[start:end]):
                    taken[start:end] = b"\x01" * len(key)
                    found.append((start, end, key))
                start = text.find(key, end)
        return sorted(found)


def _norm_key(text: str) -> str:
    text = normalize(text).strip()
    if _CJK.search(text):
        return text
    return " ".join(gloss_words(text))


def load_synonyms(path: str | Path | None = None) -> SynonymTable:
    """The table at ``path``, or the bundled one."""
    return SynonymTable.load(path or DEFAULT_SYNONYMS)


# --- English words ---------------------------------------------------------------------


def english_variants(word: str) -> list[str]:
    """``word`` and the dictionary forms it may stand for, most likely first.

    Plurals and simple verb endings only (cylinders → cylinder, confiscated →
    confiscate, checked → check): CC-CEDICT glosses are in dictionary form.
    """
    word = spelling(word.lower())
    forms = [word]
    if len(word) > 3:
        if word.endswith("ies"):
            forms.append(word[:-3] + "y")
        elif word.endswith(("ches", "shes", "sses", "xes", "zes")):
            forms.append(word[:-2])
        elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
            forms.append(word[:-1])
        if word.endswith("ied"):
            forms.append(word[:-3] + "y")
        elif word.endswith("ed"):
            forms += [word[:-1], word[:-2]]
            if len(word) > 5 and word[-3] == word[-4]:
                forms.append(word[:-3])  # stopped → stop
        if word.endswith("ing") and len(word) > 5:
            forms += [word[:-3], word[:-3] + "e"]
            if word[-4] == word[-5]:
                forms.append(word[:-4])
        if word == "people":
            forms.append("person")
    return list(dict.fromkeys(forms))


@dataclass(frozen=True, slots=True)
class _Word:
    text: str
    start: int
    end: int


def _english_words(text: str) -> list[list[_Word]]:
    """Runs of content words (stopwords split runs: a phrase never spans one)."""
    stopwords = english_stopwords()
    runs: list[list[_Word]] = [[]]
    for match in _EN_TOKEN.finditer(text.lower()):
        word = match.group()
        if word in stopwords or (len(word) == 1 and not word.isdigit()):
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(_Word(word, match.start(), match.end()))
    return [run for run in runs if run]


# --- the expander ----------------------------------------------------------------------


class QueryExpander:
    """Expands questions for one tokenizer (the index's).

    Args:
        tokenizer: the tokenizer the index was built with.
        synonyms: the domain table; ``None`` for none.
        cedict: a callable returning the dictionary (loaded on the first English
            question); ``None`` to leave English untranslated.
    """

    def __init__(
        self,
        tokenizer: Tokenizer,
        *,
        synonyms: SynonymTable | None = None,
        cedict: Callable[[], Cedict] | None = load_cedict,
    ) -> None:
        self.tokenizer = tokenizer
        self.synonyms = synonyms or SynonymTable()
        self._cedict = cedict
        self.words = dataclasses.replace(
            tokenizer, words="precise", char_bigrams=False, char_unigrams=False
        )
        self._all_words = dataclasses.replace(self.words, stopwords=False)
        self.highlighter = dataclasses.replace(tokenizer, char_unigrams=False)

    def expand(self, question: str, vocabulary: Vocabulary) -> Expansion:
        text = normalize(question)
        if detect_lang(text) == "en":
            concepts = self._english(text, vocabulary)
            return self._assemble(text, "en", concepts, Counter())
        concepts = self._chinese(text)
        return self._assemble(text, "zh", concepts, Counter(self.tokenizer.tokenize(text)))

    def plain(self, question: str) -> Expansion:
        """No expansion: the resident's words only (for comparison and for Chinese text)."""
        text = normalize(question)
        concepts = tuple(
            Concept(w, (Alternative(w, 1.0, "question"),))
            for w in dict.fromkeys(self.words.tokenize(text))
        )
        return self._assemble(
            text, detect_lang(text), concepts, Counter(self.tokenizer.tokenize(text))
        )

    # -- Chinese ------------------------------------------------------------------------

    def _chinese(self, text: str) -> tuple[Concept, ...]:
        """One concept per distinct word; an everyday phrase is one concept with its synonyms.

        The phrase replaces the words it spans (装电梯 is one thing, not 装 and 电梯),
        so its synonyms can stand for all of it when judging relevance.
        """
        # An everyday phrase must be whole words of the question: 装电梯 inside 加装电梯
        # is already the official word.
        cuts = {0, len(text)}
        for token in self._all_words.tokenize_with_spans(text):
            cuts.update((token.start, token.end))
        matches = [m for m in self.synonyms.find(text) if m[0] in cuts and m[1] in cuts]
        concepts: dict[str, Concept] = {}
        for _, _, key in matches:
            concepts[key] = Concept(
                key,
                (
                    Alternative(key, 1.0, "question"),
                    *(Alternative(o, SYNONYM_WEIGHT, "synonym") for o in self.synonyms.get(key)),
                ),
            )
        spans = [(start, end) for start, end, _ in matches]
        words: dict[str, Concept] = {}
        for token in self.words.tokenize_with_spans(text):
            if any(start < token.end and token.start < end for start, end in spans):
                continue
            words.setdefault(
                token.term, Concept(token.term, (Alternative(token.term, 1.0, "question"),))
            )
        return tuple(words.values()) + tuple(concepts.values())

    # -- English ------------------------------------------------------------------------

    def _english(self, text: str, vocabulary: Vocabulary) -> tuple[Concept, ...]:
        cedict = self._cedict() if self._cedict else None
        concepts: list[Concept] = []
        for run in _english_words(text):
            i = 0
            while i < len(run):
                for n in (3, 2, 1):
                    if i + n > len(run):
                        continue
                    concept = self._english_concept(run[i : i + n], cedict, vocabulary)
                    if concept is not None or n == 1:
                        if concept is None:
                            concept = Concept(run[i].text, (), untranslated=True)
                        concepts.append(concept)
                        i += n
                        break
        return tuple(concepts)

    def _english_concept(
        self, words: Sequence[_Word], cedict: Cedict | None, vocabulary: Vocabulary
    ) -> Concept | None:
        """A concept for ``words`` if they translate to something the index knows.

        A phrase (two or three words) must translate as a whole; a single word may
        also be a number or a name in pinyin.
        """
        phrase = " ".join(w.text for w in words)
        if len(words) == 1 and words[0].text[0].isdigit():
            return Concept(phrase, (Alternative(words[0].text, 1.0, "question"),))
        scored: dict[str, float] = {}
        for form in _phrase_forms(words):
            # The first form the table or dictionary knows is the word: "parking" is
            # 停车, not "park" (公园); "swimming" is 游泳, not "swim".
            scored = dict.fromkeys(self.synonyms.get(form), 1.0)
            if cedict is not None:
                for headword, score in _dictionary_candidates(cedict, form, single=len(words) == 1):
                    scored[headword] = max(scored.get(headword, 0.0), score)
            if scored:
                break
        present = {c: s for c, s in scored.items() if self._present(c, vocabulary)}
        if present:
            return Concept(phrase, self._weigh(present))
        if len(words) == 1 and cedict is not None:
            chains = self._pinyin(words[0].text, cedict, vocabulary)
            if chains:
                return Concept(
                    phrase,
                    tuple(
                        Alternative(c, w, "pinyin")
                        for c, w in zip(chains, PINYIN_WEIGHTS, strict=False)
                    ),
                )
        if scored:
            # Translatable, but the paper never says it ("swimming pool" is 游泳池, not
            # 游泳 and 池): a concept nothing can match.
            return Concept(phrase, ())
        return None

    def _weigh(self, scores: Mapping[str, float]) -> tuple[Alternative, ...]:
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))
        best = ranked[0][1]
        kept = [(c, s / best) for c, s in ranked[:MAX_CANDIDATES] if s >= MIN_SHARE * best]
        alternatives = [Alternative(c, w, "dictionary") for c, w in kept]
        # Residents' English words are often everyday ones: follow the synonym table
        # one step (gas tank → 煤气罐 → 钢瓶).
        for c, w in kept:
            for official in self.synonyms.get(c):
                if all(a.text != official for a in alternatives):
                    alternatives.append(Alternative(official, w * SYNONYM_WEIGHT, "synonym"))
        return tuple(alternatives)

    @staticmethod
    def _present(candidate: str, vocabulary: Vocabulary) -> bool:
        """Whether the corpus says ``candidate``: an index term, or its text verbatim.

        Index terms alone would not do for longer words: 义务工作者's parts 义务, 务工,
        工作 and 作者 all occur, in passages that never mention a volunteer worker.
        """
        if len(candidate) <= 2 and vocabulary.doc_freq(candidate):
            return True
        return vocabulary.contains(candidate)

    def _pinyin(self, word: str, cedict: Cedict, vocabulary: Vocabulary) -> list[str]:
        """Character strings of the index that read as ``word`` (Liangcheng → 凉城)."""
        chains: dict[str, tuple[int, int]] = {}
        for syllables in _segmentations(word, cedict.syllables):
            if len(syllables) < 2:
                continue
            options = [
                sorted(ch for ch in cedict.readings[s] if vocabulary.doc_freq(ch))
                for s in syllables
            ]
            stack: list[str] = list(options[0])
            while stack and len(chains) < MAX_CHAINS:
                prefix = stack.pop()
                if len(prefix) == len(syllables):
                    if len(prefix) > 2 and not vocabulary.contains(prefix):
                        continue
                    whole = 1 if vocabulary.doc_freq(prefix) else 0
                    rarest = min(
                        vocabulary.doc_freq(prefix[j : j + 2]) for j in range(len(prefix) - 1)
                    )
                    chains[prefix] = (whole, -rarest)
                    continue
                for ch in options[len(prefix)]:
                    if vocabulary.doc_freq(prefix[-1] + ch):
                        stack.append(prefix + ch)
        # A string the index holds as a word beats a chain of bigrams; then the chain
        # whose rarest link is most frequent (a real name recurs; a chance chain rarely).
        ranked = sorted(chains, key=lambda c: (-chains[c][0], chains[c][1], c))
        return ranked[: len(PINYIN_WEIGHTS)]

    # -- assembling -----------------------------------------------------------------------

    def _assemble(
        self, text: str, lang: Lang, concepts: Sequence[Concept], base: Counter[str]
    ) -> Expansion:
        terms: dict[str, float] = {t: float(n) for t, n in base.items()}
        highlight: dict[str, float] = dict.fromkeys(self.highlighter.tokenize(text), 1.0)
        for concept in concepts:
            for alt in concept.alternatives:
                if alt.origin == "question" and lang == "zh":
                    continue  # already in the base bag, counted as BM25 counts them
                for term, count in Counter(self.tokenizer.tokenize(alt.text)).items():
                    terms[term] = max(terms.get(term, 0.0), alt.weight * count)
                for term in self.highlighter.tokenize(alt.text):
                    highlight[term] = max(highlight.get(term, 0.0), alt.weight)
        if lang == "en":
            # English words are no evidence in a Chinese paper (mastheads aside).
            highlight = {t: w for t, w in highlight.items() if not t.isascii() or t[0].isdigit()}
        return Expansion(text, lang, tuple(concepts), terms, highlight)


def _phrase_forms(words: Sequence[_Word]) -> list[str]:
    """Dictionary forms of a phrase: only its last word is inflected (gas cylinders)."""
    head = " ".join(spelling(w.text) for w in words[:-1])
    return [f"{head} {form}".strip() for form in english_variants(words[-1].text)]


def _dictionary_candidates(cedict: Cedict, form: str, *, single: bool) -> list[tuple[str, float]]:
    """Headwords for an English form with a score in (0, 1].

    Exact gloss 1, inside a longer gloss 1/(words in it) (only where no exact gloss
    exists); times 1/(1 + rank/2) for later senses. Single characters score half, and
    none at all when the dictionary has a word for it: "fee" is 费用 or nothing, since
    费 alone would match 消费, 经费 and every other passage with the character.
    """
    key = clean_gloss(form) or form
    found: dict[str, float] = {}
    senses = [(s, 1.0) for s in cedict.exact(key)]
    if not senses and not single:
        # "police station" inside "local police station": one more word at most.
        padded = f" {key} "
        senses = [
            (s, len(key.split()) / s.gloss_len)
            for s in cedict.within(key.split()[-1])
            if s.gloss_len == len(key.split()) + 1 and padded in f" {s.gloss} "
        ]
    if not senses and single:
        senses = [(s, 1.0 / s.gloss_len) for s in cedict.within(key)]
    if any(len(s.headword) > 1 for s, match in senses if match == 1.0):
        senses = [(s, match) for s, match in senses if len(s.headword) > 1]
    for sense, match in senses:
        score = match / (1 + sense.rank / 2) * (0.5 if len(sense.headword) == 1 else 1.0)
        found[sense.headword] = max(found.get(sense.headword, 0.0), score)
    return list(found.items())


def _segmentations(word: str, syllables: frozenset[str]) -> list[list[str]]:
    """Ways to read ``word`` as toneless pinyin syllables (fewest syllables first)."""
    word = word.lower().replace("ü", "v")
    results: list[list[str]] = []

    def walk(at: int, path: list[str]) -> None:
        if len(results) >= MAX_SEGMENTATIONS:
            return
        if at == len(word):
            results.append(list(path))
            return
        for size in range(min(6, len(word) - at), 0, -1):
            piece = word[at : at + size]
            if piece in syllables:
                path.append(piece)
                walk(at + size, path)
                path.pop()

    walk(0, [])
    return sorted(results, key=len)

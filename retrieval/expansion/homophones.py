"""Typing slips: characters of a question the corpus never prints, read as its homophone.

Residents type Chinese by pinyin, and the input method's wrong pick among homophones is
the commonest typo (凉成 for 凉城, 健身不道 for 健身步道, 世纪通乐 for 世纪同乐). The
slipped word is unknown to the index, so the search loses it and answerability reads it
as a name the paper never printed. A run of two to four characters that the corpus does
not hold, and that is no dictionary word itself, is taken for the string the corpus does
hold when that string differs from it in one character read the same way (toneless, by
CC-CEDICT's readings). Only characters of words the index does not know, or of
characters the segmenter left on their own, may have slipped: a known word is as meant.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence

import numpy as np

from ..cedict import Cedict
from .concepts import Vocabulary

# A corrected wording counts a little below the resident's own words: it is a guess.
HOMOPHONE_WEIGHT = 0.9
# Longest runs first: 健身不道 → 健身步道 rather than 不道 → 步道.
SPAN_SIZES = (4, 3, 2)

_HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")


class _Homophones:
    """Character → the other characters sharing one of its toneless readings, each
    character's worked out when first asked (a question asks a few; the whole table
    cost a first slipped question a third of a second)."""

    def __init__(self, cedict: Cedict) -> None:
        self._readings = cedict.readings
        self._syllables: dict[str, set[str]] = {}
        for syllable, chars in cedict.readings.items():
            for ch in chars:
                self._syllables.setdefault(ch, set()).add(syllable)
        self._others: dict[str, tuple[str, ...]] = {}

    def get(self, ch: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        found = self._others.get(ch)
        if found is None:
            syllables = self._syllables.get(ch)
            if syllables is None:
                return default
            found = tuple(sorted({c for s in syllables for c in self._readings[s]} - {ch}))
            self._others[ch] = found
        return found


@functools.lru_cache(maxsize=2)
def _homophones(cedict: Cedict) -> _Homophones:
    """Character → the other characters sharing one of its toneless readings."""
    return _Homophones(cedict)


def homophone_fixes(
    text: str,
    tokens: Sequence[tuple[str, int, int]],
    cedict: Callable[[], Cedict],
    vocabulary: Vocabulary,
    is_word: Callable[[str], object],
    is_stopword: Callable[[str], bool],
) -> list[tuple[int, int, str]]:
    """The question's slipped runs: ``(start, end, what the corpus prints there)``.

    A run covers whole words of the question. The character swapped is a character the
    segmenter left on its own (a stopword too: 不 for 步) or one of a word that neither
    the dictionary nor the corpus knows; the others are kept and are no stopwords (死的
    is not 似的 mistyped). What it becomes is a word of the corpus: a run of three or
    more characters the index holds as a word, or two that are a dictionary word too.

    Args:
        tokens: the question's words, stopwords too, with their spans.
        cedict: the dictionary (loaded only when some character may have slipped).
        is_word: whether the segmenter's dictionary has a word (truthy if so).
    """
    loose = bytearray(b"\x01" * len(text))
    # Each character's known word (its index in tokens), -1 if none: a run may cut a
    # word the segmenter glued by its HMM (花墓查 is 花墓 and 查), never a known one.
    inside = [-1] * len(text)
    for at, (term, start, end) in enumerate(tokens):
        known = end - start > 1 and (is_word(term) or vocabulary.doc_freq(term))
        for i in range(start, end):
            loose[i] = 0 if known else 1
            inside[i] = at if known else -1
    if not any(loose):
        return []
    others: _Homophones | None = None
    dictionary: Cedict | None = None
    fixes: list[tuple[int, int, str]] = []
    taken = bytearray(len(text))
    for size in SPAN_SIZES:
        for start in range(len(text) - size + 1):
            end = start + size
            span = text[start:end]
            if any(taken[start:end]) or not any(loose[start:end]) or not _HAN.match(span):
                continue
            if not _whole_words(inside, start, end):
                continue
            if is_word(span) or _held(span, vocabulary):
                continue
            if others is None:
                dictionary = cedict()
                others = _homophones(dictionary)
            if span in dictionary.headwords:
                continue
            fixed = _fix(span, loose[start:end], others, vocabulary, is_word, is_stopword)
            if fixed is not None and not _in_context(
                fixed, tokens, start, end, vocabulary, is_stopword
            ):
                continue
            if fixed is not None:
                fixes.append((start, end, fixed))
                taken[start:end] = b"\x01" * size
    return sorted(fixes)


def _in_context(
    fixed: str,
    tokens: Sequence[tuple[str, int, int]],
    start: int,
    end: int,
    vocabulary: Vocabulary,
    is_stopword: Callable[[str], bool],
) -> bool:
    """Whether some passage prints ``fixed`` beside another word of the question.

    A slip corrected is what the question is about, so the paper prints it with the
    rest of the question; a name the paper never printed, read as a word it did, is
    usually alone there (高登 read as 高等). A question with no other word the paper
    prints, and a vocabulary that cannot list passages, are taken at their word.
    """
    passages_with = getattr(vocabulary, "passages_with", None)
    if passages_with is None:
        return True
    # The passages holding every character of it (unigrams are indexed; a word
    # containing them need not be, 饭店 inside 餐饮饭店).
    chars = [ch for ch in dict.fromkeys(fixed) if vocabulary.doc_freq(ch)]
    if not chars:
        return True
    mine = passages_with(chars[0])
    for ch in chars[1:]:
        mine = _common(mine, passages_with(ch))
    context = False
    for term, a, b in tokens:
        if b - a < 2 or (a < end and start < b) or is_stopword(term):
            continue
        if not vocabulary.doc_freq(term):
            continue
        if len(_common(mine, passages_with(term))):
            return True
        context = True
    # No other word of the question the paper prints: nothing to judge by.
    return not context


def _common(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The passages in both ascending lists (as Python sets of them, without the sets:
    a character's list holds tens of thousands of passages in a large corpus)."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return a
    at = np.searchsorted(b, a)
    np.minimum(at, len(b) - 1, out=at)
    return a[b[at] == a]


def _whole_words(inside: Sequence[int], start: int, end: int) -> bool:
    """Whether ``[start, end)`` cuts no word of the question in two."""
    first, last = inside[start], inside[end - 1]
    before = inside[start - 1] if start else -2
    after = inside[end] if end < len(inside) else -2
    return (first < 0 or before != first) and (last < 0 or after != last)


def _held(span: str, vocabulary: Vocabulary) -> bool:
    """Whether the corpus prints ``span`` (a bigram the index holds, or the text verbatim)."""
    if len(span) == 2:
        return bool(vocabulary.doc_freq(span))
    # A bigram the index lacks: the run cannot occur, no need to look.
    if not all(vocabulary.doc_freq(span[i : i + 2]) for i in range(len(span) - 1)):
        return False
    return vocabulary.contains(span)


def _fix(
    span: str,
    loose: bytes | bytearray,
    others: _Homophones,
    vocabulary: Vocabulary,
    is_word: Callable[[str], object],
    is_stopword: Callable[[str], bool],
) -> str | None:
    """The corpus's word one homophone away from ``span``; None if none.

    Two characters must be a dictionary word, not any bigram printed somewhere (most
    bigrams of a large corpus are, by chance); longer runs need only be printed. Among
    several, the one the index holds as a word in the most passages.
    """
    best: tuple[int, str] | None = None
    for i, ch in enumerate(span):
        if not loose[i] or any(is_stopword(c) for j, c in enumerate(span) if j != i):
            continue
        if is_stopword(ch) and i in (0, len(span) - 1):
            # 是 → 师, 有 → 友 after a word is no slip; 不 inside 健身不道 may be.
            continue
        for other in others.get(ch, ()):
            if not vocabulary.doc_freq(other):
                continue  # a character the corpus never prints (most homophones)
            candidate = span[:i] + other + span[i + 1 :]
            if len(candidate) == 2 and not is_word(candidate):
                continue
            if not vocabulary.contains(candidate):
                continue
            freq = vocabulary.doc_freq(candidate)
            if len(candidate) > 2 and i in (0, len(span) - 1) and not freq:
                # An end character swapped beside a whole word (湿 + 垃圾) must give a word
                # the index holds: 示垃圾 is printed only across two words (展示|垃圾).
                continue
            if best is None or freq > best[0]:
                best = (freq, candidate)
    return best[1] if best else None


def dictionary_homophones(
    word: str, cedict: Cedict, is_word: Callable[[str], object]
) -> list[str]:
    """The dictionary words one same-sounding character away from ``word`` (干麻 → 干嘛,
    干么): what an input method's wrong pick of a word the dictionary knows looks like."""
    if not _HAN.match(word) or len(word) < 2:
        return []
    others = _homophones(cedict)
    found = []
    for i, ch in enumerate(word):
        for other in others.get(ch, ()):
            candidate = word[:i] + other + word[i + 1 :]
            if is_word(candidate):
                found.append(candidate)
    return found

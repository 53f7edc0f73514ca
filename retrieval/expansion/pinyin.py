"""Names residents write in pinyin (Liangcheng, Shiji Tongle) → characters of the index.

A word is read as toneless syllables every way CC-CEDICT's readings allow, and
each reading is spelled out in characters the index holds, link by link (each
adjacent pair must be an indexed bigram), so only strings the corpus could
contain are proposed.
"""

from __future__ import annotations

from collections.abc import Callable

from ..cedict import Cedict
from .concepts import Vocabulary

# Pinyin readings are guesses among homophones: the second and third weigh less.
PINYIN_WEIGHTS = (1.0, 0.6, 0.4)
MAX_SEGMENTATIONS = 8
MAX_CHAINS = 40


def pinyin_chains(
    word: str,
    cedict: Cedict,
    vocabulary: Vocabulary,
    stopword: Callable[[str], bool] = lambda ch: False,
) -> list[str]:
    """Character strings of the index that read as ``word`` (Liangcheng → 凉城), best first.

    At most as many as :data:`PINYIN_WEIGHTS` has weights. ``stopword`` tells the
    characters the index keeps no term of on their own (都 of 成都): they may still be
    a link of a chain.
    """
    chains: dict[str, tuple[int, bool, int]] = {}
    for syllables in _segmentations(word, cedict.syllables):
        if len(syllables) < 2:
            continue
        options = [
            sorted(ch for ch in cedict.readings[s] if vocabulary.doc_freq(ch) or stopword(ch))
            for s in syllables
        ]
        stack: list[str] = list(options[0])
        while stack and len(chains) < MAX_CHAINS:
            prefix = stack.pop()
            if len(prefix) == len(syllables):
                if len(prefix) > 2 and not vocabulary.contains(prefix):
                    continue
                whole = 1 if vocabulary.doc_freq(prefix) else 0
                rarest = min(vocabulary.doc_freq(prefix[j : j + 2]) for j in range(len(prefix) - 1))
                chains[prefix] = (whole, prefix in cedict.names, -rarest)
                continue
            for ch in options[len(prefix)]:
                if vocabulary.doc_freq(prefix[-1] + ch):
                    stack.append(prefix + ch)
    # A string the index holds as a word beats a chain of bigrams; then a proper noun of
    # the dictionary (Chengdu is 成都, not 程度); then the chain whose rarest link is
    # most frequent (a real name recurs; a chance chain rarely).
    ranked = sorted(chains, key=lambda c: (-chains[c][0], -chains[c][1], chains[c][2], c))
    return ranked[: len(PINYIN_WEIGHTS)]


def reads_as(word: str, text: str, cedict: Cedict) -> bool:
    """Whether ``text`` holds characters reading as the pinyin ``word`` (toneless, in
    any of its segmentations into two syllables or more): 成都 for Chengdu, whichever
    homophone the search was given."""
    for syllables in _segmentations(word, cedict.syllables):
        if len(syllables) < 2:
            continue
        options = [cedict.readings[s] for s in syllables]
        for start in range(len(text) - len(syllables) + 1):
            if all(text[start + j] in chars for j, chars in enumerate(options)):
                return True
    return False


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


def reads_as_pinyin(word: str, syllables: frozenset[str]) -> bool:
    """Whether ``word`` is toneless pinyin syllables run together (linear: no paths)."""
    word = word.lower().replace("ü", "v")
    ends = [True] + [False] * len(word)  # ends[i]: word[:i] reads as syllables
    for i in range(len(word)):
        if ends[i]:
            for size in range(1, min(6, len(word) - i) + 1):
                if word[i : i + size] in syllables:
                    ends[i + size] = True
    return ends[-1]

"""The tokenizer as it was before the fast rewrite, kept as the reference its output must equal.

A frozen copy of the old, straightforward pipeline (``retrieval/normalize.py``,
``Tokenizer._analyze`` / ``_terms`` / ``_words`` / ``_sub_words`` / ``_char_ngrams`` and
``weighting.character_shares`` at commit 2ef39c1): per-character NFKC via
``unicodedata``, OpenCC, one Token per term, a sort. Only tests import it
(test_tokenization_reference.py); it takes the segmenter and the options from a real
:class:`~retrieval.tokenization.Tokenizer`, so only the Python around the segmenter is
compared.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from operator import itemgetter

from retrieval.normalize import _t2s
from retrieval.segmenter import Segmenter
from retrieval.tokenization import Token, Tokenizer, _stopwords

_SPAN = itemgetter(1, 2)
_ALNUM = re.compile(r"[^\W_]")
_CJK_RUN = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0003134f]+")


def normalize(text: str) -> str:
    return _t2s().convert(unicodedata.normalize("NFKC", text)).lower()


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3134F
    )


def _is_content(word: str) -> bool:
    return word.isalnum() or _ALNUM.search(word) is not None


# --- normalize_with_offsets, as it was ------------------------------------------------


class _NfkcByCharacter(dict[int, str]):
    def __missing__(self, code: int) -> str:
        ch = chr(code)
        out = self[code] = "" if unicodedata.combining(ch) else unicodedata.normalize("NFKC", ch)
        return out


_NFKC_BY_CHARACTER = _NfkcByCharacter()


def _nfkc_with_offsets(text: str) -> tuple[str, list[int], list[int]]:
    n = len(text)
    if unicodedata.is_normalized("NFKC", text):
        return text, list(range(n)), list(range(1, n + 1))
    whole = unicodedata.normalize("NFKC", text)
    if len(whole) == n and text.translate(_NFKC_BY_CHARACTER) == whole:
        return whole, list(range(n)), list(range(1, n + 1))
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        out = unicodedata.normalize("NFKC", text[i:j])
        pieces.append(out)
        starts.extend([i] * len(out))
        ends.extend([j] * len(out))
        i = j
    return "".join(pieces), starts, ends


def normalize_with_offsets(text: str) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """(normalised text, starts, ends), as ``NormalizedText`` held them."""
    norm, starts, ends = _nfkc_with_offsets(text)
    converter = _t2s()
    simplified = converter.convert(norm)
    if len(simplified) != len(norm):
        pieces, new_starts, new_ends = [], [], []
        for ch, s, e in zip(norm, starts, ends, strict=True):
            out = converter.convert(ch)
            pieces.append(out)
            new_starts.extend([s] * len(out))
            new_ends.extend([e] * len(out))
        simplified, starts, ends = "".join(pieces), new_starts, new_ends
    lowered = simplified.lower()
    if len(lowered) != len(simplified):
        pieces, new_starts, new_ends = [], [], []
        for ch, s, e in zip(simplified, starts, ends, strict=True):
            out = ch.lower()
            pieces.append(out)
            new_starts.extend([s] * len(out))
            new_ends.extend([e] * len(out))
        lowered, starts, ends = "".join(pieces), new_starts, new_ends
    return lowered, tuple(starts), tuple(ends)


# --- the old pipeline -------------------------------------------------------------------


def character_shares(tokens: Iterable[tuple[str, int, int]]) -> dict[str, float]:
    tokens = list(tokens)
    if not tokens:
        return {}
    cover = [0] * max(end for _, _, end in tokens)
    for _, start, end in tokens:
        for i in range(start, end):
            cover[i] += 1
    weights: dict[str, float] = {}
    for term, start, end in tokens:
        share = sum(1 / cover[i] for i in range(start, end)) / (end - start) if end > start else 1.0
        weights[term] = weights.get(term, 0.0) + share
    return weights


class ReferenceTokenizer:
    """The old pipeline with ``tokenizer``'s options and segmenter."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.options = tokenizer
        self.segmenter = tokenizer._segmenter()
        self.stop = _stopwords() if tokenizer.stopwords else frozenset()

    def tokenize(self, text: str) -> list[str]:
        return [token.term for token in self.analyze(normalize(text))]

    def query_terms(self, text: str) -> dict[str, float]:
        return character_shares(self.analyze(normalize(text)))

    def tokenize_with_spans(self, text: str) -> list[Token]:
        norm, starts, ends = normalize_with_offsets(text)
        tokens = self.analyze(norm)
        n = len(text)
        if len(norm) == n and starts == tuple(range(n)) and ends == tuple(range(1, n + 1)):
            return tokens

        def span(start: int, end: int) -> tuple[int, int]:
            if start >= end:
                at = starts[start] if start < len(starts) else n
                return at, at
            return starts[start], ends[end - 1]

        return [Token(token.term, *span(token.start, token.end)) for token in tokens]

    def analyze(self, text: str) -> list[Token]:
        if not text:
            return []
        opts, segmenter, stop = self.options, self.segmenter, self.stop
        want_ngrams = opts.char_bigrams or opts.char_unigrams
        blocked = bytearray(len(text)) if want_ngrams else None
        tokens: list[Token] = []
        for word, start, end in _words(segmenter, text, stop):
            if not _is_content(word) or word in stop:
                if blocked is not None:
                    blocked[start:end] = b"\x01" * (end - start)
                continue
            if opts.words == "none" and any(_is_cjk(ch) for ch in word):
                continue
            if opts.words == "search":
                tokens.extend(_sub_words(segmenter, word, start, stop))
            tokens.append(Token(word, start, end))
        if blocked is not None:
            tokens.extend(self._char_ngrams(text, blocked, tokens))
            tokens.sort(key=_SPAN)
        return tokens

    def _char_ngrams(self, text: str, blocked: bytearray, words: list[Token]) -> list[Token]:
        taken = {(t.start, t.end) for t in words}
        unigrams, bigrams, stop = self.options.char_unigrams, self.options.char_bigrams, self.stop
        grams = []
        for run in _CJK_RUN.finditer(text):
            end = run.end()
            for i in range(run.start(), end):
                if blocked[i]:
                    continue
                if unigrams and (i, i + 1) not in taken and text[i] not in stop:
                    grams.append(Token(text[i], i, i + 1))
                if bigrams and i + 1 < end and not blocked[i + 1] and (i, i + 2) not in taken:
                    gram = text[i : i + 2]
                    if gram not in stop:
                        grams.append(Token(gram, i, i + 2))
        return grams


def _words(segmenter: Segmenter, text: str, stop: frozenset[str]) -> Iterator[tuple[str, int, int]]:
    for word, start, end in segmenter.tokenize(text, mode="default", HMM=True):
        if len(word) <= 2 or word in stop or not stop:
            yield word, start, end
            continue
        head = next((n for n in range(len(word) - 1, 1, -1) if word[:n] in stop), 0)
        tail = next(
            (n for n in range(len(word) - head - 1, 1, -1) if word[len(word) - n :] in stop),
            0,
        )
        if head:
            yield word[:head], start, start + head
        yield word[head : len(word) - tail], start + head, end - tail
        if tail:
            yield word[len(word) - tail :], end - tail, end


def _sub_words(segmenter: Segmenter, word: str, start: int, stop: frozenset[str]) -> list[Token]:
    subs = []
    for size in (2, 3):
        if len(word) <= size:
            break
        for i in range(len(word) - size + 1):
            gram = word[i : i + size]
            if segmenter.FREQ.get(gram) and gram not in stop:
                subs.append(Token(gram, start + i, start + i + size))
    return subs

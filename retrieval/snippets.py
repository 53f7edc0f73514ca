"""The quote: the part of a passage that best covers the question.

Candidates are windows of whole sentences that fit in ``max_chars``; a
sentence too long on its own is offered as windows of whole clauses (and a
clause too long on its own as a character window around a match), marked
with "…" where cut. A window's value is the summed weight of the DISTINCT
query terms it contains, so covering 加装电梯 and 凉二 beats repeating 电梯
three times; weights default to term length (longer terms are rarer) and the
retriever passes idf. A query word the passage never prints whole counts,
at a lower weight, by the share of its characters a window holds: the paper
answers 有毒吗 with 有轻微毒性 and 什么颜色 with 体呈银灰色, and without it the
window naming the subject alone wins. Ties go to whole sentences (the
shortest), then to the longest piece of a long sentence, then to the
earliest window.

Terms are matched as tokens of the passage (same tokenizer as the index),
located in the ORIGINAL text through the normalisation map, so a traditional
or full-width question still marks the simplified passage and vice versa.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from .sentences import split_clauses, split_sentences
from .tokenization import Analyzer, Token

ELLIPSIS = "…"
# Punctuation not worth keeping right before an inserted "…".
_TRAILING_PUNCT = "，,、：:；; \t"
_LINE = re.compile(r"[^\r\n]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
# A query word the passage does not print whole counts by the share of its characters
# a window holds, at this share of its weight (chosen on the CMRC 2018 trial split: a
# plateau from 0.3 to 0.8).
PARTIAL = 0.5


@dataclass(frozen=True, slots=True)
class Snippet:
    """A quotable piece of a passage.

    Attributes:
        text: ``passage[start:end]``, with "…" prepended/appended where it cuts
            a sentence.
        spans: sorted, non-overlapping ``(start, end)`` offsets in ``text`` of
            the matched query terms (ready to be bolded).
        start: offset in the passage where the quoted substring begins.
        end: offset in the passage where it ends.
        terms: the query terms matched inside the quoted substring.
    """

    text: str
    spans: list[tuple[int, int]]
    start: int
    end: int
    terms: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class _Window:
    start: int
    end: int
    cut_left: bool
    cut_right: bool


def _locate(text: str, pieces: list[str], offset: int) -> list[tuple[int, int]]:
    # The splitters return stripped substrings in order; find them again.
    spans = []
    pos = 0
    for piece in pieces:
        at = text.find(piece, pos)
        spans.append((offset + at, offset + at + len(piece)))
        pos = at + len(piece)
    return spans


def _sentences(text: str) -> list[tuple[int, int]]:
    # OCR'd headings and captions end with a line break, not a full stop.
    spans = []
    for line in _LINE.finditer(text):
        spans.extend(_locate(line.group(), split_sentences(line.group()), line.start()))
    return spans


def _query_terms(query: str | Sequence[str], tokenizer: Analyzer) -> set[str]:
    if isinstance(query, str):
        return set(tokenizer.tokenize(query))
    return {term for term in (tokenizer.normalize(q).strip() for q in query) if term}


def _matches(text: str, terms: set[str], tokenizer: Analyzer) -> list[Token]:
    if not terms or not text:
        return []
    return tokenizer.matches(text, terms)


def _merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def match_spans(
    text: str, query: str | Sequence[str], tokenizer: Analyzer
) -> list[tuple[int, int]]:
    """Offsets in ``text`` of every query-term match, merged, for bolding a whole article.

    Args:
        text: the original passage or article.
        query: the question, or terms already produced by ``tokenizer``.
        tokenizer: the tokenizer the index uses.
    """
    matches = _matches(text, _query_terms(query, tokenizer), tokenizer)
    return _merge_spans([(m.start, m.end) for m in matches])


def _windows(text: str, matches: list[Token], max_chars: int) -> list[_Window]:
    windows = []
    sentences = _sentences(text)
    for i, (start, end) in enumerate(sentences):
        if end - start > max_chars:
            windows.extend(_clause_windows(text, start, end, matches, max_chars))
            continue
        for _, window_end in sentences[i:]:
            if window_end - start > max_chars:
                break
            windows.append(_Window(start, window_end, False, False))
    return windows


def _clause_windows(
    text: str, start: int, end: int, matches: list[Token], max_chars: int
) -> list[_Window]:
    budget = max(1, max_chars - 2 * len(ELLIPSIS))
    clauses = _locate(text[start:end], split_clauses(text[start:end]), start)
    windows = []
    for i, (clause_start, clause_end) in enumerate(clauses):
        if clause_end - clause_start > budget:
            windows.extend(_char_windows(clause_start, clause_end, start, end, matches, budget))
            continue
        for _, window_end in clauses[i:]:
            if window_end - clause_start > budget:
                break
            cut_left, cut_right = clause_start > start, window_end < end
            windows.append(_Window(clause_start, window_end, cut_left, cut_right))
    return windows


def _char_windows(
    lo: int, hi: int, sentence_start: int, sentence_end: int, matches: list[Token], budget: int
) -> list[_Window]:
    # A clause without punctuation longer than the budget: centre on each match.
    centres = [m for m in matches if lo <= m.start and m.end <= hi] or [Token("", lo, lo)]
    windows = []
    for match in centres:
        start = match.start - (budget - (match.end - match.start)) // 2
        start = max(lo, min(start, hi - budget))
        end = start + budget
        windows.append(_Window(start, end, start > sentence_start, end < sentence_end))
    return windows


def best_snippet(
    text: str,
    query: str | Sequence[str],
    tokenizer: Analyzer,
    max_chars: int = 120,
    *,
    weights: Mapping[str, float] | None = None,
) -> Snippet:
    """The sentence(s) or clause window of ``text`` that best covers ``query``.

    Args:
        text: the original passage.
        query: the question, or terms already produced by ``tokenizer``.
        tokenizer: the tokenizer the index uses.
        max_chars: length budget for ``Snippet.text`` (including any "…").
        weights: optional term -> weight (e.g. idf); default is term length.

    Returns:
        The best window; without any match, the passage's opening.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    terms = _query_terms(query, tokenizer)
    matches = _matches(text, terms, tokenizer)
    windows = _windows(text, matches, max_chars)
    if not windows:
        return Snippet("", [], 0, 0)

    def weight(term: str) -> float:
        if weights is not None and term in weights:
            return max(float(weights[term]), 0.0)
        return float(len(term))

    # Each term's weight once, not once per window (a passage offers tens of windows).
    weight_of = {term: weight(term) for term in terms}
    # Matches come in reading order: a window's are among those starting inside it.
    starts = [m.start for m in matches]
    in_order = all(a <= b for a, b in pairwise(starts))

    def within(window: _Window) -> Sequence[Token]:
        if not in_order:
            return matches
        return matches[bisect_left(starts, window.start) : bisect_right(starts, window.end)]

    # A partial term: its weight at PARTIAL, its length, where its characters stand.
    partial = [
        (PARTIAL * weight_of[term], len(term), positions)
        for term, positions in _partial_terms(text, terms, matches)
    ]

    def rank(window: _Window) -> tuple[float, int, int, int, int]:
        lo, hi = window.start, window.end
        inside = [m for m in within(window) if lo <= m.start and m.end <= hi]
        # fsum: the total must not depend on the set's (hash-seeded) order, or ties flip.
        whole = [weight_of[term] for term in {m.term for m in inside}]
        for scaled, size, positions in partial:
            # Characters of the term with an occurrence in [lo, hi) (positions sorted).
            held = 0
            for where in positions:
                at = bisect_left(where, lo)
                if at < len(where) and where[at] < hi:
                    held += 1
            if held:
                whole.append(scaled * held / size)
        cuts = window.cut_left + window.cut_right
        length = hi - lo
        lead = (min(m.start for m in inside) - lo) if inside else length
        # Start where the match starts (no unrelated lead-in), then take as much as
        # fits: the sentences after a matching one often hold the answer (the place
        # after "开展红色之旅。", the number after the activity's name).
        return (math.fsum(whole), -cuts, -lead, length, -lo)

    if matches:
        best = max(windows, key=rank)
    else:
        # Nothing matched: quote the opening, as long as fits.
        first = min(w.start for w in windows)
        best = max((w for w in windows if w.start == first), key=lambda w: w.end - w.start)
    return _render(text, best, matches)


def _partial_terms(
    text: str, terms: set[str], matches: list[Token]
) -> list[tuple[str, list[list[int]]]]:
    """Chinese query words the passage never prints whole, with where each of their
    characters stands (有毒 asked, 毒性 printed; 颜色 asked, 银灰色 printed), sorted."""
    found = {m.term for m in matches}
    partial = []
    for term in sorted(terms - found):
        if len(term) < 2 or not _HAN.fullmatch(term):
            continue
        positions = [_positions(text, ch) for ch in term]
        if any(positions):
            partial.append((term, positions))
    return partial


def _positions(text: str, ch: str) -> list[int]:
    """Where the character ``ch`` stands in ``text``, in order."""
    found = []
    at = text.find(ch)
    while at >= 0:
        found.append(at)
        at = text.find(ch, at + 1)
    return found


def _render(text: str, window: _Window, matches: list[Token]) -> Snippet:
    start, end = window.start, window.end
    if window.cut_right:
        end = start + len(text[start:end].rstrip(_TRAILING_PUNCT))
    prefix = ELLIPSIS if window.cut_left else ""
    suffix = ELLIPSIS if window.cut_right else ""
    shift = len(prefix) - start
    inside = [m for m in matches if start <= m.start and m.end <= end]
    spans = _merge_spans([(m.start + shift, m.end + shift) for m in inside])
    return Snippet(
        prefix + text[start:end] + suffix, spans, start, end, frozenset(m.term for m in inside)
    )

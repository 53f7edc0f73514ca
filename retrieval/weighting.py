"""How much each term of a question counts: its share of the characters it reads.

A question's terms overlap. With the scoring tokenizer a character of a Chinese
word is read by the word, by the bigrams on either side and by its unigram; a
digit run or a Latin word is one term. Counting every term once therefore gives
a three-character name (word, two bigrams, three unigrams) six votes and a year
one, and a question's longest names outvote everything else it asks about.

:func:`character_shares` makes the characters, not the terms, what is counted:
each character hands out one unit, split equally among the terms that read it,
and a term weighs the mean of what its characters give it, ``1 / (number of the
question's terms covering that character)``. A term none of whose characters is
read by another term weighs 1 (a year, a Latin word, a lone character); a word
read together with its unigrams weighs 1/2, and so do they. So the weights of a
question's terms, each times its length, add up to its number of characters.
They feed BM25 as query-term weights (``Retriever.search_terms``): a term's
contribution to a passage is ``weight * idf * saturation``, so rarer terms
still count more, but no character of the question counts several times.

On CMRC 2018 trial this raised MRR@10 from 0.859 to 0.868 (benchmarks/README.md;
summing instead of averaging over a term's characters, which favours long terms,
gave 0.866, and raising the shares to a power was within noise). Passages are untouched: the index
keeps every term with its frequency, so the index file format does not change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import accumulate

# (term, start, end): a Token, or anything shaped like one.
Span = tuple[str, int, int]


def character_shares(tokens: Iterable[Span]) -> dict[str, float]:
    """Term -> weight for a question's tokens (``[start, end)`` spans in one text).

    A term that occurs several times adds up the weights of its occurrences (as a
    repeated term counts again in BM25). Terms keep their first-occurrence order.
    An empty span counts as one character read by that term alone.
    """
    if not isinstance(tokens, list):
        tokens = list(tokens)
    if not tokens:
        return {}
    # How many terms read each character: +1 where a span starts, -1 where it ends.
    steps = [0] * (max([end for _, _, end in tokens]) + 1)
    for _, start, end in tokens:
        if end > start:
            steps[start] += 1
            steps[end] -= 1
    # 1 / cover per character; a character no term reads is never looked at.
    given = [1 / cover if cover else 0.0 for cover in accumulate(steps)]
    weights: dict[str, float] = {}
    get = weights.get  # once per question, not once per term
    for term, start, end in tokens:
        weights[term] = get(term, 0.0) + _share(given, start, end)
    return weights


def _share(given: list[float], start: int, end: int) -> float:
    """The mean of ``given`` over ``[start, end)``, summed left to right (the one- and
    two-character cases spelled out give the same floats as the sum); 1 if empty."""
    size = end - start
    if size == 1:
        return given[start]
    if size == 2:
        return (given[start] + given[start + 1]) / 2
    if size > 2:
        return sum(given[start:end]) / size
    return 1.0


def word_shares(
    spans: Sequence[tuple[int, int]], size: int, left: bool, right: bool
) -> tuple[tuple[float, ...], float, float]:
    """:func:`character_shares` of one word's own terms (their ``spans`` in the
    ``size``-character word), a bigram across its start (``left``) and one across its
    end (``right``) reading its first and last character too; and what its first and
    last character give each term that reads them (the bigrams across its ends take
    their share from these).

    A term's share depends only on how many terms read each of its characters, and a
    word's characters are read by its own terms and those two bigrams alone, so a
    question's weights can be put together word by word from these (the same floats
    as :func:`character_shares` over the whole question's tokens).
    """
    steps = [0] * (size + 1)
    for start, end in spans:
        if end > start:
            steps[start] += 1
            steps[end] -= 1
    if left:
        steps[0] += 1
        steps[1] -= 1
    if right:
        steps[size - 1] += 1
        steps[size] -= 1
    given = [1 / cover if cover else 0.0 for cover in accumulate(steps)]
    return tuple(_share(given, start, end) for start, end in spans), given[0], given[size - 1]

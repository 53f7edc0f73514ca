"""Quotes: search hits grouped by article, and the snippet each group is quoted by."""

from __future__ import annotations

from collections.abc import Sequence

from corpus.answer.live_index import IndexState
from corpus.answer.segmenters import Segmenters
from corpus.answer.types import Quote, Source
from corpus.store.records import PassageRecord
from retrieval import Hit
from retrieval.expansion import Expansion
from retrieval.snippets import best_snippet

MAX_QUOTES = 12
SNIPPET_CHARS = 200
# What a question term printed in the quote's headline or subhead counts for, as a share
# of its weight, when the snippet window is chosen (see cited_down).
CITED_WEIGHT = 0.1

# A hit's passage and its BM25 score.
Scored = tuple[PassageRecord, float]


def group_hits(state: IndexState, hits: Sequence[Hit]) -> list[list[Scored]]:
    """The hits by article, best article first, at most MAX_QUOTES articles.

    An article's further hits are merged into its quote; a feature's parts under
    different subheads are quoted separately.
    """
    return group_passages([(state.records[hit.index], float(hit.score)) for hit in hits])


def group_passages(
    scored: Sequence[Scored], *, second_within: int = 0
) -> list[list[Scored]]:
    """Passages (best first) as quote groups: each group's first passage is quoted.

    A passage whose article (and subhead) already has a quote joins that quote's group
    (its sentences may still give the direct answer), unless it ranks within the first
    ``second_within`` passages: then it is quoted too, as its article's second quote.
    """
    groups: list[list[Scored]] = []
    first_of: dict[tuple[int, str], list[Scored]] = {}
    quoted: dict[tuple[int, str], int] = {}
    for rank, (record, score) in enumerate(scored):
        key = (record.article_id, record.heading)
        group = first_of.get(key)
        if group is not None and not (rank < second_within and quoted[key] < 2):
            group.append((record, score))
            continue
        if len(groups) >= MAX_QUOTES:
            continue
        groups.append([(record, score)])
        first_of.setdefault(key, groups[-1])
        quoted[key] = quoted.get(key, 0) + 1
    return groups


def make_quotes(
    state: IndexState,
    segmenters: Segmenters,
    expansion: Expansion,
    groups: Sequence[Sequence[Scored]],
) -> list[Quote]:
    """A quote for each group of hits (see :func:`group_hits`), from its best passage.

    Snippets are chosen and marked by the Chinese terms of the expanded question, a
    synonym's terms counting at its weight.
    """
    highlight = expansion.highlight
    terms = list(highlight)
    index = state.retriever.index
    weights = {t: (index.idf(t) or float(len(t))) * w for t, w in highlight.items()}
    highlighter = segmenters.highlighter(state)
    quotes = []
    for group in groups:
        record, score = group[0]
        own = cited_down(weights, highlighter.tokenize(f"{record.article_title}\n{record.heading}"))
        snippet = best_snippet(record.text, terms, highlighter, SNIPPET_CHARS, weights=own)
        quotes.append(
            Quote(
                score=score,
                passage_id=record.passage_id,
                passage=record.text,
                snippet=snippet.text,
                spans=tuple(snippet.spans),
                source=source_of(record),
                merged_passage_ids=tuple(
                    r.passage_id for r, _ in group if r.passage_id != record.passage_id
                ),
                caption=record.kind == "caption",
            )
        )
    return quotes


def cited_down(weights: dict[str, float], cited: Sequence[str]) -> dict[str, float]:
    """``weights`` with the terms of the quote's citation (headline, subhead) weighed down.

    The citation line under every quote shows the headline, so a window holding the
    question's topic word again ("黄鳍紫鱼，又称…") tells the resident nothing new; the
    window holding the words the question asks about (体长, 为食, 招募) does.
    """
    shown = set(cited)
    return {t: w * CITED_WEIGHT if t in shown else w for t, w in weights.items()}


def source_of(record: PassageRecord) -> Source:
    """The citation of a passage."""
    return Source(
        issue=record.issue,
        article_id=record.article_id,
        article_title=record.article_title,
        heading=record.heading,
    )


def clip_sentence(sentence: str, value: str, limit: int = SNIPPET_CHARS) -> str:
    """The sentence, or a window of it around ``value`` when it is too long to quote whole."""
    if len(sentence) <= limit:
        return sentence
    first = value.split("、")[0]
    at = sentence.find(first[-6:]) if first else -1
    at = max(at, 0)
    start = max(0, at - limit // 3)
    end = min(len(sentence), start + limit)
    return ("…" if start else "") + sentence[start:end] + ("…" if end < len(sentence) else "")

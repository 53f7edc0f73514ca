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
SNIPPET_CHARS = 150

# A hit's passage and its BM25 score.
Scored = tuple[PassageRecord, float]


def group_hits(state: IndexState, hits: Sequence[Hit]) -> list[list[Scored]]:
    """The hits by article, best article first, at most MAX_QUOTES articles.

    An article's further hits are merged into its quote; a feature's parts under
    different subheads are quoted separately.
    """
    groups: dict[tuple[int, str], list[Scored]] = {}
    for hit in hits:
        record = state.records[hit.index]
        key = (record.article_id, record.heading)
        group = groups.get(key)
        if group is None:
            if len(groups) >= MAX_QUOTES:
                continue
            group = groups[key] = []
        group.append((record, float(hit.score)))
    return list(groups.values())


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
        snippet = best_snippet(record.text, terms, highlighter, SNIPPET_CHARS, weights=weights)
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
            )
        )
    return quotes


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

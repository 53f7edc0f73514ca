"""Why each quote of an answer was chosen: its score and coverage, concept by concept.

For staff checking a new issue (the console's *Try it*): the same judgement the answer
path made (:func:`~corpus.answer.coverage.evidence`), shown rather than only applied.
"""

from __future__ import annotations

from dataclasses import dataclass

from corpus.answer.coverage import (
    MIN_COVERAGE,
    MIN_TOPIC,
    concept_shares,
    evidence,
    topic_concepts,
)
from corpus.answer.live_index import IndexState
from corpus.answer.segmenters import Segmenters
from corpus.answer.types import Answer, Quote
from corpus.store.records import PassageRecord
from retrieval.expansion import Expansion


@dataclass(frozen=True)
class ConceptMatch:
    """One thing the question asked about, and how far the quoted passage holds it."""

    text: str
    weight: float  # its idf weight in the question
    share: float  # 0..1 of it the passage holds (a synonym counts at its weight)
    topic: bool  # a topic concept (what is asked about), not the frame (什么时候)
    wordings: tuple[str, ...]  # the ways it was looked for: the question's, synonyms, …


@dataclass(frozen=True)
class QuoteWhy:
    passage_id: int
    score: float  # BM25
    coverage: float  # share of the whole question's weight held
    topic: float  # share of the topic concepts' weight held
    answers: bool
    concepts: tuple[ConceptMatch, ...]


@dataclass(frozen=True)
class Explanation:
    terms: int  # weighted search terms the question became
    min_coverage: float
    min_topic: float
    quotes: tuple[QuoteWhy, ...]


def explain(
    state: IndexState, segmenters: Segmenters, expansion: Expansion, answer: Answer
) -> Explanation:
    topics = topic_concepts(expansion, segmenters.words)
    return Explanation(
        terms=len(expansion.terms),
        min_coverage=MIN_COVERAGE,
        min_topic=MIN_TOPIC.get(expansion.lang, MIN_TOPIC["zh"]),
        quotes=tuple(
            why
            for quote in answer.quotes
            if (why := _quote_why(state, segmenters, expansion, topics, quote)) is not None
        ),
    )


def _quote_why(
    state: IndexState,
    segmenters: Segmenters,
    expansion: Expansion,
    topics: list[bool],
    quote: Quote,
) -> QuoteWhy | None:
    group: list[PassageRecord] = [
        r
        for pid in (quote.passage_id, *quote.merged_passage_ids)
        if (r := state.record(pid)) is not None
    ]
    if not group:
        return None  # the issue went between the answer and this (removed meanwhile)
    judged = evidence(state, segmenters, expansion, group[:1], topics)
    concepts = []
    for concept, topic, (weight, share) in zip(
        expansion.concepts,
        topics,
        concept_shares(state, segmenters, expansion, group[:1]),
        strict=True,
    ):
        concepts.append(
            ConceptMatch(
                text=concept.text,
                weight=weight,
                share=share,
                topic=topic,
                wordings=tuple(a.text for a in concept.alternatives),
            )
        )
    return QuoteWhy(
        passage_id=quote.passage_id,
        score=quote.score,
        coverage=judged.coverage,
        topic=judged.topic,
        answers=judged.answers,
        concepts=tuple(concepts),
    )

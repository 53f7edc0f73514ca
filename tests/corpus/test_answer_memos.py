"""The answer path's shortcuts change no answer: the coverage bound and the memos."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from corpus.answer import coverage, live_index, scope
from corpus.answer import service as service_module
from corpus.answer.coverage import evidence, may_answer, topic_concepts
from corpus.answer.gold import load_all
from corpus.answer.saved import answer_to_json
from corpus.answer.service import CANDIDATES, LinliService, clean_question
from corpus.store.engine import Store


def test_the_bound_never_turns_away_a_passage_that_answers(seeded_store: Store) -> None:
    service = LinliService(seeded_store, refresh_interval=0)
    state, segmenters = service.state, service.segmenters
    judged = turned_away = 0
    for question in load_all():
        query, _ = clean_question(question.question)
        expansion = service.expand(state, query)
        if not expansion.terms:
            continue
        topics = topic_concepts(expansion, segmenters.words)
        for hit in state.retriever.search_terms(expansion.terms, k=CANDIDATES):
            group = [state.records[hit.index]]
            answers = evidence(state, segmenters, expansion, group, topics).answers
            bound = may_answer(state, segmenters, expansion, group, topics)
            assert bound or not answers, (question.id, group[0].passage_id)
            judged += 1
            turned_away += not bound
    # It is worth having: most candidates never need segmenting.
    assert turned_away > judged / 2


def _answers(service: LinliService, questions: list[str]) -> list[str]:
    return [
        answer_to_json(dataclasses.replace(service.answer(q), took_ms=0.0)) for q in questions
    ]


def test_memos_and_bound_leave_every_answer_as_it_was(
    seeded_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = [q.question for q in load_all()]
    questions += questions[:20]  # asked again: answered from what the memos kept
    service = LinliService(seeded_store, refresh_interval=0)
    service.load_dictionary()
    shipped = _answers(service, questions)

    plain = LinliService(seeded_store, refresh_interval=0)
    monkeypatch.setattr(coverage._WordWeights, "SIZE", 0)
    monkeypatch.setattr(live_index.CorpusVocabulary, "PHRASES", 0)
    monkeypatch.setattr(live_index.CorpusVocabulary, "TEXTS", 0)
    monkeypatch.setattr(live_index.CorpusVocabulary, "FREQS", 0)
    monkeypatch.setattr(
        service_module,
        "may_answer_groups",
        lambda state, segmenters, expansion, groups, *args: np.ones(len(groups), np.bool_),
    )
    monkeypatch.setattr(service_module, "QuestionWords", lambda words: None)
    monkeypatch.setattr(scope, "_papers", lambda issues: [(i.street, i.publication) for i in issues])
    assert _answers(plain, questions) == shipped

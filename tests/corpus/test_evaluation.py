"""Answer quality on the gold question set: the floors the answers issue promises."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corpus.answer.evaluate import GroupScore, evaluate, format_table, load_gold, normalise
from corpus.answer.service import LinliService
from corpus.ingest.seed import seed_demo
from corpus.store.engine import Store


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, GroupScore]]:
    path = tmp_path_factory.mktemp("gold") / "gold.sqlite3"
    store = Store.open(f"sqlite:///{path}")
    seed_demo(store)
    try:
        result, _ = evaluate(LinliService(store), load_gold())
        yield result
    finally:
        store.close()


def test_gold_set_is_well_formed() -> None:
    questions = load_gold()
    assert len({q.id for q in questions}) == len(questions)
    groups = {g: sum(q.group == g for q in questions) for g in {q.group for q in questions}}
    assert groups["plain"] >= 40
    assert all(groups[g] >= 10 for g in ("traditional", "english", "colloquial"))
    assert all(q.answers and q.issue for q in questions if q.group != "none")


def test_plain_questions_meet_the_floors(scores: dict[str, GroupScore]) -> None:
    plain = scores["plain"].as_dict()
    assert plain["hit@3"] >= 0.90, format_table(scores)
    assert plain["answer_shown"] >= 0.80, format_table(scores)


def test_questions_never_covered_say_so(scores: dict[str, GroupScore]) -> None:
    assert scores["none"].as_dict()["said_not_found"] >= 0.75, format_table(scores)


def test_traditional_questions_match_the_simplified_corpus(scores: dict[str, GroupScore]) -> None:
    assert scores["traditional"].as_dict()["hit@3"] >= 0.90, format_table(scores)


def test_everyday_words_find_the_official_ones(scores: dict[str, GroupScore]) -> None:
    assert scores["colloquial"].as_dict()["hit@3"] >= 0.80, format_table(scores)


def test_english_questions_are_answered_from_the_chinese_paper(
    scores: dict[str, GroupScore],
) -> None:
    assert scores["english"].as_dict()["hit@3"] >= 0.70, format_table(scores)


def test_expansion_costs_plain_questions_nothing(
    scores: dict[str, GroupScore], tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("noexp") / "gold.sqlite3"
    store = Store.open(f"sqlite:///{path}")
    seed_demo(store)
    try:
        plain = [q for q in load_gold() if q.group == "plain"]
        baseline, _ = evaluate(LinliService(store, expansion=False), plain)
    finally:
        store.close()
    with_expansion, without = scores["plain"].as_dict(), baseline["plain"].as_dict()
    for measure in ("hit@1", "hit@3", "hit@5", "answer_shown"):
        assert with_expansion[measure] >= without[measure], format_table(scores, extra=baseline)


def test_normalise_matches_the_gold_rule() -> None:
    assert normalise("9.9 元, 好(吗)?") == "9.9元，好（吗）？"

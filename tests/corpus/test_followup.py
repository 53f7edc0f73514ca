"""Follow-up questions and the resident's street, in the answer service."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.answer.followup import answer_in_context, combined
from corpus.answer.service import LinliService
from corpus.api import Corpus, IssueMeta
from corpus.store.engine import Store

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_issue.txt"
ELEVATOR = "桂花苑小区举行加装电梯签约仪式"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> LinliService:
    from corpus.ingest.seed import seed_demo

    path = tmp_path_factory.mktemp("followup") / "f.sqlite3"
    store = Store.open(f"sqlite:///{path}")
    seed_demo(store)
    answers = LinliService(store)
    Corpus(store, answers, b"s").issues.add_files(
        [SAMPLE], IssueMeta(date="2026-11", source_name="sample_issue.txt")
    )
    answers.load()
    return answers


@pytest.mark.parametrize(
    "question",
    ["那什么时候完工", "在哪里", "多少钱", "那它呢", "那报名呢", "when will it finish?", "where is it?", "什么时候？", "😀"],
)
def test_questions_without_a_topic_of_their_own(service: LinliService, question: str) -> None:
    assert not service.names_own_topic(question)


@pytest.mark.parametrize(
    "question",
    ["停车场在哪里", "社区食堂几点开门", "加装电梯什么时候完工", "垃圾分类", "when is the elevator meeting", "凉城的长者食堂"],
)
def test_questions_with_a_topic_of_their_own(service: LinliService, question: str) -> None:
    assert service.names_own_topic(question)


def test_a_question_names_its_topic_for_a_follow_up(service: LinliService) -> None:
    answer = service.answer("桂花苑小区加装电梯进展怎么样")
    assert answer.topic == "桂花苑小区加装电梯" and answer.about is None
    english = service.answer("when was the elevator signing ceremony")
    assert english.topic == "elevator signing ceremony"
    dated = service.answer("2021年5月那期的垃圾分类")
    assert dated.topic.startswith("2021年5月那期")


def test_a_follow_up_is_answered_from_the_same_article(service: LinliService) -> None:
    first = service.answer("桂花苑小区加装电梯进展怎么样")
    follow = answer_in_context(service, "那什么时候完工", first.topic)
    assert follow.found and follow.about == first.topic == follow.topic
    assert follow.quotes[0].source.article_title == ELEVATOR
    assert follow.text().startswith("关于 桂花苑小区加装电梯：")
    english = answer_in_context(service, "when will it finish?", "elevator signing ceremony")
    assert english.found and english.quotes[0].source.article_title == ELEVATOR
    assert english.text().startswith("About elevator signing ceremony:")


def test_a_question_of_its_own_starts_afresh(service: LinliService) -> None:
    answer = answer_in_context(service, "社区食堂几点开门", "桂花苑小区加装电梯")
    assert answer.about is None and answer.topic.startswith("社区食堂")
    assert all(q.source.article_title != ELEVATOR for q in answer.quotes)
    # No previous topic: the question on its own, whatever it is.
    alone = answer_in_context(service, "那什么时候完工", None)
    assert alone.about is None


def test_the_follow_up_question_reads_naturally(service: LinliService) -> None:
    assert combined("桂花苑小区加装电梯", "那什么时候完工") == "桂花苑小区加装电梯，那什么时候完工"
    assert combined("elevator", "when?") == "elevator, when?"


def test_the_residents_street_comes_first_but_filters_nothing(service: LinliService) -> None:
    plain = service.answer("垃圾分类")
    assert plain.quotes[0].source.issue.street != "花木街道"
    mine = service.answer("垃圾分类", street="花木街道")
    streets = [q.source.issue.street for q in mine.quotes]
    assert streets[0] == "花木街道"
    assert streets == sorted(streets, key=lambda s: s != "花木街道")  # all of it first
    assert {q.source.article_id for q in mine.quotes} == {q.source.article_id for q in plain.quotes}
    # A question naming a street is answered from that street, whatever the setting.
    named = service.answer("长风垃圾分类", street="花木街道")
    assert named.found and {q.source.issue.street for q in named.quotes} == {"长风新村街道"}
    # A street the store does not hold changes nothing.
    assert service.answer("垃圾分类", street="不存在街道").quotes == plain.quotes

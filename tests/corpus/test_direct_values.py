"""What a direct answer's value may be: a count, a year, a place, as the question asks."""

from __future__ import annotations

from corpus.answer.direct import _noun_held
from corpus.answer.extraction import find_answer
from retrieval.expansion import Alternative, Concept, Expansion


def test_a_multiple_is_no_count() -> None:
    text = "新处理器的速度为每秒百亿次，是其上一代处理器的2倍。"
    assert find_answer("number", text, issue_date="2026-11", question="新处理器速度是多少").value is None
    asked = find_answer("number", text, issue_date="2026-11", unit="倍", question="快了几倍")
    assert asked.value == "2倍"


def test_a_year_question_answered_by_a_decade_keeps_the_decade() -> None:
    text = "1990年代以来，老城区受到外来文化的影响。"
    found = find_answer("when", text, issue_date="2026-11", year_only=True)
    assert found.value == "1990年代"
    assert find_answer("when", "1990年以来，老城区…", issue_date="2026-11", year_only=True).value == "1990年"


def test_a_place_names_more_than_the_question_and_its_kind() -> None:
    question = "胜利广场是哪里的一个圆形广场"
    # 广场 (the question's word) + 中心 (a kind of place): no name of anything.
    text = "在广场中心，是国王的骑马雕像。"
    assert find_answer("where", text, issue_date="2026-11", question=question).value is None
    # The 在 of 现在 places nothing.
    text = "广场周围地区现在是高档街区，设计师都在此开设店铺。"
    assert find_answer("where", text, issue_date="2026-11", question=question).value is None
    text = "庆祝活动正在社区文化活动中心举行。"
    assert find_answer("where", text, issue_date="2026-11", question="活动在哪里").value == (
        "社区文化活动中心"
    )


def _concept(text: str, *chinese: str) -> Concept:
    return Concept(text, tuple(Alternative(c, 1.0, "dictionary") for c in chinese))


def test_an_english_count_is_of_the_phrases_head_noun() -> None:
    expansion = Expansion(
        "how many volunteer service projects were there on International Volunteer Day",
        "en",
        (
            _concept("volunteer", "志愿者"),
            _concept("service", "服务"),
            _concept("projects", "项目"),
            _concept("international", "国际"),
            _concept("volunteer", "志愿者"),
            _concept("day", "每日"),
        ),
        {},
    )
    # "volunteer" is a word of the day's name too: the count is still of projects.
    assert not _noun_held(expansion, "社区单位近100名志愿者共同参与")
    assert _noun_held(expansion, "现场提供16项志愿服务项目")

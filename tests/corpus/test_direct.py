"""Direct answers read off a snippet: dates with years, numbers, people, places."""

from __future__ import annotations

import pytest

from corpus.answer.dates import find_dates, resolve_year
from corpus.answer.extraction import find_answer, question_kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("世纪同乐小区什么时候清理楼道堆物？", "when"),
        ("志愿者日是几号", "when"),
        ("when was the elevator meeting", "when"),
        ("收缴了多少个钢瓶", "number"),
        ("How many gas cylinders were confiscated?", "number"),
        ("谁给党员讲四中全会", "who"),
        ("建党活动在哪里办的", "where"),
        ("凉二小区加装电梯进展怎么样了", None),
    ],
)
def test_question_kind(question: str, kind: str | None) -> None:
    assert question_kind(question) == kind


def test_year_comes_from_the_issue_date() -> None:
    assert resolve_year(6, "2019-07") == 2019
    assert resolve_year(12, "2022-01") == 2021
    assert resolve_year(8, "2019-07") == 2019  # announcements run a month ahead


def test_two_dates_in_one_sentence_answer_together() -> None:
    text = "11月22日下午和11月30日下午,世纪同乐党总支、居委会与共建单位的党员同志们联合物业一起行动"
    answer = find_answer("when", text, issue_date="2019-12")
    assert answer.value == "2019年11月22日下午、2019年11月30日下午"
    assert answer.year_inferred
    assert answer.english() == "22 November 2019 (afternoon), 30 November 2019 (afternoon)"


def test_explicit_year_is_kept() -> None:
    [mention] = find_dates("截至2019年4月底,团队已经招募党员志愿者150余名", "2019-07")
    assert mention.zh() == "2019年4月"
    assert not mention.year_inferred


def test_no_date_is_said_honestly() -> None:
    answer = find_answer("when", "近日,联洋二居委组织支部党员开展红色之旅。", issue_date="2019-11")
    assert answer.value is None


def test_number_nearest_the_matched_words() -> None:
    text = "检查共开具5张整改单,收缴钢瓶17个。"
    assert (
        find_answer("number", text, issue_date="2019-11", anchors=[text.index("钢瓶")]).value
        == "17个"
    )
    assert (
        find_answer("number", text, issue_date="2019-11", anchors=[text.index("整改")]).value
        == "5张"
    )


def test_person_and_place() -> None:
    who = find_answer(
        "who",
        "12月10日上午九点,师大二村党支部邀请本小区党员王心园为支部党员们宣讲。",
        issue_date="2019-12",
    )
    assert who.value is not None and "王心园" in who.value
    where = find_answer("where", "庆祝建党98周年活动在社区文化活动中心举行。", issue_date="2019-07")
    assert where.value == "社区文化活动中心"

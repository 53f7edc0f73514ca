"""Scope: a named issue or street restricts; a time named on its own only comes first."""

from __future__ import annotations

from datetime import date

import pytest

from corpus.answer.scope import read_scope
from corpus.store.engine import Store
from corpus.store.records import IssueRef

TODAY = date(2026, 12, 1)
ISSUES = (
    IssueRef(1, "社区晨报", "凉城新村街道", "2019-07-15", False, "一", "a.txt"),
    IssueRef(2, "社区晨报", "凉城新村街道", "2021-05-15", False, "二", "b.txt"),
    IssueRef(3, "花木社区报", "花木街道", "2019-11-15", False, "三", "c.txt"),
)


@pytest.mark.parametrize(
    ("question", "ids", "strict"),
    [
        ("2021年5月那期报纸里讲话的书记是谁", {2}, True),
        ("2019年的报纸上花木有什么活动", {3}, True),
        # 上一期 is the issue before the newest (最新一期, 本期); a paper's only issue is both.
        ("上一期凉城社区晨报写了什么", {1}, True),
        ("最新一期凉城社区晨报写了什么", {2}, True),
        ("上一期花木社区报写了什么", {3}, True),
        ("what was in the previous issue", {3}, True),
        ("what was in the 2019 issue", {1, 3}, True),
        # The time of an event, which a later issue may report.
        ("2019年凉城装了几部电梯", {1, 2}, True),  # the street restricts, the year stays a word
        ("2019年装了几部电梯", {1, 3}, False),
        ("2017年4月，罗保铭担任什么职务", None, None),  # no issue of that time: no scope
        ("how many lifts were installed in 2021", {2}, False),
    ],
)
def test_what_a_question_names(question: str, ids: set[int] | None, strict: bool | None) -> None:
    scope = read_scope(question, ISSUES, today=TODAY)
    if ids is None:
        assert scope is None
        return
    assert scope is not None
    assert set(scope.issue_ids) == ids
    assert scope.strict is strict


def test_a_time_on_its_own_is_not_cut_out_of_the_search() -> None:
    scope = read_scope("2019年装了几部电梯", ISSUES, today=TODAY)
    assert scope is not None and scope.phrases == ()
    named = read_scope("2019年7月那期装了几部电梯", ISSUES, today=TODAY)
    assert named is not None and named.phrases == ("2019年7月那期",)


def test_an_event_time_is_answered_from_a_later_issue_too(seeded_store: Store) -> None:
    from corpus.answer.reply import answer_lines, plain_text
    from corpus.answer.service import LinliService

    service = LinliService(seeded_store)
    # The bundled 2022-01 issue reports the 2021 review meeting; no issue is dated 2020.
    plain = service.answer("基层党组织书记述职评议会有多少位书记述职")
    assert plain.found
    dated = service.answer("2020年基层党组织书记述职评议会有多少位书记述职")
    assert dated.found and dated.scope is None
    assert dated.quotes[0].passage_id == plain.quotes[0].passage_id
    early = service.answer("2019年的垃圾分类志愿者都干些什么")
    assert early.found and early.scope == "2019年" and not early.scope_strict
    assert early.quotes[0].source.issue.date.startswith("2019")
    assert "先查了2019年的社区报" in plain_text(answer_lines(early))

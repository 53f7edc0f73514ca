"""The quote shows what the question asks: the window and the sentence holding the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.answer.extraction import find_answer
from corpus.answer.quotes import CITED_WEIGHT, cited_down
from corpus.answer.service import LinliService
from corpus.ingest.prepare import IssueMeta
from corpus.ingest.write import ingest_text
from corpus.store.engine import Store


@pytest.fixture
def window_service(empty_store: Store, data_dir: Path) -> LinliService:
    text = (data_dir / "window_issue.txt").read_text(encoding="utf-8")
    meta = IssueMeta(date="2026-11", street="长风新村街道", source_name="window.txt")
    ingest_text(empty_store.factory, text, meta)
    return LinliService(empty_store)


def test_terms_of_the_headline_count_less() -> None:
    weights = cited_down({"石鲈": 4.0, "为食": 2.0}, ["蓝斑", "石鲈"])
    assert weights == {"石鲈": 4.0 * CITED_WEIGHT, "为食": 2.0}


def test_the_window_holds_what_is_asked_not_the_headline_again(
    window_service: LinliService,
) -> None:
    # The opening names the fish (as the headline under the quote does); the sentence
    # telling what it eats, 150 characters on, is what the resident asked to see.
    answer = window_service.answer("蓝斑石鲈以什么为食")
    assert answer.found
    assert "以小虾和贝类为食" in answer.quotes[0].snippet


def test_the_sentence_holding_the_count_is_added_to_the_window(
    window_service: LinliService,
) -> None:
    # The team is named in the opening, its head count ("团队…90余名") three sentences on,
    # too far to share a window and too unlike the question for a direct line.
    answer = window_service.answer("绿叶园丁志愿队招了多少党员")
    assert answer.found
    snippet = answer.quotes[0].snippet
    assert "绿叶园丁" in snippet and "90余名" in snippet
    assert snippet.index("绿叶园丁") < snippet.index("90余名")  # in reading order
    assert "90余名" in answer.text()


def test_a_place_an_act_is_done_to() -> None:
    found = find_answer(
        "where", "12月12日，居委会联合多方部门对华府樟园开展楼道堆物治理行动。", issue_date="2026-12"
    )
    assert found.value == "华府樟园"
    # Without an act after it, what 对 governs is no place ("弱点" only ends like one).
    assert find_answer("where", "对无线这个弱点，厂商一直没有改进。", issue_date="2026-12").value is None

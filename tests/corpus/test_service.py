"""The answer service as a resident meets it: the same question, however it is typed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus.answer.service import LinliService, clean_question
from corpus.store.engine import Store


@pytest.fixture
def service(seeded_store: Store) -> Iterator[LinliService]:
    yield LinliService(seeded_store)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("加装 电梯", "加装电梯"),
        ("凉城  加装 电梯？", "凉城加装电梯？"),
        ("加\u200b装\u200d电梯", "加装电梯"),  # zero-width space and joiner inside a word
        ("\ufeff加装\u00ad电梯", "加装电梯"),  # a BOM and a soft hyphen
        ("加装\t电梯\n进展", "加装电梯进展"),
        ("when was the  elevator meeting", "when was the elevator meeting"),
        ("加装 elevator 电梯", "加装 elevator 电梯"),  # spaces beside Latin words stay
        ("  ", ""),
    ],
)
def test_invisible_characters_and_spaces_inside_chinese_change_nothing(
    typed: str, meant: str
) -> None:
    assert clean_question(typed) == (meant, False)


def test_a_spaced_question_is_answered_as_the_one_written_together(
    service: LinliService,
) -> None:
    together = service.answer("凉城加装电梯进展怎么样了")
    assert together.found
    for typed in ("凉城 加装 电梯 进展怎么样了", "凉城加\u200b装电梯进展怎么样了"):
        answer = service.answer(typed)
        assert [q.passage_id for q in answer.quotes] == [q.passage_id for q in together.quotes]


def test_a_huge_question_is_cut_and_says_so(service: LinliService) -> None:
    answer = service.answer("加装电梯" * 500)
    assert answer.truncated and len(answer.query) == 200


def test_a_fact_printed_only_under_a_photo_is_found_and_labelled(
    empty_store: Store, data_dir: Path
) -> None:
    from corpus.answer.reply import answer_lines, plain_text
    from corpus.ingest.prepare import IssueMeta
    from corpus.ingest.write import ingest_text

    text = (data_dir / "sample_issue.txt").read_text(encoding="utf-8")
    ingest_text(empty_store.factory, text, IssueMeta(date="2026-11"))
    answer = LinliService(empty_store).answer("长者食堂谁给老人打菜")
    captions = [q for q in answer.quotes if q.caption]
    assert captions and "长者食堂的工作人员为老人打菜" in captions[0].passage
    assert "〔图片说明〕“" in plain_text(answer_lines(answer))

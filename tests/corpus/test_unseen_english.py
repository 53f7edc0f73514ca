"""English naming a thing the paper never names, in any translation: not found."""

from __future__ import annotations

import pytest

from corpus.answer.answerability import unseen_topics
from corpus.answer.service import LinliService
from corpus.ingest.prepare import IssueMeta
from corpus.ingest.write import ingest_text
from corpus.store.engine import Store
from retrieval.expansion import UNSEEN_PHRASE, UNSEEN_WORD, Concept, Expansion

ISSUE = """# 社区晨报

凉城新村街道党工委、办事处 联合出版

## 汶水公园改造完工

汶水公园位于汶水路北侧，改造后每天早上六点开放。公园内新建了健身步道和儿童游乐区。

## 国际志愿者日

国际志愿者日当天，街道开展志愿服务项目16项，志愿者为居民理发。
"""


@pytest.fixture
def service(empty_store: Store) -> LinliService:
    ingest_text(empty_store.factory, ISSUE, IssueMeta(date="2026-11"))
    return LinliService(empty_store)


def test_a_phrase_no_translation_of_which_is_printed_is_not_found(service: LinliService) -> None:
    assert service.answer("when does the park open").found
    answer = service.answer("when does the swimming pool open")
    assert not answer.found and not answer.quotes


def test_a_compound_of_the_words_translations_finds_its_passage(service: LinliService) -> None:
    answer = service.answer("how many projects on International Volunteer Day")
    assert answer.found
    assert "国际志愿者日当天" in answer.quotes[0].passage


def test_only_strong_unseen_topics_say_not_found() -> None:
    expansion = Expansion(
        "x",
        "en",
        (
            Concept("swimming pool", (), unseen=UNSEEN_PHRASE),
            Concept("confiscated", (), unseen=UNSEEN_WORD),
            Concept("plenum", (), untranslated=True),
        ),
        {},
    )
    assert unseen_topics(expansion, [True, True, True]) == ("swimming pool",)
    assert unseen_topics(expansion, [False, True, True]) == ()


FUTURE = """# 社区晨报

凉城新村街道党工委、办事处 联合出版

## 老党员谈未来

老党员王心园对未来几年社区的发展充满信心，他说今后下雨天也要坚持走访。

## 明天的义诊

社区卫生服务中心明天上午在汶水公园开展义诊，下雨顺延。
"""


def test_a_day_to_come_asked_in_english_needs_the_papers_own_word_for_it(
    empty_store: Store,
) -> None:
    ingest_text(empty_store.factory, FUTURE, IssueMeta(date="2026-11"))
    service = LinliService(empty_store)
    # tomorrow → 未来 (the future) is said of anything ahead: not the day asked about.
    answer = service.answer("will the old party member talk about the future tomorrow")
    assert not answer.found
    # A passage printing 明天 is about that day.
    clinic = service.answer("is there a free clinic tomorrow")
    assert clinic.found and "明天" in clinic.quotes[0].passage

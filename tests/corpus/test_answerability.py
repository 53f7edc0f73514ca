"""Answerability: a name asked about that the passage lacks means the paper is silent."""

from __future__ import annotations

import pytest

from corpus.answer.answerability import asked_names, name_core, name_share
from corpus.answer.coverage import topic_concepts
from corpus.answer.service import LinliService
from corpus.ingest.prepare import IssueMeta
from corpus.ingest.write import ingest_text
from corpus.store.engine import Store

ISSUE = """# 社区晨报

凉城新村街道党工委、办事处 联合出版

## 汶水公园改造完工

汶水公园位于汶水路北侧，改造后占地面积约三万平方米，每天早上六点开放。公园内新建了健身步道和儿童游乐区。

## 居民议事会讨论停车难

汶水路小区居民议事会讨论了停车难问题，居委会主任王建华表示，小区将新增四十个停车位。
"""


@pytest.fixture
def service(empty_store: Store) -> LinliService:
    ingest_text(empty_store.factory, ISSUE, IssueMeta(date="2026-11"))
    return LinliService(empty_store)


@pytest.mark.parametrize(
    ("present", "absent"),
    [
        ("汶水公园位于什么地方", "阿贝歇公园位于什么地方"),
        ("汶水公园每天几点开放", "千色汇公园每天几点开放"),
        ("王建华是哪个小区的居委会主任", "李德胜是哪个小区的居委会主任"),
    ],
)
def test_a_name_the_paper_never_printed_is_not_found_though_its_other_words_match(
    service: LinliService, present: str, absent: str
) -> None:
    assert service.answer(present).found
    answer = service.answer(absent)
    assert not answer.found and not answer.quotes


def test_a_name_is_required_of_the_passage_quoted_not_of_the_corpus(
    service: LinliService,
) -> None:
    # 王建华 is printed, but in the parking article: the park's passage does not answer.
    answer = service.answer("王建华公园每天几点开放")
    assert not any("汶水公园位于" in q.passage for q in answer.quotes)
    assert all("王建华" in q.passage for q in answer.quotes)


def test_ordinary_words_are_not_names(service: LinliService) -> None:
    state = service.state
    expansion = service.expand(state, "公园的面积有多大")
    topics = topic_concepts(expansion, service.segmenters.words)
    assert asked_names(expansion, topics, service.segmenters.words) == ()
    expansion = service.expand(state, "阿贝歇公园的面积有多大")
    topics = topic_concepts(expansion, service.segmenters.words)
    assert "阿贝歇" in "".join(asked_names(expansion, topics, service.segmenters.words))


@pytest.mark.parametrize(
    ("word", "core"),
    [("慧是", "慧"), ("郑宏对", "郑宏"), ("年松", "松"), ("阿贝歇", "阿贝歇"), ("哪件", "件")],
)
def test_particles_glued_to_a_name_are_cut_off(word: str, core: str) -> None:
    assert name_core(word) == core


def test_a_name_is_held_by_half_its_character_pairs() -> None:
    assert name_share("郑宏到", ["区委书记郑宏来到凉城"]) == 0.5
    assert name_share("阿贝歇", ["汶水公园位于汶水路北侧"]) == 0.0
    assert name_share("汶水", ["汶水公园"]) == 1.0


def test_a_long_term_no_passage_has_is_not_found(service: LinliService) -> None:
    # The park and its opening hour are printed; 游泳池 is in the dictionary, in no passage.
    assert service.answer("汶水公园健身步道几点开放").found
    assert not service.answer("汶水公园游泳池几点开放").found


def test_a_name_cut_in_two_is_asked_whole(service: LinliService) -> None:
    expansion = service.expand(service.state, "兰比尔的身高是多少")
    topics = topic_concepts(expansion, service.segmenters.words)
    names = asked_names(
        expansion, topics, service.segmenters.words, service.state.retriever.index.doc_freq
    )
    assert "兰比尔" in names


def test_a_word_asking_who_or_which_is_no_name(service: LinliService) -> None:
    expansion = service.expand(service.state, "这个计划由谁来主持")
    topics = topic_concepts(expansion, service.segmenters.words)
    names = asked_names(
        expansion, topics, service.segmenters.words, service.state.retriever.index.doc_freq
    )
    assert not any("谁" in name for name in names)


def test_a_new_word_read_as_a_verb_or_position_is_no_name(service: LinliService) -> None:
    question = "汶水公园楼里装了几个健身器材"
    tagged = dict(service.segmenters.words.tokenizer.parts_of_speech(question))
    assert tagged["楼里装"] == "s"  # jieba's HMM glued 楼里 and 装
    expansion = service.expand(service.state, question)
    topics = topic_concepts(expansion, service.segmenters.words)
    names = asked_names(
        expansion, topics, service.segmenters.words, service.state.retriever.index.doc_freq
    )
    assert not any("楼里" in name for name in names)


@pytest.mark.parametrize("tail", ["啊" * 50, "哈哈哈", "呀呀"])
def test_interjections_run_together_are_no_name(service: LinliService, tail: str) -> None:
    # jieba's HMM makes one new word of 啊啊啊…; a resident's filler must not be asked for.
    answer = service.answer("汶水公园每天几点开放" + tail)
    assert answer.found and "六点" in answer.text()

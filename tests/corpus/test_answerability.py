"""Answerability: a name asked about that the passage lacks means the paper is silent."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from corpus.answer.answerability import (
    Coined,
    Term,
    asked_names,
    holds_names,
    name_core,
    name_share,
)
from corpus.answer.coverage import coverage, evidence, topic_concepts
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


GUESTS = """# 社区晨报

凉城新村街道党工委、办事处 联合出版

## 远方来客

成都市锦江区参访团来到汶水公园参观学习，听取了公园改造的介绍。

## 老街新貌

汶水街全长八百米，宽约五米，两旁的老房子修缮一新。

## 居委会主任

汶水路居委会主任王建华毕业于华东师范大学中文专业，在社区工作了二十年。

## 健身设施

汶水公园内新建了三条健身步道，全长两公里。

## 三号楼的喜事

汶水路三号楼加装电梯已经完工，居民出资一半。
"""


@pytest.fixture
def guests(empty_store: Store) -> LinliService:
    ingest_text(empty_store.factory, GUESTS, IssueMeta(date="2026-11"))
    return LinliService(empty_store)


def _record(text: str, title: str = "") -> SimpleNamespace:
    return SimpleNamespace(
        issue=SimpleNamespace(street=""), article_title=title, heading="", text=text
    )


def test_a_term_beside_a_name_the_passage_holds_needs_one_of_its_pairs(
    guests: LinliService,
) -> None:
    words = guests.segmenters.words
    passage = _record("王建华毕业于华东师范大学中文专业")
    assert holds_names(("王建华", Term("本科毕业")), passage, words)  # 毕业
    assert not holds_names(("王建华", Term("研究成果")), passage, words)
    # Asked on its own, the term is the topic, held as a name is.
    assert not holds_names((Term("本科毕业"),), passage, words)
    assert not holds_names(("李德胜", Term("本科毕业")), passage, words)


def test_the_issues_street_is_no_name_a_term_may_lean_on(guests: LinliService) -> None:
    words = guests.segmenters.words
    passage = SimpleNamespace(
        issue=SimpleNamespace(street="凉城新村街道"),
        article_title="",
        heading="",
        text="奎照路1000弄拆违结束，改善了居住环境。",
    )
    # 凉城 is held by every passage of the street's issues: it says where, not what.
    assert not holds_names(("凉城", Term("居住证")), passage, words)
    assert holds_names(("奎照路", Term("居住证")), passage, words)


def test_a_term_asked_alone_needs_more_than_half_of_its_pairs(guests: LinliService) -> None:
    words = guests.segmenters.words
    # 居住 is one word of 居住证: a passage on 居住环境 is not about the permit.
    assert not holds_names((Term("居住证"),), _record("彻底改善了居住环境"), words)
    assert holds_names((Term("居住证"),), _record("凭居住证办理"), words)
    # A resident's shortening of the printed name: every character, in order, near.
    assert holds_names((Term("志愿队"),), _record("绿叶园丁志愿服务队招募党员"), words)
    assert not holds_names((Term("志愿队"),), _record("志愿者来到党员服务站，排成一队"), words)
    # Four characters: two of its three pairs are more than half.
    assert holds_names((Term("研究成果"),), _record("研究取得了成果"), words)  # 研究, 成果
    assert not holds_names((Term("研究成果"),), _record("他的研究很深入"), words)


def test_a_new_word_read_as_a_numeral_is_no_name(guests: LinliService) -> None:
    question = "汶水公园进入前十的项目有哪些"
    assert dict(guests.segmenters.words.tokenizer.parts_of_speech(question))["前十"] == "m"
    expansion = guests.expand(guests.state, question)
    topics = topic_concepts(expansion, guests.segmenters.words)
    names = asked_names(
        expansion, topics, guests.segmenters.words, guests.state.retriever.index.doc_freq
    )
    assert "前十" not in names


def test_a_dictionary_compound_no_passage_prints_is_asked_as_a_term(
    guests: LinliService,
) -> None:
    expansion = guests.expand(guests.state, "王建华本科毕业于哪所大学")
    topics = topic_concepts(expansion, guests.segmenters.words)
    names = asked_names(
        expansion, topics, guests.segmenters.words, guests.state.retriever.index.doc_freq
    )
    assert [(n, isinstance(n, Term)) for n in names] == [("王建华", False), ("本科毕业", True)]
    assert guests.answer("王建华本科毕业于哪所大学").found


def test_a_particle_glued_to_a_word_is_no_evidence_against(guests: LinliService) -> None:
    tagged = dict(guests.segmenters.words.tokenizer.parts_of_speech("汶水街有哪些老房子"))
    assert "街有" in tagged  # jieba's HMM glued 街 and 有
    answer = guests.answer("汶水街有哪些老房子")
    assert answer.found and "修缮一新" in answer.text()


def test_a_place_counts_inside_the_longer_word_the_paper_prints(guests: LinliService) -> None:
    # The paper prints 成都市 (one word to jieba); the resident writes 成都.
    state = guests.state
    (visit,) = [r for r in state.records if "成都市" in r.text]
    assert coverage(state, guests.segmenters, guests.expand(state, "成都"), [visit]) == 1.0
    # Other words are still held only as words of the text (园改 runs across 公园改造).
    assert coverage(state, guests.segmenters, guests.expand(state, "园改"), [visit]) < 1.0
    answer = guests.answer("成都哪个区来参观了")
    assert answer.found and "锦江区" in answer.text()


def test_a_word_never_printed_before_de_may_be_half_of_the_papers_compound(
    guests: LinliService,
) -> None:
    # 跑步 is in no passage; 跑步的道 is the resident's 步道 (健身步道).
    answer = guests.answer("汶水公园有几条跑步的道")
    assert answer.found and "三条健身步道" in answer.quotes[0].passage
    state = guests.state
    (trails,) = [r for r in state.records if "步道" in r.text]
    joined = coverage(state, guests.segmenters, guests.expand(state, "跑步的道"), [trails])
    apart = coverage(state, guests.segmenters, guests.expand(state, "跑步和道"), [trails])
    assert joined > apart


def test_a_part_of_a_local_compound_counts_where_the_compound_is_printed(
    guests: LinliService,
) -> None:
    # 加装电梯 is one word by the user dictionary; the resident writes 电梯.
    state = guests.state
    (lift,) = [r for r in state.records if "加装电梯" in r.text]
    assert coverage(state, guests.segmenters, guests.expand(state, "电梯"), [lift]) == 1.0
    answer = guests.answer("楼里装电梯的事怎么样了")
    assert answer.found and "已经完工" in answer.quotes[0].passage


def test_an_affix_cut_off_on_its_own_is_no_topic(service: LinliService) -> None:
    # jieba tags 们 k (a suffix): 居民们 asks about 居民, not about 们 as well.
    question = "居民们讨论了什么"
    assert ("们", "k") in service.segmenters.words.tokenizer.parts_of_speech(question)
    expansion = service.expand(service.state, question)
    topics = dict(
        zip(
            (c.text for c in expansion.concepts),
            topic_concepts(expansion, service.segmenters.words),
            strict=True,
        )
    )
    assert topics["居民"] and not topics["们"]


def test_a_framing_word_the_paper_never_printed_costs_no_coverage(
    service: LinliService,
) -> None:
    state, segmenters = service.state, service.segmenters
    (record,) = [r for r in state.records if "汶水公园位于" in r.text]

    def judged(question: str) -> float:
        expansion = service.expand(state, question)
        topics = topic_concepts(expansion, segmenters.words)
        return evidence(state, segmenters, expansion, [record], topics).coverage

    # 那天 (a pronoun) is in no passage, as no question word is: it says nothing.
    assert judged("那天汶水公园位于什么地方") == judged("汶水公园位于什么地方")
    # A small verb no passage has (吵) is still something the passage does not say.
    assert judged("汶水公园位于什么地方吵") < judged("汶水公园位于什么地方")


def test_a_shortened_name_the_segmenter_cut_in_two_is_found_whole(
    guests: LinliService,
) -> None:
    words = guests.segmenters.words
    question = "陪同调研的区文旅局党组书记是谁"
    expansion = guests.expand(guests.state, question)
    topics = topic_concepts(expansion, words)
    names = asked_names(expansion, topics, words, guests.state.retriever.index.doc_freq)
    coined = [n for n in names if isinstance(n, Coined)]
    assert coined and all(n.run == "区文旅局" for n in coined)  # 区文 | 旅局
    printed = _record("区委宣传部副部长、区文化和旅游局党组书记赵明陪同。")
    assert holds_names(names, printed, words)
    assert not holds_names(names, _record("区委宣传部副部长、区旅游协会会长陪同。"), words)


PHONE_ISSUE = """# 社区晨报

凉城新村街道党工委、办事处 联合出版

## 汶水路小区物业换新

汶水路小区物业公司十二月起由新公司接管，居委会将召集居民代表座谈。

## 卫生服务中心开通预约热线

凉城社区卫生服务中心开通预约热线，电话6655 8899，工作日早上八点半到下午五点接听。
"""


def test_a_phone_number_asked_needs_a_passage_that_prints_one(empty_store: Store) -> None:
    ingest_text(empty_store.factory, PHONE_ISSUE, IssueMeta(date="2026-11"))
    service = LinliService(empty_store)
    # The estate's property company is in the paper, its telephone is not: the passage
    # sharing 小区 and 物业 is not the answer.
    answer = service.answer("汶水路小区物业电话是多少")
    assert not answer.found and not answer.quotes
    answer = service.answer("社区卫生服务中心预约电话是多少")
    assert answer.found
    assert "6655 8899" in answer.quotes[0].passage


@pytest.mark.parametrize(
    ("question", "text", "supplied"),
    [
        ("物业电话是多少", "物业公司由新公司接管", False),
        ("物业电话是多少", "物业电话021-66558899", True),
        ("what is the hotline number", "开通热线12345", True),
        ("物业费是多少", "物业公司由新公司接管", True),  # a count or amount: not judged
        ("居委会在哪里", "居委会位于汶水路", True),
    ],
)
def test_only_a_value_of_the_asked_type_supplies_a_phone_question(
    question: str, text: str, supplied: bool
) -> None:
    from corpus.answer.extraction import supplies

    assert supplies(question, text) is supplied


def test_a_surname_before_a_given_name_is_part_of_the_name(service: LinliService) -> None:
    # 于 and 向 begin prepositions too, but before a given name tagged a name they are
    # surnames: 于海 must be printed, not 海.
    expansion = service.expand(service.state, "于海为何无缘汶水公园")
    topics = topic_concepts(expansion, service.segmenters.words)
    assert "于海" in asked_names(expansion, topics, service.segmenters.words)
    assert not service.answer("于海什么时候去汶水公园").found


RUN = """# 社区晨报

凉城新村街道党工委、办事处 联合出版

## 活动预告

文化中心本月举办象棋比赛，欢迎居民报名参加。

## 场馆开放

凉城文化中心周一闭馆维护，其余时间正常开放。
"""


def test_a_name_written_as_one_run_is_held_where_its_parts_are(empty_store: Store) -> None:
    # The street is in the masthead, 文化中心 in the text: 凉城文化中心 written as one
    # run (a word the corpus prints elsewhere) answers as "凉城 文化中心" written apart.
    ingest_text(empty_store.factory, RUN, IssueMeta(date="2026-11", street="凉城新村街道"))
    service = LinliService(empty_store)
    apart = service.answer("凉城 文化中心有没有下棋比赛")
    together = service.answer("凉城文化中心有没有下棋比赛")
    assert apart.found and together.found
    assert together.quotes[0].passage_id == apart.quotes[0].passage_id
    # Both parts are needed: 凉城 alone beside another centre is not it.
    assert not service.answer("凉城体育中心有没有下棋比赛").found


def test_a_framing_word_mistyped_is_no_name(service: LinliService) -> None:
    # 干麻 is 干嘛 (what for) picked wrong by the input method: no name to find.
    question = "汶水公园新建的健身步道用来干麻"
    expansion = service.expand(service.state, question)
    topics = topic_concepts(expansion, service.segmenters.words)
    words = service.segmenters.words
    assert "干麻" in asked_names(expansion, topics, words)
    slips = service.expander.dictionary_homophones
    assert "干麻" not in asked_names(expansion, topics, words, slips=slips)
    assert service.answer(question).found
    # A name no framing word sounds like stays a name.
    other = service.expand(service.state, "阿贝歇公园位于什么地方")
    assert "阿贝歇" in asked_names(other, topic_concepts(other, words), words, slips=slips)

"""The direct line's gate: the value must stand in the clause that tells the question."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.answer.dates import find_dates
from corpus.answer.direct import Signals, clause_evidence, confident
from corpus.answer.extraction import DirectAnswer, asked_family, find_answer
from corpus.answer.service import LinliService
from corpus.ingest.prepare import IssueMeta
from corpus.ingest.write import ingest_text
from corpus.store.engine import Store


def _weigh(*words: str):  # type: ignore[no-untyped-def]
    """Question words of weight 1 each, found in a text by plain containment."""
    return lambda text: float(sum(w in text for w in words))


def test_the_value_is_weighed_by_its_own_clause() -> None:
    sentence = "香港自十九世纪以来即为英国殖民地，至1997年才结束。"
    found = find_answer("when", sentence, issue_date="2020-01")
    clause, rival = clause_evidence(sentence, found, _weigh("香港", "英国", "殖民地"))
    assert found.value == "1997年"
    assert clause == 0.0  # its clause tells the end, not the question
    assert rival == 0.0


def test_a_leading_time_belongs_to_the_first_clause_that_tells_the_question() -> None:
    sentence = "11月6日，在区委外事办的带领下，成都市锦江区参访团来到联洋社区进行参观学习。"
    found = find_answer("when", sentence, issue_date="2019-11")
    clause, _ = clause_evidence(sentence, found, _weigh("参访团", "联洋"))
    assert clause == 1.0
    # A duration before its clause likewise ("经过2个多月的努力，…拆除工作圆满结束").
    sentence = "经过2个多月的努力，奎照路小区屋顶违建拆除工作圆满结束。"
    found = find_answer("number", sentence, issue_date="2019-11", family="duration")
    assert clause_evidence(sentence, found, _weigh("违建", "拆除"))[0] == 1.0


def test_another_date_whose_clause_tells_more_of_the_question_is_a_rival() -> None:
    sentence = "占旭刚1987年进入浙江省举重队，1994年入选中国国家举重队。"
    found = find_answer("when", sentence, issue_date="2020-01", year_only=True)
    clause, rival = clause_evidence(sentence, found, _weigh("占旭刚", "入选", "国家", "举重队"))
    assert found.value == "1987年" and found.candidates == 2
    assert rival > clause


def test_the_gate_refuses_a_value_from_a_clause_about_something_else() -> None:
    year = DirectAnswer("when", "1997年", path="year", span=(20, 25))
    told = Signals(share=1.0, topic=1.0, coverage=1.0, candidates=1, clause=1.0, rival=0.0)
    assert confident(year, told)
    assert not confident(year, told._replace(clause=0.0))
    # A count is told of the sentence's topic across a comma ("尤金袋鼠很细小，约只有8公斤重").
    weight = DirectAnswer("number", "8公斤", path="weight", span=(20, 23))
    assert confident(weight, told._replace(clause=0.0))
    # Another date's clause tells more of the question: no line.
    assert not confident(year, told._replace(clause=0.4, rival=0.6))


def test_a_weak_way_among_several_values_needs_its_clause_to_hold_the_question() -> None:
    year = DirectAnswer("when", "2005年", path="year", candidates=2, span=(14, 19))
    several = Signals(share=1.0, topic=1.0, coverage=1.0, candidates=2, clause=1.0, rival=0.1)
    assert confident(year, several)
    assert not confident(year, several._replace(rival=0.6))  # not twice the rival's
    assert not confident(year, several._replace(clause=0.3, rival=0.0))  # too little of it
    # A year the text does not print is one guess too many among several dates.
    from corpus.answer.dates import DateMention

    guessed = DirectAnswer(
        "when", "2019年8月", (DateMention(2019, 8, year_inferred=True),), path="month",
        candidates=2, span=(0, 2),
    )  # fmt: skip
    assert not confident(guessed, several)


def test_a_name_cut_out_of_a_word_is_no_answer() -> None:
    place = DirectAnswer("where", "约证券交易所上市公司", path="named", span=(8, 18))
    told = Signals(share=1.0, topic=1.0, coverage=1.0, candidates=1, clause=1.0, rival=0.0)
    assert confident(place, told)
    assert not confident(place, told._replace(whole_words=False))


def test_a_list_leaving_out_items_of_its_enumeration_is_only_part_of_the_answer() -> None:
    text = "计算神经科学为一种跨领域科学，包含神经科学、认知科学、资讯工程、电脑科学、物理学及数学。"
    partial = find_answer("which", text, issue_date="2020-01", noun="科学", question="包含哪些科学")
    assert partial.value and partial.others  # 资讯工程, 物理学及数学 are left out
    told = Signals(share=1.0, topic=1.0, coverage=1.0, candidates=2, clause=1.0, rival=0.0)
    assert not confident(partial, told)
    text = "居委会和物业走访了凉二小区、凉三小区。"
    whole = find_answer("which", text, issue_date="2020-01", noun="小区")
    assert whole.value == "凉二小区、凉三小区" and not whole.others
    assert confident(whole, told)


def test_dates_read_as_printed() -> None:
    # A reign year in brackets between the year and the month keeps the year.
    assert [d.zh() for d in find_dates("1993年（民国82年）1月24日起停播", "2000-01")] == [
        "1993年1月24日"
    ]
    # A span of months without a year comes back every year: as printed, no year guessed.
    [season] = find_dates("生殖季在2至4月。", "2000-01")
    assert season.zh() == "2至4月" and season.year is None
    assert season.en() == "February to April"
    # Years standing alone beside a date are other dates of the sentence (rivals).
    text = "1817年3月8日，交易者联盟草拟出条例，1863年，交易管理处改名为证券交易所。"
    found = find_answer("when", text, issue_date="2000-01")
    assert found.value == "1817年3月8日" and found.candidates == 2 and len(found.others) == 1
    # ... but not the year of the date read itself.
    text = "2008年夏季奥运会男子100米跑赛事在2008年8月15日及8月16日举行。"
    assert find_answer("when", text, issue_date="2000-01").candidates == 1


def test_minutes_ask_for_a_duration() -> None:
    assert asked_family("多少分钟内不得进行配对") == "duration"
    text = "8人经典模式随机配对，离开者4分钟内不得进行配对。"
    assert find_answer("number", text, issue_date="2020-01", family="duration").value == "4分钟"


def test_a_person_under_another_title_is_a_rival() -> None:
    text = "活动由办事处主任陈懿，凉城派出所所长刘伟民为党支部揭牌。"
    found = find_answer("who", text, issue_date="2020-01", title="主任")
    assert found.value == "陈懿" and found.candidates == 1
    assert [text[a:b] for a, b in found.others] == ["刘伟民"]


@pytest.fixture
def clause_service(empty_store: Store, data_dir: Path) -> LinliService:
    text = (data_dir / "clause_issue.txt").read_text(encoding="utf-8")
    ingest_text(empty_store.factory, text, IssueMeta(date="2026-12", street="凉城新村街道", source_name="clause.txt"))
    return LinliService(empty_store)


def test_through_the_service_only_the_clause_that_tells_it_answers(
    clause_service: LinliService,
) -> None:
    # The date of the event asked about stands in its own clause: a direct line.
    answer = clause_service.answer("桂花苑志愿者什么时候去长风公园的")
    assert answer.found
    assert answer.direct_answer is not None and "12月3日" in answer.direct_answer
    # Two years, each in a clause of its own: the one whose clause tells the question.
    answer = clause_service.answer("桂花苑志愿队哪一年获评区优秀志愿团队")
    assert answer.found
    assert answer.direct_answer in (None, "2018年")


def test_a_count_among_several_chosen_by_nearness_alone_is_refused() -> None:
    count = DirectAnswer("number", "1人", path="unit", candidates=3, span=(30, 32))
    several = Signals(
        share=1.0, topic=1.0, coverage=1.0, candidates=3, clause=0.1, rival=0.8, beside=False
    )
    # "教师836人，其中…1人": another count's clause tells more, none of the question beside it.
    assert not confident(count, several)
    # The question's words beside it (杂物近10车) or its clause the fullest: it answers.
    assert confident(count, several._replace(beside=True))
    assert confident(count, several._replace(clause=0.9))
    # The only count of the sentence has nothing to be mixed up with.
    assert confident(count, several._replace(candidates=1))


def test_a_count_of_something_else_or_a_kind_of_thing_is_refused() -> None:
    told = Signals(share=1.0, topic=1.0, coverage=1.0, candidates=1, clause=1.0, rival=0.0)
    count = DirectAnswer("number", "100多家", path="any", span=(2, 7))
    assert confident(count, told)
    assert not confident(count, told._replace(noun_held=False))
    named = DirectAnswer("where", "漫画杂志", path="named", span=(3, 7))
    assert confident(named, told)
    assert not confident(named, told._replace(proper=False))


def _english(question: str, *concepts: tuple[str, tuple[str, ...]]):  # type: ignore[no-untyped-def]
    from retrieval.expansion.concepts import Alternative, Concept, Expansion

    return Expansion(
        question=question,
        lang="en",
        concepts=tuple(
            Concept(text, tuple(Alternative(a, 1.0, "dictionary") for a in alts))
            for text, alts in concepts
        ),
        terms={},
    )


def test_an_english_count_needs_its_noun_in_the_values_clause() -> None:
    from corpus.answer.direct import _noun_held

    asked = _english(
        "how many service projects were there",
        ("service", ("服务",)),
        ("projects", ("项目",)),
    )
    assert _noun_held(asked, "共开展16项志愿服务项目")
    assert not _noun_held(asked, "将有100多家街道机关事业单位召开组织生活会")
    # Nothing countable named, or nothing the index can translate: not judged.
    assert _noun_held(_english("how many are there"), "100多家单位")
    assert _noun_held(_english("how many zorbs", ("zorbs", ())), "100多家单位")


def test_a_common_noun_before_the_asked_noun_is_a_kind_not_a_name() -> None:
    from corpus.answer.direct import _proper

    tags = {"漫画": "n", "月刊": "n", "Comic": "eng", "大光明": "nz", "联合": "v"}

    class _Tagger:
        def parts_of_speech(self, text: str) -> list[tuple[str, str]]:
            words, at = [], 0
            while at < len(text):
                word = next((w for w in tags if text.startswith(w, at)), text[at])
                words.append((word, tags.get(word, "x")))
                at += len(word)
            return words

    class _Words:
        tokenizer = _Tagger()

    class _Segmenters:
        words = _Words()

    seg = _Segmenters()
    assert not _proper(seg, "漫画杂志", "杂志")  # type: ignore[arg-type]
    assert _proper(seg, "月刊Comic杂志", "杂志")  # type: ignore[arg-type]
    assert _proper(seg, "联合大光明影院", "影院")  # type: ignore[arg-type]


def test_a_count_whose_rival_item_tells_all_it_tells_and_more_is_refused() -> None:
    from corpus.answer.direct import _outdone

    def words(*asked: str):  # type: ignore[no-untyped-def]
        return lambda text: {w for w in asked if w in text}

    sentence = "该单曲初动销量7.7万张、累计销量12.6万张。"
    first = find_answer("number", sentence, issue_date="2020-01", anchors=[3])
    assert first.value == "7.7万张" and first.candidates == 2
    assert _outdone(sentence, first, words("销量", "累计"))
    # The rival's item tells the first's words only, not more: nothing to prefer.
    assert not _outdone(sentence, first, words("销量"))
    # A count in another measure word is another thing counted (杂物近10车, 两幢高层).
    other = "清理两幢高层的楼道杂物，清出杂物近10车。"
    found = find_answer("number", other, issue_date="2020-01", anchors=[other.find("清出")])
    assert found.value == "近10车"
    assert not _outdone(other, found, words("楼道", "杂物", "清理", "清出"))
    told = Signals(share=1.0, topic=1.0, coverage=1.0, candidates=2, clause=1.0, rival=1.0)
    assert not confident(first, told._replace(outdone=True))


def test_a_clause_ending_in_after_tells_when_the_next_one_happens() -> None:
    sentence = "2013年12月26日，台湾首家门店开幕，2017年3月5日最后一家店结束经营后，品牌正式撤出台湾。"
    found = find_answer("when", sentence, issue_date="2020-01")
    assert found.value == "2013年12月26日" and found.candidates == 2
    clause, rival = clause_evidence(sentence, found, _weigh("台湾", "撤出"))
    # The later date's clause (…结束经营后) is the time of 撤出台湾: it tells more.
    assert rival > clause
    several = Signals(share=1.0, topic=1.0, coverage=1.0, candidates=2, clause=clause, rival=rival)
    assert not confident(found, several)


@pytest.fixture
def rate_service(empty_store: Store, data_dir: Path) -> LinliService:
    text = (data_dir / "rate_issue.txt").read_text(encoding="utf-8")
    meta = IssueMeta(date="2026-12", street="凉城新村街道", source_name="rate.txt")
    ingest_text(empty_store.factory, text, meta)
    return LinliService(empty_store)


def test_a_rate_question_is_answered_by_the_rate_and_a_total_by_the_total(
    rate_service: LinliService,
) -> None:
    per = rate_service.answer("梅花苑便民服务每场服务多少居民")
    assert per.found and per.direct is not None
    assert per.direct.value == "80人"
    total = rate_service.answer("梅花苑便民服务队集中服务那天服务了多少居民")
    assert total.found and total.direct is not None
    assert total.direct.value == "上千人"
    english = rate_service.answer("how many residents does each Meihuayuan convenience service session serve")
    assert english.found
    assert english.quotes[0].snippet.find("80人") >= 0


def test_the_time_of_day_printed_in_words_answers_what_time(rate_service: LinliService) -> None:
    answer = rate_service.answer("梅花苑便民服务队几点在小区广场开展集中服务")
    assert answer.found and answer.direct is not None
    assert answer.direct.value == "2026年12月6日上午九点"
    english = rate_service.answer("what time was the Meihuayuan convenience service in the square")
    assert english.direct is not None and "9:00 a.m." in (english.direct_answer or "")


TALLY = """# 社区晨报

## 梅花苑国际志愿者日活动

12月5日是国际志愿者日，梅花苑近100名志愿者参与了活动。

活动现场提供法律咨询、理发等12项服务，受惠人数上千人。
"""


def test_a_count_printed_as_the_tally_of_the_asked_word_beats_one_before_a_piece_of_another(
    empty_store: Store,
) -> None:
    ingest_text(empty_store.factory, TALLY, IssueMeta(date="2026-12", street="凉城新村街道"))
    service = LinliService(empty_store)
    # 近100名 is followed by 志愿者, a piece of 国际志愿者日; 上千人 is the tally of 受惠.
    answer = service.answer("梅花苑国际志愿者日活动受惠的人有多少")
    assert answer.direct is not None and answer.direct.value == "上千人"

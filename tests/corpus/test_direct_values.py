"""What a direct answer's value may be: a count, a year, a place, as the question asks."""

from __future__ import annotations

import pytest

from corpus.answer.dates import find_dates
from corpus.answer.direct import (
    Signals,
    _beside,
    _counted_noun,
    _counts_noun,
    _noun_held,
    _who_is_en,
    asks_per,
    confident,
)
from corpus.answer.extraction import DirectAnswer, asked_family, asks_ordinal, find_answer
from corpus.answer.numbers import counts, number_en
from corpus.answer.segmenters import Segmenters
from retrieval import DEFAULT_USERDICT, MemoTokenizer
from retrieval.cedict import Cedict
from retrieval.expansion import Alternative, Concept, Expansion
from retrieval.expansion.pinyin import reads_as


@pytest.fixture(scope="module")
def words() -> MemoTokenizer:
    return Segmenters(DEFAULT_USERDICT).words


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


def test_a_building_number_counts_nothing() -> None:
    text = "党员们共同对世纪同乐小区35号楼的楼梯间进行清理，共清出杂物近10车。"
    assert find_answer("number", text, issue_date="2026-11").value == "近10车"
    assert find_answer("number", "志愿者清理了35号楼的楼梯间。", issue_date="2026-11").value is None


def test_what_number_asks_a_rank() -> None:
    assert asks_ordinal("what number International Volunteer Day is it this year")
    text = "12月5日是第34个国际志愿者日，近100名志愿者参与。"
    assert find_answer("number", text, issue_date="2026-11", ordinal=True).value == "第34个"


def test_a_value_tied_with_another_of_its_kind_is_no_answer() -> None:
    name = DirectAnswer("who", "乐跃明", path="name", candidates=2, span=(7, 10), others=((20, 23),))
    told = Signals(share=1.0, topic=1.0, coverage=1.0, candidates=2, clause=0.4, rival=0.2)
    assert confident(name, told)
    # 书记乐跃明，…副书记许军霞: each clause tells as much of the question.
    assert not confident(name, told._replace(rival=0.4))


def test_a_question_word_beside_a_count_may_run_into_it() -> None:
    sentence = "推出专属影票，10人组团还可享受点播服务。"
    value = (sentence.index("10人"), sentence.index("10人") + 3)
    run = (sentence.index("人组团"), sentence.index("人组团") + 3)  # 人 + 组团, merged
    assert _beside(value, [run], sentence)
    # Across an enumeration's 、 the word before is another item's.
    sentence = "指导六大社区、47个居民区开展主题教育。"
    value = (sentence.index("47个"), sentence.index("47个") + 3)
    word = (sentence.index("社区"), sentence.index("社区") + 2)
    assert not _beside(value, [word], sentence)


def test_the_noun_a_chinese_count_question_counts(words: MemoTokenizer) -> None:
    assert _counted_noun("花木街道有几个社区", words) == "社区"
    assert _counted_noun("至今有多少穆斯林统治时期的光塔", words) == "光塔"
    assert _counted_noun("多少人参加了区里的活动", words) is None


def test_a_count_of_another_noun_than_the_one_asked(words: MemoTokenizer) -> None:
    sentence = "花木街道指导六大社区、47个居民区开展主题教育。"
    value = (sentence.index("47个"), sentence.index("47个") + 3)
    assert not _counts_noun("社区", sentence, value, ["社区", "花木"], words)
    assert _counts_noun("居民区", sentence, value, ["居民区"], words)
    assert _counts_noun("钢瓶", sentence, value, ["钢瓶"], words)  # not named: no judgment


def test_an_english_title_is_of_the_words_asked_who_is() -> None:
    expansion = Expansion(
        "who chaired the party secretaries' report meeting",
        "en",
        (_concept("chaired"), _concept("party secretaries", "书记"), _concept("meeting", "会议")),
        {},
    )
    assert _who_is_en(expansion) == []
    expansion = Expansion(
        "who is the director of the sub-district office",
        "en",
        (_concept("director", "主任"), _concept("sub-district office", "街道办事处")),
        {},
    )
    assert [c.text for c in _who_is_en(expansion)] == ["director"]


def test_an_english_name_must_be_printed_in_the_passage() -> None:
    cedict = Cedict(
        [("培", "pei2", ["to cultivate"]), ("花", "hua1", ["flower"]), ("牡", "mu3", ["male"]),
         ("丹", "dan1", ["red"]), ("成", "cheng2", ["to succeed"]), ("都", "du1", ["capital"])]
    )
    assert reads_as("Peihua", "培花一居委组织志愿者前往老港", cedict)
    assert not reads_as("Peihua", "牡丹四居委组织志愿者前往崇明", cedict)
    # Whichever homophone the search was given (程度 for Chengdu), the passage's 成都 reads so.
    assert reads_as("chengdu", "成都市锦江区参访团来到联洋社区", cedict)


def test_a_count_of_things_is_never_a_head_count() -> None:
    text = "街道建成25个居委活动点，每场服务200余人。"
    asked = "凉城各个居委搞活动的地方一共有多少个"
    found = find_answer("number", text, issue_date="2021-05", unit="个", question=asked)
    assert found.value == "25个"
    only_people = "每场平均服务人次达200人。"
    assert find_answer("number", only_people, issue_date="2021-05", unit="个", question=asked).value is None
    # A person named: 个 may count people (主任有几个 → 16位).
    told = "16位居委会主任进行了述职。"
    assert (
        find_answer("number", told, issue_date="2022-01", unit="个", question="主任述职的有几个").value
        == "16位"
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("物业服务热线021-56781234，欢迎来电。", "021-56781234"),
        ("报名请拨打 5508 1234。", "5508 1234"),
        ("有问题拨打12345市民热线。", "12345"),
        ("清理出杂物近10车，两幢高层。", None),
    ],
)
def test_a_phone_number_is_asked_not_a_count(text: str, value: str | None) -> None:
    assert asked_family("世纪同乐小区物业电话是多少") == "contact"
    assert asked_family("电话费多少钱") == "money"
    found = find_answer("number", text, issue_date="2019-12", family="contact", question="物业电话是多少")
    assert found.value == value


def test_two_counts_each_followed_by_a_question_word_are_a_tie() -> None:
    text = "完成70个健身苑点和16条体育健身步道。"
    at = [text.index("健身苑点"), text.index("健身步道"), text.index("健身", text.index("体育"))]
    found = find_answer("number", text, issue_date="2021-05", anchors=at)
    assert found.path == "counted"  # a weak way: the gate asks for more than nearness
    assert found.candidates == 2


@pytest.mark.parametrize(
    ("text", "value", "english"),
    [
        ("受惠人数上千人。", "上千人", "over 1000 people"),
        ("服务近千人。", "近千人", "nearly 1000 people"),
        ("百余人到场。", "百余人", "over 100 people"),
        ("数百名居民参加。", "数百名", "several hundred people"),
        ("几十位老人。", "几十位", "dozens of people"),
        ("捐款上万元。", "上万元", "over 10000 yuan"),
        ("两千余人观看。", "两千余人", "over 2000 people"),
    ],
)
def test_a_round_number_said_loosely_is_a_count(text: str, value: str, english: str) -> None:
    found = counts(text)
    assert [c[1] for c in found] == [value]
    assert number_en(value) == english


@pytest.mark.parametrize("text", ["老百姓的事", "走进千家万户", "万人空巷", "百花齐放", "一点点"])
def test_a_power_inside_a_word_counts_nothing(text: str) -> None:
    assert counts(text) == []


@pytest.mark.parametrize(
    ("text", "zh", "en"),
    [
        ("12月10日上午九点，师大二村党支部开会。", "2019年12月10日上午九点", "10 December 2019, 9:00 a.m."),
        ("11月2日晚上八点三十分开演。", "2019年11月2日晚上八点三十分", "2 November 2019, 8:30 p.m."),
        ("5月6日下午3点半集合。", "2019年5月6日下午3点半", "6 May 2019, 3:30 p.m."),
        ("7月1日十点整开幕。", "2019年7月1日十点整", "1 July 2019, 10:00"),
        ("3月1日上午举行。", "2019年3月1日上午", "1 March 2019 (morning)"),
    ],
)
def test_a_time_of_day_is_read_in_digits_or_words(text: str, zh: str, en: str) -> None:
    (date,) = find_dates(text, "2019-12")
    assert (date.zh(), date.en()) == (zh, en)


def test_a_rate_is_asked_by_each_or_per() -> None:
    assert asks_per("每场服务多少人") and asks_per("平均每天来多少人")
    assert asks_per("how many people does each session serve")
    assert not asks_per("一共服务了多少人") and not asks_per("how many people came")


def test_a_name_question_reads_the_name_printed_for_the_noun_asked() -> None:
    from corpus.answer.extraction import named_noun, names_a_person, question_kind

    assert question_kind("梅花苑的志愿队叫什么名字") == "name"
    assert named_noun("梅花苑的志愿队叫什么名字") == "志愿队"
    assert names_a_person("居委会主任") and names_a_person("弟弟")
    assert not names_a_person("志愿队")
    text = "梅花苑居委会组建了一支“绿色梅花”志愿服务队，队员们提出“分类一小步”的口号。"
    found = find_answer("name", text, issue_date="2026-12", noun="志愿队")
    assert found.value == "绿色梅花"
    # A quotation not printed as the noun's name (a slogan) is no answer.
    assert find_answer("name", "队员们提出“分类一小步”的口号。", issue_date="2026-12", noun="志愿队").value is None
    # A work's title keeps its marks.
    play = find_answer("name", "志愿队排演小品《垃圾去哪儿》。", issue_date="2026-12", noun="小品")
    assert play.value == "《垃圾去哪儿》"


@pytest.fixture
def names_service(empty_store, data_dir):  # type: ignore[no-untyped-def]
    from corpus.answer.service import LinliService
    from corpus.ingest.prepare import IssueMeta
    from corpus.ingest.write import ingest_text

    text = (data_dir / "names_issue.txt").read_text(encoding="utf-8")
    ingest_text(empty_store.factory, text, IssueMeta(date="2026-12", street="凉城新村街道"))
    return LinliService(empty_store)


def test_through_the_service_a_name_or_a_person_is_read_as_asked(names_service) -> None:  # type: ignore[no-untyped-def]
    team = names_service.answer("梅花苑垃圾分类志愿队叫什么名字")
    assert team.direct is not None and team.direct.value == "绿色梅花"
    person = names_service.answer("梅花苑居委会主任叫什么")
    assert person.direct is not None and person.direct.kind == "who"
    assert person.direct.value == "李秀英"
    # Another name of it (又叫什么) is not the quoted one nearby: no direct line.
    assert names_service.answer("梅花苑垃圾分类志愿队又叫什么").direct is None


def test_how_long_before_is_asked_apart_from_how_long() -> None:
    text = "居委会在行动开展前两周就张贴了告示。最终，大家经过将近3个小时的清理，共清理出10余车杂物。"
    took = find_answer("number", text, issue_date="2019-12", family="duration", question="清理花了多长时间")
    assert took.value == "将近3个小时"
    ahead = find_answer("number", text, issue_date="2019-12", family="duration", question="提前多长时间贴的告示")
    assert ahead.value == "两周"
    # Three days after is when, not how long: with nothing else, no answer.
    later = find_answer("number", "三天后再次检查。", issue_date="2019-12", family="duration", question="检查用了几天")
    assert later.value is None


def test_an_english_name_question_quotes_the_name_printed_for_its_noun(names_service) -> None:  # type: ignore[no-untyped-def]
    from corpus.answer.direct import _named_en

    assert _named_en("what is the name of the garbage sorting volunteer team in Liangcheng") == "team"
    assert _named_en("what is the name of the play performed at the meeting") == "play"
    answer = names_service.answer("what is the name of the Meihuayuan garbage sorting volunteer team")
    assert answer.found
    assert "绿色梅花" in answer.quotes[0].snippet
    if answer.direct is not None and answer.direct.value is not None:
        assert answer.direct.value == "绿色梅花"


def test_a_verb_taking_the_name_as_its_object_is_no_part_of_it() -> None:
    text = "在街道层面，邀请区域单位浦东干部学院教务主任何立胜教授授课。"
    found = find_answer("where", text, issue_date="2019-11", noun="单位")
    assert found.value == "区域单位"  # (a kind of 单位, which the gate then refuses: _proper)
    invited = find_answer("where", "街道邀请了凉城文化中心的老师授课。", issue_date="2019-11", noun="中心")
    assert invited.value == "凉城文化中心"


def test_a_thing_ending_in_zi_is_no_person() -> None:
    from corpus.answer.extraction import names_a_person, question_kind

    assert question_kind("这个片子叫什么名字") == "name"
    assert not names_a_person("片子") and not names_a_person("棚子")
    assert names_a_person("孩子") and names_a_person("儿子") and names_a_person("居委会主任")

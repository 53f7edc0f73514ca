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
    assert answer.value == "2019年11月22日下午和11月30日下午"
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


def test_a_date_without_a_year_takes_the_year_printed_before_it() -> None:
    spans = find_dates("第二届比赛于2009年9月27日至10月9日举行，翌年3月颁奖", "2001-01")
    assert [d.zh() for d in spans] == ["2009年9月27日", "2009年10月9日", "2010年3月"]
    assert not any(d.year_inferred for d in spans)


def test_only_dates_joined_together_answer_together() -> None:
    text = "该店2013年12月26日开业，2017年3月5日结束经营后退出市场"
    answer = find_answer("when", text, issue_date="2020-01", anchors=[text.index("退出")])
    assert answer.value == "2017年3月5日"
    assert answer.candidates == 2
    run = find_answer("when", "比赛于2009年9月27日-10月9日举行", issue_date="2020-01")
    assert run.value == "2009年9月27日-10月9日"


def test_a_year_question_is_answered_with_the_year() -> None:
    text = "她于2006年2月14日发行了第一张专辑。"
    assert find_answer("when", text, issue_date="2020-01", year_only=True).value == "2006年"


def test_a_value_the_question_names_is_not_the_answer() -> None:
    text = "公司在2012年7月4日拆分。"
    question = "公司在2012年被拆分成几家？"
    answer = find_answer("when", text, issue_date="2020-01", year_only=True, question=question)
    assert answer.value is None
    from corpus.answer.extraction import asked_family

    question = "4x100米接力游了多长时间"
    text = "在4x100米接力中游出3分钟"
    count = find_answer(
        "number", text, issue_date="2020-01", family=asked_family(question), question=question
    )
    assert count.value == "3分钟"


def test_a_measured_quantity_answers_only_a_question_about_its_measure() -> None:
    text = "该剧在15岁至44岁观众中最受欢迎，拍了三个系列。"
    assert find_answer("number", text, issue_date="2020-01").value == "三个"
    assert find_answer("number", "注册资本共211个单位出资", issue_date="2020-01").value == "共211个"
    from corpus.answer.extraction import asked_family

    assert asked_family("注册资本是多少") == "money"
    assert asked_family("首集收视率是多少") == "ratio"
    # A quantity with no measure asked is not an answer at all ("收视率是多少" → 15岁至44岁).
    assert find_answer("number", "观众年龄为15岁至44岁", issue_date="2020-01").value is None


def test_counts_read_as_printed() -> None:
    assert find_answer("number", "主看台有2,173个坐席。", issue_date="2020-01").value == "2,173个"
    assert (
        find_answer("number", "生长于海拔100米至2,800米的地区", issue_date="2020-01", unit="米").value
        == "100米至2,800米"
    )
    # A year is a date, not a count of years.
    assert find_answer("number", "2019年建成，历时3年", issue_date="2020-01", unit="年").value == "3年"


def test_a_rank_answers_a_rank_question_only() -> None:
    text = "第3届大会上，共34个团队参赛，这是第20张专辑。"
    assert find_answer("number", text, issue_date="2020-01", ordinal=True, unit="张").value == "第20张"
    assert find_answer("number", text, issue_date="2020-01").value == "共34个"


def test_a_measured_quantity_is_answered_in_its_measure() -> None:
    from corpus.answer.extraction import asked_family

    text = "成年个体有三个亚种，体重约8公斤，体长约65厘米。"
    weight = find_answer("number", text, issue_date="2020-01", family=asked_family("体重是多少"))
    assert weight.value == "约8公斤"
    length = find_answer("number", text, issue_date="2020-01", family=asked_family("体长有多少"))
    assert length.value == "约65厘米"


def test_a_common_noun_or_a_count_is_not_a_name() -> None:
    assert find_answer("where", "他是著名小说的主角。", issue_date="2020-01", noun="小说").value is None
    assert find_answer("where", "共有两家公司参加。", issue_date="2020-01", noun="公司").value is None
    where = find_answer("where", "参观团在她的网站举行发布", issue_date="2020-01")
    assert where.value is None
    assert (
        find_answer("where", "居民们来到南昌路小学参观", issue_date="2020-01", noun="小学").value
        == "南昌路小学"
    )


def test_a_weak_way_of_reading_needs_a_stronger_signal() -> None:
    from corpus.answer.direct import Signals, confident
    from corpus.answer.extraction import DirectAnswer

    covered = Signals(share=1.0, topic=1.0, coverage=1.0, candidates=1)
    # Too little of the question in the sentence: never.
    assert not confident(DirectAnswer("when", "2019年", path="year"), covered._replace(share=0.5))
    # A count in the measure asked: the sentence covering the question will do.
    assert confident(DirectAnswer("number", "17个", path="unit"), covered._replace(candidates=2))
    # A year among several years of the sentence: no line.
    assert not confident(DirectAnswer("when", "2019年", path="year"), covered._replace(candidates=2))
    # A head count among several in the sentence (退休党员110名, 在职党员20余名): no line.
    people = DirectAnswer("number", "20余名", path="people")
    assert confident(people, covered)
    assert not confident(people, covered._replace(candidates=3))
    # A list (哪几个): two names or more, and the whole topic of the question in its sentence.
    names = DirectAnswer("which", "凉二小区、凉三小区", path="list", candidates=2)
    listed = covered._replace(candidates=2)
    assert confident(names, listed)
    assert not confident(names, listed._replace(topic=0.6))
    assert not confident(DirectAnswer("which", "凉二小区", path="list"), covered)


def test_who_is_answered_by_the_name_under_the_title_asked() -> None:
    from corpus.answer.extraction import asked_title

    text = "会议由街道党工委副书记许军霞主持，党工委书记乐跃明出席并讲话。"
    deputy = find_answer("who", text, issue_date="2020-01", title=asked_title("党工委副书记是谁"))
    assert deputy.value == "许军霞"
    head = find_answer("who", text, issue_date="2020-01", title=asked_title("党工委书记是谁"))
    assert head.value == "乐跃明"


def test_relative_dates_are_resolved_against_the_issue_or_kept_as_printed() -> None:
    assert [d.zh() for d in find_dates("预计明年3月完工", "2026-11")] == ["2027年3月"]
    assert [d.zh() for d in find_dates("下个月15日开放", "2026-12")] == ["2027年1月15日"]
    # The issue's day known: 下周三 is a date; not known: it stays as printed.
    assert [d.zh() for d in find_dates("定于下周三下午举行", "2026-11-18")] == ["2026年11月25日下午"]
    assert [d.zh() for d in find_dates("定于下周三下午举行", "2026-11")] == ["下周三下午"]


def test_a_part_of_a_year_is_kept() -> None:
    [early] = find_dates("2003年初开始规划兴建", "2020-01")
    assert (early.zh(), early.en()) == ("2003年初", "early 2003")


def test_the_questions_own_words_before_a_name_are_not_part_of_it() -> None:
    text = "他现效力香港超级联赛球队和富大埔。"
    answer = find_answer(
        "where", text, issue_date="2020-01", noun="球队", question="他现在效力于哪个球队"
    )
    assert answer.value == "香港超级联赛球队"
    assert find_answer("where", "附近布置不少纪律部队建筑", issue_date="2020-01", noun="建筑").value is None


def test_a_length_printed_as_another_dimension_does_not_answer() -> None:
    text = "这条峡谷长约702米，深80米，位于山区。"
    at = [text.find("峡谷")]
    long = find_answer("number", text, issue_date="2020-01", anchors=at, family="length", question="峡谷有多长")
    assert long.value == "约702米" and long.candidates == 1
    deep = find_answer("number", text, issue_date="2020-01", anchors=at, family="length", question="峡谷有多深")
    assert deep.value == "80米"
    # No dimension asked (多少米), or none printed: every length stays a candidate.
    some = find_answer("number", text, issue_date="2020-01", anchors=at, family="length", question="峡谷多少米")
    assert some.candidates == 2

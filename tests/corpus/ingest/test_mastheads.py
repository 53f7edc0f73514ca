"""Masthead lines of any street office or town are furniture: never a headline or the issue title."""

from __future__ import annotations

import pytest

from corpus.ingest.articles import parse_issue
from corpus.ingest.furniture import detect_street, masthead_line, publisher_line
from corpus.ingest.prepare import IssueMeta, prepare_issue

BODY = (
    "贵州路居民区开设老年助餐点\n\n"
    "11月1日起，贵州路居民区的老年助餐点正式开放，每天中午供应两荤一素，"
    "六十岁以上的老人凭卡用餐。（社区服务办）\n\n"
    "牛庄路小区完成雨污分流改造\n\n"
    "牛庄路小区雨污分流改造于10月底完工，雨天小区积水的问题得到解决。（城运中心）\n"
)


@pytest.mark.parametrize(
    "line",
    [
        "花木街道党工委、办事处 主办",
        "南京东路街道办事处 主办",
        "凉城新村街道党工委、办事处 联合出版",
        "莘庄镇党委、镇政府 主办",
        "中共七宝镇委员会 七宝镇人民政府 编",
        "幸福路街道 主办",  # a street office nobody listed
        "主办单位：横沙乡人民政府",
        "2026年11月5日 星期四 第11期",
        "总第45期",
        "社区晨报 2026年11月5日 第2版 综合新闻",  # a PDF's running head
    ],
)
def test_masthead_lines(line: str) -> None:
    assert masthead_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "花木街道举办中秋邻里百家宴",
        "凉城街道居民文艺团队自编",
        "居民自编自演迎新春",
        "10月24日，花木街道党工委委员、办事处副主任王波牵头召开推进会。",
        "2026年的愿望",
        "2026年11月 凉城街道大事记",
    ],
)
def test_headlines_and_sentences_are_not_masthead(line: str) -> None:
    assert not masthead_line(line) and not publisher_line(line)


def test_unknown_street_masthead_is_neither_title_nor_headline() -> None:
    text = "南京东路街道办事处 主办\n2026年11月 第11期\n\n" + BODY
    parsed = parse_issue(text)
    assert parsed.street == "南京东路街道"
    assert [a.title for a in parsed.articles] == ["贵州路居民区开设老年助餐点", "牛庄路小区完成雨污分流改造"]
    issue = prepare_issue(text, IssueMeta(date="2026-11"))
    assert (issue.street, issue.district) == ("南京东路街道", "黄浦区")
    assert issue.title == "贵州路居民区开设老年助餐点"
    assert issue.publication == "南京东路社区报"


def test_town_masthead_names_the_town_and_its_district() -> None:
    text = "七宝社区报\n七宝镇党委、镇政府 主办\n\n" + BODY
    issue = prepare_issue(text, IssueMeta(date="2026-11"))
    assert (issue.publication, issue.street, issue.district) == ("七宝社区报", "七宝镇", "闵行区")
    assert issue.title == "贵州路居民区开设老年助餐点"


def test_street_outside_the_list_is_read_from_the_masthead_without_a_district() -> None:
    text = "幸福路街道党工委、办事处 主办\n\n" + BODY
    issue = prepare_issue(text, IssueMeta(date="2026-11"))
    assert (issue.street, issue.district) == ("幸福路街道", "")
    assert issue.title == "贵州路居民区开设老年助餐点"


def test_street_from_running_text_prefers_the_official_name() -> None:
    # 凉城街道 and 凉城新村街道 are one office; together they outnumber 长风新村街道.
    text = "凉城街道开展活动。凉城新村街道召开会议。长风新村街道派员参加。"
    assert detect_street(text) == "凉城新村街道"
    # A town is found too, and an unlisted street office when it is named most.
    assert detect_street("莘庄镇举办运动会，莘庄镇居民踊跃参加。") == "莘庄镇"
    assert detect_street("幸福里街道举办运动会，幸福里街道居民参加。") == "幸福里街道"
    # One town name inside other words names no town.
    assert detect_street("推进城乡建设镇级规划。") is None

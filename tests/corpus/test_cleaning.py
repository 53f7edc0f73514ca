"""Line-level cleaning: punctuation, spaces, masthead, captions, broken paragraphs.

The sample texts are excerpts of the bundled seed issues, kept with their OCR
layout (blank-line runs matter: they are how captions are set off).
"""

from __future__ import annotations

import pytest

from corpus.ingest.characters import (
    collapse_spaces,
    is_complete,
    normalize_punctuation,
    prepare_text,
)
from corpus.ingest.cleaning import Kind, clean_text
from corpus.ingest.furniture import detect_street


def kinds(text: str) -> list[tuple[str, str]]:
    return [(block.kind.value, block.text) for block in clean_text(text).blocks]


def texts_of(text: str, kind: Kind) -> list[str]:
    return [block.text for block in clean_text(text).blocks if block.kind is kind]


# --- punctuation and spaces ----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("6月24日下午,“万众建我家", "6月24日下午，“万众建我家"),
        ("该居民表示:“看到你们", "该居民表示：“看到你们"),
        ("大家跃跃欲试;或来到", "大家跃跃欲试；或来到"),
        ("电影院看电影了!太划算啦", "电影院看电影了！太划算啦"),
        ("你做对了吗?", "你做对了吗？"),
        ("翟叶心(上外附小)、蔡心研(凉城三小)获得", "翟叶心（上外附小）、蔡心研（凉城三小）获得"),
        ("区长胡广杰(左三)与", "区长胡广杰（左三）与"),
        ('推出"9.9元乐享驿站专属影票"', "推出“9.9元乐享驿站专属影票”"),
    ],
)
def test_ascii_punctuation_becomes_full_width_next_to_chinese(raw: str, expected: str) -> None:
    assert normalize_punctuation(raw) == expected


@pytest.mark.parametrize(
    "kept",
    ["9.9元", "“12·5”国际志愿者日", "12:30", "1,000", "see http://example.com/?a=1", "f(x) = y"],
)
def test_ascii_kept_in_numbers_latin_and_urls(kept: str) -> None:
    assert normalize_punctuation(kept) == kept


def test_spaces_inside_chinese_collapse_but_not_between_latin_words() -> None:
    assert collapse_spaces("庆祝中国共产党成立 98 周年活动") == "庆祝中国共产党成立98周年活动"
    assert collapse_spaces("万众建我家 同心筑凉城") == "万众建我家同心筑凉城"
    assert collapse_spaces("SHANGHAI  COMMUNITY NEWS") == "SHANGHAI COMMUNITY NEWS"
    assert collapse_spaces("使用 WiFi 上网") == "使用 WiFi 上网"


def test_headline_keeps_the_space_between_its_parts() -> None:
    assert (
        collapse_spaces("万众建我家  同心筑凉城", keep_word_spaces=True) == "万众建我家 同心筑凉城"
    )
    assert collapse_spaces("成立 98 周年", keep_word_spaces=True) == "成立98周年"
    assert collapse_spaces("“ 网聚 ”力量", keep_word_spaces=True) == "“网聚”力量"


def test_prepare_text_drops_invisible_characters_and_keeps_markup_verbatim() -> None:
    text = prepare_text("近日，凉城\u200b新村街道\x07召开<b>会议</b>。\r\n")
    assert text == "近日，凉城新村街道召开<b>会议</b>。\n"


def test_full_width_digits_become_ascii() -> None:
    assert prepare_text("２０２１年") == "2021年"


@pytest.mark.parametrize(
    ("paragraph", "complete"),
    [
        ("共同打好垃圾分类攻坚战。", True),
        ("惠及我们居民!”", True),
        ("对示范点建设提出3点要求：", True),
        ("让大", False),
        ("市民驿站工作人员在社区调研时，", False),
        ("以“流动服务点”……", True),
    ],
)
def test_is_complete(paragraph: str, complete: bool) -> None:
    assert is_complete(paragraph) is complete


# --- masthead -----------------------------------------------------------------------

MASTHEAD_2019_07 = """



扫描二维码
关注“社区晨报”
官方微信公众号



扫描二维码
关注“老虹口周到”
了解凉城社区资讯

LIANG CHENG
凉城

# 社区晨报

SHANGHAI COMMUNITY NEWS

自 / 家 / 门 / 口 / 这 / 点 / 事



凉城新村街道党工委、办事处 联合出版

## 万众建我家 同心筑凉城

### 凉城新村街道举办庆祝中国共产党成立 98 周年活动

6月24日下午,“万众建我家 同心筑凉城”凉城新村街道庆祝建党98周年活动在社区文化活动中心举行。
"""

MASTHEAD_2021_05 = """



扫描二维码关注
“上海社区发布”



扫描二维码关注
“老虹口周到”

LIANG CHENG
凉城

社区晨报

SHANGHAI COMMUNITY NEWS

自 / 家 / 门 / 口 / 这 / 点 / 事

新晨报

凉城新村街道党工委、办事处 联合出版

深学细悟学党史 真抓实干解民忧

凉城新村街道推动“我为群众办实事”实践活动走深走实

□记者 武钢

在凉城新村街道党史学习教育动员部署会上,街道党工委书记乐跃明强调,要紧扣“实”字开展党史学习教育。
"""


@pytest.mark.parametrize("text", [MASTHEAD_2019_07, MASTHEAD_2021_05])
def test_masthead_and_qr_lines_are_removed_and_read_as_metadata(text: str) -> None:
    cleaned = clean_text(text)
    assert cleaned.publication == "社区晨报"
    assert cleaned.street == "凉城新村街道"
    everything = "\n".join(block.text for block in cleaned.blocks)
    for noise in (
        "二维码", "公众号", "老虹口周到", "上海社区发布", "资讯", "LIANG", "SHANGHAI",
        "晨报", "自 / 家", "联合出版",
    ):  # fmt: skip
        assert noise not in everything
    assert [kind for kind, _ in kinds(text)][:2] == ["heading", "heading"]


def test_markdown_headings_lose_their_marks() -> None:
    assert kinds(MASTHEAD_2019_07)[:2] == [
        ("heading", "万众建我家 同心筑凉城"),
        ("heading", "凉城新村街道举办庆祝中国共产党成立98周年活动"),
    ]


def test_box_byline_is_read_without_the_box() -> None:
    assert texts_of(MASTHEAD_2021_05, Kind.BYLINE) == ["记者 武钢"]


def test_street_falls_back_to_the_most_named_street_office() -> None:
    text = (
        "12月4日上午,长风新村街道召开社区治理专题会。今后,长风新村街道将上下一心。"
        "居民来到街道办事处。长风新村街道联合长风公园举办活动。"
    )
    assert clean_text(text).street == "长风新村街道"
    assert detect_street("花木街道组织开展餐饮行业用气安全“回头看”行动。") == "花木街道"
    assert detect_street("没有街道名称的文字，只有街道二字。") is None
    assert clean_text("没有署名的文字。").publication is None


def test_page_jumps_and_page_numbers_are_dropped() -> None:
    text = "3\n\n居民区加装电梯工作稳步推进。（下转第2版）\n\n第2版\n\n加梯工作得到居民支持。"
    assert texts_of(text, Kind.BODY) == ["居民区加装电梯工作稳步推进。", "加梯工作得到居民支持。"]


# --- captions and broken paragraphs --------------------------------------------------

BROKEN_2019_07 = """此次成立党支部是为了更好地发挥执法队伍中党员地先锋模范作用。

随后一场生动的活报剧《垃圾分类党员先行》吸引了所有人的目光,让大



街道党工委书记与“快乐随行·童心绘凉城”获奖人员合影



街道办事处主任与派出所所长共同为联合党支部揭牌

家感受到楼组党员在社区生活垃圾分类工作中发挥的带头作用。随后,文苑一居民区楼组长陈桂芳向在座的党员发起党员倡议。

最后,区委组织部副部长、区社工委

书记潘明云代表区委组织部对凉城社区运维中心联合党支部的成立表示了祝贺。(党建办)



凉城新村街道举办庆祝建党98周年活动



区、街道领导出席了本次活动
"""


def test_captions_inside_a_broken_sentence_are_lifted_out_and_the_sentence_rejoined() -> None:
    body = texts_of(BROKEN_2019_07, Kind.BODY)
    assert any("让大家感受到楼组党员在社区生活垃圾分类工作中发挥的带头作用" in p for p in body)
    assert any("区委组织部副部长、区社工委书记潘明云代表" in p for p in body)
    assert texts_of(BROKEN_2019_07, Kind.CAPTION) == [
        "街道党工委书记与“快乐随行·童心绘凉城”获奖人员合影",
        "街道办事处主任与派出所所长共同为联合党支部揭牌",
        "凉城新村街道举办庆祝建党98周年活动",
        "区、街道领导出席了本次活动",
    ]
    assert not any("合影" in p or "揭牌" in p for p in body)


def test_trailing_credit_closes_the_paragraph_as_a_byline() -> None:
    assert texts_of(BROKEN_2019_07, Kind.BYLINE) == ["党建办"]
    body = texts_of(BROKEN_2019_07, Kind.BODY)
    assert body[-1].endswith("表示了祝贺。")


def test_continuation_after_three_blank_lines_is_still_joined() -> None:
    text = """即知即改深入学

街道党政班子率先示范,带着责任



学、带着问题学、列出专题学、联系实际学、融会贯通学。

检查人员督促餐饮行业必须遵守安全用气规定,确保辖区



安全稳定。

(花木安全家园)
"""
    body = texts_of(text, Kind.BODY)
    assert body == [
        "街道党政班子率先示范，带着责任学、带着问题学、列出专题学、联系实际学、融会贯通学。",
        "检查人员督促餐饮行业必须遵守安全用气规定，确保辖区安全稳定。",
    ]
    assert texts_of(text, Kind.BYLINE) == ["花木安全家园"]
    assert texts_of(text, Kind.CAPTION) == []


def test_repeated_short_line_is_a_caption_even_without_the_blank_run() -> None:
    text = """今后,长风新村街道将上下一心、爬坡过坎,打通社区治理的“最后一公里”。

街道办主任交流发言



街道办主任交流发言

社区扫描

居民区

汇集志愿力量,引领文明时尚

长风新村街道举办“12·5”国际志愿者日暨垃圾分类志愿服务活动



活动现场人头攒动

□记者 冯璐迪 整理报道

12月5日是第34个国际志愿者日,长风新村街道联合长风公园共同举办志愿服务活动。
"""
    assert texts_of(text, Kind.CAPTION) == [
        "街道办主任交流发言",
        "街道办主任交流发言",
        "活动现场人头攒动",
    ]
    assert texts_of(text, Kind.HEADING) == [
        "社区扫描",
        "居民区",
        "汇集志愿力量，引领文明时尚",
        "长风新村街道举办“12·5”国际志愿者日暨垃圾分类志愿服务活动",
    ]


def test_set_off_line_is_a_subhead_when_the_next_paragraph_takes_up_its_words() -> None:
    text = """乐享驿站专属影票正式推出后,短短4天内就有近200位居民购买优惠票。



网格助力“悬空老人”圆“加梯梦”

凉二居民区内多为上世纪八九十年代建造的多层公房,为帮助“悬空老人”圆“加梯梦”,居民区党总支牵头开展前期排摸。
"""
    assert texts_of(text, Kind.HEADING) == ["网格助力“悬空老人”圆“加梯梦”"]


def test_set_off_line_describing_the_previous_paragraph_is_a_caption() -> None:
    text = """各居民区党群服务站设立疫苗接种预约接待点,还设置爱心休憩点,为休假居民提供方便。



党群服务站设立户外工作人员爱心休憩点

街道党工委以“党建引领、文化为民”为理念,打造社区文化服务体系。
"""
    assert texts_of(text, Kind.CAPTION) == ["党群服务站设立户外工作人员爱心休憩点"]
    assert texts_of(text, Kind.HEADING) == []


def test_item_heading_set_off_by_blank_lines_is_a_heading() -> None:
    text = """(联洋社区管理中心)



联洋二 | 感受红色文化



近日,联洋二居委组织支部党员、楼组长、志愿者开展红色之旅。
"""
    assert texts_of(text, Kind.HEADING) == ["联洋二 | 感受红色文化"]


def test_comma_fragment_starting_a_broken_paragraph_is_body_not_headline() -> None:
    text = """居委会随即开展楼道堆物清理整治系列活动。

在接下来的一个月,世纪同乐党总支将继续对辖区内出现的

环境脏乱差情况进行整治。
"""
    assert texts_of(text, Kind.BODY) == [
        "居委会随即开展楼道堆物清理整治系列活动。",
        "在接下来的一个月，世纪同乐党总支将继续对辖区内出现的环境脏乱差情况进行整治。",
    ]


def test_captions_at_the_end_of_the_text_are_captions() -> None:
    text = "活动圆满结束。\n\n\n\n活动在“我和我的祖国”歌声中圆满落幕\n"
    assert texts_of(text, Kind.CAPTION) == ["活动在“我和我的祖国”歌声中圆满落幕"]


def test_news_that_mentions_qr_codes_is_kept() -> None:
    from corpus.ingest.articles import parse_issue

    text = (
        "扫描二维码\n关注“社区晨报”\n\n"
        "## 老年人学用智能手机\n\n"
        "社区学校开设智能手机课程，帮助老年人学习使用手机挂号、扫码乘车和关注公众号。\n"
    )
    issue = parse_issue(text)
    body = "".join(p for a in issue.articles for p in a.paragraphs)
    assert "扫码乘车" in body
    assert "扫描二维码" not in body

"""Article segmentation over the five bundled seed issues and over awkward input."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import corpus
from corpus.ingest.articles import ArticleDraft, ParsedIssue, derive_title, parse_issue

ISSUES = Path(corpus.__file__).parent / "issues"

# The headlines printed in each issue, read off the seed texts by hand.
TITLES = {
    "2019-07_liangcheng_shequ-chenbao.txt": ["万众建我家 同心筑凉城"],
    "2022-01_liangcheng_shequ-chenbao.txt": [
        "胡广杰在凉城新村街道调研社区文化工作",
        "郑宏在凉城新村街道调研基层统战工作",
        "中国红十字会城市社区博爱家园示范点创建工作启动",
        "凉城召开2021年度基层党组织书记述职评议会",
        "凉城社区事务受理中心开展新进工作人员岗前培训",
    ],
    "2019-12_changfeng.txt": [
        "打通社区治理“最后一公里” 专题会上大家畅谈了想法",
        "汇集志愿力量，引领文明时尚",
        "世纪同乐 整治楼道行动中 守护家园共参与",
        "清水湾居委会 楼道堆物齐整治 小区创卫靠大家",
        "师大二村 听老党员解读 十九届四中全会精神",
    ],
    "2019-11_huamu.txt": [
        "筑牢党建“主”阵地 激发时代“心”动力",
        "狠抓落实 常态长效",
        "成都市锦江区参访团到联洋社区参观学习",
        "联洋二 | 感受红色文化",
        "培花一 | 了解处理垃圾",
        "东城七 | 参观舞蹈中心",
        "牡丹四 | 体验农家乐趣",
    ],
    "2021-05_liangcheng_shequ-chenbao.txt": ["深学细悟学党史 真抓实干解民忧"],
}

# Every photo caption line of each issue (the repeated one listed once).
CAPTIONS = {
    "2019-07_liangcheng_shequ-chenbao.txt": [
        "街道党工委书记与“快乐随行·童心绘凉城”获奖人员合影",
        "街道办事处主任与派出所所长共同为联合党支部揭牌",
        "凉城新村街道举办庆祝建党98周年活动",
        "区、街道领导出席了本次活动",
        "活动在“我和我的祖国”歌声中圆满落幕",
    ],
    "2022-01_liangcheng_shequ-chenbao.txt": [
        "区委副书记、区长胡广杰（左三）与市级非遗项目传承人史萍亲切交谈",
        "胡广杰一行参观凉城文化中心剧场",
        "区委常委、统战部长郑宏（右一）实地查看街道社区统战工作阵地",
        "郑宏一行与街道领导班子成员进行座谈",
    ],
    "2019-12_changfeng.txt": [
        "长风新村街道召开社区治理专题会",
        "街道办主任交流发言",
        "长风新村街道志愿者服务总队",
        "志愿者发放垃圾分类宣传单页",
        "居民进行法律咨询",
        "活动现场人头攒动",
        "清理出的楼道堆物",
        "大家共同参与楼道堆物治理",
        "王心园",
    ],
    "2019-11_huamu.txt": [],
    "2021-05_liangcheng_shequ-chenbao.txt": [
        "党群服务站设立户外工作人员爱心休憩点",
        "凉城社区市民驿站惠民服务丰富多彩",
    ],
}


def parse(name: str) -> ParsedIssue:
    return parse_issue((ISSUES / name).read_text(encoding="utf-8"))


def test_every_bundled_issue_has_an_expected_title_list() -> None:
    assert sorted(p.name for p in ISSUES.glob("*.txt")) == sorted(TITLES)


@pytest.mark.parametrize("name", sorted(TITLES))
def test_titles_are_the_newspapers_headlines(name: str) -> None:
    assert [a.title for a in parse(name).articles] == TITLES[name]


@pytest.mark.parametrize("name", sorted(CAPTIONS))
def test_captions_are_collected_and_never_in_the_body(name: str) -> None:
    articles = parse(name).articles
    assert [c for a in articles for c in a.captions] == CAPTIONS[name]
    for article in articles:
        for caption in article.captions:
            # A caption may be a line of the body too ("王心园"), never a paragraph of its own.
            assert caption not in article.paragraphs
            assert caption != article.title


def test_masthead_metadata() -> None:
    expected = {
        "2019-07_liangcheng_shequ-chenbao.txt": ("社区晨报", "凉城新村街道"),
        "2022-01_liangcheng_shequ-chenbao.txt": (None, "凉城新村街道"),
        "2019-12_changfeng.txt": (None, "长风新村街道"),
        "2019-11_huamu.txt": (None, "花木街道"),
        "2021-05_liangcheng_shequ-chenbao.txt": ("社区晨报", "凉城新村街道"),
    }
    for name, (publication, street) in expected.items():
        parsed = parse(name)
        assert (parsed.publication, parsed.street) == (publication, street), name


def test_subtitles_bylines_and_sections() -> None:
    first = parse("2019-07_liangcheng_shequ-chenbao.txt").articles[0]
    assert first.subtitle == "凉城新村街道举办庆祝中国共产党成立98周年活动"
    assert first.byline == "党建办"

    culture = parse("2022-01_liangcheng_shequ-chenbao.txt").articles
    assert culture[0].subtitle == "强调要让文化中心成为居民群众想来爱来常来的“社区会客厅”"
    assert [a.byline for a in culture] == [
        "社区文化活动中心 张剑鸣",
        "党建办 杜嵩",
        "街道红十字会 杜瑾",
        "党建办 刘冬萌、自治办 张琳璘",
        "社区事务受理中心 张寻嫣",
    ]

    changfeng = parse("2019-12_changfeng.txt").articles
    assert changfeng[0].section == ""
    assert changfeng[1].section == "社区扫描 居民区"
    assert changfeng[1].byline == "记者 冯璐迪 整理报道"
    assert changfeng[1].subtitle == "长风新村街道举办“12·5”国际志愿者日暨垃圾分类志愿服务活动"

    huamu = parse("2019-11_huamu.txt").articles
    assert huamu[0].byline == "文 徐云"
    assert huamu[1].subtitle == "花木街道组织开展餐饮行业用气安全“回头看”行动"
    assert huamu[1].byline == "花木安全家园"

    feature = parse("2021-05_liangcheng_shequ-chenbao.txt").articles[0]
    assert feature.byline == "记者 武钢"
    assert feature.subtitle == "凉城新村街道推动“我为群众办实事”实践活动走深走实"


def test_inner_subheads_stay_in_the_feature_as_their_own_paragraphs() -> None:
    feature = parse("2021-05_liangcheng_shequ-chenbao.txt").articles[0]
    assert [p for p in feature.paragraphs if len(p) <= 20] == [
        "党群阵地暖人心 点点滴滴为民情",
        "党建引领筑信仰 文化为民聚人心",
        "惠民服务让居民乐在驿站乐享驿生",
        "网格助力“悬空老人”圆“加梯梦”",
        "“网聚”力量解难事 多年违建一朝除",
    ]
    huamu = parse("2019-11_huamu.txt").articles[0]
    assert [p for p in huamu.paragraphs if len(p) < 10] == [
        "聚焦主题重点学", "创新方式激励学", "检视问题推进学", "即知即改深入学",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "sentence"),
    [
        (
            "2019-07_liangcheng_shequ-chenbao.txt",
            "让大家感受到楼组党员在社区生活垃圾分类工作中发挥的带头作用",
        ),
        ("2019-07_liangcheng_shequ-chenbao.txt", "区委组织部副部长、区社工委书记潘明云代表"),
        ("2019-07_liangcheng_shequ-chenbao.txt", "截至2019年4月底，团队已经招募党员志愿者150余名"),
        ("2022-01_liangcheng_shequ-chenbao.txt", "疫情防控与文体活动要共抓并举"),
        ("2022-01_liangcheng_shequ-chenbao.txt", "以举办群众喜闻乐见的各项活动"),
        ("2022-01_liangcheng_shequ-chenbao.txt", "将文化中心这一展示平台运用最大化"),
        ("2022-01_liangcheng_shequ-chenbao.txt", "牢固树立大抓基层的鲜明导向"),
        ("2022-01_liangcheng_shequ-chenbao.txt", "整合了少数民族创业就业会"),
        ("2022-01_liangcheng_shequ-chenbao.txt", "彰显统战作为等三个方面作了重点汇报"),
        ("2022-01_liangcheng_shequ-chenbao.txt", "发展品质这“五大品质”建设"),
        ("2021-05_liangcheng_shequ-chenbao.txt", "对社区居民正常开放"),
        ("2021-05_liangcheng_shequ-chenbao.txt", "针对不少居民对加梯施工中房屋安全"),
        ("2021-05_liangcheng_shequ-chenbao.txt", "市民驿站工作人员在社区调研时，很多居民反映"),
        ("2019-12_changfeng.txt", "长风目前处于发展阶段，要靠大家的齐心协力"),
        ("2019-12_changfeng.txt", "会干事是关键"),
        ("2019-12_changfeng.txt", "关于群众文化活动、城市精细化管理"),
        ("2019-12_changfeng.txt", "对辖区内出现的环境脏乱差情况进行整治"),
        ("2019-11_huamu.txt", "带着责任学、带着问题学"),
        ("2019-11_huamu.txt", "贯穿始终”的精神"),
        ("2019-11_huamu.txt", "确保辖区安全稳定。"),
        ("2019-11_huamu.txt", "听取了工作人员的介绍，随后"),
        ("2019-11_huamu.txt", "气氛非常活跃。"),
    ],
)
def test_broken_sentences_are_whole_again(name: str, sentence: str) -> None:
    paragraphs = [p for a in parse(name).articles for p in a.paragraphs]
    assert any(sentence in p for p in paragraphs)


# --- awkward input ---------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t\n", "\u3000\u3000\n"])
def test_empty_text_has_no_articles(text: str) -> None:
    parsed = parse_issue(text)
    assert parsed.articles == ()
    assert parsed.publication is None and parsed.street is None


def test_text_without_headline_is_one_article_titled_from_its_first_sentence() -> None:
    text = (
        "凉城新村街道社区事务受理中心自下周一起调整办公时间，工作日上午八点半开门，中午不休息。\n\n"
        "居民如有疑问，可拨打中心服务电话咨询。"
    )
    (article,) = parse_issue(text).articles
    assert article.title == "凉城新村街道社区事务受理中心自下周一起调整办公时间"
    assert len(article.paragraphs) == 2
    assert parse_issue(text).street == "凉城新村街道"


def test_text_starting_with_a_short_line_uses_it_as_title() -> None:
    text = "居民区停水通知\n\n因管道维修，本周六上午九点至下午三点停水，请居民提前储水。"
    (article,) = parse_issue(text).articles
    assert article.title == "居民区停水通知"
    assert article.paragraphs == ("因管道维修，本周六上午九点至下午三点停水，请居民提前储水。",)


def test_derive_title_clips_long_sentences() -> None:
    title = derive_title(
        ["这是一个没有任何标点符号而且非常非常长的句子它会被截断到三十个字以内才能作为标题使用"]
    )
    assert len(title) == 31 and title.endswith("…")
    assert derive_title([]) == ""


def test_emoji_only_text_does_not_crash_and_keeps_its_content() -> None:
    parsed = parse_issue("😀🎉\n\n👍")
    assert [a.paragraphs for a in parsed.articles] == [("😀🎉", "👍")]


def test_html_input_is_kept_as_text() -> None:
    html = (
        "<h1>居民区停水通知</h1>\n\n"
        "<p>因管道维修，本周六上午停水，请居民提前储水。</p>\n\n"
        "<script>alert(1)</script>"
    )
    (article,) = parse_issue(html).articles
    assert article.title == "<h1>居民区停水通知</h1>"
    assert article.paragraphs == ("<p>因管道维修，本周六上午停水，请居民提前储水。</p>",)
    assert article.captions == ("<script>alert(1)</script>",)


@pytest.mark.parametrize(
    "text",
    [
        "<<<>>>",
        "(((",
        "）（",
        "□",
        "#",
        "## ",
        "|",
        "\x00\x01",
        "a" * 5000,
        "。" * 100,
        "\n" * 1000,
    ],
)
def test_odd_input_does_not_crash(text: str) -> None:
    parsed = parse_issue(text)
    assert all(isinstance(a, ArticleDraft) and a.title for a in parsed.articles)


def test_one_megabyte_of_text_is_parsed_quickly() -> None:
    issue = (ISSUES / "2022-01_liangcheng_shequ-chenbao.txt").read_text(encoding="utf-8")
    text = (issue * (1_000_000 // len(issue) + 1))[:1_000_000]
    start = time.perf_counter()
    parsed = parse_issue(text)
    assert time.perf_counter() - start < 20
    assert len(parsed.articles) > 100


def test_one_megabyte_without_line_breaks_is_parsed_quickly() -> None:
    start = time.perf_counter()
    parsed = parse_issue("社区居民参加垃圾分类志愿服务活动，" * 60_000)
    assert time.perf_counter() - start < 20
    assert len(parsed.articles) == 1

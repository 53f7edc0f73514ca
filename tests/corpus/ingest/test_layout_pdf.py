"""PDF text layers: headlines told by their type size and weight, columns read in order."""

from __future__ import annotations

from dataclasses import replace

import pytest

from corpus.ingest.articles import parse_issue
from corpus.ingest.extract import extract_text
from corpus.ingest.prepare import IngestError, IssueMeta, prepare_bytes
from tests.data.layout_pdf import Run, layout_pdf_bytes, wrap
from tests.data.staff.samples import pdf_bytes

BODY, LEADING, WIDTH = 10.5, 16, 22  # body type, line spacing, characters per column line
LEFT, RIGHT = 50, 310  # the two columns' left edges

H1 = "贵州路居民区开设老年助餐点"
H2 = "牛庄路小区完成雨污分流改造"
P1 = (
    "11月1日起，贵州路居民区的老年助餐点在居民区活动室正式开放，每天中午供应两荤一素一汤，"
    "六十岁以上的老人凭敬老卡用餐，每餐十五元。"
)
P2 = (
    "助餐点由街道委托专业餐饮公司运营，饭菜在中央厨房做好后冷链送到活动室加热，行动不便的"
    "老人可以请志愿者送餐上门，居民区还为独居老人登记了送餐名单。（社区服务办）"
)
P3 = "牛庄路小区雨污分流改造于10月底完工，新铺设雨水管和污水管各八百米，雨天小区积水的问题得到解决。（城运中心）"
MASTHEAD = [
    Run(217, 790, 40, "社区晨报", bold=True),
    Run(LEFT, 760, BODY, "南京东路街道办事处 主办"),
    Run(420, 760, BODY, "2026年11月5日 第11期"),
]


def _body(text: str, x: float, y: float, leading: float = LEADING) -> list[Run]:
    return wrap(text, x, y, size=BODY, width=WIDTH, leading=leading)


def two_column_page(leading: float = LEADING, offset: float = 0) -> list[Run]:
    """Article 1 fills the left column and breaks mid-sentence into the right one.

    ``offset`` lowers the right column's baselines against the left one's.
    """
    left = [Run(LEFT, 730, 18, H1, bold=True), *_body(P1, LEFT, 706, leading)]
    second = _body(P2, LEFT, left[-1].y - leading, leading)
    left += second[:3]
    top = 730 - offset
    right = [replace(run, x=RIGHT, y=top - i * leading) for i, run in enumerate(second[3:])]
    y = right[-1].y - 2 * leading
    right += [Run(RIGHT, y, 18, H2, bold=True), *_body(P3, RIGHT, y - leading, leading)]
    # Content order as an imposition program may write it: right column first.
    return MASTHEAD + right + left


@pytest.mark.parametrize(
    ("leading", "offset"),
    [(LEADING, 0), (LEADING, 5), (24, 0), (24, 11)],  # single and double spaced, offset columns
)
def test_two_column_page_becomes_two_articles_with_their_headlines(
    leading: float, offset: float
) -> None:
    data = layout_pdf_bytes([two_column_page(leading, offset)])
    text = extract_text(data, "page.pdf")
    assert f"\n\n## {H1}\n\n" in text and f"\n\n## {H2}\n\n" in text
    # Lines of one paragraph stay together: the leading is measured within a column.
    assert "\n\n" not in text[text.index("11月1日起") : text.index("每餐十五元")]
    parsed = parse_issue(text)
    assert [a.title for a in parsed.articles] == [H1, H2]
    first, second = parsed.articles
    # The sentence the column break cut is whole again, and the credit closes the article.
    assert first.paragraphs == (P1, P2.removesuffix("（社区服务办）"))
    assert first.byline == "社区服务办"
    assert second.paragraphs == (P3.removesuffix("（城运中心）"),)
    assert (parsed.publication, parsed.street) == ("社区晨报", "南京东路街道")
    issue = prepare_bytes(data, "page.pdf", IssueMeta(date="2026-11"))
    assert (issue.title, issue.district) == (H1, "黄浦区")


def test_headline_set_close_above_its_body_is_not_glued_to_it() -> None:
    # No extra space under the headlines: only their size tells them from the body.
    runs = [Run(LEFT, 800, 16, H1, bold=True), *_body(P1, LEFT, 800 - LEADING)]
    y = runs[-1].y - LEADING
    runs += [Run(LEFT, y, 16, H2), *_body(P3, LEFT, y - LEADING)]
    text = extract_text(layout_pdf_bytes([runs]), "glued.pdf")
    assert [a.title for a in parse_issue(text).articles] == [H1, H2]


def test_bold_body_size_line_is_a_subhead_of_its_article() -> None:
    runs = [Run(LEFT, 800, 18, H1, scaled=True), *_body(P1, LEFT, 776)]
    y = runs[-1].y - LEADING
    runs += [Run(LEFT, y, BODY, "送餐上门", bold=True), *_body(P2, LEFT, y - LEADING)]
    text = extract_text(layout_pdf_bytes([runs]), "subhead.pdf")
    assert "\n\n### 送餐上门\n\n" in text
    (article,) = parse_issue(text).articles
    assert article.title == H1 and "送餐上门" in article.paragraphs


def test_headline_across_both_columns_is_read_before_them() -> None:
    headline = H1 + " 让老人吃上热饭"  # set wider than a column, over both
    lines = _body(P1 + P2, LEFT, 770)
    half = len(lines) // 2
    right = [replace(run, x=RIGHT, y=770 - i * LEADING) for i, run in enumerate(lines[half:])]
    runs = [Run(150, 800, 24, headline, bold=True), *right, *lines[:half]]
    text = extract_text(layout_pdf_bytes([runs]), "wide.pdf")
    (article,) = parse_issue(text).articles
    assert article.title == headline
    assert "".join(article.paragraphs) == P1 + P2.removesuffix("（社区服务办）")


def test_body_type_is_judged_over_the_whole_document() -> None:
    # The second page has one headline and one short paragraph: its headline is still told.
    page1 = [Run(LEFT, 800, 18, H1, bold=True), *_body(P1 + P2, LEFT, 776)]
    page2 = [
        Run(LEFT, 820, 9, "社区晨报 2026年11月5日 第2版 社区新闻"),  # the running head
        Run(LEFT, 800, 18, H2, bold=True),
        *_body(P3, LEFT, 776),
    ]
    text = extract_text(layout_pdf_bytes([page1, page2]), "two-pages.pdf")
    assert [a.title for a in parse_issue(text).articles] == [H1, H2]


@pytest.mark.parametrize("headline", ["<b>助餐</b> & “签约”", "# 井号 | 标题"])
def test_odd_characters_in_headlines_stay_text(headline: str) -> None:
    runs = [Run(LEFT, 800, 18, headline, bold=True), *_body(P1, LEFT, 776)]
    text = extract_text(layout_pdf_bytes([runs]), "odd.pdf")
    assert f"## {headline}\n\n" in text
    assert parse_issue(text).articles[0].paragraphs == (P1,)


def test_kicker_set_small_above_the_headline_is_not_the_title() -> None:
    kicker = "街道实事项目"
    runs = [
        Run(LEFT, 800, 12, kicker, bold=True),
        Run(LEFT, 778, 20, H1, bold=True),
        *_body(P1, LEFT, 752),
    ]
    (article,) = parse_issue(extract_text(layout_pdf_bytes([runs]), "kicker.pdf")).articles
    assert (article.title, article.subtitle) == (H1, kicker)


def test_text_layer_without_line_breaks_is_still_read() -> None:
    # Found by fuzzing: a font size larger than the leading makes pypdf run the whole page
    # into one line, which holds "联合出版" but is no masthead line.
    data = pdf_bytes().replace(b"/F1 11 Tf", b"/F1 31 Tf")
    issue = prepare_bytes(data, "run-together.pdf", IssueMeta(street="凉城新村街道", date="2026-11"))
    assert "凉城街道开通社区助浴服务" in issue.articles[0].body


def test_a_file_without_articles_is_refused_naming_it() -> None:
    data = layout_pdf_bytes([[Run(LEFT, 800, 18, "社区晨报"), *MASTHEAD[1:]]])
    with pytest.raises(IngestError, match=r"^masthead-only\.pdf: no article text"):
        prepare_bytes(data, "masthead-only.pdf", IssueMeta(date="2026-11"))


def test_column_text_above_the_top_headline_stays_in_its_column() -> None:
    # Page 2: the left column opens with the end of an article from page 1; the right
    # column's headline sits a little lower. Only masthead lines are read before columns.
    ending = ("饭菜在中央厨房做好后冷链送到活动室加热，", "行动不便的老人可以请志愿者送餐上门，居")
    ending += ("民区还为独居老人登记了送餐名单。",)
    tail = [Run(LEFT, 800 - i * LEADING, BODY, text) for i, text in enumerate(ending)]
    y = tail[-1].y - 2 * LEADING
    left = [*tail, Run(LEFT, y, 18, H2, bold=True), *_body(P3, LEFT, y - 24)]
    right = [Run(RIGHT, 795, 18, H1, bold=True), *_body(P1, RIGHT, 771)]
    text = extract_text(layout_pdf_bytes([right + left]), "page2.pdf")
    assert text.startswith("饭菜在中央厨房做好后冷链送到活动室加热，\n行动不便的")
    assert text.index("送餐名单") < text.index(H2) < text.index(H1)


def test_bold_credit_lines_are_not_subheads() -> None:
    runs = [Run(LEFT, 800, 18, H1, bold=True), Run(LEFT, 776, BODY, "□记者 林晓", bold=True)]
    runs += _body(P1, LEFT, 760)
    text = extract_text(layout_pdf_bytes([runs]), "credit.pdf")
    assert "### " not in text
    (article,) = parse_issue(text).articles
    assert (article.title, article.byline) == (H1, "记者 林晓")

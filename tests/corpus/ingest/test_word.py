"""Word files: heading styles, the Title masthead and bold short paragraphs become the articles."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest

from corpus.ingest.articles import derive_title, parse_issue
from corpus.ingest.decoding import DecodeError
from corpus.ingest.extract import extract_text
from corpus.ingest.prepare import IssueMeta, prepare_bytes

ARTICLES = (
    (
        "联洋社区新建口袋公园正式开放",
        "9月20日，联洋社区芳甸路上的口袋公园正式向居民开放，每天早上6点至晚上9点开放。",
    ),
    (
        "花木街道举办中秋邻里百家宴",
        "9月25日晚，花木街道在市民中心广场举办中秋邻里百家宴，200多位居民带来自家拿手菜。",
    ),
    (
        "牡丹社区完成加装电梯签约",
        "牡丹社区又有三个门洞完成加装电梯意见征询和签约，预计明年3月开工。",
    ),
)


def _docx(build: Callable[[Any], None]) -> bytes:
    import docx

    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _titles(data: bytes) -> list[str]:
    return [a.title for a in parse_issue(extract_text(data, "issue.docx")).articles]


def _title_and_heading2(document: Any) -> None:
    document.add_heading("花木社区报", level=0)  # level 0 is Word's Title style
    document.add_paragraph("花木街道党工委、办事处 主办")
    document.add_paragraph("2026年9月 第9期")
    for headline, body in ARTICLES:
        document.add_heading(headline, level=2)
        document.add_paragraph(body)


def test_title_masthead_and_three_heading2_articles() -> None:
    data = _docx(_title_and_heading2)
    text = extract_text(data, "issue.docx")
    assert text.startswith("# 花木社区报\n\n")
    assert "\n\n## 联洋社区新建口袋公园正式开放\n\n" in text
    parsed = parse_issue(text)
    assert [a.title for a in parsed.articles] == [h for h, _ in ARTICLES]
    assert [a.paragraphs for a in parsed.articles] == [(b,) for _, b in ARTICLES]
    assert (parsed.publication, parsed.street) == ("花木社区报", "花木街道")
    issue = prepare_bytes(data, "issue.docx", IssueMeta(date="2026-09"))
    assert issue.title == "联洋社区新建口袋公园正式开放" and issue.district == "浦东新区"


def test_title_that_names_no_paper_is_still_the_masthead() -> None:
    def build(document: Any) -> None:
        document.add_heading("凉城之窗", level=0)
        for headline, body in ARTICLES:
            document.add_heading(headline, level=1)
            document.add_paragraph(body)

    assert _titles(_docx(build)) == [h for h, _ in ARTICLES]


def test_bold_short_paragraphs_are_headlines() -> None:
    def build(document: Any) -> None:
        document.add_paragraph("南京东路街道办事处 主办").runs[0].bold = True
        for headline, body in ARTICLES:
            document.add_paragraph().add_run(headline).bold = True
            paragraph = document.add_paragraph()
            paragraph.add_run(body[:10]).bold = True  # a bold lead-in is not a headline
            paragraph.add_run(body[10:])

        caption = document.add_paragraph(style="Caption")
        caption.add_run("居民在助餐点用餐").bold = True  # a caption heads nothing, bold or not

    data = _docx(build)
    assert _titles(data) == [h for h, _ in ARTICLES]
    issue = prepare_bytes(data, "issue.docx", IssueMeta(date="2026-09"))
    assert (issue.street, issue.district) == ("南京东路街道", "黄浦区")
    assert issue.articles[-1].captions == ("居民在助餐点用餐",)


def test_bold_paragraphs_under_heading_styles_are_subheads() -> None:
    def build(document: Any) -> None:
        document.add_heading("凉城新村街道开展“美丽家园”建设", level=1)
        document.add_paragraph("今年以来，凉城新村街道推进“美丽家园”建设，惠及居民三千户。")
        document.add_paragraph().add_run("楼道焕新").bold = True
        document.add_paragraph("广灵二路小区的楼道完成粉刷，增设了扶手和夜间感应灯。")
        document.add_heading("凉城新村街道举办读书节", level=1)
        document.add_paragraph("读书节为期一个月，共有二十场活动，居民可以免费参加。")

    text = extract_text(_docx(build), "issue.docx")
    assert "\n\n### 楼道焕新\n\n" in text
    articles = parse_issue(text).articles
    assert [a.title for a in articles] == ["凉城新村街道开展“美丽家园”建设", "凉城新村街道举办读书节"]
    assert "楼道焕新" in articles[0].paragraphs


def test_localised_style_names_and_outline_levels_are_headings() -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    def build(document: Any) -> None:
        document.styles.add_style("标题", WD_STYLE_TYPE.PARAGRAPH)  # Chinese Word's Title
        chinese = document.styles.add_style("标题 2", WD_STYLE_TYPE.PARAGRAPH)
        custom = document.styles.add_style("文章标题", WD_STYLE_TYPE.PARAGRAPH)
        level = OxmlElement("w:outlineLvl")
        level.set(qn("w:val"), "1")
        custom.element.get_or_add_pPr().append(level)
        document.add_paragraph("社区晨报", style="标题")
        for (headline, body), style in zip(ARTICLES, (chinese, custom, chinese), strict=True):
            document.add_paragraph(headline, style=style)
            document.add_paragraph(body)

    data = _docx(build)
    assert extract_text(data, "issue.docx").startswith("# 社区晨报\n\n## ")
    assert _titles(data) == [h for h, _ in ARTICLES]


@pytest.mark.parametrize(
    ("headline", "title"),
    [
        # Kept as text: the bot escapes it when it quotes the headline.
        ("<b>加装电梯</b> & “签约” 🎉", "<b>加装电梯</b> & “签约” 🎉"),
        ("**凉城** | 读书节", "凉城 | 读书节"),
        ("# 井号开头的标题", "# 井号开头的标题"),
        # An empty heading marks nothing: the article is named from its first sentence.
        ("  ", derive_title([ARTICLES[0][1]])),
    ],
)
def test_odd_headings_stay_text(headline: str, title: str) -> None:
    def build(document: Any) -> None:
        document.add_heading(headline, level=2)
        document.add_paragraph(ARTICLES[0][1])
        document.add_heading("", level=2)
        document.add_heading(ARTICLES[1][0], level=2)
        document.add_paragraph(ARTICLES[1][1])

    assert _titles(_docx(build)) == [title, ARTICLES[1][0]]


def test_only_empty_headings_is_refused_naming_the_file() -> None:
    def build(document: Any) -> None:
        document.add_heading("", level=0)
        document.add_heading("   ", level=2)

    with pytest.raises(DecodeError, match=r"empty\.docx has no text"):
        extract_text(_docx(build), "empty.docx")


def _text_box_xml(paragraphs: list[tuple[str, str]]) -> str:
    """A run holding a text box as Word writes it: DrawingML, and the same box again as VML."""
    from docx.oxml.ns import nsdecls

    def content() -> str:
        out = []
        for style, text in paragraphs:
            props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
            out.append(f"<w:p>{props}<w:r><w:t>{text}</w:t></w:r></w:p>")
        return "<w:txbxContent>" + "".join(out) + "</w:txbxContent>"

    return (
        f"<w:r {nsdecls('w')} "
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        'xmlns:v="urn:schemas-microsoft-com:vml">'
        "<mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wps:wsp><wps:txbx>"
        + content()
        + "</wps:txbx></wps:wsp></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>"
        + content()
        + "</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
    )


def test_articles_in_text_boxes_are_read_once_where_they_are_anchored() -> None:
    from docx.oxml import parse_xml

    def build(document: Any) -> None:
        document.add_heading("社区晨报", level=0)
        heading2 = document.styles["Heading 2"].style_id
        for headline, body in ARTICLES[:2]:
            anchor = document.add_paragraph()
            anchor._p.append(parse_xml(_text_box_xml([(heading2, headline), ("", body)])))
        document.add_heading(ARTICLES[2][0], level=2)
        document.add_paragraph(ARTICLES[2][1])

    articles = parse_issue(extract_text(_docx(build), "boxes.docx")).articles
    assert [a.title for a in articles] == [h for h, _ in ARTICLES]
    assert [a.paragraphs for a in articles] == [(b,) for _, b in ARTICLES]


def test_layout_table_cells_are_read_in_turn_and_data_tables_by_row() -> None:
    def build(document: Any) -> None:
        document.add_heading("社区晨报", level=0)
        layout = document.add_table(rows=1, cols=2)
        for cell, (headline, body) in zip(layout.rows[0].cells, ARTICLES[:2], strict=True):
            cell.paragraphs[0].text = headline
            cell.paragraphs[0].style = document.styles["Heading 2"]
            cell.add_paragraph(body)
        document.add_heading(ARTICLES[2][0], level=2)
        document.add_paragraph(ARTICLES[2][1])
        data = document.add_table(rows=2, cols=2)
        for row, values in zip(data.rows, (("门洞", "开工时间"), ("12号", "2027年3月")), strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value

    text = extract_text(_docx(build), "tables.docx")
    assert "\n\n12号 2027年3月" in text
    articles = parse_issue(text).articles
    assert [a.title for a in articles] == [h for h, _ in ARTICLES]
    assert articles[0].paragraphs == (ARTICLES[0][1],)


def test_heading1_section_labels_over_heading2_articles() -> None:
    def build(document: Any) -> None:
        document.add_heading("社区晨报", level=0)
        document.add_heading("社区扫描", level=1)
        for headline, body in ARTICLES[:2]:
            document.add_heading(headline, level=2)
            document.add_paragraph(body)
        document.add_heading("居民区", level=1)
        document.add_heading(ARTICLES[2][0], level=2)
        document.add_paragraph(ARTICLES[2][1])

    articles = parse_issue(extract_text(_docx(build), "sections.docx")).articles
    assert [(a.section, a.title) for a in articles] == [
        ("社区扫描", ARTICLES[0][0]),
        ("社区扫描", ARTICLES[1][0]),
        ("居民区", ARTICLES[2][0]),
    ]


def test_paper_name_in_heading1_over_heading2_articles_is_the_masthead() -> None:
    def build(document: Any) -> None:
        document.add_heading("凉城之窗", level=1)
        document.add_paragraph("凉城新村街道党工委、办事处 主办")
        for headline, body in ARTICLES:
            document.add_heading(headline, level=2)
            document.add_paragraph(body)

    text = extract_text(_docx(build), "h1.docx")
    assert text.startswith("# 凉城之窗\n\n")
    parsed = parse_issue(text)
    assert [a.title for a in parsed.articles] == [h for h, _ in ARTICLES]
    assert parsed.street == "凉城新村街道"

"""OCR: the layout of boxes into text, the committed photo of a page, and bad images."""

from __future__ import annotations

import io
import math
import struct
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from corpus.ingest.articles import parse_issue
from corpus.ingest.decoding import DecodeError
from corpus.ingest.extract import extract, extract_text
from corpus.ingest.ocr import OcrUnavailable, engine, pages
from corpus.ingest.ocr.engine import Box
from corpus.ingest.ocr.layout import PageFlow, blocks_text
from corpus.ingest.prepare import IssueMeta, prepare_issue
from corpus.ingest.similarity import similarity
from tests.support.ocr import PAGE_PHOTO, PAGE_TEXT, requires_ocr, scan_pdf

BROKEN_SENTENCE = "可以拨打居委会电话，志愿者会在每天上午九点到十一点陪同老人上下楼。"

# --- layout, on boxes made here (no OCR runtime needed) ------------------------------------


def box(x: float, y: float, w: float, h: float, text: str, score: float = 0.99, tilt: float = 0.0):
    """A recogniser box at (x, y), w x h, the page turned by ``tilt`` degrees."""
    a = math.radians(tilt)

    def turn(px: float, py: float) -> tuple[float, float]:
        return (px * math.cos(a) - py * math.sin(a), px * math.sin(a) + py * math.cos(a))

    corners = ((x, y), (x + w, y), (x + w, y + h), (x, y + h))
    return Box(tuple(turn(*c) for c in corners), text, score)


def two_columns(tilt: float = 0.0) -> list[Box]:
    """A masthead, a headline and an article running from the left column into the right."""
    b = []
    b.append(box(450, 40, 300, 60, "社区晨报", tilt=tilt))
    b.append(box(300, 120, 600, 26, "凉城新村街道、社区晨报编辑部联合出版", tilt=tilt))
    b.append(box(80, 200, 480, 40, "凉二小区加装电梯开工", tilt=tilt))
    b.append(box(80, 260, 120, 26, "口记者林晓", 0.7, tilt=tilt))
    left = [
        "本报讯凉二小区加装电梯项目日前正式",
        "开工，施工期间每天早上八点以后才会进",
        "行有噪音的作业，请居民谅解，工程计划",
    ]
    for n, text in enumerate(left):
        x = 130 if n == 0 else 80
        b.append(box(x, 300 + 36 * n, 560 - x, 26, text, tilt=tilt))
    right = [
        "在明年三月底前完成验收并交付使用。",
        "居民区党总支多次召开楼组会议，听取住",
        "户的意见。",
    ]
    for n, text in enumerate(right):
        x = 670 if n == 1 else 620
        width = {0: 480, 1: 480, 2: 100}[n] if n != 1 else 1100 - 670
        b.append(box(x, 200 + 36 * n, width, 26, text, tilt=tilt))
    b.append(box(620, 420, 200, 20, "施工现场", tilt=tilt))
    return b


@pytest.mark.parametrize("tilt", [0.0, 1.2, -1.0])
def test_columns_headline_byline_and_a_sentence_broken_across_columns(tilt: float) -> None:
    flow = PageFlow()
    flow.add_page(two_columns(tilt))
    text = blocks_text(flow.finish())
    assert text.index("社区晨报") < text.index("联合出版") < text.index("## 凉二小区加装电梯开工")
    assert "\n□记者林晓\n" in text  # the 口 the recogniser reads is the byline's □
    # The left column's last line and the right column's first are one sentence.
    assert "工程计划在明年三月底前完成验收并交付使用。" in text
    # An indented line starts a paragraph, lines within one are joined without spaces.
    assert "\n\n居民区党总支多次召开楼组会议，听取住户的意见。" in text
    assert "\n\n\n\n施工现场" in text  # a caption, set off as the cleaning stage expects


def test_layout_text_goes_through_the_cleaning_and_article_stages() -> None:
    flow = PageFlow()
    flow.add_page(two_columns(1.0))
    parsed = parse_issue(blocks_text(flow.finish()))
    assert parsed.publication == "社区晨报"
    [article] = parsed.articles
    assert article.title == "凉二小区加装电梯开工" and article.byline == "记者林晓"
    assert article.captions == ("施工现场",)
    assert len(article.paragraphs) == 2


def test_low_confidence_lines_are_kept_with_their_page() -> None:
    flow = PageFlow()
    flow.add_page(two_columns())
    unsure = [line for block in flow.finish() for line in block.lines if line[2] < 0.9]
    assert unsure == [(1, "口记者林晓", 0.7)]


def test_a_paragraph_runs_on_to_the_next_page() -> None:
    flow = PageFlow()
    flow.add_page(
        [
            box(80, 100, 480, 26, "第一页的最后一行没有写完这个句子的内"),
            box(80, 136, 480, 26, "容，还要继续往下面写很多很多的文字才"),
        ]
    )
    flow.add_page(
        [box(80, 100, 300, 26, "算完整。"), box(130, 136, 430, 26, "新的一段从这里开始写起来。")]
    )
    text = blocks_text(flow.finish())
    assert "文字才算完整。\n\n新的一段" in text


def test_similarity_of_two_copies_and_of_two_issues() -> None:
    page = PAGE_TEXT.read_text(encoding="utf-8")
    misread = page.replace("电梯", "电悌", 1).replace("，", "", 3)
    assert similarity(page, misread) > 0.9
    other = Path(__file__).parents[2] / "corpus" / "issues" / "2019-11_huamu.txt"
    assert similarity(page, other.read_text(encoding="utf-8")) < 0.05


# --- bad images (no recognition: refused before the models are loaded) ---------------------


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG declaring a huge image: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (
            b"\xff\xd8\xff\xe0 not really a jpeg",
            "page.jpg",
            "could not read page.jpg: the file is damaged or not an image",
        ),
        (b"", "page.png", "page.png is empty"),
        (png_header(30000, 30000), "bomb.png", "bomb.png declares .* megapixels"),
        (png_header(9000, 6000), "poster.png", "poster.png is 9000×6000 pixels"),
        (png_header(100, 100), "cut.png", "could not read cut.png"),
    ],
)
def test_bad_images_are_refused_with_their_name(data: bytes, name: str, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        list(pages.image_pages(data, name))


def test_without_the_ocr_extra_staff_are_told_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A slim deployment: the import of the runtime fails (sys.modules[name] = None does that).
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)
    engine.reset()
    try:
        photo = io.BytesIO()
        Image.new("RGB", (200, 100), "white").save(photo, "PNG")
        with pytest.raises(OcrUnavailable, match=r"needs OCR.*pip install 'linli\[ocr\]'"):
            extract_text(photo.getvalue(), "page.png")
        assert not engine.available()
    finally:
        engine.reset()


# --- the committed photo of a printed page (real OCR, cached for the session) --------------


@requires_ocr
def test_the_photo_of_a_two_column_page_reads_as_its_articles() -> None:
    result = extract(PAGE_PHOTO.read_bytes(), "ocr_page.jpg")
    assert result.pages == 1
    assert "## 凉二小区加装电梯进入施工阶段" in result.text  # a two-line headline, whole
    assert "## 社区食堂推出老年助餐套餐" in result.text
    assert BROKEN_SENTENCE in result.text  # broken at the foot of the left column
    prepared = prepare_issue(result.text, IssueMeta(date="2026-11"))
    assert prepared.publication == "社区晨报" and prepared.street == "凉城新村街道"
    titles = [a.title for a in prepared.articles]
    assert titles == ["凉二小区加装电梯进入施工阶段", "社区食堂推出老年助餐套餐"]
    assert prepared.articles[0].byline.startswith("记者")
    source = "".join(PAGE_TEXT.read_text(encoding="utf-8").split()).replace("#", "")
    assert similarity(source, result.text) > 0.8


@requires_ocr
def test_an_image_only_pdf_goes_to_ocr_instead_of_being_refused() -> None:
    result = extract(scan_pdf(PAGE_PHOTO.read_bytes()), "scan.pdf")
    assert result.pages == 1 and BROKEN_SENTENCE in result.text


def blank(width: int = 900, height: int = 1200, words: str = "") -> bytes:
    image = Image.new("RGB", (width, height), "white")
    if words:
        from PIL import ImageFont

        from benchmarks.ocr_render import find_font

        font_path = find_font()
        if font_path is None:
            pytest.skip("no CJK font installed (apt-get install fonts-wqy-zenhei)")
        ImageDraw.Draw(image).text(
            (100, 500), words, font=ImageFont.truetype(str(font_path), 60), fill="black"
        )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


@requires_ocr
@pytest.mark.parametrize(
    ("words", "name"),
    [("", "blank.jpg"), ("禁止停车", "sign.jpg")],
)
def test_a_blank_page_or_a_photo_of_a_sign_is_not_an_issue(words: str, name: str) -> None:
    # The image is drawn in the test, not at collection: without a CJK font only the
    # sign's case skips.
    data = blank(words=words)
    with pytest.raises(DecodeError, match=f"{name}: little or no Chinese text"):
        extract_text(data, name)


@requires_ocr
def test_a_60_page_pdf_is_refused_before_any_page_is_read() -> None:
    out = io.BytesIO()
    sheets = [Image.new("RGB", (100, 140), "white") for _ in range(60)]
    sheets[0].save(out, "PDF", save_all=True, append_images=sheets[1:])
    with pytest.raises(DecodeError, match=r"book.pdf has 60 pages; at most 12"):
        extract_text(out.getvalue(), "book.pdf")


def test_a_headline_across_both_columns_heads_the_article_below_it() -> None:
    boxes = [
        box(300, 40, 600, 70, "社区晨报"),
        box(200, 140, 800, 44, "凉城新村街道举办社区运动会"),
    ]
    left = ["本报讯凉城新村街道第十届社区运动会日前", "在凉城公园开幕，来自二十个居民区的五百"]
    right = ["多名居民参加了拔河、跳绳和健步走比赛。", "运动会将持续到本月底结束。"]
    for n, text in enumerate(left):
        x = 130 if n == 0 else 80
        boxes.append(box(x, 220 + 36 * n, 560 - x, 26, text))
    for n, text in enumerate(right):
        boxes.append(box(620, 220 + 36 * n, 480 if n == 0 else 320, 26, text))
    flow = PageFlow()
    flow.add_page(boxes)
    text = blocks_text(flow.finish())
    assert text.startswith("## 社区晨报\n\n## 凉城新村街道举办社区运动会\n\n本报讯")
    assert "来自二十个居民区的五百多名居民参加了拔河" in text
    [article] = parse_issue(text).articles
    assert article.title == "凉城新村街道举办社区运动会"


def test_two_boxes_on_one_printed_line_are_one_line() -> None:
    # The recogniser splits a line at a wide space (口记者  林晓; a number set apart).
    boxes = [
        box(80, 100, 480, 40, "居民区召开加装电梯协调会"),
        box(80, 160, 70, 26, "口记者", 0.95),
        box(170, 161, 60, 26, "林晓", 0.8),
        box(130, 200, 430, 26, "凉二小区十二号楼的居民昨天在居委会召开了"),
        box(80, 236, 360, 26, "加装电梯协调会，共有"),
        box(450, 236, 40, 26, "24"),
        box(500, 236, 60, 26, "户到场"),
        box(80, 272, 200, 26, "参加了会议。"),
    ]
    flow = PageFlow()
    flow.add_page(boxes)
    blocks = flow.finish()
    text = blocks_text(blocks)
    assert "\n□记者林晓\n" in text and "共有24户到场参加了会议。" in text
    [byline] = [b for b in blocks if b.text.startswith("□")]
    assert byline.lines == ((1, "口记者林晓", 0.8),)


@requires_ocr
def test_loading_the_models_opens_no_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing may be downloaded at run time: the models are files inside the wheel.
    import socket

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"OCR tried to connect to {args[1:] or kwargs}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    engine.reset()
    try:
        with engine.job("a test") as recognise:
            assert recognise is not None
        import rapidocr_onnxruntime

        models = Path(rapidocr_onnxruntime.__file__).parent / "models"
        assert {p.name for p in models.glob("*.onnx")} >= {
            "ch_PP-OCRv4_det_infer.onnx",
            "ch_PP-OCRv4_rec_infer.onnx",
        }
    finally:
        engine.reset()

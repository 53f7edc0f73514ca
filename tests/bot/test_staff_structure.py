"""Staff send a Word file marked up with styles and a laid-out PDF: the preview shows the real
articles, and residents are answered from them under those headlines."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.app import build_application
from corpus.api import Corpus
from tests.bot.helpers import button, started
from tests.bot.test_staff import ask_resident, make_settings, press, upload
from tests.corpus.ingest.test_layout_pdf import H1, H2, two_column_page
from tests.data.layout_pdf import layout_pdf_bytes
from tests.support.fake_bot_api import FakeBotAPI

ARTICLES = (
    ("外滩源社区开设老年助餐点", "11月1日起，外滩源社区的老年助餐点正式开放，每天中午供应两荤一素。"),
    ("贵州路菜场完成改造", "贵州路菜场改造完成，11月8日重新开业，新增了二十个摊位和一处便民修补点。"),
    ("南京东路街道举办敬老节", "敬老节期间，街道为辖区内九十岁以上的老人送上慰问品和生日蛋糕。"),
)


@pytest.fixture
async def app(
    fake_api: FakeBotAPI, service: Corpus, tmp_path: Path
) -> AsyncIterator[Application]:
    async with started(build_application(make_settings(fake_api, tmp_path), service)) as a:
        yield a


def _word_issue() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("社区晨报", level=0)  # the Title style
    document.add_paragraph("南京东路街道办事处 主办")
    for headline, body in ARTICLES:
        document.add_heading(headline, level=2)
        document.add_paragraph(body)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


async def test_word_title_masthead_and_heading2_articles(
    app: Application, fake_api: FakeBotAPI
) -> None:
    preview = await upload(fake_api, _word_issue(), "本期.docx", caption="2026-11")
    text = preview.params["text"]
    # A street office the bundled issues do not know, read from the masthead line.
    assert "社区晨报 · 南京东路街道 · 2026年11月" in text
    assert "文章 3 篇" in text
    assert all(f". {headline}" in text for headline, _ in ARTICLES)
    assert "主办" not in text.split("文章 3 篇")[1].split("共")[0]  # not an article
    await press(fake_api, preview, button(preview, "s:ok:"))
    answer = await ask_resident(fake_api, "贵州路菜场什么时候重新开业")
    assert "11月8日" in answer
    assert "社区晨报 · 南京东路街道 · 2026年11月 · 贵州路菜场完成改造" in answer


async def test_two_column_pdf_with_headline_fonts(app: Application, fake_api: FakeBotAPI) -> None:
    data = layout_pdf_bytes([two_column_page()])
    preview = await upload(fake_api, data, "page.pdf", caption="2026-11")
    text = preview.params["text"]
    assert "社区晨报 · 南京东路街道 · 2026年11月" in text and "文章 2 篇" in text
    assert f"1. {H1}" in text and f"2. {H2}" in text
    await press(fake_api, preview, button(preview, "s:ok:"))
    # The sentence the column break cut is quoted whole.
    answer = await ask_resident(fake_api, "助餐点给独居老人送餐吗")
    quoted = re.sub(r"</?b>", "", answer)  # matched words are in bold
    assert "行动不便的老人可以请志愿者送餐上门，居民区还为独居老人登记了送餐名单。" in quoted
    assert f"社区晨报 · 南京东路街道 · 2026年11月 · {H1}" in quoted

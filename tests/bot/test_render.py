"""Rendering replies: escaping, bold, and splitting at Telegram's 4,096 characters."""

from __future__ import annotations

import html
import re

from bot.render.html import TELEGRAM_LIMIT, line_html, to_messages, to_plain_messages
from corpus.answer.types import Piece


def _balanced(message: str) -> bool:
    return message.count("<b>") == message.count("</b>") and not re.search(r"<b>[^<]*<b>", message)


def test_user_and_newspaper_text_is_escaped() -> None:
    line = (Piece("<script>alert('x')</script> & "), Piece("<b>粗</b>", bold=True))
    rendered = line_html(line)
    assert rendered == "&lt;script&gt;alert('x')&lt;/script&gt; &amp; <b>&lt;b&gt;粗&lt;/b&gt;</b>"


def test_markdown_characters_pass_through_untouched() -> None:
    assert (
        line_html((Piece("*强调* _下划线_ [链接](x) `代码`"),))
        == "*强调* _下划线_ [链接](x) `代码`"
    )


def test_short_reply_is_one_message() -> None:
    lines = [(Piece("答："), Piece("11月22日", bold=True)), (), (Piece("“引文”"),)]
    assert to_messages(lines) == ["答：<b>11月22日</b>\n\n“引文”"]


def test_long_reply_splits_between_paragraphs() -> None:
    paragraph = (Piece("居民" * 500 + "。"),)
    lines = [paragraph, (), paragraph, (), paragraph, (), paragraph, (), paragraph]
    messages = to_messages(lines)
    assert len(messages) > 1
    assert all(len(m) <= TELEGRAM_LIMIT for m in messages)
    assert "".join(messages).replace("\n", "") == ("居民" * 500 + "。") * 5


def test_one_huge_line_splits_at_sentences_and_keeps_tags_whole() -> None:
    sentence = "加装电梯&堆物<清理>。"
    line = (Piece(sentence * 400), Piece("电梯" * 3000, bold=True), Piece("尾巴。"))
    messages = to_messages([line])
    assert len(messages) > 2
    for message in messages:
        assert len(message) <= TELEGRAM_LIMIT
        assert _balanced(message)
        assert not re.search(r"&[a-z]*$", message)  # no entity cut in half
    text = html.unescape(re.sub(r"</?b>", "", "".join(messages)))
    assert text == sentence * 400 + "电梯" * 3000 + "尾巴。"


def test_plain_fallback_has_no_markup_and_same_text() -> None:
    lines = [(Piece("a < b & "), Piece("c", bold=True))]
    assert to_plain_messages(lines) == ["a < b & c"]


def test_empty_lines_give_no_message() -> None:
    assert to_messages([(), ()]) == []

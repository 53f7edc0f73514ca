"""Sentence and clause boundaries: a 《title》 is a name, whatever punctuation it holds."""

from __future__ import annotations

from retrieval.sentences import split_clauses, split_sentences


def test_punctuation_inside_a_title_ends_no_sentence() -> None:
    text = "3月播放的《邻里夜话！》节目中第一次公开演唱。观众很高兴！"
    assert split_sentences(text) == ["3月播放的《邻里夜话！》节目中第一次公开演唱。", "观众很高兴！"]
    assert split_clauses("书名《你好，邻居》，作者张三") == ["书名《你好，邻居》，", "作者张三"]


def test_a_title_left_open_does_not_swallow_the_text() -> None:
    assert split_sentences("《半开。后面没有闭合") == ["《半开。", "后面没有闭合"]
    assert split_sentences("他说《不！》。然后走了") == ["他说《不！》。", "然后走了"]

import os
import subprocess
import sys

import pytest

from retrieval.snippets import ELLIPSIS, best_snippet, match_spans
from retrieval.tokenization import Tokenizer

PASSAGE = (
    "网格助力“悬空老人”圆“加梯梦”\n"
    "凉二居民区内多为上世纪八九十年代建造的多层公房，老年人上下楼很不方便。"
    "居民加装电梯愿望非常强烈。"
    "党总支牵头开展前期排摸，一家家上门征求意见。"
)


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer().load()


def marked(snippet_text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [snippet_text[a:b] for a, b in spans]


def assert_well_formed(snippet, passage: str) -> None:
    body = snippet.text.removeprefix(ELLIPSIS).removesuffix(ELLIPSIS)
    assert passage[snippet.start : snippet.end] == body
    assert snippet.spans == sorted(snippet.spans)
    for (_, end), (start, _) in zip(snippet.spans, snippet.spans[1:], strict=False):
        assert end < start, "spans are merged, not overlapping or touching"
    for start, end in snippet.spans:
        assert 0 <= start < end <= len(snippet.text)


def test_picks_the_sentence_that_covers_the_query(tokenizer: Tokenizer) -> None:
    snippet = best_snippet(PASSAGE, "加装电梯", tokenizer, max_chars=20)
    assert snippet.text == "居民加装电梯愿望非常强烈。"
    assert marked(snippet.text, snippet.spans) == ["加装电梯"]
    assert_well_formed(snippet, PASSAGE)
    # The query's terms inside the quote: its words, bigrams and characters that matched.
    assert {"加装", "电梯", "加装电梯"} <= snippet.terms <= set(tokenizer.tokenize("加装电梯"))
    assert all(term in snippet.text for term in snippet.terms)


def test_a_window_may_span_sentences_and_lines(tokenizer: Tokenizer) -> None:
    snippet = best_snippet(PASSAGE, "加梯 加装电梯", tokenizer, max_chars=120)
    assert "加梯" in snippet.text and "加装电梯" in snippet.text
    assert snippet.start == 0
    assert_well_formed(snippet, PASSAGE)


def test_distinct_terms_beat_repetitions(tokenizer: Tokenizer) -> None:
    passage = "电梯电梯电梯，电梯维修。凉二居民区加装电梯。"
    snippet = best_snippet(passage, "凉二 电梯", tokenizer, max_chars=12)
    assert snippet.text == "凉二居民区加装电梯。"


def test_traditional_full_width_query_marks_the_simplified_passage(tokenizer: Tokenizer) -> None:
    snippet = best_snippet(PASSAGE, "凉二居民區加裝電梯？", tokenizer, max_chars=60)
    words = marked(snippet.text, snippet.spans)
    assert any("加装电梯" in w for w in words)
    assert any("凉二" in w for w in words)


def test_simplified_query_marks_a_traditional_passage(tokenizer: Tokenizer) -> None:
    passage = "居民加裝電梯願望非常強烈。"
    snippet = best_snippet(passage, "加装电梯", tokenizer)
    assert marked(snippet.text, snippet.spans) == ["加裝電梯"]


def test_long_sentence_is_cut_at_clauses_with_ellipses(tokenizer: Tokenizer) -> None:
    passage = (
        "街道协调整合各类条线队伍，化零为整，组建能被统一指挥调度的社区综合执法队伍体系，"
        "其中包括了派出所、房管办、网格中心、劳动协管、安全协管，"
        "从而力求在社区综合执法工作中实现目标，世纪同乐小区楼道堆物得到清理，达到一口受理。"
    )
    # The sentence's end fits, so only the start is cut.
    tail = best_snippet(passage, "世纪同乐楼道堆物", tokenizer, max_chars=40)
    assert tail.text == ELLIPSIS + "世纪同乐小区楼道堆物得到清理，达到一口受理。"
    assert_well_formed(tail, passage)

    middle = best_snippet(passage, "网格中心 劳动协管", tokenizer, max_chars=40)
    assert len(middle.text) <= 40
    assert middle.text.startswith(ELLIPSIS) and middle.text.endswith(ELLIPSIS)
    assert "网格中心、劳动协管" in middle.text
    assert not middle.text.endswith("，" + ELLIPSIS)
    assert marked(middle.text, middle.spans)[:2] == ["网格中心", "劳动协管"]
    assert_well_formed(middle, passage)


def test_unpunctuated_run_is_cut_around_the_match(tokenizer: Tokenizer) -> None:
    passage = "甲" * 200 + "加装电梯" + "乙" * 200
    snippet = best_snippet(passage, "加装电梯", tokenizer, max_chars=30)
    assert len(snippet.text) <= 30
    assert marked(snippet.text, snippet.spans) == ["加装电梯"]
    assert_well_formed(snippet, passage)


def test_without_a_match_the_opening_is_quoted(tokenizer: Tokenizer) -> None:
    snippet = best_snippet(PASSAGE, "足球比赛", tokenizer, max_chars=60)
    assert snippet.start == 0
    assert snippet.spans == []
    assert PASSAGE.startswith(snippet.text)


def test_weights_decide_between_terms(tokenizer: Tokenizer) -> None:
    passage = "市民驿站提供理发服务。党群服务站开放。"
    query = ["市民驿站", "党群服务站"]
    favour_second = best_snippet(passage, query, tokenizer, 12, weights={"党群服务站": 5.0})
    assert favour_second.text == "党群服务站开放。"
    favour_first = best_snippet(passage, query, tokenizer, 12, weights={"市民驿站": 9.0})
    assert favour_first.text == "市民驿站提供理发服务。"


def test_empty_passage(tokenizer: Tokenizer) -> None:
    snippet = best_snippet("", "加装电梯", tokenizer)
    assert (snippet.text, snippet.spans, snippet.start) == ("", [], 0)


def test_match_spans_cover_the_whole_text(tokenizer: Tokenizer) -> None:
    text = "加裝電梯：凉二居民区加装电梯，加梯梦。"
    spans = match_spans(text, "加装电梯", tokenizer)
    assert [text[a:b] for a, b in spans] == ["加裝電梯", "加装电梯"]
    assert match_spans(text, "", tokenizer) == []
    assert match_spans(text, ["加梯"], tokenizer) == [(15, 17)]


_SEEDED_SNIPPET = """
from retrieval.snippets import best_snippet
from retrieval.tokenization import Tokenizer

weights = {"理发": 0.1, "钟表": 0.2, "维修": 0.3, "健康": 0.6}
text = "驿站提供理发和钟表维修。健康讲座由志愿者开展。"
print(best_snippet(text, list(weights), Tokenizer().load(), 12, weights=weights).text)
"""


def test_the_window_does_not_depend_on_the_hash_seed() -> None:
    # 0.1 + 0.2 + 0.3 is 0.6 or 0.6000000000000001 depending on the order a set of
    # terms is summed in, which Python draws per process from PYTHONHASHSEED.
    chosen = set()
    for seed in ("0", "1", "2", "3", "4", "5"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", _SEEDED_SNIPPET], env=env, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        chosen.add(run.stdout.strip())
    assert len(chosen) == 1, chosen


def test_a_word_printed_only_in_part_counts_by_its_characters(tokenizer: Tokenizer) -> None:
    # The subject's name is in the first sentence only; the answer prints 毒性, not 有毒.
    passage = (
        "丙烯颜料发明于1950年代，是颜料粉调和丙烯树脂制成的。"
        "它可以用水稀释，干后不再溶于水。"
        "丙烯颜料有轻微毒性。"
    )
    weights = {"丙烯": 1.0, "颜料": 1.0, "有毒": 6.0}
    snippet = best_snippet(passage, ["丙烯", "颜料", "有毒"], tokenizer, max_chars=30, weights=weights)
    assert "轻微毒性" in snippet.text
    assert_well_formed(snippet, passage)
    # Only the whole word is marked: a character is no match to bold.
    assert "毒" not in "".join(marked(snippet.text, snippet.spans))

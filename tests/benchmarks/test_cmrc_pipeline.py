"""The CMRC 2018 pipeline benchmark's core, on an invented CMRC-format file (never the real data)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from benchmarks.cmrc_metrics import (
    exact_match,
    f1_score,
    longest_common_run,
    segments,
    strip_punctuation,
)
from benchmarks.cmrc_pipeline import (
    default_data_dir,
    format_summary,
    load_articles,
    prepared_issue,
    run_benchmark,
)

TINY = Path(__file__).parents[1] / "data" / "cmrc_tiny.json"


# -- CMRC's EM and F1 ----------------------------------------------------------------


def test_segments_split_chinese_by_character_and_keep_other_words() -> None:
    assert segments("北京天安门") == ["北", "京", "天", "安", "门"]
    assert segments("Windows 10系统") == ["windows", "10", "系", "统"]
    assert segments("2.5ms，约1,000人") == ["2.5ms", "，", "约", "1,000", "人"]
    # Removed marks do not end the run they sit in (as in the official script).
    assert segments("ω-force", remove_punctuation=True) == ["ωforce"]
    assert segments("ω-force") == ["ω", "-", "force"]


def test_exact_match_ignores_case_space_and_listed_punctuation() -> None:
    assert exact_match(["光荣和ω-force"], " 光荣和ω-force ")
    assert exact_match(["《战国无双3》"], "战国无双3")
    assert exact_match(["Nexon"], "nexon")
    assert exact_match(["甲", "1987年"], "1987年")
    assert not exact_match(["1987年"], "1987")
    assert not exact_match(["1987年"], "")
    assert strip_punctuation("“天正16年（1588年）”") == "天正16年1588年"


def test_f1_is_read_off_the_longest_common_run() -> None:
    assert f1_score(["北京"], "北京天安门") == pytest.approx(2 * 1 * 0.4 / 1.4)
    assert f1_score(["天安门广场"], "北京天安门") == pytest.approx(0.6)
    # Only a contiguous run counts: 上海 and 长宁 are both shared, but apart.
    assert f1_score(["上海市长宁区"], "上海长宁") == pytest.approx(
        2 * 0.5 * (2 / 6) / (0.5 + 2 / 6)
    )
    assert f1_score(["Windows 10"], "windows 10系统") == pytest.approx(2 / 3)
    # The best gold answer counts; nothing shared is 0; punctuation never counts.
    assert f1_score(["无关", "北京"], "北京") == 1.0
    assert f1_score(["南京"], "东京") == pytest.approx(0.5)
    assert f1_score(["上海"], "广州") == 0.0
    assert f1_score(["上海"], "") == 0.0
    assert f1_score(["《上海》"], "上海。") == 1.0


def test_longest_common_run() -> None:
    assert longest_common_run(list("abcde"), list("xbcdy")) == 3
    assert longest_common_run([], list("abc")) == 0


# -- the pipeline ----------------------------------------------------------------------


def test_articles_load_with_their_answerable_questions() -> None:
    articles = load_articles(TINY)
    assert [a.id for a in articles] == ["TINY_0", "TINY_1", "TINY_2", "TINY_3"]
    assert articles[0].title == "青石镇图书馆"
    # The empty question is left out, as CMRC's own two empty trial questions are.
    assert [len(a.questions) for a in articles] == [4, 2, 2, 2]
    assert articles[1].questions[0].answers == ("约4.5平方公里",)


def test_an_article_is_an_issue_packed_by_the_bots_ingest() -> None:
    articles = load_articles(TINY)
    issues = [prepared_issue(a, i) for i, a in enumerate(articles)]
    assert len({p.identity for p in issues}) == len(issues)  # none replaces another
    first = issues[0]
    assert first.source_name == "TINY_0" and first.articles[0].title == "青石镇图书馆"
    passages = [text for _, text in first.articles[0].passages]
    assert len(passages) == 2 and all(len(p) <= 300 for p in passages)
    assert "".join(passages).replace("\n", "") == articles[0].paragraphs[0]


def test_the_benchmark_runs_both_stores_and_the_baseline() -> None:
    articles = load_articles(TINY)
    s = run_benchmark(articles, "tiny", quiet=True)
    assert (s.articles, s.questions, s.half_articles) == (4, 10, 2)
    assert s.stored_questions == 6 and s.unstored_questions == 4
    assert s.answerable_in_one_passage == 1.0
    # Plain questions over four unrelated articles: both systems find them.
    assert s.hit3 >= 0.8 and s.baseline_hit3 >= 0.8 and s.article3 >= s.hit3
    assert s.unstored_not_found >= 0.5
    for share in (s.shown, s.direct_coverage, s.direct_em, s.direct_f1, s.stored_shown_half):
        assert 0.0 <= share <= 1.0
    assert s.direct_em_all <= s.direct_em and s.p50_ms <= s.p95_ms
    table = format_summary(s)
    assert "| hit@3 |" in table and "baseline" in table and "even articles only" in table
    # A value printed inside a gold answer counts as right; one beside it does not.
    assert s.direct_within >= s.direct_em or not s.direct_coverage
    assert "inside a gold answer" in table


def test_a_value_inside_a_gold_span_is_right() -> None:
    from benchmarks.cmrc_pipeline import _within

    assert _within(["2004年6月30日于日本发行。"], "2004年6月30日")
    assert _within(["约 12万张"], "12万张")
    assert not _within(["12岁"], "13岁") and not _within(["12岁"], "")


def test_the_default_data_dir_is_found_from_a_worktree(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    data = tmp_path / "shared" / "data" / "cmrc2018"
    data.mkdir(parents=True)
    main = tmp_path / "main"
    (main / ".git" / "worktrees" / "wt").mkdir(parents=True)
    assert default_data_dir(main) == data
    # A worktree in another tree altogether finds it through its .git file.
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "trees" / "wt"
    elsewhere.mkdir(parents=True)
    assert default_data_dir(elsewhere) != data
    (elsewhere / ".git").write_text(f"gitdir: {main / '.git' / 'worktrees' / 'wt'}\n")
    assert default_data_dir(elsewhere) == data


def test_without_the_baseline_libraries_linli_is_reported_alone(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "rank_bm25", None)  # the import fails
    s = run_benchmark(load_articles(TINY)[:2], "tiny", quiet=True)
    assert s.baseline_hit3 is None and s.hit3 > 0
    assert "baseline not run: rank_bm25 is not installed" in capsys.readouterr().err
    assert "| hit@3 | " in format_summary(s) and " | – | – |" in format_summary(s)

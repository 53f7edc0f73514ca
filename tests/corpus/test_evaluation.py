"""Answer quality on the gold question sets: the floors the answers issue promises, the
splits that keep tuning honest, the gold data's own checks, and the baseline columns."""

from __future__ import annotations

import builtins
import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import opencc
import pytest

from corpus.answer.baseline import (
    BASELINE_MIN_SCORE,
    BaselineUnavailable,
    NaiveBaseline,
    fit_baseline_threshold,
)
from corpus.answer.evaluate import GroupScore, Report, SplitReport, evaluate, evaluate_splits
from corpus.answer.gold import (
    FRESH_PATH,
    GoldQuestion,
    assign_splits,
    load_all,
    load_gold,
    matches,
    normalise,
)
from corpus.answer.report import BELOW, evaluation_json, format_evaluation, format_table
from corpus.answer.service import LinliService
from corpus.ingest.seed import BUNDLED_DIR, seed_demo
from corpus.store import issues as store_queries
from corpus.store.engine import Store

# sha256 of "id:split\n" for every question of questions.jsonl, in id order: the split
# is data, and changing it must be a deliberate edit of this line too.
SPLIT_SHA256 = "1bfc6ee75984e674e592d8f7dace3b424986f6d36e89951f828800f7975e84a4"


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, GroupScore]]:
    path = tmp_path_factory.mktemp("gold") / "gold.sqlite3"
    store = Store.open(f"sqlite:///{path}")
    seed_demo(store)
    try:
        # The floors hold on the tuning half, the questions thresholds may be chosen on;
        # the held-out half and the fresh set are reported by `linli eval`, never tuned to.
        result, _ = evaluate(LinliService(store), [q for q in load_gold() if q.split == "tune"])
        yield result
    finally:
        store.close()


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A fresh store holding the five bundled issues (the gold sets' corpus)."""
    path = tmp_path_factory.mktemp("bundled") / "gold.sqlite3"
    store = Store.open(f"sqlite:///{path}")
    seed_demo(store)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(scope="module")
def baseline(bundled: Store) -> NaiveBaseline:
    with bundled.factory() as session:
        return NaiveBaseline(store_queries.all_passages(session))


def test_gold_set_is_well_formed() -> None:
    questions = load_gold()
    assert len({q.id for q in questions}) == len(questions)
    groups = {g: sum(q.group == g for q in questions) for g in {q.group for q in questions}}
    assert groups["plain"] >= 40
    assert all(groups[g] >= 10 for g in ("traditional", "english", "colloquial"))
    assert all(q.answers and q.issue for q in questions if q.group != "none")


def test_plain_questions_meet_the_floors(scores: dict[str, GroupScore]) -> None:
    plain = scores["plain"].as_dict()
    assert plain["hit@3"] >= 0.90, format_table(scores)
    assert plain["answer_shown"] >= 0.80, format_table(scores)


def test_questions_never_covered_say_so(scores: dict[str, GroupScore]) -> None:
    # Two thirds on the tuning half (4 of its 6): where Linli stood before the passage-level
    # relevance work too; the fresh set's uncovered questions are where it is measured.
    assert scores["none"].as_dict()["said_not_found"] >= 0.65, format_table(scores)


def test_traditional_questions_match_the_simplified_corpus(scores: dict[str, GroupScore]) -> None:
    assert scores["traditional"].as_dict()["hit@3"] >= 0.90, format_table(scores)


def test_everyday_words_find_the_official_ones(scores: dict[str, GroupScore]) -> None:
    assert scores["colloquial"].as_dict()["hit@3"] >= 0.75, format_table(scores)


def test_english_questions_are_answered_from_the_chinese_paper(
    scores: dict[str, GroupScore],
) -> None:
    assert scores["english"].as_dict()["hit@3"] >= 0.75, format_table(scores)


def test_expansion_costs_plain_questions_nothing(
    scores: dict[str, GroupScore], tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("noexp") / "gold.sqlite3"
    store = Store.open(f"sqlite:///{path}")
    seed_demo(store)
    try:
        plain = [q for q in load_gold() if q.group == "plain" and q.split == "tune"]
        baseline, _ = evaluate(LinliService(store, expansion=False), plain)
    finally:
        store.close()
    with_expansion, without = scores["plain"].as_dict(), baseline["plain"].as_dict()
    for measure in ("hit@1", "hit@3", "hit@5", "answer_shown"):
        assert with_expansion[measure] >= without[measure], format_table(scores, extra=baseline)


def test_normalise_matches_the_gold_rule() -> None:
    assert normalise("9.9 元, 好(吗)?") == "9.9元，好（吗）？"


# -- the splits ---------------------------------------------------------------------


def test_the_split_is_recorded_and_pinned() -> None:
    questions = load_gold()
    assert {q.split for q in questions} == {"tune", "heldout"}
    record = "".join(f"{q.id}:{q.split}\n" for q in sorted(questions, key=lambda q: q.id))
    assert hashlib.sha256(record.encode()).hexdigest() == SPLIT_SHA256
    # The recorded halves are the ones assign_splits drew from the first 152 ids.
    original = [q for q in questions if q.id <= "q152"]
    assert assign_splits(original) == {q.id: q.split for q in original}


def test_the_split_is_stratified_by_group_and_type() -> None:
    # The drawn halves (q001-q152); q153-q237 were written later as tuning questions only.
    questions = [q for q in load_gold() if q.id <= "q152"]
    for key in (lambda q: q.group, lambda q: (q.group, q.type)):
        counts = Counter((key(q), q.split) for q in questions)
        for cell in {key(q) for q in questions}:
            assert abs(counts[cell, "tune"] - counts[cell, "heldout"]) <= 1, cell


def test_assign_splits_depends_on_ids_not_order() -> None:
    questions = load_gold()
    assert assign_splits(questions) == assign_splits(list(reversed(questions)))
    shuffled = sorted(questions, key=lambda q: q.question)
    assert assign_splits(shuffled) == assign_splits(questions)


def test_fresh_set_is_its_own_split() -> None:
    fresh = load_gold(FRESH_PATH)
    assert len(fresh) >= 95 and {q.split for q in fresh} == {"fresh"}
    assert not {q.id for q in fresh} & {q.id for q in load_gold()}
    groups = Counter(q.group for q in fresh)
    assert groups["plain"] >= 35 and groups["none"] >= 15 and groups["scope"] >= 10
    assert all(groups[g] >= 8 for g in ("traditional", "english", "colloquial"))
    assert Counter(q.scope for q in fresh if q.scope) == {"street": 4, "date": 4, "relative": 4}
    assert all(q.group == "scope" for q in fresh if q.scope)
    # Direct-answer questions of every type.
    assert {q.type for q in fresh if q.direct} == {"when", "who", "where", "number", "what"}


# -- the gold data's own checks -----------------------------------------------------

_BODY = re.compile("[。！？，；]")


def _issue_index(name: str) -> tuple[str, list[int], list[str]]:
    """The normalised issue text, the line each of its characters came from, the lines."""
    raw = (BUNDLED_DIR / name).read_text(encoding="utf-8").splitlines()
    chars, lines = [], []
    for n, line in enumerate(raw):
        for ch in normalise(line):
            chars.append(ch)
            lines.append(n)
    return "".join(chars), lines, raw


def _all_issues() -> str:
    return "".join(normalise(p.read_text(encoding="utf-8")) for p in BUNDLED_DIR.glob("*.txt"))


@pytest.mark.parametrize(
    "question", [q for q in load_all() if q.group != "none"], ids=lambda q: q.id
)
def test_every_answer_is_in_the_body_text_of_its_issue(question: GoldQuestion) -> None:
    assert question.issue and question.answers
    text, line_of, raw = _issue_index(question.issue)
    for answer in question.answers:
        assert answer == normalise(answer), "answers are stored normalised"
        starts = [m.start() for m in re.finditer(re.escape(answer), text)]
        assert starts, f"{answer} is not in {question.issue}"
        # At least one occurrence touches a body line (not only a caption or headline).
        touched = {line_of[i] for s in starts for i in range(s, s + len(answer))}
        assert any(_BODY.search(normalise(raw[n])) for n in touched), f"{answer}: captions only"


def test_no_question_copies_the_paper() -> None:
    corpus = _all_issues()
    for q in load_all():
        text = normalise(q.question)
        runs = [text[i : i + 12] for i in range(len(text) - 11)]
        assert not any(run in corpus for run in runs), q.id


def test_uncovered_questions_name_topics_no_issue_has() -> None:
    corpus = _all_issues()
    fresh_none = [q for q in load_gold(FRESH_PATH) if q.group == "none"]
    assert len(fresh_none) >= 15
    for q in fresh_none:
        assert q.absent and not q.answers and q.issue is None
        assert not [w for w in q.absent if w in corpus], q.id
    # ... while their everyday words do occur: the questions are hard, not foreign.
    assert all(w in corpus for w in ("小区", "开放", "天气", "快递", "活动"))


def test_traditional_questions_are_opencc_conversions() -> None:
    fresh = load_gold(FRESH_PATH)
    assert all(q.opencc in ("s2tw", "s2hk") for q in fresh if q.group == "traditional")
    assert sum(q.group == "traditional" for q in fresh) >= 8
    for q in (q for q in fresh if q.opencc):
        # Converting again changes nothing (the text is in that script already), and
        # back to simplified it does change: the question is not simplified Chinese.
        assert opencc.OpenCC(q.opencc).convert(q.question) == q.question, q.id
        assert opencc.OpenCC("t2s").convert(q.question) != q.question, q.id


# -- judging and the baseline -------------------------------------------------------


def test_matching_is_the_gold_rule() -> None:
    assert matches(["9.9元"], "只要 9.9 元就能")
    assert matches(["好（吗）"], "好(吗)")
    assert not matches(["12月5日"], "12月")
    assert not matches([], "anything")


def _question(**fields: Any) -> GoldQuestion:
    row: dict[str, Any] = {
        "id": "x1",
        "group": "plain",
        "type": "number",
        "question": "?",
        "answers": ("17个",),
        "issue": None,
        "split": "tune",
        "direct": True,
    }
    return GoldQuestion(**(row | fields))


def test_group_scores_count_direct_and_scope() -> None:
    from corpus.answer.gold import Outcome

    score = GroupScore()
    q = _question(scope="street")
    score.add(Outcome(q, 1, True, True, "…", direct="收缴钢瓶17个", top_issue_right=True))
    score.add(Outcome(q, None, False, True, "…", direct="5张", top_issue_right=False))
    score.add(Outcome(q, None, False, False, "…"))
    row = score.as_dict()
    assert row["hit@1"] == pytest.approx(1 / 3)
    assert row["direct_given"] == pytest.approx(2 / 3)
    assert row["direct_right"] == pytest.approx(1 / 3)
    assert row["scope_right"] == pytest.approx(1 / 3)
    assert row["not_found_answerable"] == pytest.approx(1 / 3)


def test_the_baseline_ranks_the_store_passages(baseline: NaiveBaseline) -> None:
    hits = baseline.search("花木查饭店收了多少个钢瓶")
    assert len(hits) == 5 and hits[0][1] >= hits[-1][1]
    assert "钢瓶17个" in normalise(hits[0][0].text)


def test_the_baseline_threshold_is_the_one_fitted_on_tune(baseline: NaiveBaseline) -> None:
    tune = [q for q in load_all() if q.split == "tune"]
    threshold, value, current = fit_baseline_threshold(baseline, tune)
    assert round(threshold, 2) == BASELINE_MIN_SCORE
    assert current == value


def test_a_missing_baseline_library_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_rank_bm25(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "rank_bm25":
            raise ImportError("No module named 'rank_bm25'", name="rank_bm25")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_rank_bm25)
    with pytest.raises(BaselineUnavailable, match="rank_bm25"):
        NaiveBaseline([])


@pytest.fixture(scope="module")
def report(bundled: Store, baseline: NaiveBaseline) -> Report:
    # A few questions of every split and group keep this quick; the figures are not the point.
    picked: dict[tuple[str, str], list[GoldQuestion]] = {}
    for q in load_all():
        picked.setdefault((q.split, q.group), []).append(q)
    questions = [q for qs in picked.values() for q in qs[:3]]
    return evaluate_splits(LinliService(bundled), questions, baseline=baseline)


def test_the_report_puts_the_baseline_beside_every_split(report: Report) -> None:
    assert list(report.splits) == ["tune", "heldout", "fresh"]
    for part in report.splits.values():
        assert set(part.baseline) == set(part.linli)
        assert "plain/noexp" in part.extra
    text = format_evaluation(report)
    assert "Linli|baseline" in text and "rank_bm25" in text
    for split in ("tune (", "heldout (", "fresh ("):
        assert split in text
    plain_rows = [line for line in text.splitlines() if line.startswith("plain ")]
    assert len(plain_rows) == 3 and all(line.count("|") >= 5 for line in plain_rows)
    data = evaluation_json(report)
    assert data["baseline"]["available"] and data["baseline"]["passages"] == report.passages
    row = data["splits"]["fresh"]["scope"]
    assert {"hit@3", "scope_right"} <= row["linli"].keys() <= {*row["linli"], "direct_given"}
    assert "hit@3" in row["baseline"] and "direct_given" not in row["baseline"]


def test_figures_below_the_baseline_are_marked() -> None:
    q = _question()
    good, bad = GroupScore(), GroupScore()
    from corpus.answer.gold import Outcome

    good.add(Outcome(q, 1, True, True, "17个"))
    bad.add(Outcome(q, None, False, True, ""))
    report = Report(
        splits={"tune": SplitReport(linli={"plain": bad}, baseline={"plain": good})},
        outcomes=[],
        baseline_outcomes={},
        passages=1,
    )
    text = format_evaluation(report)
    assert "tune/plain hit@3: 0.0% < 100.0%" in text
    assert f"  0.0|100.0{BELOW}" in text
    report.splits["tune"] = SplitReport(linli={"plain": good}, baseline={"plain": bad})
    assert BELOW not in format_evaluation(report).split("tune (")[1]


def test_without_a_baseline_linli_is_reported_alone(bundled: Store) -> None:
    questions = [q for q in load_all() if q.split == "fresh"][:4]
    report = evaluate_splits(LinliService(bundled), questions, baseline_note="rank_bm25 is missing")
    text = format_evaluation(report)
    assert "baseline not run: rank_bm25 is missing" in text and BELOW + " Linli" not in text
    assert evaluation_json(report)["baseline"]["available"] is False


def test_the_fresh_set_ships_with_the_package() -> None:
    # `linli eval` from an installed wheel reads corpus/gold/*.jsonl as package data.
    import tomllib

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    package_data = pyproject["tool"]["setuptools"]["package-data"]
    patterns = package_data.get("corpus", []) + package_data.get("*", [])
    assert any(FRESH_PATH.match(pattern) for pattern in patterns)

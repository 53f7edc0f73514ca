"""The answer-path benchmark on the bundled corpus: it prints its tables and dumps answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import answer as bench
from corpus.answer import coverage, live_index, scope
from corpus.answer import service as service_module


def test_one_round_prints_both_languages_by_stage_and_dumps_every_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = tmp_path / "answers.jsonl"
    assert bench.main(["--store-dir", str(tmp_path), "--rounds", "1", "--dump", str(dump)]) == 0
    out = capsys.readouterr().out
    questions = bench.gold_questions()
    english = sum(q.lang == "en" for q in questions)
    assert f"| Chinese, first round | {len(questions) - english} |" in out
    assert f"| English, first round | {english} |" in out
    assert english >= 42
    assert "| Chinese | " in out and "| quotes |" in out
    lines = [json.loads(line) for line in dump.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in lines] == [q.id for q in bench.gold_questions()]
    assert all(row["answer"]["took_ms"] == 0.0 for row in lines)
    assert sum(row["answer"]["status"] == "ok" for row in lines) > len(lines) / 2


def test_turning_the_shortcuts_off_puts_everything_back(tmp_path: Path) -> None:
    service = bench.open_service(0, tmp_path)
    before = (
        coverage._WordWeights.SIZE,
        live_index.CorpusVocabulary.PHRASES,
        live_index.CorpusVocabulary.TEXTS,
        live_index.CorpusVocabulary.FREQS,
        service_module.may_answer_groups,
        service_module.QuestionWords,
        scope._papers,
        scope.street_base,
    )
    with bench.memos(service, frozenset(bench.SHORTCUTS)):
        assert coverage._WordWeights.SIZE == 0
        assert live_index.CorpusVocabulary.FREQS == 0
        assert service_module.may_answer_groups is not before[4]
        service.answer("凉城加装电梯进展怎么样了")
    after = (
        coverage._WordWeights.SIZE,
        live_index.CorpusVocabulary.PHRASES,
        live_index.CorpusVocabulary.TEXTS,
        live_index.CorpusVocabulary.FREQS,
        service_module.may_answer_groups,
        service_module.QuestionWords,
        scope._papers,
        scope.street_base,
    )
    assert after == before
    service.store.close()

"""Measuring answer quality on the gold question sets (`linli eval`).

Three splits, recorded in the data (``"split"`` on every line, see corpus/gold/README.md):
``tune`` (thresholds may be changed against it), ``heldout`` (reported, never tuned on)
and ``fresh`` (written later, from the issues alone, without looking at Linli's answers).

Beside every Linli figure stands the naive baseline the project must never fall behind:
``rank_bm25.BM25Okapi`` over ``jieba.lcut`` tokens of the store's passages, top 3
passages, judged by the same hit rule. Both libraries are imported only here and only
when a baseline is asked for, so answering never depends on them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from corpus.answer.baseline import BASELINE_MIN_SCORE, NaiveBaseline, judge_baseline
from corpus.answer.gold import SPLITS, GoldQuestion, Outcome, judge, matches
from corpus.answer.service import LinliService

# -- scores per group ---------------------------------------------------------------


@dataclass
class GroupScore:
    n: int = 0
    hit1: int = 0
    hit3: int = 0
    hit5: int = 0
    shown: int = 0
    silent: int = 0  # for the "none" group: said it found nothing
    refused: int = 0  # answerable questions it said it found nothing for
    direct_n: int = 0  # questions marked "direct"
    direct_given: int = 0
    direct_right: int = 0  # the direct answer holds a gold answer (the matching rule)
    scope_n: int = 0  # questions that name their issue
    scope_right: int = 0  # ... whose first result comes from that issue
    misses: list[str] = field(default_factory=list)

    def add(self, outcome: Outcome, *, judge_direct: bool = True) -> None:
        q = outcome.question
        self.n += 1
        if q.group == "none":
            self.silent += not outcome.found
            if outcome.found:
                self.misses.append(q.id)
            return
        rank = outcome.rank
        self.hit1 += rank is not None and rank <= 1
        self.hit3 += rank is not None and rank <= 3
        self.hit5 += rank is not None and rank <= 5
        self.shown += outcome.shown
        self.refused += not outcome.found
        if rank is None or rank > 3:
            self.misses.append(q.id)
        if q.direct and judge_direct:
            self.direct_n += 1
            self.direct_given += outcome.direct is not None
            self.direct_right += outcome.direct is not None and matches(q.answers, outcome.direct)
        if q.scope:
            self.scope_n += 1
            self.scope_right += bool(outcome.top_issue_right)

    def as_dict(self) -> dict[str, float | int]:
        if not self.n:
            return {"n": 0}
        row: dict[str, float | int] = {"n": self.n}
        row |= {
            "hit@1": self.hit1 / self.n,
            "hit@3": self.hit3 / self.n,
            "hit@5": self.hit5 / self.n,
            "answer_shown": self.shown / self.n,
            "said_not_found": self.silent / self.n,
            "not_found_answerable": self.refused / self.n,
        }
        if self.direct_n:
            row |= {
                "direct_n": self.direct_n,
                "direct_given": self.direct_given / self.direct_n,
                "direct_right": self.direct_right / self.direct_n,
            }
        if self.scope_n:
            row |= {"scope_n": self.scope_n, "scope_right": self.scope_right / self.scope_n}
        return row


def evaluate(
    service: LinliService, questions: Iterable[GoldQuestion]
) -> tuple[dict[str, GroupScore], list[Outcome]]:
    """Linli's scores per group (all splits pooled) and every outcome."""
    scores: dict[str, GroupScore] = defaultdict(GroupScore)
    outcomes = []
    for question in questions:
        outcome = judge(question, service.answer(question.question))
        outcomes.append(outcome)
        scores[question.group].add(outcome)
    return dict(scores), outcomes


# -- the report: every split, Linli beside the baseline ---------------------------


@dataclass
class SplitReport:
    linli: dict[str, GroupScore] = field(default_factory=dict)
    baseline: dict[str, GroupScore] = field(default_factory=dict)
    # Further Linli rows, e.g. "plain/noexp" (plain questions answered without expansion).
    extra: dict[str, GroupScore] = field(default_factory=dict)


@dataclass
class Report:
    splits: dict[str, SplitReport]
    outcomes: list[Outcome]
    baseline_outcomes: dict[str, Outcome]  # by question id; empty without a baseline
    baseline_note: str | None = None  # why there is no baseline, if there is none
    baseline_min_score: float = BASELINE_MIN_SCORE
    passages: int = 0


def evaluate_splits(
    service: LinliService,
    questions: Sequence[GoldQuestion],
    *,
    baseline: NaiveBaseline | None = None,
    baseline_note: str | None = None,
    compare_without_expansion: bool = True,
) -> Report:
    """Linli and the baseline on ``questions``, scored per split and group.

    Args:
        compare_without_expansion: also answer each split's plain questions without
            query expansion (row ``plain/noexp``): expansion must not cost them anything.
    """
    splits: dict[str, SplitReport] = {}

    def part(split: str) -> SplitReport:
        return splits.setdefault(split or "unsplit", SplitReport())

    _, outcomes = evaluate(service, questions)
    for outcome in outcomes:
        report = part(outcome.question.split)
        report.linli.setdefault(outcome.question.group, GroupScore()).add(outcome)
    baseline_outcomes: dict[str, Outcome] = {}
    if baseline is not None:
        for q in questions:
            outcome = judge_baseline(q, baseline.search(q.question), baseline.min_score)
            baseline_outcomes[q.id] = outcome
            part(q.split).baseline.setdefault(q.group, GroupScore()).add(
                outcome, judge_direct=False
            )
    if compare_without_expansion and service.expansion:
        service.expansion = False
        try:
            for q in questions:
                if q.group == "plain":
                    outcome = judge(q, service.answer(q.question))
                    part(q.split).extra.setdefault("plain/noexp", GroupScore()).add(outcome)
        finally:
            service.expansion = True
    order = {s: i for i, s in enumerate(SPLITS)}
    return Report(
        splits=dict(sorted(splits.items(), key=lambda kv: order.get(kv[0], 99))),
        outcomes=outcomes,
        baseline_outcomes=baseline_outcomes,
        baseline_note=baseline_note,
        baseline_min_score=baseline.min_score if baseline else BASELINE_MIN_SCORE,
        passages=len(baseline.passages) if baseline else 0,
    )

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

import functools
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.answer.service import LinliService
from corpus.answer.types import Answer
from corpus.ingest.seed import BUNDLED_DIR, read_manifest
from corpus.store.records import IssueRef, PassageRecord

GOLD_DIR = Path(__file__).parents[1] / "gold"
GOLD_PATH = GOLD_DIR / "questions.jsonl"
FRESH_PATH = GOLD_DIR / "fresh.jsonl"
SPLITS = ("tune", "heldout", "fresh")
GROUP_ORDER = ("plain", "traditional", "colloquial", "english", "scope", "none")
SCOPES = ("street", "date", "relative")

BASELINE_NAME = "rank_bm25 BM25Okapi + jieba.lcut, top 3 passages"
BASELINE_SHOWN = 3  # the baseline's reply: its top 3 passages, whole
BASELINE_DEPTH = 5  # ranks read for hit@5 (the baseline ranked further than it shows)
# The baseline says "not found" when its best BM25 score is below this. Chosen on the
# tune split only, over the bundled corpus in a fresh store (`linli eval --fit-baseline`
# recomputes it): the score maximising the mean of the none group's not-found rate and
# the answerable questions' hit@3. Without it the baseline answers everything.
BASELINE_MIN_SCORE = 5.32
BELOW = "▼"  # printed after a Linli figure that is below the baseline's

_ASCII_TO_FULL = str.maketrans(
    {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
)


def normalise(text: str) -> str:
    """The gold set's answer normalisation: no whitespace, full-width CJK punctuation."""
    return re.sub(r"\s+", "", text).translate(_ASCII_TO_FULL)


def matches(answers: Iterable[str], text: str) -> bool:
    """The gold matching rule: any normalised answer occurs in the normalised text."""
    text = normalise(text)
    return any(normalise(a) in text for a in answers)


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    group: str
    type: str
    question: str
    answers: tuple[str, ...]
    issue: str | None
    split: str = ""
    # The answer is a short typed span (a date, count, name, place, list of names) that a
    # direct-answer line could give; direct answers are judged on these questions only.
    direct: bool = False
    # The question names its issue: "street", "date" or "relative" (上一期, 最近).
    scope: str | None = None
    # none group: the topic words a grep found in no issue (the test checks them).
    absent: tuple[str, ...] = ()
    # Traditional questions: the OpenCC conversion that wrote them (s2tw or s2hk).
    opencc: str | None = None


def _question(row: Mapping[str, Any]) -> GoldQuestion:
    return GoldQuestion(
        id=row["id"],
        group=row["group"],
        type=row["type"],
        question=row["question"],
        answers=tuple(row["answers"]),
        issue=row["issue"],
        split=row.get("split", ""),
        direct=bool(row.get("direct", False)),
        scope=row.get("scope"),
        absent=tuple(row.get("absent", ())),
        opencc=row.get("opencc"),
    )


def load_gold(path: Path = GOLD_PATH) -> list[GoldQuestion]:
    """One gold file (JSON Lines), in file order."""
    return [
        _question(json.loads(line))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def load_all(paths: Sequence[Path] = (GOLD_PATH, FRESH_PATH)) -> list[GoldQuestion]:
    """Every gold question of every split (the original set, then the fresh one)."""
    return [q for path in paths if path.is_file() for q in load_gold(path)]


def assign_splits(questions: Sequence[GoldQuestion]) -> dict[str, str]:
    """Stratified halves: ``{id: "tune" | "heldout"}``, deterministic from the ids alone.

    Within each group, questions are ordered by type and then by a hash of their id
    (so neither file order nor wording decides) and dealt alternately; the alternation
    runs on across a group's types, so every group and every (group, type) differs by
    at most one between the halves. This wrote the ``split`` field once; from then on
    the data is the split and this function only documents how it was drawn (a new
    question gets its split written by hand, keeping the halves balanced).
    """

    def key(q: GoldQuestion) -> tuple[str, str]:
        return (q.type, hashlib.sha256(q.id.encode()).hexdigest())

    by_group: dict[str, list[GoldQuestion]] = defaultdict(list)
    for q in questions:
        by_group[q.group].append(q)
    split: dict[str, str] = {}
    for group in sorted(by_group):
        for i, q in enumerate(sorted(by_group[group], key=key)):
            split[q.id] = "tune" if i % 2 == 0 else "heldout"
    return split


# -- judging one reply ------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    question: GoldQuestion
    rank: int | None  # 1-based rank of the first result from the right issue holding the answer
    shown: bool  # an answer string appears in the reply text
    found: bool  # the system claimed to find something
    answer_text: str
    direct: str | None = None  # the direct answer given (Chinese form), if any
    top_issue_right: bool | None = None  # the first result comes from the question's issue


def judge(question: GoldQuestion, answer: Answer) -> Outcome:
    """How Linli's ``answer`` does on ``question`` under the gold matching rule."""
    rank = None
    for i, quote in enumerate(answer.quotes, start=1):
        if question.issue and not same_issue(quote.source.issue, question.issue):
            continue
        if matches(question.answers, quote.passage):
            rank = i
            break
    top_right = (
        same_issue(answer.quotes[0].source.issue, question.issue)
        if question.issue and answer.quotes
        else None
    )
    # The Chinese value, not the English rendering: gold answers are spans of the paper.
    direct = answer.direct.value if answer.direct is not None else None
    text = answer.text()
    return Outcome(
        question,
        rank,
        matches(question.answers, text) if question.answers else False,
        answer.found,
        text,
        direct=direct,
        top_issue_right=top_right,
    )


def same_issue(issue: IssueRef, issue_file: str) -> bool:
    """Whether a stored issue is the bundled file the gold set names."""
    # Bundled issues keep the seed's original name as source_name; the gold set uses the
    # bundled file name, which the manifest maps to that source name.
    return issue.source_name in _issue_aliases(issue_file)


@functools.cache
def _issue_aliases(issue_file: str) -> frozenset[str]:
    manifest = read_manifest(BUNDLED_DIR / "manifest.json")
    meta = manifest.get(issue_file)
    return frozenset({issue_file} | ({meta.source_name} if meta else set()))


# -- the naive baseline -----------------------------------------------------------


class BaselineUnavailable(RuntimeError):
    """rank_bm25 or jieba is not installed (they may live in an optional extra)."""


class NaiveBaseline:
    """``rank_bm25.BM25Okapi`` (k1=1.5, b=0.75) over ``jieba.lcut`` of the passage texts.

    Deliberately naive: the passage text alone (no street or headline), tokens as jieba
    cuts them (spaces and punctuation included), no traditional-to-simplified conversion,
    no translation. It is the floor any answering change must stay above.
    """

    def __init__(
        self, passages: Sequence[PassageRecord], *, min_score: float = BASELINE_MIN_SCORE
    ) -> None:
        try:
            import jieba
            from rank_bm25 import BM25Okapi
        except ImportError as exc:
            raise BaselineUnavailable(
                f"{exc.name} is not installed (pip install rank-bm25 jieba)"
            ) from exc
        if not passages:
            raise BaselineUnavailable("the store holds no passages")
        jieba.setLogLevel(60)
        self.passages = list(passages)
        self.min_score = min_score
        self._cut: Callable[[str], list[str]] = jieba.lcut
        self._bm25 = BM25Okapi([self._cut(p.text) for p in self.passages])

    def search(self, question: str, k: int = BASELINE_DEPTH) -> list[tuple[PassageRecord, float]]:
        """The ``k`` best passages with their scores, best first (ties: lower position)."""
        scores = self._bm25.get_scores(self._cut(question))
        order = sorted(range(len(scores)), key=lambda i: -scores[i])[:k]
        return [(self.passages[i], float(scores[i])) for i in order]


def judge_baseline(
    question: GoldQuestion, hits: Sequence[tuple[PassageRecord, float]], min_score: float
) -> Outcome:
    """The baseline's ``hits`` judged by the rule Linli's quotes are judged by.

    Ranks count as if the baseline always answered (the project's naive baseline has no
    threshold); ``found`` applies ``min_score``: the none group's not-found, and the
    "refused" column that shows what the threshold would cost answerable questions.
    """
    rank = None
    for i, (record, _) in enumerate(hits, start=1):
        if question.issue and not same_issue(record.issue, question.issue):
            continue
        if matches(question.answers, record.text):
            rank = i
            break
    shown_text = "\n".join(record.text for record, _ in hits[:BASELINE_SHOWN])
    top_right = same_issue(hits[0][0].issue, question.issue) if question.issue and hits else None
    return Outcome(
        question,
        rank,
        matches(question.answers, shown_text) if question.answers else False,
        bool(hits) and hits[0][1] >= min_score,
        shown_text,
        top_issue_right=top_right,
    )


def fit_baseline_threshold(
    baseline: NaiveBaseline, questions: Iterable[GoldQuestion]
) -> tuple[float, float, float]:
    """The not-found threshold for the baseline, fitted on ``questions`` (the tune split).

    The objective is the mean of (none questions whose best score is below the
    threshold) and (answerable questions at or above it with a hit in the top 3).

    Returns:
        The threshold halfway between the best-scoring cut and the next lower top score
        (so a rounding of it keeps the same questions on each side), its objective, and
        the objective of the threshold in use (``baseline.min_score``).
    """
    rows = []
    for q in questions:
        hits = baseline.search(q.question)
        top = hits[0][1] if hits else 0.0
        outcome = judge_baseline(q, hits, 0.0)
        rows.append((q.group == "none", top, outcome.rank is not None and outcome.rank <= 3))
    nones = sum(none for none, _, _ in rows) or 1
    answerable = sum(not none for none, _, _ in rows) or 1

    def objective(threshold: float) -> float:
        refused = sum(none and top < threshold for none, top, _ in rows) / nones
        kept = sum(not none and top >= threshold and hit for none, top, hit in rows) / answerable
        return (refused + kept) / 2

    cuts = sorted({0.0} | {top for _, top, _ in rows})
    best = max(range(len(cuts)), key=lambda i: (objective(cuts[i]), -i))
    threshold = (cuts[best] + cuts[best - 1]) / 2 if best else cuts[best]
    return threshold, objective(threshold), objective(baseline.min_score)


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


# Measures printed in pairs (Linli, baseline); the none group has only "not found".
_PAIRED = ("hit@1", "hit@3", "hit@5", "answer_shown", "scope_right")
_COLUMNS = {
    "hit@1": "hit@1",
    "hit@3": "hit@3",
    "hit@5": "hit@5",
    "answer_shown": "shown",
    "scope_right": "scope",
}


def _groups(scores: Mapping[str, GroupScore]) -> list[str]:
    return sorted(scores, key=lambda g: GROUP_ORDER.index(g) if g in GROUP_ORDER else 99)


def below_baseline(report: Report) -> list[tuple[str, str, str, float, float]]:
    """(split, group, measure, Linli, baseline) wherever Linli is below the baseline."""
    found = []
    for split, part in report.splits.items():
        for group in _groups(part.linli):
            mine, theirs = part.linli[group].as_dict(), part.baseline.get(group)
            if theirs is None:
                continue
            base = theirs.as_dict()
            measures = ("said_not_found",) if group == "none" else _PAIRED
            for m in measures:
                if m in mine and m in base and mine[m] < base[m]:
                    found.append((split, group, m, float(mine[m]), float(base[m])))
    return found


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}"


_CELL = 13  # "100.0|100.0▼" and a space


def _pair(
    mine: Mapping[str, float | int],
    base: Mapping[str, float | int] | None,
    m: str,
    *,
    mark: bool = True,
) -> str:
    """``Linli|baseline`` for measure ``m``, ▼ when Linli is below (``mark``: higher is better)."""
    if m not in mine:
        return " " * _CELL
    if base is None or m not in base:
        return f"{_pct(mine[m])}|  –    "
    below = mark and mine[m] < base[m]
    return f"{_pct(mine[m])}|{_pct(base[m])}{BELOW if below else ' '} "


def _direct(row: Mapping[str, float | int]) -> str:
    if "direct_n" not in row:
        return ""
    return f"{_pct(row['direct_given'])} {_pct(row['direct_right'])} of {row['direct_n']}"


_HEADER = ("hit@1", "hit@3", "hit@5", "shown", "scope", "none: silent", "refused")


def format_split(split: str, part: SplitReport) -> str:
    """One split's table: Linli|baseline per measure, ▼ where Linli is below."""
    n = sum(s.n for s in part.linli.values())
    lines = [
        f"{split} ({n} questions)",
        f"{'group':<12}{'n':>3}  "
        + "".join(f"{h:<{_CELL}}" for h in _HEADER)
        + "direct given right",
    ]
    rows = [(g, part.linli[g], part.baseline.get(g)) for g in _groups(part.linli)]
    rows += [(name, s, None) for name, s in part.extra.items()]
    for group, mine_score, base_score in rows:
        mine = mine_score.as_dict()
        base = base_score.as_dict() if base_score else None
        head = f"{group:<12}{mine_score.n:>3}  "
        if group == "none":
            cells = " " * (_CELL * 5) + _pair(mine, base, "said_not_found")
        else:
            cells = "".join(_pair(mine, base, m) for m in _PAIRED) + " " * _CELL
            cells += _pair(mine, base, "not_found_answerable", mark=False) + _direct(mine)
        lines.append(head + cells)
    return "\n".join(line.rstrip() for line in lines)


def format_evaluation(report: Report) -> str:
    """Every split's table, the legend, and where Linli is below the baseline."""
    if report.baseline_note:
        out = [f"Linli alone, in % per measure (baseline not run: {report.baseline_note})"]
    else:
        out = [
            f"Linli|baseline in % per measure; baseline = {BASELINE_NAME}",
            f"(over the same {report.passages} passages; its not-found: best score "
            f"< {report.baseline_min_score:g}, fitted on the tune split; hit@5 reads its top 5)",
        ]
    out += [
        "scope: first result from the named issue; none: silent = said it found nothing; "
        "refused: answerable questions said not found",
        "direct (Linli only, the baseline has none): direct-answer questions given one / "
        f"given one holding a gold answer; {BELOW} = Linli below the baseline",
    ]
    for split, part in report.splits.items():
        out += ["", format_split(split, part)]
    below = below_baseline(report)
    out.append("")
    if below:
        out.append(f"{BELOW} Linli below the baseline:")
        out += [
            f"  {split}/{group} {measure}: {_pct(mine).strip()}% < {_pct(base).strip()}%"
            for split, group, measure, mine, base in below
        ]
    elif not report.baseline_note:
        out.append("Linli is at or above the baseline everywhere.")
    return "\n".join(out)


def evaluation_json(report: Report) -> dict[str, Any]:
    """The same figures as :func:`format_evaluation`, as JSON-ready data (fractions)."""
    splits: dict[str, Any] = {}
    for split, part in report.splits.items():
        groups: dict[str, Any] = {}
        for group in _groups(part.linli):
            base = part.baseline.get(group)
            groups[group] = {
                "linli": part.linli[group].as_dict(),
                "baseline": base.as_dict() if base else None,
                "misses": part.linli[group].misses,
            }
        for name, score in part.extra.items():
            groups[name] = {"linli": score.as_dict(), "baseline": None, "misses": score.misses}
        splits[split] = groups
    return {
        "baseline": {
            "name": BASELINE_NAME,
            "available": report.baseline_note is None,
            "note": report.baseline_note,
            "not_found_below_score": report.baseline_min_score,
            "passages": report.passages,
        },
        "splits": splits,
        "below_baseline": [
            {"split": s, "group": g, "measure": m, "linli": a, "baseline": b}
            for s, g, m, a, b in below_baseline(report)
        ],
    }


def format_table(
    scores: Mapping[str, GroupScore], extra: Mapping[str, GroupScore] | None = None
) -> str:
    """Linli alone, per group (no splits, no baseline): for test failure messages."""
    rows = ["group        n   hit@1  hit@3  hit@5  shown  | none: said not found"]
    for group in _groups(scores):
        s = scores[group]
        if group == "none":
            rows.append(
                f"{group:<11} {s.n:>3}   {'':>5}  {'':>5}  {'':>5}  {'':>5}  | {s.silent / s.n:6.1%}"
            )
            continue
        rows.append(_row(group, s))
    for name, s in (extra or {}).items():
        rows.append(_row(name, s))
    return "\n".join(rows)


def _row(name: str, s: GroupScore) -> str:
    hits = f"{s.hit1 / s.n:6.1%} {s.hit3 / s.n:6.1%} {s.hit5 / s.n:6.1%} {s.shown / s.n:6.1%}"
    return f"{name:<11} {s.n:>3}  {hits}"

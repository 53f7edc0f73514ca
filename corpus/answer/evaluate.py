"""Measuring answer quality on the gold question set (`linli eval`)."""

from __future__ import annotations

import functools
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from corpus.answer.service import LinliService
from corpus.answer.types import Answer, Quote
from corpus.ingest.seed import BUNDLED_DIR, read_manifest

GOLD_PATH = Path(__file__).parents[1] / "gold" / "questions.jsonl"
_ASCII_TO_FULL = str.maketrans(
    {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
)


def normalise(text: str) -> str:
    """The gold set's answer normalisation: no whitespace, full-width CJK punctuation."""
    return re.sub(r"\s+", "", text).translate(_ASCII_TO_FULL)


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    group: str
    type: str
    question: str
    answers: tuple[str, ...]
    issue: str | None


def load_gold(path: Path = GOLD_PATH) -> list[GoldQuestion]:
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        questions.append(
            GoldQuestion(
                id=row["id"],
                group=row["group"],
                type=row["type"],
                question=row["question"],
                answers=tuple(row["answers"]),
                issue=row["issue"],
            )
        )
    return questions


@dataclass(frozen=True)
class Outcome:
    question: GoldQuestion
    rank: int | None  # 1-based rank of the first result from the right issue holding the answer
    shown: bool  # an answer string appears in the reply text
    found: bool  # Linli claimed to find something
    answer_text: str


@dataclass
class GroupScore:
    n: int = 0
    hit1: int = 0
    hit3: int = 0
    hit5: int = 0
    shown: int = 0
    silent: int = 0  # for the "none" group: said it found nothing
    misses: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, float | int]:
        if not self.n:
            return {"n": 0}
        return {
            "n": self.n,
            "hit@1": self.hit1 / self.n,
            "hit@3": self.hit3 / self.n,
            "hit@5": self.hit5 / self.n,
            "answer_shown": self.shown / self.n,
            "said_not_found": self.silent / self.n,
        }


def judge(question: GoldQuestion, answer: Answer) -> Outcome:
    answers = [normalise(a) for a in question.answers]
    rank = None
    for i, quote in enumerate(answer.quotes, start=1):
        if question.issue and not _same_issue(quote, question.issue):
            continue
        if any(a in normalise(quote.passage) for a in answers):
            rank = i
            break
    text = normalise(answer.text())
    shown = any(a in text for a in answers)
    return Outcome(question, rank, shown, answer.found, answer.text())


def _same_issue(quote: Quote, issue_file: str) -> bool:
    # Bundled issues keep the seed's original name as source_name; the gold set uses the
    # bundled file name, which the manifest maps to that source name.
    return quote.source.issue.source_name in _issue_aliases(issue_file)


@functools.cache
def _issue_aliases(issue_file: str) -> frozenset[str]:
    manifest = read_manifest(BUNDLED_DIR / "manifest.json")
    meta = manifest.get(issue_file)
    return frozenset({issue_file} | ({meta.source_name} if meta else set()))


def evaluate(
    service: LinliService, questions: Iterable[GoldQuestion]
) -> tuple[dict[str, GroupScore], list[Outcome]]:
    scores: dict[str, GroupScore] = defaultdict(GroupScore)
    outcomes = []
    for question in questions:
        outcome = judge(question, service.answer(question.question))
        outcomes.append(outcome)
        score = scores[question.group]
        score.n += 1
        if question.group == "none":
            score.silent += not outcome.found
            if outcome.found:
                score.misses.append(question.id)
            continue
        rank = outcome.rank
        score.hit1 += rank is not None and rank <= 1
        score.hit3 += rank is not None and rank <= 3
        score.hit5 += rank is not None and rank <= 5
        score.shown += outcome.shown
        if rank is None or rank > 3:
            score.misses.append(question.id)
    return dict(scores), outcomes


def format_table(
    scores: Mapping[str, GroupScore], extra: Mapping[str, GroupScore] | None = None
) -> str:
    """The per-group table; ``extra`` rows (e.g. plain questions without expansion) follow."""
    order = ["plain", "traditional", "colloquial", "english", "none"]
    rows = ["group        n   hit@1  hit@3  hit@5  shown  | none: said not found"]
    for group in sorted(scores, key=lambda g: order.index(g) if g in order else 99):
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

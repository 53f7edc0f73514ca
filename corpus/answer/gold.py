"""The gold question sets: loading, their splits, and judging one reply against a question."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.answer.types import Answer
from corpus.ingest.seed import BUNDLED_DIR, read_manifest
from corpus.store.records import IssueRef

GOLD_DIR = Path(__file__).parents[1] / "gold"
GOLD_PATH = GOLD_DIR / "questions.jsonl"
FRESH_PATH = GOLD_DIR / "fresh.jsonl"
SPLITS = ("tune", "heldout", "fresh")
GROUP_ORDER = ("plain", "traditional", "colloquial", "english", "scope", "none")
SCOPES = ("street", "date", "relative")

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

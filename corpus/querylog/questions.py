"""Reading the query log: figures for a period, content gaps, top questions, CSV export.

Everything here reads; nothing writes. Users appear only as the pseudonyms the log holds.
Days and hours are counted on the street offices' clock, Beijing time (UTC+8): China has
had no daylight saving time since 1991, so a fixed offset is exact and needs no tz
database. Timestamps handed out (and written to CSV) are UTC.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus.querylog.periods import EPOCH, Period, aware, in_period
from corpus.store.models import QueryLogEntry
from retrieval import Tokenizer, normalize

# A question joins a group when it shares this share of its words and word pairs
# (Jaccard) with the group's first question: 游泳池几点开门 ~ 游泳池什么时候开门 (0.67),
# but 停车费多少钱 stays apart from 小区停车怎么收费 (0.14).
GROUP_SIMILARITY = 0.3


# --- questions: normalised keys, top questions, content gaps -------------------------------


def question_key(text: str) -> str:
    """The form questions are counted by: NFKC, simplified, lower case, no punctuation or spaces.

    So 游泳池几点开门？ and 遊泳池 幾點開門 count as one question.
    """
    text = normalize(unicodedata.normalize("NFKC", text))
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZSC")


@dataclass(frozen=True)
class TopQuestion:
    """One question (in its most common wording) and how often it was asked."""

    question: str
    count: int
    found: int
    last_asked: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "count": self.count,
            "found": self.found,
            "last_asked": self.last_asked.isoformat(),
        }


@dataclass
class _Tally:
    count: int = 0
    found: int = 0
    last: datetime = EPOCH
    wordings: Counter[str] = field(default_factory=Counter)

    def add(self, question: str, found: bool, at: datetime) -> None:
        self.count += 1
        self.found += int(found)
        self.last = max(self.last, at)
        self.wordings[question] += 1

    def wording(self) -> str:
        # The most used wording; ties go to the first seen, which is deterministic.
        return self.wordings.most_common(1)[0][0]


def _tally(rows: Iterable[tuple[str, bool, datetime]]) -> dict[str, _Tally]:
    tallies: dict[str, _Tally] = {}
    for question, found, at in rows:
        key = question_key(question) or question.strip()
        if not key:
            continue  # an empty question says nothing about what residents want
        tallies.setdefault(key, _Tally()).add(question, found, aware(at))
    return tallies


def top_questions(session: Session, *, period: Period, limit: int = 10) -> list[TopQuestion]:
    """The most-asked questions of the period, counted by :func:`question_key`."""
    rows = session.execute(
        select(QueryLogEntry.question, QueryLogEntry.found, QueryLogEntry.created_at)
        .where(*in_period(period))
        .order_by(QueryLogEntry.created_at)
    ).all()
    tallies = _tally((r.question, bool(r.found), r.created_at) for r in rows)
    ranked = sorted(tallies.values(), key=lambda t: (-t.count, -t.last.timestamp(), t.wording()))
    return [
        TopQuestion(question=t.wording(), count=t.count, found=t.found, last_asked=t.last)
        for t in ranked[:limit]
    ]


@dataclass(frozen=True)
class QuestionGroup:
    """Similar questions that found nothing: one content gap."""

    count: int  # times asked, all wordings together
    examples: tuple[str, ...]  # distinct wordings, most asked first
    last_asked: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "examples": list(self.examples),
            "last_asked": self.last_asked.isoformat(),
        }


@cache
def _grouping_tokenizer() -> Tokenizer:
    # Words keep names whole; bigrams catch the same name written or segmented differently.
    return Tokenizer(words="precise", char_bigrams=True, char_unigrams=False)


def _terms(text: str) -> frozenset[str]:
    return frozenset(_grouping_tokenizer().tokenize(text))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def group_questions(
    rows: Iterable[tuple[str, datetime]],
    *,
    threshold: float = GROUP_SIMILARITY,
    examples: int = 3,
) -> list[QuestionGroup]:
    """Group questions by similarity, largest groups first.

    Greedy and explainable: identical questions (by :func:`question_key`) are merged
    first; then, most asked first, each question joins the group whose first question is
    most similar to it (Jaccard over word + character-bigram sets, at least
    ``threshold``), or starts a new group.
    """
    tallies = _tally((question, False, at) for question, at in rows)
    ordered = sorted(tallies.items(), key=lambda kv: (-kv[1].count, -kv[1].last.timestamp(), kv[0]))
    seeds: list[frozenset[str]] = []
    members: list[list[_Tally]] = []
    for _, tally in ordered:
        terms = _terms(tally.wording())
        best, best_score = None, threshold
        for i, seed in enumerate(seeds):
            score = jaccard(terms, seed)
            if score >= best_score:
                best, best_score = i, score
                if score == 1.0:
                    break
        if best is None:
            seeds.append(terms)
            members.append([tally])
        else:
            members[best].append(tally)
    groups = [
        QuestionGroup(
            count=sum(t.count for t in group),
            examples=tuple(t.wording() for t in group[:examples]),
            last_asked=max(t.last for t in group),
        )
        for group in members
    ]
    groups.sort(key=lambda g: (-g.count, -g.last_asked.timestamp()))
    return groups


def unanswered_groups(
    session: Session,
    *,
    period: Period,
    limit: int = 10,
    threshold: float = GROUP_SIMILARITY,
    max_entries: int = 5000,
) -> list[QuestionGroup]:
    """Recent questions that found nothing, grouped by similarity: the paper's content gaps."""
    rows = session.execute(
        select(QueryLogEntry.question, QueryLogEntry.created_at)
        .where(*in_period(period), QueryLogEntry.found.is_(False))
        .order_by(QueryLogEntry.created_at.desc())
        .limit(max_entries)
    ).all()
    return group_questions(((r.question, r.created_at) for r in rows), threshold=threshold)[:limit]

"""Queries over the store: plain keyword-only functions that take a session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True)
class IssueInfo:
    """An issue's metadata with counts, as listed to staff and exported."""

    id: int
    publication: str
    street: str
    district: str
    date: str
    date_estimated: bool
    title: str
    source_name: str
    articles: int
    passages: int

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def issue_citation(record: CitesIssue | PassageRecord) -> dict[str, object]:
    """The issue as other tools read it (`linli export`, `linli ask --json`)."""
    return {
        "id": record.issue_id,
        "publication": record.publication,
        "street": record.street,
        "date": record.date,
        "title": record.issue_title,
        "source_name": record.source_name,
    }


class CitesIssue:
    """Mixin for records that carry an issue's citation fields."""

    issue_id: int
    publication: str
    street: str
    date: str
    issue_title: str
    source_name: str

    def issue_dict(self) -> dict[str, object]:
        return issue_citation(self)


class PassageRecord(NamedTuple):
    """A passage with everything needed to cite it.

    A named tuple, not a frozen dataclass: every start and every corpus change builds
    one per passage (10^5-10^6), and a frozen dataclass took 8x as long to build.
    """

    passage_id: int
    text: str
    position: int
    heading: str
    article_id: int
    article_title: str
    issue_id: int
    publication: str
    street: str
    date: str
    date_estimated: bool
    issue_title: str
    source_name: str

    def issue_dict(self) -> dict[str, object]:
        return issue_citation(self)

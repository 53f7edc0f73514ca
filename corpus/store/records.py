"""The records the store hands out: plain, immutable, free of sessions.

An issue's citation (publication · street · date · title, and the file it came from)
is defined once, as :class:`IssueRef`; every record that cites an issue holds one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True)
class IssueRef:
    """An issue as it is cited under a quote and in every export."""

    id: int
    publication: str
    street: str
    date: str
    date_estimated: bool
    title: str
    source_name: str

    def citation(self) -> dict[str, object]:
        """The issue as other tools read it (`linli export`, `linli ask --json`)."""
        return {
            "id": self.id,
            "publication": self.publication,
            "street": self.street,
            "date": self.date,
            "title": self.title,
            "source_name": self.source_name,
        }


@dataclass(frozen=True)
class IssueInfo(IssueRef):
    """An issue with its district and counts, as listed to staff and exported."""

    district: str
    articles: int
    passages: int

    @property
    def ref(self) -> IssueRef:
        return IssueRef(
            self.id,
            self.publication,
            self.street,
            self.date,
            self.date_estimated,
            self.title,
            self.source_name,
        )

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ArticlePassages:
    """One article of an issue with its passages, as staff open it (id, kind, text)."""

    article_id: int
    position: int
    title: str
    passages: tuple[tuple[int, str, str], ...]


class PassageRecord(NamedTuple):
    """A passage with everything needed to cite it.

    A named tuple, not a frozen dataclass: every start and every corpus change builds
    one per passage (10^5-10^6), and a frozen dataclass took 8x as long to build. The
    passages of one issue share its one :class:`IssueRef`.
    """

    passage_id: int
    text: str
    position: int
    heading: str
    article_id: int
    article_title: str
    issue: IssueRef
    kind: str = "text"  # or "caption": a photo caption, quoted as one

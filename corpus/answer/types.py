"""The reply a resident reads, as lines of plain and bold pieces (markup-free, easy to test).

The bot turns these lines into HTML and `linli ask` prints them as they are, so the
text a resident sees in Telegram and `answer_text` in JSON are the same by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from corpus.answer.extraction import DirectAnswer
from corpus.store.records import IssueRef

Lang = Literal["zh", "en"]
PAGE_SIZE = 3


@dataclass(frozen=True)
class Piece:
    text: str
    bold: bool = False


Line = tuple[Piece, ...]


@dataclass(frozen=True)
class Source:
    """Where a quote comes from: the issue, the article and its subhead."""

    issue: IssueRef
    article_id: int
    article_title: str
    heading: str = ""  # the subhead within a long feature, if any


@dataclass(frozen=True)
class Quote:
    """One quoted result: the best passage of an article, with its snippet and source."""

    score: float
    passage_id: int
    passage: str
    snippet: str
    spans: tuple[tuple[int, int], ...]
    source: Source
    # Other passages of the same article that also matched: merged, not repeated.
    merged_passage_ids: tuple[int, ...] = ()
    caption: bool = False  # the passage is a photo caption (图片说明)


Status = Literal["ok", "not_found", "empty"]


@dataclass(frozen=True)
class Answer:
    query: str
    lang: Lang
    status: Status
    quotes: tuple[Quote, ...] = ()
    direct: DirectAnswer | None = None
    truncated: bool = False
    took_ms: float = 0.0
    # The issues a question named ("凉城…", "2021年5月那期"), as the reply names them.
    scope: str | None = None
    scope_empty: bool = False  # the scope named holds no stored issue at all
    # False when the scope was a time named on its own: its issues came first, others
    # may follow (see corpus.answer.scope.Scope.strict).
    scope_strict: bool = True
    # A follow-up question's topic, carried over from the question before it
    # ("那什么时候完工" after one about 凉城三村加装电梯), as the reply names it.
    about: str | None = None
    # What this question was about, for a follow-up to carry over ("" if nothing).
    topic: str = ""

    @property
    def found(self) -> bool:
        return self.status == "ok"

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.quotes) // PAGE_SIZE))

    @property
    def direct_answer(self) -> str | None:
        if self.direct is None or self.direct.value is None:
            return None
        return self.direct.english() if self.lang == "en" else self.direct.value

    def text(self, page: int = 0) -> str:
        """The reply as plain text, exactly what a resident reads (without bold)."""
        # reply.py renders these types, so it is imported here rather than at the top.
        from corpus.answer.reply import answer_lines, plain_text

        return plain_text(answer_lines(self, page))

"""Reading the paper as it was printed: a whole article, with its citation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from corpus.answer.types import Source
from corpus.store import issues as queries
from corpus.store.records import IssueRef


@dataclass(frozen=True)
class ArticleView:
    """One article, whole, as a resident opens it from a quote."""

    source: Source
    subtitle: str
    byline: str
    body: str


def article_view(session: Session, *, article_id: int) -> ArticleView | None:
    article = queries.get_article(session, article_id=article_id)
    if article is None:
        return None
    issue = article.issue
    ref = IssueRef(
        issue.id,
        issue.publication,
        issue.street,
        issue.date,
        issue.date_estimated,
        issue.title,
        issue.source_name,
    )
    source = Source(
        issue=ref,
        article_id=article.id,
        article_title=article.title,
    )
    return ArticleView(source=source, subtitle=article.subtitle, byline=article.byline, body=article.body)

"""Queries over the store: plain keyword-only functions that take a session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from corpus.store.models import Article, Issue, Meta, Passage
from corpus.store.records import ArticlePassages, IssueInfo, IssueRef, PassageRecord

CORPUS_VERSION_KEY = "corpus_version"


def _issue_infos(session: Session, *, issue_id: int | None = None) -> list[IssueInfo]:
    """Issues with article and passage counts, newest first; one issue if ``issue_id``."""
    article_counts = select(Article.issue_id, func.count(Article.id).label("n"))
    passage_counts = select(Passage.issue_id, func.count(Passage.id).label("n"))
    issues = select(Issue)
    if issue_id is not None:
        article_counts = article_counts.where(Article.issue_id == issue_id)
        passage_counts = passage_counts.where(Passage.issue_id == issue_id)
        issues = issues.where(Issue.id == issue_id)
    articles = article_counts.group_by(Article.issue_id).subquery()
    passages = passage_counts.group_by(Passage.issue_id).subquery()
    rows = session.execute(
        issues.add_columns(articles.c.n, passages.c.n)
        .outerjoin(articles, articles.c.issue_id == Issue.id)
        .outerjoin(passages, passages.c.issue_id == Issue.id)
        .order_by(Issue.date.desc(), Issue.id.desc())
    ).all()
    return [
        IssueInfo(
            id=issue.id,
            publication=issue.publication,
            street=issue.street,
            district=issue.district,
            date=issue.date,
            date_estimated=issue.date_estimated,
            title=issue.title,
            source_name=issue.source_name,
            articles=n_articles or 0,
            passages=n_passages or 0,
        )
        for issue, n_articles, n_passages in rows
    ]


def list_issues(session: Session) -> list[IssueInfo]:
    """All issues, newest first, with article and passage counts."""
    return _issue_infos(session)


def issue_info(session: Session, *, issue_id: int) -> IssueInfo | None:
    """One issue with its counts (one query, not a scan of every issue)."""
    found = _issue_infos(session, issue_id=issue_id)
    return found[0] if found else None


def latest_issues(
    session: Session, *, limit: int, street: str | None = None
) -> list[tuple[IssueInfo, list[str]]]:
    """The newest ``limit`` issues, each with its article titles in print order.

    With ``street``, that street's newest issue comes first, however old it is.
    """
    every = list_issues(session)
    own = next((info for info in every if info.street == street), None) if street else None
    infos = ([own] + [info for info in every if info is not own])[:limit] if own else every[:limit]
    titles: dict[int, list[str]] = {info.id: [] for info in infos}
    rows = session.execute(
        select(Article.issue_id, Article.title)
        .where(Article.issue_id.in_(titles))
        .order_by(Article.issue_id, Article.position)
    ).all()
    for issue_id, title in rows:
        titles[issue_id].append(title)
    return [(info, titles[info.id]) for info in infos]


def issue_articles(
    session: Session, *, issue_id: int
) -> tuple[IssueInfo, list[tuple[int, str]]] | None:
    """An issue with its articles' ids and titles in print order; None if not stored."""
    info = issue_info(session, issue_id=issue_id)
    if info is None:
        return None
    rows = session.execute(
        select(Article.id, Article.title)
        .where(Article.issue_id == issue_id)
        .order_by(Article.position)
    ).all()
    return info, [(article_id, title) for article_id, title in rows]


def count_issues(session: Session) -> int:
    return session.scalar(select(func.count(Issue.id))) or 0


def get_issue(session: Session, *, issue_id: int) -> Issue | None:
    return session.get(Issue, issue_id)


def find_issue_by_hash(session: Session, *, content_hash: str) -> Issue | None:
    return session.scalar(select(Issue).where(Issue.content_hash == content_hash))


def find_issue(session: Session, *, publication: str, street: str, date: str) -> Issue | None:
    """The issue with this identity (publication + street + date), if stored."""
    return session.scalar(
        select(Issue).where(
            Issue.publication == publication, Issue.street == street, Issue.date == date
        )
    )


def delete_issue(session: Session, *, issue_id: int) -> bool:
    """Delete an issue with its articles and passages; False if there was none."""
    issue = session.get(Issue, issue_id)
    if issue is None:
        return False
    # Explicit deletes rather than relying on ON DELETE CASCADE alone: SQLite only honours
    # it with the foreign_keys pragma, and a connection made elsewhere may lack it.
    session.execute(delete(Passage).where(Passage.issue_id == issue_id))
    session.execute(delete(Article).where(Article.issue_id == issue_id))
    session.execute(delete(Issue).where(Issue.id == issue_id))
    session.expire_all()
    return True


def delete_issue_content(session: Session, *, issue_id: int) -> None:
    """Delete an issue's articles and passages, keeping the issue row (for a correction)."""
    session.execute(delete(Passage).where(Passage.issue_id == issue_id))
    session.execute(delete(Article).where(Article.issue_id == issue_id))


# An issue's citation fields, in IssueRef's order.
_ISSUE_COLUMNS = (
    Issue.id,
    Issue.publication,
    Issue.street,
    Issue.date,
    Issue.date_estimated,
    Issue.title,
    Issue.source_name,
)
_PASSAGE_COLUMNS = (
    Passage.id,
    Passage.text,
    Passage.position,
    Passage.heading,
    Article.id,
    Article.title,
    *_ISSUE_COLUMNS,
    Passage.kind,
)


def _record(row: Sequence[Any]) -> PassageRecord:
    """A record from one row of :func:`_passage_select` (the issue's columns last)."""
    return PassageRecord(*row[:6], IssueRef(*row[6:13]), row[13])


def _passage_select():  # type: ignore[no-untyped-def]
    return (
        select(*_PASSAGE_COLUMNS)
        .join(Article, Passage.article_id == Article.id)
        .join(Issue, Passage.issue_id == Issue.id)
    )


def _driver_rows(session: Session, statement: Select[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``statement`` (no parameters, columns of plain integer and string
    types only) as the database driver returns them, in the session's transaction.

    SQLAlchemy's result rows cost more than the query itself at 10^5 rows: a start
    reads every passage this way.
    """
    sql = str(statement.compile(dialect=session.get_bind().dialect))
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def all_passages(session: Session) -> list[PassageRecord]:
    """Every passage with its citation, in a stable order (issue, article, position).

    Issues and articles are read once each, not joined onto every passage: at 10^5
    passages that halves the time of this read (every start and every corpus
    change) and the records share one copy of each issue's strings. The three reads
    are not one snapshot: passages first, so a change committed in between can only
    remove an article or issue they name, and then the one joined query is used.
    """
    rows = _driver_rows(
        session,
        select(
            Passage.id,
            Passage.text,
            Passage.position,
            Passage.heading,
            Passage.article_id,
            Passage.issue_id,
            Passage.kind,
        )
        .join(Article, Passage.article_id == Article.id)
        .order_by(Passage.issue_id, Article.position, Passage.position),
    )
    issues = {row[0]: IssueRef(*row) for row in session.execute(select(*_ISSUE_COLUMNS))}
    titles = dict(_driver_rows(session, select(Article.id, Article.title)))
    try:
        return [
            PassageRecord(
                pid, text, position, heading, article, titles[article], issues[issue], kind
            )
            for pid, text, position, heading, article, issue, kind in rows
        ]
    except KeyError:
        joined = session.execute(
            _passage_select().order_by(Issue.id, Article.position, Passage.position)
        ).all()
        return [_record(row) for row in joined]


def passages_by_ids(session: Session, *, passage_ids: list[int]) -> list[PassageRecord]:
    if not passage_ids:
        return []
    rows = session.execute(_passage_select().where(Passage.id.in_(passage_ids))).all()
    by_id = {row[0]: _record(row) for row in rows}
    return [by_id[pid] for pid in passage_ids if pid in by_id]


def get_article(session: Session, *, article_id: int) -> Article | None:
    return session.get(Article, article_id)


def get_meta(session: Session, *, key: str) -> str | None:
    row = session.get(Meta, key)
    return row.value if row else None


def set_meta(session: Session, *, key: str, value: str) -> None:
    row = session.get(Meta, key)
    if row is None:
        session.add(Meta(key=key, value=value))
    else:
        row.value = value


def corpus_version(session: Session) -> int:
    """A counter bumped by every change to the corpus; indexes compare against it."""
    value = get_meta(session, key=CORPUS_VERSION_KEY)
    return int(value) if value else 0


def bump_corpus_version(session: Session) -> int:
    """Increment the corpus version inside the caller's transaction.

    The row is locked (FOR UPDATE on PostgreSQL) so two processes changing the corpus at
    once cannot both write the same number and leave a change unnoticed.
    """
    row = session.get(Meta, CORPUS_VERSION_KEY, with_for_update=True)
    if row is None:
        row = Meta(key=CORPUS_VERSION_KEY, value="1")
        session.add(row)
        return 1
    row.value = str(int(row.value) + 1)
    return int(row.value)


def issue_passages(session: Session, *, issue_id: int) -> list[ArticlePassages]:
    """An issue's articles in print order, each with its passages in order."""
    articles = session.scalars(
        select(Article).where(Article.issue_id == issue_id).order_by(Article.position)
    ).all()
    rows = session.execute(
        select(Passage.article_id, Passage.id, Passage.kind, Passage.text)
        .where(Passage.issue_id == issue_id)
        .order_by(Passage.article_id, Passage.position)
    ).all()
    by_article: dict[int, list[tuple[int, str, str]]] = {}
    for article_id, passage_id, kind, text_ in rows:
        by_article.setdefault(article_id, []).append((passage_id, kind, text_))
    return [
        ArticlePassages(a.id, a.position, a.title, tuple(by_article.get(a.id, ())))
        for a in articles
    ]

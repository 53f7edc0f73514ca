"""Ingesting newspaper issues: the one library function behind `linli ingest` and the bot's upload.

Work is split in two so staff can see a preview before anything is written:
:func:`prepare_issue` parses text into articles and passages (no database), and
:func:`store_issues` writes prepared issues in the caller's transaction, recognising
duplicates (same content) and corrections (same publication + street + date, new text).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from corpus.ingest.prepare import (
    Check,
    IngestError,
    IssueMeta,
    PreparedIssue,
    Status,
    _check_length,
    _limit,
    normalise_date,
    prepare_issue,
)
from corpus.ingest.similarity import jaccard, shingles
from corpus.store import issues as queries
from corpus.store import records
from corpus.store.engine import transaction
from corpus.store.models import Article, Issue, Passage

log = logging.getLogger(__name__)

# How often a store that lost a race to another process is tried again, from scratch.
RACE_ATTEMPTS = 5
# Texts sharing this much (shingle Jaccard) are one issue from two sources (a photo and a
# scan, the text file and a photo): the new one corrects the stored one.
SAME_ISSUE = 0.5
# ... and this much, under other metadata: the same issue already stored (OCR of one page
# twice differs by a few characters), nothing to store.
SAME_TEXT = 0.9


@dataclass(frozen=True)
class IngestResult:
    status: Status
    issue_id: int
    publication: str
    street: str
    date: str
    title: str
    source_name: str
    articles: int
    passages: int

    def describe(self) -> str:
        """One line for staff, e.g. in the CLI's output."""
        what = {"added": "added", "duplicate": "already stored", "replaced": "replaced"}[
            self.status
        ]
        return (
            f"{what}: #{self.issue_id} {self.publication} · {self.street} · {self.date} · "
            f"{self.title} ({self.articles} articles, {self.passages} passages)"
            + (f" [{self.source_name}]" if self.source_name else "")
        )


def check_issue(session: Session, prepared: PreparedIssue) -> tuple[Check, Issue | None]:
    """What storing ``prepared`` would do: add it, skip a duplicate, or replace a stored issue."""
    check, issue, _ = judge_issue(session, prepared)
    return check, issue


def judge_issue(
    session: Session, prepared: PreparedIssue
) -> tuple[Check, Issue | None, float | None]:
    """:func:`check_issue` with the text similarity it was judged on (None: not by text).

    The same bytes are a duplicate; the same publication, street and date a correction.
    Otherwise the stored issues of the same month are compared by text
    (:mod:`corpus.ingest.similarity`), whatever the sources: nearly the same text is a
    duplicate, much of it shared a correction of that issue, never a second issue.
    """
    same_text = queries.find_issue_by_hash(session, content_hash=prepared.content_hash)
    if same_text is not None:
        return "duplicate", same_text, None
    mine = shingles(prepared.raw_text)
    same_identity = queries.find_issue(
        session,
        publication=prepared.publication,
        street=prepared.street,
        date=prepared.date,
    )
    if same_identity is not None:
        # A correction by identity; its similarity is shown only when it says "same issue".
        shared = jaccard(mine, shingles(same_identity.raw_text))
        return "correction", same_identity, shared if shared >= SAME_ISSUE else None
    best: tuple[float, Issue] | None = None
    # The same month only: a copy is dated as the issue is (2026-11 or 2026-11-20), while
    # a paper reprinting most of an issue a month later is, for residents, a new issue
    # (the preview still names the passages it repeats). The street and the paper's name
    # are not required to match: OCR may have read them from the masthead differently.
    candidates = session.scalars(select(Issue).where(Issue.date.startswith(prepared.date[:7])))
    for issue in candidates:
        score = jaccard(mine, shingles(issue.raw_text))
        if best is None or score > best[0]:
            best = (score, issue)
    if best is not None and best[0] >= SAME_TEXT:
        return "duplicate", best[1], best[0]
    if best is not None and best[0] >= SAME_ISSUE:
        return "correction", best[1], best[0]
    return "new", None, None


def _add_articles(session: Session, issue: Issue, prepared: PreparedIssue) -> None:
    """Insert the issue's articles and passages, many rows per statement.

    One ORM object and one flush per article took ~40 s for a 44k-passage issue, and on
    SQLite the write lock is held all that time: the query log, feedback and every
    other writer waited (past the driver's 30 s timeout). Bulk inserts (the article ids
    come back in order, RETURNING) take a fraction of that.
    """
    if not prepared.articles:
        return
    article_ids = list(
        session.scalars(
            insert(Article).returning(Article.id, sort_by_parameter_order=True),
            [
                {
                    "issue_id": issue.id,
                    "position": position,
                    "title": art.title,
                    "subtitle": art.subtitle,
                    "section": art.section,
                    "byline": art.byline,
                    "captions": "\n".join(art.captions),
                    "body": art.body,
                }
                for position, art in enumerate(prepared.articles)
            ],
        )
    )
    rows: list[dict[str, object]] = []
    for article_id, art in zip(article_ids, prepared.articles, strict=True):
        rows.extend(
            {
                "article_id": article_id,
                "issue_id": issue.id,
                "position": i,
                "heading": heading,
                "text": text,
                "kind": "text",
            }
            for i, (heading, text) in enumerate(art.passages)
        )
        # Each photo caption is a passage of its own, after the text: a fact printed only
        # under a photo can be found and quoted (labelled as a caption).
        rows.extend(
            {
                "article_id": article_id,
                "issue_id": issue.id,
                "position": len(art.passages) + i,
                "heading": "",
                "text": caption,
                "kind": "caption",
            }
            for i, caption in enumerate(art.captions)
        )
    if rows:
        session.execute(insert(Passage), rows)


def store_issue(session: Session, prepared: PreparedIssue) -> IngestResult:
    """Store one prepared issue in the caller's transaction."""
    kind, existing = check_issue(session, prepared)
    if kind == "duplicate" and existing is not None:
        counts = queries.issue_info(session, issue_id=existing.id)
        assert counts is not None
        return IngestResult(
            status="duplicate",
            issue_id=existing.id,
            publication=existing.publication,
            street=existing.street,
            date=existing.date,
            title=existing.title,
            source_name=existing.source_name,
            articles=counts.articles,
            passages=counts.passages,
        )
    if kind == "correction" and existing is not None:
        queries.delete_issue_content(session, issue_id=existing.id)
        issue = existing
        issue.district = prepared.district
        issue.date_estimated = prepared.date_estimated
        issue.title = prepared.title
        issue.source_name = prepared.source_name
        issue.content_hash = prepared.content_hash
        issue.raw_text = prepared.raw_text
        status: Status = "replaced"
    else:
        issue = Issue(
            publication=prepared.publication,
            street=prepared.street,
            district=prepared.district,
            date=prepared.date,
            date_estimated=prepared.date_estimated,
            title=prepared.title,
            source_name=prepared.source_name,
            content_hash=prepared.content_hash,
            raw_text=prepared.raw_text,
        )
        session.add(issue)
        status = "added"
    session.flush()
    _add_articles(session, issue, prepared)
    queries.bump_corpus_version(session)
    session.flush()
    return IngestResult(
        status=status,
        issue_id=issue.id,
        publication=issue.publication,
        street=issue.street,
        date=issue.date,
        title=issue.title,
        source_name=issue.source_name,
        articles=len(prepared.articles),
        passages=prepared.passage_count,
    )


def store_issues(
    factory: sessionmaker[Session], prepared: Sequence[PreparedIssue]
) -> list[IngestResult]:
    """Store several prepared issues in ONE transaction: all of them, or none if anything fails.

    Another process (a second `linli ingest`, a staff upload) may store the same issue
    between this one's check and its insert: the unique content hash or identity then
    refuses the insert (on SQLite the write lock is refused instead). The transaction,
    rolled back whole, is run again: its check now sees the other's issue, so the
    result is "duplicate" (or "replaced" for a correction), as if they had taken turns.
    """
    for attempt in range(1, RACE_ATTEMPTS + 1):
        try:
            with transaction(factory) as session:
                return [store_issue(session, p) for p in prepared]
        except (IntegrityError, OperationalError) as exc:
            if attempt == RACE_ATTEMPTS or not _lost_race(exc):
                raise
            log.info("storing lost a race to another writer (%s); again", exc.__class__.__name__)
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _lost_race(exc: IntegrityError | OperationalError) -> bool:
    """Whether ``exc`` is what a concurrent writer of the same issue causes.

    Any IntegrityError qualifies: the only unique keys an ingest can hit are the
    content hash and the identity, both checked first, so a clash means someone else
    wrote in between. A constraint that fails for another reason fails every attempt
    and is raised after the last.
    """
    return isinstance(exc, IntegrityError) or "database is locked" in str(exc).lower()


def ingest_text(factory: sessionmaker[Session], text: str, meta: IssueMeta) -> IngestResult:
    """Parse and store one issue given as text."""
    return store_issues(factory, [prepare_issue(text, meta)])[0]


def remove_issue(factory: sessionmaker[Session], issue_id: int) -> records.IssueInfo | None:
    """Remove an issue with its articles and passages in ONE transaction.

    Returns:
        What was removed (for staff to read), or None if there was no such issue.
    """
    with transaction(factory) as session:
        info = next((i for i in queries.list_issues(session) if i.id == issue_id), None)
        if info is None:
            return None
        queries.delete_issue(session, issue_id=issue_id)
        queries.bump_corpus_version(session)
        return info


def edit_issue(
    factory: sessionmaker[Session],
    issue_id: int,
    *,
    publication: str,
    street: str,
    date: str,
    title: str,
) -> records.IssueInfo | None:
    """Correct an issue's metadata without re-uploading it, in ONE transaction.

    The passages stay; the corpus version moves, so every index re-reads the citations.

    Returns:
        The issue as it now is, or None if there was no such issue.

    Raises:
        IngestError: an empty or over-long field, a date that is not a date, or the
            identity (publication, street, date) of another stored issue.
    """
    publication, street, title = publication.strip(), street.strip(), title.strip()
    for value, what in ((publication, "publication"), (street, "street office"), (title, "title")):
        if not value:
            raise IngestError(f"the {what} is empty")
    fields = {
        "publication": _check_length(publication, _limit(Issue, "publication"), "publication", "publication"),
        "street": _check_length(street, _limit(Issue, "street"), "street office", "street"),
        "date": normalise_date(date.strip()),
        "title": _check_length(title, _limit(Issue, "title"), "title", "title"),
    }
    with transaction(factory) as session:
        issue = queries.get_issue(session, issue_id=issue_id)
        if issue is None:
            return None
        other = queries.find_issue(
            session, publication=fields["publication"], street=fields["street"], date=fields["date"]
        )
        if other is not None and other.id != issue_id:
            raise IngestError(
                f"issue #{other.id} is already {fields['publication']} · {fields['street']} · "
                f"{fields['date']}; remove or change that one first"
            )
        for name, value in fields.items():
            setattr(issue, name, value)
        queries.bump_corpus_version(session)
        session.flush()
        return queries.issue_info(session, issue_id=issue_id)

"""The door to the corpus: the one module the bot and the CLI import from ``corpus``.

``open(settings)`` gives a :class:`Corpus` with three rooms:

- ``corpus.answers``: answering residents (:class:`LinliService`), its index kept in
  step with the store by itself;
- ``corpus.issues``: what staff do with issues (upload, preview, store, remove, list),
  each change one transaction, re-indexed as soon as it is committed;
- ``corpus.log``: the pseudonymous query log and what admins read of it;
- ``corpus.follows``: the topics chats follow, and the outbox of notifications about
  new issues that cover them.

Callers never see sessions, SQLAlchemy or the index: every method here takes and
returns plain records. The types callers render or pass back are re-exported below,
so an adapter needs nothing but this module, ``corpus.settings`` and the answer types.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from corpus.answer.baseline import BaselineUnavailable, NaiveBaseline, fit_baseline_threshold
from corpus.answer.browse import ArticleView, article_view
from corpus.answer.evaluate import Report as EvalReport
from corpus.answer.evaluate import evaluate, evaluate_splits
from corpus.answer.explain import ConceptMatch, Explanation, QuoteWhy
from corpus.answer.followup import WINDOW as FOLLOWUP_WINDOW
from corpus.answer.followup import answer_in_context
from corpus.answer.gold import load_all, load_gold
from corpus.answer.reply import (
    EXAMPLES,
    answer_lines,
    format_issue_date,
    label,
    marked_pieces,
    plain_text,
    source_line,
)
from corpus.answer.report import BELOW, evaluation_json, format_evaluation, format_table
from corpus.answer.saved import answer_from_json, answer_to_json
from corpus.answer.service import LinliService, service_from_settings
from corpus.answer.types import PAGE_SIZE, Answer, Lang, Line, Piece, Quote, Source
from corpus.follow import outbox, topics
from corpus.follow.outbox import RETENTION_GRACE_DAYS, PollResult
from corpus.follow.topics import MAX_FOLLOWS, MAX_TOPIC_CHARS, Followed, TopicError
from corpus.ingest import upload
from corpus.ingest.extract import OcrProgress
from corpus.ingest.prepare import FileProgress, IngestError, IssueMeta, prepare_paths
from corpus.ingest.seed import seed_demo
from corpus.ingest.upload import CaptionError, Draft, Field, Preview
from corpus.ingest.write import IngestResult, edit_issue, remove_issue, store_issues
from corpus.querylog import export, questions, write
from corpus.querylog.charts import questions_per_day_png
from corpus.querylog.export import CsvExport, LogRow, write_csv
from corpus.querylog.periods import REPORT_TZ, Period, PeriodError, parse_period, parse_range
from corpus.querylog.questions import QuestionGroup, TopQuestion
from corpus.querylog.search import LogFilter, search_rows
from corpus.querylog.stats import LogStats, format_report, log_stats
from corpus.querylog.write import Delivery, LogBuffer, LogRecord, new_ref
from corpus.settings import Settings
from corpus.store import issues as store_issues_queries
from corpus.store import migrate
from corpus.store import residents as residents_queries
from corpus.store import synonyms as synonym_queries
from corpus.store import web as web_queries
from corpus.store.engine import (
    Store,
    StoreError,
    init_db,
    make_engine,
    schema_revision,
    transaction,
    write_failure,
)
from corpus.store.follows import FollowInfo, Inactive, Outgoing, Removed
from corpus.store.migrate import SchemaUpgrade
from corpus.store.records import ArticlePassages, IssueInfo, PassageRecord
from corpus.store.synonyms import SynonymRow
from corpus.store.web import SessionInfo, WebUser
from retrieval.sentences import split_clauses, split_sentences

log = logging.getLogger(__name__)

__all__ = [
    "BELOW",
    "EXAMPLES",
    "FOLLOWUP_WINDOW",
    "LINK_VALID",
    "MAX_FOLLOWS",
    "MAX_TOPIC_CHARS",
    "PAGE_SIZE",
    "REPORT_TZ",
    "RETENTION_GRACE_DAYS",
    "SESSION_VALID",
    "SYNONYM_MAX",
    "Answer",
    "ArticlePassages",
    "ArticleView",
    "BaselineUnavailable",
    "CaptionError",
    "ConceptMatch",
    "Corpus",
    "CsvExport",
    "Delivery",
    "Draft",
    "EvalReport",
    "Explanation",
    "Field",
    "FollowInfo",
    "Followed",
    "Follows",
    "Inactive",
    "IngestError",
    "IngestResult",
    "IssueInfo",
    "IssueMeta",
    "Kept",
    "Lang",
    "Line",
    "LinliService",
    "LogFilter",
    "LogRow",
    "LogStats",
    "NaiveBaseline",
    "Outgoing",
    "Period",
    "PeriodError",
    "Piece",
    "PollResult",
    "Preview",
    "QuestionGroup",
    "Quote",
    "QuoteWhy",
    "Removed",
    "ResidentPrefs",
    "Residents",
    "SchemaUpgrade",
    "SessionInfo",
    "Source",
    "StoreError",
    "SynonymError",
    "SynonymRow",
    "TopQuestion",
    "TopicError",
    "WebUser",
    "answer_from_json",
    "answer_lines",
    "answer_to_json",
    "database_revision",
    "evaluate",
    "evaluate_splits",
    "evaluation_json",
    "fit_baseline_threshold",
    "format_evaluation",
    "format_issue_date",
    "format_report",
    "format_table",
    "label",
    "load_all",
    "load_gold",
    "marked_pieces",
    "new_ref",
    "open",
    "parse_period",
    "parse_range",
    "plain_text",
    "questions_per_day_png",
    "source_line",
    "split_clauses",
    "split_sentences",
    "upgrade_database",
    "write_csv",
]


@contextmanager
def _store_errors(what: str) -> Iterator[None]:
    """The database's own errors as a :class:`StoreError` whose ``permanent`` is set.

    Adapters reply to staff and admins from that flag ("try again later" only when trying
    again can help), so no SQLAlchemy error may reach them unclassified, from a read
    either (a database that went away fails a listing as it fails a write).
    """
    try:
        yield
    except SQLAlchemyError as exc:
        raise write_failure(what, exc) from exc


@contextmanager
def _naming(name: str) -> Iterator[None]:
    """An IngestError about a file's content names the file, whichever stage raised it.

    The readers name it ("x.docx is empty"), the parser does not ("no article text was
    found"); staff and logs must see which file it was. A caption's errors are about
    the caption and stay as they are.
    """
    try:
        yield
    except CaptionError:
        raise
    except IngestError as exc:
        if name and name not in str(exc):
            raise IngestError(f"{name}: {exc}") from exc
        raise


class Issues:
    """What staff do with issues; every change is one transaction, then re-indexed.

    Every method raises :class:`StoreError` (never a driver's error) when the database fails.
    """

    def __init__(self, store: Store, answers: LinliService) -> None:
        self._store = store
        self._answers = answers

    def list(self) -> list[IssueInfo]:
        """Every stored issue, newest first, with article and passage counts."""
        with _store_errors("could not list the issues"), self._store.factory() as session:
            return store_issues_queries.list_issues(session)

    def find(self, issue_id: int) -> IssueInfo | None:
        with _store_errors(f"could not read issue #{issue_id}"), self._store.factory() as session:
            return store_issues_queries.issue_info(session, issue_id=issue_id)

    def passages(self) -> list[PassageRecord]:
        """Every passage with its citation (``linli export``)."""
        with _store_errors("could not read the passages"), self._store.factory() as session:
            return store_issues_queries.all_passages(session)

    def latest(
        self, limit: int = 3, *, street: str | None = None
    ) -> list[tuple[IssueInfo, list[str]]]:
        """The newest issues with their article titles (a resident's /latest); the newest
        issue of the resident's ``street`` first."""
        with _store_errors("could not read the latest issues"), self._store.factory() as session:
            return store_issues_queries.latest_issues(session, limit=limit, street=street)

    def articles(self, issue_id: int) -> tuple[IssueInfo, list[tuple[int, str]]] | None:
        """An issue and its articles (id, title) in print order; None if there is none."""
        with _store_errors("could not read an issue's articles"), self._store.factory() as session:
            return store_issues_queries.issue_articles(session, issue_id=issue_id)

    def article(self, article_id: int) -> ArticleView | None:
        """One whole article, as a resident opens it from a quote."""
        with _store_errors("could not read the article"), self._store.factory() as session:
            return article_view(session, article_id=article_id)

    def open_upload(
        self,
        data: bytes,
        filename: str,
        caption: str | None,
        progress: OcrProgress | None = None,
    ) -> Draft:
        """An uploaded file read into a draft (raises IngestError naming the file).

        Photos, image files and scanned PDFs are read through OCR, one job at a time;
        ``progress(page, pages)`` is called before each page (from the calling thread).
        """
        with _store_errors("could not read the stored streets"), _naming(filename):
            return upload.open_upload(self._store.factory, data, filename, caption, progress)

    def open_photos(
        self,
        files: list[tuple[bytes, str]],
        caption: str | None,
        progress: OcrProgress | None = None,
    ) -> Draft:
        """Photos sent together (an album), in order, as the pages of one issue."""
        with _store_errors("could not read the stored streets"):
            return upload.open_photos(self._store.factory, files, caption, progress)

    @staticmethod
    def needs_ocr(filename: str) -> bool:
        """Whether this file may be read through OCR (slow: seconds a page)."""
        return upload.needs_ocr(filename)

    def open_text(self, text: str, source_name: str, caption: str | None) -> Draft:
        """Pasted text read into a draft (raises IngestError with a clear message)."""
        with _store_errors("could not read the stored streets"):
            return upload.open_text(self._store.factory, text, source_name, caption)

    def preview(self, draft: Draft) -> Preview:
        """What storing ``draft`` would do: new, duplicate or correction, with counts."""
        with _store_errors("could not compare the issue with the stored ones"), _naming(
            draft.source_name
        ):
            return upload.preview_draft(self._store.factory, draft)

    def store(self, previews: Sequence[Preview]) -> list[IngestResult]:
        """Store previewed issues in one transaction; answerable when this returns.

        Raises:
            StoreError: the database refused the write (nothing was stored); its
                ``permanent`` says whether trying again can help.
        """
        try:
            results = store_issues(self._store.factory, [p.prepared for p in previews])
        except SQLAlchemyError as exc:
            raise write_failure("could not store the issue", exc) from exc
        if any(r.status != "duplicate" for r in results):
            self._answers.refresh(force=True, if_loaded=True)
        return results

    def add_files(
        self,
        paths: Iterable[str | Path],
        meta: IssueMeta,
        progress: FileProgress | None = None,
    ) -> list[IngestResult]:
        """``linli ingest``: read files or folders and store them, all or nothing.

        ``progress(file name, page, pages)`` is called before OCR reads each page.

        Raises:
            IngestError: a file that cannot be ingested (nothing was stored).
            StoreError: the database refused the write (nothing was stored).
        """
        prepared = prepare_paths(paths, meta, progress=progress)
        try:
            results = store_issues(self._store.factory, prepared)
        except SQLAlchemyError as exc:
            raise write_failure("could not store the issues", exc) from exc
        self._answers.refresh(force=True, if_loaded=True)
        return results

    def edit(
        self, issue_id: int, *, publication: str, street: str, date: str, title: str
    ) -> IssueInfo | None:
        """Correct an issue's metadata (no re-upload); None if there is no such issue.

        Raises:
            IngestError: a field Linli cannot use, or another issue's identity.
            StoreError: the database refused the write (nothing changed).
        """
        try:
            info = edit_issue(
                self._store.factory,
                issue_id,
                publication=publication,
                street=street,
                date=date,
                title=title,
            )
        except SQLAlchemyError as exc:
            raise write_failure(f"could not change issue #{issue_id}", exc) from exc
        if info is not None:
            self._answers.refresh(force=True, if_loaded=True)
        return info

    def passages_of(self, issue_id: int) -> list[ArticlePassages]:
        """An issue's articles in print order, each with its passages (the console)."""
        with self._store.factory() as session:
            return store_issues_queries.issue_passages(session, issue_id=issue_id)

    def remove(self, issue_id: int) -> IssueInfo | None:
        """Remove an issue and everything in it; None if there was none."""
        try:
            removed = remove_issue(self._store.factory, issue_id)
        except SQLAlchemyError as exc:
            raise write_failure(f"could not remove issue #{issue_id}", exc) from exc
        if removed is not None:
            outbox.issue_removed(self._store.factory)
            self._answers.refresh(force=True, if_loaded=True)
        return removed


class Follows:
    """Topics chats follow, and the outbox of notifications about new issues.

    A chat id is kept only while the chat follows something (see ``/privacy``); in a
    group the group follows, and notifications go to the group.
    """

    def __init__(self, store: Store, answers: LinliService) -> None:
        self._factory = store.factory
        self._answers = answers

    def follow(self, *, chat_id: int, chat_type: str, lang: str, topic: str) -> Followed:
        """Follow ``topic`` (raises TopicError: empty, too long, nothing to match)."""
        return topics.follow(
            self._factory, self._answers, chat_id=chat_id, chat_type=chat_type, lang=lang, text=topic
        )

    def following(self, chat_id: int) -> list[FollowInfo]:
        return topics.following(self._factory, chat_id=chat_id)

    def unfollow(self, *, chat_id: int, follow_id: int) -> tuple[Removed, str]:
        """Remove one follow; another chat's follow is ``not_yours`` and left alone."""
        return topics.unfollow(self._factory, chat_id=chat_id, follow_id=follow_id)

    def unfollow_topic(self, *, chat_id: int, topic: str) -> tuple[Removed, str]:
        return topics.unfollow_topic(self._factory, chat_id=chat_id, topic=topic)

    def unfollow_all(self, chat_id: int) -> int:
        """Remove every follow of the chat, and its chat id with them; returns how many."""
        return topics.unfollow_all(self._factory, chat_id=chat_id)

    def notifications(self, chat_id: int) -> bool | None:
        """Whether the chat's notifications are on; None if it follows nothing."""
        return topics.notifications(self._factory, chat_id=chat_id)

    def set_notifications(self, chat_id: int, on: bool) -> bool:
        """Switch the chat's notifications; False if it follows nothing (nothing stored)."""
        return topics.set_notifications(self._factory, chat_id=chat_id, on=on)

    def keep(self, chat_id: int) -> bool:
        """The chat is active: its follows stay (the answer to the retention question)."""
        return topics.keep(self._factory, chat_id=chat_id)

    # The sender's side (a background job of the bot).

    def poll(self) -> PollResult:
        """Match the issues stored since the last poll (by any process); queue notifications."""
        return outbox.poll(self._factory, self._answers)

    def claim_next(self) -> Outgoing | None:
        """The next notification to send, claimed (no other sender will send it)."""
        return outbox.claim_next(self._factory)

    def finish(self, notification_id: int, status: str) -> None:
        """``sent``, ``failed``, ``skipped`` (notifications off) or ``pending`` (try later)."""
        outbox.finish(self._factory, notification_id, status)

    def drop_follower(self, follower_id: int) -> None:
        """The chat blocked the bot: forget it, its follows and what it was still to get."""
        outbox.drop_follower(self._factory, follower_id)

    def outbox_counts(self) -> dict[str, int]:
        return outbox.counts(self._factory)

    def to_ask(self, *, days: int) -> list[Inactive]:
        """Followers inactive ``days`` to ask once (those asked long ago are removed)."""
        return outbox.to_ask(self._factory, days=days)

    def asked(self, follower_id: int) -> None:
        outbox.asked(self._factory, follower_id)


class QueryLog:
    """The query log: residents only as keyed pseudonyms; entries written in batches.

    Readings raise :class:`StoreError` when the database fails; writing an entry never
    raises (answering must not suffer from the log).
    """

    def __init__(self, store: Store, secret: bytes) -> None:
        self._store = store
        self._secret = secret
        self._buffer = LogBuffer(store.factory)

    def _record(
        self,
        answer: Answer,
        channel: str,
        user_id: int | str | None,
        ref: str,
        delivery: Delivery = "sent",
    ) -> LogRecord:
        return LogRecord(
            ref=ref,
            channel=channel,
            user_hash=write.pseudonym(self._secret, user_id),
            answer=answer,
            created_at=datetime.now(UTC),
            delivery=delivery,
        )

    def record(
        self, answer: Answer, *, channel: str, user_id: int | str | None, ref: str | None = None
    ) -> str:
        """Log a question and its answer now; returns the entry's ref (also if the write failed)."""
        record = self._record(answer, channel, user_id, ref or new_ref())
        write.record_query(self._store.factory, record)
        return record.ref

    def record_soon(
        self,
        answer: Answer,
        *,
        channel: str,
        user_id: int | str | None,
        ref: str,
        delivery: Delivery = "sent",
    ) -> None:
        """Queue an entry for the next :meth:`flush` (the bot's way: no waiting).

        ``delivery`` says whether the reply reached the resident: an undelivered answer
        is logged too ("failed"), so the question still counts.
        """
        self._buffer.add(self._record(answer, channel, user_id, ref, delivery))

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def flush(self) -> int:
        """Write the queued entries (one transaction); returns how many were written."""
        return self._buffer.flush()

    def feedback_soon(self, ref: str, value: int) -> None:
        """Queue a resident's 👍 (1) or 👎 (-1) for the next :meth:`flush` (no waiting).

        The bot's way: a press must not wait for the database, which a long ingest
        can hold for seconds, while it holds one of the bot's update slots.
        """
        self._buffer.add_feedback(ref, value)

    def feedback(self, ref: str, value: int) -> bool:
        """A resident's 👍 (1) or 👎 (-1) on the answer logged as ``ref``."""
        self.flush()  # the entry rated may still be queued
        with _store_errors("could not save the feedback"):
            return write.set_feedback(self._store.factory, ref=ref, value=value)

    def stats(self, period: Period) -> LogStats:
        self.flush()
        with _store_errors("could not read the query log"), self._store.factory() as session:
            return log_stats(session, period=period)

    def unanswered(self, period: Period, *, limit: int = 10) -> list[QuestionGroup]:
        """Questions that found nothing, grouped by similarity: the content gaps."""
        self.flush()
        with _store_errors("could not read the query log"), self._store.factory() as session:
            return questions.unanswered_groups(session, period=period, limit=limit)

    def top(self, period: Period, *, limit: int = 10) -> list[TopQuestion]:
        self.flush()
        with _store_errors("could not read the query log"), self._store.factory() as session:
            return questions.top_questions(session, period=period, limit=limit)

    def rows(self, period: Period, *, unanswered: bool = False) -> list[LogRow]:
        self.flush()
        with _store_errors("could not read the query log"), self._store.factory() as session:
            return export.log_rows(session, period=period, unanswered=unanswered)

    def export_csv(self, period: Period) -> CsvExport:
        """The entries of ``period`` as CSV (UTF-8 with BOM), how many, how many undelivered."""
        self.flush()
        with _store_errors("could not read the query log"), self._store.factory() as session:
            return export.export_csv(session, period=period)

    def purge(self, *, days: int, now: datetime | None = None) -> int:
        """Delete entries older than ``days``; returns how many went."""
        with _store_errors("could not purge the query log"):
            return write.purge_older_than(self._store.factory, days=days, now=now)

    def search(
        self, period: Period, wanted: LogFilter, *, offset: int = 0, limit: int | None = 50
    ) -> tuple[list[LogRow], int]:
        """Entries matching ``wanted``, newest first, a page at a time, and how many match."""
        self.flush()
        with self._store.factory() as session:
            return search_rows(session, period=period, wanted=wanted, offset=offset, limit=limit)

    def search_csv(self, period: Period, wanted: LogFilter) -> tuple[bytes, int]:
        """The entries matching ``wanted`` as CSV (UTF-8 with BOM), oldest first."""
        rows, total = self.search(period, wanted, limit=None)
        return export.csv_bytes(reversed(rows)), total

    def pseudonym(self, user_id: int | str | None) -> str:
        """The pseudonym the log knows ``user_id`` by (never the id itself)."""
        return write.pseudonym(self._secret, user_id)


class SynonymError(ValueError):
    """A synonym pair staff typed that Linli cannot use; the message says why.

    ``reason`` ("empty", "long", "characters", "same") and ``side`` ("everyday",
    "official", or "" for both) let an interface say it in its own language.
    """

    def __init__(self, message: str, *, reason: str, side: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.side = side


# A synonym is a word or short phrase, not a sentence.
SYNONYM_MAX = 20


class Synonyms:
    """Staff's everyday → official synonyms, in the store over the shipped table."""

    def __init__(self, store: Store, answers: LinliService) -> None:
        self._store = store
        self._answers = answers

    def list(self) -> list[SynonymRow]:
        """Staff's pairs, newest first (the shipped table is not listed here)."""
        with self._store.factory() as session:
            return synonym_queries.list_synonyms(session)

    def shipped(self, everyday: str) -> tuple[str, ...]:
        """What the shipped (or configured) table already maps ``everyday`` to."""
        return self._answers.base_synonyms.get(everyday)

    def add(self, everyday: str, official: str, *, by: str) -> bool:
        """Add a pair (one transaction), answered with at once here, elsewhere within seconds.

        Returns:
            False if the pair was there already.

        Raises:
            SynonymError: empty, too long, the same word twice, or not words.
            StoreError: the database refused the write.
        """
        everyday = _synonym_word(everyday, "everyday")
        official = _synonym_word(official, "official")
        if everyday == official:
            raise SynonymError(
                "the everyday word and the official term are the same", reason="same"
            )
        try:
            with transaction(self._store.factory) as session:
                added = synonym_queries.add_synonym(
                    session,
                    everyday=everyday,
                    official=official,
                    added_by=by,
                    now=datetime.now(UTC),
                )
        except SQLAlchemyError as exc:
            raise write_failure("could not add the synonym", exc) from exc
        self._answers.reload_synonyms()
        return added

    def remove(self, synonym_id: int) -> SynonymRow | None:
        try:
            with transaction(self._store.factory) as session:
                removed = synonym_queries.remove_synonym(session, synonym_id=synonym_id)
        except SQLAlchemyError as exc:
            raise write_failure("could not remove the synonym", exc) from exc
        self._answers.reload_synonyms()
        return removed


def _synonym_word(text: str, side: str) -> str:
    what = {"everyday": "everyday word", "official": "official term"}[side]
    word = " ".join((text or "").split())
    if not word:
        raise SynonymError(f"the {what} is empty", reason="empty", side=side)
    if len(word) > SYNONYM_MAX:
        raise SynonymError(
            f"the {what} is longer than {SYNONYM_MAX} characters", reason="long", side=side
        )
    if any(not (ch.isalnum() or ch in " -·") for ch in word):
        raise SynonymError(
            f"the {what} may hold only letters, digits and spaces",
            reason="characters",
            side=side,
        )
    return word


# A sign-in link works this long, and once; a session this long after sign-in.
LINK_VALID = timedelta(minutes=10)
SESSION_VALID = timedelta(hours=12)


class WebAccess:
    """Sign-in to the web console: one-time links, server-side sessions (hashes only stored)."""

    def __init__(self, store: Store, log: QueryLog) -> None:
        self._store = store
        self._log = log

    def user(self, user_id: int | str, *, local: bool = False) -> WebUser:
        return WebUser(user_hash=self._log.pseudonym(user_id), local=local)

    def mint_link(self, user: WebUser, *, now: datetime | None = None) -> str:
        """A new one-time link token for ``user``, valid :data:`LINK_VALID`."""
        now = now or datetime.now(UTC)
        with transaction(self._store.factory) as session:
            web_queries.purge_expired(session, now=now)
            return web_queries.add_link(session, user=user, now=now, valid_for=LINK_VALID)

    def sign_in(self, token: str, *, now: datetime | None = None) -> tuple[WebUser, str] | None:
        """Use a link (once) and start a session: (who, the session's cookie token)."""
        now = now or datetime.now(UTC)
        with transaction(self._store.factory) as session:
            user = web_queries.use_link(session, token=token, now=now)
            if user is None:
                return None
            cookie, _ = web_queries.add_session(
                session, user=user, now=now, valid_for=SESSION_VALID
            )
            return user, cookie

    def session(self, token: str, *, now: datetime | None = None) -> SessionInfo | None:
        with self._store.factory() as session:
            return web_queries.find_session(session, token=token, now=now or datetime.now(UTC))

    def sign_out(self, token: str) -> bool:
        with transaction(self._store.factory) as session:
            return web_queries.end_session(session, token=token)


@dataclass(frozen=True)
class ResidentPrefs:
    """A resident's /settings: their street (ranked first) and language (None: the client's)."""

    street: str | None = None
    lang: Lang | None = None


@dataclass(frozen=True)
class Kept:
    """The state behind a button, and its owners as pseudonyms (see :meth:`Residents.owner`)."""

    key: str
    kind: str
    payload: str
    chat_hash: str
    user_hash: str


class Residents:
    """What the bot keeps for residents: settings and button state, only under pseudonyms.

    Both are keyed by the query log's pseudonym (a keyed HMAC of the Telegram id), so
    nothing here names a resident. Settings are read on every update, so they are cached
    for ``PREFS_TTL`` seconds: another process's change shows within that time, this
    process's at once.
    """

    PREFS_TTL = 60.0
    PREFS_KEPT = 10_000
    # Buttons kept in memory while the store cannot be written, at most.
    PENDING_KEPT = 50_000
    # Buttons older than this answer "ask again"; their rows are purged daily.
    BUTTONS_KEPT_DAYS = 30
    KEY_BYTES = 9  # 12 URL-safe characters: unguessable, and short enough for callback data

    def __init__(self, store: Store, secret: bytes) -> None:
        self._store = store
        self._secret = secret
        self._prefs: OrderedDict[str, tuple[float, ResidentPrefs]] = OrderedDict()
        self._pending: dict[str, _PendingButton] = {}
        self._lock = threading.Lock()
        self._flushing = threading.Lock()  # one writer at a time

    def owner(self, telegram_id: int | str | None) -> str:
        """The pseudonym of a user or chat id, as the query log writes it."""
        return write.pseudonym(self._secret, telegram_id)

    # --- settings ---------------------------------------------------------------------

    def prefs(self, user_id: int) -> ResidentPrefs:
        user_hash = self.owner(user_id)
        now = time.monotonic()
        with self._lock:
            cached = self._prefs.get(user_hash)
            if cached is not None and now - cached[0] < self.PREFS_TTL:
                return cached[1]
        with self._store.factory() as session:
            row = residents_queries.get_setting(session, user_hash=user_hash)
            lang = row.lang if row is not None and row.lang in ("zh", "en") else None
            prefs = ResidentPrefs(street=row.street if row else None, lang=lang)  # type: ignore[arg-type]
        self._cache(user_hash, prefs)
        return prefs

    def _cache(self, user_hash: str, prefs: ResidentPrefs) -> None:
        with self._lock:
            self._prefs[user_hash] = (time.monotonic(), prefs)
            self._prefs.move_to_end(user_hash)
            while len(self._prefs) > self.PREFS_KEPT:
                self._prefs.popitem(last=False)

    def streets(self) -> list[tuple[str, int]]:
        """The streets the store holds issues of, each with its handle (an issue id)."""
        with self._store.factory() as session:
            return residents_queries.streets(session)

    def set_street(self, user_id: int, issue_id: int | None) -> str | None:
        """Choose the street of issue ``issue_id`` (None: every street alike).

        Returns:
            The street chosen (None when cleared).

        Raises:
            LookupError: no stored issue has that id (a forged or stale button).
            StoreError: the database refused the write.
        """
        user_hash = self.owner(user_id)
        try:
            with self._store.factory.begin() as session:
                street = None
                if issue_id is not None:
                    street = residents_queries.street_of_issue(session, issue_id=issue_id)
                    if street is None:
                        raise LookupError(f"no issue #{issue_id}")
                residents_queries.set_street(session, user_hash=user_hash, street=street)
        except SQLAlchemyError as exc:
            raise write_failure("could not save the setting", exc) from exc
        with self._lock:
            self._prefs.pop(user_hash, None)
        return street

    def set_lang(self, user_id: int, lang: Lang | None) -> None:
        """Choose the language (None: follow the Telegram client's)."""
        user_hash = self.owner(user_id)
        try:
            with self._store.factory.begin() as session:
                residents_queries.set_lang(session, user_hash=user_hash, lang=lang)
        except SQLAlchemyError as exc:
            raise write_failure("could not save the setting", exc) from exc
        with self._lock:
            self._prefs.pop(user_hash, None)

    # --- button state -------------------------------------------------------------------

    def keep(self, kind: str, payload: str, *, chat_id: int, user_id: int) -> str:
        """Keep what a button refers to; returns its unguessable key.

        Written with others by :meth:`flush` (the bot's, every second): a transaction per
        answer cost more than answering it. Until then it is answered from memory, so a
        press a moment later works in this process; a process killed before the flush
        loses its last second's buttons (they say "ask again").
        """
        key = secrets.token_urlsafe(self.KEY_BYTES)
        row = _PendingButton(kind, self.owner(chat_id), self.owner(user_id), payload, datetime.now(UTC))
        with self._lock:
            self._pending[key] = row
            while len(self._pending) > self.PENDING_KEPT:  # the store is down for long
                self._pending.pop(next(iter(self._pending)))
        return key

    def recall(self, key: str, kind: str) -> Kept | None:
        """The state under ``key``, or None if unknown, of another kind, or too old."""
        newer_than = datetime.now(UTC) - timedelta(days=self.BUTTONS_KEPT_DAYS)
        with self._lock:
            row = self._pending.get(key)
        if row is not None:
            if row.kind != kind or row.created_at <= newer_than:
                return None
            return Kept(key, row.kind, row.payload, row.chat_hash, row.user_hash)
        with self._store.factory() as session:
            stored = residents_queries.get_button(
                session, key=key, kind=kind, newer_than=newer_than
            )
            if stored is None:
                return None
            return Kept(stored.key, stored.kind, stored.payload, stored.chat_hash, stored.user_hash)

    def update(self, key: str, payload: str) -> bool:
        """Replace the state under ``key`` (e.g. the page on display)."""
        with self._lock:
            row = self._pending.get(key)
            if row is not None:
                self._pending[key] = dataclasses.replace(row, payload=payload)
                return True
        # A stored row's change is queued too, for the next flush: a press (a page, a 👍)
        # must not wait for the write lock a long ingest holds. Reading it does not wait.
        try:
            with self._store.factory() as session:
                stored = residents_queries.button(session, key=key)
        except SQLAlchemyError as exc:
            raise write_failure("could not read the button's state", exc) from exc
        if stored is None:
            return False
        row = _PendingButton(
            stored.kind,
            stored.chat_hash,
            stored.user_hash,
            payload,
            stored.created_at,
            stored=True,
        )
        with self._lock:
            self._pending.setdefault(key, row)
        return True

    @property
    def pending(self) -> int:
        return len(self._pending)

    def flush(self) -> int:
        """Write the buttons kept since the last flush (one transaction); how many went.

        A failed write is logged and tried again at the next flush.
        """
        with self._flushing:
            with self._lock:
                batch = dict(self._pending)
            if not batch:
                return 0
            try:
                with self._store.factory.begin() as session:
                    for key, row in batch.items():
                        if row.stored:
                            residents_queries.set_button_payload(
                                session, key=key, payload=row.payload
                            )
                        else:
                            residents_queries.add_button(
                                session,
                                key=key,
                                kind=row.kind,
                                chat_hash=row.chat_hash,
                                user_hash=row.user_hash,
                                payload=row.payload,
                                created_at=row.created_at,
                            )
            except SQLAlchemyError:
                log.warning("writing %d buttons' state failed; trying again", len(batch), exc_info=True)
                return 0
            with self._lock:
                for key, row in batch.items():
                    current = self._pending.get(key)
                    if current is row:
                        del self._pending[key]
                    elif current is not None:  # changed meanwhile: its row exists now
                        self._pending[key] = dataclasses.replace(current, stored=True)
            return len(batch)

    def purge_buttons(self, *, now: datetime | None = None) -> int:
        """Delete button state older than the age limit; returns how many went."""
        older_than = (now or datetime.now(UTC)) - timedelta(days=self.BUTTONS_KEPT_DAYS)
        with self._store.factory.begin() as session:
            return residents_queries.purge_buttons(session, older_than=older_than)


@dataclass(frozen=True)
class _PendingButton:
    kind: str
    chat_hash: str
    user_hash: str
    payload: str
    created_at: datetime
    stored: bool = False  # its row is written; only the payload changed since


class Corpus:
    """An open corpus: the answer service, the staff's issues, the query log, residents."""

    def __init__(self, store: Store, answers: LinliService, secret: bytes) -> None:
        self.store = store
        self.answers = answers
        self.issues = Issues(store, answers)
        self.log = QueryLog(store, secret)
        self.follows = Follows(store, answers)
        self.residents = Residents(store, secret)
        self.synonyms = Synonyms(store, answers)
        self.web = WebAccess(store, self.log)

    def ask(
        self, question: str, *, previous_topic: str | None = None, street: str | None = None
    ) -> Answer:
        """A resident's question, in its conversation: a follow-up with no topic of its own
        is asked about ``previous_topic`` (:mod:`corpus.answer.followup`), and the
        resident's ``street`` ranks first."""
        return answer_in_context(self.answers, question, previous_topic, street=street)

    def close(self) -> None:
        """Write what the log and the buttons still hold and release the database."""
        self.residents.flush()
        self.log.flush()
        self.store.close()


def open(settings: Settings, *, demo: bool | None = None) -> Corpus:
    """Open the store ``settings`` names, seeding the demo corpus if that is the choice.

    Args:
        demo: override ``settings.seeds_demo`` (the terminal chat always wants it).

    Raises:
        StoreError: the database cannot be opened or written.
    """
    store = Store.open(settings.db_url)
    try:
        if (settings.seeds_demo if demo is None else demo) and seed_demo(store):
            # The demo issues are not news: nobody is told of them.
            outbox.skip_to_newest(store.factory)
        answers = service_from_settings(settings, store=store)
    except BaseException:
        store.close()
        raise
    return Corpus(store, answers, write.load_or_create_secret(settings.log_hmac_secret, settings.data_dir))


def upgrade_database(settings: Settings) -> SchemaUpgrade:
    """`linli db upgrade`: bring the schema of the configured database to the newest revision.

    Every open does this too; this does nothing else (no seeding, no index).

    Raises:
        StoreError: the database cannot be reached, a newer Linli upgraded it, or its
            tables are not Linli's.
    """
    engine = make_engine(settings.db_url)
    try:
        return init_db(engine)
    finally:
        engine.dispose()


def database_revision(settings: Settings) -> tuple[str | None, str]:
    """`linli db current`: the database's schema revision (None: none yet) and this code's.

    Reads only: no table is created or upgraded (SQLite still makes an empty file).

    Raises:
        StoreError: the database cannot be reached.
    """
    engine = make_engine(settings.db_url)
    try:
        return schema_revision(engine), migrate.HEAD
    finally:
        engine.dispose()

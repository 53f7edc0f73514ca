"""The door to the corpus: the one module the bot and the CLI import from ``corpus``.

``open(settings)`` gives a :class:`Corpus` with three rooms:

- ``corpus.answers``: answering residents (:class:`LinliService`), its index kept in
  step with the store by itself;
- ``corpus.issues``: what staff do with issues (upload, preview, store, remove, list),
  each change one transaction, re-indexed as soon as it is committed;
- ``corpus.log``: the pseudonymous query log and what admins read of it.

Callers never see sessions, SQLAlchemy or the index: every method here takes and
returns plain records. The types callers render or pass back are re-exported below,
so an adapter needs nothing but this module, ``corpus.settings`` and the answer types.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from corpus.answer.baseline import BaselineUnavailable, NaiveBaseline, fit_baseline_threshold
from corpus.answer.browse import ArticleView, article_view
from corpus.answer.evaluate import Report as EvalReport
from corpus.answer.evaluate import evaluate, evaluate_splits
from corpus.answer.gold import load_all, load_gold
from corpus.answer.reply import (
    EXAMPLES,
    answer_lines,
    format_issue_date,
    label,
    plain_text,
    source_line,
)
from corpus.answer.report import BELOW, evaluation_json, format_evaluation, format_table
from corpus.answer.service import LinliService, service_from_settings
from corpus.answer.types import PAGE_SIZE, Answer, Lang, Line, Piece, Quote, Source
from corpus.ingest import upload
from corpus.ingest.prepare import IngestError, IssueMeta, prepare_paths
from corpus.ingest.seed import seed_demo
from corpus.ingest.upload import CaptionError, Draft, Field, Preview
from corpus.ingest.write import IngestResult, remove_issue, store_issues
from corpus.querylog import export, questions, write
from corpus.querylog.charts import questions_per_day_png
from corpus.querylog.export import CsvExport, LogRow, write_csv
from corpus.querylog.periods import REPORT_TZ, Period, PeriodError, parse_period, parse_range
from corpus.querylog.questions import QuestionGroup, TopQuestion
from corpus.querylog.stats import LogStats, format_report, log_stats
from corpus.querylog.write import Delivery, LogBuffer, LogRecord, new_ref
from corpus.settings import Settings
from corpus.store import issues as store_issues_queries
from corpus.store import migrate
from corpus.store.engine import (
    Store,
    StoreError,
    init_db,
    make_engine,
    schema_revision,
    write_failure,
)
from corpus.store.migrate import SchemaUpgrade
from corpus.store.records import IssueInfo, PassageRecord
from retrieval.sentences import split_clauses, split_sentences

__all__ = [
    "BELOW",
    "EXAMPLES",
    "PAGE_SIZE",
    "REPORT_TZ",
    "Answer",
    "ArticleView",
    "BaselineUnavailable",
    "CaptionError",
    "Corpus",
    "CsvExport",
    "Delivery",
    "Draft",
    "EvalReport",
    "Field",
    "IngestError",
    "IngestResult",
    "IssueInfo",
    "IssueMeta",
    "Lang",
    "Line",
    "LinliService",
    "LogRow",
    "LogStats",
    "NaiveBaseline",
    "Period",
    "PeriodError",
    "Piece",
    "Preview",
    "QuestionGroup",
    "Quote",
    "SchemaUpgrade",
    "Source",
    "StoreError",
    "TopQuestion",
    "answer_lines",
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

    def latest(self, limit: int = 3) -> list[tuple[IssueInfo, list[str]]]:
        """The newest issues with their article titles (a resident's /latest)."""
        with _store_errors("could not read the latest issues"), self._store.factory() as session:
            return store_issues_queries.latest_issues(session, limit=limit)

    def article(self, article_id: int) -> ArticleView | None:
        """One whole article, as a resident opens it from a quote."""
        with _store_errors("could not read the article"), self._store.factory() as session:
            return article_view(session, article_id=article_id)

    def open_upload(self, data: bytes, filename: str, caption: str | None) -> Draft:
        """An uploaded file read into a draft (raises IngestError naming the file)."""
        with _store_errors("could not read the stored streets"), _naming(filename):
            return upload.open_upload(self._store.factory, data, filename, caption)

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

    def add_files(self, paths: Iterable[str | Path], meta: IssueMeta) -> list[IngestResult]:
        """``linli ingest``: read files or folders and store them, all or nothing.

        Raises:
            IngestError: a file that cannot be ingested (nothing was stored).
            StoreError: the database refused the write (nothing was stored).
        """
        prepared = prepare_paths(paths, meta)
        try:
            results = store_issues(self._store.factory, prepared)
        except SQLAlchemyError as exc:
            raise write_failure("could not store the issues", exc) from exc
        self._answers.refresh(force=True, if_loaded=True)
        return results

    def remove(self, issue_id: int) -> IssueInfo | None:
        """Remove an issue and everything in it; None if there was none."""
        try:
            removed = remove_issue(self._store.factory, issue_id)
        except SQLAlchemyError as exc:
            raise write_failure(f"could not remove issue #{issue_id}", exc) from exc
        if removed is not None:
            self._answers.refresh(force=True, if_loaded=True)
        return removed


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


class Corpus:
    """An open corpus: the answer service, the staff's issues and the query log."""

    def __init__(self, store: Store, answers: LinliService, secret: bytes) -> None:
        self.store = store
        self.answers = answers
        self.issues = Issues(store, answers)
        self.log = QueryLog(store, secret)

    def close(self) -> None:
        """Write what the log still holds and release the database."""
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
        if settings.seeds_demo if demo is None else demo:
            seed_demo(store)
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

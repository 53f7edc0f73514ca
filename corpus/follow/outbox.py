"""New issues in, one notification per issue and follower out, each sent at most once.

The database holds everything a restart needs: the newest issue already matched (in
``meta``, moved compare-and-set with the outbox rows it produced, in one transaction)
and the outbox itself. Any process may poll: a new issue stored by the bot, ``linli
ingest`` or another replica is found by its id, matched once (the cursor's
compare-and-set and the outbox's unique (issue, follower) pair stop a second process
from queueing it again), and each row is claimed by one sender with a conditional
update before it is sent.

At most once, never twice: a row is ``sending`` from its claim until Telegram answered.
A process killed in that window leaves it ``sending`` for good, since whether Telegram
delivered it cannot be known; the sender claims one row at a time, just before
sending, so that window is one request long.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from corpus.answer.service import LinliService
from corpus.follow.matching import match_issue
from corpus.store import follows as queries
from corpus.store.follows import Inactive, Outgoing

log = logging.getLogger(__name__)

# Finished outbox rows are kept this long (what was sent, for an operator), then purged.
OUTBOX_KEEP_DAYS = 30
# How long a new issue above a gap in the ids waits for the issue below it to commit.
GAP_PATIENCE = timedelta(seconds=30)
# A follower asked whether to keep its follows, and silent this long afterwards, is removed.
RETENTION_GRACE_DAYS = 30

Status = str  # "sent", "failed", "skipped", "pending" (released to try again)


class _Raced(Exception):
    """Another process matched the issue first."""


@dataclass(frozen=True)
class PollResult:
    issues: int  # new issues matched
    queued: int  # notifications queued


def poll(
    factory: sessionmaker[Session], service: LinliService, *, now: datetime | None = None
) -> PollResult:
    """Match every issue stored since the last one matched; queue their notifications."""
    issues = queued = 0
    while True:
        with factory() as session:
            cursor = queries.last_matched_issue(session)
            newest = queries.newest_issue(session)
            waiting = queries.issues_after(session, issue_id=cursor or 0)
        if cursor is None or cursor > newest:
            # No cursor (its row lost): start from now, announcing nothing old. Past the
            # newest: that issue was removed, and SQLite may give its id to the next one.
            with factory.begin() as session:
                queries.move_cursor(session, old=cursor, new=newest)
            continue
        if not waiting:
            return PollResult(issues, queued)
        issue_id, stored_at = waiting[0]
        if issue_id > cursor + 1 and (now or datetime.now(UTC)) - stored_at < GAP_PATIENCE:
            # A gap below it: an issue still being stored by another process (PostgreSQL
            # hands out ids before commit), or an id lost to a rollback. Passing it now
            # would pass that issue for good; a lost id is passed once this one is older.
            return PollResult(issues, queued)
        if not _indexed(service, issue_id):
            service.refresh(force=True)
            if not _indexed(service, issue_id):
                # Removed meanwhile, or the index is behind: the next poll sees.
                return PollResult(issues, queued)
        with factory() as session:
            topics = queries.topics(session)
            langs = queries.follower_langs(session)
        matches = match_issue(service, issue_id, topics, langs) if topics else []
        try:
            with factory.begin() as session:
                if not queries.move_cursor(session, old=cursor, new=issue_id):
                    raise _Raced
                queued += queries.enqueue(
                    session, issue_id=issue_id, matches=matches, now=now or datetime.now(UTC)
                )
        except (_Raced, IntegrityError):
            continue  # read the cursor again
        issues += 1
        if matches:
            log.info("issue #%d concerns %d followers", issue_id, len(matches))


def _indexed(service: LinliService, issue_id: int) -> bool:
    return any(ref.id == issue_id for ref in service.state.issues)


def issue_removed(factory: sessionmaker[Session]) -> None:
    """After an issue is removed: a cursor past the newest issue comes back to it.

    SQLite reuses the id of a removed newest row; without this, an issue stored right
    after removing the newest one (a wrong upload replaced) would look matched already.
    """
    with factory.begin() as session:
        cursor = queries.last_matched_issue(session)
        newest = queries.newest_issue(session)
        if cursor is not None and cursor > newest:
            queries.move_cursor(session, old=cursor, new=newest)


def skip_to_newest(factory: sessionmaker[Session]) -> None:
    """Count every stored issue as matched (the demo corpus just seeded is not news)."""
    with factory.begin() as session:
        cursor = queries.last_matched_issue(session)
        queries.move_cursor(session, old=cursor, new=queries.newest_issue(session))


def claim_next(factory: sessionmaker[Session]) -> Outgoing | None:
    """The next notification to send, now marked ``sending``; None if none is pending."""
    with factory.begin() as session:
        return queries.claim_next(session, now=datetime.now(UTC))


def finish(factory: sessionmaker[Session], notification_id: int, status: Status) -> None:
    with factory.begin() as session:
        queries.finish(session, notification_id=notification_id, status=status, now=datetime.now(UTC))


def drop_follower(factory: sessionmaker[Session], follower_id: int) -> None:
    """The chat blocked the bot or is gone: forget it, its follows and its outbox."""
    with factory.begin() as session:
        queries.remove_follower(session, follower_id=follower_id)


def counts(factory: sessionmaker[Session]) -> dict[str, int]:
    with factory() as session:
        return queries.outbox_counts(session)


def to_ask(
    factory: sessionmaker[Session], *, days: int, now: datetime | None = None
) -> list[Inactive]:
    """Followers inactive for ``days``, not asked yet; and remove those asked long ago.

    The caller asks each one returned and then calls :func:`asked`.
    """
    now = now or datetime.now(UTC)
    with factory.begin() as session:
        removed = queries.remove_unanswered(
            session, asked_before=now - timedelta(days=RETENTION_GRACE_DAYS)
        )
        queries.purge_outbox(session, before=now - timedelta(days=OUTBOX_KEEP_DAYS))
    if removed:
        log.info("removed %d followers who did not answer the retention question", removed)
    with factory() as session:
        return queries.inactive_unasked(session, before=now - timedelta(days=days))


def asked(factory: sessionmaker[Session], follower_id: int, *, now: datetime | None = None) -> None:
    with factory.begin() as session:
        queries.mark_asked(session, follower_id=follower_id, now=now or datetime.now(UTC))

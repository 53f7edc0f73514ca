"""The background job that tells followers about new issues, and the yearly retention question.

Every ``NOTIFY_INTERVAL`` seconds: match the issues any process stored since the last
poll (``corpus.follows.poll``, in a thread), then send what the outbox holds, one
notification at a time, each claimed in the store just before it is sent. Sends go
through the application's bot, so through PTB's AIORateLimiter like every reply; the
job paces itself below Telegram's overall limit first (``NOTIFY_PER_SECOND``), so that
residents' answers keep a share of it and a claimed row never waits in the limiter's
queue (a process killed there would leave it unsent: see corpus.follow.outbox).
"""

from __future__ import annotations

import asyncio
import logging

from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, ContextTypes

from bot.render.follow import notification_keyboard, notification_lines, retention_keyboard
from bot.render.html import to_messages, to_plain_messages
from bot.texts import t, user_lang
from corpus.api import RETENTION_GRACE_DAYS, Corpus, Outgoing

log = logging.getLogger(__name__)

# Seconds between polls of the store for new issues and pending notifications.
NOTIFY_INTERVAL = 3.0
NOTIFY_JOB = "notify-followers"
# Notifications sent per second at most: Telegram allows a bot about 30 messages a second
# in all, and answers to residents' questions need their share of them.
NOTIFY_PER_SECOND = 20
# bot_data keys.
PACE = "notify_pace"
RUNNING = "notify_running"
# The retention question: a day after start, then daily.
RETENTION_INTERVAL = 24 * 3600
RETENTION_FIRST = 24 * 3600
RETENTION_JOB = "follow-retention"


def schedule(application: Application) -> None:
    """The notification job and the daily retention sweep (needs PTB's job-queue extra)."""
    if application.job_queue is None:
        log.warning("no job queue: followers are not notified of new issues")
        return
    # One at a time, evenly spaced: a leaky bucket of NOTIFY_PER_SECOND would first let
    # that many out at once, and a second's window could then hold twice the rate.
    application.bot_data[PACE] = AsyncLimiter(1, 1 / NOTIFY_PER_SECOND)
    application.bot_data[RUNNING] = asyncio.Lock()
    application.job_queue.run_repeating(
        notify_job,
        interval=NOTIFY_INTERVAL,
        first=NOTIFY_INTERVAL,
        name=NOTIFY_JOB,
        # A run sending a long outbox outlasts the interval: the next run then returns
        # at once (the lock), instead of the scheduler warning that it skipped one.
        job_kwargs={"max_instances": 2},
    )
    application.job_queue.run_repeating(
        retention_job, interval=RETENTION_INTERVAL, first=RETENTION_FIRST, name=RETENTION_JOB
    )


async def notify_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    lock: asyncio.Lock = context.bot_data[RUNNING]
    if lock.locked():
        return
    async with lock:
        await notify(context.application)


async def notify(application: Application) -> int:
    """Poll for new issues, then send every pending notification; returns how many were sent."""
    corpus: Corpus = application.bot_data["corpus"]
    await asyncio.to_thread(corpus.follows.poll)
    pace: AsyncLimiter = application.bot_data[PACE]
    sent = 0
    while True:
        await pace.acquire()
        note = await asyncio.to_thread(corpus.follows.claim_next)
        if note is None:
            return sent
        status = await deliver(application, corpus, note)
        if status == "pending":
            return sent  # Telegram unreachable: the rest waits for the next run
        sent += status == "sent"


async def deliver(application: Application, corpus: Corpus, note: Outgoing) -> str:
    """Send one claimed notification and record what became of it; returns that status."""
    follows = corpus.follows
    if not note.notifications:
        await asyncio.to_thread(follows.finish, note.id, "skipped")
        return "skipped"
    lang = user_lang(note.lang)
    lines = notification_lines(note, lang)
    markup = notification_keyboard(note, lang)
    try:
        try:
            await application.bot.send_message(note.chat_id, to_messages(lines)[0], reply_markup=markup)
        except BadRequest as error:
            if "parse" not in error.message.lower() and "entit" not in error.message.lower():
                raise
            await application.bot.send_message(
                note.chat_id, to_plain_messages(lines)[0], parse_mode=None, reply_markup=markup
            )
    except Forbidden:
        # Blocked by the resident, or removed from the group: forget the chat for good.
        log.info("follower %d blocked the bot or left; removing its follows", note.follower_id)
        await asyncio.to_thread(follows.drop_follower, note.follower_id)
        return "dropped"
    except BadRequest as error:
        if "chat not found" in error.message.lower():
            await asyncio.to_thread(follows.drop_follower, note.follower_id)
            return "dropped"
        log.warning("Telegram refused notification %d: %s", note.id, error.message)
        await asyncio.to_thread(follows.finish, note.id, "failed")
        return "failed"
    except TimedOut:
        # It may have arrived: never sent again (at most once), left "sending".
        log.warning("notification %d timed out; not sending it again", note.id)
        return "sending"
    except (RetryAfter, NetworkError):
        # Refused before delivery (flood limit past the limiter's retries, a 5xx, no
        # connection): released, to be sent by a later run.
        log.warning("notification %d not sent now; trying again later", note.id, exc_info=True)
        await asyncio.to_thread(follows.finish, note.id, "pending")
        return "pending"
    except TelegramError as error:
        log.warning("notification %d failed: %s", note.id, error)
        await asyncio.to_thread(follows.finish, note.id, "failed")
        return "failed"
    await asyncio.to_thread(follows.finish, note.id, "sent")
    return "sent"


async def retention_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await ask_inactive(context.application)


async def ask_inactive(application: Application) -> int:
    """Ask followers inactive for FOLLOW_RETENTION_DAYS, once, whether to keep their follows.

    Those asked RETENTION_GRACE_DAYS ago without answer are removed by the same call.
    """
    corpus: Corpus = application.bot_data["corpus"]
    days = application.bot_data["settings"].follow_retention_days
    pace: AsyncLimiter = application.bot_data[PACE]
    asked = 0
    for follower in await asyncio.to_thread(corpus.follows.to_ask, days=days):
        await pace.acquire()
        lang = user_lang(follower.lang)
        count = len(await asyncio.to_thread(corpus.follows.following, follower.chat_id))
        try:
            await application.bot.send_message(
                follower.chat_id,
                t(lang, "retention_ask", count=count, days=days, grace=RETENTION_GRACE_DAYS),
                reply_markup=retention_keyboard(lang),
            )
        except Forbidden:
            await asyncio.to_thread(corpus.follows.drop_follower, follower.follower_id)
            continue
        except TelegramError:
            log.warning("could not ask follower %d about its follows", follower.follower_id, exc_info=True)
            continue
        await asyncio.to_thread(corpus.follows.asked, follower.follower_id)
        asked += 1
    return asked

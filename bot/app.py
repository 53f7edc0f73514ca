"""The composition root: builds the PTB Application and runs it (polling or webhook)."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChosenInlineResultHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot import (
    admin,
    articles,
    buttons,
    callbacks,
    follow,
    inline,
    notify,
    preferences,
    residents,
    staff,
    upload,
)
from bot.ordering import OrderedUpdateProcessor
from bot.redact import RedactToken, WithholdDetails, format_exception, redact
from bot.state import RateLimiter, SavedButtons, Topics
from bot.texts import ADMIN_COMMANDS, COMMANDS, STAFF_COMMANDS
from bot.transport import AiohttpRequest
from bot.web.errors import ConsoleError
from corpus import api
from corpus.api import Corpus, StoreError
from corpus.settings import Settings

log = logging.getLogger(__name__)

# Threads answering residents' questions (see build_application).
ANSWER_THREADS = 2
# Seconds between writes of the queued query log entries.
LOG_FLUSH_INTERVAL = 1.0
FLUSH_JOB = "flush-query-log"
# Connections kept open to the Bot API for the bot's calls (PTB's builder default).
REQUEST_POOL_SIZE = 256
# Inline queries allowed per question of the rate limit (one comes per pause in typing).
INLINE_QUERIES_PER_QUESTION = 5
# Chats (per resident) whose last topic is kept for follow-up questions.
TOPICS_KEPT = 5000
# Seconds between purges of button state past the store's age limit.
BUTTON_PURGE_INTERVAL = 24 * 3600
BUTTON_PURGE_JOB = "purge-button-state"
# Updates processed at once (see build_application).
UPDATES_IN_FLIGHT = 8
TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
# bot_data key: the error that ended polling, for serve() to report after the loop stops.
FATAL = "fatal_polling_error"
WATCHER = "polling_watcher"
WEB_RUNNER = "web_console"
# bot_data key: the bot's HTTP clients, closed by serve() if start-up fails.
REQUESTS = "requests"
# PTB names the task of Updater.start_polling so (telegram/ext/_updater.py, PTB 22).
POLLING_TASK = "Updater:start_polling:polling_task"

NON_TEXT = (
    filters.Sticker.ALL
    | filters.PHOTO
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.LOCATION
    | filters.VENUE
    | filters.CONTACT
    | filters.POLL
    | filters.Dice.ALL
    | filters.Document.ALL
)


class StartupFailure(logging.Filter):
    """Leaves a failed start-up to serve()'s one line, except at DEBUG.

    When the Bot API cannot be reached or refuses the token at start (a mistyped
    TELEGRAM_API_BASE_URL, no network), PTB logs the failure with its whole traceback
    at ERROR, just before serve() says in one line what is wrong and what to check.
    LOG_LEVEL=DEBUG keeps PTB's record, traceback and all, for whoever digs deeper.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("telegram.ext") or record.levelno < logging.ERROR:
            return True
        if logging.getLogger().getEffectiveLevel() <= logging.DEBUG:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        return "(Bootstrap " not in message


def quiet_logs(token: str | None) -> None:
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # Withheld first: the token filter then formats what is left (see RedactToken).
    filters_ = [WithholdDetails(), StartupFailure()] + ([RedactToken(token)] if token else [])
    for handler in logging.getLogger().handlers:
        for log_filter in filters_:
            handler.addFilter(log_filter)


async def post_init(application: Application) -> None:
    """Runs once the bot is initialised: the command menu, and the index loaded."""
    corpus: Corpus = application.bot_data["corpus"]
    try:
        await application.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS["zh"]])
        await application.bot.set_my_commands(
            [BotCommand(c, d) for c, d in COMMANDS["en"]], language_code="en"
        )
    except TelegramError:
        log.warning("could not set the command menu", exc_info=True)
    await set_role_menus(application)
    if not application.bot_data["settings"].webhook_url:
        watch_polling(application)  # run_polling starts polling after post_init
    await asyncio.to_thread(corpus.answers.load)
    # Issues stored while no bot ran (or, in a new store, before anyone could follow
    # anything) are matched now, before any resident's update is handled.
    try:
        await asyncio.to_thread(corpus.follows.poll)
    except Exception:  # the notification job tries again; answering must not wait for it
        log.exception("matching new issues against the follows failed")
    settings: Settings = application.bot_data["settings"]
    if settings.web_port is not None:
        # The console in the bot's own event loop: one process, one corpus, one index.
        from bot.web import server

        application.bot_data[WEB_RUNNER] = await server.start(settings, corpus)
    # The English dictionary takes seconds to load: do it now, not on a resident's question.
    application.create_task(load_dictionary(corpus))


def watch_polling(application: Application) -> None:
    """Stop the whole application when polling dies, instead of living on deaf.

    PTB's polling loop gives up on InvalidToken (a 401 from getUpdates: "Invalid token.
    Aborting retry loop") and re-raises it in its task; nothing awaits that task while
    the application runs, so the process went on answering nobody. PTB has no public hook
    for this (``error_callback`` sees only the errors it retries), and a 401 ends the task
    within milliseconds, before any poll of the running tasks could find it: so every task
    made on this loop from now on is watched as it ends, and the one PTB names its
    polling task stops the application if it failed.
    """
    loop = asyncio.get_running_loop()
    previous = loop.get_task_factory()

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Future[Any]:
        if previous is not None:
            task = previous(loop, coro, **kwargs)
        else:
            task = asyncio.Task(coro, loop=loop, **kwargs)
        task.add_done_callback(functools.partial(_task_ended, application))
        return task

    loop.set_task_factory(factory)


def _task_ended(application: Application, task: asyncio.Future[Any]) -> None:
    # The name is set after the factory returns, so it is read here, once the task is done.
    if not isinstance(task, asyncio.Task) or task.get_name() != POLLING_TASK:
        return
    if task.cancelled() or task.exception() is None or FATAL in application.bot_data:
        return  # stopped on purpose (shutdown)
    application.bot_data[FATAL] = task.exception()
    # Kept in bot_data: the loop holds its tasks only weakly.
    application.bot_data[WATCHER] = asyncio.get_running_loop().create_task(
        _stop_when_running(application)
    )


async def _stop_when_running(application: Application) -> None:
    # A 401 can come before run_polling has started the application, and stop_running()
    # stops only a running one.
    while not application.running:
        await asyncio.sleep(0.05)
    application.stop_running()


async def load_dictionary(corpus: Corpus) -> None:
    await asyncio.to_thread(corpus.answers.load_dictionary)
    settle_heap()


def settle_heap() -> None:
    """Exempt everything alive now from the garbage collector's full passes.

    The index (an object per passage) and the English dictionary are hundreds of
    thousands of objects that live as long as the process; every full collection
    walked all of them, holding the GIL and so the event loop for ~250 ms with the
    bundled corpus alone, longer with a city's archive (2,000 questions at once,
    ``python -m benchmarks.load --gc freeze,off``: the longest collection, a full one,
    took 194-494 ms unfrozen; frozen, no collection took over 33 ms; see
    benchmarks/README.md). Frozen
    objects are still freed by reference counting when an index is replaced (an index
    holds no reference cycles: tested). Cyclic garbage alive at this moment stays for
    good: at most 70 objects after building a 100k-passage index (measured). Collecting
    it first would stop everything for 30-120 ms, which is what this is meant to avoid.
    """
    gc.freeze()


async def post_shutdown(application: Application) -> None:
    runner = application.bot_data.pop(WEB_RUNNER, None)
    if runner is not None:
        from bot.web import server

        await server.stop(runner)
    application.bot_data["answer_pool"].shutdown(wait=False, cancel_futures=True)
    application.bot_data[upload.OCR_EXECUTOR].shutdown(wait=False, cancel_futures=True)
    await flush_log(application)


async def flush_log(application: Application) -> None:
    """Write the queued buttons' state, then the queued query log entries (one
    transaction each): an answer logged has its buttons stored."""
    corpus: Corpus = application.bot_data["corpus"]
    if corpus.residents.pending:
        await asyncio.to_thread(corpus.residents.flush)
    if corpus.log.pending:
        await asyncio.to_thread(corpus.log.flush)


async def flush_log_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await flush_log(context.application)


async def purge_buttons_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Delete button state older than the store's age limit (daily)."""
    corpus: Corpus = context.bot_data["corpus"]
    try:
        deleted = await asyncio.to_thread(corpus.residents.purge_buttons)
    except Exception:  # tried again tomorrow; the bot keeps answering
        log.exception("purging old button state failed")
        return
    log.info("button state purge: deleted %d rows", deleted)


async def ignore_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited message (a command or a question) gets no second answer, and no reply.

    PTB's CommandHandler and MessageHandler take edited messages too; answering an edit
    again repeats the whole reply under the first one, and a note for every edit (a typo
    fixed in a group) would be noise. The resident who wants a new answer sends the
    question again.
    """
    raise ApplicationHandlerStop


async def set_role_menus(application: Application) -> None:
    """Staff and admins see their commands in their own chats' menus.

    Only a hint: every staff and admin handler checks the role itself. A chat Telegram
    does not know yet (the person never opened the bot) is skipped with a log line.
    """
    settings: Settings = application.bot_data["settings"]
    for user_id in sorted(settings.staff_ids):
        for lang in ("zh", "en"):
            commands = COMMANDS[lang] + STAFF_COMMANDS[lang]
            if user_id in settings.admin_ids:
                commands = commands + ADMIN_COMMANDS[lang]
            try:
                await application.bot.set_my_commands(
                    [BotCommand(c, d) for c, d in commands],
                    scope=BotCommandScopeChat(user_id),
                    language_code="en" if lang == "en" else None,
                )
            except TelegramError as error:
                log.info("no role menu for user %s: %s", user_id, error.message)


def register_handlers(application: Application) -> None:
    """The whole handler table, in the order PTB tries it (the first match in a group wins).

    Role-specific handlers (staff, admins) come before the residents' catch-alls, so a
    staff member's document or command never falls through to "I only read text"; every
    role handler checks the role itself (the command menus are only hints).
    """
    add = application.add_handler
    # Edits first, in a group of their own: no handler below sees them.
    add(MessageHandler(filters.UpdateType.EDITED, ignore_edit), group=-1)
    # Residents' commands and buttons.
    add(CommandHandler("start", articles.start))
    add(CommandHandler("help", residents.help_command))
    add(CommandHandler("latest", articles.latest))
    add(CommandHandler("privacy", residents.privacy))
    add(CommandHandler("settings", preferences.settings_command))
    add(CommandHandler("ask", residents.ask_command))
    add(CallbackQueryHandler(buttons.callback, pattern=callbacks.RESIDENT_PATTERN))
    # Following topics (a group's follows are the group's: see bot.follow).
    add(CommandHandler("follow", follow.follow_command))
    add(CommandHandler("following", follow.following_command))
    add(CommandHandler("unfollow", follow.unfollow_command))
    add(CommandHandler("notifications", follow.notifications_command))
    add(CallbackQueryHandler(follow.on_button, pattern=callbacks.FOLLOW_PATTERN))
    add(CallbackQueryHandler(articles.on_button, pattern=callbacks.OPEN_PATTERN))
    add(CallbackQueryHandler(preferences.on_button, pattern=callbacks.SETTINGS_PATTERN))
    # Inline mode (switched on with @BotFather: /setinline, /setinlinefeedback).
    add(InlineQueryHandler(inline.on_query))
    add(ChosenInlineResultHandler(inline.on_chosen))
    # Admins: the query log; others are refused politely.
    add(CommandHandler("stats", admin.stats_command))
    add(CommandHandler("unanswered", admin.unanswered_command))
    add(CommandHandler("top", admin.top_command))
    add(CommandHandler("export", admin.export_command))
    # Staff: the upload conversation (documents, /add), /remove, /issues, the preview's
    # buttons, and /cancel outside a conversation.
    add(upload.conversation())
    add(CommandHandler("remove", staff.remove_command))
    add(CommandHandler("issues", staff.issues_command))
    add(CommandHandler("web", staff.web_command))
    add(CommandHandler("cancel", upload.on_idle_cancel))
    add(CallbackQueryHandler(staff.on_button, pattern=callbacks.STAFF_PATTERN))
    # Catch-alls for residents: questions, unknown commands, other message kinds, and
    # buttons nobody above recognised (e.g. from before a restart).
    text = filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED
    add(MessageHandler(text & filters.ChatType.PRIVATE, residents.private_text))
    add(MessageHandler(text & filters.ChatType.GROUPS, residents.group_text))
    add(MessageHandler(filters.COMMAND, residents.unknown_command))
    add(MessageHandler(NON_TEXT & ~filters.UpdateType.EDITED, residents.non_text))
    add(CallbackQueryHandler(buttons.expired_callback))
    application.add_error_handler(residents.on_error)


def build_application(settings: Settings, corpus: Corpus) -> Application:
    """Build the bot: one Application, the corpus in bot_data, HTML by default."""
    requests = (AiohttpRequest(REQUEST_POOL_SIZE), AiohttpRequest(1))
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token or "")
        # A reply to a message deleted meanwhile is sent without the reply, not refused.
        .defaults(Defaults(parse_mode=ParseMode.HTML, allow_sending_without_reply=True))
        # aiohttp, not PTB's default httpx: about a third less CPU and a 30% lower p95 under a
        # burst of questions, measured A/B (bot.transport, benchmarks/README.md).
        .request(requests[0])
        .get_updates_request(requests[1])
        # Waits out Telegram's RetryAfter and keeps within its flood limits.
        .rate_limiter(AIORateLimiter(max_retries=3))
        # One slow question must not hold up everyone else's; but more updates in
        # flight than this only queue up on the event loop (measured with 200 questions
        # at once: 64 kept it busy for 350 ms at a stretch, 8 for under 20 ms, with
        # the same throughput; 8 x two Telegram round trips still beats the 30 msg/s cap).
        # One chat and user's updates in order, so conversations (staff uploads) hold.
        .concurrent_updates(OrderedUpdateProcessor(UPDATES_IN_FLIGHT))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if settings.telegram_api_base_url:
        builder = builder.base_url(settings.telegram_api_base_url)
    if settings.telegram_api_file_url:
        builder = builder.base_file_url(settings.telegram_api_file_url)
    application = builder.build()
    application.bot_data["corpus"] = corpus
    application.bot_data["settings"] = settings
    application.bot_data[REQUESTS] = requests
    if settle_heap not in corpus.answers.after_rebuild:
        corpus.answers.after_rebuild.append(settle_heap)
    # What answers' buttons refer to, in the store: they work after a restart too.
    application.bot_data[residents.BUTTONS] = SavedButtons(corpus.residents)
    application.bot_data[residents.TOPICS] = Topics(capacity=TOPICS_KEPT)
    application.bot_data["limiter"] = RateLimiter(settings.rate_limit_per_minute)
    # Inline queries come as the resident types: several per question asked.
    application.bot_data[inline.LIMITER] = RateLimiter(
        settings.rate_limit_per_minute * INLINE_QUERIES_PER_QUESTION
    )
    application.bot_data[staff.PENDING] = staff.pending_store()
    # Answers are Python code under one GIL: more threads add no speed, they only take
    # turns with the event loop (measured under load: 6 held it up for over a second).
    # Their own pool, so a staff upload or an admin export in asyncio's default pool
    # never makes residents wait.
    application.bot_data["answer_pool"] = ThreadPoolExecutor(
        ANSWER_THREADS, thread_name_prefix="linli-answer"
    )
    # OCR (seconds a page) in a thread of its own: one job at a time, never in the pools
    # that answer residents or serve the other staff commands.
    application.bot_data[upload.OCR_EXECUTOR] = upload.ocr_executor()
    register_handlers(application)
    admin.schedule_purge(application)
    notify.schedule(application)
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            flush_log_job, interval=LOG_FLUSH_INTERVAL, first=0, name=FLUSH_JOB
        )
        application.job_queue.run_repeating(
            purge_buttons_job,
            interval=BUTTON_PURGE_INTERVAL,
            first=admin.PURGE_FIRST,
            name=BUTTON_PURGE_JOB,
        )
    return application


def say(message: str, token: str | None) -> None:
    """One line for the operator on stderr, never with the token in it."""
    print(redact(message, token), file=sys.stderr)


def serve(settings: Settings) -> int:
    """`linli serve`: run the bot until interrupted; a clear message instead of a traceback."""
    token = settings.telegram_bot_token or ""
    quiet_logs(token)
    if not settings.has_token or not TOKEN_RE.match(token):
        say(
            "TELEGRAM_BOT_TOKEN is missing or is not a real token (it looks like "
            "123456789:AA…). Get one from @BotFather and put it in .env; see README.",
            None,
        )
        return 2
    try:
        corpus = api.open(settings)
    except StoreError as exc:
        say(f"linli serve: {exc}", token)
        return 1
    try:
        return _run(settings, corpus, token)
    except Exception as exc:
        # Whatever else escapes would reach sys.excepthook's traceback, which knows no
        # token: print that traceback here, redacted.
        say(format_exception(exc, token).rstrip("\n"), token)
        return 1
    finally:
        corpus.close()


def _run(settings: Settings, corpus: Corpus, token: str) -> int:
    application = build_application(settings, corpus)
    # run_polling/run_webhook drive the current event loop: give them a fresh one, so
    # serve() also works after an earlier run in the same process; closed here.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return _run_application(settings, application, token)
    finally:
        try:
            # PTB shuts down only a bot that started: after a failed start-up the HTTP
            # clients are still open, and asyncio would complain of them at exit.
            for request in application.bot_data.get(REQUESTS, ()):
                loop.run_until_complete(request.shutdown())
        finally:
            loop.close()


def _run_application(settings: Settings, application: Application, token: str) -> int:
    try:
        if settings.webhook_url:
            if not settings.webhook_secret:
                say(
                    "WEBHOOK_URL is set but WEBHOOK_SECRET is not: set a long random secret so "
                    "only Telegram can call the webhook.",
                    token,
                )
                return 2
            url_path = settings.webhook_url.split("://", 1)[-1].partition("/")[2]
            log.info("webhook mode on %s:%d", settings.webhook_listen, settings.webhook_port)
            application.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=url_path,
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=False,
                close_loop=False,
            )
        else:
            log.info("long polling for updates")
            return _poll(application, token)
    except InvalidToken:
        say("Telegram refused the bot token (TELEGRAM_BOT_TOKEN). Check it with @BotFather.", token)
        return 2
    except ConsoleError as exc:
        say(f"linli serve: {exc}", token)
        return 1
    except NetworkError as exc:
        say(
            f"Cannot reach the Telegram Bot API ({exc.message}). Check the network, or "
            "TELEGRAM_API_BASE_URL if you use a local Bot API server.",
            token,
        )
        return 1
    return 0


def _poll(application: Application, token: str) -> int:
    """Long polling until interrupted, or until polling dies (see watch_polling)."""
    loop = asyncio.get_event_loop()
    try:
        application.run_polling(allowed_updates=Update.ALL_TYPES, close_loop=False)
    except TelegramError:
        if FATAL not in application.bot_data:
            raise
        # run_polling's clean-up re-raised the polling error (Updater.stop awaits the
        # failed task) before stopping the application: finish it, flushing the query log.
        loop.run_until_complete(_wind_down(application))
    fatal = application.bot_data.get(FATAL)
    if isinstance(fatal, InvalidToken):
        say(
            "Telegram refused the bot token (TELEGRAM_BOT_TOKEN) while polling for updates; "
            "exiting. Check it with @BotFather.",
            token,
        )
        return 2
    if fatal is not None:
        say(f"Polling for updates stopped ({type(fatal).__name__}: {fatal}); exiting.", token)
        return 1
    return 0


async def _wind_down(application: Application) -> None:
    if application.running:
        await application.stop()
    await application.shutdown()
    await post_shutdown(application)

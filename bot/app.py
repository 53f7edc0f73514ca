"""The composition root: builds the PTB Application and runs it (polling or webhook)."""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import sys
from concurrent.futures import ThreadPoolExecutor

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from bot import admin, handlers, staff
from bot.state import AnswerCache, RateLimiter
from bot.texts import ADMIN_COMMANDS, COMMANDS, STAFF_COMMANDS
from bot.transport import AiohttpRequest
from corpus.db import StoreError
from corpus.service import LinliService, service_from_settings
from corpus.settings import Settings
from retrieval.cedict import load_cedict

log = logging.getLogger(__name__)

# Threads answering residents' questions (see build_application).
ANSWER_THREADS = 2
# Seconds between writes of the queued query log entries.
LOG_FLUSH_INTERVAL = 1.0
FLUSH_JOB = "flush-query-log"
# Connections kept open to the Bot API for the bot's calls (PTB's builder default).
REQUEST_POOL_SIZE = 256
# Updates processed at once (see build_application).
UPDATES_IN_FLIGHT = 8
TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")

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


class RedactToken(logging.Filter):
    """Removes the bot token from every log line, whoever logs it."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token:
            message = record.getMessage()
            if self.token in message:
                record.msg = message.replace(self.token, "<token>")
                record.args = None
        return True


def quiet_logs(token: str | None) -> None:
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    if token:
        redact = RedactToken(token)
        for handler in logging.getLogger().handlers:
            handler.addFilter(redact)


async def post_init(application: Application) -> None:
    """Runs once the bot is initialised: the command menu, and the index loaded."""
    service: LinliService = application.bot_data["service"]
    try:
        await application.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS["zh"]])
        await application.bot.set_my_commands(
            [BotCommand(c, d) for c, d in COMMANDS["en"]], language_code="en"
        )
    except TelegramError:
        log.warning("could not set the command menu", exc_info=True)
    await set_role_menus(application)
    await asyncio.to_thread(service.refresh, force=True)
    # The English dictionary takes seconds to load: do it now, not on a resident's question.
    application.create_task(load_dictionary())


async def load_dictionary() -> None:
    await asyncio.to_thread(load_cedict)
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
    application.bot_data["answer_pool"].shutdown(wait=False, cancel_futures=True)
    await flush_log(application)


async def flush_log(application: Application) -> None:
    """Write the queued query log entries (one transaction for all of them)."""
    service: LinliService = application.bot_data["service"]
    if len(service.log_buffer):
        await asyncio.to_thread(service.flush_log)


async def flush_log_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await flush_log(context.application)


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
    """All handlers, in the order PTB tries them (the first match in a group wins).

    Role-specific handlers (staff, admins) come before the residents' catch-alls, so a
    staff member's document or command never falls through to "I only read text".
    """
    application.add_handler(CommandHandler("start", handlers.start))
    application.add_handler(CommandHandler("help", handlers.help_command))
    application.add_handler(CommandHandler("latest", handlers.latest))
    application.add_handler(CommandHandler("privacy", handlers.privacy))
    application.add_handler(CommandHandler("ask", handlers.ask_command))
    application.add_handler(CallbackQueryHandler(handlers.callback, pattern=r"^[xpaf]:"))
    # Admins: the query log (/stats, /unanswered, /top, /export); others are refused politely.
    admin.register(application)
    # Staff: documents, /add, /remove, /issues and the preview's buttons (s:…).
    staff.register(application)
    # Catch-alls for residents: questions, unknown commands, other message kinds, and
    # buttons nobody above recognised (e.g. from before a restart).
    text = filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED
    application.add_handler(MessageHandler(text & filters.ChatType.PRIVATE, handlers.private_text))
    application.add_handler(MessageHandler(text & filters.ChatType.GROUPS, handlers.group_text))
    application.add_handler(MessageHandler(filters.COMMAND, handlers.unknown_command))
    application.add_handler(
        MessageHandler(NON_TEXT & ~filters.UpdateType.EDITED, handlers.non_text)
    )
    application.add_handler(CallbackQueryHandler(handlers.expired_callback))
    application.add_error_handler(handlers.on_error)


def build_application(settings: Settings, service: LinliService) -> Application:
    """Build the bot: one Application, the service in bot_data, HTML by default."""
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token or "")
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        # aiohttp, not PTB's default httpx: about a third less CPU and a 30% lower p95 under a
        # burst of questions, measured A/B (bot.transport, benchmarks/README.md).
        .request(AiohttpRequest(REQUEST_POOL_SIZE))
        .get_updates_request(AiohttpRequest(1))
        # Waits out Telegram's RetryAfter and keeps within its flood limits.
        .rate_limiter(AIORateLimiter(max_retries=3))
        # One slow question must not hold up everyone else's; but more updates in
        # flight than this only queue up on the event loop (measured with 200 questions
        # at once: 64 kept it busy for 350 ms at a stretch, 8 for under 20 ms, with
        # the same throughput; 8 x two Telegram round trips still beats the 30 msg/s cap).
        .concurrent_updates(UPDATES_IN_FLIGHT)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if settings.telegram_api_base_url:
        builder = builder.base_url(settings.telegram_api_base_url)
    if settings.telegram_api_file_url:
        builder = builder.base_file_url(settings.telegram_api_file_url)
    application = builder.build()
    application.bot_data["service"] = service
    application.bot_data["settings"] = settings
    if settle_heap not in service.after_rebuild:
        service.after_rebuild.append(settle_heap)
    application.bot_data["cache"] = AnswerCache()
    application.bot_data["limiter"] = RateLimiter(settings.rate_limit_per_minute)
    # Answers are Python code under one GIL: more threads add no speed, they only take
    # turns with the event loop (measured under load: 6 held it up for over a second).
    # Their own pool, so a staff upload or an admin export in asyncio's default pool
    # never makes residents wait.
    application.bot_data["answer_pool"] = ThreadPoolExecutor(
        ANSWER_THREADS, thread_name_prefix="linli-answer"
    )
    register_handlers(application)
    admin.schedule_purge(application)
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            flush_log_job, interval=LOG_FLUSH_INTERVAL, first=0, name=FLUSH_JOB
        )
    return application


def serve(settings: Settings) -> int:
    """`linli serve`: run the bot until interrupted; a clear message instead of a traceback."""
    token = settings.telegram_bot_token or ""
    quiet_logs(token)
    if not settings.has_token or not TOKEN_RE.match(token):
        print(
            "TELEGRAM_BOT_TOKEN is missing or is not a real token (it looks like "
            "123456789:AA…). Get one from @BotFather and put it in .env; see README.",
            file=sys.stderr,
        )
        return 2
    try:
        service = service_from_settings(settings)
    except StoreError as exc:
        print(f"linli serve: {exc}", file=sys.stderr)
        return 1
    application = build_application(settings, service)
    # run_polling/run_webhook drive (and finally close) the current event loop: give them
    # a fresh one, so serve() also works after an earlier run in the same process.
    asyncio.set_event_loop(asyncio.new_event_loop())
    try:
        if settings.webhook_url:
            if not settings.webhook_secret:
                print(
                    "WEBHOOK_URL is set but WEBHOOK_SECRET is not: set a long random secret so "
                    "only Telegram can call the webhook.",
                    file=sys.stderr,
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
            )
        else:
            log.info("long polling for updates")
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        print(
            "Telegram refused the bot token (TELEGRAM_BOT_TOKEN). Check it with @BotFather.",
            file=sys.stderr,
        )
        return 2
    except NetworkError as exc:
        print(
            f"Cannot reach the Telegram Bot API ({exc.message}). Check the network, or "
            "TELEGRAM_API_BASE_URL if you use a local Bot API server.",
            file=sys.stderr,
        )
        return 1
    finally:
        service.store.close()
    return 0

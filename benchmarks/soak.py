"""Soak: the real bot for ``--minutes`` (default 30) of mixed traffic and Bot API faults.

``python -m benchmarks.soak [--minutes 30]`` (or ``make soak MINUTES=30``) runs the
production Application (``bot.app.build_application``: its handlers, AIORateLimiter,
transport, answer threads, query log) on a new SQLite store holding the bundled corpus,
against the fake Telegram Bot API (``tests/support/fake_bot_api.py``) in a process of its
own, which also plays everyone who talks to the bot:

* **residents** ask ``--rate`` questions a second: the gold set's questions, plus bad
  input (emoji, HTML and Markdown characters, SQL-looking text, a long paste, English),
  each from a user drawn from ``--users`` (default a million: nearly every question
  comes from someone new, so the per-user rate limiter meets tens of thousands of
  residents); about one answer in ten gets a button press (another page, the whole
  article, 👍/👎);
* **staff** upload a small generated issue every ``--staff-every`` seconds (a .txt with a
  caption, the preview, 确认), and once, a third of the way in, an issue of
  ``--big-passages`` (default 44,000) passages, whose parsing, storing and indexing run
  while the questions keep coming;
* **an admin** sends /stats, /top, /unanswered or /export every ``--admin-every`` seconds;
* **Telegram misbehaves**: every call of the bot's main methods meets, at random, a 429
  with ``retry_after`` (``--p429``), a 502 (``--p5xx``) or a response held back
  ``--slow-seconds`` (``--pslow``); every two minutes one answer meets two 502s in a row,
  which the bot's one retry cannot get past (an undelivered answer, to be logged so).

It prints, at the end:

* questions sent / answered / logged as undelivered / **lost** (asked, but neither
  answered nor in the query log: must be 0), and any answer logged as sent that never
  arrived (must be 0);
* answer waits (from the moment a question is queued to its reply's arrival at the
  fake): p50 / p95 / max of the questions whose reply met no injected fault, apart for
  those asked while an index rebuild was running, and the longest wait during rebuilds;
* the staff uploads (stored whole: each stored issue has the passages its preview
  promised) and the admin readings;
* memory at start and end: the process's RSS, the rate limiter's users, the button
  stores, the objects the garbage collector tracks (and tracemalloc's figure with
  ``--tracemalloc``, which slows everything down), sampled every minute.

Not a unit test: it takes as long as it is told to and prints figures, never asserts.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import random
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

STAFF_ID = 50_005
ADMIN_ID = 70_007
#: Methods whose calls meet random faults (getUpdates too: polling must survive them).
FAULTY = ("sendMessage", "editMessageText", "answerCallbackQuery", "sendDocument", "sendPhoto")
BAD_INPUT = (
    "😀😀😀",
    "<b>加装电梯</b> & <script>alert(1)</script>",
    "*楼道* _堆物_ [链接](http://x) `code`",
    "'; DROP TABLE passages; --",
    "SELECT * FROM query_log WHERE 1=1",
    "加装电梯" * 1500,
    "When was the stairwell clean-up in Shiji Tongle?",
    "\u200b\u200b  \u3000",
)
ADMIN_COMMANDS = ("/stats", "/top", "/unanswered", "/export", "/stats all")
UNDELIVERED_EVERY = 120.0


# -- the text of generated issues --------------------------------------------------------


def issue_text(paragraphs: int, first: int, seed: int = 7) -> str:
    """A newspaper issue of about ``paragraphs`` passages, from generated issues ``first``…

    Each paragraph is one whole passage (60-80 characters ending a sentence), so the
    passage count is known before the parser sees it and ~44k passages fit the 20 MB
    a bot may download.
    """
    from benchmarks.generate import issue

    parts = ["社区晨报", "凉城新村街道党工委、办事处 联合出版"]
    made, number = 0, first
    while made < paragraphs:
        for article in issue(number, seed).articles:
            parts.append("## " + article.title)
            for passage in article.passages:
                text = passage[:75].rstrip("，、；：。,;: ") + "。"
                if len(text) < 62:
                    continue
                parts.append(text)
                made += 1
        number += 1
    return "\n\n".join(parts)


# -- the world outside the bot: Telegram and everyone talking to the bot --------------------


@dataclass
class Question:
    message_id: int
    user_id: int
    text: str
    pushed: float
    answered: float | None = None
    faulted: bool = False  # a failed or delayed attempt at its reply
    reply: dict[str, Any] | None = None  # the answer message (for a button press)
    pressed: bool = False


@dataclass
class Tally:
    sent: int = 0
    done: int = 0
    waits: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class World:
    """The fake Bot API plus the residents, staff and admin, in the fake's process.

    Run by a multiprocessing manager: Telegram is not in the bot's process, and the
    traffic it sends must not take the bot's CPU (or GIL) either.
    """

    def __init__(self) -> None:
        from tests.support.fake_bot_api import FakeBotAPI

        self.api = FakeBotAPI(keep_alive=True, backlog=256).start()
        self.questions: dict[tuple[int, int], Question] = {}
        self.presses = Tally()
        self.staff = Tally()
        self.admin = Tally()
        self.uploads: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._cursor = 0
        self._big_text = ""
        self.undelivered_injected = 0
        self._press_ids: set[str] = set()
        self.big_window: tuple[float, float] | None = None
        self.uploading = False
        self.throttled: list[float] = []

    def endpoints(self) -> tuple[str, str, str]:
        return self.api.token, self.api.base_url, self.api.base_file_url

    def prepare(self, big_passages: int) -> int:
        """Generate the big issue now (seconds), before the clock starts; its size in bytes."""
        self._big_text = issue_text(big_passages, 100_000) if big_passages else ""
        return len(self._big_text.encode("utf-8"))

    # ---- running

    def start(self, args: dict[str, Any]) -> None:
        api = self.api
        for n, method in enumerate(FAULTY):
            api.random_faults(
                method,
                seed=args["seed"] + n,
                retry_after=args["p429"],
                retry_seconds=1,
                server_error=args["p5xx"],
                slow=args["pslow"],
                slow_seconds=args["slow_seconds"],
            )
        api.random_faults("getUpdates", seed=args["seed"] + 99, server_error=args["p5xx"])
        self._started = time.time()
        self._ends = self._started + args["minutes"] * 60
        targets = (
            (self._residents, (args,)),
            (self._watch, ()),
            (self._staff, (args,)),
            (self._admin, (args,)),
        )
        for target, extra in targets:
            thread = threading.Thread(target=target, args=extra, daemon=True)
            thread.start()
            self._threads.append(thread)

    def _running(self) -> bool:
        return not self._stop.is_set() and time.time() < self._ends

    def _residents(self, args: dict[str, Any]) -> None:
        from benchmarks.generate import questions

        rng = random.Random(args["seed"])
        texts = questions()
        interval = 1.0 / args["rate"]
        next_at = time.time()
        next_undelivered = time.time() + min(UNDELIVERED_EVERY / 2, args["minutes"] * 15)
        while self._running():
            now = time.time()
            if now < next_at:
                time.sleep(min(next_at - now, 0.05))
                continue
            next_at += interval
            if now >= next_undelivered:
                next_undelivered += UNDELIVERED_EVERY
                self._fail_next_answer_twice()
            text = rng.choice(BAD_INPUT) if rng.random() < 0.08 else rng.choice(texts)
            user = 1_000_000 + rng.randrange(args["users"])
            lang = "en" if text.startswith("When") else "zh-hans"
            message = self.api.push_message(text, user_id=user, language_code=lang)
            with self._lock:
                self.questions[(user, message["message_id"])] = Question(
                    message["message_id"], user, text, time.time()
                )
            self._maybe_press(rng)

    def _fail_next_answer_twice(self) -> None:
        # The next answer's send and its one retry both fail: an undelivered answer.
        target: list[Any] = []

        def first_answer(params: dict[str, Any]) -> bool:
            # Message ids count per chat: the chat and the message name one question.
            reply = (params.get("chat_id"), _reply_target(params))
            if reply[1] is None or reply[0] in (STAFF_ID, ADMIN_ID):
                return False
            if not target:
                target.append(reply)
            return reply == target[0]

        self.api.fail_next(
            "sendMessage", error_code=502, description="Bad Gateway", times=2, when=first_answer
        )
        self.undelivered_injected += 1

    def _maybe_press(self, rng: random.Random) -> None:
        """Now and then a resident presses a button under an answer they were given."""
        if rng.random() > 0.1:
            return
        with self._lock:
            ready = [q for q in list(self.questions.values())[-50:] if q.reply and not q.pressed]
        if not ready:
            return
        question = rng.choice(ready)
        question.pressed = True
        buttons = [
            b["callback_data"]
            for row in (question.reply or {}).get("reply_markup", {}).get("inline_keyboard", [])
            for b in row
            if "callback_data" in b
        ]
        if not buttons:
            return
        query = self.api.push_callback(
            rng.choice(buttons), message=question.reply or {}, user_id=question.user_id
        )
        with self._lock:
            self._press_ids.add(query["id"])
        self.presses.sent += 1

    def _watch(self) -> None:
        """Match the bot's calls to the questions, presses and readings they answer."""
        while not self._stop.is_set():
            calls = self.api.calls(since=self._cursor)
            self._cursor += len(calls)
            for call in calls:
                self._see(call)
            time.sleep(0.05)

    def _see(self, call: Any) -> None:
        if call.status == 429:
            # PTB's AIORateLimiter then holds back every request for retry_after seconds.
            self.throttled.append(call.time)
        if call.method == "answerCallbackQuery" and call.ok:
            with self._lock:
                if call.params.get("callback_query_id") in self._press_ids:
                    self.presses.done += 1
        if call.method != "sendMessage":
            return
        target = _reply_target(call.params)
        if target is None:
            return
        with self._lock:
            question = self.questions.get((call.params.get("chat_id"), target))
        if question is None:
            return
        if not call.ok or call.delayed:
            question.faulted = True
        if call.ok and question.answered is None:
            question.answered = call.time
            question.reply = call.result

    # ---- staff

    def _staff(self, args: dict[str, Any]) -> None:
        rng = random.Random(args["seed"] + 1)
        big_at = self._started + args["minutes"] * 60 / 3 if self._big_text else None
        next_at = self._started + min(20.0, args["staff_every"])
        number = 0
        while self._running():
            if big_at is not None and time.time() >= big_at:
                big_at = None
                started = time.time()
                self._upload(self._big_text, "big", timeout=900)
                self.big_window = (started, time.time())
                continue
            if time.time() < next_at:
                time.sleep(0.2)
                continue
            next_at = time.time() + args["staff_every"]
            number += 1
            text = issue_text(rng.randint(20, 200), 10_000 + number * 10)
            self._upload(text, f"small-{number}", timeout=120)

    def _upload(self, text: str, label: str, *, timeout: float) -> None:
        """Upload, wait for the preview, press 确认, wait for "已收录"; note what happened."""
        number = len(self.uploads) + 1
        day = 1 + number % 28
        caption = f"社区晨报 测试{number}街道 2027-{1 + number % 12:02d}-{day:02d}"
        record: dict[str, Any] = {"label": label, "caption": caption, "status": "sent"}
        self.uploads.append(record)
        self.staff.sent += 1
        self.uploading = True
        try:
            self._upload_steps(text, label, record, timeout)
        finally:
            self.uploading = False
        self.throttled: list[float] = []

    def _upload_steps(
        self, text: str, label: str, record: dict[str, Any], timeout: float
    ) -> None:
        caption = record["caption"]
        started = time.time()
        mark = self.api.mark()
        self.api.push_document(
            text.encode("utf-8"), f"{label}.txt", caption=caption, user_id=STAFF_ID
        )
        preview = self._wait(
            lambda c: c.method == "sendMessage"
            and c.ok
            and c.params.get("chat_id") == STAFF_ID
            and "s:ok:" in json.dumps(c.params.get("reply_markup") or {}),
            mark,
            timeout,
        )
        if preview is None:
            record["status"] = "no preview (a fault ate it, or too slow)"
            return
        preview_text = preview.params["text"]
        record["promised"] = _passages_promised(preview_text)
        record["preview_s"] = round(time.time() - started, 1)
        data = next(
            b["callback_data"]
            for row in _markup(preview.params)["inline_keyboard"]
            for b in row
            if b["callback_data"].startswith("s:ok:")
        )
        confirmed = time.time()
        mark = self.api.mark()
        self.api.push_callback(data, message=preview.result, user_id=STAFF_ID)
        done = self._wait(
            lambda c: c.method in ("editMessageText", "sendMessage")
            and c.ok
            and c.params.get("chat_id") == STAFF_ID,
            mark,
            timeout,
        )
        if done is None:
            record["status"] = "pressed 确认, no reply (a fault ate it)"
            return
        record["stored_s"] = round(time.time() - confirmed, 1)
        reply = done.params.get("text", "")
        record["status"] = "stored" if "已收录" in reply else f"reply: {reply[:60]}"
        if "已收录" in reply:
            self.staff.done += 1
            self.staff.waits.append(time.time() - started)

    def _wait(self, predicate: Any, since: int, timeout: float) -> Any:
        deadline = time.time() + timeout
        while time.time() < deadline:
            for call in self.api.calls(since=since):
                if predicate(call):
                    return call
            time.sleep(0.1)
        return None

    # ---- the admin

    def _admin(self, args: dict[str, Any]) -> None:
        n = 0
        next_at = self._started + args["admin_every"]
        while self._running():
            if time.time() < next_at:
                time.sleep(0.2)
                continue
            next_at = time.time() + args["admin_every"]
            command = ADMIN_COMMANDS[n % len(ADMIN_COMMANDS)]
            n += 1
            self.admin.sent += 1
            started = time.time()
            mark = self.api.mark()
            self.api.push_message(command, user_id=ADMIN_ID)
            reply = self._wait(
                lambda c: c.method in ("sendMessage", "sendDocument")
                and c.ok
                and c.params.get("chat_id") == ADMIN_ID,
                mark,
                60,
            )
            if reply is not None:
                self.admin.done += 1
                self.admin.waits.append(time.time() - started)
                if command == "/stats all" and reply.method == "sendMessage":
                    self.admin.notes.append(reply.params.get("text", ""))

    # ---- reports

    def stop_sending(self) -> None:
        self._ends = 0.0

    def outstanding(self) -> int:
        """Questions still waiting for an answer, plus one for a staff upload under way.

        A question unanswered for a minute is given up on (its answer was undelivered,
        which the query log must say).
        """
        recent = time.time() - 60
        with self._lock:
            waiting = sum(
                1 for q in self.questions.values() if q.answered is None and q.pushed > recent
            )
        return waiting + (1 if self.uploading else 0)

    def progress(self) -> dict[str, Any]:
        with self._lock:
            answered = sum(1 for q in self.questions.values() if q.answered is not None)
            return {
                "sent": len(self.questions),
                "answered": answered,
                "uploads": [u["status"] for u in self.uploads],
                "admin": f"{self.admin.done}/{self.admin.sent}",
            }

    def report(self) -> dict[str, Any]:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        faults = {m: self.api.faults_met(m) for m in (*FAULTY, "getUpdates")}
        with self._lock:
            questions = [
                (q.user_id, q.text, q.pushed, q.answered, q.faulted)
                for q in self.questions.values()
            ]
        return {
            "questions": questions,
            "presses": (self.presses.sent, self.presses.done),
            "staff": (self.staff.sent, self.staff.done),
            "uploads": self.uploads,
            "admin": (self.admin.sent, self.admin.done, self.admin.waits, self.admin.notes[-1:]),
            "faults": faults,
            "undelivered_injected": self.undelivered_injected,
            "big_window": self.big_window,
            "throttled": list(self.throttled),
        }

    def stop(self) -> None:
        self._stop.set()
        self.api.stop()


def _markup(params: dict[str, Any]) -> dict[str, Any]:
    markup = params.get("reply_markup") or {}
    return json.loads(markup) if isinstance(markup, str) else markup


def _reply_target(params: dict[str, Any]) -> int | None:
    target = params.get("reply_parameters") or {}
    if isinstance(target, str):
        target = json.loads(target)
    found = target.get("message_id") or params.get("reply_to_message_id")
    return int(found) if found else None


def _passages_promised(preview: str) -> int | None:
    import re

    found = re.search(r"共 (\d+) 段", preview)
    return int(found.group(1)) if found else None


# -- the bot's side: memory, rebuilds, the log ---------------------------------------------


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Sample:
    minute: float
    rss: float
    limiter_users: int
    buttons_pending: int  # button state not yet written to the store (flushed each second)
    topics_kept: int  # chats whose last topic is kept for follow-up questions
    ptb_users: int  # PTB's user_data entries (made when a handler touches context.user_data)
    gc_objects: int
    traced: float | None

    def line(self) -> str:
        traced = f", tracemalloc {self.traced:.1f} MiB" if self.traced is not None else ""
        return (
            f"  {self.minute:5.1f} min  RSS {self.rss:7.1f} MiB  limiter {self.limiter_users:6d}"
            f" users  buttons unwritten {self.buttons_pending:5d}  topics kept {self.topics_kept:5d}"
            f"  PTB user_data {self.ptb_users:4d}  gc objects {self.gc_objects:8d}{traced}"
        )


def sample(application: Any, started: float) -> Sample:
    from bot.residents import BUTTONS, TOPICS

    return Sample(
        minute=(time.time() - started) / 60,
        rss=rss_mib(),
        limiter_users=len(application.bot_data["limiter"]),
        buttons_pending=application.bot_data[BUTTONS].residents.pending,
        topics_kept=len(application.bot_data[TOPICS]),
        ptb_users=len(application.user_data),
        gc_objects=len(gc.get_objects()),
        traced=tracemalloc.get_traced_memory()[0] / 2**20 if tracemalloc.is_tracing() else None,
    )


class ErrorCount(logging.Handler):
    """Counts the log records of WARNING and up by logger and first words, for the report."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        words = " ".join(str(record.msg).split()[:4])
        key = f"{record.levelname} {record.name}: {words}"
        self.counts[key] = self.counts.get(key, 0) + 1

    def summary(self) -> str:
        if not self.counts:
            return "none"
        ranked = sorted(self.counts.items(), key=lambda kv: -kv[1])
        return "; ".join(f"{n} x {key}" for key, n in ranked[:8])


def watch_rebuilds(service: Any) -> list[tuple[float, float]]:
    """Record (start, end) of every index build, in wall-clock time (the fake's clock)."""
    index = service.index
    builds: list[tuple[float, float]] = []
    build = index._build

    def timed(version: int) -> Any:
        started = time.time()
        try:
            return build(version)
        finally:
            builds.append((started, time.time()))

    index._build = timed
    return builds


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def log_accounting(corpus: Any, secret: bytes, questions: list[tuple]) -> dict[str, int]:
    """Compare what residents asked with what the query log holds (by pseudonym + text)."""
    from collections import Counter

    from sqlalchemy import select

    from corpus.answer.service import clean_question
    from corpus.querylog.write import pseudonym
    from corpus.store.models import QueryLogEntry

    corpus.log.flush()
    with corpus.store.factory() as session:
        rows = session.execute(
            select(QueryLogEntry.user_hash, QueryLogEntry.question, QueryLogEntry.delivery)
        ).all()
    logged: Counter[tuple[str, str]] = Counter()
    logged_sent: Counter[tuple[str, str]] = Counter()
    failed = 0
    for user_hash, question, delivery in rows:
        logged[(user_hash, question)] += 1
        if delivery == "sent":
            logged_sent[(user_hash, question)] += 1
        else:
            failed += 1
    asked: Counter[tuple[str, str]] = Counter()
    arrived: Counter[tuple[str, str]] = Counter()
    hashes: dict[int, str] = {}
    for user_id, text, _, answered, _ in questions:
        key_hash = hashes.setdefault(user_id, pseudonym(secret, user_id))
        # The log keeps a question as the service read it (cleaned, a long one cut).
        key = (key_hash, clean_question(text)[0])
        asked[key] += 1
        if answered is not None:
            arrived[key] += 1
    lost = sum(max(0, n - logged[key]) for key, n in asked.items())
    claimed = sum(max(0, logged_sent[key] - arrived[key]) for key in asked)
    return {
        "log_entries": len(rows),
        "logged_undelivered": failed,
        "lost": lost,
        "logged_sent_never_arrived": claimed,
    }


async def soak(args: Any) -> int:
    from multiprocessing.managers import BaseManager

    from bot.app import build_application
    from corpus import api
    from corpus.settings import Settings
    from tests.support.fake_bot_api import running_app

    class Manager(BaseManager):
        pass

    Manager.register("World", World)
    errors = ErrorCount()
    logging.basicConfig(
        level=logging.WARNING,
        filename=args.log,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    logging.getLogger().addHandler(errors)
    if args.tracemalloc:
        tracemalloc.start()
    manager = Manager()
    manager.start()
    world = manager.World()  # type: ignore[attr-defined]
    tmp = tempfile.TemporaryDirectory(prefix="linli-soak-")
    try:
        print(f"generating the {args.big_passages}-passage issue …", flush=True)
        big_bytes = world.prepare(args.big_passages)
        token, base_url, file_url = world.endpoints()
        secret = b"soak-secret"
        settings = Settings(
            data_dir=Path(tmp.name) / "data",
            database_url=f"sqlite:///{Path(tmp.name) / 'soak.sqlite3'}",
            telegram_bot_token=token,
            telegram_api_base_url=base_url,
            telegram_api_file_url=file_url,
            staff_ids=frozenset({STAFF_ID}),
            admin_ids=frozenset({ADMIN_ID}),
            log_hmac_secret=secret.decode(),
        )
        corpus = api.open(settings)  # a new SQLite store: the bundled corpus is seeded
        builds = watch_rebuilds(corpus.answers)
        application = build_application(settings, corpus)
        samples: list[Sample] = []
        async with running_app(application, poll_timeout=10):
            assert application.post_init is not None
            await application.post_init(application)
            await asyncio.to_thread(corpus.answers.answer, "世纪同乐小区什么时候清理楼道堆物？")
            started = time.time()
            samples.append(sample(application, started))
            print(
                f"soak: {args.minutes} min, {args.rate} questions/s from up to {args.users} "
                f"residents, staff every {args.staff_every:.0f} s (big issue: "
                f"{args.big_passages} passages, {big_bytes / 2**20:.1f} MiB), admin every "
                f"{args.admin_every:.0f} s; faults per call: 429 {args.p429:.1%}, 5xx "
                f"{args.p5xx:.1%}, slow ({args.slow_seconds:.1f} s) {args.pslow:.1%}",
                flush=True,
            )
            print(samples[0].line(), flush=True)
            await asyncio.to_thread(world.start, _world_args(args))
            ends = started + args.minutes * 60
            next_sample = started + 60
            while time.time() < ends:
                await asyncio.sleep(1)
                if time.time() >= next_sample:
                    next_sample += 60
                    samples.append(sample(application, started))
                    progress = await asyncio.to_thread(world.progress)
                    print(
                        samples[-1].line()
                        + f"  | asked {progress['sent']}, answered {progress['answered']},"
                        f" admin {progress['admin']}, uploads {progress['uploads']}",
                        flush=True,
                    )
            await asyncio.to_thread(world.stop_sending)
            # The last questions' answers, and the staff's last step, may still be on the way.
            drain_until = time.time() + args.drain
            while time.time() < drain_until and await asyncio.to_thread(world.outstanding):
                await asyncio.sleep(1)
            await asyncio.sleep(3)  # log flushes, retried sends
            report = await asyncio.to_thread(world.report)
            gc.collect()
            samples.append(sample(application, started))
            await asyncio.to_thread(corpus.log.flush)
        accounting = log_accounting(corpus, secret, report["questions"])
        stored = {i.street: i for i in corpus.issues.list()}
        print_report(args, report, accounting, builds, samples, stored)
        print(f"log records (WARNING and up, written to {args.log}): {errors.summary()}")
        corpus.close()
    finally:
        with_errors = []
        try:
            world.stop()
        except Exception as exc:  # the manager may be gone already
            with_errors.append(exc)
        manager.shutdown()
        tmp.cleanup()
    return 0


def _world_args(args: Any) -> dict[str, Any]:
    return {
        "minutes": args.minutes,
        "rate": args.rate,
        "users": args.users,
        "seed": args.seed,
        "staff_every": args.staff_every,
        "admin_every": args.admin_every,
        "p429": args.p429,
        "p5xx": args.p5xx,
        "pslow": args.pslow,
        "slow_seconds": args.slow_seconds,
    }


def print_report(
    args: Any,
    report: dict[str, Any],
    accounting: dict[str, int],
    builds: list[tuple[float, float]],
    samples: list[Sample],
    stored: dict[str, Any],
) -> None:
    questions = report["questions"]
    answered = [q for q in questions if q[3] is not None]

    def during_build(pushed: float, arrived: float) -> bool:
        return any(start < arrived and pushed < end for start, end in builds)

    # Waits free of every injected fault: none on the question's own reply, and no 429 on
    # any call while it waited (the rate limiter then holds back every request, ~1.5 s).
    pauses = [(t - 2.0, t + 1.6) for t in report["throttled"]]

    def unthrottled(pushed: float, arrived: float) -> bool:
        return not any(start < arrived and pushed < end for start, end in pauses)

    clean = [q for q in answered if not q[4] and unthrottled(q[2], q[3])]
    usual = [q[3] - q[2] for q in clean if not during_build(q[2], q[3])]
    rebuild = [q[3] - q[2] for q in clean if during_build(q[2], q[3])]
    all_rebuild = [q[3] - q[2] for q in answered if during_build(q[2], q[3])]
    print("\n== soak results ==")
    print(
        f"questions sent {len(questions)}, answered {len(answered)}, logged as undelivered "
        f"{accounting['logged_undelivered']}, lost {accounting['lost']} (must be 0); "
        f"logged as sent but never arrived {accounting['logged_sent_never_arrived']} "
        f"(must be 0); query log entries {accounting['log_entries']}"
    )
    print(
        f"undelivered answers forced (two 502s in a row): {report['undelivered_injected']}; "
        f"answers whose reply met a fault: {sum(1 for q in questions if q[4])}"
    )
    print(f"faults met by method: {report['faults']}")
    print(f"button presses {report['presses'][0]}, callback answers {report['presses'][1]}")
    long_builds = [end - start for start, end in builds]
    print(
        f"index builds {len(builds)}: "
        + ", ".join(f"{b:.1f} s" for b in sorted(long_builds, reverse=True)[:5])
        + (" …" if len(builds) > 5 else "")
    )
    print(
        f"answer wait, no fault met (own reply, or a 429 pausing all): usual: n={len(usual)} p50 {percentile(usual, 0.5):.3f} s, "
        f"p95 {percentile(usual, 0.95):.3f} s, max {max(usual, default=float('nan')):.3f} s"
    )
    print(
        f"answer wait, no fault met, during rebuilds: n={len(rebuild)} "
        f"p50 {percentile(rebuild, 0.5):.3f} s, longest {max(rebuild, default=float('nan')):.3f} s"
        f" (faults included: longest {max(all_rebuild, default=float('nan')):.3f} s); "
        f"longest minus usual p95: "
        f"{max(rebuild, default=float('nan')) - percentile(usual, 0.95):+.3f} s"
    )
    if report["big_window"] is not None:
        start, end = report["big_window"]
        big = [q[3] - q[2] for q in clean if start < q[3] and q[2] < end]
        big_all = [q[3] - q[2] for q in answered if start < q[3] and q[2] < end]
        print(
            f"answer wait while the big issue was uploaded, parsed, stored and indexed "
            f"({end - start:.1f} s): no fault met n={len(big)} p50 {percentile(big, 0.5):.3f} s,"
            f" longest {max(big, default=float('nan')):.3f} s (faults included: longest "
            f"{max(big_all, default=float('nan')):.3f} s)"
        )
    print(f"staff uploads {report['staff'][0]}, stored {report['staff'][1]}:")
    for upload in report["uploads"]:
        street = upload["caption"].split()[1]
        street = street if street.endswith("街道") else street + "街道"
        info = stored.get(street)
        whole = ""
        if info is not None:
            promised = upload.get("promised")
            whole = (
                f"; in the store: {info.passages} passages"
                + (" = the preview's" if promised == info.passages else f" ≠ preview {promised}")
            )
        elif upload["status"] == "stored":
            whole = "; NOT in the store"
        timings = ", ".join(
            f"{k} {upload[k]} s" for k in ("preview_s", "stored_s") if k in upload
        )
        print(f"  {upload['label']}: {upload['status']} ({timings}){whole}")
    admin_sent, admin_done, admin_waits, notes = report["admin"]
    print(
        f"admin readings {admin_sent}, answered {admin_done}, "
        f"p50 {percentile(admin_waits, 0.5):.2f} s, max {max(admin_waits, default=float('nan')):.2f} s"
    )
    if notes:
        print("  last /stats all: " + " | ".join(notes[0].splitlines()[1:5]))
    print("memory (start, every minute, end after a full collection):")
    for s in samples:
        print(s.line())
    first, last = samples[0], samples[-1]
    half = next((x for x in samples if x.minute >= args.minutes / 2), last)
    print(
        f"memory over the second half ({half.minute:.0f} min -> end): RSS "
        f"{half.rss:.1f} -> {last.rss:.1f} MiB ({last.rss - half.rss:+.1f}), limiter users "
        f"{half.limiter_users} -> {last.limiter_users}, gc objects {half.gc_objects} -> "
        f"{last.gc_objects}"
    )
    print(
        f"memory: RSS {first.rss:.1f} -> {last.rss:.1f} MiB (max {max(s.rss for s in samples):.1f});"
        f" limiter users {first.limiter_users} -> {last.limiter_users} (max "
        f"{max(s.limiter_users for s in samples)}, of {len({q[0] for q in questions})} "
        f"residents who asked)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=3.0, help="questions a second")
    parser.add_argument("--users", type=int, default=1_000_000, help="residents to draw from")
    parser.add_argument("--staff-every", type=float, default=180.0, help="seconds")
    parser.add_argument("--admin-every", type=float, default=60.0, help="seconds")
    parser.add_argument("--big-passages", type=int, default=44_000, help="0: no big issue")
    parser.add_argument("--p429", type=float, default=0.01)
    parser.add_argument("--p5xx", type=float, default=0.01)
    parser.add_argument("--pslow", type=float, default=0.01)
    parser.add_argument("--slow-seconds", type=float, default=2.0)
    parser.add_argument(
        "--drain",
        type=float,
        default=300.0,
        help="seconds to wait at the end for the last answers and a staff upload under way",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument(
        "--log", default=os.devnull, help="file for the bot's log (WARNING and up)"
    )
    args = parser.parse_args(argv)
    if args.minutes <= 0 or args.rate <= 0:
        parser.error("--minutes and --rate must be positive")
    os.environ.setdefault("LINLI_DEMO_CORPUS", "1")
    return asyncio.run(soak(args))


if __name__ == "__main__":
    sys.exit(main())

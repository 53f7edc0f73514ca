"""The bot under load, and its cold start, measured end to end.

``python -m benchmarks.load`` runs the real bot (``bot.app.build_application``,
the production handlers, rate limiter and service) against the loopback fake
Telegram Bot API (``tests/support/fake_bot_api.py``) and:

1. **Throughput**: 50 simulated residents send 200 questions (the gold set's,
   4 each) at the same moment; every question must be answered. Reply time is
   from the moment an update is queued to the moment the fake receives the
   bot's ``sendMessage``: p50, p95, max. Meanwhile a ticker task sleeps 5 ms at
   a time and records how late it wakes up: the longest the event loop was
   blocked. Run twice: with the production ``AIORateLimiter`` (Telegram's
   30 messages/s overall limit, which sets a floor of 200/30 ≈ 6.7 s on the
   last reply) and with the limiter switched off (Linli's own capacity).
2. **Cold start** (``--cold-start``): a store of ``--passages`` generated
   passages (default 100,000) whose index was saved by a first run; then a
   fresh process is timed from spawn until it has opened the store, loaded the
   index and answered one question, as ``linli serve`` does before it starts
   polling (imports included).

Corpus: ``--passages 0`` (default for throughput) is the bundled five issues;
``--passages N`` generates N passages (``benchmarks.generate``) into SQLite.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


# -- a store of generated passages -----------------------------------------------------


def fill_store(url: str, passages: int, seed: int = 0) -> None:
    """Write ``passages`` generated passages (in whole issues) into an empty store."""
    import hashlib

    from sqlalchemy import insert

    from benchmarks.generate import issues
    from corpus import queries
    from corpus.db import transaction
    from corpus.models import Article, Issue, Passage
    from corpus.store import Store

    store = Store.open(url, seed=False)
    issue_rows: list[dict[str, Any]] = []
    article_rows: list[dict[str, Any]] = []
    passage_rows: list[dict[str, Any]] = []
    article_id = passage_id = 0
    for item in issues(passages, seed):
        issue_id = item.number + 1
        text = "\n".join(p for a in item.articles for p in a.passages)
        issue_rows.append(
            {
                "id": issue_id,
                "publication": "社区报",
                "street": item.street,
                "district": "",
                "date": item.date,
                "date_estimated": False,
                "title": item.articles[0].title,
                "source_name": f"generated-{item.number}",
                "content_hash": hashlib.sha256(f"{seed}/{item.number}".encode()).hexdigest(),
                "raw_text": "",
            }
        )
        for position, article in enumerate(item.articles):
            article_id += 1
            article_rows.append(
                {
                    "id": article_id,
                    "issue_id": issue_id,
                    "position": position,
                    "title": article.title,
                    "body": "\n".join(article.passages),
                }
            )
            for i, text in enumerate(article.passages):
                passage_id += 1
                passage_rows.append(
                    {
                        "id": passage_id,
                        "article_id": article_id,
                        "issue_id": issue_id,
                        "position": i,
                        "heading": article.heading,
                        "text": text,
                    }
                )
    with transaction(store.factory) as session:
        session.execute(insert(Issue), issue_rows)
        session.execute(insert(Article), article_rows)
        session.execute(insert(Passage), passage_rows)
        queries.bump_corpus_version(session)
    store.close()


def append_issue(url: str, number: int, seed: int = 0) -> int:
    """Store generated issue ``number`` as staff would add it; returns its passage count."""
    import hashlib

    from benchmarks.generate import issue
    from corpus import queries
    from corpus.db import transaction
    from corpus.models import Article, Issue, Passage
    from corpus.store import Store

    item = issue(number, seed)
    store = Store.open(url, seed=False)
    with transaction(store.factory) as session:
        row = Issue(
            publication="社区报",
            street=item.street,
            date=item.date,
            title=item.articles[0].title,
            source_name=f"generated-{number}",
            content_hash=hashlib.sha256(f"{seed}/{number}".encode()).hexdigest(),
            raw_text="",
        )
        session.add(row)
        session.flush()
        for position, art in enumerate(item.articles):
            article = Article(issue_id=row.id, position=position, title=art.title)
            session.add(article)
            session.flush()
            session.add_all(
                Passage(article_id=article.id, issue_id=row.id, position=i, text=text)
                for i, text in enumerate(art.passages)
            )
        queries.bump_corpus_version(session)
    store.close()
    return sum(len(a.passages) for a in item.articles)


def bundled_store(url: str) -> None:
    from corpus.store import Store

    Store.open(url).close()


# -- throughput ------------------------------------------------------------------------


@dataclass
class LoadResult:
    label: str
    answered: int
    asked: int
    logged: int
    replies: list[float]
    max_lag: float
    lag_p99: float
    wall: float

    def line(self) -> str:
        def p(q: float) -> float:
            return float(statistics.quantiles(self.replies, n=100)[q - 1]) if self.replies else 0

        return (
            f"| {self.label} | {self.answered}/{self.asked} | {self.logged} | "
            f"{p(50):.2f} | {p(95):.2f} | "
            f"{max(self.replies, default=0):.2f} | {self.wall:.1f} | "
            f"{self.max_lag * 1000:.0f} | {self.lag_p99 * 1000:.0f} |"
        )


def _log_size(store: Any) -> int:
    from sqlalchemy import func, select

    from corpus.models import QueryLogEntry

    with store.factory() as session:
        return int(session.scalar(select(func.count()).select_from(QueryLogEntry)) or 0)


async def _ticker(stop: asyncio.Event, lags: list[float], interval: float = 0.005) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(interval)
        lags.append(time.perf_counter() - started - interval)


class _RemoteFake:
    """The fake Bot API, run in a process of its own by a multiprocessing manager.

    Telegram's servers are not in the bot's process: the fake's HTTP handling
    must not take CPU (and the GIL) from the bot being measured.
    """

    def __init__(self) -> None:
        from tests.support.fake_bot_api import FakeBotAPI

        self.api = FakeBotAPI(
            validate_formatting=False,
            # Persistent connections, as Telegram's servers keep them.
            keep_alive=True,
            # socketserver's listen backlog of 5 overflows with 50 residents at once and
            # connections get reset, which Telegram never does.
            backlog=256,
        ).start()

    def endpoints(self) -> tuple[str, str, str]:
        return self.api.token, self.api.base_url, self.api.base_file_url

    def push_messages(self, texts: list[str], users: list[int]) -> list[tuple[int, int, float]]:
        """Queue the messages; each one's (message id, user id, time queued)."""
        pushed = []
        for text, user in zip(texts, users, strict=True):
            message = self.api.push_message(text, user_id=user)
            pushed.append((message["message_id"], user, time.time()))
        return pushed

    def mark(self) -> int:
        return self.api.mark()

    def replies(self, since: int, count: int, timeout: float) -> list[tuple[JSONish, float]]:
        """Parameters and arrival times of the bot's replies (messages replying to one)."""
        with suppress(TimeoutError):
            self.api.wait_for_sync(
                "sendMessage",
                predicate=_is_reply,
                count=count,
                timeout=timeout,
                since=since,
            )
        calls = self.api.calls("sendMessage", since=since)
        return [(dict(c.params), c.time) for c in calls if _is_reply(c)]

    def stop(self) -> None:
        self.api.stop()


JSONish = dict[str, Any]


def _is_reply(call: Any) -> bool:
    return "reply_parameters" in call.params or "reply_to_message_id" in call.params


async def run_load(
    db_url: str, data_dir: Path, *, users: int, questions: int, limiter: bool, label: str
) -> LoadResult:
    from multiprocessing.managers import BaseManager

    import bot.app as app_module
    from benchmarks.generate import questions as gold_questions
    from corpus.service import service_from_settings
    from corpus.settings import Settings
    from corpus.store import Store
    from tests.support.fake_bot_api import running_app

    class Manager(BaseManager):
        pass

    Manager.register("Fake", _RemoteFake)
    texts = gold_questions()
    original_limiter = app_module.AIORateLimiter
    if not limiter:
        from telegram.ext import BaseRateLimiter

        class NoLimit(BaseRateLimiter[Any]):
            async def initialize(self) -> None:
                pass

            async def shutdown(self) -> None:
                pass

            async def process_request(
                self, callback, args, kwargs, endpoint, data, rate_limit_args
            ):  # type: ignore[no-untyped-def]
                return await callback(*args, **kwargs)

        app_module.AIORateLimiter = lambda **_: NoLimit()  # type: ignore[assignment,misc]
    store = Store.open(db_url, seed=False)
    manager = Manager()
    manager.start()
    fake = manager.Fake()  # type: ignore[attr-defined]
    lags: list[float] = []
    try:
        token, base_url, file_url = fake.endpoints()
        settings = Settings(
            data_dir=data_dir,
            database_url=db_url,
            telegram_bot_token=token,
            telegram_api_base_url=base_url,
            telegram_api_file_url=file_url,
            rate_limit_per_minute=1000,
        )
        service = service_from_settings(settings, store=store)
        application = app_module.build_application(settings, service)
        async with running_app(application):
            assert application.post_init is not None
            await application.post_init(application)
            # A Chinese and an English question first: lazy loads (the segmenter,
            # the English dictionary) happen once per process, not per question.
            for warm in (texts[0], "When does the community canteen open?"):
                await asyncio.to_thread(service.answer, warm)
            stop = asyncio.Event()
            ticker = asyncio.create_task(_ticker(stop, lags))
            await asyncio.sleep(0.2)
            mark = fake.mark()
            logged_before = _log_size(store)
            started = time.time()
            pushed = {
                (message_id, user): at
                for message_id, user, at in fake.push_messages(
                    [texts[n % len(texts)] for n in range(questions)],
                    [10_000 + n % users for n in range(questions)],
                )
            }
            calls = await asyncio.to_thread(fake.replies, mark, questions, 120)
            wall = time.time() - started
            stop.set()
            await ticker
            # The log is written in batches, each entry queued just after its reply
            # arrived here: the flushes of the next few seconds must find all of them.
            deadline = time.monotonic() + 5
            while True:
                await asyncio.to_thread(service.flush_log)
                logged = _log_size(store) - logged_before
                if logged >= len(calls) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.1)
        replies = []
        for params, at in calls:
            target = params.get("reply_parameters") or {}
            if isinstance(target, str):
                target = json.loads(target)
            reply_to = target.get("message_id") or params.get("reply_to_message_id")
            key = (int(reply_to), int(params["chat_id"]))
            if key in pushed:
                replies.append(at - pushed.pop(key))
    finally:
        app_module.AIORateLimiter = original_limiter
        store.close()
        fake.stop()
        manager.shutdown()
    lags.sort()
    return LoadResult(
        label=label,
        answered=len(replies),
        asked=questions,
        logged=logged,
        replies=replies,
        max_lag=lags[-1] if lags else 0.0,
        lag_p99=lags[int(len(lags) * 0.99)] if lags else 0.0,
        wall=wall,
    )


# -- cold start ------------------------------------------------------------------------

_COLD = """
import time, sys
started = float(sys.argv[1])
from pathlib import Path
import bot.app
from corpus.service import service_from_settings
from corpus.settings import Settings
service = service_from_settings(Settings(data_dir=Path(sys.argv[3]), database_url=sys.argv[2]))
service.refresh(force=True)  # what post_init does before the bot takes updates
ready = time.time()
answer = service.answer("凉城街道加装电梯进展怎么样了")
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:"))
print(ready - started, time.time() - started, len(service.state.records), rss * 1024)
"""


def cold_start(db_url: str, data_dir: Path) -> tuple[float, float, int, int]:
    """Seconds from spawn until ready and until answered once; passages; RSS bytes."""
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", _COLD, repr(started), db_url, str(data_dir)],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    ).stdout.split()
    return float(out[0]), float(out[1]), int(out[2]), int(out[3])


def main(argv: Sequence[str] | None = None) -> int:
    import argparse
    import logging

    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__)
    parser.add_argument("--passages", type=int, default=0, help="0 = the bundled corpus")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--cold-start", action="store_true", help="also time a cold start")
    parser.add_argument("--cold-passages", type=int, default=100_000)
    parser.add_argument("--no-throughput", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    print(f"python -m benchmarks.load {' '.join(sys.argv[1:] if argv is None else argv)}".strip())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if not args.no_throughput:
            url = f"sqlite:///{root / 'load.sqlite3'}"
            started = time.perf_counter()
            if args.passages:
                fill_store(url, args.passages)
            else:
                bundled_store(url)
            corpus = f"{args.passages:,} generated passages" if args.passages else "bundled corpus"
            print(f"store: {corpus} ({time.perf_counter() - started:.0f} s to prepare)")
            print(
                f"\n{args.questions} questions from {args.users} users at once\n"
                "| rate limiter | answered | logged | p50 s | p95 s | max s | all answered after s "
                "| loop blocked max ms | loop lag p99 ms |\n"
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
            )
            for limiter, label in ((True, "production (30 msg/s)"), (False, "off")):
                result = asyncio.run(
                    run_load(
                        url,
                        root / "data",
                        users=args.users,
                        questions=args.questions,
                        limiter=limiter,
                        label=label,
                    )
                )
                print(result.line(), flush=True)
        if args.cold_start:
            url = f"sqlite:///{root / 'cold.sqlite3'}"
            data_dir = root / "cold"
            started = time.perf_counter()
            fill_store(url, args.cold_passages)
            filled = time.perf_counter() - started
            from corpus.service import service_from_settings
            from corpus.settings import Settings

            started = time.perf_counter()
            service = service_from_settings(Settings(data_dir=data_dir, database_url=url))
            service.refresh(force=True)
            first = time.perf_counter() - started
            # Staff add an issue: how long until the running service answers from it.
            from benchmarks.generate import PASSAGES_PER_ISSUE
            from corpus import queries

            added = append_issue(url, args.cold_passages // PASSAGES_PER_ISSUE + 1)
            started = time.perf_counter()
            with service.store.factory() as session:
                queries.all_passages(session)
            reread = time.perf_counter() - started
            started = time.perf_counter()
            service.refresh(force=True)
            refresh = time.perf_counter() - started
            service.store.close()
            size = sum(p.stat().st_size for p in (data_dir / "index").iterdir())
            print(
                f"\ncold start, {args.cold_passages:,} passages (store filled in {filled:.0f} s)\n"
                f"first start, tokenising everything and saving the index: {first:.1f} s "
                f"(index file {size / 2**20:.0f} MiB)\n"
                f"one new issue ({added} passages) in the running service: refresh {refresh:.2f} s "
                f"(of which re-reading every passage from the store {reread:.2f} s; "
                "appending and saving the rest)"
            )
            for attempt in range(3):
                ready, answered, n, rss = cold_start(url, data_dir)
                print(
                    f"restart {attempt + 1}: ready {ready:.2f} s after spawn "
                    f"(first answer at {answered:.2f} s), {n:,} passages, "
                    f"process RSS {rss / 2**20:,.0f} MiB"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

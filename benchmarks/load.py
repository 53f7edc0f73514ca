"""The bot under load, and its cold start, measured end to end.

``python -m benchmarks.load`` runs the real bot (``bot.app.build_application``,
the production handlers, rate limiter and service) against the loopback fake
Telegram Bot API (``tests/bot/fake_bot_api.py``) and:

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


def bundled_store(url: str) -> None:
    from corpus.store import Store

    Store.open(url).close()


# -- throughput ------------------------------------------------------------------------


@dataclass
class LoadResult:
    label: str
    answered: int
    asked: int
    replies: list[float]
    max_lag: float
    lag_p99: float
    wall: float

    def line(self) -> str:
        def p(q: float) -> float:
            return float(statistics.quantiles(self.replies, n=100)[q - 1]) if self.replies else 0

        return (
            f"| {self.label} | {self.answered}/{self.asked} | {p(50):.2f} | {p(95):.2f} | "
            f"{max(self.replies, default=0):.2f} | {self.wall:.1f} | "
            f"{self.max_lag * 1000:.0f} | {self.lag_p99 * 1000:.0f} |"
        )


async def _ticker(stop: asyncio.Event, lags: list[float], interval: float = 0.005) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(interval)
        lags.append(time.perf_counter() - started - interval)


async def run_load(
    db_url: str, data_dir: Path, *, users: int, questions: int, limiter: bool, label: str
) -> LoadResult:
    import bot.app as app_module
    from benchmarks.generate import questions as gold_questions
    from corpus.service import LinliService
    from corpus.settings import Settings
    from corpus.store import Store
    from tests.bot.fake_bot_api import FakeBotAPI, running_app

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
    try:
        with FakeBotAPI(validate_formatting=False) as fake:
            settings = Settings(
                data_dir=data_dir,
                database_url=db_url,
                telegram_bot_token=fake.token,
                telegram_api_base_url=fake.base_url,
                telegram_api_file_url=fake.base_file_url,
                rate_limit_per_minute=1000,
            )
            service = LinliService(store, index_dir=data_dir / "index")
            application = app_module.build_application(settings, service)
            async with running_app(application):
                assert application.post_init is not None
                await application.post_init(application)
                # One question first: lazy loads (dictionaries) are not what is measured.
                await asyncio.to_thread(service.answer, texts[0])
                stop, lags = asyncio.Event(), []
                ticker = asyncio.create_task(_ticker(stop, lags))
                await asyncio.sleep(0.2)
                mark = fake.mark()
                pushed: dict[int, float] = {}
                started = time.time()
                for n in range(questions):
                    user = 10_000 + n % users
                    message = fake.push_message(texts[n % len(texts)], user_id=user)
                    pushed[message["message_id"] * 1_000_000 + user] = time.time()
                calls = []
                with suppress(TimeoutError):
                    calls = await fake.wait_for(
                        "sendMessage",
                        predicate=lambda c: (
                            "reply_parameters" in c.params or "reply_to_message_id" in c.params
                        ),
                        count=questions,
                        timeout=120,
                        since=mark,
                    )
                wall = time.time() - started
                stop.set()
                await ticker
            replies = []
            for call in calls:
                target = call.params.get("reply_parameters") or {}
                if isinstance(target, str):
                    target = json.loads(target)
                reply_to = target.get("message_id") or call.params.get("reply_to_message_id")
                key = int(reply_to) * 1_000_000 + int(call.params["chat_id"])
                if key in pushed:
                    replies.append(call.time - pushed.pop(key))
    finally:
        app_module.AIORateLimiter = original_limiter
        store.close()
    lags.sort()
    return LoadResult(
        label=label,
        answered=len(replies),
        asked=questions,
        replies=replies,
        max_lag=lags[-1] if lags else 0.0,
        lag_p99=lags[int(len(lags) * 0.99)] if lags else 0.0,
        wall=wall,
    )


# -- cold start ------------------------------------------------------------------------

_COLD = """
import time, sys
started = float(sys.argv[1])
import bot.app
from corpus.service import LinliService
from corpus.store import Store
store = Store.open(sys.argv[2], seed=False)
service = LinliService(store, index_dir=__import__("pathlib").Path(sys.argv[3]))
service.refresh(force=True)
ready = time.time()
answer = service.answer("凉城街道加装电梯进展怎么样了")
print(ready - started, time.time() - started, len(service.state.records))
"""


def cold_start(db_url: str, index_dir: Path) -> tuple[float, float, int]:
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", _COLD, repr(started), db_url, str(index_dir)],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    ).stdout.split()
    return float(out[0]), float(out[1]), int(out[2])


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
                "| rate limiter | answered | p50 s | p95 s | max s | all answered after s "
                "| loop blocked max ms | loop lag p99 ms |\n|---|---:|---:|---:|---:|---:|---:|---:|"
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
            index_dir = root / "index"
            started = time.perf_counter()
            fill_store(url, args.cold_passages)
            filled = time.perf_counter() - started
            from corpus.service import LinliService
            from corpus.store import Store

            store = Store.open(url, seed=False)
            started = time.perf_counter()
            LinliService(store, index_dir=index_dir).refresh(force=True)
            first = time.perf_counter() - started
            store.close()
            size = sum(p.stat().st_size for p in index_dir.iterdir())
            print(
                f"\ncold start, {args.cold_passages:,} passages (store filled in {filled:.0f} s)\n"
                f"first start, tokenising everything and saving the index: {first:.1f} s "
                f"(index file {size / 2**20:.0f} MiB)"
            )
            for attempt in range(3):
                ready, answered, n = cold_start(url, index_dir)
                print(
                    f"restart {attempt + 1}: ready {ready:.2f} s after spawn "
                    f"(first answer at {answered:.2f} s), {n:,} passages"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

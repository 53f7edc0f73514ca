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
   Each run is a fresh process on a fresh copy of one prepared store (the
   index already saved), so no run inherits another's caches or heap.

   A/B comparisons (``--transport``, ``--gc``, ``--limiter``, ``--repeat``):
   every combination of the listed choices is run ``--repeat`` times,
   interleaved (A B, then B A, ...) so that a machine's changing load falls on
   both sides alike, and each one's medians and ranges are printed. For
   example, the bot's HTTP client and the heap freeze, without the limiter::

       python -m benchmarks.load --limiter off --transport aiohttp,httpx --repeat 8
       python -m benchmarks.load --limiter off --gc freeze,off --repeat 8

   ``--transport``: ``aiohttp`` (``bot.transport.AiohttpRequest``) or ``httpx``
   (PTB's own ``HTTPXRequest``, the builder's defaults); ``--gc``: ``freeze``
   (``bot.app.settle_heap`` freezes the heap after each index build and once
   the English dictionary is loaded) or ``off`` (``settle_heap`` does nothing,
   the collector runs as Python's defaults have it); ``production`` (the
   default of both) leaves ``bot.app`` as it is.
2. **Cold start** (``--cold-start``): a store of ``--cold-passages`` generated
   passages (default 100,000). A fresh process is timed from spawn until it has
   opened the store, built its index and answered one question, as ``linli
   serve`` does before it starts polling (imports included): first with no
   saved index (the first start: read every passage, tokenise, build, save),
   with the process's peak RSS, then three times reusing the saved index (a
   restart); each with the CPU seconds it used (less sensitive than wall time
   to a shared machine's load). ``--cold-store DIR`` keeps the generated store
   in DIR between runs (filled if missing), so repeated measurements skip the
   filling.

Corpus: ``--passages 0`` (default for throughput) is the bundled five issues;
``--passages N`` generates N passages (``benchmarks.generate``) into SQLite.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.readme import into_readme

REPO = Path(__file__).resolve().parents[1]


# -- a store of generated passages -----------------------------------------------------


def fill_store(url: str, passages: int, seed: int = 0) -> None:
    """Write ``passages`` generated passages (in whole issues) into an empty store."""
    import hashlib

    from sqlalchemy import insert

    from benchmarks.generate import issues
    from corpus.store import issues as queries
    from corpus.store.engine import Store, transaction
    from corpus.store.models import Article, Issue, Passage

    store = Store.open(url)
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
    from corpus.store import issues as queries
    from corpus.store.engine import Store, transaction
    from corpus.store.models import Article, Issue, Passage

    item = issue(number, seed)
    store = Store.open(url)
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
    from corpus.ingest.seed import seed_demo
    from corpus.store.engine import Store

    store = Store.open(url)
    seed_demo(store)
    store.close()


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
    # CPU seconds the bot's process used during the burst (all its threads).
    cpu: float = 0.0
    # The bot's HTTP client class, and objects frozen by gc.freeze when the burst began.
    transport: str = ""
    frozen: int = 0
    # The collector during the burst: collections of generations 0, 1 and 2, the time
    # they took in all, the longest one, and the same for full (generation 2) ones.
    collections: list[int] = field(default_factory=lambda: [0, 0, 0])
    collection_time: float = 0.0
    longest_collection: float = 0.0
    full_collections: int = 0
    longest_full_collection: float = 0.0
    # A full collection forced right after the burst: what one costs whenever it comes.
    forced_collection: float = 0.0

    def percentile(self, q: int) -> float:
        return float(statistics.quantiles(self.replies, n=100)[q - 1]) if self.replies else 0.0

    def line(self) -> str:
        return (
            f"| {self.label} | {self.answered}/{self.asked} | {self.logged} | "
            f"{self.percentile(50):.2f} | {self.percentile(95):.2f} | "
            f"{max(self.replies, default=0):.2f} | {self.wall:.1f} | "
            f"{self.max_lag * 1000:.0f} | {self.lag_p99 * 1000:.0f} |"
        )


def _log_size(store: Any) -> int:
    from sqlalchemy import func, select

    from corpus.store.models import QueryLogEntry

    with store.factory() as session:
        return int(session.scalar(select(func.count()).select_from(QueryLogEntry)) or 0)


async def _ticker(stop: asyncio.Event, lags: list[float], interval: float = 0.005) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(interval)
        lags.append(time.perf_counter() - started - interval)


def _spy(out: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling this process (the GIL's holder only) until sent SIGINT."""
    spying = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("py-spy")),
            "record",
            "--pid",
            str(os.getpid()),
            "--gil",
            "--threads",
            "--rate",
            "250",
            "--format",
            "raw",
            "--output",
            str(out),
        ],
        stderr=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)  # attached before the burst starts (blocking: the ticker is not on yet)
    return spying


async def _full_collection() -> float:
    """Seconds one full collection takes now.

    gc.collect() returns at once, collecting nothing, while another thread is in the
    middle of a collection (an answer thread can be): then wait and try again.
    """
    import gc

    for _ in range(20):
        done = gc.get_stats()[2]["collections"]
        started = time.perf_counter()
        gc.collect()
        took = time.perf_counter() - started
        if gc.get_stats()[2]["collections"] > done:
            return took
        await asyncio.sleep(0.05)
    return float("nan")


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
    db_url: str,
    data_dir: Path,
    *,
    users: int,
    questions: int,
    limiter: bool,
    label: str,
    transport: str = "production",
    gc_mode: str = "production",
    spy: Path | None = None,
) -> LoadResult:
    import gc
    from multiprocessing.managers import BaseManager

    import bot.app as app_module
    from benchmarks.generate import questions as gold_questions
    from corpus.answer.service import service_from_settings
    from corpus.api import Corpus
    from corpus.settings import Settings
    from corpus.store.engine import Store
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
    # One run per process (main() spawns them): what is patched here is not put back.
    if transport == "httpx":
        from telegram.request import HTTPXRequest

        app_module.AiohttpRequest = lambda size: HTTPXRequest(connection_pool_size=size)  # type: ignore[assignment,misc]
    elif transport == "aiohttp":
        from bot.transport import AiohttpRequest

        app_module.AiohttpRequest = AiohttpRequest  # type: ignore[misc]
    if gc_mode == "off":
        app_module.settle_heap = lambda: None
    # (generation, seconds) of each collection the collector ran during the burst.
    collections: list[tuple[int, float]] = []
    gc_started = [0.0]

    def time_collections(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            collections.append((info["generation"], time.perf_counter() - gc_started[0]))

    store = Store.open(db_url)
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
        corpus = Corpus(store, service, b"load-benchmark")
        application = app_module.build_application(settings, corpus)
        transport_name = type(application.bot.request).__name__
        async with running_app(application):
            assert application.post_init is not None
            await application.post_init(application)
            # A Chinese and an English question first: lazy loads (the segmenter,
            # the English dictionary) happen once per process, not per question.
            from retrieval.index import kernel

            if kernel.AVAILABLE:
                kernel.load()  # steady state, not a fresh process's numpy answers
            for warm in (texts[0], "When does the community canteen open?"):
                await asyncio.to_thread(service.answer, warm)
            # Blocking calls (the fake's process, the database): made before the ticker
            # starts, or the loop would be measured waiting for the benchmark itself.
            mark = fake.mark()
            logged_before = _log_size(store)
            spying = _spy(spy) if spy else None
            stop = asyncio.Event()
            ticker = asyncio.create_task(_ticker(stop, lags))
            await asyncio.sleep(0.2)
            frozen = gc.get_freeze_count()
            gc.callbacks.append(time_collections)
            cpu_started = time.process_time()
            started = time.time()
            # In a thread, like every call to the fake's process: the loop must not wait.
            pushed = {
                (message_id, user): at
                for message_id, user, at in await asyncio.to_thread(
                    fake.push_messages,
                    [texts[n % len(texts)] for n in range(questions)],
                    [10_000 + n % users for n in range(questions)],
                )
            }
            calls = await asyncio.to_thread(fake.replies, mark, questions, 120)
            wall = time.time() - started
            cpu = time.process_time() - cpu_started
            gc.callbacks.remove(time_collections)
            if spying is not None:
                spying.send_signal(signal.SIGINT)
                await asyncio.to_thread(spying.wait)
            stop.set()
            await ticker
            forced = await _full_collection()
            # The log is written in batches, each entry queued just after its reply
            # arrived here: the flushes of the next few seconds must find all of them.
            deadline = time.monotonic() + 5
            while True:
                await asyncio.to_thread(corpus.log.flush)
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
        cpu=cpu,
        transport=transport_name,
        frozen=frozen,
        collections=[sum(1 for g, _ in collections if g == n) for n in range(3)],
        collection_time=sum(t for _, t in collections),
        longest_collection=max((t for _, t in collections), default=0.0),
        full_collections=sum(1 for g, _ in collections if g == 2),
        longest_full_collection=max((t for g, t in collections if g == 2), default=0.0),
        forced_collection=forced,
    )


# -- runs in fresh processes, and A/B comparisons ----------------------------------------


@dataclass(frozen=True)
class Variant:
    limiter: bool
    transport: str
    gc: str

    @property
    def label(self) -> str:
        parts = ["production (30 msg/s)" if self.limiter else "off"]
        if self.transport != "production":
            parts.append(self.transport)
        if self.gc != "production":
            parts.append(f"gc {self.gc}")
        return ", ".join(parts)


def run_dir(template: Path) -> Path:
    """Where each run's copy of the store prepared in ``template`` is made."""
    return template.with_name(template.name + ".run")


def prepare_template(template: Path, passages: int) -> None:
    """Prepare the store where runs will use it (see run_in_process), keep it in ``template``."""
    import shutil

    work = run_dir(template)
    work.mkdir(parents=True)
    prepare_store(work, passages)
    shutil.rmtree(template, ignore_errors=True)
    work.rename(template)


def prepare_store(root: Path, passages: int) -> tuple[str, Path]:
    """A store and a data folder with its index already saved, to be copied for each run."""
    from corpus.answer.service import service_from_settings
    from corpus.settings import Settings

    url = f"sqlite:///{root / 'load.sqlite3'}"
    if passages:
        fill_store(url, passages)
    else:
        bundled_store(url)
    service = service_from_settings(Settings(data_dir=root / "data", database_url=url))
    service.refresh(force=True)
    service.store.close()
    return url, root / "data"


def run_in_process(
    template: Path, variant: Variant, *, users: int, questions: int, spy: Path | None = None
) -> LoadResult:
    """One run of the burst in a fresh process, on its own copy of the prepared store.

    The copy is always made at the same path, the one the store was prepared at
    (``template`` with ``.run`` added): the saved index is keyed by the database's URL,
    and a copy anywhere else made every run rebuild it from the passages at start (as no
    restart of the bot does), 19 s at 100k passages, leaving another heap behind.
    """
    import shutil

    tmp = str(run_dir(template))
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(template, tmp)
    try:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.load",
                "--run-in",
                tmp,
                "--users",
                str(users),
                "--questions",
                str(questions),
                "--limiter",
                "on" if variant.limiter else "off",
                "--transport",
                variant.transport,
                "--gc",
                variant.gc,
                *(["--spy", str(spy)] if spy else []),
            ],
            check=True,
            capture_output=True,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        ).stdout
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    fields = json.loads(out.strip().splitlines()[-1])
    fields["label"] = variant.label
    return LoadResult(**fields)


def _median_range(values: Sequence[float], scale: float = 1.0, digits: int = 2) -> str:
    low, mid, high = min(values) * scale, statistics.median(values) * scale, max(values) * scale
    return f"{mid:.{digits}f} ({low:.{digits}f}-{high:.{digits}f})"


def summary(results: dict[Variant, list[LoadResult]]) -> str:
    """Each variant's median (and range) over its runs."""
    lines = [
        "| variant | runs | client | answered | p50 s | p95 s | max s | CPU s | "
        "loop blocked max ms | collections gen 0/1/2 | in collections ms | "
        "longest collection ms | forced full collection ms |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for variant, runs in results.items():
        answered = sum(r.answered for r in runs)
        asked = sum(r.asked for r in runs)
        clients = ", ".join(sorted({r.transport for r in runs}))
        lines.append(
            f"| {variant.label} | {len(runs)} | {clients} | {answered}/{asked} | "
            f"{_median_range([r.percentile(50) for r in runs])} | "
            f"{_median_range([r.percentile(95) for r in runs])} | "
            f"{_median_range([max(r.replies, default=0) for r in runs])} | "
            f"{_median_range([r.cpu for r in runs])} | "
            f"{_median_range([r.max_lag for r in runs], 1000, 0)} | "
            f"{'/'.join(f'{statistics.median(r.collections[g] for r in runs):g}' for g in range(3))}"
            " | "
            f"{_median_range([r.collection_time for r in runs], 1000, 0)} | "
            f"{_median_range([r.longest_collection for r in runs], 1000, 0)} | "
            f"{_median_range([r.forced_collection for r in runs], 1000, 0)} |"
        )
    return "\n".join(lines)


# -- cold start ------------------------------------------------------------------------

_COLD = """
import time, sys
started = float(sys.argv[1])
from pathlib import Path
from bot.launch import settled_imports
with settled_imports():  # as the linli command imports it
    import bot.app
from corpus.answer.service import service_from_settings
from corpus.settings import Settings
service = service_from_settings(Settings(data_dir=Path(sys.argv[3]), database_url=sys.argv[2]))
service.after_rebuild.append(bot.app.settle_heap)  # as build_application does
service.load()  # what post_init does before the bot takes updates
ready, cpu = time.time(), time.process_time()
answer = service.answer("凉城街道加装电梯进展怎么样了")
answered, answer_cpu = time.time(), time.process_time()
status = dict(l.split(":", 1) for l in open("/proc/self/status"))
rss, peak = (int(status[k].split()[0]) * 1024 for k in ("VmRSS", "VmHWM"))
import resource
children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the tokenising workers, if any
workers, workers_cpu = children.ru_maxrss * 1024, children.ru_utime + children.ru_stime
print(ready - started, answered - started, len(service.state.records), rss, peak, cpu, answer_cpu,
      workers, workers_cpu)
"""


@dataclass(frozen=True)
class ColdStart:
    ready: float  # seconds from spawn until the index answers
    answered: float  # ... until the first answer is made
    passages: int
    rss: int  # bytes after the first answer
    peak: int  # the process's peak RSS (VmHWM), bytes
    cpu: float  # CPU seconds the process used until ready (all threads, imports included)
    answer_cpu: float  # ... until the first answer is made
    worker_peak: int  # the peak RSS of the largest worker process that tokenised, bytes (0: none)
    worker_cpu: float  # CPU seconds the workers used, all together


def cold_start(db_url: str, data_dir: Path) -> ColdStart:
    """One fresh process: open the store, build or load the index, answer once."""
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", _COLD, repr(started), db_url, str(data_dir)],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    ).stdout.split()
    return ColdStart(
        float(out[0]),
        float(out[1]),
        int(out[2]),
        int(out[3]),
        int(out[4]),
        float(out[5]),
        float(out[6]),
        int(out[7]),
        float(out[8]),
    )


def _warm_kernel() -> None:
    """Compile the search kernel into numba's disk cache in a process of its own."""
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from retrieval import Retriever\n"
            "from retrieval.index import kernel\n"
            "if kernel.AVAILABLE:\n"
            "    kernel.load()\n"
            "    r = Retriever.from_texts(['凉城新村街道加装电梯', '长风社区楼道堆物'])\n"
            "    r.search('加装电梯')\n"
            "    kernel.warm(r.index._snap, r.index._vocab)\n",
        ],
        check=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def run_cold_start(root: Path, passages: int) -> None:
    """Print the first start, a new issue in the running service, and three restarts."""
    import compileall
    import shutil

    # As deployed: pip byte-compiles what it installs, but not this checkout (an
    # editable install), and with PYTHONDONTWRITEBYTECODE set (as on the machines
    # these figures come from) every start would compile Linli's modules again.
    for package in ("bot", "corpus", "retrieval"):
        compileall.compile_dir(REPO / package, quiet=1)
    # Likewise numba's disk cache of the search kernel, which a deployed bot fills once:
    # in a fresh checkout each timed start would compile it in a background thread
    # until its exit (seconds of CPU counted against the start).
    _warm_kernel()

    from benchmarks.generate import PASSAGES_PER_ISSUE

    root.mkdir(parents=True, exist_ok=True)
    store = root / f"cold-{passages}.sqlite3"
    url = f"sqlite:///{store}"
    fresh_copy = root / f"cold-{passages}.fresh.sqlite3"
    started = time.perf_counter()
    if not fresh_copy.exists():
        partial = fresh_copy.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        fill_store(f"sqlite:///{partial}", passages)
        partial.rename(fresh_copy)
        print(f"\nstore of {passages:,} passages filled in {time.perf_counter() - started:.0f} s")
    # Every run starts from the same store (the issue appended below is not kept).
    shutil.copyfile(fresh_copy, store)
    data_dir = root / f"cold-{passages}"
    shutil.rmtree(data_dir, ignore_errors=True)

    first = cold_start(url, data_dir)
    size = sum(p.stat().st_size for p in (data_dir / "index").iterdir())
    print(
        f"\ncold start, {first.passages:,} passages\n"
        f"first start (no saved index: read, tokenise, build, save): ready {first.ready:.1f} s "
        f"after spawn ({first.cpu:.1f} s CPU; first answer at {first.answered:.1f} s, "
        f"{first.answer_cpu:.1f} s CPU), peak RSS "
        f"{first.peak / 2**20:,.0f} MiB, RSS after {first.rss / 2**20:,.0f} MiB, "
        f"index file {size / 2**20:.0f} MiB"
        + (
            f"; tokenised by worker processes: {first.worker_cpu:.1f} s CPU in all, "
            f"the largest's peak RSS {first.worker_peak / 2**20:,.0f} MiB"
            if first.worker_cpu
            else ""
        ),
        flush=True,
    )

    # Staff add an issue: how long until the running service answers from it.
    from corpus.answer.service import service_from_settings
    from corpus.settings import Settings
    from corpus.store import issues as queries

    service = service_from_settings(Settings(data_dir=data_dir, database_url=url))
    service.refresh(force=True)
    added = append_issue(url, passages // PASSAGES_PER_ISSUE + 1)
    started = time.perf_counter()
    with service.store.factory() as session:
        queries.all_passages(session)
    reread = time.perf_counter() - started
    started = time.perf_counter()
    service.refresh(force=True)
    refresh = time.perf_counter() - started
    service.store.close()
    print(
        f"one new issue ({added} passages) in the running service: refresh {refresh:.2f} s "
        f"(of which re-reading every passage from the store {reread:.2f} s; "
        "appending and saving the rest)",
        flush=True,
    )
    for attempt in range(3):
        run = cold_start(url, data_dir)
        print(
            f"restart {attempt + 1}: ready {run.ready:.2f} s after spawn ({run.cpu:.2f} s CPU; "
            f"first answer at {run.answered:.2f} s, {run.answer_cpu:.2f} s CPU), "
            f"{run.passages:,} passages, "
            f"process RSS {run.rss / 2**20:,.0f} MiB (peak {run.peak / 2**20:,.0f} MiB)",
            flush=True,
        )


def main(argv: Sequence[str] | None = None) -> int:
    import argparse
    import logging

    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__)
    parser.add_argument("--passages", type=int, default=0, help="0 = the bundled corpus")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--cold-start", action="store_true", help="also time a cold start")
    parser.add_argument("--cold-passages", type=int, default=100_000)
    parser.add_argument(
        "--cold-store", type=Path, help="keep the cold start's generated store in this directory"
    )
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument(
        "--limiter", default="on,off", help="rate limiter: on, off or both (on,off)"
    )
    parser.add_argument(
        "--transport",
        default="production",
        help="the bot's HTTP client: aiohttp, httpx or both (aiohttp,httpx); "
        "production = as bot.app builds it",
    )
    parser.add_argument(
        "--gc",
        default="production",
        help="freeze (bot.app.settle_heap), off, or both (freeze,off); "
        "production = as bot.app does it",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each variant, interleaved")
    parser.add_argument(
        "--spy",
        type=Path,
        help="record where the bot's threads hold the GIL during each burst (py-spy "
        "--gil --threads, raw stacks) into FILE.<variant>.<run>",
    )
    parser.add_argument(
        "--readme",
        type=Path,
        help="also write this run's output into this README's block for the corpus size "
        "(see benchmarks/readme.py)",
    )
    # Internal: one run in this process, on the prepared store in DIR; prints JSON.
    parser.add_argument("--run-in", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    def choices(value: str, allowed: tuple[str, ...]) -> list[str]:
        chosen = [v.strip() for v in value.split(",") if v.strip()]
        if not chosen or any(v not in allowed for v in chosen):
            parser.error(f"choose from {', '.join(allowed)} (comma-separated), not {value!r}")
        return chosen

    limiters = [v == "on" for v in choices(args.limiter, ("on", "off"))]
    transports = choices(args.transport, ("production", "aiohttp", "httpx"))
    gc_modes = choices(args.gc, ("production", "freeze", "off"))

    if args.run_in is not None:
        [limiter], [transport], [gc_mode] = limiters, transports, gc_modes
        result = asyncio.run(
            run_load(
                f"sqlite:///{args.run_in / 'load.sqlite3'}",
                args.run_in / "data",
                users=args.users,
                questions=args.questions,
                limiter=limiter,
                label="",
                transport=transport,
                gc_mode=gc_mode,
                spy=args.spy,
            )
        )
        print(json.dumps(asdict(result)))
        return 0

    block = f"benchmarks.load --passages {args.passages}" + (
        " --cold-start" if args.cold_start else ""
    )
    with into_readme(args.readme, block):
        return _run(args, argv, limiters, transports, gc_modes)


def _run(
    args: Any,
    argv: Sequence[str] | None,
    limiters: list[bool],
    transports: list[str],
    gc_modes: list[str],
) -> int:
    print(f"python -m benchmarks.load {' '.join(sys.argv[1:] if argv is None else argv)}".strip())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if not args.no_throughput:
            template = root / "load"
            started = time.perf_counter()
            prepare_template(template, args.passages)
            corpus = f"{args.passages:,} generated passages" if args.passages else "bundled corpus"
            print(f"store: {corpus} ({time.perf_counter() - started:.0f} s to prepare)")
            variants = [
                Variant(limiter, transport, gc_mode)
                for limiter in limiters
                for transport in transports
                for gc_mode in gc_modes
            ]
            print(
                f"\n{args.questions} questions from {args.users} users at once; "
                f"{len(variants)} variant(s) x {args.repeat} run(s), interleaved, "
                "each in a fresh process\n"
                "| rate limiter | answered | logged | p50 s | p95 s | max s | all answered after s "
                "| loop blocked max ms | loop lag p99 ms | CPU s | client | frozen objects "
                "| collections gen 0/1/2 | in collections ms | longest collection ms "
                "| forced full collection ms |\n"
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---:|---:|---:|"
            )
            results: dict[Variant, list[LoadResult]] = {v: [] for v in variants}
            for attempt in range(args.repeat):
                # A B C, then C B A: a drift in the machine's load falls on every side alike.
                for variant in variants if attempt % 2 == 0 else variants[::-1]:
                    result = run_in_process(
                        template,
                        variant,
                        users=args.users,
                        questions=args.questions,
                        spy=args.spy
                        and args.spy.with_name(f"{args.spy.name}.{variant.label}.{attempt}"),
                    )
                    results[variant].append(result)
                    print(
                        f"{result.line()} {result.cpu:.2f} | {result.transport} | "
                        f"{result.frozen:,} | {'/'.join(map(str, result.collections))} | "
                        f"{result.collection_time * 1000:.0f} | "
                        f"{result.longest_collection * 1000:.0f} | "
                        f"{result.forced_collection * 1000:.0f} |",
                        flush=True,
                    )
            if args.repeat > 1:
                print(f"\nmedian (min-max) over {args.repeat} runs of each\n{summary(results)}")
        if args.cold_start:
            run_cold_start(args.cold_store or root / "cold", args.cold_passages)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

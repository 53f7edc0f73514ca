"""Simulate a day of residents' traffic into a Linli database, and print the expected figures.

Every question goes through the real service, as the bot does it: ``LinliService.answer``,
then ``record`` (the pseudonymous log entry), then ``feedback`` for some found answers.
Only the timestamps are simulated: each entry is moved to its simulated time within the
23 hours before the run, spread over the day like real traffic (quiet at night, busy
mornings and evenings, Beijing time). Questions are the gold set's (all phrasings,
including its unanswerable ones) plus a few more unanswerable ones in several wordings,
asked with Zipf-like popularity by many users.

The figures printed at the end are computed here from what was sent, independently of
``corpus.logstats``, so an admin can check them against ``linli stats --since 1d``,
``linli logs --unanswered`` and the bot's /stats, /unanswered and /top.

Everything is deterministic for a given ``--seed`` except the latencies (measured) and
the absolute times (relative to now, or to ``--now``)::

    LINLI_DATA_DIR=/tmp/linli-sim .venv/bin/python -m benchmarks.simulate_traffic
    LINLI_DATA_DIR=/tmp/linli-sim .venv/bin/linli stats --since 1d
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import statistics
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from corpus.answer.service import LinliService
from corpus.api import Corpus
from corpus.ingest.seed import seed_demo
from corpus.querylog.write import load_or_create_secret
from corpus.settings import Settings
from corpus.store.engine import Store, transaction
from corpus.store.models import QueryLogEntry
from retrieval import normalize

GOLD = Path(__file__).resolve().parents[1] / "corpus" / "gold" / "questions.jsonl"
BEIJING = timezone(timedelta(hours=8))
WINDOW = timedelta(hours=23)  # stays inside `--since 1d` for an hour after the run
# Share of questions per local hour: quiet nights, a morning peak and a bigger evening one.
HOUR_WEIGHTS = (
    (0, 1.0), (1, 0.5), (2, 0.3), (3, 0.2), (4, 0.2), (5, 0.5),
    (6, 2.0), (7, 5.0), (8, 8.0), (9, 10.0), (10, 9.0), (11, 7.0),
    (12, 6.0), (13, 7.0), (14, 8.0), (15, 7.0), (16, 6.0), (17, 7.0),
    (18, 9.0), (19, 11.0), (20, 12.0), (21, 10.0), (22, 6.0), (23, 3.0),
)  # fmt: skip
# Topics none of the bundled issues covers, each asked in several wordings: the content
# gaps /unanswered should show as groups.
UNANSWERABLE = (
    "小区停车费多少钱",
    "小区停车费怎么收",
    "停车费多少钱一个月",
    "游泳池几点开门",
    "游泳池什么时候开门",
    "社区食堂几点开饭",
    "社区食堂在哪里吃饭",
    "电动车充电桩在哪里",
    "哪里有电动车充电桩",
    "狗证在哪里办",
    "物业费今年涨了吗",
    "Where can I pay the parking fee?",
)
TELEGRAM_ID_BASE = 7_000_000_000  # far from any id a test or a real resident uses
CLI_USER = "cli:office-pc"


@dataclass(frozen=True)
class Visit:
    at: datetime
    question: str
    user: int | str
    channel: str


@dataclass
class Outcome:
    visit: Visit
    found: bool
    latency_ms: float
    feedback: int | None


def load_questions(path: Path = GOLD) -> list[str]:
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            questions.append(json.loads(line)["question"])
    return questions + list(UNANSWERABLE)


def simulated_time(rng: random.Random, now: datetime) -> datetime:
    """A moment in the window before ``now`` whose Beijing hour follows HOUR_WEIGHTS."""
    hours, weights = zip(*HOUR_WEIGHTS, strict=True)
    end = now - timedelta(minutes=1)
    start = now - WINDOW
    while True:
        hour = rng.choices(hours, weights)[0]
        local_end = end.astimezone(BEIJING)
        top = local_end.replace(hour=hour, minute=0, second=0, microsecond=0)
        if top > local_end:
            top -= timedelta(days=1)
        first = max(top.astimezone(UTC), start)
        last = min((top + timedelta(hours=1)).astimezone(UTC), end)
        if last - first >= timedelta(seconds=1):  # this hour's slot lies in the window
            return first + (last - first) * rng.random()


def plan(seed: int, count: int, users: int, now: datetime) -> list[Visit]:
    """Who asks what, when and where: deterministic for a seed."""
    rng = random.Random(seed)
    pool = load_questions()
    rng.shuffle(pool)
    # Zipf-like popularity: a few questions are asked again and again.
    popularity = [1.0 / (rank + 1) ** 0.9 for rank in range(len(pool))]
    activity = [1.0 / (rank + 1) ** 0.6 for rank in range(users)]
    visits = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.04:
            user: int | str = CLI_USER
            channel = "cli"
        else:
            user = TELEGRAM_ID_BASE + rng.choices(range(users), activity)[0]
            channel = "group" if roll < 0.2 else "private"
        visits.append(
            Visit(
                at=simulated_time(rng, now),
                question=rng.choices(pool, popularity)[0],
                user=user,
                channel=channel,
            )
        )
    visits.sort(key=lambda v: v.at)
    return visits


def run(service: Corpus, visits: list[Visit], seed: int) -> list[Outcome]:
    """Ask, record and rate every visit through the service, then move it to its time."""
    rng = random.Random(seed + 1)
    service.answers.refresh(force=True)  # the index is built before the day starts, as in the bot
    outcomes = []
    for visit in visits:
        answer = service.answers.answer(visit.question)
        ref = service.log.record(answer, channel=visit.channel, user_id=visit.user)
        feedback = None
        # Buttons are shown under found answers only; about a third of residents press one.
        if answer.found and visit.channel != "cli" and rng.random() < 0.35:
            feedback = 1 if rng.random() < 0.75 else -1
            if not service.log.feedback(ref, feedback):
                raise RuntimeError(f"feedback for {ref} found no log entry")
        rated_at = visit.at + timedelta(seconds=rng.uniform(5, 50)) if feedback else None
        with transaction(service.store.factory) as session:
            values: dict[str, Any] = {"created_at": visit.at}
            if rated_at is not None:
                values["feedback_at"] = rated_at
            session.execute(update(QueryLogEntry).where(QueryLogEntry.ref == ref).values(**values))
        outcomes.append(Outcome(visit, answer.found, answer.took_ms, feedback))
    return outcomes


def _key(question: str) -> str:
    text = normalize(unicodedata.normalize("NFKC", question))
    return "".join(c for c in text if unicodedata.category(c)[0] not in "PZSC")


def _nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def expected(outcomes: list[Outcome]) -> dict[str, Any]:
    """The figures an admin should see for this day, computed from what was sent."""
    latencies = [o.latency_ms for o in outcomes]
    hours = Counter(o.visit.at.astimezone(BEIJING).hour for o in outcomes)
    days: dict[date, list[int]] = {}
    for o in outcomes:
        counts = days.setdefault(o.visit.at.astimezone(BEIJING).date(), [0, 0])
        counts[0 if o.found else 1] += 1
    asked: Counter[str] = Counter()
    wording: dict[str, str] = {}
    missed: Counter[str] = Counter()
    for o in outcomes:
        key = _key(o.visit.question)
        asked[key] += 1
        wording.setdefault(key, o.visit.question)
        if not o.found:
            missed[o.visit.question] += 1
    found = sum(o.found for o in outcomes)
    return {
        "questions": len(outcomes),
        "users": len({o.visit.user for o in outcomes}),
        "found": found,
        "not_found": len(outcomes) - found,
        "found_rate": round(found / len(outcomes), 4) if outcomes else None,
        "latency_ms": {
            "median": round(statistics.median(latencies), 1) if latencies else None,
            "p95": round(_nearest_rank(latencies, 0.95), 1) if latencies else None,
        },
        "feedback": {
            "up": sum(o.feedback == 1 for o in outcomes),
            "down": sum(o.feedback == -1 for o in outcomes),
        },
        "busiest_hours": [
            {"hour": h, "questions": c}
            for h, c in sorted(hours.items(), key=lambda hc: (-hc[1], hc[0]))[:3]
        ],
        "channels": dict(sorted(Counter(o.visit.channel for o in outcomes).items())),
        "days": [
            {"date": d.isoformat(), "found": f, "not_found": n}
            for d, (f, n) in sorted(days.items())
        ],
        "top": [{"question": wording[k], "count": c} for k, c in asked.most_common(5)],
        "unanswered": [{"question": q, "count": c} for q, c in missed.most_common(10)],
    }


def report(figures: dict[str, Any], db: str) -> str:
    lines = [
        f"Simulated {figures['questions']} questions into {db}",
        f"questions        {figures['questions']}",
        f"distinct users   {figures['users']}",
        f"found            {figures['found']} ({figures['found_rate']:.1%}); "
        f"nothing found {figures['not_found']}",
        f"latency          median {figures['latency_ms']['median']:.1f} ms, "
        f"p95 {figures['latency_ms']['p95']:.1f} ms",
        f"feedback         👍 {figures['feedback']['up']}  👎 {figures['feedback']['down']}",
        "busiest hours    "
        + ", ".join(f"{b['hour']:02d}:00 ({b['questions']})" for b in figures["busiest_hours"])
        + " (UTC+8)",
        "channels         " + ", ".join(f"{k} {v}" for k, v in figures["channels"].items()),
        "per day (UTC+8)  found / nothing found",
        *(f"  {d['date']}  {d['found']:5d} / {d['not_found']}" for d in figures["days"]),
        "most asked",
        *(f"  {t['count']:4d}×  {t['question']}" for t in figures["top"]),
        "found nothing (by wording)",
        *(f"  {u['count']:4d}×  {u['question']}" for u in figures["unanswered"]),
        "",
        "Compare within the hour: linli stats --since 1d; linli logs --unanswered --since 1d;",
        "in Telegram as an admin: /stats 1d, /unanswered 1d, /top 1d, /export 1d.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="SQLAlchemy URL (default: the configured store)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--questions", type=int, default=400)
    parser.add_argument("--users", type=int, default=80)
    parser.add_argument("--now", help="ISO time the simulated day ends at (default: now)")
    parser.add_argument("--json", action="store_true", help="print the expected figures as JSON")
    parser.add_argument(
        "--force", action="store_true", help="add to a log that already has recent entries"
    )
    args = parser.parse_args(argv)
    logging.getLogger("jieba").setLevel(logging.WARNING)  # its start-up chatter hides the report
    settings = Settings.from_env()
    db = args.db or settings.db_url
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    if now.tzinfo is None:
        parser.error("--now needs a timezone, e.g. 2024-05-01T18:00:00+08:00")
    store = Store.open(db)
    seed_demo(store)  # the questions are about the bundled issues
    try:
        with store.factory() as session:
            recent = session.scalar(
                select(func.count())
                .select_from(QueryLogEntry)
                .where(QueryLogEntry.created_at >= now - timedelta(days=2))
            )
        if recent and not args.force:
            print(
                f"the log already has {recent} entries from the last two days: the expected "
                "figures would not match (use a fresh LINLI_DATA_DIR, or --force)",
                file=sys.stderr,
            )
            return 1
        secret = load_or_create_secret(settings.log_hmac_secret, settings.data_dir)
        service = Corpus(store, LinliService(store), secret)
        visits = plan(args.seed, args.questions, args.users, now)
        figures = expected(run(service, visits, args.seed))
        where = store.engine.url.render_as_string(hide_password=True)
    finally:
        store.close()
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        print(report(figures, where))
    return 0


if __name__ == "__main__":
    sys.exit(main())

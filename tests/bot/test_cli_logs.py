"""`linli logs`, `linli logs purge` and `linli stats`, run as an admin would run them."""

from __future__ import annotations

import csv
import getpass
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from corpus.querylog.write import load_or_create_secret, pseudonym
from corpus.store.engine import Store, transaction
from corpus.store.models import QueryLogEntry
from tests.corpus.test_logstats import add, dump_database

QUESTION = "世纪同乐小区什么时候清理楼道堆物？"


@pytest.fixture
def store(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """The database the CLI uses (DATABASE_URL), opened by the test to arrange entries."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    opened = Store.open(db_url)
    yield opened
    opened.close()


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def traffic(store: Store) -> datetime:
    now = datetime.now(UTC)
    add(store, at=now - timedelta(hours=1), user="a", latency=10, feedback=1)
    add(store, at=now - timedelta(hours=1), user="b", latency=20, feedback=-1)
    add(
        store,
        at=now - timedelta(hours=2),
        user="a",
        latency=30,
        question="游泳池几点开门",
        found=False,
    )
    add(
        store,
        at=now - timedelta(hours=3),
        user="c",
        latency=40,
        question="游泳池什么时候开门",
        found=False,
    )
    add(store, at=now - timedelta(days=10), user="d", question="十天前的问题")
    add(store, at=now - timedelta(days=200), user="e", question="两百天前的问题")
    return now


def entries(store: Store) -> list[QueryLogEntry]:
    with store.factory() as session:
        return list(session.scalars(select(QueryLogEntry).order_by(QueryLogEntry.created_at)))


def test_questions_asked_from_the_cli_are_recorded_pseudonymously(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The question is about the demo corpus, which a PostgreSQL store gets only when asked.
    monkeypatch.setenv("LINLI_DEMO_CORPUS", "1")
    code, _ = run("ask", QUESTION)
    assert code == 0
    code, _ = run("ask", "游泳池几点开门")
    [found, missed] = entries(store)
    assert (found.channel, found.found, missed.found) == ("cli", True, False)
    secret = load_or_create_secret(None, tmp_path / "data")
    assert found.user_hash == missed.user_hash == pseudonym(secret, "cli:" + getpass.getuser())
    assert found.created_at.tzinfo is not None and found.latency_ms > 0
    assert "cli:" + getpass.getuser() not in dump_database(store)


def test_stats_prints_the_figures_of_the_period(store: Store) -> None:
    traffic(store)
    code, text = run("stats", "--since", "7d")
    assert code == 0
    assert "questions        4" in text and "distinct users   3" in text
    assert "found            2 (50.0%); nothing found 2" in text
    assert "median 25.0 ms, p95 40.0 ms" in text and "👍 1  👎 1" in text
    code, raw = run("stats", "--since", "all", "--json")
    data = json.loads(raw)
    assert (data["questions"], data["users"], data["found"]) == (6, 5, 4)
    assert data["period"]["label"] == "all" and data["feedback"] == {"up": 1, "down": 1}
    assert sum(d["found"] + d["not_found"] for d in data["days"]) == 6
    code, text = run("stats")  # default: the last 7 days
    assert "questions        4" in text


def test_logs_lists_entries_as_text_json_and_csv(store: Store) -> None:
    traffic(store)
    code, text = run("logs")
    lines = text.splitlines()
    assert code == 0 and len(lines) == 4
    assert "游泳池什么时候开门" in lines[0] and "NOTHING" in lines[0]
    assert QUESTION in lines[-1] and "found" in lines[-1]
    code, raw = run("logs", "--since", "30d", "--json")
    rows = [json.loads(line) for line in raw.splitlines()]
    assert rows[0]["question"] == "十天前的问题" and len(rows) == 5
    assert rows[-1]["time"].endswith("+00:00") and rows[-1]["results"][0]["passage_id"] == 3
    code, raw = run("logs", "--since", "all", "--csv")
    assert raw.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(raw.lstrip("\ufeff"))))
    assert table[0][:5] == ["time", "channel", "user", "lang", "question"]
    assert [r[4] for r in table[1:3]] == ["两百天前的问题", "十天前的问题"] and len(table) == 7


def test_logs_unanswered_groups_similar_questions(store: Store) -> None:
    traffic(store)
    code, text = run("logs", "--unanswered")
    assert code == 0
    assert text.splitlines() == ["    2×  游泳池几点开门 / 游泳池什么时候开门"]
    code, raw = run("logs", "--unanswered", "--json")
    [group] = [json.loads(line) for line in raw.splitlines()]
    assert group["count"] == 2 and group["examples"] == ["游泳池几点开门", "游泳池什么时候开门"]
    code, raw = run("logs", "--unanswered", "--csv")
    table = list(csv.reader(io.StringIO(raw.lstrip("\ufeff"))))
    assert [r[4] for r in table[1:]] == ["游泳池什么时候开门", "游泳池几点开门"]


def test_an_empty_log_says_so(store: Store) -> None:
    assert run("logs")[1].strip() == "No questions in this period."
    assert run("logs", "--unanswered")[1].strip() == "No unanswered questions in this period."
    assert "No questions in this period." in run("stats")[1]


def test_logs_purge_deletes_only_entries_past_the_retention(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    traffic(store)
    code, text = run("logs", "purge")
    assert code == 0 and text.strip() == "deleted 1 query log entries older than 180 days"
    assert "两百天前的问题" not in [e.question for e in entries(store)]
    monkeypatch.setenv("LOG_RETENTION_DAYS", "7")
    code, text = run("logs", "purge")
    assert "deleted 1 " in text
    assert len(entries(store)) == 4 and "十天前的问题" not in [e.question for e in entries(store)]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("logs", "--since", "yesterday"), "'yesterday' is not a period"),
        (("stats", "--since", "99x"), "'99x' is not a period"),
        (("stats", "--since", "0d"), "between 1 and"),
        (("logs", "--since", "2024-02-30"), "not a real date"),
        (("logs", "--unanswered", "--since", "2099-01-01"), "in the future"),
        (("logs", "--json", "--csv"), "not allowed with argument"),
        (("logs", "cleanup"), "invalid choice"),
    ],
)
def test_bad_arguments_are_usage_errors_without_a_traceback(
    store: Store, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv), out=io.StringIO())
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and message in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (("logs", "purge", "--since", "7d"), {}, "purge takes no options"),
        (("logs", "purge"), {"LOG_RETENTION_DAYS": "0"}, "at least 1"),
        (("logs", "purge"), {"LOG_RETENTION_DAYS": "soon"}, "LOG_RETENTION_DAYS"),
    ],
)
def test_a_purge_that_makes_no_sense_is_refused(
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    env: dict[str, str],
    message: str,
) -> None:
    traffic(store)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, _ = run(*argv)
    assert code == 1 and message in capsys.readouterr().err
    assert len(entries(store)) == 6


def test_a_reader_that_stops_early_gets_no_traceback(store: Store, db_url: str) -> None:
    # `linli logs | head`: more output than a pipe buffers, and the reader leaves after a line.
    now = datetime.now(UTC)
    with transaction(store.factory) as session:
        session.add_all(
            QueryLogEntry(
                ref=f"r{i}",
                created_at=now - timedelta(seconds=i),
                channel="private",
                question="凉二小区加装电梯进展怎么样了" * 3,
            )
            for i in range(2000)
        )
    env = {**os.environ, "DATABASE_URL": db_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "logs", "--csv"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().startswith("\ufefftime,".encode())
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert "Traceback" not in err and "Exception ignored" not in err

"""The query log: recording, pseudonyms, feedback, purge, and the figures read from it."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from corpus.answer.service import LinliService
from corpus.api import Corpus
from corpus.querylog import export, periods, questions
from corpus.querylog.periods import Period, PeriodError
from corpus.querylog.stats import DayCount, day_series, format_report, log_stats, percentile
from corpus.querylog.write import (
    load_or_create_secret,
    new_ref,
    pseudonym,
    purge_older_than,
    set_feedback,
)
from corpus.store.engine import Store, transaction
from corpus.store.models import Base, QueryLogEntry

# 2024-05-10 12:00 in Beijing is 04:00 UTC.
NOW = datetime(2024, 5, 10, 4, 0, tzinfo=UTC)
RAW_ID = 987654321  # a Telegram id no newspaper text or score contains


def add(
    store: Store,
    *,
    at: datetime,
    question: str = "世纪同乐小区什么时候清理楼道堆物？",
    found: bool = True,
    user: str = "u1",
    latency: float = 10.0,
    feedback: int | None = None,
    channel: str = "private",
    direct: str | None = None,
    delivery: str = "sent",
) -> str:
    ref = new_ref()
    with transaction(store.factory) as session:
        session.add(
            QueryLogEntry(
                ref=ref,
                created_at=at,
                channel=channel,
                user_hash=user,
                lang="zh",
                question=question,
                found=found,
                direct_answer=direct,
                results=json.dumps([{"passage_id": 3, "score": 1.5}] if found else []),
                latency_ms=latency,
                feedback=feedback,
                delivery=delivery,
            )
        )
    return ref


def entries(store: Store) -> list[QueryLogEntry]:
    with store.factory() as session:
        return list(session.scalars(select(QueryLogEntry).order_by(QueryLogEntry.id)))


def read(store: Store, query: Any, **kwargs: Any) -> Any:
    with store.factory() as session:
        return query(session, **kwargs)


def dump_database(store: Store) -> str:
    """Every row of every table, as text: what a leak would have to hide in."""
    parts = []
    with store.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


# --- periods --------------------------------------------------------------------------------


def test_periods_are_read_as_documented() -> None:
    week = periods.parse_period("7d", now=NOW)
    assert (week.start, week.end, week.days) == (NOW - timedelta(days=7), NOW, 7)
    assert periods.parse_period(" 30D ", now=NOW).start == NOW - timedelta(days=30)
    assert periods.parse_period(None, default="30d", now=NOW).days == 30
    everything = periods.parse_period("all", now=NOW)
    assert everything.start is None and everything.end == NOW
    since = periods.parse_period("2024-05-01", now=NOW)
    # Midnight in Beijing is 16:00 UTC the day before.
    assert since.start == datetime(2024, 4, 30, 16, 0, tzinfo=UTC)
    assert since.since == date(2024, 5, 1)


@pytest.mark.parametrize(
    "value", ["99x", "0d", "yesterday", "-7d", "7", "d", "2024-13-01", "2024-02-30", "2024-5-1"]
)
def test_bad_periods_say_what_is_accepted(value: str) -> None:
    with pytest.raises(PeriodError) as error:
        periods.parse_period(value, now=NOW)
    assert value.strip() in str(error.value) or "date" in str(error.value)


def test_a_period_in_the_future_or_too_long_is_refused() -> None:
    with pytest.raises(PeriodError, match="future"):
        periods.parse_period("2030-01-01", now=NOW)
    with pytest.raises(PeriodError, match="between 1 and"):
        periods.parse_period("99999d", now=NOW)


def test_export_ranges_include_the_last_day_whole() -> None:
    period = periods.parse_range("2024-05-01", "2024-05-03", now=NOW)
    assert period.start == datetime(2024, 4, 30, 16, tzinfo=UTC)
    assert period.end == datetime(2024, 5, 3, 16, tzinfo=UTC)
    assert periods.parse_range(None, None, now=NOW).start is None
    assert periods.parse_range("7d", None, now=NOW).days == 7
    with pytest.raises(PeriodError, match="before"):
        periods.parse_range("2024-05-03", "2024-05-01", now=NOW)
    with pytest.raises(PeriodError):
        periods.parse_range("notadate", None, now=NOW)
    with pytest.raises(PeriodError):
        periods.parse_range("all", "tomorrow", now=NOW)


# --- recording, pseudonyms, feedback, purge ---------------------------------------------------


def test_pseudonyms_are_stable_keyed_and_never_the_raw_id() -> None:
    a = pseudonym(b"secret-one", RAW_ID)
    assert a == pseudonym(b"secret-one", RAW_ID) == pseudonym(b"secret-one", str(RAW_ID))
    assert a != pseudonym(b"secret-two", RAW_ID)
    assert a != pseudonym(b"secret-one", RAW_ID + 1)
    assert str(RAW_ID) not in a and len(a) == 32
    assert pseudonym(b"secret-one", None) == ""


def test_the_secret_is_created_once_and_kept(tmp_path: Path) -> None:
    first = load_or_create_secret(None, tmp_path / "data")
    assert first == load_or_create_secret(None, tmp_path / "data") and len(first) == 64
    assert (tmp_path / "data" / "log_hmac_secret").stat().st_mode & 0o077 == 0
    assert load_or_create_secret("configured", tmp_path / "data") == b"configured"


def test_the_secret_is_created_where_hard_links_are_not_supported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(*_: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr("corpus.querylog.write.os.link", no_links)
    data_dir = tmp_path / "data"
    key = load_or_create_secret(None, data_dir)
    assert len(key) == 64 and key == load_or_create_secret(None, data_dir)
    assert [p.name for p in data_dir.iterdir()] == ["log_hmac_secret"]
    assert (data_dir / "log_hmac_secret").stat().st_mode & 0o077 == 0


def test_replicas_starting_together_share_one_secret(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    data_dir = tmp_path / "data"
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: load_or_create_secret(None, data_dir), range(32)))
    assert len(keys) == 1
    assert [p.name for p in data_dir.iterdir()] == ["log_hmac_secret"]  # no drafts left


def test_recorded_questions_and_feedback_never_store_the_raw_id(seeded_store: Store) -> None:
    service = Corpus(seeded_store, LinliService(seeded_store), b"test-secret")
    found = service.answers.answer("世纪同乐小区什么时候清理楼道堆物？")
    missed = service.answers.answer("游泳池几点开门")
    first = service.log.record(found, channel="private", user_id=RAW_ID)
    service.log.record(missed, channel="group", user_id=RAW_ID)
    service.log.record(found, channel="private", user_id=RAW_ID + 1)
    assert service.log.feedback(first, 1)
    logged = entries(seeded_store)
    assert [e.found for e in logged] == [True, False, True]
    assert logged[0].user_hash == logged[1].user_hash == pseudonym(b"test-secret", RAW_ID)
    assert logged[2].user_hash != logged[0].user_hash
    assert json.loads(logged[0].results)[0]["passage_id"] == found.quotes[0].passage_id
    assert logged[0].direct_answer and logged[0].latency_ms > 0
    assert str(RAW_ID) not in dump_database(seeded_store)
    assert str(RAW_ID + 1) not in dump_database(seeded_store)


def test_feedback_is_attached_to_the_right_entry(empty_store: Store) -> None:
    refs = [add(empty_store, at=NOW - timedelta(minutes=i)) for i in range(3)]
    assert set_feedback(empty_store.factory, ref=refs[1], value=-1)
    assert not set_feedback(empty_store.factory, ref="no-such-ref", value=1)
    with pytest.raises(ValueError):
        set_feedback(empty_store.factory, ref=refs[0], value=5)
    logged = {e.ref: e for e in entries(empty_store)}
    assert [logged[r].feedback for r in refs] == [None, -1, None]
    rated_at = logged[refs[1]].feedback_at
    assert rated_at is not None and rated_at.tzinfo is not None


def test_timestamps_come_back_timezone_aware_in_utc(empty_store: Store) -> None:
    beijing = NOW.astimezone(periods.REPORT_TZ)
    add(empty_store, at=beijing)
    [entry] = entries(empty_store)
    assert entry.created_at == NOW and entry.created_at.utcoffset() == timedelta(0)
    # A naive time would be ambiguous; the column refuses it instead of guessing.
    with pytest.raises(Exception, match="naive"):
        add(empty_store, at=datetime(2024, 5, 10, 4, 0))


def test_purge_deletes_only_entries_older_than_the_retention(empty_store: Store) -> None:
    for days in (400, 181, 179, 1, 0):
        add(empty_store, at=NOW - timedelta(days=days), question=f"问题{days}")
    assert purge_older_than(empty_store.factory, days=180, now=NOW) == 2
    assert [e.question for e in entries(empty_store)] == ["问题179", "问题1", "问题0"]
    assert purge_older_than(empty_store.factory, days=180, now=NOW) == 0


# --- figures ----------------------------------------------------------------------------------


def test_percentile_is_nearest_rank() -> None:
    assert percentile(list(range(1, 21)), 0.95) == 19
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([], 0.95) is None


def test_day_series_fills_quiet_days_with_zeros() -> None:
    days = [(date(2024, 5, 1), True), (date(2024, 5, 1), False), (date(2024, 5, 3), True)]
    series = day_series(days, first=None, last=date(2024, 5, 4))
    assert series == (
        DayCount(date(2024, 5, 1), 1, 1),
        DayCount(date(2024, 5, 2), 0, 0),
        DayCount(date(2024, 5, 3), 1, 0),
        DayCount(date(2024, 5, 4), 0, 0),
    )
    assert day_series([], first=None, last=date(2024, 5, 4)) == ()


def test_stats_count_what_happened_in_the_period(empty_store: Store) -> None:
    # Beijing 09:30 and 20:xx on 2024-05-10 / 2024-05-09; one entry outside the week.
    at = datetime(2024, 5, 10, 1, 30, tzinfo=UTC)  # 09:30 Beijing
    add(empty_store, at=at, user="a", latency=10, feedback=1)
    add(empty_store, at=at + timedelta(minutes=5), user="a", latency=20, feedback=1)
    add(empty_store, at=at + timedelta(minutes=9), user="b", latency=30, found=False)
    evening = datetime(2024, 5, 8, 12, 15, tzinfo=UTC)  # 20:15 Beijing on 05-08
    add(empty_store, at=evening, user="c", latency=40, feedback=-1, channel="group")
    add(empty_store, at=evening, user="", latency=1000, found=False, channel="cli")
    add(empty_store, at=NOW - timedelta(days=8), user="d")
    stats = read(empty_store, log_stats, period=periods.parse_period("7d", now=NOW))
    assert (stats.questions, stats.users, stats.found, stats.not_found) == (5, 3, 3, 2)
    assert stats.found_rate == pytest.approx(0.6)
    assert stats.latency_median_ms == 30 and stats.latency_p95_ms == 1000
    assert (stats.thumbs_up, stats.thumbs_down) == (2, 1)
    assert stats.busiest_hours() == [(9, 3), (20, 2)]
    assert stats.channels == {"private": 3, "group": 1, "cli": 1}
    # The rolling week touches eight Beijing dates: 05-03 (from 12:00) to 05-10.
    assert [d.day for d in stats.days] == [date(2024, 5, 3) + timedelta(days=i) for i in range(8)]
    assert {d.day: (d.found, d.not_found) for d in stats.days if d.total} == {
        date(2024, 5, 8): (1, 1),
        date(2024, 5, 10): (2, 1),
    }
    everything = read(empty_store, log_stats, period=periods.parse_period("all", now=NOW))
    assert everything.questions == 6 and everything.days[0].day == date(2024, 5, 2)
    data = json.loads(json.dumps(stats.as_dict()))
    assert data["questions"] == 5 and data["feedback"] == {"up": 2, "down": 1}
    assert "questions        5" in format_report(stats)


def test_stats_of_an_empty_period(empty_store: Store) -> None:
    stats = read(empty_store, log_stats, period=periods.parse_period("7d", now=NOW))
    assert stats.questions == 0 and stats.found_rate is None and stats.latency_p95_ms is None
    assert len(stats.days) == 8 and all(d.total == 0 for d in stats.days)
    assert "No questions" in format_report(stats)


# --- questions ---------------------------------------------------------------------------------


def test_questions_are_counted_regardless_of_script_width_and_punctuation() -> None:
    key = questions.question_key("游泳池几点开门？")
    assert (
        key == questions.question_key("遊泳池 幾點開門") == questions.question_key("游泳池几点开门")
    )
    assert questions.question_key("ＷＨＥＲＥ is the Pool?!") == "whereisthepool"


def test_top_questions_merge_wordings_and_rank_by_count(empty_store: Store) -> None:
    for i in range(1, 4):
        add(empty_store, at=NOW - timedelta(hours=i), question="看电影的优惠票多少钱")
    add(empty_store, at=NOW - timedelta(hours=4), question="看電影的優惠票多少錢？")
    add(empty_store, at=NOW - timedelta(hours=5), question="游泳池几点开门", found=False)
    add(empty_store, at=NOW - timedelta(hours=6), question="游泳池几点开门", found=False)
    add(empty_store, at=NOW - timedelta(days=40), question="很久以前的问题")
    top = read(empty_store, questions.top_questions, period=periods.parse_period("30d", now=NOW))
    assert [(t.question, t.count, t.found) for t in top] == [
        ("看电影的优惠票多少钱", 4, 4),
        ("游泳池几点开门", 2, 0),
    ]
    assert top[0].last_asked == NOW - timedelta(hours=1)


def test_similar_questions_that_found_nothing_are_grouped(empty_store: Store) -> None:
    asked = [
        ("游泳池几点开门", 3),
        ("游泳池什么时候开门？", 2),
        ("小区停车费多少钱", 1),
        ("停车费多少钱一个月", 1),
        ("狗证在哪里办", 1),
        ("😀😀😀", 2),
    ]
    minute = 0
    for question, times in asked:
        for _ in range(times):
            minute += 1
            add(empty_store, at=NOW - timedelta(minutes=minute), question=question, found=False)
    add(empty_store, at=NOW, question="游泳池几点开门", found=True)  # found: not a gap
    add(empty_store, at=NOW - timedelta(days=60), question="游泳池几点开门", found=False)
    period = periods.parse_period("30d", now=NOW)
    groups = read(empty_store, questions.unanswered_groups, period=period)
    assert [(g.count, g.examples) for g in groups] == [
        (5, ("游泳池几点开门", "游泳池什么时候开门？")),
        (2, ("小区停车费多少钱", "停车费多少钱一个月")),
        (2, ("😀😀😀",)),
        (1, ("狗证在哪里办",)),
    ]
    assert groups[0].last_asked == NOW - timedelta(minutes=1)
    assert read(empty_store, questions.unanswered_groups, period=period, limit=1) == groups[:1]


def test_grouping_is_by_jaccard_over_words_and_bigrams() -> None:
    a = questions._terms("游泳池几点开门")
    b = questions._terms("游泳池什么时候开门")
    assert questions.jaccard(a, b) >= questions.GROUP_SIMILARITY
    assert questions.jaccard(a, questions._terms("狗证在哪里办")) == 0
    assert questions.jaccard(frozenset(), frozenset()) == 0


# --- CSV ---------------------------------------------------------------------------------------


def test_csv_export_opens_with_the_right_columns_and_intact_chinese(empty_store: Store) -> None:
    add(empty_store, at=NOW - timedelta(hours=1), direct="2019年11月22日", feedback=1, user="abc")
    add(
        empty_store,
        at=NOW - timedelta(hours=2),
        question='=HYPERLINK("x")',
        found=False,
        delivery="failed",
    )
    add(empty_store, at=NOW - timedelta(days=10), question="上个月的问题", delivery="failed")
    period = periods.parse_range("7d", None, now=NOW)
    exported = read(empty_store, export.export_csv, period=period)
    data, count = exported.data, exported.count
    assert count == 2 and data.startswith(b"\xef\xbb\xbf")
    assert exported.undelivered == 1  # the one of the period, not last month's
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == export.CSV_COLUMNS
    assert len(rows) == 3
    formula, chinese = (dict(zip(rows[0], r, strict=True)) for r in rows[1:])
    assert chinese["question"] == "世纪同乐小区什么时候清理楼道堆物？"
    assert chinese["direct_answer"] == "2019年11月22日"
    assert chinese["time"] == "2024-05-10T03:00:00+00:00"
    assert chinese["user"] == "abc" and chinese["found"] == "true" and chinese["feedback"] == "1"
    assert json.loads(chinese["results"]) == [{"passage_id": 3, "score": 1.5}]
    assert chinese["latency_ms"] == "10.0" and chinese["lang"] == "zh"
    # A question that looks like a formula stays text in a spreadsheet.
    assert formula["question"] == '\'=HYPERLINK("x")' and formula["found"] == "false"
    assert (chinese["delivery"], formula["delivery"]) == ("sent", "failed")


def test_log_rows_limit_keeps_the_newest(empty_store: Store) -> None:
    for i in range(5):
        add(empty_store, at=NOW - timedelta(hours=i), question=f"问题{i}")
    rows = read(
        empty_store,
        export.log_rows,
        period=Period(start=None, end=NOW + timedelta(1), label="all"),
        limit=2,
    )
    assert [r.question for r in rows] == ["问题1", "问题0"]


def test_the_log_table_is_in_the_same_database(empty_store: Store) -> None:
    with empty_store.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM query_log")).scalar() == 0


def test_queued_entries_are_written_together_in_order_with_their_own_times(
    seeded_store: Store,
) -> None:
    service = Corpus(seeded_store, LinliService(seeded_store), b"test-secret")
    answers = [service.answers.answer(q) for q in ("世纪同乐小区什么时候清理楼道堆物？", "游泳池几点开门")]
    before = datetime.now(UTC)
    for n, answer in enumerate(answers):
        service.log.record_soon(answer, channel="group", user_id=RAW_ID, ref=f"queued-{n}")
    assert entries(seeded_store) == [] and service.log.pending == 2
    queued_at = datetime.now(UTC)
    assert service.log.feedback("queued-1", -1)  # rating a queued answer writes the queue first
    logged = entries(seeded_store)
    assert [(e.ref, e.found, e.feedback) for e in logged] == [
        ("queued-0", True, None),
        ("queued-1", False, -1),
    ]
    assert all(before <= e.created_at <= queued_at for e in logged)
    assert service.log.flush() == 0 and str(RAW_ID) not in dump_database(seeded_store)


def test_a_bad_entry_in_a_batch_costs_only_itself(
    seeded_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    service = Corpus(seeded_store, LinliService(seeded_store), b"test-secret")
    answer = service.answers.answer("世纪同乐小区什么时候清理楼道堆物？")
    service.log.record(answer, channel="private", user_id=1, ref="taken")
    for ref in ("fresh-1", "taken", "fresh-2"):  # "taken" breaks the unique ref
        service.log.record_soon(answer, channel="private", user_id=2, ref=ref)
    assert service.log.flush() == 2
    assert sorted(e.ref for e in entries(seeded_store)) == ["fresh-1", "fresh-2", "taken"]
    assert "could not write the query log entry taken" in caplog.text


def test_an_undelivered_answer_is_logged_and_still_counts_as_a_question(
    seeded_store: Store,
) -> None:
    service = Corpus(seeded_store, LinliService(seeded_store), b"test-secret")
    answer = service.answers.answer("世纪同乐小区什么时候清理楼道堆物？")
    service.log.record_soon(answer, channel="private", user_id=1, ref="lost", delivery="failed")
    service.log.record_soon(answer, channel="private", user_id=2, ref="sent")
    assert service.log.flush() == 2
    assert sorted((e.ref, e.delivery) for e in entries(seeded_store)) == [
        ("lost", "failed"),
        ("sent", "sent"),
    ]
    # The resident asked and Linli found the answer: that the reply was lost on the way
    # changes neither; it is counted apart so staff can see replies go missing.
    stats = service.log.stats(periods.parse_period("all"))
    assert (stats.questions, stats.users, stats.found, stats.undelivered) == (2, 2, 2, 1)
    assert stats.as_dict()["undelivered"] == 1
    assert "questions        2" in format_report(stats)
    assert "undelivered      1" in format_report(stats)


def test_a_database_that_is_down_loses_no_entry_and_no_rating(
    seeded_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from corpus.querylog import write

    service = Corpus(seeded_store, LinliService(seeded_store), b"test-secret")
    answer = service.answers.answer("世纪同乐小区什么时候清理楼道堆物？")
    service.log.record_soon(answer, channel="private", user_id=1, ref="one")
    service.log.record_soon(answer, channel="private", user_id=2, ref="two")
    service.log.feedback_soon("one", -1)  # rating an entry still queued
    real = write.transaction
    outage = {"left": 2}

    def flaky(factory):  # type: ignore[no-untyped-def]
        if outage["left"]:
            outage["left"] -= 1
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real(factory)

    monkeypatch.setattr(write, "transaction", flaky)
    assert service.log.flush() == 0 and service.log.pending == 3  # kept, not dropped
    assert service.log.flush() == 0 and service.log.pending == 3
    assert entries(seeded_store) == []
    assert service.log.flush() == 2 and service.log.pending == 0
    assert sorted((e.ref, e.feedback) for e in entries(seeded_store)) == [("one", -1), ("two", None)]


def test_the_queue_of_a_log_that_cannot_be_written_is_bounded(seeded_store: Store) -> None:
    from corpus.querylog.write import LogBuffer, LogRecord

    service = Corpus(seeded_store, LinliService(seeded_store), b"test-secret")
    answer = service.answers.answer("世纪同乐小区什么时候清理楼道堆物？")
    buffer = LogBuffer(seeded_store.factory, capacity=10)
    for n in range(25):
        buffer.add(LogRecord(ref=f"r{n}", channel="private", user_hash="u", answer=answer))
    assert len(buffer) == 10 and buffer.dropped == 15
    assert buffer.flush() == 10
    assert sorted(e.ref for e in entries(seeded_store)) == sorted(f"r{n}" for n in range(15, 25))

"""The /stats chart: a real PNG whose bars are the log's questions per day."""

from __future__ import annotations

import json
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

from corpus.querylog import charts, periods
from corpus.querylog.stats import DayCount, log_stats
from corpus.store.engine import Store
from tests.corpus.test_logstats import add, read

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NOW = datetime(2024, 5, 10, 4, 0, tzinfo=UTC)  # 12:00 in Beijing


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk, checking each CRC as a PNG reader would."""
    assert data.startswith(PNG_SIGNATURE)
    chunks, pos = [], len(PNG_SIGNATURE)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        pos += 12 + length
    return chunks


def png_text(data: bytes) -> dict[str, str]:
    texts = {}
    for kind, body in png_chunks(data):
        if kind == b"tEXt":
            key, _, value = body.partition(b"\0")
            texts[key.decode("latin-1")] = value.decode("latin-1")
    return texts


def png_size(data: bytes) -> tuple[int, int]:
    kind, body = png_chunks(data)[0]
    assert kind == b"IHDR"
    return struct.unpack(">II", body[:8])


def test_chart_is_a_valid_png_carrying_its_series() -> None:
    days = [DayCount(date(2024, 5, 1) + timedelta(days=i), i, 3) for i in range(5)]
    data = charts.questions_per_day_png(days)
    kinds = [kind for kind, _ in png_chunks(data)]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds
    assert png_size(data) == (900, 450)
    series = json.loads(png_text(data)["Description"])
    assert series == [{"date": f"2024-05-0{i + 1}", "found": i, "not_found": 3} for i in range(5)]


def test_chart_covers_the_right_days_of_the_log(empty_store: Store) -> None:
    add(empty_store, at=datetime(2024, 5, 9, 17, 0, tzinfo=UTC))  # 05-10 01:00 Beijing
    add(empty_store, at=datetime(2024, 5, 9, 15, 0, tzinfo=UTC), found=False)  # 05-09 23:00
    add(empty_store, at=datetime(2024, 5, 6, 2, 0, tzinfo=UTC))
    add(empty_store, at=NOW - timedelta(days=20))  # outside the period
    period = periods.parse_period("2024-05-05", now=NOW)
    stats = read(empty_store, log_stats, period=period)
    series = json.loads(png_text(charts.questions_per_day_png(stats.days))["Description"])
    assert [d["date"] for d in series] == [f"2024-05-{d:02d}" for d in range(5, 11)]
    assert {
        d["date"]: (d["found"], d["not_found"]) for d in series if d["found"] or d["not_found"]
    } == {
        "2024-05-06": (1, 0),
        "2024-05-09": (0, 1),
        "2024-05-10": (1, 0),
    }


def test_an_empty_period_and_a_long_one_still_render() -> None:
    assert png_chunks(charts.questions_per_day_png([]))[0][0] == b"IHDR"
    year = [DayCount(date(2023, 1, 1) + timedelta(days=i), i % 7, i % 3) for i in range(365)]
    data = charts.questions_per_day_png(year)
    assert len(json.loads(png_text(data)["Description"])) == 365


def test_charts_can_be_drawn_in_parallel_threads() -> None:
    # The bot draws them with asyncio.to_thread: no pyplot state may be shared.
    def draw(n: int) -> bytes:
        return charts.questions_per_day_png(
            [DayCount(date(2024, 1, 1) + timedelta(days=i), n, 1) for i in range(7)]
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        images = list(pool.map(draw, range(8)))
    for n, data in enumerate(images):
        assert {d["found"] for d in json.loads(png_text(data)["Description"])} == {n}

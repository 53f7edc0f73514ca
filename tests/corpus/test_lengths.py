"""Values longer than their column are shortened or refused before writing, on both backends.

PostgreSQL refuses a varchar(300) title or varchar(100) street that SQLite stores
as given; the same file must not work on one and fail on the other. And a refusal of
the data is permanent: staff must never be told to "try again later" for it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from corpus import api
from corpus.ingest import prepare
from corpus.ingest.articles import parse_issue
from corpus.ingest.prepare import IngestError, IssueMeta, prepare_issue
from corpus.ingest.write import store_issues
from corpus.store.engine import Store, StoreError, write_failure
from corpus.store.models import Article, Issue, Passage

META = IssueMeta(date="2026-11", source_name="sample_issue.txt")
LONG = "桂花苑小区举行加装电梯签约仪式暨居民议事会" * 20  # 420 characters


def _text(data_dir: Path) -> str:
    return (data_dir / "sample_issue.txt").read_text(encoding="utf-8")


def test_long_headline_byline_section_and_subhead_are_shortened(
    empty_store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _text(data_dir)
    parsed = parse_issue(text)
    first = dataclasses.replace(parsed.articles[0], title=LONG, byline=LONG, section=LONG)
    parsed = dataclasses.replace(parsed, articles=(first, *parsed.articles[1:]))
    # A subhead the passage splitter took from a long line.
    real_split = prepare.split_sections
    monkeypatch.setattr(
        prepare,
        "split_sections",
        lambda paragraphs: [(LONG, texts) for _, texts in real_split(paragraphs)],
    )
    issue = prepare_issue(text, dataclasses.replace(META, title="桂花苑"), parsed=parsed)
    store_issues(empty_store.factory, [issue])  # PostgreSQL raised DataError here
    with empty_store.factory() as session:
        article = session.scalars(select(Article).order_by(Article.position)).first()
        heading = session.scalars(select(Passage.heading)).first()
    assert article is not None and heading is not None
    assert len(article.title) == 300 and article.title == LONG[:299] + "…"
    assert len(article.byline) == 300 and len(article.section) == 100
    assert article.section.endswith("…")
    assert heading == LONG[:299] + "…"


@pytest.mark.parametrize(
    ("field", "length", "message"),
    [
        ("title", 301, "the title is 301 characters long; at most 300"),
        ("publication", 101, "the publication is 101 characters long; at most 100"),
        ("street", 101, "the street office is 101 characters long; at most 100"),
        ("district", 101, "the district is 101 characters long; at most 100"),
    ],
)
def test_too_long_issue_metadata_is_refused_before_writing(
    empty_store: Store, data_dir: Path, field: str, length: int, message: str
) -> None:
    meta = dataclasses.replace(META, **{field: "长" * length})
    with pytest.raises(IngestError, match=message):
        prepare_issue(_text(data_dir), meta)
    # At the limit it is stored as given, on either backend.
    ok = prepare_issue(_text(data_dir), dataclasses.replace(META, **{field: "长" * (length - 1)}))
    store_issues(empty_store.factory, [ok])
    with empty_store.factory() as session:
        assert getattr(session.scalars(select(Issue)).one(), field) == "长" * (length - 1)


def test_a_long_file_name_is_shortened(empty_store: Store, data_dir: Path) -> None:
    issue = prepare_issue(_text(data_dir), dataclasses.replace(META, source_name="名" * 400))
    [result] = store_issues(empty_store.factory, [issue])
    assert len(result.source_name) == 300


def test_refused_data_is_a_permanent_error_and_an_outage_is_not() -> None:
    refused = write_failure(
        "could not store the issue",
        IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: issues.content_hash")),
    )
    assert refused.permanent and "later" not in str(refused)
    too_long = write_failure("x", DataError("INSERT", {}, Exception("value too long")))
    assert too_long.permanent
    outage = write_failure("x", OperationalError("INSERT", {}, Exception("server closed")))
    assert not outage.permanent and "try again later" in str(outage)


def test_the_driver_message_is_cut_to_one_short_line() -> None:
    error = write_failure(
        "x", IntegrityError("INSERT", {}, Exception("Key (raw)=(" + "字" * 5000 + ")"))
    )
    assert len(str(error)) < 400 and "\n" not in str(error)


def test_ingest_translates_a_refused_write(
    empty_store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def refuse(*_: object) -> None:
        raise IntegrityError("INSERT", {}, Exception("duplicate key value"))

    path = tmp_path / "issue.txt"
    path.write_text(_text(data_dir), encoding="utf-8")
    monkeypatch.setattr(api, "store_issues", refuse)
    issues = api.Issues(empty_store, answers=None)  # type: ignore[arg-type]
    with pytest.raises(StoreError) as caught:
        issues.add_files([path], META)
    assert caught.value.permanent

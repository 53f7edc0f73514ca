"""Ingest into the store: duplicates, corrections, all-or-nothing failures, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from corpus.ingest.prepare import (
    IngestError,
    IssueMeta,
    content_hash,
    normalise_date,
    prepare_bytes,
    prepare_issue,
    prepare_paths,
)
from corpus.ingest.seed import BUNDLED_DIR, read_manifest
from corpus.ingest.write import ingest_text, store_issues
from corpus.store import issues as queries
from corpus.store.engine import Store
from corpus.store.models import Article, Issue, Passage

META = IssueMeta(date="2026-11", source_name="sample_issue.txt")


def _counts(store: Store) -> tuple[int, int, int]:
    with store.factory() as session:
        return (
            session.scalar(select(func.count(Issue.id))) or 0,
            session.scalar(select(func.count(Article.id))) or 0,
            session.scalar(select(func.count(Passage.id))) or 0,
        )


def _snapshot(store: Store) -> list[tuple[str, str]]:
    with store.factory() as session:
        return [(p.article_title, p.text) for p in queries.all_passages(session)]


def test_ingest_reads_metadata_from_masthead(empty_store: Store, data_dir: Path) -> None:
    text = (data_dir / "sample_issue.txt").read_text(encoding="utf-8")
    result = ingest_text(empty_store.factory, text, META)
    assert result.status == "added"
    assert (result.publication, result.street, result.date) == (
        "社区晨报",
        "凉城新村街道",
        "2026-11",
    )
    assert result.title == "桂花苑小区举行加装电梯签约仪式"
    with empty_store.factory() as session:
        passages = queries.all_passages(session)
    titles = {p.article_title for p in passages}
    assert titles == {"桂花苑小区举行加装电梯签约仪式", "社区食堂推出老人助餐优惠"}
    body = "".join(p.text for p in passages if p.kind == "text")
    assert "扫描二维码" not in body and "SHANGHAI" not in body
    # The photo caption is a passage of its own, never mixed into the body text.
    assert "长者食堂的工作人员为老人打菜" not in body
    captions = [p for p in passages if p.kind == "caption"]
    assert [c.text for c in captions] == ["长者食堂的工作人员为老人打菜"]
    assert captions[0].article_title == "社区食堂推出老人助餐优惠"
    assert "房管办" in body  # as body text "街道房管办工作人员", not only the byline
    assert "电梯预计明年3月竣工" in body


def test_same_text_again_is_a_duplicate(empty_store: Store, data_dir: Path) -> None:
    text = (data_dir / "sample_issue.txt").read_text(encoding="utf-8")
    first = ingest_text(empty_store.factory, text, META)
    before = _counts(empty_store)
    # Same content with other line endings and a BOM is still the same issue.
    again = ingest_text(
        empty_store.factory, "\ufeff" + text.replace("\n", "\r\n"), IssueMeta(date="2026-12")
    )
    assert again.status == "duplicate"
    assert again.issue_id == first.issue_id
    assert _counts(empty_store) == before


def test_correction_replaces_articles_in_place(empty_store: Store, data_dir: Path) -> None:
    original = ingest_text(
        empty_store.factory, (data_dir / "sample_issue.txt").read_text(encoding="utf-8"), META
    )
    with empty_store.factory() as session:
        version_before = queries.corpus_version(session)
    corrected = ingest_text(
        empty_store.factory,
        (data_dir / "sample_issue_corrected.txt").read_text(encoding="utf-8"),
        META,
    )
    assert corrected.status == "replaced"
    assert corrected.issue_id == original.issue_id
    assert _counts(empty_store)[0] == 1
    body = "".join(text for _, text in _snapshot(empty_store))
    assert "明年4月竣工" in body and "明年3月竣工" not in body
    assert "长者食堂" not in body
    with empty_store.factory() as session:
        assert queries.corpus_version(session) == version_before + 1


def test_failure_halfway_leaves_store_unchanged(
    empty_store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_text(
        empty_store.factory, (data_dir / "sample_issue.txt").read_text(encoding="utf-8"), META
    )
    before_counts, before = _counts(empty_store), _snapshot(empty_store)
    with empty_store.factory() as session:
        version = queries.corpus_version(session)

    corrected = prepare_issue(
        (data_dir / "sample_issue_corrected.txt").read_text(encoding="utf-8"), META
    )
    other = prepare_issue(
        (data_dir / "sample_issue.txt").read_text(encoding="utf-8").replace("桂花苑", "丹桂苑"),
        IssueMeta(date="2026-12"),
    )

    # The second issue of the batch fails after the first was written and flushed.
    import corpus.ingest.write as ingest_module

    real_add = ingest_module._add_articles
    calls = {"n": 0}

    def failing_add(session, issue, prepared):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        real_add(session, issue, prepared)
        if calls["n"] == 2:
            raise RuntimeError("disk full")

    monkeypatch.setattr(ingest_module, "_add_articles", failing_add)
    with pytest.raises(RuntimeError, match="disk full"):
        store_issues(empty_store.factory, [corrected, other])
    assert _counts(empty_store) == before_counts
    assert _snapshot(empty_store) == before
    with empty_store.factory() as session:
        assert queries.corpus_version(session) == version


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n\n  ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not text"),
        (bytes(range(256)) * 4, "not text"),
        (b"\xff\xfe\xfd\xfc\x80\x81" * 50, "not look like text"),
        (
            b"\xc3\x28\xa0\xa1\xe2\x28\xa1" * 30 + b"\xff",
            "neither UTF-8 nor GBK|not look like text",
        ),
    ],
)
def test_bad_bytes_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(IngestError, match=message):
        prepare_bytes(data, "upload.txt", META)


def test_gbk_and_bom_inputs_give_the_same_issue(data_dir: Path) -> None:
    text = (data_dir / "sample_issue.txt").read_text(encoding="utf-8")
    utf8 = prepare_bytes(text.encode("utf-8"), "a.txt", META)
    bom = prepare_bytes(text.encode("utf-8-sig"), "b.txt", META)
    gbk = prepare_bytes(text.encode("gbk"), "c.txt", META)
    assert utf8.content_hash == bom.content_hash == gbk.content_hash
    assert [a.passages for a in utf8.articles] == [a.passages for a in gbk.articles]


def test_unsupported_type_is_refused() -> None:
    with pytest.raises(IngestError, match="not supported"):
        prepare_bytes(b"MZ\x90\x00", "setup.exe", META)


def test_text_with_only_noise_is_refused() -> None:
    with pytest.raises(IngestError, match="no article text"):
        prepare_issue("扫描二维码\n关注“社区晨报”\n\nSHANGHAI COMMUNITY NEWS\n", META)


def test_missing_date_and_street_are_explained() -> None:
    with pytest.raises(IngestError, match="date"):
        prepare_issue("凉城新村街道举办活动。" * 10, IssueMeta())
    with pytest.raises(IngestError, match="street"):
        prepare_issue("小区举办了垃圾分类宣传活动,居民踊跃参加。" * 6, IssueMeta(date="2026-11"))


def test_hostile_text_is_stored_verbatim(empty_store: Store) -> None:
    text = (
        "## <b>标题</b> & *强调* '; DROP TABLE issues; --\n\n"
        "居民说:<script>alert(1)</script> 今天活动很好 😀,'; DELETE FROM passages; --"
        "大家都来参加了凉城新村街道的活动。\n"
    )
    result = ingest_text(empty_store.factory, text, META)
    assert result.status == "added"
    body = "".join(t for _, t in _snapshot(empty_store))
    assert "<script>alert(1)</script>" in body
    assert "DELETE FROM passages" in body
    assert _counts(empty_store)[0] == 1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11", "2026-11"),
        ("2026/11/5", "2026-11-05"),
        ("2026年11月5日", "2026-11-05"),
        ("2026年11月", "2026-11"),
    ],
)
def test_dates_are_normalised(raw: str, expected: str) -> None:
    assert normalise_date(raw) == expected


@pytest.mark.parametrize("raw", ["2026-13", "2026-02-30", "yesterday", "", "26-11"])
def test_bad_dates_are_refused(raw: str) -> None:
    with pytest.raises(IngestError):
        normalise_date(raw)


def test_content_hash_ignores_layout_only() -> None:
    assert content_hash("a b\n\n\nc") == content_hash("\ufeffa  b\r\nc  ")
    assert content_hash("a b") != content_hash("a c")


def test_bundled_folder_ingests_with_manifest_metadata(empty_store: Store) -> None:
    manifest = read_manifest(BUNDLED_DIR / "manifest.json")
    prepared = prepare_paths([BUNDLED_DIR], IssueMeta())
    assert len(prepared) == 5
    results = store_issues(empty_store.factory, prepared)
    assert {r.status for r in results} == {"added"}
    with empty_store.factory() as session:
        stored = {
            (i.publication, i.street, i.date, i.source_name) for i in queries.list_issues(session)
        }
    expected = {(m.publication, m.street, m.date, m.source_name) for m in manifest.values()}
    assert stored == expected


def test_missing_path_is_reported() -> None:
    with pytest.raises(IngestError, match="no such file"):
        prepare_paths(["/nonexistent/issue.txt"], META)

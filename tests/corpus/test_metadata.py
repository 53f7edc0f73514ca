"""Captions, defaults from the text, the guided questions' answers, and the preview."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.ingest.prepare import IngestError, IssueMeta, prepare_issue
from corpus.ingest.upload import (
    CaptionError,
    guess_date,
    open_text,
    open_upload,
    parse_caption,
    preview_draft,
    resolve_street,
)
from corpus.ingest.write import store_issues
from corpus.store.engine import Store

STREETS = ("凉城新村街道", "长风新村街道", "花木街道")
STAFF_DATA = Path(__file__).parent.parent / "data" / "staff"


def _liangcheng() -> str:
    return (STAFF_DATA / "liangcheng_2026-11.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        ("社区晨报 凉城 2026-11", ("社区晨报", "凉城新村街道", "2026-11", None)),
        ("凉城 2026年11月5日", (None, "凉城新村街道", "2026-11-05", None)),
        ("2026/11，长风，第45期", (None, "长风新村街道", "2026-11", "第45期")),
        ("花木社区报 花木街道 2026.9 中秋专刊", ("花木社区报", "花木街道", "2026-09", "中秋专刊")),
        ("2026-11", (None, None, "2026-11", None)),
        ("本期社区报请查收", (None, None, None, None)),  # a sentence, not metadata
        ("", (None, None, None, None)),
    ],
)
def test_captions(caption: str, expected: tuple[str | None, ...]) -> None:
    meta = parse_caption(caption, streets=STREETS)
    assert (meta.publication, meta.street, meta.date, meta.title) == expected


@pytest.mark.parametrize("caption", ["社区晨报 凉城 2026-13", "凉城 2026-02-30", "1850-01"])
def test_caption_with_an_impossible_date_is_refused(caption: str) -> None:
    with pytest.raises(CaptionError):
        parse_caption(caption, streets=STREETS)


def test_short_street_names_resolve_against_known_streets() -> None:
    assert resolve_street("凉城", STREETS) == "凉城新村街道"
    assert resolve_street("凉城街道", STREETS) == "凉城新村街道"
    assert resolve_street("长风", STREETS) == "长风新村街道"
    assert resolve_street("花木", STREETS) == "花木街道"
    # Not stored: Shanghai's list of street offices and towns knows the official name.
    assert resolve_street("曹杨新村街道", STREETS) == "曹杨新村街道"
    assert resolve_street("曹杨", ()) == "曹杨新村街道"
    assert resolve_street("莘庄", ()) == "莘庄镇"
    assert resolve_street("南京东路", STREETS) == "南京东路街道"
    # In neither: kept as the street office it names.
    assert resolve_street("幸福", ()) == "幸福街道"
    assert resolve_street("幸福镇", ()) == "幸福镇"


def test_date_suggested_by_masthead_or_file_name() -> None:
    assert guess_date("社区晨报\n2026年11月 第3期\n正文", "x.txt") == "2026-11"
    assert guess_date("正文", "2019-07_liangcheng.txt") == "2019-07"
    assert guess_date("正文", "社区晨报20261105.pdf") == "2026-11-05"
    assert guess_date("正文", "issue12.txt") is None


def test_draft_asks_only_for_what_is_missing(empty_store: Store) -> None:
    # Masthead names paper and street: only the date is asked, suggested by the file name.
    draft = open_upload(empty_store.factory, _liangcheng().encode(), "liangcheng_2026-11.txt", "")
    assert draft.missing == ["date"] and draft.default("date") == "2026-11"
    draft = draft.answer("date", "跳过")
    assert draft.missing == []
    assert draft.prepare().identity == ("社区晨报", "凉城新村街道", "2026-11")

    # No masthead, no date in the name: the paper (with a default) and the date.
    text = (STAFF_DATA / "changfeng_2026-10_gbk.txt").read_bytes()
    draft = open_upload(empty_store.factory, text, "cf.txt", None)
    assert draft.missing == ["publication", "date"]
    assert draft.default("publication") == "长风社区报" and draft.default("date") is None
    with pytest.raises(IngestError):
        draft.answer("date", "skip")  # no default to skip to
    with pytest.raises(IngestError):
        draft.answer("date", "下周三")
    draft = draft.answer("publication", "skip").answer("date", "2026年10月28日")
    assert draft.prepare().identity == ("长风社区报", "长风新村街道", "2026-10-28")

    # A caption settles everything.
    draft = open_text(empty_store.factory, _liangcheng(), "Telegram", "社区晨报 凉城 2026-11")
    assert draft.missing == []


def test_streets_of_the_store_resolve_caption_names(empty_store: Store) -> None:
    text = (STAFF_DATA / "changfeng_2026-10_gbk.txt").read_bytes().decode("gbk")
    store_issues(empty_store.factory, [prepare_issue(text, IssueMeta(date="2026-10"))])
    draft = open_text(empty_store.factory, "## 某活动\n\n居民参加了活动。", "t", "长风 2026-11")
    assert draft.meta.street == "长风新村街道"


def test_preview_says_new_duplicate_or_correction(empty_store: Store) -> None:
    factory = empty_store.factory
    draft = open_text(factory, _liangcheng(), "a.txt", "社区晨报 凉城 2026-11")
    preview = preview_draft(factory, draft)
    assert (preview.check, preview.existing, preview.repeated) == ("new", None, {})
    assert [a.title for a in preview.prepared.articles] == [
        "水电路菜场改造完成重新开业",
        "凉城社区举办银发智能手机课堂",
    ]
    [stored] = store_issues(factory, [preview.prepared])

    again = preview_draft(factory, draft)
    assert again.check == "duplicate" and again.existing is not None
    assert again.existing.id == stored.issue_id

    changed = open_text(
        factory, _liangcheng().replace("11月18日", "11月20日"), "b.txt", "社区晨报 凉城 2026-11"
    )
    correction = preview_draft(factory, changed)
    assert correction.check == "correction" and correction.existing is not None
    assert correction.repeated == {}  # its own unchanged passages are not "repeated"

    # The same articles under another date: a new issue, with its repeated passages shown.
    extended = (
        _liangcheng()
        + "\n## 凉城新村街道开展冬季防火宣传\n\n街道消防站走进小区宣传冬季防火知识。\n"
    )
    elsewhere = open_text(factory, extended, "c.txt", "社区晨报 凉城 2026-12")
    moved = preview_draft(factory, elsewhere)
    assert len(moved.prepared.articles) == 3
    assert moved.check == "new" and moved.repeated == {stored.issue_id: 2}

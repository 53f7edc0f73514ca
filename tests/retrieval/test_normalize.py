import random
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from retrieval.normalize import (
    _nfkc_by_segment,
    _nfkc_with_offsets,
    normalize,
    normalize_with_offsets,
)


def test_full_width_becomes_half_width() -> None:
    assert normalize("ＡＢＣ１２３，（）") == "abc123,()"


def test_traditional_becomes_simplified() -> None:
    assert normalize("請問加裝電梯在哪裡辦理？") == "请问加装电梯在哪里办理?"


def test_latin_is_lower_cased() -> None:
    assert normalize("WiFi COVID-19") == "wifi covid-19"


def test_simplified_text_is_unchanged_apart_from_punctuation() -> None:
    assert normalize("凉二居民区加装电梯") == "凉二居民区加装电梯"


def test_offsets_text_matches_fast_path() -> None:
    text = "請問ＡＢＣ…加裝電梯，Ｅ\u0301！"
    assert normalize_with_offsets(text).text == normalize(text)


def test_offsets_map_expansions_back_to_their_source() -> None:
    # NFKC turns "…" into "..." and full-width letters into one letter each.
    mapped = normalize_with_offsets("Ａ…電")
    assert mapped.text == "a...电"
    assert mapped.original_span(0, 1) == (0, 1)
    assert [mapped.original_span(i, i + 1) for i in (1, 2, 3)] == [(1, 2)] * 3
    assert mapped.original_span(4, 5) == (2, 3)
    assert mapped.original_span(1, 5) == (1, 3)


def test_offsets_keep_combining_marks_with_their_base() -> None:
    mapped = normalize_with_offsets("e\u0301x")
    assert mapped.text == "éx"
    assert mapped.original_span(0, 1) == (0, 2)
    assert mapped.original_span(1, 2) == (2, 3)


def test_empty_span_maps_to_a_position() -> None:
    mapped = normalize_with_offsets("电梯")
    assert mapped.original_span(1, 1) == (1, 1)
    assert mapped.original_span(2, 2) == (2, 2)


# Characters that keep their NFKC (CJK, ASCII), change it one for one (full-width forms),
# expand (…, ㈱, ﬁ), combine (U+0301, kana voicing) or compose without combining
# (Hangul jamo, Sinhala vowel signs), and anything else.
_TRICKY = st.sampled_from(
    [
        *"凉二电梯，。！？ＡＢＣ１２…㈱ﬁ½ǅİéかe",
        *("\u0301", "\u030c", "\u3099", "\u20d8"),  # combining marks
        *("\u1100", "\u1161", "\u11a8", "\u0dd9", "\u0dcf", "\u0cc6", "\u0cc2"),  # jamo, Indic
    ]
)


@settings(max_examples=1000, deadline=None)
@given(st.text(st.one_of(_TRICKY, st.characters(exclude_categories=["Cs"])), max_size=16))
@example("，a\u20d8")  # a mark that composes with nothing, in a text that changes
@example("廉ᬊʷႲ\u20d8Ἱᨊ")
@example("…e\u0301ﬁ")
@example("ᄀ\u1161，")
def test_the_one_for_one_shortcut_maps_offsets_as_segment_by_segment(text: str) -> None:
    n = len(text)
    if unicodedata.is_normalized("NFKC", text):
        expected = (text, list(range(n)), list(range(1, n + 1)))
    else:
        expected = _nfkc_by_segment(text)
    assert _nfkc_with_offsets(text) == expected


def test_inert_characters_are_their_own_nfkc_and_never_combine() -> None:
    # nfkc() returns a text made only of these characters as it is.
    import re

    from retrieval.normalize import INERT

    seconds = set()
    for code in range(0x110000):
        decomposition = unicodedata.decomposition(chr(code))
        if decomposition and not decomposition.startswith("<") and len(decomposition.split()) == 2:
            seconds.add(chr(int(decomposition.split()[1], 16)))
    inert = re.compile(f"[{INERT}]")
    chars = [chr(c) for c in range(0x10000) if inert.fullmatch(chr(c))]
    assert len(chars) > 27000
    for ch in chars:
        assert unicodedata.normalize("NFKC", ch) == ch
        assert unicodedata.combining(ch) == 0
        assert ch not in seconds
        # Hangul vowel and final jamo compose algorithmically (not in decomposition()).
        assert not ("\u1160" <= ch <= "\u11ff")
        assert unicodedata.normalize("NFKC", "a\u0301" + ch + "e") == "á" + ch + "e"


@settings(max_examples=1000, deadline=None)
@given(st.text(st.one_of(_TRICKY, st.characters(exclude_categories=["Cs"])), max_size=24))
@example("Ａ\u0301ｶﾞ，")
@example("ᄀ\u1161\u11a8")
def test_nfkc_is_unicodedatas(text: str) -> None:
    from retrieval.normalize import nfkc

    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_the_t2s_trigger_list_is_built_from_the_installed_dictionaries() -> None:
    from retrieval.normalize import T2S_TRIGGERS_FILE

    from .t2s_triggers import render

    assert T2S_TRIGGERS_FILE.read_text(encoding="utf-8") == render()


_TRADITIONAL = st.sampled_from(
    [*"電梯樓維修進展怎麼樣裡辦理請問乾隆捏坏回覆深沈著名藉口", "𠀀", "丽"]
)


@settings(max_examples=500, deadline=None)
@given(
    st.text(st.one_of(_TRADITIONAL, _TRICKY, st.characters(exclude_categories=["Cs"])), max_size=24)
)
def test_the_t2s_shortcut_gives_opencc(text: str) -> None:
    from retrieval.normalize import _t2s, simplified

    assert simplified(text) == _t2s().convert(text)


def test_another_opencc_version_converts_every_text(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    module = importlib.import_module("retrieval.normalize")
    monkeypatch.setattr(module.importlib.metadata, "version", lambda name: "0.0.0")
    module._t2s_trigger.cache_clear()
    try:
        assert module._t2s_trigger() is None
        assert module.simplified("凉城電梯") == "凉城电梯"
    finally:
        monkeypatch.undo()
        module._t2s_trigger.cache_clear()
    assert module._t2s_trigger() is not None


_IDEOGRAPH_TEXT = st.sampled_from(
    [*"凉城电梯加装的是谁国际志愿者日", *"電樓裡丽﨑⼀", *"，。！？、“”（）《》：ＡＢ１２ \n…·—"]
)


@settings(max_examples=1000, deadline=None)
@given(
    st.text(
        st.one_of(_IDEOGRAPH_TEXT, _TRICKY, st.characters(exclude_categories=["Cs"])), max_size=24
    ),
    st.text(st.sampled_from([*"凉城电梯加装的是谁国际志愿者日"]), min_size=1, max_size=4),
)
@example("凉城，電梯", "电梯")
@example("凉城﨑", "凉城")
def test_a_text_that_keeps_its_ideographs_holds_a_phrase_of_them_as_it_stands(
    text: str, phrase: str
) -> None:
    from retrieval.normalize import IDEOGRAPHS, keeps_ideographs

    assert IDEOGRAPHS.fullmatch(phrase)
    if keeps_ideographs(text):
        assert (phrase in text) == (phrase in normalize(text))
        norm = normalize(text)
        assert len(norm) == len(text)
        assert [i for i, ch in enumerate(text) if IDEOGRAPHS.fullmatch(ch)] == [
            i for i, ch in enumerate(norm) if IDEOGRAPHS.fullmatch(ch)
        ]


def test_most_newspaper_text_keeps_its_ideographs() -> None:
    from retrieval.normalize import keeps_ideographs

    assert keeps_ideographs("凉二居民区加装电梯（第3号楼）：“好！”——2019年")
    assert not keeps_ideographs("加裝電梯")  # t2s moves them
    assert not keeps_ideographs("凉城…")  # NFKC: three characters for one
    assert not keeps_ideographs("⼀楼")  # a Kangxi radical becomes an ideograph


def test_ideograph_keepers_tell_keeps_ideographs_character_by_character() -> None:
    from retrieval.normalize import ideograph_keepers, keeps_ideographs

    keepers = ideograph_keepers()
    assert keepers is not None and keepers.shape == (0x10000,)
    rng = random.Random(3)
    samples = "电梯們這ＡＢ，。abcＺ\u3000⼀\uf900é·×—“”…\n\t0"
    for _ in range(300):
        text = "".join(rng.choice(samples) for _ in range(rng.randint(0, 6)))
        assert all(keepers[ord(ch)] for ch in text) == keeps_ideographs(text), text
    for code in range(0, 0x10000, 7):
        assert bool(keepers[code]) == keeps_ideographs(chr(code)), hex(code)

from retrieval.normalize import normalize, normalize_with_offsets


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

"""The tokenizer gives exactly the terms, spans and weights of the old pipeline.

``reference_tokenizer`` is a frozen copy of the tokenizer before it was rewritten for
speed; every text here (the bundled corpus, the test samples, generated passages, nasty
strings and random mixtures) must give the same ``tokenize``, ``tokenize_with_spans``,
``query_terms`` and normalisation, under every combination of options.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.ingest.seed import BUNDLED_DIR
from retrieval.normalize import normalize, normalize_with_offsets
from retrieval.tokenization import Tokenizer

from . import reference_tokenizer as reference

DATA = Path(__file__).resolve().parents[1] / "data"

OPTIONS = [
    Tokenizer(words=words, char_bigrams=bigrams, char_unigrams=unigrams, stopwords=stop)  # type: ignore[arg-type]
    for words, bigrams, unigrams, stop in itertools.product(
        ("precise", "search", "none"), (True, False), (True, False), (True, False)
    )
]
SERVICE = Tokenizer(char_unigrams=True)

NASTY = [
    "",
    " ",
    "\n\n",
    "😀",
    "加装电梯😀👨‍👩‍👧‍👦进展❤️怎么样🇨🇳了",
    "凉城\u200b新村\u200c街道\u200d居委会\ufeff通知\u2060",
    "ＡＢＣ１２３，加装電梯ｈｔｔｐ：／／ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ",
    "２０２６年１２月２日（星期三）上午９：３０",
    "電梯維修進展怎麼樣了？樓道堆物清理、垃圾分類",
    "ｶﾞｷﾞｸﾞ ﾊﾟﾋﾟﾌﾟ ガギグ か\u3099",
    "e\u0301cole café naïve İstanbul ǅungla ß ﬁ ﬂ",
    "①②③ ⑴⑵ ㈠㈡ ㊀㊁ ¹²³ ½ ™ ℃ № ㎡ ㏄",
    "⼀⼆⼈ ⺠ 豈更車 兀嗀 﨎﨏",
    "한국어 텍스트 ᄀ\u1161\u11a8",
    "…‥ — ― ～ 〜 · • ‧ 「」『』【】〔〕〈〉《》",
    "a电b梯3d打印T恤卡拉OK",
    "COVID-19疫苗接种点在哪里？2026年的第3季度",
    "SELECT * FROM issues; DROP TABLE passages;--",
    "<b>加装</b> &amp; **电梯** _居委会_ `code` [链接](http://x.y)",
    "什么时候哪里哪些项目多少钱几号哪天是不是有没有呢吧吗啊",
    "的的的了了了 的了吗呢 是在和与",
    "\t加装\r\n电梯\x00\x01\x7f\x85\xa0\u2028\u2029",
    "𠀀𠀁𪚥𫝀 𰀀 \U0003134a\U00031350",
    "\ud7ff\ue000\uf8ff\ufffd\ufffe",
    "ABCdef GHI İI ΣΑΣ Ωμέγα",
    "电" * 300,
    "加装电梯" * 50 + "，" * 20,
    "凉二小区加装电梯进展怎么样了",
]


def _gbk_junk() -> list[str]:
    rng = random.Random(19)
    junk = []
    for _ in range(30):
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 80)))
        junk.append(raw.decode("gbk", errors="replace"))
        junk.append(raw.decode("latin-1"))
    text = "凉城新村街道加装电梯进展，居委会通知。"
    junk.append(text.encode("utf-8").decode("gbk", errors="replace"))
    junk.append(text.encode("gbk").decode("utf-8", errors="replace"))
    junk.append(text.encode("utf-8").decode("latin-1"))
    return junk


def _paragraphs() -> list[str]:
    paths = sorted(BUNDLED_DIR.glob("*.txt")) + sorted(DATA.rglob("*.txt"))
    out = []
    for path in paths:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("gbk")
        out.extend(line for line in text.splitlines() if line.strip())
    return out


PARAGRAPHS = _paragraphs()


def _generated() -> list[str]:
    from benchmarks.generate import indexed_texts

    return indexed_texts(0, 400, seed=11)


def _assert_same(tokenizer: Tokenizer, old: reference.ReferenceTokenizer, text: str) -> None:
    assert tokenizer.normalize(text) == reference.normalize(text)
    mapped = normalize_with_offsets(text)
    assert (mapped.text, mapped.starts, mapped.ends) == reference.normalize_with_offsets(text)
    assert tokenizer.tokenize(text) == old.tokenize(text)
    spans = tokenizer.tokenize_with_spans(text)
    assert spans == old.tokenize_with_spans(text)
    assert [tuple(token) for token in spans] == [tuple(t) for t in old.tokenize_with_spans(text)]
    assert tokenizer.query_terms(text) == old.query_terms(text)
    assert list(tokenizer.query_terms(text)) == list(old.query_terms(text))


def test_the_texts_are_all_there() -> None:
    assert len(PARAGRAPHS) > 200


@pytest.mark.parametrize(
    "tokenizer",
    OPTIONS,
    ids=lambda t: f"{t.words}-{t.char_bigrams}-{t.char_unigrams}-{t.stopwords}",
)
def test_same_as_the_reference_on_corpus_samples_and_nasty_strings(tokenizer: Tokenizer) -> None:
    old = reference.ReferenceTokenizer(tokenizer)
    for text in PARAGRAPHS + NASTY + _gbk_junk():
        _assert_same(tokenizer, old, text)


def test_same_as_the_reference_on_generated_passages() -> None:
    old = reference.ReferenceTokenizer(SERVICE)
    for text in _generated():
        _assert_same(SERVICE, old, text)
    # Words seen before (a memo of their terms) give the same as words seen first.
    for text in _generated()[:50]:
        _assert_same(SERVICE, old, text)


def test_normalisation_is_the_reference_on_every_bmp_character() -> None:
    # Each character alone and between neighbours it might compose with.
    chars = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    for i in range(0, len(chars), 64):
        chunk = "".join(chars[i : i + 64])
        assert normalize(chunk) == reference.normalize(chunk)
        for ch in chars[i : i + 64]:
            assert normalize(ch) == reference.normalize(ch)
            assert normalize("a" + ch + "\u0301") == reference.normalize("a" + ch + "\u0301")


_ALPHABET = (
    list("加装电梯的了吗什么时候哪里凉城小区楼道堆物清理居委会電梯樓維修進展怎麼樣")
    + list("abcXYZİ09２０２６ＡＺａｚ，。、！？；：（）“”…— .-_#%&+")
    + ["😀", "👨‍👩‍👧", "❤️", "e\u0301", "\u0301", "\u3099", "ｶﾞ", "ﾞ", "\u3000", "\n", "\t"]
    + ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\xa0", "①", "²", "ﬁ", "⼀", "豈", "兀"]
    + ["한", "ᄀ", "\u1161", "\u11a8", "𠀀", "\ufffd", "\x85", "ß", "Σ"]
)
_MIXED = st.lists(st.sampled_from(_ALPHABET), max_size=60).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=_MIXED, index=st.integers(0, len(OPTIONS) - 1))
def test_same_as_the_reference_on_random_mixtures(text: str, index: int) -> None:
    tokenizer = OPTIONS[index]
    _assert_same(tokenizer, reference.ReferenceTokenizer(tokenizer), text)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40))
def test_same_as_the_reference_on_any_unicode(text: str) -> None:
    _assert_same(SERVICE, reference.ReferenceTokenizer(SERVICE), text)


_SPANS = st.lists(
    st.tuples(
        st.sampled_from(["电", "电梯", "梯", "2019", "加装电梯"]),
        st.integers(0, 30),
        st.integers(0, 6),
    ).map(lambda t: (t[0], t[1], t[1] + t[2])),
    max_size=40,
)


@settings(max_examples=500, deadline=None)
@given(tokens=_SPANS)
def test_character_shares_are_the_references_to_the_bit(tokens: list[tuple[str, int, int]]) -> None:
    from retrieval.weighting import character_shares

    weights = character_shares(tokens)
    assert weights == reference.character_shares(tokens)
    assert list(weights) == list(reference.character_shares(tokens))

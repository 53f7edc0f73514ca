"""MemoTokenizer's clause by clause shortcuts give what segmenting the whole text gives."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval import DEFAULT_USERDICT, scoring_tokenizer
from retrieval.memo import MemoTokenizer, _in_place, clauses_of
from retrieval.normalize import normalize, normalize_with_offsets
from retrieval.tokenization import Tokenizer

# The tokenizers the answer path holds memos of (corpus.answer.segmenters).
TOKENIZERS = {
    "words": Tokenizer(words="precise", char_bigrams=False, char_unigrams=False),
    "bigrams": Tokenizer(words="none", char_bigrams=True, char_unigrams=False, userdict=None),
    "highlighter": dataclasses.replace(scoring_tokenizer(), char_unigrams=False),
    "scoring": scoring_tokenizer(userdict=DEFAULT_USERDICT),
}

_MIXED = st.lists(
    st.sampled_from(
        list("加装电梯的了吗什么时候哪里凉城小区楼道堆物清理居委会電梯樓")
        + list("abcXY09２０２６，。、！？ .-_#:;()“”《》【】")
        + ["😀", "e\u0301", "\u3000", "\n", "3.5", "A栋", "㎡", "İ", "ﬁ", "…", "發"]
    ),
    max_size=40,
).map("".join)


def _check(memo: MemoTokenizer, text: str) -> None:
    tokenizer = memo.tokenizer
    norm = tokenizer.normalize(text)
    terms = set(tokenizer.tokenize(text))
    # The clauses' tokens are the text's, clause after clause.
    clauses = clauses_of(norm)
    assert set().union(*map(tokenizer.tokenize, clauses.texts)) == terms
    assert all(norm[at : at + len(c)] == c for at, c in zip(*clauses, strict=True))
    asked = terms | {norm[i : i + 2] for i in range(len(norm) - 1)} | {"不在", ""}
    for term in asked:
        assert memo.holds(norm, term) == (term in terms), (text, term)
    spans = tokenizer.tokenize_with_spans(text)
    assert memo.matches(text, asked) == [t for t in spans if t.term in asked], text
    # A term asked twice is found twice, as by the whole text's table.
    twice = sorted(asked) * 2
    assert memo.matches(text, twice) == memo._matches_whole(text, twice), text


@pytest.mark.parametrize("name", sorted(TOKENIZERS))
def test_clause_by_clause_on_every_bundled_paragraph(name: str) -> None:
    from corpus.ingest.seed import BUNDLED_DIR

    memo = MemoTokenizer(TOKENIZERS[name], 64)
    for path in sorted(BUNDLED_DIR.glob("*.txt")):
        for paragraph in path.read_text(encoding="utf-8").splitlines():
            _check(memo, paragraph)


@settings(max_examples=200, deadline=None)
@given(text=_MIXED, name=st.sampled_from(sorted(TOKENIZERS)))
def test_clause_by_clause_on_mixed_text(text: str, name: str) -> None:
    _check(MemoTokenizer(TOKENIZERS[name], 8), text)


@settings(max_examples=300, deadline=None)
@given(text=_MIXED | st.text(max_size=20))
def test_in_place_only_where_normalising_keeps_every_offset(text: str) -> None:
    assert _in_place(text, normalize(text)) == normalize_with_offsets(text).identity


def test_clauses_split_at_punctuation_and_spaces_only() -> None:
    text = normalize("凉城，加装电梯 3.5米A栋。好")
    assert clauses_of(text) == ((0, 3, 8, 15), ("凉城", "加装电梯", "3.5米a栋", "好"))
    assert clauses_of("") == ((), ()) and clauses_of("，。 ") == ((), ())


def test_a_clause_looked_in_does_not_take_a_place_among_the_texts_tokenized() -> None:
    memo = MemoTokenizer(TOKENIZERS["words"], size=2)
    memo.tokenize("加装电梯什么时候开工")
    text = normalize("凉城小区，楼道堆物清理。加装电梯开工")
    word = TOKENIZERS["words"].tokenize("楼道堆物清理")[0]
    assert memo.holds(text, word)
    assert not memo.holds(text, "不在")
    # The texts a caller tokenised stay kept: the clauses went to their own memo.
    assert memo._terms.cache_info().currsize == 1
    assert memo._sets.cache_info().currsize >= 1

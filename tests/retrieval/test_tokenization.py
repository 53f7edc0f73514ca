from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.memo import MemoTokenizer, positions_of
from retrieval.snippets import best_snippet
from retrieval.tokenization import Tokenizer, read_word_list

WORDS_ONLY = Tokenizer(words="precise", char_bigrams=False)


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer().load()


def test_full_width_traditional_and_case_meet_the_simplified_form(tokenizer: Tokenizer) -> None:
    assert tokenizer.tokenize("請問加裝電梯") == tokenizer.tokenize("请问加装电梯")
    assert "covid" in tokenizer.tokenize("ＣＯＶＩＤ疫苗")
    assert tokenizer.tokenize("Hello WORLD") == ["hello", "world"]


def test_emoji_punctuation_and_whitespace_are_dropped(tokenizer: Tokenizer) -> None:
    assert tokenizer.tokenize("😀！？…，。 \n\t「」《》") == []
    assert tokenizer.tokenize("加装电梯😀！！") == tokenizer.tokenize("加装电梯")


QUESTION_AND_FUNCTION_WORDS = [
    *["什么", "哪", "哪里", "哪个", "哪天", "谁", "何时", "什么时候", "多少", "几", "几号"],
    *["吗", "呢", "怎么样", "怎么", "如何", "是否", "有没有", "请问", "的", "了", "在", "是", "和"],
]


@pytest.mark.parametrize("word", QUESTION_AND_FUNCTION_WORDS)
def test_question_and_function_words_are_dropped(tokenizer: Tokenizer, word: str) -> None:
    assert tokenizer.tokenize(word) == []


def test_no_ngrams_are_built_from_stopwords(tokenizer: Tokenizer) -> None:
    assert tokenizer.tokenize("什么时候开放") == ["开放"]
    unigrams = Tokenizer(words="none", char_bigrams=True, char_unigrams=True)
    assert "么时" not in unigrams.tokenize("请问什么时候开放呢")
    assert set(unigrams.tokenize("请问什么时候开放呢")) == {"开", "放", "开放"}


def test_question_words_glued_to_a_word_are_split_off(tokenizer: Tokenizer) -> None:
    # jieba's dictionary has 哪些项目; kept whole it would match nothing.
    assert WORDS_ONLY.tokenize("有哪些项目") == ["项目"]
    assert WORDS_ONLY.tokenize("多少钱") == ["钱"]


@pytest.mark.parametrize(
    "word", ["加装电梯", "世纪同乐", "党群服务站", "社区事务受理中心", "华府樟园"]
)
def test_userdict_words_are_kept_whole(word: str) -> None:
    assert word in WORDS_ONLY.tokenize(f"关于{word}的通知")


def test_bigrams_cover_parts_of_whole_words(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.tokenize("世纪同乐居民区")
    assert "世纪同乐" in tokens
    assert "同乐" in tokens
    # A bigram equal to a word at the same place is counted once.
    assert len(tokens) == len(set(tokens))


def test_search_mode_adds_dictionary_sub_words() -> None:
    search = Tokenizer(words="search", char_bigrams=False)
    assert {"世纪", "同乐", "世纪同乐"} <= set(search.tokenize("世纪同乐"))


def test_words_none_keeps_latin_and_digits_but_no_cjk_words() -> None:
    bigrams_only = Tokenizer(words="none", char_bigrams=True)
    assert bigrams_only.tokenize("加装电梯 wifi 2021") == ["加装", "装电", "电梯", "wifi", "2021"]


def test_stopwords_can_be_kept() -> None:
    assert "什么" in Tokenizer(stopwords=False, char_bigrams=False).tokenize("什么")


def test_extra_words_are_kept_whole() -> None:
    assert "邻里汇通站" in Tokenizer(char_bigrams=False, extra_words=["鄰里匯通站"]).tokenize(
        "邻里汇通站开门"
    )


def test_userdict_file_with_comments(tmp_path: Path) -> None:
    userdict = tmp_path / "userdict.txt"
    userdict.write_text(
        "# local words\n\n甲乙驿站 n  # a trailing comment\n丙丁小站\nc# 5\n", encoding="utf-8"
    )
    assert read_word_list(userdict) == ["甲乙驿站 n", "丙丁小站", "c# 5"]
    custom = Tokenizer(userdict=userdict, char_bigrams=False)
    assert "甲乙驿站" in custom.tokenize("去甲乙驿站开会")
    assert "丙丁小站" in custom.tokenize("去丙丁小站开会")


def test_without_userdict_local_names_may_split() -> None:
    plain = Tokenizer(userdict=None, char_bigrams=False)
    assert "世纪同乐" not in plain.tokenize("世纪同乐")


def test_spans_point_into_the_original_text(tokenizer: Tokenizer) -> None:
    text = "請問：加裝電梯，ＡＢＣ"
    tokens = tokenizer.tokenize_with_spans(text)
    assert [t.term for t in tokens] == tokenizer.tokenize(text)
    by_term = {t.term: t for t in tokens}
    lift = by_term["加装电梯"]
    assert text[lift.start : lift.end] == "加裝電梯"
    abc = by_term["abc"]
    assert text[abc.start : abc.end] == "ＡＢＣ"


def test_invalid_word_mode_is_rejected() -> None:
    with pytest.raises(ValueError):
        Tokenizer(words="all")  # type: ignore[arg-type]


def test_tokenizers_with_the_same_options_are_equal() -> None:
    assert Tokenizer() == Tokenizer()
    assert hash(Tokenizer(extra_words=["甲", "乙"])) == hash(Tokenizer(extra_words=("乙", "甲")))


def test_threads_share_the_tokenizer(tokenizer: Tokenizer) -> None:
    texts = ["凉二居民区加装电梯", "世纪同乐楼道堆物", "請問市民驛站在哪裡"] * 20
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(tokenizer.tokenize, texts))
    assert results == [tokenizer.tokenize(t) for t in texts]


def test_memo_tokenizer_gives_the_tokenizers_results_and_keeps_them() -> None:
    tokenizer = Tokenizer(char_unigrams=False, userdict=None)
    memo = MemoTokenizer(tokenizer, size=2)
    text = "凉城新村街道加装電梯簽約儀式，ＡＢＣ小区 🎉"
    assert list(memo.tokenize(text)) == tokenizer.tokenize(text)
    assert list(memo.tokenize_with_spans(text)) == tokenizer.tokenize_with_spans(text)
    assert memo.normalize(text) == tokenizer.normalize(text)
    assert memo.term_set(text) == set(tokenizer.tokenize(text))
    spans = tokenizer.tokenize_with_spans(text)
    positions = memo.term_positions(text)
    assert positions == positions_of(spans)
    with pytest.raises(TypeError):  # shared between threads: read-only
        positions["电梯"] = ()  # type: ignore[index]
    wanted = {"电梯", "签约", "abc", "不在"}
    assert memo.matches(text, wanted) == [t for t in spans if t.term in wanted]
    assert memo.matches("", wanted) == [] and memo.tokenize_with_spans("") == ()
    assert memo.matches("🎉 ", wanted) == []
    assert sorted(i for indexes in positions.values() for i in indexes) == list(range(len(spans)))
    assert all(spans[i].term == term for term, indexes in positions.items() for i in indexes)
    kept = memo.tokenize(text)
    assert memo.tokenize(text) is kept and isinstance(kept, tuple)  # kept, and immutable
    memo.tokenize("一个"), memo.tokenize("两个")  # size 2: the first text is dropped
    assert memo.tokenize(text) is not kept and memo.tokenize(text) == kept
    question = ["电梯", "签约"]
    assert best_snippet(text, question, memo) == best_snippet(text, question, tokenizer)


# Text as residents and OCR write it: CJK (stopwords and traditional forms among them),
# Latin, digits, full-width forms, punctuation, spaces, emoji, combining marks.
_MIXED = st.lists(
    st.sampled_from(
        list("加装电梯的了吗什么时候哪里凉城小区楼道堆物清理居委会電梯樓")
        + list("abcXY09２０２６，。、！？ .-_#")
        + ["😀", "e\u0301", "\u3000", "\n"]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    text=_MIXED,
    unigrams=st.booleans(),
    bigrams=st.booleans(),
    stopwords=st.booleans(),
)
def test_terms_without_spans_are_the_terms_of_the_spans(
    text: str, unigrams: bool, bigrams: bool, stopwords: bool
) -> None:
    # tokenize() builds its terms on a path of its own (no Token objects, no sort).
    tokenizer = Tokenizer(char_unigrams=unigrams, char_bigrams=bigrams, stopwords=stopwords)
    tokens = tokenizer._analyze(tokenizer.normalize(text))
    assert tokenizer.tokenize(text) == [token.term for token in tokens]


def test_terms_without_spans_on_every_bundled_paragraph() -> None:
    from corpus.ingest.seed import BUNDLED_DIR

    tokenizer = Tokenizer(char_unigrams=True)
    for path in sorted(BUNDLED_DIR.glob("*.txt")):
        for paragraph in path.read_text(encoding="utf-8").splitlines():
            spans = tokenizer.tokenize_with_spans(paragraph)
            assert tokenizer.tokenize(paragraph) == [token.term for token in spans]


def test_words_of_one_shape_share_their_weights_and_match_character_shares() -> None:
    from retrieval.weighting import character_shares

    tokenizer = Tokenizer(char_unigrams=True)
    # 电梯 and 楼道 (two characters, a bigram on neither side) take one memo entry's
    # shares; the question's weights must still be the whole-question ones.
    for question in ("电梯维修", "楼道清理电梯", "电梯 2019 楼道"):
        expected = character_shares(tokenizer.tokenize_with_spans(question))
        assert tokenizer.query_terms(question) == expected

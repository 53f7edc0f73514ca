"""Question terms weighted by their share of the characters they read (retrieval.weighting)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrieval import Retriever, Tokenizer, normalize, scoring_tokenizer
from retrieval.expansion import QueryExpander
from retrieval.weighting import character_shares

TOKENIZER = scoring_tokenizer()


def test_a_character_read_by_several_terms_splits_its_vote() -> None:
    # 电梯 (0-2) read by the word and its two unigrams; 2019 (2-6) by itself alone.
    tokens = [("电", 0, 1), ("电梯", 0, 2), ("梯", 1, 2), ("2019", 2, 6)]
    assert character_shares(tokens) == {"电": 0.5, "电梯": 0.5, "梯": 0.5, "2019": 1.0}


def test_a_term_weighs_the_mean_share_of_its_characters() -> None:
    # 阳 is read by 欧阳, 阳 and 阳明 (1/3 each); 欧 by 欧 and 欧阳 (1/2 each).
    tokens = [("欧", 0, 1), ("欧阳", 0, 2), ("阳", 1, 2), ("阳明", 1, 3), ("明", 2, 3)]
    weights = character_shares(tokens)
    assert weights["欧阳"] == pytest.approx((1 / 2 + 1 / 3) / 2)
    assert weights["阳"] == pytest.approx(1 / 3)
    assert weights["明"] == pytest.approx(1 / 2)


def test_repeated_terms_add_up_and_keep_their_order() -> None:
    tokens = [("年", 0, 1), ("会", 1, 2), ("年", 2, 3)]
    weights = character_shares(tokens)
    assert weights == {"年": 2.0, "会": 1.0}
    assert list(weights) == ["年", "会"]


def test_no_tokens_no_weights() -> None:
    assert character_shares([]) == {}
    assert TOKENIZER.query_terms("") == {}
    assert TOKENIZER.query_terms("什么时候？是不是有呢") == {}


spans = st.lists(
    st.tuples(st.integers(0, 12), st.integers(1, 4)).map(lambda p: (p[0], p[0] + p[1])),
    min_size=1,
    max_size=20,
)


@given(spans)
def test_weights_times_lengths_add_up_to_the_characters_read(
    pairs: list[tuple[int, int]],
) -> None:
    tokens = [(f"t{i}", start, end) for i, (start, end) in enumerate(pairs)]
    weights = character_shares(tokens)
    read = {i for start, end in pairs for i in range(start, end)}
    total = sum(weights[f"t{i}"] * (end - start) for i, (start, end) in enumerate(pairs))
    assert total == pytest.approx(len(read))
    assert all(0 < w <= 1 for w in weights.values())


@pytest.mark.parametrize(
    "question", ["凉二小区加装电梯进展怎么样了", "2019年世纪同乐WiFi", "市民驛站有什麼便民服務？"]
)
def test_query_terms_are_the_tokenizers_terms(question: str) -> None:
    weights = TOKENIZER.query_terms(question)
    assert list(weights) == list(dict.fromkeys(TOKENIZER.tokenize(question)))
    spans_ = TOKENIZER.tokenize_with_spans(question)
    # Offsets into the original or the normalised text: the same shares.
    assert weights == pytest.approx(character_shares(spans_))


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"char_unigrams": True},
        {"char_bigrams": False},
        {"stopwords": False, "char_unigrams": True},
    ],
)
@given(
    st.lists(
        st.sampled_from(
            [
                "凉二",
                "小区",
                "加装电梯",
                "的",
                "什么时候",
                "2019",
                "年",
                "WiFi",
                "？",
                " ",
                "世纪同乐",
                "楼道",
                "堆物",
                "是",
                "驛站",
                "a1",
                "了",
            ]
        ),
        max_size=12,
    )
)
def test_query_terms_are_the_shares_of_the_questions_tokens(
    options: dict[str, bool], pieces: list[str]
) -> None:
    # query_terms puts the weights together word by word (a memo per word); they are
    # the floats character_shares gives over the whole question's tokens, in its order.
    tokenizer = Tokenizer(**options)
    text = "".join(pieces)
    weights = tokenizer.query_terms(text)
    expected = character_shares(tokenizer._analyze(normalize(text)))
    assert list(weights.items()) == list(expected.items())


def test_a_long_name_no_longer_outvotes_the_rest_of_the_question() -> None:
    passages = ["诸葛亮在隆中躬耕。", "2019年起图书馆开通wifi。", "菜场周末照常营业。"]
    retriever = Retriever.from_texts(passages)
    question = "诸葛亮2019年wifi"
    # Counted term by term, 诸葛亮 (word, two bigrams, three unigrams) is six votes
    # against three for the year, 年 and wifi together.
    counted = retriever.search_terms(retriever.tokenizer.tokenize(question))
    assert [h.index for h in counted] == [0, 1]
    # Shared by character, the name weighs about as much as its three characters.
    assert [h.index for h in retriever.search(question)] == [1, 0]


def test_search_and_the_expander_score_a_question_alike() -> None:
    passages = [
        "凉二居民区加装电梯工作启动。",
        "世纪同乐小区楼道堆物清理。",
        "2019年社区食堂开张。",
    ]
    retriever = Retriever.from_texts(passages)
    question = "2019年凉二加装电梯的进展"
    assert retriever.search(question) == retriever.search_terms(
        retriever.tokenizer.query_terms(question)
    )
    expansion = QueryExpander(retriever.tokenizer, cedict=None).plain(question)
    assert retriever.search_terms(expansion.terms) == retriever.search(question)


def test_without_ngrams_every_term_weighs_one() -> None:
    # Without n-grams nothing overlaps: every term weighs what it counted before.
    words_only = Tokenizer(char_bigrams=False, char_unigrams=False)
    question = "凉二 加装电梯 elevator 2019"
    assert words_only.query_terms(question) == {t: 1.0 for t in words_only.tokenize(question)}

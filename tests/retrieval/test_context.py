from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval import Retriever
from retrieval.context import CONTEXT_MAX_SHARE, context_bonus, rerank, term_weights
from retrieval.index import BM25Index, kernel

# An article cut into passages in reading order: the second passage answers "when"
# but names the pool only in the first; the last one repeats the pool's name only.
ARTICLE = [
    "凉城游泳馆改造工程由街道牵头实施，馆内新增儿童戏水池。",
    "预计明年三月完工，届时向居民开放。",
    "社区食堂推出老年助餐服务，每天中午供应午餐。",
    "凉城游泳馆门口的停车位将重新划线。",
]
# Unrelated passages after it, so the article's words are rare in the index.
OTHERS = [f"第{i}号楼的居民参加了垃圾分类志愿活动。" for i in range(40)]
FILLER = [["其他"]] * 40


def test_a_passage_borrows_the_terms_it_lacks_from_the_passages_before() -> None:
    index = BM25Index.from_tokens([["泳馆", "改造"], ["完工"], ["午餐"], ["开放"], *FILLER])
    terms = {"泳馆": 1.0, "完工": 1.0, "开放": 1.0}
    bonus = context_bonus(index, terms, np.array([1, 3, 0, 2]), 0.5, reach=2)
    idf = index.idf
    # 1: 泳馆 one back. 3: 完工 two back (泳馆 is three back: out of reach); it has 开放.
    # 0: nothing before it. 2: 完工 one back, 泳馆 two back.
    assert bonus.tolist() == pytest.approx(
        [0.5 * idf("泳馆"), 0.25 * idf("完工"), 0.0, 0.5 * idf("完工") + 0.25 * idf("泳馆")]
    )


def test_only_the_nearest_passage_back_counts_and_common_terms_are_not_lent() -> None:
    common = [["常见"]] * 10
    index = BM25Index.from_tokens([["泳馆", "常见"], ["泳馆"], ["完工"], *FILLER, *common])
    assert index.doc_freq("常见") > CONTEXT_MAX_SHARE * len(index)
    bonus = context_bonus(index, {"泳馆": 1.0, "常见": 1.0}, np.array([2]), 0.5, reach=2)
    assert bonus.tolist() == pytest.approx([0.5 * index.idf("泳馆")])


def test_weights_scale_the_bonus_and_zero_turns_it_off() -> None:
    index = BM25Index.from_tokens([["泳馆"], ["完工"], *FILLER])
    ids = np.array([1])
    assert context_bonus(index, {"泳馆": 0.5}, ids, 1.0)[0] == pytest.approx(index.idf("泳馆") / 2)
    assert context_bonus(index, {"泳馆": 1.0}, ids, 0.0).tolist() == [0.0]
    assert context_bonus(index, {"泳馆": 1.0}, ids, 0.5, reach=0).tolist() == [0.0]
    assert context_bonus(index, {"没有": 1.0, "泳馆": 0.0}, ids, 1.0).tolist() == [0.0]
    assert context_bonus(index, {"泳馆": 1.0}, np.array([], np.int64), 1.0).size == 0


def test_term_weights_accepts_sequences_with_repeats() -> None:
    assert term_weights(["a", "b", "a"]) == {"a": 2.0, "b": 1.0}
    assert term_weights({"a": 0.5}) == {"a": 0.5}


def test_rerank_orders_by_the_new_score_then_lower_id() -> None:
    index = BM25Index.from_tokens([["泳馆"], ["完工"], ["完工"], *FILLER])
    ids, scores = rerank(index, ["泳馆", "完工"], np.array([2, 1]), np.array([1.0, 1.0]), 0.5)
    assert ids.tolist() == [1, 2]
    assert scores[0] > scores[1]


def test_the_answering_passage_wins_with_the_passage_before_as_context() -> None:
    question = "凉城游泳馆明年几月完工"
    alone = Retriever.from_texts(ARTICLE + OTHERS, context=0)
    read_on = Retriever.from_texts(ARTICLE + OTHERS)
    assert [h.index for h in alone.search(question)][:2] == [0, 1]
    assert read_on.search(question)[0].index == 1
    # The first passage has nothing before it; the others gain what they lack.
    before = {h.index: h.score for h in alone.search(question)}
    after = {h.index: h.score for h in read_on.search(question)}
    assert after[0] == before[0] and after[1] > before[1] and after[3] > before[3]


def test_context_off_is_plain_bm25_and_a_negative_weight_is_refused() -> None:
    plain = Retriever.from_texts(ARTICLE, context=0)
    index = plain.index
    ids, scores = index.top_k(plain.tokenizer.query_terms("游泳馆开放"), 10)
    assert [(h.index, h.score) for h in plain.search("游泳馆开放")] == list(
        zip(ids.tolist(), scores.tolist(), strict=True)
    )
    for bad in (-1.0, float("nan")):
        with pytest.raises(ValueError, match="context"):
            Retriever(index, plain.tokenizer, context=bad)


def test_search_with_context_keeps_k_and_positive_scores() -> None:
    retriever = Retriever.from_texts((ARTICLE + OTHERS) * 3)
    hits = retriever.search("游泳馆什么时候完工", k=3)
    assert len(hits) == 3 and all(h.score > 0 for h in hits)
    assert retriever.search("游泳馆", k=0) == []
    assert retriever.search("") == []
    assert retriever.search_terms(["游泳馆", "游泳馆"], k=2)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    corpus=st.lists(
        st.lists(st.sampled_from(["泳", "馆", "完", "工", "x", "y", "z", "w"]), max_size=10),
        min_size=1,
        max_size=60,
    ).filter(lambda docs: any(docs)),
    query=st.one_of(
        st.lists(st.sampled_from(["泳", "馆", "完", "x", "没有"]), max_size=6),
        st.dictionaries(st.sampled_from(["泳", "馆", "工", "y"]), st.sampled_from([0.0, 0.5, 1.0, 3.0])),
    ),
    k=st.integers(1, 12),
    weight=st.sampled_from([0.3, 0.5, 1.0]),
    reach=st.integers(1, 3),
    share=st.sampled_from([0.1, 0.5, 1.0]),
)
def test_the_compiled_search_in_context_equals_its_numpy_twin_and_reranking_by_hand(
    corpus: list[list[str]],
    query: list[str] | dict[str, float],
    k: int,
    weight: float,
    reach: int,
    share: float,
) -> None:
    index = BM25Index.from_tokens(corpus, k1=0.1, b=0.3)
    decay = weight ** np.arange(1, reach + 1, dtype=np.float64)
    context = (decay, share * len(index), 5)
    with mock.patch.object(kernel, "AVAILABLE", False):
        fallback_ids, fallback_scores = index.top_k(query, k, context)
    ids, scores = index.top_k(query, k, context)
    assert ids.tolist() == fallback_ids.tolist()
    assert scores.tolist() == fallback_scores.tolist()  # bit-identical
    # By hand: the best max(k, 5), each plus what the passages before it lend.
    base_ids, base_scores = index.top_k(query, max(k, 5))
    total = base_scores + index.context_bonus(query, base_ids, decay, share * len(index))
    order = np.lexsort((base_ids, -total))[:k]
    assert ids.tolist() == base_ids[order].tolist()
    assert scores.tolist() == total[order].tolist()

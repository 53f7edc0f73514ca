import dataclasses
import itertools
import math
import subprocess
import sys
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from retrieval.index import BM25Index, IndexArrays, kernel, search, top_k

VOCAB = ["a", "b", "c", "d", "e", "f"]
ABSENT = "zz"


def reference_top_k(scores: np.ndarray, k: int) -> list[int]:
    """Tie order defined for both sides: score desc, then index asc; positive scores only."""
    positive = [i for i in range(len(scores)) if scores[i] > 0]
    return sorted(positive, key=lambda i: (-scores[i], i))[:k]


corpora = st.lists(st.lists(st.sampled_from(VOCAB), max_size=8), min_size=1, max_size=14).filter(
    lambda docs: any(docs)  # BM25Okapi divides by the vocabulary size
)
queries = st.lists(st.sampled_from([*VOCAB, ABSENT]), max_size=6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    corpus=corpora,
    query=queries,
    k=st.integers(1, 15),
    k1=st.sampled_from([1.2, 1.5, 2.0]),
    b=st.sampled_from([0.0, 0.5, 0.75]),
    split=st.floats(0, 1),
    sparse_ratio=st.sampled_from([0, 10**9]),  # force the sorted or the dense accumulation
)
def test_okapi_mode_matches_rank_bm25(
    corpus: list[list[str]],
    query: list[str],
    k: int,
    k1: float,
    b: float,
    split: float,
    sparse_ratio: int,
) -> None:
    reference = BM25Okapi(corpus, k1=k1, b=b, epsilon=0.25).get_scores(query)

    # Built in two additions, to cover incremental add as well.
    cut = int(split * len(corpus))
    index = BM25Index(k1=k1, b=b, idf="okapi", epsilon=0.25)
    index.add(corpus[:cut])
    index.add(corpus[cut:])

    with mock.patch.object(search, "_SPARSE_RATIO", sparse_ratio):
        dense = index.get_scores(query)
        ids, scores = index.top_k(query, k)

    # Every score, zero, negative or positive, not just the top k.
    np.testing.assert_allclose(dense, reference, rtol=0, atol=1e-9)
    assert ids.tolist() == reference_top_k(reference, k)
    np.testing.assert_allclose(scores, reference[ids], rtol=0, atol=1e-9)


def trap_corpus() -> list[list[str]]:
    # 10 passages, each with its own filler word so the mean idf is clearly
    # positive; "common" is in 6 (> half), "rare" in 5 (exactly half: idf 0).
    docs = [[f"filler{i}"] for i in range(10)]
    for i in range(6):
        docs[i].append("common")
    for i in range(5, 10):
        docs[i].append("rare")
    return docs


def test_okapi_trap_lets_a_common_term_outscore_a_rarer_one() -> None:
    okapi = BM25Index.from_tokens(trap_corpus(), idf="okapi")
    assert okapi.idf("common") > okapi.idf("rare")
    scores = okapi.get_scores(["common", "rare"])
    assert scores[0] > scores[9]  # passage 0 has only "common", 9 only "rare"


def test_default_idf_always_weighs_the_rarer_term_more() -> None:
    lucene = BM25Index.from_tokens(trap_corpus())
    assert lucene.idf_mode == "lucene"
    assert lucene.idf("rare") > lucene.idf("common") > 0
    scores = lucene.get_scores(["common", "rare"])
    assert scores[9] > scores[0]


def test_default_idf_is_positive_and_falls_with_document_frequency() -> None:
    n_docs = 20
    docs = [[f"t{j}" for j in range(n_docs) if i <= j] for i in range(n_docs)]  # t_j in j+1 docs
    index = BM25Index.from_tokens(docs)
    idfs = [index.idf(f"t{j}") for j in range(n_docs)]
    assert all(x > 0 for x in idfs)
    assert all(a > b for a, b in itertools.pairwise(idfs))
    expected = math.log(1 + (n_docs - 1 + 0.5) / (1 + 0.5))
    assert idfs[0] == pytest.approx(expected)


def test_repeated_query_terms_count_again() -> None:
    corpus = [["a", "b"], ["b", "c"], ["c", "d"], ["a", "a", "e"]]
    index = BM25Index.from_tokens(corpus, idf="okapi")
    np.testing.assert_allclose(index.get_scores(["a", "a"]), 2 * index.get_scores(["a"]))
    np.testing.assert_allclose(
        index.get_scores(["a", "a", "c"]), BM25Okapi(corpus).get_scores(["a", "a", "c"])
    )


def test_weights_scale_each_terms_contribution() -> None:
    index = BM25Index.from_tokens([["a", "b"], ["b", "c"], ["c", "d"], ["e"]])
    a, c = index.get_scores(["a"]), index.get_scores(["c"])
    np.testing.assert_allclose(index.get_scores({"a": 1.0, "c": 0.5}), a + 0.5 * c)
    np.testing.assert_allclose(index.get_scores({"a": 1.0, "c": 1.0}), index.get_scores(["a", "c"]))
    assert not index.get_scores({"a": 0.0}).any()


def test_bad_queries_are_rejected() -> None:
    index = BM25Index.from_tokens([["a"], ["b"]])
    with pytest.raises(ValueError):
        index.score({"a": -1.0})
    with pytest.raises(ValueError):
        index.score({"a": float("nan")})
    with pytest.raises(TypeError):
        index.score("a")  # a string is not a list of terms
    with pytest.raises(TypeError):
        index.add(["not tokenised"])


def test_unknown_or_empty_queries_match_nothing() -> None:
    index = BM25Index.from_tokens([["a"], ["b"], ["c"]])
    for query in ([], ["zz"], {}):
        ids, scores = index.score(query)
        assert len(ids) == len(scores) == 0


def test_empty_index() -> None:
    index = BM25Index()
    assert len(index) == 0
    assert index.get_scores(["a"]).shape == (0,)
    index.add([[], []])
    assert len(index) == 2
    assert index.top_k(["a"], 3)[0].tolist() == []


def test_incremental_add_equals_building_at_once() -> None:
    corpus = [["a", "b"], ["b", "c", "c"], [], ["d", "a"], ["e", "f", "a"], ["b"]]
    for idf in ("lucene", "okapi"):
        whole = BM25Index.from_tokens(corpus, idf=idf)
        pieces = BM25Index(idf=idf)
        assert pieces.add(corpus[:2]) == range(0, 2)
        assert pieces.add(corpus[2:3]) == range(2, 3)
        assert pieces.add(corpus[3:]) == range(3, 6)
        assert pieces.n_postings == whole.n_postings
        for query in (["a"], ["b", "f"], ["c", "zz", "a"]):
            assert np.array_equal(pieces.get_scores(query), whole.get_scores(query))


@settings(max_examples=150, deadline=None)
@given(
    corpus=st.lists(
        st.lists(st.sampled_from(VOCAB) | st.text(max_size=5), max_size=8), max_size=14
    ),
    chunk=st.integers(1, 5),
    repeat=st.integers(0, 300),
)
def test_building_from_scratch_in_batches_equals_adding(
    corpus: list[list[str]], chunk: int, repeat: int
) -> None:
    corpus = [*corpus, ["b"] * repeat + ["a"]]  # a term counted past uint8's range, or not
    added = BM25Index()
    added.add(corpus)
    with mock.patch("retrieval.index.build._BUILD_CHUNK", chunk):
        built = BM25Index.from_tokens(iter(corpus))  # one batch of `chunk` at a time
    ours, theirs = built.export(), added.export()
    assert ours.terms == theirs.terms
    for name in ("term_ends", "doc_len", "indptr", "doc_ids", "tf"):
        mine, other = getattr(ours, name), getattr(theirs, name)
        assert mine.dtype == other.dtype and np.array_equal(mine, other), name


def test_building_from_scratch_rejects_strings() -> None:
    with pytest.raises(TypeError):
        BM25Index.from_tokens(["ab", "cd"])


def test_top_k_orders_by_score_then_index() -> None:
    ids = np.array([7, 3, 9, 1, 5])
    scores = np.array([1.0, 2.0, 1.0, 0.0, 2.0])
    got_ids, got_scores = top_k(ids, scores, 10)
    assert got_ids.tolist() == [3, 5, 7, 9]
    assert got_scores.tolist() == [2.0, 2.0, 1.0, 1.0]


def test_top_k_drops_zero_and_negative_scores() -> None:
    got_ids, _ = top_k(np.array([0, 1, 2]), np.array([0.0, -1.0, 0.5]), 3)
    assert got_ids.tolist() == [2]
    assert top_k(np.array([0]), np.array([1.0]), 0)[0].tolist() == []


def test_top_k_breaks_ties_at_the_cut_by_index() -> None:
    rng = np.random.default_rng(0)
    ids = rng.permutation(1000)
    scores = np.ones(1000)
    scores[ids == 500] = 3.0
    got_ids, _ = top_k(ids, scores, 4)
    assert got_ids.tolist() == [500, 0, 1, 2]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    corpus=st.lists(
        st.lists(st.sampled_from([*VOCAB, "g", "h", "i", "j"]), max_size=12),
        min_size=1,
        max_size=60,
    ).filter(lambda docs: any(docs)),
    query=st.one_of(
        st.lists(st.sampled_from([*VOCAB, "g", "h", ABSENT]), max_size=8),
        st.dictionaries(st.sampled_from([*VOCAB, "i", "j"]), st.sampled_from([0.0, 0.5, 1.0, 3.0])),
    ),
    k=st.integers(1, 8),
    idf=st.sampled_from(["lucene", "okapi"]),
)
def test_compiled_top_k_equals_ranking_every_score_with_numpy(
    corpus: list[list[str]], query: list[str] | dict[str, float], k: int, idf: str
) -> None:
    index = BM25Index.from_tokens(corpus, k1=1.2, b=0.75, idf=idf)
    docs, scores = index.score(query)
    expected_ids, expected_scores = top_k(docs, scores, k)
    with mock.patch.object(kernel, "AVAILABLE", False):  # the numpy fallback
        fallback_ids, fallback_scores = index.top_k(query, k)
    ids, got = index.top_k(query, k)
    assert ids.tolist() == expected_ids.tolist() == fallback_ids.tolist()
    # bit-identical, not just close
    assert got.tolist() == expected_scores.tolist() == fallback_scores.tolist()


@pytest.mark.skipif(not kernel.AVAILABLE, reason="numba not installed")
@given(
    ids=st.lists(st.integers(0, 3000), max_size=300, unique=True).map(sorted),
    bounds=st.tuples(st.integers(0, 300), st.integers(0, 300)),
    targets=st.lists(st.integers(-5, 3005), max_size=20),
)
def test_the_compiled_seek_finds_what_searchsorted_finds(
    ids: list[int], bounds: tuple[int, int], targets: list[int]
) -> None:
    # The interpolating galloping search, compiled, against numpy on the same slice.
    kernel.load()
    doc_ids = np.asarray(ids, np.int32)
    at, end = min(bounds[0], len(ids)), min(max(bounds), len(ids))
    for doc in targets + ids[:3] + ids[-3:]:
        expected = at + int(np.searchsorted(doc_ids[at:end], doc))
        assert kernel._seek(doc_ids, at, end, doc) == expected


def _kernel_top(index: BM25Index, query: list[str], k: int) -> tuple[list[int], int]:
    snap = index._snap
    scorer = search.QueryScorer(snap, index.k1, index._terms(snap, query))
    ids, _, read = kernel.top_k(
        snap.indptr,
        snap.doc_ids,
        snap.tf,
        snap.length_norm,
        index.k1,
        scorer.tids,
        snap.idf[scorer.tids],
        scorer.weights,
        k,
    )
    return ids.tolist(), read


def test_pruning_skips_common_terms_and_keeps_the_answer() -> None:
    # "common" is everywhere, "rare" in three passages: once two passages with
    # "rare" are in, "common" alone can no longer lift a passage into the top 2,
    # so its postings are looked up only for the passages that have "rare".
    corpus = [["common", f"w{i}"] for i in range(3000)]
    for i in (5, 1200, 2999):
        corpus[i].append("rare")
    index = BM25Index.from_tokens(corpus)
    ids, read = _kernel_top(index, ["common", "rare"], 2)
    assert ids == [5, 1200]
    assert read < 3000 // 2  # far from all 3003 postings
    assert index.top_k(["common", "rare"], 2)[0].tolist() == [5, 1200]


def test_negative_bounds_turn_pruning_off() -> None:
    # okapi: a term in most passages has a negative raw idf, floored to a share of
    # the mean idf, which is negative here; no bound holds, so everything is scored.
    corpus = [["x", "y"]] * 9 + [["x"]]
    index = BM25Index.from_tokens(corpus, idf="okapi")
    assert index.idf("x") < 0
    ids, read = _kernel_top(index, ["x", "y"], 3)
    assert read == 19
    assert ids == top_k(*index.score(["x", "y"]), 3)[0].tolist()


def test_export_from_arrays_and_take() -> None:
    corpus = [["a", "b", "b"], ["c"], ["a", "d"], [], ["e", "a"]]
    index = BM25Index.from_tokens(corpus, idf="okapi")
    again = BM25Index.from_arrays(index.export(), **index.params)
    for query in (["a"], ["b", "e"], ["d", "zz"]):
        assert np.array_equal(again.get_scores(query), index.get_scores(query))
    # take = the same passages indexed afresh in the new order, minus dropped terms.
    order = [4, 0, 3, 2]
    taken = index.take(order)
    fresh = BM25Index.from_tokens([corpus[i] for i in order], idf="okapi")
    assert taken.n_terms == fresh.n_terms == 4  # "c" is gone with passage 1
    assert taken.doc_freq("c") == 0
    for query in (["a"], ["b", "e"], ["d", "a", "b"]):
        np.testing.assert_allclose(taken.get_scores(query), fresh.get_scores(query), atol=1e-12)
    with pytest.raises(ValueError):
        index.take([0, 0])
    arrays = index.export()
    broken = IndexArrays(
        terms=arrays.terms,
        term_ends=arrays.term_ends,
        doc_len=arrays.doc_len + 1,
        indptr=arrays.indptr,
        doc_ids=arrays.doc_ids,
        tf=arrays.tf,
    )
    with pytest.raises(ValueError, match="passage lengths"):
        BM25Index.from_arrays(broken)


@pytest.mark.parametrize("block", [1, 2, 3, 1 << 20])  # checked in blocks of any size
def test_from_arrays_rejects_postings_out_of_order_and_accepts_order_across_terms(
    block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = [["a", "b", "b"], ["a", "c"], ["a", "b"], ["c"] * 300]
    index = BM25Index.from_tokens(corpus)
    arrays = index.export()
    monkeypatch.setattr("retrieval.index.build._CHECK_BLOCK", block)
    # Passage ids fall at every term start ("a": 0 1 2 | "b": 0 2 | "c": 1 3): accepted.
    assert (
        BM25Index.from_arrays(arrays).get_scores(["c"]).tolist() == index.get_scores(["c"]).tolist()
    )
    for swap in ((0, 1), (1, 2), (3, 4)):  # within "a", within "a", within "b"
        doc_ids, tf = arrays.doc_ids.copy(), arrays.tf.copy()
        doc_ids[list(swap)] = doc_ids[list(swap[::-1])]
        tf[list(swap)] = tf[list(swap[::-1])]
        broken = dataclasses.replace(arrays, doc_ids=doc_ids, tf=tf)
        with pytest.raises(ValueError, match="passage order"):
            BM25Index.from_arrays(broken)
    repeated = arrays.doc_ids.copy()
    repeated[1] = repeated[0]  # passage 0 twice under "a"
    with pytest.raises(ValueError):
        BM25Index.from_arrays(dataclasses.replace(arrays, doc_ids=repeated))
    for passage, change in ((0, 1), (3, -1), (3, 1)):  # a length off by one
        lengths = arrays.doc_len.copy()
        lengths[passage] += change
        with pytest.raises(ValueError, match="passage lengths"):
            BM25Index.from_arrays(dataclasses.replace(arrays, doc_len=lengths))


def test_a_term_repeated_more_than_255_times_is_counted_exactly() -> None:
    corpus = [["a"] * 300 + ["b"], ["a", "b"], ["c"]]
    index = BM25Index.from_tokens(corpus, k1=1.5, b=0.75, idf="okapi")
    np.testing.assert_allclose(
        index.get_scores(["a", "b"]), BM25Okapi(corpus).get_scores(["a", "b"]), rtol=0, atol=1e-9
    )
    assert index.export().tf.dtype == np.uint16


def test_ties_go_to_the_lower_passage_when_pruning_is_off() -> None:
    # okapi: "b" is in half the passages, so its idf is 0 and the kernel does not prune;
    # passages 2 and 4 tie, and 4 is met first (through "b"), yet 2 must win.
    corpus = [[], ["b"], ["a"] * 5, ["b"], ["a"] * 5 + ["b"]]
    index = BM25Index.from_tokens(corpus, k1=1.2, b=0.0, idf="okapi")
    assert index.idf("b") == 0.0
    assert index.top_k(["b", "a"], 1)[0].tolist() == [2]
    assert _kernel_top(index, ["b", "a"], 1)[0] == [2]


@pytest.mark.skipif(not kernel.AVAILABLE, reason="numba not installed")
def test_a_fresh_process_answers_with_numpy_while_the_kernel_loads() -> None:
    # In a process of its own: this one has the kernel loaded (tests/conftest.py).
    script = """
import numpy as np
from retrieval.index import BM25Index, kernel
index = BM25Index.from_tokens([["a", "b"], ["b", "c", "c"], ["a", "c"], ["d"]] * 50)
query = {"a": 1.0, "c": 0.5, "zz": 2.0}
first = index.top_k(query, 5)
assert not kernel.ready() and kernel._loader is not None  # numpy answered, numba loading
kernel._loader.join()
assert kernel.ready()
then = index.top_k(query, 5)
assert first[0].tolist() == then[0].tolist() and first[1].tolist() == then[1].tolist()
print("ok")
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_scores_closer_than_float32_can_tell_are_ranked_exactly() -> None:
    # The compiled search prunes in float32, where these two passages' scores (a relative
    # 1e-12 apart) are the same number; the passages it keeps are scored in float64,
    # so the better one still comes first, with the numpy path's exact scores.
    corpus = [["common", f"w{i}", f"v{i}"] for i in range(2000)]
    corpus[700] = ["common", "a", "w700"]
    corpus[300] = ["common", "b", "w300"]
    index = BM25Index.from_tokens(corpus)
    query = {"a": 1.0, "b": 1.0 + 1e-12, "common": 0.5}
    assert np.float32(index.idf("a") * 1.0) == np.float32(index.idf("b") * (1.0 + 1e-12))
    with mock.patch.object(kernel, "AVAILABLE", False):
        expected_ids, expected_scores = index.top_k(query, 2)
    ids, scores = index.top_k(query, 2)
    assert ids.tolist() == expected_ids.tolist() == [300, 700]
    assert scores.tolist() == expected_scores.tolist()
    assert scores[0] > scores[1]


@pytest.mark.skipif(not kernel.AVAILABLE, reason="numba not installed")
@pytest.mark.parametrize("weight", [1e-30, 1e30])
def test_weights_beyond_float32_are_summed_exactly(weight: float) -> None:
    # Pruning's float32 sums would underflow or overflow: such a query is scored exactly.
    corpus = [["x", f"w{i}"] for i in range(50)] + [["x", "y"], ["y"]]
    index = BM25Index.from_tokens(corpus)
    query = {"x": weight, "y": weight}
    with mock.patch.object(kernel, "AVAILABLE", False):
        expected_ids, expected_scores = index.top_k(query, 3)
    ids, scores = index.top_k(query, 3)
    assert ids.tolist() == expected_ids.tolist() == [51, 50, 0]  # y alone is the shortest
    assert scores.tolist() == expected_scores.tolist()

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from retrieval import Hit, Retriever, Tokenizer

PASSAGES = [
    "凉二居民区加装电梯工作启动，居民可到居委会申请加梯。",
    "世纪同乐小区开展楼道堆物清理，请居民自行处理杂物。",
    "市民驿站每周提供理发、扦脚、眼镜护理等便民服务。",
    "社区事务受理中心工作日上午九点开门，周六上午也对外服务。",
    "垃圾分类志愿者在小区垃圾箱房值守，指导居民分类投放。",
    "联洋社区境外人员服务站为外籍居民提供咨询服务。",
    "党群服务站设立爱心休憩点，环卫工人可以歇脚喝水。",
    "奎照路1000弄屋顶违建拆除工作圆满结束。",
]


@pytest.fixture(scope="module")
def retriever() -> Retriever:
    return Retriever.from_texts(PASSAGES)


def assert_sane(hits: list[Hit], k: int = 10) -> None:
    assert len(hits) <= k
    assert all(isinstance(h, Hit) and 0 <= h.index < len(PASSAGES) and h.score > 0 for h in hits)
    assert [(-h.score, h.index) for h in hits] == sorted((-h.score, h.index) for h in hits)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("加装电梯怎么申请？", 0),
        ("楼道里堆了东西谁来清理", 1),
        ("市民驛站有什麼便民服務？", 2),
        ("受理中心几点开门", 3),
        ("境外人员服务站在哪里", 5),
        ("ＰＬＥＡＳＥ 奎照路违建", 7),
    ],
)
def test_search_finds_the_passage(retriever: Retriever, query: str, expected: int) -> None:
    hits = retriever.search(query)
    assert hits[0].index == expected
    assert_sane(hits)


@pytest.mark.parametrize(
    "query",
    ["", "   ", "\n\t", "什么时候？是不是有呢", "😀🎉👍", "？！。，", "的了吗"],
)
def test_queries_without_content_return_nothing(retriever: Retriever, query: str) -> None:
    assert retriever.search(query) == []


def test_odd_queries_give_sane_hits(retriever: Retriever) -> None:
    rng = random.Random(0)
    long_query = "".join(rng.choice("加装电梯的居民区服务站，😀abc ") for _ in range(10_000))
    for query in (
        long_query,
        "<script>alert('加装电梯')</script><b>党群服务站</b>",
        "'; DROP TABLE passages; -- 垃圾分类",
        "SELECT * FROM passages WHERE text LIKE '%电梯%'",
        "\x00\x1f\ud7ff 电梯",
    ):
        assert_sane(retriever.search(query, k=3), k=3)
    assert retriever.search("'; DROP TABLE passages; -- 垃圾分类")[0].index == 4


def test_k_limits_the_hits(retriever: Retriever) -> None:
    assert len(retriever.search("居民 服务", k=2)) == 2
    assert retriever.search("居民", k=0) == []


def test_ties_go_to_the_earlier_passage() -> None:
    retriever = Retriever.from_texts(["加装电梯", "其他事项", "加装电梯", "加装电梯"])
    hits = retriever.search("加装电梯")
    assert [h.index for h in hits] == [0, 2, 3]
    assert hits[0].score == hits[1].score == hits[2].score


def test_len_and_incremental_add() -> None:
    retriever = Retriever.from_texts(PASSAGES[:4])
    assert len(retriever) == 4
    assert retriever.search("违建拆除") == []
    assert retriever.add(PASSAGES[4:]) == range(4, 8)
    assert len(retriever) == 8
    assert retriever.search("违建拆除")[0].index == 7
    rebuilt = Retriever.from_texts(PASSAGES)
    assert retriever.search("居民服务") == rebuilt.search("居民服务")


def test_from_tokens_and_weighted_terms() -> None:
    retriever = Retriever.from_tokens([["电梯", "加装"], ["楼道", "堆物"], ["电梯", "维修"]])
    assert [h.index for h in retriever.search_terms(["电梯"])] == [0, 2]
    weighted = retriever.search_terms({"维修": 1.0, "加装": 0.1})
    assert [h.index for h in weighted] == [2, 0]
    assert weighted[1].score == pytest.approx(0.1 * retriever.search_terms(["加装"])[0].score)
    assert retriever.search("楼道堆物")[0].index == 1  # questions use the default tokenizer


def test_options_reach_the_tokenizer() -> None:
    retriever = Retriever.from_texts(
        PASSAGES, words="precise", char_bigrams=False, char_unigrams=False, idf="okapi"
    )
    assert retriever.tokenizer == Tokenizer(
        words="precise", char_bigrams=False, char_unigrams=False
    )
    assert retriever.index.idf_mode == "okapi"
    # Without bigrams, part of a name no longer matches the whole word.
    assert retriever.search("同乐") == []
    assert Retriever.from_texts(PASSAGES).search("同乐")[0].index == 1
    with pytest.raises(TypeError):
        Retriever.from_texts(PASSAGES, tokenizer=Tokenizer(), words="search")


def test_snippet_uses_the_index(retriever: Retriever) -> None:
    hit = retriever.search("世纪同乐楼道堆物")[0]
    snippet = retriever.snippet(PASSAGES[hit.index], "世纪同乐楼道堆物", max_chars=30)
    assert "世纪同乐" in snippet.text
    first_start, first_end = snippet.spans[0]
    assert snippet.text[first_start:first_end].startswith("世纪同乐")


def test_concurrent_searches_and_adds() -> None:
    retriever = Retriever.from_texts(PASSAGES)
    stop = threading.Event()

    def search_until_stopped() -> int:
        n = 0
        while not stop.is_set() or n < 20:
            hits = retriever.search("加装电梯")
            assert hits[0].index == 0  # scores move as idf changes, the winner does not
            assert_sane_any(hits)
            n += 1
        return n

    def assert_sane_any(hits: list[Hit]) -> None:
        assert all(h.score > 0 for h in hits)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)

    with ThreadPoolExecutor(max_workers=4) as pool:
        searches = [pool.submit(search_until_stopped) for _ in range(3)]
        for _ in range(10):
            retriever.add(["居民文化活动丰富多彩。"] * 5)
        stop.set()
        assert all(f.result() >= 20 for f in searches)
    assert len(retriever) == len(PASSAGES) + 50

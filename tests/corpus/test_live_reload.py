"""Several processes, one database: an issue added or removed through one service is
answered (or no longer answered) by another within seconds, without a restart.

Each service has its own Store (own engine and connection pool), as separate bot
processes do; on PostgreSQL too when LINLI_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import gc
import random
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from corpus.answer.service import LinliService
from corpus.answer.types import Answer
from corpus.ingest.prepare import IssueMeta, prepare_issue
from corpus.ingest.write import remove_issue, store_issues
from corpus.store.engine import Store

STAFF_DATA = Path(__file__).parent.parent / "data" / "staff"
INTERVAL = 0.2
MARKET_QUESTION = "水电路菜场什么时候重新开业"
GINKGO_QUESTION = "长风公园银杏大道新增了几张座椅"


def _liangcheng(text_change: tuple[str, str] | None = None):  # type: ignore[no-untyped-def]
    text = (STAFF_DATA / "liangcheng_2026-11.txt").read_text(encoding="utf-8")
    if text_change:
        text = text.replace(*text_change)
    return prepare_issue(text, IssueMeta(date="2026-11", source_name="liangcheng.txt"))


def _changfeng():  # type: ignore[no-untyped-def]
    text = (STAFF_DATA / "changfeng_2026-10_gbk.txt").read_bytes().decode("gbk")
    return prepare_issue(text, IssueMeta(date="2026-10", source_name="changfeng.txt"))


def _quotes(answer: Answer, issue_id: int) -> list[str]:
    return [q.passage for q in answer.quotes if q.source.issue.id == issue_id]


def _eventually(probe: Callable[[], bool], timeout: float = 5.0) -> float:
    """Seconds until ``probe()`` held; fails after ``timeout``."""
    started = time.monotonic()
    while not probe():
        if time.monotonic() - started > timeout:
            pytest.fail(f"not picked up within {timeout} s")
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture
def services(db_url: str) -> Iterator[tuple[LinliService, LinliService]]:
    """Two services on one database, each with its own engine: two processes, in effect."""
    first_store = Store.open(db_url)
    store_issues(first_store.factory, [_changfeng()])
    second_store = Store.open(db_url)
    first = LinliService(first_store, refresh_interval=INTERVAL)
    second = LinliService(second_store, refresh_interval=INTERVAL)
    first.refresh(force=True)
    second.refresh(force=True)
    yield first, second
    first_store.close()
    second_store.close()


def test_an_issue_added_through_one_service_is_answered_by_the_other(
    services: tuple[LinliService, LinliService],
) -> None:
    first, second = services
    assert all(q.source.issue.street != "凉城新村街道" for q in second.answer(MARKET_QUESTION).quotes)

    [result] = store_issues(first.store.factory, [_liangcheng()])
    assert result.status == "added"
    # The service that stored it rebuilds at once (as the bot does after 确认) ...
    first.refresh(force=True)
    assert "11月18日" in " ".join(_quotes(first.answer(MARKET_QUESTION), result.issue_id))
    # ... and the other follows the corpus version within its refresh interval.
    took = _eventually(lambda: bool(_quotes(second.answer(MARKET_QUESTION), result.issue_id)))
    assert took < 3
    answer = second.answer(MARKET_QUESTION)
    assert answer.quotes[0].source.issue.id == result.issue_id
    assert answer.quotes[0].source.issue.publication == "社区晨报"


def test_corrections_and_removals_reach_the_other_service(
    services: tuple[LinliService, LinliService],
) -> None:
    first, second = services
    [added] = store_issues(first.store.factory, [_liangcheng()])
    _eventually(lambda: bool(_quotes(second.answer(MARKET_QUESTION), added.issue_id)))

    [replaced] = store_issues(first.store.factory, [_liangcheng(("11月18日", "11月20日"))])
    assert (replaced.status, replaced.issue_id) == ("replaced", added.issue_id)
    _eventually(
        lambda: "11月20日" in " ".join(_quotes(second.answer(MARKET_QUESTION), added.issue_id))
    )
    assert "11月18日" not in second.answer(MARKET_QUESTION).text()

    removed = remove_issue(first.store.factory, added.issue_id)
    assert removed is not None and removed.id == added.issue_id
    _eventually(lambda: not _quotes(second.answer(MARKET_QUESTION), added.issue_id))
    assert remove_issue(first.store.factory, added.issue_id) is None


def test_checking_for_changes_is_cheap_and_rebuilds_only_on_a_change(
    services: tuple[LinliService, LinliService], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = services
    builds: list[int] = []
    real_build = second.index._build

    def counting_build(version: int):  # type: ignore[no-untyped-def]
        builds.append(version)
        return real_build(version)

    monkeypatch.setattr(second.index, "_build", counting_build)
    for _ in range(3):
        time.sleep(INTERVAL * 1.2)
        assert second.refresh() is False  # version unchanged: no rebuild
    assert builds == []

    store_issues(first.store.factory, [_liangcheng()])
    time.sleep(INTERVAL * 1.2)
    assert second.refresh() is True
    assert second.refresh() is False  # within the interval: not even a version check
    assert len(builds) == 1


def test_questions_keep_being_answered_while_the_index_is_swapped(
    services: tuple[LinliService, LinliService],
) -> None:
    first, second = services
    stop = threading.Event()
    failures: list[BaseException] = []
    answered: list[bool] = []

    def ask_repeatedly() -> None:
        while not stop.is_set():
            try:
                answered.append("12张" in second.answer(GINKGO_QUESTION).text())
            except BaseException as exc:  # any failure is what this test looks for
                failures.append(exc)
                return

    worker = threading.Thread(target=ask_repeatedly)
    worker.start()
    try:
        [added] = store_issues(first.store.factory, [_liangcheng()])
        _eventually(lambda: bool(_quotes(second.answer(MARKET_QUESTION), added.issue_id)))
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not failures
    assert answered and all(answered)  # the old issue was answered throughout


def test_rebuild_hooks_run_once_per_new_index_and_a_failing_one_is_only_logged(
    services: tuple[LinliService, LinliService], caplog: pytest.LogCaptureFixture
) -> None:
    first, _ = services
    seen: list[int] = []

    def broken() -> None:
        raise RuntimeError("hook broke")

    first.after_rebuild.extend([lambda: seen.append(first.state.version), broken])
    time.sleep(INTERVAL)
    assert not first.refresh()  # nothing changed: no new index, no hooks
    assert seen == []
    [result] = store_issues(first.store.factory, [_liangcheng()])
    assert first.refresh(force=True)
    assert len(seen) == 1 and seen[0] == first.state.version
    assert "hook broke" in caplog.text
    assert "11月18日" in " ".join(_quotes(first.answer(MARKET_QUESTION), result.issue_id))


def test_a_replaced_index_is_freed_by_reference_counting_alone(
    services: tuple[LinliService, LinliService],
) -> None:
    # The bot freezes the heap after each rebuild (bot.app.settle_heap): frozen objects
    # are never collected as cycles, so an index must not sit in a reference cycle.
    first, _ = services
    first.answer(MARKET_QUESTION)
    old_state = weakref.ref(first.state)
    old_retriever = weakref.ref(first.state.retriever)
    gc.collect()
    gc.disable()
    try:
        store_issues(first.store.factory, [_liangcheng()])
        first.refresh(force=True)
        first.answer(MARKET_QUESTION)
        assert old_state() is None
        assert old_retriever() is None
    finally:
        gc.enable()


def test_the_first_build_loads_every_segmenter_answering_needs(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Loading one takes ~60 ms holding the GIL: at start, not on a resident's question.
    from retrieval import tokenization

    monkeypatch.setattr(tokenization, "_jieba_cache", {})
    store = Store.open(db_url)
    try:
        service = LinliService(store)
        service.refresh(force=True)
        for memo in (service.segmenters.words, service.segmenters.bigrams):
            tokenizer = memo.tokenizer
            userdict = tokenizer.userdict if isinstance(tokenizer.userdict, Path) else None
            key = (tokenizer.segmenter, str(userdict) if userdict else None, ())
            assert key in tokenization._jieba_cache, key
    finally:
        store.close()


_TOPICS = (
    "居委会",
    "志愿者",
    "停车",
    "垃圾分类",
    "加装电梯",
    "菜场",
    "公园",
    "座椅",
    "社区食堂",
    "活动室",
    "楼道",
    "绿化",
    "物业",
    "讲座",
    "义诊",
)


def _large_issue(articles: int):  # type: ignore[no-untyped-def]
    """A generated issue of ``articles`` articles, three passages each."""
    rng = random.Random(articles)
    lines = ["社区晨报", "", "大场镇街道党工委、办事处 联合出版", ""]
    for a in range(articles):
        lines += [f"## 第{a}号小区{rng.choice(_TOPICS)}{rng.choice(_TOPICS)}通知", ""]
        for _ in range(3):
            sentences = (
                f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日，第{a}号小区"
                + "".join(rng.choice(_TOPICS) for _ in range(6))
                + f"，共{rng.randint(2, 99)}人参加。"
                for _ in range(4)
            )
            lines += ["".join(sentences), ""]
    return prepare_issue("\n".join(lines), IssueMeta(date="2026-12", source_name="large.txt"))


def test_no_question_waits_while_a_large_issue_is_indexed(
    services: tuple[LinliService, LinliService], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An issue of ~3,600 passages added by another process: the first question after
    the refresh interval notices it and waits LiveIndex.PATIENCE at most; no question
    waits for the build."""
    first, second = services
    large = _large_issue(1200)
    assert large.passage_count > 3000
    # The build runs for real; then it is held open until questions were answered
    # during it, so the test cannot pass by the build ending before they were asked.
    building, release, built = threading.Event(), threading.Event(), threading.Event()
    real_build = second.index._build

    def watched_build(version: int):  # type: ignore[no-untyped-def]
        building.set()
        try:
            return real_build(version)
        finally:
            release.wait(timeout=15)
            built.set()

    monkeypatch.setattr(second.index, "_build", watched_build)
    usual = max(_timed(lambda: second.answer(GINKGO_QUESTION)) for _ in range(5))

    stop = threading.Event()
    failures: list[BaseException] = []
    waits: list[tuple[float, float]] = []  # (when it was answered, how long it took)

    def ask_repeatedly() -> None:
        while not stop.is_set():
            try:
                took = _timed(lambda: second.answer(GINKGO_QUESTION))
            except BaseException as exc:  # any failure is what this test looks for
                failures.append(exc)
                return
            waits.append((time.monotonic(), took))
            time.sleep(0.01)

    worker = threading.Thread(target=ask_repeatedly)
    worker.start()
    try:
        store_issues(first.store.factory, [large])  # "another process": no refresh here
        assert building.wait(timeout=30), "the new issue was never noticed"
        started = time.monotonic()
        deadline = started + 10
        while sum(at > started for at, _ in waits) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        answered_during_build = sum(at > started for at, _ in waits)
        release.set()
        assert built.wait(timeout=30)
    finally:
        release.set()
        stop.set()
        worker.join(timeout=30)
    assert not failures
    assert answered_during_build >= 5, "questions stalled while the index was rebuilt"
    # Generous for a loaded 2-core machine: the build holds the GIL in stretches.
    assert max(took for _, took in waits) < usual + 1.0, (usual, sorted(t for _, t in waits)[-3:])
    _eventually(lambda: len(second.state.records) > 3000)  # and the new index is in place


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started

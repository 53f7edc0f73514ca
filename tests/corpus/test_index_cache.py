"""The persisted, incrementally updated index: survives restarts, never serves stale data."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import update

from corpus.answer.index_cache import IndexCache, IndexedCorpus
from corpus.answer.service import LinliService
from corpus.ingest.prepare import IssueMeta
from corpus.ingest.write import ingest_text
from corpus.store import issues as queries
from corpus.store.engine import Store, transaction
from corpus.store.models import Passage
from retrieval import Tokenizer

TOKENIZER = Tokenizer(char_unigrams=True)
TEXTS = [
    "凉二居民区加装电梯工作启动，居民可到居委会申请加梯。",
    "世纪同乐小区开展楼道堆物清理，请居民自行处理杂物。",
    "市民驿站每周提供理发、扦脚、眼镜护理等便民服务。",
    "奎照路1000弄屋顶违建拆除工作圆满结束。",
    "垃圾分类志愿者在小区垃圾箱房值守，指导居民分类投放。",
]
QUERIES = ["加装电梯", "楼道堆物清理", "违建拆除", "垃圾分类志愿者", "居民服务"]


def cache(directory: Path | None) -> IndexCache:
    return IndexCache(tokenizer=TOKENIZER, directory=directory, database="sqlite:///x.db")


def fresh(ids: list[int], texts: list[str]) -> IndexedCorpus:
    return cache(None).update(None, 0, ids, texts)[0]


def same_answers(a: IndexedCorpus, b: IndexedCorpus) -> None:
    assert a.passage_ids.tolist() == b.passage_ids.tolist()
    for query in QUERIES:
        assert a.retriever.search(query) == b.retriever.search(query)


def test_restart_loads_the_saved_index(tmp_path: Path) -> None:
    first = cache(tmp_path)
    built, how = first.update(None, 1, [1, 2, 3], TEXTS[:3])
    assert how == "built"
    assert first.save(built) and not first.save(built)  # written once
    loaded, how = cache(tmp_path).update(None, 1, [1, 2, 3], TEXTS[:3])
    assert how == "loaded"
    same_answers(loaded, built)


def test_new_passages_are_appended_without_touching_the_old_index(tmp_path: Path) -> None:
    store_cache = cache(tmp_path)
    old, _ = store_cache.update(None, 1, [1, 2, 3], TEXTS[:3])
    new, how = store_cache.update(old, 2, [1, 2, 3, 7, 8], TEXTS[:3] + TEXTS[3:])
    assert how == "appended 2"
    assert len(old.retriever) == 3  # questions in flight still see a consistent index
    same_answers(new, fresh([1, 2, 3, 7, 8], TEXTS))
    # A restart with the stale file (version 1) appends the rest too.
    store_cache.save(old)
    restarted, how = cache(tmp_path).update(None, 2, [1, 2, 3, 7, 8], TEXTS)
    assert how == "appended 2"
    same_answers(restarted, new)


def test_removed_and_corrected_passages_reuse_the_other_tokens(tmp_path: Path) -> None:
    store_cache = cache(tmp_path)
    old, _ = store_cache.update(None, 1, [1, 2, 3, 4, 5], TEXTS)
    # Passage 2 removed; passage 4 corrected in place under a new id, before 5.
    ids = [1, 3, 9, 5]
    texts = [TEXTS[0], TEXTS[2], "奎照路1000弄屋顶违建已全部拆除。", TEXTS[4]]
    new, how = store_cache.update(old, 2, ids, texts)
    assert how == "rebuilt, 1 of 4 passages re-tokenised"
    same_answers(new, fresh(ids, texts))
    assert new.retriever.index.doc_freq("杂物") == 0  # gone with passage 2


def test_a_changed_text_under_the_same_id_is_re_tokenised(tmp_path: Path) -> None:
    store_cache = cache(tmp_path)
    old, _ = store_cache.update(None, 1, [1, 2, 3], TEXTS[:3])
    texts = [TEXTS[0], "世纪同乐小区楼道堆物清理已经结束。", TEXTS[2]]
    new, how = store_cache.update(old, 2, [1, 2, 3], texts)
    assert how == "rebuilt, 1 of 3 passages re-tokenised"
    same_answers(new, fresh([1, 2, 3], texts))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped"])
def test_a_damaged_file_is_rebuilt_and_replaced(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    first = cache(tmp_path)
    built, _ = first.update(None, 1, [1, 2, 3], TEXTS[:3])
    first.save(built)
    assert first.path is not None
    data = bytearray(first.path.read_bytes())
    if damage == "garbage":
        data = bytearray(b"\x00" * 100)
    elif damage == "truncated":
        data = data[: len(data) - 100]
    else:
        data[-20] ^= 0xFF
    first.path.write_bytes(bytes(data))

    again = cache(tmp_path)
    with caplog.at_level(logging.WARNING, logger="corpus.answer.index_cache"):
        rebuilt, how = again.update(None, 1, [1, 2, 3], TEXTS[:3])
    assert how == "built"
    assert "damaged" in caplog.text
    same_answers(rebuilt, built)
    assert again.save(rebuilt)
    assert cache(tmp_path).update(None, 1, [1, 2, 3], TEXTS[:3])[1] == "loaded"


def test_another_tokenizer_or_database_does_not_use_the_file(tmp_path: Path) -> None:
    first = cache(tmp_path)
    first.save(first.update(None, 1, [1, 2], TEXTS[:2])[0])
    other_tokenizer = IndexCache(
        tokenizer=Tokenizer(char_unigrams=False), directory=tmp_path, database="sqlite:///x.db"
    )
    assert other_tokenizer.update(None, 1, [1, 2], TEXTS[:2])[1] == "built"
    other_db = IndexCache(tokenizer=TOKENIZER, directory=tmp_path, database="sqlite:///y.db")
    assert other_db.path != first.path
    assert other_db.update(None, 1, [1, 2], TEXTS[:2])[1] == "built"


def test_an_unwritable_directory_only_costs_the_next_start(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    broken = cache(blocker / "index")
    corpus, _ = broken.update(None, 1, [1], TEXTS[:1])
    assert broken.save(corpus) is False


# -- through the service, on a real store ----------------------------------------------


def service(store: Store, index_dir: Path) -> LinliService:
    return LinliService(store, index_dir=index_dir, refresh_interval=0)


def hits(svc: LinliService, question: str) -> list[tuple[int, float]]:
    state = svc.state
    return [(state.records[h.index].passage_id, h.score) for h in state.retriever.search(question)]


def test_service_survives_restarts_and_follows_the_store(
    seeded_store: Store, tmp_path: Path, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index_dir = tmp_path / "index"
    question = "世纪同乐小区什么时候清理楼道堆物？"
    first = service(seeded_store, index_dir)
    before = hits(first, question)
    assert list(index_dir.glob("*.lidx"))

    with caplog.at_level(logging.INFO, logger="corpus.answer.live_index"):
        second = service(seeded_store, index_dir)
        assert hits(second, question) == before
    assert "index loaded" in caplog.text
    assert second.answer(question).text() == first.answer(question).text()

    # A new issue: appended in the running service, and found after a restart.
    text = (data_dir / "sample_issue.txt").read_text(encoding="utf-8")
    result = ingest_text(seeded_store.factory, text, IssueMeta(date="2026-11"))
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="corpus.answer.live_index"):
        assert second.refresh()
    assert f"index appended {result.passages}" in caplog.text
    with seeded_store.factory() as session:
        n_passages = len(queries.all_passages(session))
    assert len(second.state.retriever) == n_passages
    third = service(seeded_store, index_dir)
    assert len(third.state.retriever) == n_passages
    assert [h.index for h in third.state.retriever.search("社区")] == [
        h.index for h in second.state.retriever.search("社区")
    ]

    # A passage edited in the database behind Linli's back is never served stale.
    with transaction(seeded_store.factory) as session:
        passage = session.get(Passage, before[0][0])
        assert passage is not None
        session.execute(
            update(Passage)
            .where(Passage.id == passage.id)
            .values(text="全新的内容：社区食堂开业。")
        )
        queries.bump_corpus_version(session)
    fourth = service(seeded_store, index_dir)
    assert hits(fourth, "社区食堂开业")[0][0] == passage.id
    assert np.isclose(
        hits(fourth, "社区食堂开业")[0][1],
        hits(LinliService(seeded_store, refresh_interval=0), "社区食堂开业")[0][1],
    )


def test_replicas_sharing_the_database_and_index_directory_agree(
    seeded_store: Store, tmp_path: Path, data_dir: Path
) -> None:
    """Scale-out in miniature: two `linli serve` processes on one database.

    Each keeps its own in-memory index and follows the shared corpus version; the
    index file they both write is replaced atomically and stays loadable.
    """
    index_dir = tmp_path / "index"
    first, second = service(seeded_store, index_dir), service(seeded_store, index_dir)
    question = "桂花苑加装电梯什么时候竣工"
    assert hits(first, question) == hits(second, question)

    text = (data_dir / "sample_issue.txt").read_text(encoding="utf-8")
    ingest_text(seeded_store.factory, text, IssueMeta(date="2026-11"))  # "another process"
    assert first.refresh() and second.refresh()
    assert hits(first, question) == hits(second, question)
    assert hits(first, question)  # the new issue answers it
    third = service(seeded_store, index_dir)  # a replica started later loads the file
    assert hits(third, question) == hits(first, question)


def test_every_passage_is_read_with_the_collector_paused_and_it_is_back_on_after(
    seeded_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from corpus.answer import live_index

    seen: list[bool] = []
    read = queries.all_passages

    def watched(session):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return read(session)

    monkeypatch.setattr(live_index.queries, "all_passages", watched)
    assert gc.isenabled()
    svc = service(seeded_store, tmp_path / "index")
    assert svc.state.records and seen == [False]
    assert gc.isenabled()
    gc.disable()  # its owner's choice is kept
    try:
        svc.refresh(force=True)
        assert seen == [False, False] and not gc.isenabled()
    finally:
        gc.enable()


def test_only_a_large_corpus_built_from_scratch_is_tokenised_by_workers() -> None:
    from corpus.answer.index_cache import PARALLEL_BUILD_PASSAGES, build_workers

    assert build_workers(PARALLEL_BUILD_PASSAGES - 1) == 1
    assert build_workers(PARALLEL_BUILD_PASSAGES) >= 1

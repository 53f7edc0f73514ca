"""Tokenising in worker processes builds the same index as tokenising in this one."""

from __future__ import annotations

import logging
import multiprocessing

import numpy as np
import pytest

from retrieval import Retriever, Tokenizer
from retrieval.index import build, parallel


@pytest.fixture(scope="module")
def texts() -> list[str]:
    from benchmarks.generate import indexed_texts

    # Three of the workers' batches, the last one short: terms first met in a later
    # batch, and passages numbered across batches.
    return indexed_texts(0, 2 * build._BUILD_CHUNK + 123, seed=3)


def test_workers_give_the_same_terms_and_arrays_bit_for_bit(texts: list[str]) -> None:
    tokenizer = Tokenizer(char_unigrams=True)
    terms, (doc_len, indptr, doc_ids, tf) = build.build(map(tokenizer.tokenize, texts))
    par_terms, (par_len, par_indptr, par_ids, par_tf) = parallel.build_texts(texts, tokenizer, 2)
    assert par_terms == terms  # every term numbered by its first appearance, as before
    for ours, theirs in (
        (par_len, doc_len),
        (par_indptr, indptr),
        (par_ids, doc_ids),
        (par_tf, tf),
    ):
        assert ours.dtype == theirs.dtype
        assert np.array_equal(ours, theirs)


def test_a_retriever_built_by_workers_searches_as_one_built_here(texts: list[str]) -> None:
    tokenizer = Tokenizer(char_unigrams=True)
    here = Retriever.from_texts(texts, tokenizer=tokenizer)
    workers = Retriever.from_texts(texts, tokenizer=tokenizer, workers=2)
    for question in ("凉城街道加装电梯进展", "社区党员志愿者", "垃圾分类"):
        assert workers.search(question) == here.search(question)


def test_without_worker_processes_it_builds_here(
    texts: list[str], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(method: str) -> None:
        raise OSError("no processes here")

    monkeypatch.setattr(multiprocessing, "get_context", refuse)
    tokenizer = Tokenizer()
    with caplog.at_level(logging.WARNING, logger="retrieval.index.parallel"):
        terms, postings = parallel.build_texts(texts, tokenizer, 2)
    assert "tokenising here" in caplog.text
    expected_terms, expected = build.build(map(tokenizer.tokenize, texts))
    assert terms == expected_terms
    assert all(np.array_equal(a, b) for a, b in zip(postings, expected, strict=True))


def test_a_small_corpus_or_one_worker_is_built_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("no worker should start")

    monkeypatch.setattr(parallel, "_build_in_workers", no_pool)
    tokenizer = Tokenizer()
    texts = ["凉城街道加装电梯", "世纪同乐小区清理楼道堆物"]
    assert (
        parallel.build_texts(texts, tokenizer, 4)[0]
        == build.build(map(tokenizer.tokenize, texts))[0]
    )
    assert (
        parallel.build_texts(texts * 5000, tokenizer, 1)[0]
        == build.build(map(tokenizer.tokenize, texts))[0]
    )


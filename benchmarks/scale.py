"""Linli's index against rank_bm25 and bm25s on city-sized corpora, on the same tokens.

``python -m benchmarks.scale`` (10k and 100k passages, a few minutes the first
time while tokens are cached, then ~3 minutes); ``--sizes 1000000`` for a
million (tokenising takes ~12 minutes once; rank_bm25 is skipped there unless
``--rank-bm25-max`` allows it, see below).

Corpora come from :mod:`benchmarks.generate` and are tokenised once with
Linli's service tokenizer (``Tokenizer(char_unigrams=True)``: jieba words,
character bigrams and unigrams); every system then indexes the same token
lists, with the same k1=0.1, b=0.3. Questions are the gold set's residents'
questions (``corpus/gold``), asked against every size.

Each system runs in its own forked process, so its memory is measured alone:

* **build s**: indexing the token lists.
* **peak MiB**: the process's peak RSS growth while building.
* **index B/passage**: for Linli, the index's own arrays and vocabulary
  (``BM25Index.memory_bytes``); for the others, RSS retained after building.
* **disk MiB / load s**: Linli's :mod:`retrieval.index.persist` file; rank_bm25
  pickled; bm25s's own ``save``/``load``.
* **p50/p95 ms**: one question at a time, after a warm-up of five, each system's
  questions tokenised from empty word memos (the memos of a process are shared by
  the systems timed in it; see ``_cold_tokenizer``), with what the process built
  frozen out of the garbage collector's full passes, as the bot's index is. Linli:
  ``Retriever.search`` (question tokenisation included); rank_bm25:
  ``get_scores`` + top-10; bm25s: ``retrieve(k=10)``, and ``get_scores`` + top-10.
  **CPU ms**: the thread's CPU time for the same questions, which the time
  slices other processes take on a shared machine do not inflate.
* **top-10 = rank_bm25**: share of questions whose top 10 (score desc, then
  passage order; positive scores only) is identical, passage for passage, to
  rank_bm25's. Linli's okapi mode is rank_bm25's formula; Linli's serving mode
  (Lucene idf) and bm25s ("lucene") rank with another idf, so for them the
  column compares with Linli okapi / Linli lucene respectively (marked).

Also printed: adding one issue (50 passages, tokenising included) to the index,
and tokenising speed.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.generate import PASSAGES_PER_ISSUE, indexed_texts, questions, token_lists
from benchmarks.readme import markers, write_block

K = 10
K1, B = 0.1, 0.3
OPTIONS: dict[str, object] = {"char_unigrams": True}
MIB = 1024 * 1024


@dataclass
class Row:
    system: str
    build_s: float = float("nan")
    peak_mib: float = float("nan")
    bytes_per_passage: float = float("nan")
    disk_mib: float = float("nan")
    load_s: float = float("nan")
    latencies: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # thread CPU time per question
    tops: list[list[int]] = field(default_factory=list)
    agree: str = ""
    note: str = ""
    load: float = float("nan")  # 1-minute load average when its questions were timed
    extra: dict[str, float] = field(default_factory=dict)

    def p(self, q: float, cpu: bool = False) -> float:
        values = self.cpu if cpu else self.latencies
        if not values:
            return float("nan")
        return float(np.percentile(np.asarray(values) * 1000, q))


# -- memory, in a forked child ---------------------------------------------------------


def _status(field_name: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # resets VmHWM (peak RSS) to the current RSS
        return True
    except OSError:
        return False


def _in_child(job: Callable[[], Any]) -> Any:
    """Run ``job`` in a forked process (memory measured alone, freed after)."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)

    def run() -> None:
        try:
            child.send(job())
        except BaseException as exc:  # report, don't hang the parent
            import traceback

            child.send(RuntimeError("".join(traceback.format_exception(exc))))

    process = ctx.Process(target=run)
    process.start()
    result = parent.recv()
    process.join()
    if isinstance(result, RuntimeError):
        raise result
    return result


def _cold_tokenizer() -> None:
    """Empty the tokenizer's word memos (shared by every Tokenizer of one configuration in
    a process), so that each system's timed questions are tokenised from the same state.

    Without this, the second system timed in a process (bm25s's numba backend, after
    its numpy one) tokenised the questions the first had just tokenised: ~6 us a
    question instead of ~35, a head start of a tenth of its search time at 100k.
    """
    from retrieval import tokenization

    for memo in (
        tokenization._word_terms_memo,
        tokenization._word_shares_memo,
        tokenization._word_tokens_memo,
    ):
        memo.clear()


def _timed(search: Callable[[int], list[int]], n_queries: int, warmup: int = 5) -> Row:
    row = Row(system="", load=os.getloadavg()[0])
    _cold_tokenizer()
    # What the system built is kept out of the collector's full passes, as the bot keeps
    # its index (bot.app.settle_heap): otherwise a full collection of this process's token
    # lists (tens of millions of objects at 100k) lands in whatever is timed next, as in
    # adding an issue (55 ms measured as 261 ms once).
    gc.freeze()
    for i in range(min(warmup, n_queries)):
        search(i)
    for i in range(n_queries):
        started, cpu = time.perf_counter(), time.thread_time()
        top = search(i)
        row.latencies.append(time.perf_counter() - started)
        row.cpu.append(time.thread_time() - cpu)
        row.tops.append(top)
    return row


def _reference_top(scores: np.ndarray, k: int = K) -> list[int]:
    """Score desc, then passage order, positive only (the order Linli defines)."""
    candidates = np.argpartition(-scores, k)[: k * 4] if len(scores) > k * 4 else None
    if candidates is None:
        candidates = np.arange(len(scores))
    else:
        # Everything tied with the k-th best must be a contender for the id tie-break.
        kth = np.sort(scores[candidates])[::-1][k - 1]
        candidates = np.flatnonzero(scores >= kth)
    positive = candidates[scores[candidates] > 0]
    order = np.lexsort((positive, -scores[positive]))
    return positive[order][:k].tolist()


# -- the systems -----------------------------------------------------------------------


def run_linli(
    tokens: list[list[str]],
    texts: list[str],
    query_tokens: list[list[str]],
    idf: str,
    extra_texts: list[str],
) -> Row:
    from retrieval import BM25Index, Retriever, Tokenizer
    from retrieval.index import kernel
    from retrieval.index.persist import load, save

    if kernel.AVAILABLE:
        kernel.load()  # steady state, not a fresh process's numpy answers
    tokenizer = Tokenizer(**OPTIONS).load()  # type: ignore[arg-type]
    tokenizer.tokenize("预热")
    gc.collect()
    base, peak_ok = _status("VmRSS"), _reset_peak()
    started = time.perf_counter()
    index = BM25Index.from_tokens(tokens, k1=K1, b=B, idf=idf)
    build = time.perf_counter() - started
    peak = _status("VmHWM") - base if peak_ok else float("nan")
    retriever = Retriever(index, tokenizer)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.lidx"
        started = time.perf_counter()
        size = save(path, retriever, keys=np.arange(len(tokens)))
        save_s = time.perf_counter() - started
        started = time.perf_counter()
        loaded = load(path, tokenizer).retriever
        load_s = time.perf_counter() - started
    del loaded

    fallback: Row | None = None
    if idf == "lucene":
        row = _timed(lambda i: [h.index for h in retriever.search(texts[i], K)], len(texts))
        if kernel.AVAILABLE:
            # The same search without numba: every posting scored with numpy.
            kernel.AVAILABLE = False
            try:
                fallback = _timed(
                    lambda i: [h.index for h in retriever.search(texts[i], K)], len(texts)
                )
            finally:
                kernel.AVAILABLE = True
            fallback.system = "Linli, numpy fallback (no numba)"
            fallback.agree = _agreement(fallback.tops, row.tops) + " vs Linli"
            row.extra["fallback"] = fallback  # type: ignore[assignment]
    else:
        # Parity mode: on the same question tokens as rank_bm25.
        row = _timed(
            lambda i: [h.index for h in retriever.search_terms(query_tokens[i], K)],
            len(query_tokens),
        )
    row.system = f"Linli Retriever.search ({idf})" if idf == "lucene" else "Linli (okapi parity)"
    for r in (row, fallback) if fallback is not None else (row,):
        r.build_s, r.peak_mib, r.load_s = build, peak / MIB, load_s
        r.bytes_per_passage = index.memory_bytes() / len(tokens)
        r.disk_mib = size / MIB
    row.extra["save_s"] = save_s
    row.extra["terms"] = index.n_terms
    row.extra["postings_per_passage"] = index.n_postings / len(tokens)
    if idf == "lucene" and extra_texts:
        # One more issue: tokenised and appended, idf and norms recomputed.
        started, cpu = time.perf_counter(), time.thread_time()
        retriever.add(extra_texts)
        row.extra["add_issue_s"] = time.perf_counter() - started
        row.extra["add_issue_cpu_s"] = time.thread_time() - cpu
    return row


def run_rank_bm25(tokens: list[list[str]], query_tokens: list[list[str]]) -> Row:
    from rank_bm25 import BM25Okapi

    gc.collect()
    base, peak_ok = _status("VmRSS"), _reset_peak()
    started = time.perf_counter()
    bm25 = BM25Okapi(tokens, k1=K1, b=B)
    build = time.perf_counter() - started
    peak = _status("VmHWM") - base if peak_ok else float("nan")
    gc.collect()
    retained = _status("VmRSS") - base
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bm25.pkl"
        with path.open("wb") as out:
            pickle.dump(bm25, out, protocol=pickle.HIGHEST_PROTOCOL)
        size = path.stat().st_size
        started = time.perf_counter()
        with path.open("rb") as file:
            pickle.load(file)
        load_s = time.perf_counter() - started
    gc.collect()
    row = _timed(lambda i: _reference_top(bm25.get_scores(query_tokens[i])), len(query_tokens), 1)
    row.system = "rank_bm25 BM25Okapi get_scores + top-10"
    row.build_s, row.peak_mib, row.load_s = build, peak / MIB, load_s
    row.bytes_per_passage = retained / len(tokens)
    row.disk_mib = size / MIB
    return row


def run_bm25s(tokens: list[list[str]], texts: list[str]) -> list[Row]:
    """bm25s, indexed once; its numpy and its numba retrieval, each from the question string."""
    import logging

    import bm25s

    from retrieval import Tokenizer

    tokenizer = Tokenizer(**OPTIONS).load()  # type: ignore[arg-type]
    logging.getLogger("bm25s").setLevel(logging.ERROR)
    gc.collect()
    base, peak_ok = _status("VmRSS"), _reset_peak()
    started = time.perf_counter()
    model = bm25s.BM25(k1=K1, b=B, method="lucene")
    model.index(tokens, show_progress=False)
    build = time.perf_counter() - started
    peak = _status("VmHWM") - base if peak_ok else float("nan")
    gc.collect()
    retained = _status("VmRSS") - base
    with tempfile.TemporaryDirectory() as tmp:
        model.save(tmp)
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
        started = time.perf_counter()
        bm25s.BM25.load(tmp)
        load_s = time.perf_counter() - started
    vocab = model.vocab_dict

    def retrieve(i: int) -> list[int]:
        # bm25s fails on a question with no indexed term (its empty-token fallback
        # points past its score matrix); such a question has no hits anyway.
        known = [t for t in tokenizer.tokenize(texts[i]) if t in vocab]
        if not known:
            return []
        docs, scores = model.retrieve([known], k=K, show_progress=False, n_threads=0)
        return [int(d) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    rows = []
    for backend in ("numpy", "numba"):
        model.backend = backend
        row = _timed(retrieve, len(texts), warmup=5)
        row.system = f"bm25s retrieve, {backend} backend"
        row.build_s, row.peak_mib, row.load_s = build, peak / MIB, load_s
        row.bytes_per_passage = retained / len(tokens)
        row.disk_mib = size / MIB
        rows.append(row)
    return rows


def run_tantivy(tokens: list[list[str]], texts: list[str]) -> Row:
    """tantivy (Rust, Lucene's design) over the same tokens, in RAM, one thread.

    Its BM25 is fixed at k1 = 1.2, b = 0.75, so its rankings differ from the others.
    """
    import tantivy

    from retrieval import Tokenizer

    tokenizer = Tokenizer(**OPTIONS).load()  # type: ignore[arg-type]
    gc.collect()
    base, peak_ok = _status("VmRSS"), _reset_peak()
    started = time.perf_counter()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", tokenizer_name="whitespace", index_option="freq")
    builder.add_unsigned_field("pid", stored=True)
    schema = builder.build()
    index = tantivy.Index(schema)
    writer = index.writer(heap_size=256 * MIB, num_threads=1)
    for i, doc in enumerate(tokens):
        writer.add_document(tantivy.Document(body=" ".join(doc), pid=i))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    build = time.perf_counter() - started
    peak = _status("VmHWM") - base if peak_ok else float("nan")
    gc.collect()
    retained = _status("VmRSS") - base
    searcher = index.searcher()
    should = tantivy.Occur.Should

    def search(i: int) -> list[int]:
        terms = tokenizer.tokenize(texts[i])
        if not terms:
            return []
        query = tantivy.Query.boolean_query(
            [(should, tantivy.Query.term_query(schema, "body", t)) for t in terms]
        )
        return [address.doc for _, address in searcher.search(query, K).hits]

    row = _timed(search, len(texts))
    row.system = "tantivy 0.27 (k1=1.2, b=0.75)"
    row.build_s, row.peak_mib = build, peak / MIB
    row.bytes_per_passage = retained / len(tokens)
    row.note = f"{searcher.num_segments} segment(s)"
    return row


# -- one size --------------------------------------------------------------------------


def _agreement(a: list[list[int]], b: list[list[int]]) -> str:
    n = min(len(a), len(b))
    if not n:
        return "-"
    same = sum(a[i] == b[i] for i in range(n))
    return f"{same}/{n}"


def run_size(size: int, args: Any) -> tuple[list[Row], dict[str, float]]:
    from retrieval import Tokenizer

    tokens = token_lists(size, options=OPTIONS, seed=args.seed)
    tokenizer = Tokenizer(**OPTIONS)  # type: ignore[arg-type]
    texts = questions()[: args.queries]
    query_tokens = [tokenizer.tokenize(q) for q in texts]
    # The issue after the last one indexed: what staff add next.
    extra = indexed_texts(size, PASSAGES_PER_ISSUE, args.seed)
    rows: list[Row] = []
    systems = set(args.systems.split(","))

    if "linli" in systems:
        linli = _in_child(lambda: run_linli(tokens, texts, query_tokens, "lucene", extra))
        fallback = linli.extra.pop("fallback", None)
        rows.append(linli)
        if fallback is not None:
            rows.append(fallback)  # type: ignore[arg-type]
        rows.append(_in_child(lambda: run_linli(tokens, texts, query_tokens, "okapi", [])))
    reference: Row | None = None
    if "rank_bm25" in systems:
        if size <= args.rank_bm25_max:
            reference = _in_child(lambda: run_rank_bm25(tokens, query_tokens))
        else:
            # Only a few questions: at this size each takes seconds (measured below).
            few = args.rank_bm25_queries
            if few:
                reference = _in_child(lambda: run_rank_bm25(tokens, query_tokens[:few]))
                reference.note = f"{few} questions only"
        if reference is not None:
            rows.append(reference)
    if "bm25s" in systems:
        rows.extend(_in_child(lambda: run_bm25s(tokens, texts)))
    if "tantivy" in systems:
        rows.append(_in_child(lambda: run_tantivy(tokens, texts)))

    by_name = {r.system: r for r in rows}
    okapi = by_name.get("Linli (okapi parity)")
    lucene = by_name.get("Linli Retriever.search (lucene)")
    for row in rows:
        if row.system.startswith("rank_bm25"):
            row.agree = "(reference)"
        elif row.system == "Linli (okapi parity)" and reference is not None:
            row.agree = _agreement(row.tops, reference.tops)
        elif row.system.startswith("Linli Retriever") and okapi is not None:
            row.agree = _agreement(row.tops, okapi.tops) + " vs okapi"
        elif row.system.startswith(("bm25s", "tantivy")) and lucene is not None:
            row.agree = _agreement(row.tops, lucene.tops) + " vs Linli lucene"
    facts: dict[str, float] = {"size": size}
    if lucene is not None:
        facts.update(lucene.extra)
    return rows, facts


def tokenizing_speed(n: int = 1000, seed: int = 0, warm: int = 3000) -> list[str]:
    """Tokenizer.tokenize beside rjieba's cut alone on the same ``n`` passages, one core.

    The tokenizer keeps the terms of each word it has seen (a bounded memo). The main
    figure is indexing's steady state: the memo filled by ``warm`` other passages first.
    Beside it, the same passages in a fresh process (empty memo), without the memo, and
    rjieba's cut of their normalised text (the segmenter the tokenizer wraps).
    """
    from retrieval import Tokenizer, normalize, tokenization

    texts = indexed_texts(0, n, seed)
    others = indexed_texts(n, warm, seed)
    chars = sum(map(len, texts))
    tokenizer = Tokenizer(**OPTIONS).load()  # type: ignore[arg-type]
    normalised = [normalize(text) for text in texts]
    cut = tokenizer._segmenter().lcut

    def rate(run: Callable[[str], object], inputs: Sequence[str]) -> float:
        # CPU time of this process: the other processes sharing the cores do not count.
        started = time.process_time()
        for text in inputs:
            run(text)
        return chars / (time.process_time() - started) / 1e6

    tokenization._word_terms_memo.clear()
    first = rate(tokenizer.tokenize, texts)
    tokenization._word_terms_memo.clear()
    for text in others:
        tokenizer.tokenize(text)
    steady = rate(tokenizer.tokenize, texts)
    size, tokenization.WORD_MEMO_SIZE = tokenization.WORD_MEMO_SIZE, 0
    try:
        tokenization._word_terms_memo.clear()
        bare = rate(tokenizer.tokenize, texts)
    finally:
        tokenization.WORD_MEMO_SIZE = size
        tokenization._word_terms_memo.clear()
    segmenter = rate(cut, normalised)
    return [
        f"Tokenizer(char_unigrams={OPTIONS['char_unigrams']}).tokenize: {steady:.2f} M characters/s "
        f"({steady * 1e6 / (chars / n):,.0f} passages/s, one core, CPU time, its word memo "
        f"filled by {warm:,} other passages)",
        f"  the same {n:,} passages in a fresh process {first:.2f}, without the word memo "
        f"{bare:.2f}; rjieba's cut alone {segmenter:.2f} M characters/s "
        f"(tokenize at {steady / segmenter:.0%} of it)",
    ]


def format_rows(rows: Sequence[Row], size: int) -> str:
    reference = next((r for r in rows if r.system.startswith("rank_bm25")), None)
    numba = next((r for r in rows if r.system == "bm25s retrieve, numba backend"), None)
    lines = [
        f"\n{size:,} passages",
        "| system | build s | peak MiB | index B/passage | disk MiB | load s | p50 ms | p95 ms "
        "| p50 / p95 CPU ms | p50 / p95 ÷ bm25s-numba | CPU p50 / p95 ÷ bm25s-numba "
        "| p50 speed-up vs rank_bm25 | top-10 agreement | load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in rows:
        speedup = (
            f"{reference.p(50) / r.p(50):,.0f}×"
            if reference is not None and r is not reference and r.latencies
            else ""
        )
        versus = (
            f"{r.p(50) / numba.p(50):.2f} / {r.p(95) / numba.p(95):.2f}"
            if numba is not None and r.latencies
            else ""
        )
        versus_cpu = (
            f"{r.p(50, True) / numba.p(50, True):.2f} / {r.p(95, True) / numba.p(95, True):.2f}"
            if numba is not None and r.cpu
            else ""
        )
        note = f" ({r.note})" if r.note else ""
        lines.append(
            f"| {r.system}{note} | {r.build_s:.1f} | {r.peak_mib:,.0f} | "
            f"{r.bytes_per_passage:,.0f} | {r.disk_mib:,.0f} | {r.load_s:.2f} | "
            f"{r.p(50):.2f} | {r.p(95):.2f} | {r.p(50, cpu=True):.2f} / {r.p(95, cpu=True):.2f} "
            f"| {versus} | {versus_cpu} | {speedup} "
            f"| {r.agree} | {r.load:.1f} |"
        )
    return "\n".join(lines)


README_BLOCK = "benchmarks.scale"
README_START, README_END = markers(README_BLOCK)


def write_readme(path: Path, lines: list[str]) -> None:
    """Replace what ``path`` holds between the two marker lines with this run's output."""
    write_block(path, README_BLOCK, lines)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated passage counts")
    parser.add_argument("--queries", type=int, default=1000, help="at most this many questions")
    parser.add_argument("--systems", default="linli,rank_bm25,bm25s,tantivy")
    parser.add_argument(
        "--rank-bm25-max",
        type=int,
        default=200_000,
        help="above this size rank_bm25 answers only --rank-bm25-queries questions",
    )
    parser.add_argument("--rank-bm25-queries", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--no-unigrams",
        action="store_true",
        help="index words + character bigrams only (the Retriever's defaults) instead of "
        "the service's tokens, which add character unigrams",
    )
    parser.add_argument(
        "--readme",
        type=Path,
        help="write the figures of this run into this README, between its "
        f"{README_START!r} and {README_END!r} lines",
    )
    args = parser.parse_args(argv)
    if args.no_unigrams:
        OPTIONS["char_unigrams"] = False  # read by the forked children too

    out: list[str] = []

    def emit(line: str = "") -> None:
        print(line, flush=True)
        out.append(line)

    emit(f"python -m benchmarks.scale {' '.join(sys.argv[1:] if argv is None else argv)}".strip())
    emit(
        f"load average {os.getloadavg()[0]:.1f} at the start; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    for line in tokenizing_speed():
        emit(line)
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        started = time.perf_counter()
        rows, facts = run_size(size, args)
        emit(format_rows(rows, size))
        if "terms" in facts:
            emit(
                f"vocabulary {facts['terms']:,.0f} terms, "
                f"{facts['postings_per_passage']:.0f} postings a passage; "
                f"saving the index {facts['save_s']:.2f} s"
            )
        if "add_issue_s" in facts:
            emit(
                f"adding one issue ({PASSAGES_PER_ISSUE} passages, tokenising included): "
                f"{facts['add_issue_s'] * 1000:.0f} ms ({facts['add_issue_cpu_s'] * 1000:.0f} ms CPU)"
            )
        emit(f"({time.perf_counter() - started:.0f} s for this size)")
    if args.readme is not None:
        write_readme(args.readme, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

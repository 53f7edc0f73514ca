"""CMRC 2018 as a passage-retrieval benchmark (harness: loading, chunking, metrics).

Protocol: every context is cut into sentence-packed chunks of at most 150
characters (split after 。！？!?；;, pack whole sentences while the chunk stays
within the limit, a longer sentence is its own chunk); identical chunk texts are
one passage across the whole split. Every non-empty question is a query whose
gold passage is the chunk holding the start of its first answer.

Run ``python -m benchmarks.cmrc`` (dev split, the rank_bm25 + ``jieba.lcut``
baseline and :class:`retrieval.Retriever` with :class:`Config`'s defaults, which
were tuned on the trial split). ``--sweep --split trial`` grids k1 x b.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "cmrc2018"
MAX_CHUNK_CHARS = 150

_SENTENCE_END = re.compile(r"[。！？!?；;]+")


@dataclass(frozen=True)
class Question:
    qid: str
    text: str
    gold: int  # index into Benchmark.passages


@dataclass(frozen=True)
class Benchmark:
    split: str
    passages: list[str]
    questions: list[Question]


@dataclass(frozen=True)
class Metrics:
    questions: int
    mrr10: float
    r1: float
    r5: float
    mean_query_ms: float


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of ``text`` cut after runs of 。！？!?；;."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.end()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def chunk_spans(text: str, max_chars: int = MAX_CHUNK_CHARS) -> list[tuple[int, int]]:
    """Pack whole sentences into spans of at most ``max_chars`` characters.

    A sentence longer than ``max_chars`` becomes a chunk on its own.
    """
    chunks: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    for start, end in sentence_spans(text):
        if cur is None:
            cur = (start, end)
        elif end - cur[0] <= max_chars:
            cur = (cur[0], end)
        else:
            chunks.append(cur)
            cur = (start, end)
    if cur is not None:
        chunks.append(cur)
    return chunks


def _answer_offset(context: str, answer: dict) -> int:
    text = answer["text"]
    start = int(answer.get("answer_start", -1))
    if start >= 0 and context[start : start + len(text)] == text:
        return start
    return context.find(text)


def load_split(data_dir: Path | str = DEFAULT_DATA, split: str = "dev") -> Benchmark:
    """Read ``cmrc2018_{split}.json`` and build passages and gold-labelled questions."""
    path = Path(data_dir) / f"cmrc2018_{split}.json"
    with path.open(encoding="utf-8") as fh:
        raw = json.load(fh)
    passages: list[str] = []
    index: dict[str, int] = {}
    questions: list[Question] = []
    for article in raw["data"]:
        for para in article["paragraphs"]:
            context: str = para["context"]
            spans: list[tuple[int, int, int]] = []
            for start, end in chunk_spans(context):
                chunk = context[start:end].strip()
                if not chunk:
                    continue
                pid = index.setdefault(chunk, len(passages))
                if pid == len(passages):
                    passages.append(chunk)
                spans.append((start, end, pid))
            for qa in para["qas"]:
                question = qa["question"].strip()
                if not question or not qa.get("answers") or not spans:
                    continue
                offset = _answer_offset(context, qa["answers"][0])
                if offset < 0:
                    continue
                gold = next((pid for s, e, pid in spans if s <= offset < e), spans[-1][2])
                questions.append(Question(qa["id"], question, gold))
    return Benchmark(split, passages, questions)


def shuffled(bench: Benchmark, seed: int) -> Benchmark:
    """``bench`` with its passages numbered in a random order (golds follow them).

    Passage order carries document context (:mod:`retrieval.context`); shuffled, it
    carries none, which shows what the context costs a caller whose order means nothing.
    """
    import random

    order = list(range(len(bench.passages)))
    random.Random(seed).shuffle(order)
    new_id = {old: new for new, old in enumerate(order)}
    return Benchmark(
        bench.split,
        [bench.passages[old] for old in order],
        [Question(q.qid, q.text, new_id[q.gold]) for q in bench.questions],
    )


def evaluate(search: Callable[[str], Sequence[int]], bench: Benchmark, k: int = 10) -> Metrics:
    """MRR@k, R@1 and R@5 of ``search`` (query -> ranked passage indices)."""
    rr: list[float] = []
    r1 = r5 = 0
    t0 = time.perf_counter()
    for q in bench.questions:
        ranked = list(search(q.text))[:k]
        rank = ranked.index(q.gold) + 1 if q.gold in ranked else 0
        rr.append(1.0 / rank if rank else 0.0)
        r1 += rank == 1
        r5 += 0 < rank <= 5
    elapsed = time.perf_counter() - t0
    n = len(bench.questions)
    return Metrics(
        questions=n,
        mrr10=statistics.fmean(rr) if rr else 0.0,
        r1=r1 / n if n else 0.0,
        r5=r5 / n if n else 0.0,
        mean_query_ms=1000 * elapsed / n if n else 0.0,
    )


# -- systems under test ------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    name: str
    passages: int
    metrics: Metrics
    build_s: float


def _top_ids(scores: Sequence[float], k: int) -> list[int]:
    import numpy as np

    arr = np.asarray(scores)
    return [int(i) for i in np.argsort(-arr, kind="stable")[:k]]


def run_baseline(bench: Benchmark, k: int = 10) -> Result:
    """rank_bm25 ``BM25Okapi`` (k1=1.5, b=0.75) over ``jieba.lcut`` tokens, as is."""
    import jieba
    from rank_bm25 import BM25Okapi

    jieba.setLogLevel(60)
    jieba.initialize()  # model loading is not part of the build time
    t0 = time.perf_counter()
    bm25 = BM25Okapi([jieba.lcut(p) for p in bench.passages])
    build = time.perf_counter() - t0
    metrics = evaluate(lambda q: _top_ids(bm25.get_scores(jieba.lcut(q)), k), bench, k)
    return Result("rank_bm25 BM25Okapi + jieba.lcut", len(bench.passages), metrics, build)


@dataclass(frozen=True)
class Config:
    """A Retriever configuration: Tokenizer options plus BM25 parameters.

    The defaults are the best found on the trial split (see benchmarks/README.md):
    CJK unigrams on top of search-mode words and bigrams, and a very low k1 (short
    questions against short passages: whether a term occurs matters, how often hardly).
    """

    words: str = "search"
    char_bigrams: bool = True
    char_unigrams: bool = True
    stopwords: bool = True
    userdict: str | None = None
    k1: float = 0.1
    b: float = 0.3
    idf: str = "lucene"
    # "shares": Retriever.search's weights (retrieval.weighting); "counts": every query
    # token counts 1, as before (and as rank_bm25 counts them).
    query_weights: str = "shares"
    # Weight of the preceding passage's terms a passage lacks (retrieval.context;
    # the benchmark's passages are numbered in reading order); 0: each passage alone.
    context: float = 0.5

    def label(self) -> str:
        grams = "+".join(
            g for g, on in (("bi", self.char_bigrams), ("uni", self.char_unigrams)) if on
        )
        return (
            f"Retriever words={self.words} grams={grams or '-'} "
            f"stop={'y' if self.stopwords else 'n'} dict={'y' if self.userdict else 'n'} "
            f"k1={self.k1:g} b={self.b:g} idf={self.idf} q={self.query_weights} "
            f"ctx={self.context:g}"
        )

    def tokenizer(self):  # -> retrieval.Tokenizer
        from retrieval import Tokenizer

        return Tokenizer(
            words=self.words,  # type: ignore[arg-type]
            char_bigrams=self.char_bigrams,
            char_unigrams=self.char_unigrams,
            stopwords=self.stopwords,
            userdict=self.userdict,
        ).load()

    def query(self, tokenizer, question: str):  # -> retrieval.index.QueryTerms
        """The terms (and weights) ``question`` is searched with."""
        if self.query_weights == "counts":
            return tokenizer.tokenize(question)
        return tokenizer.query_terms(question)


def run_retriever(bench: Benchmark, config: Config, k: int = 10) -> Result:
    """Index the passages with :class:`retrieval.Retriever` and evaluate ``search``."""
    from retrieval import Retriever

    tokenizer = config.tokenizer()  # jieba load is not part of the build time
    t0 = time.perf_counter()
    retriever = Retriever.from_texts(
        bench.passages,
        tokenizer=tokenizer,
        k1=config.k1,
        b=config.b,
        idf=config.idf,  # type: ignore[arg-type]
        context=config.context,
    )
    build = time.perf_counter() - t0
    metrics = evaluate(
        lambda q: [h.index for h in retriever.search_terms(config.query(tokenizer, q), k)],
        bench,
        k,
    )
    return Result(config.label(), len(bench.passages), metrics, build)


def sweep(
    bench: Benchmark, config: Config, k1s: Sequence[float], bs: Sequence[float], k: int = 10
) -> list[tuple[float, float, Metrics]]:
    """MRR etc. over a k1 x b grid, tokenising passages and questions once."""
    from retrieval import Retriever

    tokenizer = config.tokenizer()
    docs = [tokenizer.tokenize(p) for p in bench.passages]
    queries = {q.text: config.query(tokenizer, q.text) for q in bench.questions}
    out = []
    for k1 in k1s:
        for b in bs:
            retriever = Retriever.from_tokens(
                docs,
                tokenizer=tokenizer,
                k1=k1,
                b=b,
                idf=config.idf,  # type: ignore[arg-type]
                context=config.context,
            )
            metrics = evaluate(
                lambda q, r=retriever: [h.index for h in r.search_terms(queries[q], k)], bench, k
            )
            out.append((k1, b, metrics))
    return out


# -- command line ----------------------------------------------------------------


def format_table(split: str, results: Sequence[Result]) -> str:
    header = (
        f"| configuration ({split}) | passages | questions | MRR@10 | R@1 | R@5 "
        "| build s | query ms |"
    )
    lines = [header, "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        m = r.metrics
        lines.append(
            f"| {r.name} | {r.passages:,} | {m.questions:,} | {m.mrr10:.4f} | {m.r1:.4f} "
            f"| {m.r5:.4f} | {r.build_s:.1f} | {m.mean_query_ms:.2f} |"
        )
    return "\n".join(lines)


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    defaults = Config()
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.cmrc",
        description="CMRC 2018 passage retrieval: MRR@10, R@1, R@5 through retrieval.Retriever.",
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="cmrc2018 directory")
    parser.add_argument("--split", choices=("dev", "trial"), default="dev")
    parser.add_argument("--words", choices=("precise", "search", "none"), default=defaults.words)
    parser.add_argument(
        "--bigrams", action=argparse.BooleanOptionalAction, default=defaults.char_bigrams
    )
    parser.add_argument(
        "--unigrams", action=argparse.BooleanOptionalAction, default=defaults.char_unigrams
    )
    parser.add_argument(
        "--stopwords", action=argparse.BooleanOptionalAction, default=defaults.stopwords
    )
    parser.add_argument(
        "--userdict",
        default=None,
        help="jieba user dictionary path, or 'bundled' for retrieval's own (default: none)",
    )
    parser.add_argument("--k1", type=float, default=defaults.k1)
    parser.add_argument("--b", type=float, default=defaults.b)
    parser.add_argument("--idf", choices=("lucene", "okapi"), default=defaults.idf)
    parser.add_argument(
        "--query-weights",
        choices=("shares", "counts"),
        default=defaults.query_weights,
        help="shares: Retriever.search's character shares; counts: each query token counts 1",
    )
    parser.add_argument(
        "--context",
        type=float,
        default=defaults.context,
        help="weight of the preceding passage's terms a passage lacks (0: passages alone)",
    )
    parser.add_argument(
        "--shuffle",
        type=int,
        metavar="SEED",
        default=None,
        help="number the passages in a random order (no document context left)",
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the rank_bm25 + jieba.lcut row"
    )
    parser.add_argument(
        "--library-defaults",
        action="store_true",
        help="also run Retriever.from_texts with Tokenizer() and BM25 defaults",
    )
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="grid over --k1s x --bs for the chosen tokenizer (tune on trial only)",
    )
    # k1=0 is left out on purpose: scores become plain idf sums, many passages tie, and
    # the Retriever's "lower index first" tie-break then acts as a position prior that
    # happens to suit CMRC (+0.01 to +0.035 MRR, all of it from ties).
    parser.add_argument(
        "--k1s", type=_floats, default=_floats("0.05,0.1,0.2,0.3,0.5,0.8,1.2,1.5,2")
    )
    parser.add_argument("--bs", type=_floats, default=_floats("0.3,0.5,0.75,0.9"))
    args = parser.parse_args(argv)

    userdict = args.userdict
    if userdict == "bundled":
        from retrieval import DEFAULT_USERDICT

        userdict = str(DEFAULT_USERDICT)
    config = Config(
        words=args.words,
        char_bigrams=args.bigrams,
        char_unigrams=args.unigrams,
        stopwords=args.stopwords,
        userdict=userdict,
        k1=args.k1,
        b=args.b,
        idf=args.idf,
        query_weights=args.query_weights,
        context=args.context,
    )
    bench = load_split(args.data, args.split)
    if args.shuffle is not None:
        bench = shuffled(bench, args.shuffle)

    if args.sweep:
        rows = sweep(bench, config, args.k1s, args.bs)
        print(f"| k1 | b | MRR@10 | R@1 | R@5 |  ({config.label()}, {args.split})")
        print("|---:|---:|---:|---:|---:|")
        for k1, b, m in sorted(rows, key=lambda row: -row[2].mrr10):
            print(f"| {k1:g} | {b:g} | {m.mrr10:.4f} | {m.r1:.4f} | {m.r5:.4f} |")
        return 0

    results = []
    if not args.no_baseline:
        results.append(run_baseline(bench))
    if args.library_defaults:
        from retrieval import Retriever

        t0 = time.perf_counter()
        retriever = Retriever.from_texts(bench.passages)
        build = time.perf_counter() - t0
        metrics = evaluate(lambda q: [h.index for h in retriever.search(q)], bench)
        results.append(Result("Retriever library defaults", len(bench.passages), metrics, build))
    results.append(run_retriever(bench, config))
    print(format_table(args.split, results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

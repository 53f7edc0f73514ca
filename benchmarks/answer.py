"""The whole answer for one question (``LinliService.answer``), measured by stage.

``python -m benchmarks.answer`` builds a store (``--passages N`` generated passages,
``benchmarks.generate``, as ``benchmarks.load`` prepares them; ``--passages 0``, the
default, is the bundled five issues), opens the real service on it as every entry
point does (``service_from_settings``: the saved index, the shipped synonyms), and asks
every gold question (``corpus/gold``: the original and the fresh set) ``--rounds``
times, each round in its own shuffled order, in one thread.

It prints, for the Chinese questions and the English group apart:

* wall-clock p50 / p95 / max of ``answer()`` in ms, and the same in thread CPU time
  (less moved by the other processes on a shared machine), for the first round (every
  question new to the process's memos) and for all rounds together;
* a breakdown by stage from a separate instrumented round (every stage's function
  wrapped by a timer, so its figures add a little overhead of their own): the share
  of the answer's time spent reading the scope, expanding the question, searching,
  judging coverage, quoting and finding the direct answer, and calls per question.

``--dump FILE`` writes each question's answer as JSON (``corpus.answer.saved``, the
time taken left out) in question order, so two runs of different code can be diffed:
a speed-up must not change any answer. ``--profile N`` prints the N costliest
functions of one more round (cProfile, cumulative).

The prepared store is kept in ``--store-dir`` (default ``~/.cache/linli/bench``) and
reused while its corpus is the same; the index saved beside it is rebuilt by the
service itself when the tokenizer or the index format changed.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.readme import into_readme

REPO = Path(__file__).resolve().parents[1]

# Stages and where they are wrapped: (label, module, attribute). Wrapped where the
# service calls them, so the coverage inside the direct answer counts as direct.
STAGES = (
    ("scope", "corpus.answer.service", "read_scope"),
    ("expansion", "corpus.answer.service.LinliService", "expand"),
    ("topics", "corpus.answer.service", "topic_concepts"),
    ("search", "retrieval.retriever.Retriever", "search_terms"),
    ("bound", "corpus.answer.service", "may_answer_groups"),
    ("coverage", "corpus.answer.service", "judge_groups"),
    ("grouping", "corpus.answer.service", "group_passages"),
    ("quotes", "corpus.answer.service", "make_quotes"),
    ("direct", "corpus.answer.service", "direct_answer"),
)


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    lang: str  # "zh" or "en": the gold set's english group apart from the rest


@dataclass
class Timings:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def gold_questions() -> list[Question]:
    from corpus.answer.gold import load_all

    return [Question(q.id, q.question, "en" if q.group == "english" else "zh") for q in load_all()]


def open_service(passages: int, store_dir: Path) -> Any:
    """The service over a prepared store of ``passages`` (0: the bundled issues)."""
    from benchmarks.load import prepare_store
    from corpus.answer.service import service_from_settings
    from corpus.settings import Settings

    root = store_dir / f"answer-{passages}"
    url = f"sqlite:///{root / 'load.sqlite3'}"
    if not (root / "load.sqlite3").is_file():
        root.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        prepare_store(root, passages)
        print(f"store prepared in {time.perf_counter() - started:.0f} s: {root}")
    service = service_from_settings(Settings(data_dir=root / "data", database_url=url))
    started = time.perf_counter()
    service.load()
    service.load_dictionary()
    print(
        f"index loaded in {time.perf_counter() - started:.1f} s: "
        f"{len(service.state.records):,} passages"
    )
    return service


def ask_round(service: Any, questions: Sequence[Question], order_seed: int) -> dict[str, Timings]:
    """Every question once, in a shuffled order; times by language."""
    order = list(questions)
    random.Random(order_seed).shuffle(order)
    by_lang: dict[str, Timings] = defaultdict(Timings)
    for q in order:
        cpu0, wall0 = time.thread_time(), time.perf_counter()
        service.answer(q.text)
        wall, cpu = time.perf_counter() - wall0, time.thread_time() - cpu0
        by_lang[q.lang].wall.append(wall * 1000)
        by_lang[q.lang].cpu.append(cpu * 1000)
    return by_lang


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    at = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[at]


def _resolve(path: str) -> Any:
    import importlib

    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            owner: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            owner = getattr(owner, name)
        return owner
    raise ImportError(path)


@contextmanager
def timed_stages(spent: dict[str, float], calls: dict[str, int]) -> Iterator[None]:
    """Wrap every stage's function with a timer (thread CPU time) while inside."""
    saved: list[tuple[Any, str, Any]] = []
    for label, where, name in STAGES:
        owner = _resolve(where)
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)

        def wrapper(
            *args: Any, _f: Callable[..., Any] = original, _label: str = label, **kwargs: Any
        ) -> Any:
            t0 = time.thread_time()
            try:
                return _f(*args, **kwargs)
            finally:
                spent[_label] += time.thread_time() - t0
                calls[_label] += 1

        saved.append((owner, name, original))
        setattr(owner, name, wrapper)
    try:
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def stage_round(
    service: Any, questions: Sequence[Question], order_seed: int
) -> dict[str, tuple[dict[str, float], dict[str, int], float, int]]:
    """One instrumented round: per language, seconds and calls by stage, total, count."""
    out = {}
    for lang in ("zh", "en"):
        chosen = [q for q in questions if q.lang == lang]
        spent: dict[str, float] = defaultdict(float)
        calls: dict[str, int] = defaultdict(int)
        with timed_stages(spent, calls):
            timings = ask_round(service, chosen, order_seed)
        total = sum(timings[lang].cpu) / 1000 if chosen else 0.0
        out[lang] = (dict(spent), dict(calls), total, len(chosen))
    return out


def _all_pass(state: Any, segmenters: Any, expansion: Any, groups: Sequence[Any], *args: Any) -> Any:
    import numpy as np

    return np.ones(len(groups), np.bool_)


# The answer path's shortcuts, each of which --memos turns off alone and all together.
SHORTCUTS = ("bound", "word weights", "question words", "vocabulary", "papers")


@contextmanager
def memos(service: Any, off: frozenset[str] = frozenset()) -> Iterator[None]:
    """The answer path with the ``off`` shortcuts (of SHORTCUTS) turned off, memos empty.

    bound: every candidate judged exactly (``coverage.may_answer_groups`` says yes to all);
    word weights: ``coverage._WordWeights`` keeps nothing; question words: a question's
    words are read again for each candidate; vocabulary: ``CorpusVocabulary`` keeps no
    phrase answers, passage texts, document frequencies nor whether a passage's text
    keeps its ideographs; papers: the scope reads
    every issue's street (``scope._papers`` and ``scope.street_base`` unmemoised). The tokenizers' own memos
    stay as they are.
    """
    from corpus.answer import coverage, live_index, scope
    from corpus.answer import service as service_module

    vocabulary_class = live_index.CorpusVocabulary
    saved = (
        coverage._WordWeights.SIZE,
        vocabulary_class.PHRASES,
        vocabulary_class.TEXTS,
        vocabulary_class.FREQS,
        vocabulary_class.PLAIN,
        service_module.may_answer_groups,
        service_module.QuestionWords,
        scope._papers,
        scope.street_base,
    )
    service.state.memo.clear()
    vocabulary = service.index.vocabulary(service.state)
    vocabulary._found.clear()
    vocabulary._texts.clear()
    vocabulary._freqs.clear()
    vocabulary._plain[:] = bytes(len(vocabulary._plain))
    if "bound" in off:
        service_module.may_answer_groups = _all_pass  # type: ignore[assignment]
    if "word weights" in off:
        coverage._WordWeights.SIZE = 0
    if "question words" in off:
        service_module.QuestionWords = lambda words: None  # type: ignore[assignment,misc]
    if "vocabulary" in off:
        vocabulary_class.PHRASES = vocabulary_class.TEXTS = vocabulary_class.FREQS = 0
        vocabulary_class.PLAIN = False
    if "papers" in off:
        scope._papers = lambda issues: [(i.street, i.publication) for i in issues]
        scope.street_base = scope.street_base.__wrapped__  # type: ignore[assignment]
    try:
        yield
    finally:
        (
            coverage._WordWeights.SIZE,
            vocabulary_class.PHRASES,
            vocabulary_class.TEXTS,
            vocabulary_class.FREQS,
            vocabulary_class.PLAIN,
            service_module.may_answer_groups,
            service_module.QuestionWords,
            scope._papers,
            scope.street_base,
        ) = saved


def dump_answers(service: Any, questions: Sequence[Question], path: Path) -> None:
    """Each question's answer as a JSON line (time taken zeroed), in question order."""
    import dataclasses
    import json

    from corpus.answer.saved import answer_to_json

    with path.open("w", encoding="utf-8") as out:
        for q in questions:
            answer = dataclasses.replace(service.answer(q.text), took_ms=0.0)
            out.write(
                json.dumps(
                    {"id": q.id, "answer": json.loads(answer_to_json(answer))}, ensure_ascii=False
                )
                + "\n"
            )


def _rss_mib() -> float:
    """This process's resident memory now (Linux), MiB; nan elsewhere."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return float("nan")
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _row(label: str, t: Timings) -> str:
    return (
        f"| {label} | {len(t.wall)} | {percentile(t.wall, 50):.2f} | {percentile(t.wall, 95):.2f} "
        f"| {max(t.wall):.2f} | {percentile(t.cpu, 50):.2f} | {percentile(t.cpu, 95):.2f} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    import argparse
    import logging

    parser = argparse.ArgumentParser(prog="python -m benchmarks.answer", description=__doc__)
    parser.add_argument("--passages", type=int, default=0, help="0 = the bundled corpus")
    parser.add_argument("--rounds", type=int, default=3, help="times every question is asked")
    parser.add_argument(
        "--store-dir",
        type=Path,
        default=Path.home() / ".cache" / "linli" / "bench",
        help="where the prepared store is kept between runs",
    )
    parser.add_argument("--dump", type=Path, help="write every answer as JSON lines here")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    parser.add_argument("--no-stages", action="store_true", help="skip the stage breakdown")
    parser.add_argument(
        "--memos",
        type=int,
        default=0,
        help="also N rounds of each: all shortcuts off, all on, and each off alone",
    )
    parser.add_argument(
        "--text-cache",
        type=int,
        default=0,
        help="texts each segmenter's memos keep (0: segmenters.TEXT_CACHE as shipped)",
    )
    parser.add_argument(
        "--readme",
        type=Path,
        help="also write this run's output into this README's block for the corpus size "
        "(see benchmarks/readme.py)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    block = f"benchmarks.answer --passages {args.passages}"
    with into_readme(args.readme, block):
        return _run(args, argv)


def _run(args: Any, argv: Sequence[str] | None) -> int:
    print(f"python -m benchmarks.answer {' '.join(sys.argv[1:] if argv is None else argv)}".strip())

    if args.text_cache:
        from corpus.answer import segmenters

        segmenters.TEXT_CACHE = args.text_cache
    service = open_service(args.passages, args.store_dir)
    questions = gold_questions()
    langs = ("zh", "en")
    counts = {lang: sum(q.lang == lang for q in questions) for lang in langs}
    # The lazy loads (segmenters, the English dictionary's first use) once, beforehand,
    # on questions that are not in the set.
    from retrieval.index import kernel

    if kernel.AVAILABLE:
        kernel.load()  # steady state: not the numpy answers of a fresh process's first second
    for warm in ("社区食堂几点开门", "When does the community canteen open?"):
        service.answer(warm)
    if args.dump:
        dump_answers(service, questions, args.dump)
        print(f"answers written to {args.dump}")

    rounds = [ask_round(service, questions, seed) for seed in range(args.rounds)]
    print(
        f"\n{counts['zh']} Chinese and {counts['en']} English gold questions, "
        f"{args.rounds} round(s), one thread; ms\n"
        "| questions | answers | p50 | p95 | max | CPU p50 | CPU p95 |\n"
        "|---|---:|---:|---:|---:|---:|---:|"
    )
    names = {"zh": "Chinese", "en": "English"}
    for lang in langs:
        print(_row(f"{names[lang]}, first round", rounds[0][lang]))
        pooled = Timings(
            [w for r in rounds for w in r[lang].wall], [c for r in rounds for c in r[lang].cpu]
        )
        if args.rounds > 1:
            print(_row(f"{names[lang]}, all rounds", pooled))

    print(f"resident memory after the rounds: {_rss_mib():.0f} MiB")

    if args.memos:
        variants = [frozenset(SHORTCUTS), frozenset()] + [frozenset({x}) for x in SHORTCUTS]
        print(
            "\nthe shortcuts off and on (memos starting empty each round), rounds "
            "interleaved; ms\n"
            "| questions | answers | p50 | p95 | max | CPU p50 | CPU p95 |\n"
            "|---|---:|---:|---:|---:|---:|---:|"
        )
        runs: dict[frozenset[str], list[dict[str, Timings]]] = {v: [] for v in variants}
        for attempt in range(args.memos):
            for variant in variants if attempt % 2 == 0 else variants[::-1]:
                with memos(service, variant):
                    runs[variant].append(ask_round(service, questions, 100 + attempt))

        def label(variant: frozenset[str]) -> str:
            if variant == frozenset(SHORTCUTS):
                return "all off"
            return f"all but {next(iter(variant))}" if variant else "all on"

        for lang in langs:
            for variant in variants:
                pooled = Timings(
                    [w for r in runs[variant] for w in r[lang].wall],
                    [c for r in runs[variant] for c in r[lang].cpu],
                )
                print(_row(f"{names[lang]}, {label(variant)}", pooled))

    if not args.no_stages:
        stages = stage_round(service, questions, args.rounds)
        labels = [label for label, _, _ in STAGES]
        print(
            "\nby stage (one instrumented round, thread CPU time): share of answer() "
            "and calls per question\n"
            f"| questions | ms per answer | {' | '.join(labels)} | other |\n"
            f"|---|---:|{'---:|' * (len(labels) + 1)}"
        )
        for lang in langs:
            spent, calls, total, n = stages[lang]
            if not n or not total:
                continue
            cells = [
                f"{100 * spent.get(label, 0.0) / total:.0f}% ({calls.get(label, 0) / n:.1f})"
                for label in labels
            ]
            other = total - sum(spent.values())
            print(
                f"| {names[lang]} | {1000 * total / n:.2f} | {' | '.join(cells)} "
                f"| {100 * other / total:.0f}% |"
            )

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        ask_round(service, questions, args.rounds + 1)
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(args.profile)
    service.store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

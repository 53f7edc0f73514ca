"""Deterministic city-sized corpora made from the bundled newspaper text.

A district archive or a whole city's street papers runs to 10^5-10^6 passages;
the bundled five issues hold 78. This module makes as many as asked, shaped like
Linli's own passages:

* Issues of :data:`PASSAGES_PER_ISSUE` passages from one of :data:`N_STREETS`
  street offices, cut into articles whose sizes follow the bundled ones.
* A passage is a resample of the bundled sentences, as many as a bundled
  passage holds (so lengths follow the real distribution, ~150 characters).
* Vocabulary grows as it does in a real archive: every content word (CJK, two
  characters or more, not a stopword) of a resampled sentence or headline is
  replaced, with probability :data:`REPLACE_P`, by a word of jieba's dictionary
  drawn with Zipf weights by frequency rank. New estate names, people and
  projects keep arriving, common words keep recurring (Heaps' law: distinct
  terms grow sub-linearly; ``scale.py`` prints the counts).

Everything depends only on ``seed`` and the issue number (each issue has its own
random stream), so corpus N is the first N passages of any larger corpus, and
the expensive part, tokenising, is cached by blocks of :data:`BLOCK` passages
and shared between sizes (:func:`token_lists`).

``python -m benchmarks.generate 100000`` prints sizes and timings; ``--show 3``
prints passages.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

PASSAGES_PER_ISSUE = 50
BLOCK = 10_000  # passages per token-cache file; a multiple of PASSAGES_PER_ISSUE
N_STREETS = 240  # Shanghai alone has 200+ street offices and towns
REPLACE_P = 0.3
ZIPF_S = 1.0
# Bump when the generator's output changes, so cached tokens are not reused.
GENERATOR_VERSION = 1

_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


@dataclass(frozen=True)
class Article:
    title: str
    heading: str
    passages: tuple[str, ...]


@dataclass(frozen=True)
class Issue:
    number: int
    street: str
    date: str
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class _Material:
    sentences: list[list[str]]  # jieba words, punctuation included
    sentence_slots: list[np.ndarray]  # positions of replaceable words
    titles: list[list[str]]
    title_slots: list[np.ndarray]
    sentences_per_passage: np.ndarray
    passages_per_article: np.ndarray
    dictionary: list[str]  # by frequency, most frequent first
    cdf: np.ndarray  # Zipf cumulative weights over dictionary ranks
    streets: list[str]


@cache
def _material(seed: int) -> _Material:
    import jieba

    from corpus.ingest.prepare import IssueMeta, prepare_paths
    from corpus.ingest.seed import BUNDLED_DIR
    from retrieval import Tokenizer
    from retrieval.sentences import split_sentences

    jieba.setLogLevel(60)
    stop = Tokenizer()
    segmenter = jieba.Tokenizer()

    def words(text: str) -> tuple[list[str], np.ndarray]:
        cut = segmenter.lcut(text)
        slots = [i for i, w in enumerate(cut) if _CJK_WORD.match(w) and not stop.is_stopword(w)]
        return cut, np.asarray(slots, np.int64)

    sentences, sentence_slots, titles, title_slots = [], [], [], []
    per_passage, per_article = [], []
    for issue in prepare_paths([BUNDLED_DIR], IssueMeta()):
        for article in issue.articles:
            cut, slots = words(article.title)
            titles.append(cut)
            title_slots.append(slots)
            per_article.append(len(article.passages))
            for _heading, text in article.passages:
                pieces = split_sentences(text)
                per_passage.append(len(pieces))
                for sentence in pieces:
                    cut, slots = words(sentence)
                    sentences.append(cut)
                    sentence_slots.append(slots)

    entries = []
    for line in Path(jieba.get_dict_file().name).read_text(encoding="utf-8").splitlines():
        word, freq, *_ = line.split(" ")
        if _CJK_WORD.match(word) and not stop.is_stopword(word):
            entries.append((-int(freq), word))
    dictionary = [word for _, word in sorted(entries)]
    weights = 1.0 / np.arange(1, len(dictionary) + 1) ** ZIPF_S
    cdf = np.cumsum(weights) / weights.sum()

    rng = np.random.default_rng([seed, 0])
    suffixes = ["街道", "街道", "街道", "镇"]
    streets: list[str] = []
    pool = [w for w in dictionary[:20000] if len(w) == 2]
    while len(streets) < N_STREETS:
        name = pool[rng.integers(len(pool))] + suffixes[rng.integers(len(suffixes))]
        if name not in streets:
            streets.append(name)
    return _Material(
        sentences=sentences,
        sentence_slots=sentence_slots,
        titles=titles,
        title_slots=title_slots,
        sentences_per_passage=np.asarray(per_passage, np.int64),
        passages_per_article=np.asarray(per_article, np.int64),
        dictionary=dictionary,
        cdf=cdf,
        streets=streets,
    )


def _vary(words: list[str], slots: np.ndarray, m: _Material, rng: np.random.Generator) -> str:
    if not len(slots):
        return "".join(words)
    chosen = slots[rng.random(len(slots)) < REPLACE_P]
    if not len(chosen):
        return "".join(words)
    out = list(words)
    ranks = np.searchsorted(m.cdf, rng.random(len(chosen)), side="right")
    for slot, rank in zip(chosen.tolist(), ranks.tolist(), strict=True):
        out[slot] = m.dictionary[min(rank, len(m.dictionary) - 1)]
    return "".join(out)


def issue(number: int, seed: int = 0) -> Issue:
    """Issue ``number`` (0-based) of the synthetic archive: PASSAGES_PER_ISSUE passages."""
    m = _material(seed)
    rng = np.random.default_rng([seed, 1, number])
    street = m.streets[number % N_STREETS]
    # Each street publishes monthly: issue n of a street is month n // N_STREETS.
    month = number // N_STREETS
    date = f"{2000 + month // 12:04d}-{month % 12 + 1:02d}"
    articles: list[Article] = []
    left = PASSAGES_PER_ISSUE
    while left:
        size = min(left, int(m.passages_per_article[rng.integers(len(m.passages_per_article))]))
        t = int(rng.integers(len(m.titles)))
        title = _vary(m.titles[t], m.title_slots[t], m, rng)
        heading = ""
        passages = []
        for _ in range(size):
            n_sentences = int(m.sentences_per_passage[rng.integers(len(m.sentences_per_passage))])
            picks = rng.integers(len(m.sentences), size=n_sentences)
            passages.append(
                "".join(_vary(m.sentences[s], m.sentence_slots[s], m, rng) for s in picks.tolist())
            )
        articles.append(Article(title=title, heading=heading, passages=tuple(passages)))
        left -= size
    return Issue(number=number, street=street, date=date, articles=tuple(articles))


def issues(count: int, seed: int = 0) -> Iterator[Issue]:
    """Enough issues for ``count`` passages (the last one may hold more)."""
    for number in range(-(-count // PASSAGES_PER_ISSUE)):
        yield issue(number, seed)


def indexed_texts(first: int, count: int, seed: int = 0) -> list[str]:
    """What Linli indexes of passages ``first .. first + count - 1``.

    The same layout as :func:`corpus.answer.live_index.indexed_text`: street, headline,
    subhead (if any), passage, one per line.
    """
    out: list[str] = []
    number = first // PASSAGES_PER_ISSUE
    skip = first - number * PASSAGES_PER_ISSUE
    while len(out) < count:
        item = issue(number, seed)
        for article in item.articles:
            for text in article.passages:
                if skip:
                    skip -= 1
                    continue
                out.append(
                    "\n".join(filter(None, [item.street, article.title, article.heading, text]))
                )
        number += 1
    return out[:count]


# -- tokens, cached -------------------------------------------------------------


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "linli" / "bench"


def _cache_key(tokenizer_fingerprint: dict[str, object], seed: int) -> str:
    blob = json.dumps(
        {"tokenizer": tokenizer_fingerprint, "generator": GENERATOR_VERSION, "seed": seed},
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _tokenize_block(args: tuple[int, int, dict[str, object], Path]) -> Path:
    block, seed, options, path = args
    from retrieval import Tokenizer

    tokenizer = Tokenizer(**options)  # type: ignore[arg-type]
    texts = indexed_texts(block * BLOCK, BLOCK, seed)
    vocab: dict[str, int] = {}
    ids: list[int] = []
    offsets = [0]
    for text in texts:
        for term in tokenizer.tokenize(text):
            ids.append(vocab.setdefault(term, len(vocab)))
        offsets.append(len(ids))
    terms = "\n".join(vocab)  # tokens never contain whitespace
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(
        tmp,
        terms=np.frombuffer(terms.encode("utf-8"), np.uint8),
        ids=np.asarray(ids, np.int32),
        offsets=np.asarray(offsets, np.int64),
    )
    os.replace(tmp, path)
    return path


def token_lists(
    count: int,
    *,
    options: dict[str, object],
    seed: int = 0,
    cache_dir: Path | None = None,
    processes: int | None = None,
    log: bool = True,
) -> list[list[str]]:
    """Token lists of the first ``count`` passages, by ``Tokenizer(**options)``.

    Blocks of :data:`BLOCK` passages are tokenised once (in parallel, one
    process per core) and kept under ``cache_dir``; term strings are shared
    objects, so a million token lists cost pointers, not strings.
    """
    from retrieval import Tokenizer

    fingerprint = Tokenizer(**options).fingerprint()  # type: ignore[arg-type]
    directory = (cache_dir or default_cache_dir()) / _cache_key(fingerprint, seed)
    directory.mkdir(parents=True, exist_ok=True)
    blocks = range(-(-count // BLOCK))
    paths = [directory / f"block{b:04d}.npz" for b in blocks]
    missing = [(b, seed, options, p) for b, p in zip(blocks, paths, strict=True) if not p.exists()]
    if missing:
        started = time.perf_counter()
        if log:
            print(f"tokenising {len(missing) * BLOCK:,} passages into {directory} ...", flush=True)
        workers = min(processes or os.cpu_count() or 1, len(missing))
        if workers > 1:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for _ in pool.imap_unordered(_tokenize_block, missing):
                    pass
        else:
            for job in missing:
                _tokenize_block(job)
        if log:
            print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)

    interned: dict[str, str] = {}
    out: list[list[str]] = []
    for path in paths:
        with np.load(path) as data:
            terms = bytes(data["terms"]).decode("utf-8").split("\n")
            ids = data["ids"]
            offsets = data["offsets"]
        local = [interned.setdefault(t, t) for t in terms]
        tokens = [local[i] for i in ids.tolist()]
        bounds = offsets.tolist()
        need = min(BLOCK, count - len(out))
        out.extend(tokens[bounds[i] : bounds[i + 1]] for i in range(need))
    return out


def questions() -> list[str]:
    """The gold set's questions in Chinese, in residents' wording (plain, colloquial,
    traditional script, and those about things the paper never covered).

    English questions are left out: the bare retriever has no translation step
    (the service's query expansion does that), so they would match nothing and
    flatter the latency figures.
    """
    from corpus.answer.gold import load_gold

    return [q.question for q in load_gold() if re.search(r"[\u4e00-\u9fff]", q.question)]


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__)
    parser.add_argument("count", type=int, nargs="?", default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=int, default=0, help="print this many passages")
    parser.add_argument("--tokens", action="store_true", help="tokenise (and cache) as well")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    texts = indexed_texts(0, args.count, args.seed)
    took = time.perf_counter() - started
    chars = sum(map(len, texts))
    print(f"{len(texts):,} passages, {chars / len(texts):.0f} characters each, {took:.1f} s")
    for text in texts[: args.show]:
        print("---\n" + text)
    if args.tokens:
        lists = token_lists(args.count, options={"char_unigrams": True}, seed=args.seed)
        distinct = len({t for tokens in lists for t in tokens})
        print(f"{sum(map(len, lists)) / len(lists):.0f} tokens a passage, {distinct:,} terms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""OCR benchmark: the five bundled issues printed, photographed, read back and asked about.

Each bundled issue is set as two-column A4 pages (benchmarks/ocr_render.py, a CJK font
from Debian: apt-get install fonts-wqy-zenhei), each page given a phone's damage (about a
degree of tilt, blur, 1280 px wide, JPEG quality 70) and read through Linli's own OCR path
(corpus.ingest.ocr.read_images, one issue per album). Printed:

- character error rate: edit distance between the printed text and the OCR'd text
  (letters, digits and ideographs only; punctuation and spacing ignored) over the printed
  length, per issue and overall;
- reading-order errors: printed sentences whose text ends up split between two OCR'd
  articles (or lost), and OCR'd sentences that merge text of two printed articles;
- articles printed and found, and whether the headlines came back as titles;
- seconds per page (OCR and layout, the machine as it is);
- the gold set's hit@3 over the OCR'd corpus next to the bundled text corpus.

Run: .venv/bin/python -m benchmarks.ocr [--issues N] [--keep DIR] [--boxes DIR]

``--boxes DIR`` keeps the recogniser's boxes per page image (keyed by its pixels): a later
run with the same pages measures the layout stage again without recognising anything
(the seconds per page are then only printed for the pages recognised anew).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.ocr_render import (
    FONT_HINT,
    find_font,
    issue_items,
    phone_photo,
    render_items,
)
from corpus.answer.evaluate import evaluate
from corpus.answer.gold import load_all
from corpus.answer.service import LinliService
from corpus.ingest.articles import parse_issue
from corpus.ingest.ocr import engine, read_images
from corpus.ingest.prepare import IssueMeta, PreparedIssue, prepare_issue
from corpus.ingest.seed import BUNDLED_DIR, read_manifest, seed_demo
from corpus.ingest.write import store_issues
from corpus.store.engine import Store
from retrieval.sentences import split_sentences

_KEEP = re.compile(r"[^0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff]+")
COVERED = 0.9  # share of a sentence's shingles one article must hold to hold the sentence
# A sentence another article holds this much more of than the best one (shingles the best
# lacks) is split between them; misread characters lack everywhere, so they never count.
ELSEWHERE = 0.15
LOST = 0.5  # a sentence with less than this share found anywhere is lost


def chars(text: str) -> str:
    return _KEEP.sub("", text.replace("## ", ""))


def levenshtein(a: str, b: str) -> int:
    """Edit distance, bit-parallel (Myers 1999 / Hyyrö): fast enough for whole issues."""
    if not a:
        return len(b)
    if not b:
        return len(a)
    m = len(a)
    full = (1 << m) - 1
    top = 1 << (m - 1)
    peq: dict[str, int] = {}
    for i, c in enumerate(a):
        peq[c] = peq.get(c, 0) | (1 << i)
    pv, mv, score = full, 0, m
    for c in b:
        eq = peq.get(c, 0)
        xv = eq | mv
        xh = ((((eq & pv) + pv) & full) ^ pv) | eq
        ph = (mv | ~(xh | pv)) & full
        mh = pv & xh
        if ph & top:
            score += 1
        elif mh & top:
            score -= 1
        ph = ((ph << 1) | 1) & full
        mh = (mh << 1) & full
        pv = (mh | ~(xv | ph)) & full
        mv = ph & xv
    return score


def grams(text: str, n: int = 3) -> set[str]:
    text = chars(text)
    return {text[i : i + n] for i in range(max(1, len(text) - n + 1))}


def sentences(text: str) -> list[str]:
    return [s for s in split_sentences(text) if len(chars(s)) >= 8]


@dataclass
class OrderErrors:
    split: int = 0
    lost: int = 0
    merged: int = 0
    sentences: int = 0


def _shares(sentence: str, home: set[str], articles: list[set[str]]) -> tuple[float, float]:
    """The share of the sentence's shingles in its home article, and in all the articles."""
    g = grams(sentence)
    union = set().union(*articles) if articles else set()
    return len(g & home) / len(g), len(g & union) / len(g)


def _homes(sources: list[set[str]], targets: list[set[str]]) -> list[set[str]]:
    """For each source article, the target article holding most of its shingles."""
    if not targets:
        return [set() for _ in sources]
    return [max(targets, key=lambda t: len(s & t)) for s in sources]


def order_errors(printed: list[list[str]], read: list[list[str]]) -> OrderErrors:
    """Printed sentences split from their article (or lost), OCR'd ones merged across two.

    Each printed article's counterpart is the OCR'd article holding most of its text. A
    printed sentence is split when its counterpart lacks part of it that another OCR'd
    article holds (misread characters are lacking everywhere, so they never count); an
    OCR'd sentence is merged when it holds text its own printed article lacks and another
    one has.
    """
    errors = OrderErrors()
    read_grams = [grams("".join(paragraphs)) for paragraphs in read]
    printed_grams = [grams("".join(paragraphs)) for paragraphs in printed]
    for paragraphs, home in zip(printed, _homes(printed_grams, read_grams), strict=True):
        for sentence in (s for p in paragraphs for s in sentences(p)):
            errors.sentences += 1
            here, anywhere = _shares(sentence, home, read_grams)
            if anywhere < LOST:
                errors.lost += 1
            elif here < COVERED and anywhere - here >= ELSEWHERE:
                errors.split += 1
    for paragraphs, home in zip(read, _homes(read_grams, printed_grams), strict=True):
        for sentence in (s for p in paragraphs for s in sentences(p)):
            here, anywhere = _shares(sentence, home, printed_grams)
            if here < COVERED and anywhere - here >= ELSEWHERE:
                errors.merged += 1
    return errors


class BoxCache:
    """Recognition results on disk, by the page image's pixels."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.hits = 0
        self.misses = 0
        self._real = engine.Recogniser.__call__

    def install(self) -> None:
        cache = self

        def call(recogniser: engine.Recogniser, image: object) -> list[engine.Box]:
            key = hashlib.sha1(image.tobytes()).hexdigest()  # type: ignore[attr-defined]
            path = cache.folder / f"{key}.json"
            if path.is_file():
                cache.hits += 1
                rows = json.loads(path.read_text(encoding="utf-8"))
                return [engine.Box(tuple(map(tuple, p)), t, s) for p, t, s in rows]
            cache.misses += 1
            boxes = cache._real(recogniser, image)
            rows = [[list(map(list, b.points)), b.text, b.score] for b in boxes]
            path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
            return boxes

        engine.Recogniser.__call__ = call  # type: ignore[method-assign]


def hit3(service: LinliService) -> tuple[float, int]:
    questions = [q for q in load_all() if q.answers and q.issue]
    _, outcomes = evaluate(service, questions)
    hits = sum(1 for o in outcomes if o.rank is not None and o.rank <= 3)
    return hits / len(outcomes), len(outcomes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--issues", type=int, default=5, help="how many bundled issues")
    parser.add_argument("--keep", type=Path, help="save the page photos and OCR text here")
    parser.add_argument("--boxes", type=Path, help="keep and reuse recognition results here")
    args = parser.parse_args(argv)
    cache = BoxCache(args.boxes) if args.boxes else None
    if cache is not None:
        cache.install()
    font = find_font()
    if font is None:
        print(f"no CJK font installed for printing the pages: {FONT_HINT}", file=sys.stderr)
        return 2
    manifest = read_manifest(BUNDLED_DIR / "manifest.json")
    files = sorted(manifest)[: args.issues]
    prepared: list[PreparedIssue] = []
    total_pages = 0  # recognised in this run (not from --boxes)
    all_pages = 0
    total_seconds = 0.0
    total_edits = 0
    total_chars = 0
    total = OrderErrors()
    print(f"font: {font}")
    header = f"{'issue':<40} {'pages':>5} {'s/page':>6} {'CER':>6} {'articles':>9} {'titles':>6} {'split':>5} {'lost':>4} {'merged':>6}"
    print(header)
    for name in files:
        source = (BUNDLED_DIR / name).read_text(encoding="utf-8")
        masthead, items = issue_items(source)
        rendered = render_items(items, masthead, font)
        photos = [
            (phone_photo(page, seed=n), f"{Path(name).stem}_p{n + 1}.jpg")
            for n, page in enumerate(rendered.pages)
        ]
        started = time.perf_counter()
        misses = cache.misses if cache else 0
        result = read_images(photos)
        seconds = time.perf_counter() - started
        recognised = (cache.misses - misses) if cache else len(photos)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for data, photo_name in photos:
                (args.keep / photo_name).write_bytes(data)
            (args.keep / f"{Path(name).stem}.ocr.md").write_text(result.text, encoding="utf-8")
        printed = chars("".join(item.text for item in rendered.items))
        edits = levenshtein(printed, chars(result.text))
        meta = manifest[name]
        issue = prepare_issue(
            result.text,
            IssueMeta(
                publication=meta.publication,
                street=meta.street,
                district=meta.district,
                date=meta.date,
                date_estimated=meta.date_estimated,
                title=meta.title,
                source_name=name,
            ),
        )
        prepared.append(issue)
        source_articles = parse_issue(source).articles
        printed_bodies = [list(a.paragraphs) for a in source_articles]
        read_bodies = [a.body.split("\n") for a in issue.articles]
        errors = order_errors(printed_bodies, read_bodies)
        titles_printed = {chars(a.title) for a in source_articles}
        titles_found = sum(1 for a in issue.articles if chars(a.title) in titles_printed)
        pages = len(photos)
        all_pages += pages
        total_pages += recognised
        total_seconds += seconds if recognised else 0.0
        total_edits += edits
        total_chars += len(printed)
        for key in ("split", "lost", "merged", "sentences"):
            setattr(total, key, getattr(total, key) + getattr(errors, key))
        per_page = f"{seconds / recognised:>6.1f}" if recognised == pages else f"{'cached':>6}"
        print(
            f"{name:<40} {pages:>5} {per_page} {edits / len(printed):>6.2%} "
            f"{len(issue.articles):>4}/{len(source_articles):<4} {titles_found:>6} "
            f"{errors.split:>5} {errors.lost:>4} {errors.merged:>6}"
        )
    per_page = f"{total_seconds / total_pages:>6.1f}" if total_pages else f"{'cached':>6}"
    print(
        f"{'all':<40} {all_pages:>5} {per_page} "
        f"{total_edits / total_chars:>6.2%} {'':>9} {'':>6} {total.split:>5} {total.lost:>4} "
        f"{total.merged:>6}   ({total.sentences} printed sentences)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        text_store = Store.open(f"sqlite:///{tmp}/text.sqlite3")
        ocr_store = Store.open(f"sqlite:///{tmp}/ocr.sqlite3")
        try:
            seed_demo(text_store)
            store_issues(ocr_store.factory, prepared)
            # Only the issues read here, on both sides.
            if args.issues < len(manifest):
                print("(hit@3 compares all bundled issues only when --issues is 5)")
            text_hit, n = hit3(LinliService(text_store))
            ocr_hit, _ = hit3(LinliService(ocr_store))
        finally:
            text_store.close()
            ocr_store.close()
    print(
        f"gold hit@3 ({n} answerable questions): text corpus {text_hit:.1%}, "
        f"OCR'd corpus {ocr_hit:.1%} ({100 * (ocr_hit - text_hit):+.1f} points)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The OCR entry points: photos and image files, or a scanned PDF, into one issue's text."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from corpus.ingest.characters import ideograph_count
from corpus.ingest.decoding import DecodeError
from corpus.ingest.ocr import engine, pages
from corpus.ingest.ocr.layout import PageFlow, blocks_text

log = logging.getLogger(__name__)

#: Called before each page is read: (page number from 1, pages in all).
Progress = Callable[[int, int], None]
# A line the recogniser is less sure of than this is shown to staff in the preview.
UNSURE_SCORE = 0.9
# Fewer Chinese characters than this on all pages: not a newspaper page (a blank page, a
# photo of a street, a receipt); refused rather than stored as an "issue".
MIN_IDEOGRAPHS = 40


@dataclass(frozen=True)
class UnsureLine:
    page: int
    text: str
    score: float


@dataclass(frozen=True)
class OcrText:
    text: str
    pages: int
    unsure: tuple[UnsureLine, ...]
    seconds: float


def _read(
    sources: Sequence[tuple[str, int, Callable[[], Iterator[Any]]]],
    what: str,
    progress: Progress | None,
) -> OcrText:
    total = sum(count for _, count, _ in sources)
    if total > pages.MAX_PAGES:
        raise DecodeError(
            f"{what}: {total} pages; at most {pages.MAX_PAGES} pages are read at once "
            "(send the issue's pages in smaller parts)"
        )
    started = time.perf_counter()
    flow = PageFlow()
    done = 0
    with engine.job(what) as recognise:
        for _name, _count, images in sources:
            for image in images():
                done += 1
                if progress is not None:
                    progress(done, total)
                flow.add_page(recognise(image))
                del image
    blocks = flow.finish()
    text = blocks_text(blocks)
    seconds = time.perf_counter() - started
    log.info("OCR of %s: %d pages in %.1f s", what, total, seconds)
    if ideograph_count(text) < MIN_IDEOGRAPHS:
        raise DecodeError(
            f"{what}: little or no Chinese text was found in it (a blank page, or not a "
            "newspaper page?); send a sharp, well-lit photo of the whole page, or the text"
        )
    unsure = [
        UnsureLine(page, line, score)
        for block in blocks
        for page, line, score in block.lines
        if score < UNSURE_SCORE
    ]
    return OcrText(text=text, pages=total, unsure=tuple(unsure), seconds=seconds)


def read_images(files: Sequence[tuple[bytes, str]], progress: Progress | None = None) -> OcrText:
    """Photos or image files, in order, as the pages of one issue.

    Raises:
        OcrUnavailable: no OCR runtime installed.
        DecodeError: a damaged, empty or oversized image, too many pages, or no text.
    """
    sources = []
    for data, name in files:
        count = pages.count_image_pages(data, name)
        sources.append((name, count, lambda d=data, n=name: pages.image_pages(d, n)))
    what = files[0][1] if len(files) == 1 else f"{len(files)} images ({files[0][1]} …)"
    return _read(sources, what, progress)


def read_pdf_scan(data: bytes, name: str, progress: Progress | None = None) -> OcrText:
    """A PDF without a text layer (a scan), page by page.

    Raises:
        OcrUnavailable: no OCR runtime or PDF renderer installed.
        DecodeError: a damaged PDF, too many pages, or no text.
    """
    try:
        count = pages.count_pdf_pages(data, name)
    except ImportError as exc:
        raise engine.unavailable(f"{name} (a PDF without a text layer)") from exc
    return _read([(name, count, lambda: pages.pdf_pages(data, name))], name, progress)

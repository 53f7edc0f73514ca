"""Uploaded images and scanned PDFs as page images, within the caps a small server can take.

Caps, each refused with a message naming the file: pages per upload (an issue is a few
pages; a 60-page PDF is a book or a mistake), pixels per page (a decompression bomb is a
small file declaring a gigantic image, refused from its header before any pixel is
decoded). Pages far larger than the OCR reads are scaled down first.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

from corpus.ingest.decoding import DecodeError

log = logging.getLogger(__name__)

MAX_PAGES = 12
# A phone photo is ~12 Mpx and an A4 scan at 300 dpi ~9 Mpx; far past that the file is a
# poster, a panorama or a bomb.
MAX_PIXELS = 40_000_000
# RapidOCR scales a page's long side to at most 2000 px; a bigger image only costs memory.
MAX_SIDE = 2500
# PDF pages are rendered at this width (A4 at ~150 dpi: body text well above what the
# recogniser needs, and the same scale as a Telegram photo of the page).
PDF_WIDTH = 1400


def _damaged(name: str, kind: str, exc: Exception) -> DecodeError:
    log.info("could not read %s as %s: %s: %s", name, kind, exc.__class__.__name__, exc)
    return DecodeError(f"could not read {name}: the file is damaged or not {kind}")


def too_many_pages(name: str, pages: int) -> DecodeError:
    return DecodeError(
        f"{name} has {pages} pages; at most {MAX_PAGES} pages are read at once "
        "(send the issue's pages in smaller parts)"
    )


def _fit(image: Any) -> Any:
    from PIL import Image

    image = image.convert("RGB")
    side = max(image.size)
    if side > MAX_SIDE:
        scale = MAX_SIDE / side
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    return image


def count_image_pages(data: bytes, name: str) -> int:
    """How many pages (frames) an image file holds, checked against the caps, undecoded."""
    image = _open(data, name)
    frames = getattr(image, "n_frames", 1)
    if frames > MAX_PAGES:
        raise too_many_pages(name, frames)
    return frames


def _open(data: bytes, name: str) -> Any:
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise DecodeError(f"{name} is empty")
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise DecodeError(
            f"{name} declares an image of far more than {MAX_PIXELS // 1_000_000} "
            "megapixels; it is not read (send a smaller photo or scan)"
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise _damaged(name, "an image", exc) from exc
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise DecodeError(
            f"{name} is {width}×{height} pixels; images over {MAX_PIXELS // 1_000_000} "
            "megapixels are not read (send a smaller photo or scan)"
        )
    return image


def image_pages(data: bytes, name: str) -> Iterator[Any]:
    """The pages of an image file (several for a multi-page TIFF), decoded one at a time."""
    from PIL import Image, ImageSequence

    frames = count_image_pages(data, name)
    image = _open(data, name)
    try:
        for frame in ImageSequence.Iterator(image) if frames > 1 else [image]:
            if frame.width * frame.height > MAX_PIXELS:
                raise DecodeError(f"{name}: a page is over {MAX_PIXELS // 1_000_000} megapixels")
            yield _fit(frame)
    except DecodeError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        # A truncated or corrupt file often passes Image.open (the header) and fails here.
        raise _damaged(name, "an image", exc) from exc


def _pdfium() -> Any:
    import pypdfium2  # the ocr extra

    return pypdfium2


def count_pdf_pages(data: bytes, name: str) -> int:
    pdfium = _pdfium()
    try:
        document = pdfium.PdfDocument(data)
    except Exception as exc:  # pdfium raises its own PdfiumError, or others on junk
        raise _damaged(name, "a PDF", exc) from exc
    try:
        pages = len(document)
    finally:
        document.close()
    if pages > MAX_PAGES:
        raise too_many_pages(name, pages)
    return pages


def pdf_pages(data: bytes, name: str) -> Iterator[Any]:
    """The pages of a PDF rendered to images, one at a time."""
    pdfium = _pdfium()
    count_pdf_pages(data, name)
    document = pdfium.PdfDocument(data)
    try:
        for index in range(len(document)):
            # A damaged page fails in pdfium in any of these steps, with its own errors.
            try:
                page = document[index]
            except Exception as exc:
                raise _damaged(name, "a PDF", exc) from exc
            try:
                width, height = page.get_size()
                scale = PDF_WIDTH / max(width, 1.0)
                if width * height * scale * scale > MAX_PIXELS:
                    scale = (MAX_PIXELS / max(width * height, 1.0)) ** 0.5
                image = page.render(scale=scale).to_pil()
            except Exception as exc:
                raise _damaged(name, "a PDF", exc) from exc
            finally:
                page.close()
            yield _fit(image)
    finally:
        document.close()

"""OCR in the tests: a marker for tests that need the ocr extra, and the committed page.

OCR takes seconds a page on this project's machines, so recognition results are cached
for the session by the pixels they were computed from (:func:`cache_recognition`): a
test that reads the committed page again gets the same real result at no cost.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from corpus.ingest.ocr import available, engine

DATA = Path(__file__).parents[1] / "data"
PAGE_PHOTO = DATA / "ocr_page.jpg"
PAGE_TEXT = DATA / "ocr_page.txt"
MISSING = (
    "the ocr extra is not installed (rapidocr-onnxruntime, pypdfium2): "
    "pip install '.[ocr]' or make install"
)

requires_ocr = pytest.mark.skipif(not available(), reason=MISSING)

_cache: dict[str, list[engine.Box]] = {}
_real_call = engine.Recogniser.__call__


def _cached_call(self: engine.Recogniser, image: Any) -> list[engine.Box]:
    key = hashlib.sha1(image.tobytes() + repr(image.size).encode()).hexdigest()
    if key not in _cache:
        _cache[key] = _real_call(self, image)
    return list(_cache[key])


def cache_recognition(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine.Recogniser, "__call__", _cached_call)


def scan_pdf(photo: bytes) -> bytes:
    """An image-only PDF of a photo (what a scanner without OCR makes)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.open(io.BytesIO(photo)).convert("RGB").save(buffer, "PDF", resolution=120)
    return buffer.getvalue()

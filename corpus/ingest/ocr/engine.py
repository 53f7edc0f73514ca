"""Running RapidOCR: loaded on first use, one recognition job at a time.

The models are the PP-OCRv4 Chinese detection and recognition networks (and the angle
classifier) that the ``rapidocr-onnxruntime`` wheel ships inside the package, run on the
CPU through onnxruntime: nothing is downloaded. The runtime is the ``ocr`` extra; without
it every OCR entry point raises :class:`OcrUnavailable` with what to install.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from corpus.ingest.decoding import DecodeError

INSTALL_HINT = "pip install 'linli[ocr]' (from a checkout: pip install '.[ocr]', or make run)"

_load_lock = threading.Lock()
# One job (every page of one upload) at a time: a second upload waits for the first
# instead of halving the speed of both on a small machine.
_job_lock = threading.Lock()
_engine: Any = None


class OcrUnavailable(DecodeError):
    """This installation has no OCR runtime (a slim deployment without the ocr extra)."""


@dataclass(frozen=True)
class Box:
    """One line of text the OCR found: its corners (x, y; clockwise from top left)."""

    points: tuple[tuple[float, float], ...]
    text: str
    score: float


def unavailable(what: str) -> OcrUnavailable:
    return OcrUnavailable(
        f"{what} needs OCR, which this installation of Linli does not include; "
        f"send the text instead, or ask the administrator to install it: {INSTALL_HINT}"
    )


def available() -> bool:
    """Whether the OCR runtime can be imported (without loading the models)."""
    try:
        _import_rapidocr()
    except ImportError:
        return False
    return True


def _import_rapidocr() -> Any:
    from rapidocr_onnxruntime import RapidOCR  # the ocr extra

    return RapidOCR


def _get_engine(what: str) -> Any:
    global _engine
    with _load_lock:
        if _engine is None:
            try:
                rapid_ocr = _import_rapidocr()
            except ImportError as exc:
                raise unavailable(what) from exc
            _engine = rapid_ocr()
        return _engine


def reset() -> None:
    """Forget the loaded engine (tests simulate an installation without the extra)."""
    global _engine
    with _load_lock:
        _engine = None


@contextmanager
def job(what: str) -> Iterator[Recogniser]:
    """The engine for one job, held until the job is done (other jobs wait their turn)."""
    engine = _get_engine(what)
    with _job_lock:
        yield Recogniser(engine)


class Recogniser:
    def __init__(self, engine: Any) -> None:
        self._engine = engine

    def __call__(self, image: Any) -> list[Box]:
        """The text lines found on one page image (a PIL image, RGB)."""
        result, _ = self._engine(image)
        return [
            Box(tuple((float(x), float(y)) for x, y in points), str(text), float(score))
            for points, text, score in result or ()
        ]

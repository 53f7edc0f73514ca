"""OCR for photos, image files and PDFs without a text layer: pages → boxes → text.

pages (decoding and capping images, rendering PDF pages) → engine (RapidOCR, one job at a
time) → layout (boxes into reading order and Markdown-headed text for the cleaning stage).
"""

from corpus.ingest.extract import IMAGE_SUFFIXES
from corpus.ingest.ocr.engine import OcrUnavailable, available
from corpus.ingest.ocr.read import (
    OcrText,
    Progress,
    UnsureLine,
    read_images,
    read_pdf_scan,
)

__all__ = [
    "IMAGE_SUFFIXES",
    "OcrText",
    "OcrUnavailable",
    "Progress",
    "UnsureLine",
    "available",
    "read_images",
    "read_pdf_scan",
]

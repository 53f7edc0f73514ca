"""How much of its text one issue shares with another: the same issue from another source.

A photo, a scan and the editor's text file of one issue never have the same bytes, nor
the same characters (OCR misreads a few, drops spaces, reads furniture the text file
lacks), so the same issue is recognised by the Jaccard similarity of the texts'
character shingles: runs of a few characters, punctuation and spacing ignored. A
misread character changes only the shingles around it; two different issues of one
paper share little beyond their masthead and the street's name.
"""

from __future__ import annotations

import re

SHINGLE = 4
_KEEP = re.compile(r"[^0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff]+")


def shingles(text: str, size: int = SHINGLE) -> frozenset[str]:
    """The distinct runs of ``size`` characters of the text's letters, digits and ideographs."""
    chars = _KEEP.sub("", text).lower()
    if len(chars) < size:
        return frozenset({chars}) if chars else frozenset()
    return frozenset(chars[i : i + size] for i in range(len(chars) - size + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b|, 0 for two empty sets."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def similarity(a: str, b: str) -> float:
    """The shingle Jaccard similarity of two texts, 0 (nothing shared) to 1."""
    return jaccard(shingles(a), shingles(b))

"""Text normalisation shared by passages and questions.

Three steps, in this order: Unicode NFKC (full-width letters, digits and
punctuation become half-width), traditional → simplified Chinese with
OpenCC ``t2s``, and lower-casing. Residents write in either script and on
phones that emit full-width characters; the newspaper is simplified, so
both sides must meet in one form before tokenisation.

:func:`normalize` is the fast path used for indexing and queries.
:func:`normalize_with_offsets` produces the same text together with, for
every normalised character, the span of the original text it came from, so
that snippets can mark matches in the text the resident actually sees.
"""

from __future__ import annotations

import importlib.metadata
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import opencc

_converter: opencc.OpenCC | None = None
_converter_lock = threading.Lock()


def _t2s() -> opencc.OpenCC:
    # Loading the dictionaries takes tens of milliseconds; one converter serves
    # every thread (OpenCC's Converter is thread-safe, BYVoid/OpenCC#231).
    global _converter
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                _converter = opencc.OpenCC("t2s")
    return _converter


# Characters that are their own NFKC, never combine with a neighbour (no combining class,
# not the second part of any composition) and so leave a text made of them alone: ASCII
# and C1 controls, the dashes, quotes and bullet of General Punctuation, CJK punctuation
# before the combining tone marks, and the CJK ideographs. tests/retrieval/test_normalize.py
# checks every one against unicodedata.
INERT = "\x00-\x9f\xb7\xd7\xf7\u2010\u2012-\u2016\u2018-\u2023\u2027\u2030\u3001-\u3029\u3400-\u4dbf\u4e00-\u9fff"
_NOT_INERT = re.compile(f"[^{INERT}]")


class _NfkcOfCharacter(dict[str, str]):
    """Character -> its NFKC alone, filled on first use."""

    def __missing__(self, ch: str) -> str:
        out = self[ch] = unicodedata.normalize("NFKC", ch)
        return out


_NFKC_OF_CHARACTER = _NfkcOfCharacter()


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, without its slow path for most texts.

    Newspaper text is rarely NFKC as it stands (full-width commas), and then unicodedata
    decomposes and recomposes all of it. Replacing a character by its own NFKC leaves the
    text's NFKD, and so its NFKC, unchanged; after the few distinct characters outside
    :data:`INERT` are replaced, the text usually passes unicodedata's quick check, which
    returns it as it is, and otherwise the full normalisation still gives the exact result.
    """
    found = _NOT_INERT.findall(text)
    if not found:
        return text
    table = _NFKC_OF_CHARACTER
    for ch in set(found):
        out = table[ch]
        if out != ch:
            text = text.replace(ch, out)
    return unicodedata.normalize("NFKC", text)


T2S_TRIGGERS_FILE = Path(__file__).resolve().parent / "data" / "t2s_triggers.txt"


@cache
def _t2s_trigger() -> re.Pattern[str] | None:
    """A pattern for the characters OpenCC's t2s may change (None: any may).

    ``data/t2s_triggers.txt`` lists them for the OpenCC version its first line names
    (tests/retrieval/t2s_triggers.py builds it from that version's dictionaries);
    with another version every text is converted.
    """
    header, *lines = T2S_TRIGGERS_FILE.read_text(encoding="utf-8").splitlines()
    if header.split()[:3] != ["#", "OpenCC", importlib.metadata.version("OpenCC")]:
        return None
    # re compiles a class of BMP characters into a bitmap, but lists characters beyond
    # it one by one (slow to build and to search): any of those is a trigger instead.
    bmp = sorted({ch for ch in "".join(lines) if ch <= "\uffff"})
    return re.compile("[" + "".join(bmp) + "\U00010000-\U0010ffff]")


def simplified(text: str) -> str:
    """OpenCC's t2s of ``text``, skipped for a text with no character it could change."""
    trigger = _t2s_trigger()
    if trigger is not None and trigger.search(text) is None:
        return text
    return _t2s().convert(text)


def normalize(text: str) -> str:
    """Return ``text`` in NFKC, simplified Chinese and lower case."""
    return simplified(nfkc(text)).lower()


# Texts whose every character normalises to one character in place, by itself: the
# inert ones (their own NFKC, never composing) and the full-width forms of ASCII and
# the ideographic space (NFKC: one ASCII character each, which composes with nothing
# here). Then only OpenCC could move characters, and does so only by changing the length.
ONE_FOR_ONE = re.compile(f"[{INERT}\uff01-\uff5e\u3000]*")
# CJK ideographs (the unified ones and extension A): what keeps_ideographs keeps.
IDEOGRAPHS = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]+")


def keeps_ideographs(text: str) -> bool:
    """Whether :func:`normalize` leaves every CJK ideograph of ``text`` where it stands
    and makes no other character one (so a run of ideographs is in the normalised text
    exactly where it is in ``text``: found without normalising ``text``).

    True for a text of :data:`ONE_FOR_ONE` characters that OpenCC's t2s leaves alone:
    NFKC then replaces characters one for one, each inert one by itself and each
    full-width form by ASCII, and lower-casing makes none of them an ideograph. Most
    newspaper text: its only characters outside :data:`INERT` are full-width punctuation.
    """
    if ONE_FOR_ONE.fullmatch(text) is None:
        return False
    trigger = _t2s_trigger()
    return trigger is not None and trigger.search(text) is None


@cache
def ideograph_keepers() -> np.ndarray | None:
    """Per code point of the BMP, whether :func:`keeps_ideographs` holds for it alone
    (None: for no text, OpenCC being another version than the triggers were listed for).

    Both of its tests are character classes, so a text keeps its ideographs exactly when
    every character does, none beyond the BMP (all t2s triggers): a whole corpus is
    checked with numpy instead of two regular expressions a passage.
    """
    trigger = _t2s_trigger()
    if trigger is None:
        return None
    bmp = [chr(code) for code in range(0x10000)]
    return np.fromiter(
        (ONE_FOR_ONE.fullmatch(ch) is not None and trigger.search(ch) is None for ch in bmp),
        dtype=bool,
        count=len(bmp),
    )


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A normalised string and where each of its characters came from.

    Attributes:
        text: the normalised text (equal to :func:`normalize` of the original
            except for rare Unicode compositions across characters).
        starts: ``starts[i]`` is the offset in the original text of the
            character(s) that produced ``text[i]``.
        ends: ``ends[i]`` is the end offset of that original span.
        original_length: length of the original text.
        identity: every character maps to itself (offsets need no map).
    """

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    original_length: int

    @property
    def identity(self) -> bool:
        """Whether every character maps to the one at the same offset (offsets need no map)."""
        n = self.original_length
        return (
            len(self.text) == n
            and self.starts == tuple(range(n))
            and self.ends == tuple(range(1, n + 1))
        )

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalised slice ``[start, end)`` to an original slice."""
        if start >= end:
            at = self.starts[start] if start < len(self.starts) else self.original_length
            return at, at
        return self.starts[start], self.ends[end - 1]


class _NfkcByCharacter(dict[int, str]):
    """Code point -> its NFKC alone, filled on first use (a ``str.translate`` table)."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        # A combining mark belongs to the character before it (the slow path's rule):
        # "" makes the comparison below fail for any text that has one.
        out = self[code] = "" if unicodedata.combining(ch) else unicodedata.normalize("NFKC", ch)
        return out


_NFKC_BY_CHARACTER = _NfkcByCharacter()


def _by_character(match: re.Match[str]) -> str:
    return match.group().translate(_NFKC_BY_CHARACTER)


def _nfkc_with_offsets(text: str) -> tuple[str, list[int], list[int]]:
    n = len(text)
    if _NOT_INERT.search(text) is None or unicodedata.is_normalized("NFKC", text):
        return text, list(range(n)), list(range(1, n + 1))
    # Most texts only have characters replaced one for one (full-width punctuation):
    # then normalising each character alone gives the same text, of the same length.
    whole = nfkc(text)
    if len(whole) == n and _NOT_INERT.sub(_by_character, text) == whole:
        return whole, list(range(n)), list(range(1, n + 1))
    return _nfkc_by_segment(text)


def _nfkc_by_segment(text: str) -> tuple[str, list[int], list[int]]:
    # Normalise each starter together with its combining marks, so every output
    # character can be attributed to one original span (NFKC may expand "…" to
    # "..." or fold "e" + U+0301 into "é").
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        out = unicodedata.normalize("NFKC", text[i:j])
        pieces.append(out)
        starts.extend([i] * len(out))
        ends.extend([j] * len(out))
        i = j
    return "".join(pieces), starts, ends


def normalize_with_offsets(text: str) -> NormalizedText:
    """Normalise ``text`` like :func:`normalize` and keep a character mapping."""
    norm, starts, ends = _nfkc_with_offsets(text)

    converter = _t2s()
    converted = simplified(norm)
    if len(converted) != len(norm):
        # Phrase tables may change length; character by character keeps the map.
        pieces, new_starts, new_ends = [], [], []
        for ch, s, e in zip(norm, starts, ends, strict=True):
            out = converter.convert(ch)
            pieces.append(out)
            new_starts.extend([s] * len(out))
            new_ends.extend([e] * len(out))
        converted, starts, ends = "".join(pieces), new_starts, new_ends

    lowered = converted.lower()
    if len(lowered) != len(converted):
        # A few letters lower-case to two characters ("İ" → "i̇").
        pieces, new_starts, new_ends = [], [], []
        for ch, s, e in zip(converted, starts, ends, strict=True):
            out = ch.lower()
            pieces.append(out)
            new_starts.extend([s] * len(out))
            new_ends.extend([e] * len(out))
        lowered, starts, ends = "".join(pieces), new_starts, new_ends

    return NormalizedText(lowered, tuple(starts), tuple(ends), len(text))

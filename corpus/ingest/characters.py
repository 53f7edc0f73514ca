"""Character-level normalisation of OCR'd Chinese text (pure functions, no I/O).

Invisible and control characters out, full-width letters and digits to ASCII, ASCII
punctuation between Chinese characters to full width, and the spaces OCR puts inside
Chinese words collapsed; plus the small predicates the cleaning stages share.
"""

from __future__ import annotations

import re

# Ideographs only, and the wider "CJK context" that also counts full-width
# punctuation, curly quotes, ellipses and dashes as Chinese text.
IDEO = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK = IDEO + "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\uff00-\uffef\u2014\u2018-\u201f\u2026\u00b7"
IDEO_RE = re.compile(f"[{IDEO}]")

SENTENCE_FINAL = "。！？!?；;…"
CLOSERS = "”’」』）)》】\"'"
# A paragraph ending with one of these is complete (a colon introduces a list that
# legitimately starts a new paragraph).
_COMPLETE_END = SENTENCE_FINAL + "：:"
CLAUSE_END = "，,、：:—"


# --- character-level normalisation ------------------------------------------------

_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
_FULLWIDTH_ALNUM = {
    **{0xFF10 + i: 0x30 + i for i in range(10)},
    **{0xFF21 + i: 0x41 + i for i in range(26)},
    **{0xFF41 + i: 0x61 + i for i in range(26)},
}


def prepare_text(text: str) -> str:
    """Unify line breaks, drop invisible characters, use ASCII for full-width digits and letters.

    Markup such as ``<b>`` is left alone: uploads are text extracted from PDFs, so
    anything that looks like HTML is literally printed and is kept verbatim.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub("[\u2028\u2029\x0c\x0b]", "\n\n", text)
    text = _ZERO_WIDTH.sub("", _CONTROL.sub("", text))
    text = text.translate(_FULLWIDTH_ALNUM)
    return re.sub("[\u00a0\u3000\t\u2002-\u200a]", " ", text)


_ASCII_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
_PUNCT = re.compile(r"\s*([,:;?!])\s*")
_PAREN_PAIR = re.compile(r"[(（]([^()（）\n]{0,80})[)）]")
_ASCII_QUOTES = re.compile(rf'"([^"\n]*[{IDEO}][^"\n]*)"')
_CJK_CHAR = re.compile(f"[{_CJK}]")


def _is_cjk(ch: str) -> bool:
    return bool(ch) and _CJK_CHAR.match(ch) is not None


def normalize_punctuation(line: str) -> str:
    """Use full-width Chinese punctuation next to Chinese text, ASCII elsewhere.

    ``,:;?!`` become ``，：；？！`` when a neighbour is Chinese (``12:30`` and
    ``http://`` stay), brackets and straight double quotes around Chinese become
    ``（）`` and ``“”``.
    """

    def punct(m: re.Match[str]) -> str:
        mark = m.group(1)
        before = line[m.start() - 1] if m.start() > 0 else ""
        after = line[m.end()] if m.end() < len(line) else ""
        if mark in ",:" and before.isdigit() and after.isdigit():
            return m.group(0)
        if _is_cjk(before) or _is_cjk(after):
            return _ASCII_TO_FULL[mark]
        return m.group(0)

    line = _PUNCT.sub(punct, line)

    def paren(m: re.Match[str]) -> str:
        before = line[m.start() - 1] if m.start() > 0 else ""
        after = line[m.end()] if m.end() < len(line) else ""
        inner = m.group(1)
        if IDEO_RE.search(inner) or _is_cjk(before) or _is_cjk(after):
            return f"（{inner.strip()}）"
        return f"({inner})"

    line = _PAREN_PAIR.sub(paren, line)
    return _ASCII_QUOTES.sub(r"“\1”", line)


_SPACE_RUN = re.compile(r"\s+")
# Spaces that never mean anything in Chinese: next to a digit or inside brackets/quotes.
_OPEN = "“‘（《「『【"
_TIGHT = "”’）》」』】，。：；！？、"


def collapse_spaces(line: str, *, keep_word_spaces: bool = False) -> str:
    """Collapse whitespace the way Chinese typesetting expects.

    Whitespace between Chinese text and digits (``成立 98 周年``) always goes, as
    does whitespace next to Chinese punctuation; a single space is kept between
    Latin words and between Chinese and Latin.  Between two Chinese characters it
    goes in body text but is kept when ``keep_word_spaces`` is set, because in
    headlines, captions and bylines it separates the parts (``万众建我家 同心筑凉城``,
    ``党建办 杜嵩``).
    """
    line = line.strip()
    if not line:
        return ""

    def space(m: re.Match[str]) -> str:
        before = line[m.start() - 1] if m.start() > 0 else ""
        after = line[m.end()] if m.end() < len(line) else ""
        if not before or not after:
            return ""
        b_cjk, a_cjk = _is_cjk(before), _is_cjk(after)
        if (b_cjk and after.isdigit()) or (before.isdigit() and a_cjk):
            return ""
        if before in _OPEN or after in _TIGHT:
            return ""
        if b_cjk and a_cjk:
            return " " if keep_word_spaces else ""
        return " "

    return _SPACE_RUN.sub(space, line)


def join_fragments(first: str, second: str) -> str:
    """Join two pieces of one paragraph: no space in Chinese, one between Latin words."""
    if first and second and first[-1].isascii() and first[-1].isalnum() and second[0].isascii():
        return f"{first} {second}"
    return first + second


def is_complete(text: str) -> bool:
    """Whether a paragraph ends a sentence (or a colon that introduces a list)."""
    stripped = text.rstrip().rstrip(CLOSERS).rstrip()
    return bool(stripped) and stripped[-1] in _COMPLETE_END


def ideograph_count(text: str) -> int:
    return len(IDEO_RE.findall(text))

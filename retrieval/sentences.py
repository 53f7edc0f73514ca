"""Sentence and clause boundaries for Chinese (and mixed) text.

One splitter serves the corpus (packing passages of whole sentences) and
retrieval (choosing snippet windows), so a passage boundary is always a
snippet boundary too.
"""

from __future__ import annotations

import re

# Closing quotes/brackets that belong to the sentence they end: 。” stays together.
_CLOSERS = "”’」』）)》】\"'"
_SENTENCE_END = re.compile(rf"[。！？!?；;]+[{re.escape(_CLOSERS)}]*")
_CLAUSE_END = re.compile(rf"(?:[。！？!?；;，,：:、]+|…+)[{re.escape(_CLOSERS)}]*")


# A title in 《》 is a name, whatever punctuation it holds (《卡拉OK.LIVE！‧台北‧我》,
# 《CDTV×Sacas！》): no sentence or clause ends inside one that closes soon after.
_TITLE_SPAN = 40


def _in_title(text: str, at: int) -> bool:
    opened = text.rfind("《", max(0, at - _TITLE_SPAN), at)
    if opened < 0 or "》" in text[opened:at]:
        return False
    return "》" in text[at : at + _TITLE_SPAN]


def _split(text: str, pattern: re.Pattern[str]) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in pattern.finditer(text):
        if _in_title(text, match.start()):
            continue
        end = match.end()
        piece = text[start:end].strip()
        if piece:
            pieces.append(piece)
        start = end
    tail = text[start:].strip()
    if tail:
        pieces.append(tail)
    return pieces


def split_sentences(text: str) -> list[str]:
    """Split ``text`` after sentence-final punctuation (。！？!?；;).

    Closing quotes and brackets stay with the sentence they close; punctuation inside a
    《title》 ends nothing. Text without final punctuation is returned as one sentence.
    """
    return _split(text, _SENTENCE_END)


def split_clauses(text: str) -> list[str]:
    """Split ``text`` after sentence or clause punctuation (also ，,：:、)."""
    return _split(text, _CLAUSE_END)

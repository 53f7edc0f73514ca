"""Packing an article's paragraphs into retrieval passages of whole sentences.

A passage is what BM25 scores and what the bot quotes from, so it never cuts a
sentence (the same :func:`retrieval.sentences.split_sentences` that chooses
snippets draws the boundaries).  Passages prefer to end where a paragraph ends
once they hold ``min_chars``; shorter paragraphs (a subhead, a one-line item) are
packed with the ones after them.  Within a passage, sentences of one paragraph
are joined as they were and paragraphs are separated by a newline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.sentences import split_sentences


def _size(text: str) -> int:
    """Length that counts: characters other than whitespace."""
    return sum(1 for ch in text if not ch.isspace())


def _glue(before: str, after: str) -> str:
    """Separator between two sentences of one paragraph: a space only between Latin words."""
    if before[-1].isascii() and after[0].isascii() and after[0].isalnum():
        return " "
    return ""


@dataclass
class _Passage:
    text: str
    size: int
    opens_paragraph: bool  # starts at a paragraph boundary, so it joins with a newline


# How much longer than a passage a "sentence" may be before it is cut: a real sentence of
# a few hundred characters stays whole; text without sentence punctuation (an OCR dump)
# would otherwise be one passage of megabytes, tokenised again for every answer quoting it.
LONG_SENTENCE = 2
_CLAUSE_ENDS = "，、,；; "


def _cut(sentence: str, max_chars: int) -> list[str]:
    """``sentence``, or its pieces of at most ``max_chars`` if it runs past LONG_SENTENCE times that.

    Cut after the last clause mark (，、；) of each piece where there is one, else hard.
    """
    if len(sentence) <= LONG_SENTENCE * max_chars:
        return [sentence]
    pieces: list[str] = []
    rest = sentence
    while len(rest) > max_chars:
        window = rest[:max_chars]
        cut = max(window.rfind(mark) for mark in _CLAUSE_ENDS)
        cut = cut + 1 if cut >= max_chars // 2 else max_chars
        pieces.append(rest[:cut])
        rest = rest[cut:]
    if rest.strip():
        pieces.append(rest)
    return [p for p in pieces if p.strip()]


def split_passages(
    paragraphs: Sequence[str], *, min_chars: int = 60, max_chars: int = 300
) -> list[str]:
    """Pack ``paragraphs`` (of one article) into passages of about min–max characters.

    Sentences are packed in order and never cut; a sentence longer than
    ``max_chars`` is a passage of its own.  A passage that has reached
    ``min_chars`` ends with its paragraph; a shorter one takes in the next
    paragraph.  A last passage under ``min_chars`` joins the one before it when
    the two fit in ``max_chars``.
    """
    done: list[_Passage] = []
    parts: list[str] = []
    size = 0
    opens = True

    def flush() -> None:
        nonlocal parts, size
        if parts:
            done.append(_Passage("".join(parts), size, opens))
        parts, size = [], 0

    for paragraph in paragraphs:
        sentences = [
            piece for sentence in split_sentences(paragraph) for piece in _cut(sentence, max_chars)
        ]
        if not sentences:
            continue
        if parts and size >= min_chars:
            flush()
        for index, sentence in enumerate(sentences):
            n = _size(sentence)
            if parts and size + n > max_chars:
                flush()
            if not parts:
                opens = index == 0
                parts.append(sentence)
            else:
                parts.append(("\n" if index == 0 else _glue(parts[-1], sentence)) + sentence)
            size += n
            if size > max_chars:
                flush()
    flush()

    if len(done) >= 2 and done[-1].size < min_chars and done[-2].size + done[-1].size <= max_chars:
        tail = done.pop()
        head = done[-1]
        sep = "\n" if tail.opens_paragraph else _glue(head.text, tail.text)
        done[-1] = _Passage(
            head.text + sep + tail.text, head.size + tail.size, head.opens_paragraph
        )
    return [passage.text for passage in done]


_SUBHEAD_MAX = 30
_SENTENCE_FINAL = tuple("。！？；：…!?;:")
_CLOSERS = "”」』）)\"'"


def is_subhead(paragraph: str) -> bool:
    """A short paragraph with no sentence-final punctuation: an inner subhead of a feature."""
    text = paragraph.strip()
    # 网格助力“悬空老人”圆“加梯梦” ends in a quote but is a heading; “…太划算啦！” is not.
    return 0 < len(text) <= _SUBHEAD_MAX and not text.rstrip(_CLOSERS).endswith(_SENTENCE_FINAL)


def split_sections(
    paragraphs: Sequence[str], *, min_chars: int = 60, max_chars: int = 300
) -> list[tuple[str, list[str]]]:
    """Passages grouped under the subhead they follow: ``[(subhead or "", passages)]``.

    A long feature's subheads (e.g. 网格助力“悬空老人”圆“加梯梦”) say what each part is
    about; they become the passages' heading instead of being glued into their text.
    """
    sections: list[tuple[str, list[str]]] = []
    heading = ""
    body: list[str] = []

    def flush() -> None:
        passages = split_passages(body, min_chars=min_chars, max_chars=max_chars)
        if passages:
            sections.append((heading, passages))

    for paragraph in paragraphs:
        if is_subhead(paragraph):
            flush()
            heading, body = paragraph.strip(), []
        else:
            body.append(paragraph)
    flush()
    return sections

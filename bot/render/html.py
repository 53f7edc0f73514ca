"""Rendering replies for Telegram: pure functions from composed lines to HTML messages.

Every piece of newspaper and user text is escaped; bold comes only from the composer's
pieces, so a quote can never inject markup. Messages never exceed Telegram's 4,096
characters and are split between lines or sentences, never inside a tag.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from corpus.api import Line, Piece, split_clauses, split_sentences

TELEGRAM_LIMIT = 4096


def escape(text: object) -> str:
    """Text for Telegram HTML: the one escape every reply uses (quotes need none there)."""
    return html.escape(str(text), quote=False)


def piece_html(piece: Piece) -> str:
    text = escape(piece.text)
    return f"<b>{text}</b>" if piece.bold and text else text


def line_html(line: Line) -> str:
    return "".join(piece_html(p) for p in line)


def _split_text(text: str, limit: int) -> list[str]:
    """Cut plain text into parts ≤ limit at sentence, then clause, then hard boundaries."""
    parts: list[str] = []
    for unit in split_sentences(text) or [text]:
        subunits = [unit] if len(unit) <= limit else (split_clauses(unit) or [unit])
        for sub in subunits:
            while len(sub) > limit:
                parts.append(sub[:limit])
                sub = sub[limit:]
            if parts and len(parts[-1]) + len(sub) <= limit:
                parts[-1] += sub
            else:
                parts.append(sub)
    return parts


def _fit_line(line: Line, limit: int) -> list[Line]:
    """Split one over-long line into several, each rendering to ≤ limit characters.

    Escaping can triple a character (``&`` → ``&amp;``), so the plain budget is a third
    of the limit less the room for a bold tag pair.
    """
    if len(line_html(line)) <= limit:
        return [line]
    budget = max(1, (limit - 7) // 5)
    out: list[Line] = []
    current: list[Piece] = []
    size = 0
    for piece in line:
        for part in _split_text(piece.text, budget):
            rendered = len(piece_html(Piece(part, piece.bold)))
            if current and size + rendered > limit:
                out.append(tuple(current))
                current, size = [], 0
            current.append(Piece(part, piece.bold))
            size += rendered
    if current:
        out.append(tuple(current))
    return out


def to_messages(lines: Sequence[Line], *, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Render lines as HTML messages of at most ``limit`` characters each.

    Messages break between lines, preferring blank lines (paragraphs); a line longer
    than a message is split between sentences.
    """
    fitted: list[Line] = [part for line in lines for part in _fit_line(line, limit)]
    messages: list[str] = []
    current: list[str] = []
    size = 0
    for line in fitted:
        rendered = line_html(line)
        extra = len(rendered) + (1 if current else 0)
        if current and size + extra > limit:
            # Prefer to break at the last blank line so a quote and its source stay together.
            if "" in current[1:]:
                cut = len(current) - 1 - current[::-1].index("")
                head, tail = current[:cut], current[cut + 1 :]
                if head:
                    messages.append("\n".join(head).strip("\n"))
                    current = tail
                    size = len("\n".join(current))
                    extra = len(rendered) + (1 if current else 0)
            if current and size + extra > limit:
                messages.append("\n".join(current).strip("\n"))
                current, size = [], 0
                extra = len(rendered)
        current.append(rendered)
        size += extra
    if current:
        text = "\n".join(current).strip("\n")
        if text:
            messages.append(text)
    return [m for m in messages if m.strip()]


def to_plain_messages(lines: Sequence[Line], *, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """The same split as :func:`to_messages`, without markup (the fallback when HTML is refused)."""
    plain_lines: list[Line] = [tuple(Piece(p.text) for p in line) for line in lines]
    return [html.unescape(m) for m in to_messages(plain_lines, limit=limit)]


def text_lines(text: str) -> list[Line]:
    """Plain text (e.g. a full article) as lines without bold."""
    return [(Piece(line),) if line else () for line in text.split("\n")]

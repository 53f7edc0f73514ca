"""The reply a resident reads, as lines of plain and bold pieces (markup-free, easy to test).

The bot turns these lines into HTML and `linli ask` prints them as they are, so the
text a resident sees in Telegram and `answer_text` in JSON are the same by construction.
"""

from __future__ import annotations

from collections.abc import Sequence

from corpus.answer.types import PAGE_SIZE, Answer, Lang, Line, Piece, Source

_LABELS: dict[Lang, dict[str, str]] = {
    "zh": {
        "answer": "答：",
        "no_date": "报道里没有写明具体日期。",
        "no_value": "报道里没有直接写明，请看下面的原文。",
        "year_note": "（年份按期号推断）",
        "not_found": "没有在社区报里找到与“{query}”相关的内容。",
        "not_found_in_scope": "在{scope}的社区报里没有找到与“{query}”相关的内容。",
        "scope_empty": "库里没有{scope}的社区报。",
        "scope": "（只查了{scope}的社区报）",
        "scope_first": "（先查了{scope}的社区报）",
        "caption": "〔图片说明〕",
        "rephrase": "可以换个说法再问（比如写上小区、活动或单位的名字），或者发 /latest 看看最近几期都写了什么。",
        "empty": "请直接输入您的问题，例如：{example}",
        "truncated": "（问题太长，只按前面一部分查找。）",
        "page": "第{page}/{pages}页",
        "about": "关于 {topic}：",
    },
    "en": {
        "answer": "Answer: ",
        "no_date": "The article does not give an exact date.",
        "no_value": "The article does not say it directly; see the quotes below.",
        "year_note": " (year inferred from the issue date)",
        "not_found": "Nothing in the community newspapers matches “{query}”.",
        "not_found_in_scope": "Nothing in the {scope} community newspapers matches “{query}”.",
        "scope_empty": "No community newspaper of {scope} is stored.",
        "scope": "(Searched only the {scope} community newspapers.)",
        "scope_first": "(Looked first in the {scope} community newspapers.)",
        "caption": "[photo caption] ",
        "rephrase": "Try other words (a compound, event or organisation name helps), or send /latest to see the newest issues.",
        "empty": "Just type your question, for example: {example}",
        "truncated": "(Your question was long; only its first part was used.)",
        "page": "page {page}/{pages}",
        "about": "About {topic}:",
    },
}
_ICONS = {"when": "📅", "number": "🔢", "who": "👤", "where": "📍", "which": "📋", "name": "🏷️"}
EXAMPLES = {
    "zh": "世纪同乐小区什么时候清理楼道堆物？",
    "en": "when was the elevator meeting",
}


def label(lang: Lang, key: str, **values: object) -> str:
    return _LABELS[lang][key].format(**values)


def format_issue_date(date: str, lang: Lang) -> str:
    """ "2019-07" → 2019年7月 / July 2019; "2019-07-05" → 2019年7月5日 / 5 July 2019."""
    parts = [int(p) for p in date.split("-") if p.isdigit()]
    if len(parts) < 2:
        return date
    months = (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    )  # fmt: skip
    if lang == "en":
        text = f"{months[parts[1] - 1]} {parts[0]}"
        return f"{parts[2]} {text}" if len(parts) > 2 else text
    text = f"{parts[0]}年{parts[1]}月"
    return f"{text}{parts[2]}日" if len(parts) > 2 else text


def source_line(source: Source, lang: Lang) -> str:
    """publication · street · issue date · article title."""
    return " · ".join(
        [
            source.issue.publication,
            source.issue.street,
            format_issue_date(source.issue.date, lang),
            source.article_title + (f" › {source.heading}" if source.heading else ""),
        ]
    )


def marked_pieces(text: str, spans: Sequence[tuple[int, int]]) -> list[Piece]:
    """``text`` split into plain and bold pieces at the given (start, end) spans."""
    pieces: list[Piece] = []
    cursor = 0
    for start, end in sorted(spans):
        start, end = max(start, cursor), min(end, len(text))
        if start >= end:
            continue
        if start > cursor:
            pieces.append(Piece(text[cursor:start]))
        pieces.append(Piece(text[start:end], bold=True))
        cursor = end
    if cursor < len(text):
        pieces.append(Piece(text[cursor:]))
    return pieces


def _direct_line(answer: Answer) -> Line | None:
    direct = answer.direct
    if direct is None:
        return None
    icon = _ICONS[direct.kind]
    value = answer.direct_answer
    if value is None:
        key = "no_date" if direct.kind == "when" else "no_value"
        if direct.kind != "when":
            return None  # only a missing date is worth saying; other kinds just show quotes
        return (Piece(f"{icon} {label(answer.lang, key)}"),)
    note = label(answer.lang, "year_note") if direct.year_inferred else ""
    return (Piece(f"{icon} {label(answer.lang, 'answer')}"), Piece(value, bold=True), Piece(note))


def answer_lines(answer: Answer, page: int = 0) -> list[Line]:
    """The reply for one page of results, as lines of pieces (blank lines are empty tuples)."""
    lang = answer.lang
    if answer.status == "empty":
        return [(Piece(label(lang, "empty", example=EXAMPLES[lang])),)]
    lines: list[Line] = []
    if answer.truncated:
        lines += [(Piece(label(lang, "truncated")),), ()]
    if answer.about and page == 0:
        lines.append((Piece(label(lang, "about", topic=answer.about), bold=True),))
    if answer.status == "not_found" and answer.scope:
        key = "scope_empty" if answer.scope_empty else "not_found_in_scope"
        lines.append((Piece(label(lang, key, scope=answer.scope, query=_clip(answer.query, 40))),))
        lines.append((Piece(label(lang, "rephrase")),))
        return lines
    if answer.status == "not_found":
        lines.append((Piece(label(lang, "not_found", query=_clip(answer.query, 40))),))
        lines.append((Piece(label(lang, "rephrase")),))
        return lines
    page = max(0, min(page, answer.pages - 1))
    if answer.scope and page == 0:
        key = "scope" if answer.scope_strict else "scope_first"
        lines += [(Piece(label(lang, key, scope=answer.scope)),), ()]
    direct = _direct_line(answer) if page == 0 else None
    if direct:
        lines += [direct, ()]
    first = page * PAGE_SIZE
    for number, quote in enumerate(answer.quotes[first : first + PAGE_SIZE], start=first + 1):
        label_ = label(lang, "caption") if quote.caption else ""
        snippet = [
            Piece(f"{number}. {label_}“"),
            *marked_pieces(quote.snippet, quote.spans),
            Piece("”"),
        ]
        lines.append(tuple(snippet))
        lines.append((Piece("—— " + source_line(quote.source, lang)),))
        lines.append(())
    if answer.pages > 1:
        lines.append((Piece(label(lang, "page", page=page + 1, pages=answer.pages)),))
    while lines and lines[-1] == ():
        lines.pop()
    return lines


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain_text(lines: Sequence[Line]) -> str:
    return "\n".join("".join(p.text for p in line) for line in lines)

"""Rendering for staff: previews, the issue list and the confirm/cancel keyboard."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.render.html import escape as _e
from bot.texts import t
from corpus.api import IssueInfo, Lang, Preview, format_issue_date

PREVIEW_TITLES = 12
UNSURE_SHOWN = 8
SAMPLE_CHARS = 160
ISSUES_SHOWN = 20


def issue_label(publication: str, street: str, date: str, title: str, lang: Lang) -> str:
    """publication · street · date · title, as plain text."""
    return " · ".join(
        part for part in (publication, street, format_issue_date(date, lang), title) if part
    )


def info_label(info: IssueInfo, lang: Lang) -> str:
    return issue_label(info.publication, info.street, info.date, info.title, lang)


def _clip(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit] + "…"


def render_preview(preview: Preview, lang: Lang) -> str:
    """The preview staff confirm: metadata, articles, passage count, a sample, what it would do."""
    p = preview.prepared
    head = {
        "new": "preview_new",
        "correction": "preview_correction",
        "duplicate": "preview_duplicate",
    }[preview.check]
    lines = [
        f"<b>{_e(t(lang, head))}</b>",
        _e(issue_label(p.publication, p.street, p.date, "", lang)),
        _e(t(lang, "preview_title", title=p.title)),
    ]
    if p.source_name:
        lines.append(_e(t(lang, "preview_file", name=p.source_name)))
    lines += ["", _e(t(lang, "preview_articles", n=len(p.articles)))]
    lines += [
        f"{i}. {_e(_clip(a.title, 60))}" for i, a in enumerate(p.articles[:PREVIEW_TITLES], 1)
    ]
    if len(p.articles) > PREVIEW_TITLES:
        lines.append(_e(t(lang, "preview_more_articles", n=len(p.articles) - PREVIEW_TITLES)))
    sample = p.articles[0].passages[0][1] if p.articles and p.articles[0].passages else ""
    lines += ["", _e(t(lang, "preview_passages", n=p.passage_count))]
    lines.append(f"<i>“{_e(_clip(sample, SAMPLE_CHARS))}”</i>")
    lines += _ocr_lines(preview, lang)
    existing = preview.existing
    notes: list[str] = []
    if preview.similarity is not None and existing is not None and preview.check != "new":
        key = "preview_similar_duplicate" if preview.check == "duplicate" else "preview_similar_note"
        notes.append(
            t(
                lang,
                key,
                id=existing.id,
                label=info_label(existing, lang),
                percent=round(100 * preview.similarity),
            )
        )
    elif preview.check == "duplicate" and existing is not None:
        notes.append(
            t(lang, "preview_duplicate_note", id=existing.id, label=info_label(existing, lang))
        )
    elif preview.check == "correction" and existing is not None:
        notes.append(
            t(lang, "preview_correction_note", id=existing.id, label=info_label(existing, lang))
        )
    for issue_id, n in sorted(preview.repeated.items()):
        notes.append(t(lang, "preview_repeated", n=n, id=issue_id))
    if preview.check != "duplicate":
        notes.append(t(lang, "preview_hint"))
    lines += [""] + [_e(note) for note in notes]
    return "\n".join(lines)


def _ocr_lines(preview: Preview, lang: Lang) -> list[str]:
    """For OCR'd pages: how many, and the lines the recogniser was unsure of."""
    if not preview.ocr_pages:
        return []
    lines = ["", _e(t(lang, "preview_ocr", pages=preview.ocr_pages))]
    if preview.unsure:
        lines.append(_e(t(lang, "preview_unsure", n=len(preview.unsure))))
        for page, text, score in preview.unsure[:UNSURE_SHOWN]:
            lines.append(f"• p{page} ({score:.0%}) <code>{_e(_clip(text, 60))}</code>")
        if len(preview.unsure) > UNSURE_SHOWN:
            lines.append(_e(t(lang, "preview_unsure_more", n=len(preview.unsure) - UNSURE_SHOWN)))
        lines.append(_e(t(lang, "preview_unsure_hint")))
    return lines


def render_remove(info: IssueInfo, lang: Lang) -> str:
    return _e(
        t(
            lang,
            "remove_preview",
            id=info.id,
            label=info_label(info, lang),
            articles=info.articles,
            passages=info.passages,
        )
    )


def render_issues(issues: list[IssueInfo], lang: Lang, limit: int = ISSUES_SHOWN) -> str:
    if not issues:
        return _e(t(lang, "issues_empty"))
    lines = [f"<b>{_e(t(lang, 'issues_head', total=len(issues)))}</b>"]
    lines += [
        _e(
            t(
                lang,
                "issues_line",
                id=i.id,
                label=info_label(i, lang),
                articles=i.articles,
                passages=i.passages,
            )
        )
        for i in issues[:limit]
    ]
    if len(issues) > limit:
        lines.append(t(lang, "issues_more", n=len(issues) - limit))
    return "\n".join(lines)


def confirm_keyboard(key: str, lang: Lang) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t(lang, "btn_confirm"), callback_data=callbacks.confirm(key)),
                InlineKeyboardButton(t(lang, "btn_cancel"), callback_data=callbacks.cancel(key)),
            ]
        ]
    )

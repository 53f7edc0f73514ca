"""Pure renderers for what opens and shares the paper: deep links, articles, /latest's
issue buttons, /settings, and inline mode's results."""

from __future__ import annotations

import urllib.parse

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.render.html import escape, text_lines
from bot.texts import t
from corpus.api import (
    ArticleView,
    IssueInfo,
    Lang,
    Line,
    Piece,
    Quote,
    format_issue_date,
    source_line,
)

# Characters of a button's label (Telegram shows about this many on a phone).
BUTTON_CHARS = 40
# Articles listed as buttons under one issue (Telegram allows 100 buttons a message).
ARTICLE_BUTTONS = 60


def deep_link(username: str, article_id: int) -> str:
    """``https://t.me/<bot>?start=a<article id>``: opens the article in a chat with the bot."""
    return f"https://t.me/{username}?start={callbacks.start_article(article_id)}"


def share_url(link: str, text: str) -> str:
    """Telegram's share dialog for ``link`` with ``text`` (the resident picks the chat)."""
    query = urllib.parse.urlencode({"url": link, "text": text})
    return f"https://t.me/share/url?{query}"


def clip(text: str, limit: int = BUTTON_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def issue_label(info: IssueInfo, lang: Lang) -> str:
    return f"{info.publication} · {info.street} · {format_issue_date(info.date, lang)}"


def article_lines(view: ArticleView, lang: Lang) -> list[Line]:
    """A whole article as printed: headline, subtitle, source, body, byline."""
    lines: list[Line] = [(Piece(view.source.article_title, bold=True),)]
    if view.subtitle:
        lines.append(text_lines(view.subtitle)[0])
    lines.append(text_lines("—— " + source_line(view.source, lang))[0])
    lines.append(())
    lines += text_lines(view.body)
    if view.byline:
        lines.append(text_lines(f"（{view.byline}）")[0])
    return lines


def latest_keyboard(issues: list[IssueInfo], lang: Lang) -> InlineKeyboardMarkup | None:
    """One button per issue of /latest, opening its article list."""
    if not issues:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(clip("📰 " + issue_label(info, lang)), callback_data=callbacks.issue(info.id))]
            for info in issues
        ]
    )


def issue_keyboard(articles: list[tuple[int, str]]) -> InlineKeyboardMarkup | None:
    """One button per article of an issue (the first ARTICLE_BUTTONS), opening it."""
    if not articles:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(clip(title or "…"), callback_data=callbacks.open_article(article_id))]
            for article_id, title in articles[:ARTICLE_BUTTONS]
        ]
    )


def settings_text(street: str | None, lang_choice: Lang | None, lang: Lang) -> str:
    """The /settings message (HTML): the resident's street and language."""
    street_text = street or t(lang, "street_any")
    lang_text = t(lang, f"lang_{lang_choice}") if lang_choice else t(lang, "lang_auto")
    return t(lang, "settings_head", street=escape(street_text), language=escape(lang_text))


def settings_menu(
    user_id: int, lang: Lang, notifications: bool | None = None
) -> InlineKeyboardMarkup:
    """The /settings buttons; the notifications switch only for a chat that follows topics
    (``notifications`` None: it follows nothing, so there is nothing to switch)."""
    rows = [
        [
            InlineKeyboardButton(t(lang, "btn_street"), callback_data=callbacks.settings(user_id, "S")),
            InlineKeyboardButton(t(lang, "btn_lang"), callback_data=callbacks.settings(user_id, "L")),
        ]
    ]
    if notifications is not None:
        label = t(lang, "btn_notify_on" if notifications else "btn_notify_off")
        flip = "n:off" if notifications else "n:on"
        rows.append([InlineKeyboardButton(label, callback_data=callbacks.settings(user_id, flip))])
    return InlineKeyboardMarkup(rows)


def street_choices(
    user_id: int, streets: list[tuple[str, int]], chosen: str | None, lang: Lang
) -> InlineKeyboardMarkup:
    """The streets the store holds (each by its newest issue's id), and "any street"."""
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if street == chosen else "") + clip(street),
                callback_data=callbacks.settings(user_id, f"s:{issue_id}"),
            )
        ]
        for street, issue_id in streets
    ]
    rows.append(
        [
            InlineKeyboardButton(
                ("✅ " if chosen is None else "") + t(lang, "btn_street_any"),
                callback_data=callbacks.settings(user_id, "s:0"),
            ),
            InlineKeyboardButton(t(lang, "btn_back"), callback_data=callbacks.settings(user_id, "m")),
        ]
    )
    return InlineKeyboardMarkup(rows)


def lang_choices(user_id: int, chosen: Lang | None, lang: Lang) -> InlineKeyboardMarkup:
    def choice(code: str, label: str) -> InlineKeyboardButton:
        mark = "✅ " if (chosen or "auto") == code else ""
        return InlineKeyboardButton(mark + label, callback_data=callbacks.settings(user_id, f"l:{code}"))

    return InlineKeyboardMarkup(
        [
            [choice("zh", t(lang, "lang_zh")), choice("en", t(lang, "lang_en"))],
            [choice("auto", t(lang, "lang_auto"))],
            [InlineKeyboardButton(t(lang, "btn_back"), callback_data=callbacks.settings(user_id, "m"))],
        ]
    )


def inline_message(quote: Quote, link: str | None, lang: Lang) -> str:
    """What choosing an inline result sends: the quote, its source, and a link to the article."""
    parts = [
        f"“{escape(quote.snippet)}”",
        "—— " + escape(source_line(quote.source, lang)),
    ]
    if link:
        parts.append(f'<a href="{escape(link)}">{escape(t(lang, "inline_read"))}</a>')
    return "\n".join(parts)


def inline_description(quote: Quote, lang: Lang) -> str:
    """The snippet and the source, as an inline result's grey lines."""
    return f"{clip(quote.snippet, 80)}\n{source_line(quote.source, lang)}"

"""The buttons under an answer: pages, the whole article of each quote, share, 👍/👎."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.render.links import deep_link, share_url
from bot.texts import t
from corpus.api import MAX_TOPIC_CHARS, PAGE_SIZE, Answer, Lang


def answer_keyboard(
    key: str | None, answer: Answer, page: int, lang: Lang, *, bot_username: str | None = None
) -> InlineKeyboardMarkup | None:
    """The buttons under one page of an answer.

    Args:
        key: the answer's saved state (None when it could not be saved: then only the
            share button, which needs none).
        bot_username: for the share button, a deep link to the page's first article.
    """
    if answer.status == "empty":
        return None
    # "Not found yet" is where following pays most: the next issue may cover it. Offered
    # only for a question short enough to be followed as it is.
    follow = []
    if key is not None and len(answer.query) <= MAX_TOPIC_CHARS:
        follow = [
            InlineKeyboardButton(
                t(lang, "follow_button"), callback_data=callbacks.follow_answer(key)
            )
        ]
    if not answer.found:
        return InlineKeyboardMarkup([follow]) if follow else None
    first = page * PAGE_SIZE
    shown = answer.quotes[first : first + PAGE_SIZE]
    share = None
    if bot_username and shown:
        link = deep_link(bot_username, shown[0].source.article_id)
        share = InlineKeyboardButton(
            t(lang, "share"), url=share_url(link, shown[0].source.article_title)
        )
    if key is None:
        return InlineKeyboardMarkup([[share]]) if share else None
    rows: list[list[InlineKeyboardButton]] = []
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(t(lang, "prev"), callback_data=callbacks.page(key, page - 1)))
    if page + 1 < answer.pages:
        nav.append(InlineKeyboardButton(t(lang, "more"), callback_data=callbacks.page(key, page + 1)))
    if nav:
        rows.append(nav)
    rows.append(
        [
            InlineKeyboardButton(
                t(lang, "full", n=first + i + 1), callback_data=callbacks.article(key, first + i)
            )
            for i in range(len(shown))
        ]
    )
    rows.append(
        [
            InlineKeyboardButton("👍", callback_data=callbacks.feedback(key, 1)),
            InlineKeyboardButton("👎", callback_data=callbacks.feedback(key, -1)),
            *([share] if share else []),
        ]
    )
    if follow:
        rows.append(follow)
    return InlineKeyboardMarkup(rows)

"""The buttons under an answer: pages, the whole article of each quote, 👍/👎."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.texts import t
from corpus.api import MAX_TOPIC_CHARS, PAGE_SIZE, Answer, Lang


def answer_keyboard(key: str, answer: Answer, page: int, lang: Lang) -> InlineKeyboardMarkup | None:
    if answer.status == "empty":
        return None
    # "Not found yet" is where following pays most: the next issue may cover it. Offered
    # only for a question short enough to be followed as it is.
    follow = []
    if len(answer.query) <= MAX_TOPIC_CHARS:
        follow = [InlineKeyboardButton(t(lang, "follow_button"), callback_data=callbacks.follow_answer(key))]
    if not answer.found:
        return InlineKeyboardMarkup([follow]) if follow else None
    rows: list[list[InlineKeyboardButton]] = []
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(t(lang, "prev"), callback_data=callbacks.page(key, page - 1)))
    if page + 1 < answer.pages:
        nav.append(InlineKeyboardButton(t(lang, "more"), callback_data=callbacks.page(key, page + 1)))
    if nav:
        rows.append(nav)
    first = page * PAGE_SIZE
    shown = answer.quotes[first : first + PAGE_SIZE]
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
        ]
    )
    if follow:
        rows.append(follow)
    return InlineKeyboardMarkup(rows)

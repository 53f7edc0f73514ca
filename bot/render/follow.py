"""Following topics: the notification a follower gets, /following and its buttons (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.texts import t
from corpus.api import FollowInfo, Lang, Line, Outgoing, Piece, marked_pieces

# Characters of a topic shown on a button (Telegram cuts long button labels anyway).
BUTTON_TOPIC_CHARS = 16


def notification_lines(note: Outgoing, lang: Lang) -> list[Line]:
    """The topic followed, the best quote (matched words in bold) and its source."""
    return [
        (Piece(t(lang, "notify_head", topic=note.topic), bold=True),),
        (),
        tuple(marked_pieces(note.snippet, note.spans)),
        (Piece("—— " + note.source),),
    ]


def notification_keyboard(note: Outgoing, lang: Lang) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t(lang, "notify_open"), callback_data=callbacks.open_article(note.article_id))]]
    )


def _short(topic: str) -> str:
    return topic if len(topic) <= BUTTON_TOPIC_CHARS else topic[: BUTTON_TOPIC_CHARS - 1] + "…"


def following_lines(follows: Sequence[FollowInfo], lang: Lang, *, notifications: bool) -> list[Line]:
    if not follows:
        return [(Piece(t(lang, "following_empty")),)]
    lines: list[Line] = [(Piece(t(lang, "following_head"), bold=True),)]
    lines += [(Piece(f"{i}. {f.topic}"),) for i, f in enumerate(follows, 1)]
    if not notifications:
        lines += [(), (Piece(t(lang, "following_off")),)]
    return lines


def following_keyboard(follows: Sequence[FollowInfo], lang: Lang) -> InlineKeyboardMarkup | None:
    """A button to stop each topic, and one to stop them all."""
    if not follows:
        return None
    rows = [
        [
            InlineKeyboardButton(
                t(lang, "unfollow_one", topic=_short(f.topic)), callback_data=callbacks.unfollow(f.id)
            )
        ]
        for f in follows
    ]
    if len(follows) > 1:
        rows.append(
            [InlineKeyboardButton(t(lang, "unfollow_all_button"), callback_data=callbacks.unfollow_all("ask"))]
        )
    return InlineKeyboardMarkup(rows)


def unfollow_all_keyboard(lang: Lang) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t(lang, "unfollow_all_yes"), callback_data=callbacks.unfollow_all("ok")),
                InlineKeyboardButton(t(lang, "unfollow_all_no"), callback_data=callbacks.unfollow_all("no")),
            ]
        ]
    )


def retention_keyboard(lang: Lang) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t(lang, "keep_button"), callback_data=callbacks.keep_follows())]]
    )

"""What residents follow: a topic checked, then stored, listed or removed (one transaction each).

A topic is held to what a question is: cleaned the same way, and it must name something
(a topic of frame words only, such as 什么时候, could never be matched by the relevance
rules, so it is refused rather than followed in vain).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from corpus.answer.coverage import topic_concepts
from corpus.answer.service import LinliService, clean_question
from corpus.store import follows as queries
from corpus.store.follows import FollowInfo, Removed

# Characters in a topic: a topic is a few words ("凉城三村加装电梯"), not a question.
MAX_TOPIC_CHARS = 30
# Follows per chat: enough for a household's interests, few enough that matching every
# new issue against every topic stays cheap and a forged flood cannot grow the table.
MAX_FOLLOWS = 20

Problem = Literal["empty", "too_long", "no_words"]
Outcome = Literal["added", "exists", "full"]


class TopicError(ValueError):
    """A topic that cannot be followed; ``problem`` says why."""

    def __init__(self, problem: Problem, topic: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.topic = topic


@dataclass(frozen=True)
class Followed:
    outcome: Outcome
    topic: str
    count: int  # the chat's follows afterwards
    cap: int = MAX_FOLLOWS


def clean_topic(service: LinliService, text: str) -> str:
    """The topic as it will be stored and matched.

    Raises:
        TopicError: empty, too long, or without a word the relevance rules could match.
    """
    topic, truncated = clean_question(text)
    if not topic:
        raise TopicError("empty")
    if truncated or len(topic) > MAX_TOPIC_CHARS:
        raise TopicError("too_long", topic[:MAX_TOPIC_CHARS])
    expansion = service.expand(service.state, topic)
    if not expansion.terms or not any(topic_concepts(expansion, service.segmenters.words)):
        raise TopicError("no_words", topic)
    return topic


def follow(
    factory: sessionmaker[Session],
    service: LinliService,
    *,
    chat_id: int,
    chat_type: str,
    lang: str,
    text: str,
    now: datetime | None = None,
) -> Followed:
    """Follow ``text`` in ``chat_id`` (one transaction).

    Raises:
        TopicError: the topic cannot be followed (nothing is stored).
    """
    topic = clean_topic(service, text)
    now = now or datetime.now(UTC)
    for attempt in range(2):
        try:
            with factory.begin() as session:
                outcome, count = queries.add_follow(
                    session,
                    chat_id=chat_id,
                    chat_type=chat_type,
                    lang=lang,
                    topic=topic,
                    cap=MAX_FOLLOWS,
                    now=now,
                )
            return Followed(outcome, topic, count, MAX_FOLLOWS)
        except IntegrityError:
            # The same chat's first two follows at once: one made the follower row (or
            # the same follow); the second try sees it.
            if attempt:
                raise
    raise AssertionError("unreachable")


def following(factory: sessionmaker[Session], *, chat_id: int) -> list[FollowInfo]:
    with factory() as session:
        return queries.list_follows(session, chat_id=chat_id)


def unfollow(factory: sessionmaker[Session], *, chat_id: int, follow_id: int) -> tuple[Removed, str]:
    with factory.begin() as session:
        return queries.remove_follow(session, chat_id=chat_id, follow_id=follow_id)


def unfollow_topic(factory: sessionmaker[Session], *, chat_id: int, topic: str) -> tuple[Removed, str]:
    """Unfollow by the topic's words (``/unfollow 加装电梯``)."""
    cleaned = clean_question(topic)[0]
    with factory.begin() as session:
        for info in queries.list_follows(session, chat_id=chat_id):
            if info.topic == cleaned:
                return queries.remove_follow(session, chat_id=chat_id, follow_id=info.id)
    return "unknown", cleaned


def unfollow_all(factory: sessionmaker[Session], *, chat_id: int) -> int:
    with factory.begin() as session:
        return queries.remove_all(session, chat_id=chat_id)


def notifications(factory: sessionmaker[Session], *, chat_id: int) -> bool | None:
    with factory() as session:
        return queries.notifications_on(session, chat_id=chat_id)


def set_notifications(factory: sessionmaker[Session], *, chat_id: int, on: bool) -> bool:
    with factory.begin() as session:
        return queries.set_notifications(session, chat_id=chat_id, on=on, now=datetime.now(UTC))


def keep(factory: sessionmaker[Session], *, chat_id: int) -> bool:
    """The chat answered the retention question (or dealt with its follows): keep it."""
    with factory.begin() as session:
        return queries.touch(session, chat_id=chat_id, now=datetime.now(UTC))

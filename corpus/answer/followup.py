"""Follow-up questions: "那什么时候完工" right after a question about a project.

A question that names no topic of its own is asked about the previous question's topic:
the topic is carried over, and the reply says what it understood ("关于 凉城三村加装电梯：").
"No topic of its own" is judged with the relevance rules' own notion of topic
(:func:`corpus.answer.coverage.topic_concepts`): every concept is framing (什么时候, 哪里,
多少钱, 它, 呢), or what is asked of a thing (完工, 报名, finish) rather than a thing.
A question that names a thing (停车场在哪里) starts afresh.

The caller keeps the previous topic (the bot per chat and resident, for a few minutes;
the terminal chat for its session) and passes it in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from corpus.answer.types import Answer, Lang
from retrieval import MemoTokenizer
from retrieval.expansion import Expansion

if TYPE_CHECKING:
    from corpus.answer.service import LinliService

# Seconds a topic is carried over to the next question in the same chat.
WINDOW = 300.0
# Parts of speech that say what is asked of a thing, not which thing (jieba's tags):
# verbs and adjectives; their nominal uses (vn 管理, an) name things.
_PREDICATE_TAGS = ("v", "a")
_NOMINAL_PREDICATES = frozenset({"vn", "an"})


def names_a_thing(expansion: Expansion, words: MemoTokenizer, topics: Sequence[bool]) -> bool:
    """Whether some topic concept of the question names a thing (a noun, a name, a number)."""
    for concept, topic in zip(expansion.concepts, topics, strict=True):
        if not topic:
            continue
        best = concept.alternatives[0] if concept.alternatives else None
        if best is None:
            return True  # an English word nothing translates: unknown, so assume a thing
        # A slip is read as what was meant: 健身不道 (two verbs) is 健身步道, a thing.
        best = next((a for a in concept.alternatives if a.origin == "homophone"), best)
        for _, tag in words.tokenizer.parts_of_speech(best.text):
            if tag in _NOMINAL_PREDICATES or not tag.startswith(_PREDICATE_TAGS):
                return True
    return False


def topic_text(
    expansion: Expansion, words: MemoTokenizer, topics: Sequence[bool], phrases: Sequence[str] = ()
) -> str:
    """The question's topic in its own words (凉城三村加装电梯), with the scope it named."""
    own = [c.text for c, topic in zip(expansion.concepts, topics, strict=True) if topic]
    if not own:
        return ""
    sep = " " if expansion.lang == "en" else ""
    return sep.join([*phrases, *own])


def combined(topic: str, question: str) -> str:
    """The follow-up asked about ``topic``: 凉城三村加装电梯，那什么时候完工."""
    sep = ", " if question.isascii() else "，"
    return f"{topic}{sep}{question}"


def answer_in_context(
    service: LinliService,
    question: str,
    previous_topic: str | None,
    *,
    lang: Lang | None = None,
    street: str | None = None,
) -> Answer:
    """Answer ``question``, carrying ``previous_topic`` over if it names no topic of its own.

    Returns:
        The answer; ``about`` names the topic carried over (None if none was), and
        ``topic`` is what a further follow-up would be about.
    """
    if previous_topic and not service.names_own_topic(question):
        answer = service.answer(combined(previous_topic, question), lang=lang, street=street)
        return replace(answer, about=previous_topic, topic=previous_topic)
    return service.answer(question, lang=lang, street=street)

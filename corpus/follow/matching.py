"""Which followers a new issue concerns, judged as if each topic were asked of that issue.

Each followed topic is answered by the answer service itself, searching the new issue's
passages only: the same coverage, topic-concept and not-found rules as a resident's
question, so a notification quotes what an answer would have quoted, and a topic the
issue only brushes against (a shared common word) notifies nobody.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from corpus.answer.reply import source_line
from corpus.answer.service import LinliService
from corpus.answer.types import Lang, Quote
from corpus.store.follows import Match


def best_quote(service: LinliService, topic: str, issue_id: int) -> Quote | None:
    """The quote an answer to ``topic`` from issue ``issue_id`` alone would lead with."""
    answer = service.answer(topic, lang="zh", within=frozenset({issue_id}))
    return answer.quotes[0] if answer.found else None


def match_issue(
    service: LinliService,
    issue_id: int,
    topics: Mapping[str, Sequence[int]],
    langs: Mapping[int, Lang] | None = None,
) -> list[Match]:
    """One match per follower whose topics the issue covers (its best-scoring topic's quote).

    Args:
        topics: followed topic -> the ids of its followers.
        langs: follower id -> language of the source line (default Chinese).
    """
    best: dict[int, tuple[float, str, Quote]] = {}
    for topic, followers in topics.items():
        quote = best_quote(service, topic, issue_id)
        if quote is None:
            continue
        for follower_id in followers:
            held = best.get(follower_id)
            if held is None or quote.score > held[0]:
                best[follower_id] = (quote.score, topic, quote)
    langs = langs or {}
    return [
        Match(
            follower_id=follower_id,
            topic=topic,
            article_id=quote.source.article_id,
            snippet=quote.snippet,
            spans=quote.spans,
            source=source_line(quote.source, langs.get(follower_id, "zh")),
        )
        for follower_id, (_, topic, quote) in sorted(best.items())
    ]

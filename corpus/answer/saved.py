"""An answer as JSON and back, so the buttons under it work after a restart.

Explicit rather than pickled: what is read back from the store builds only these
records, whatever the stored text holds (a damaged row raises ValueError).
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from corpus.answer.dates import DateMention
from corpus.answer.extraction import DirectAnswer
from corpus.answer.types import Answer, Quote, Source
from corpus.store.records import IssueRef


def answer_to_json(answer: Answer) -> str:
    return json.dumps(asdict(answer), ensure_ascii=False, separators=(",", ":"))


def answer_from_json(text: str) -> Answer:
    """The answer :func:`answer_to_json` wrote.

    Raises:
        ValueError: the text is not such an answer.
    """
    try:
        data = json.loads(text)
        # Scalar fields by name, so one added to Answer later (with its default) needs
        # nothing here; a saved answer from before it reads as that default.
        scalars = {
            f.name: data[f.name]
            for f in fields(Answer)
            if f.name not in _NESTED and f.name in data
        }
        return Answer(
            **scalars,
            lang=_lang(data["lang"]),
            status=_status(data["status"]),
            quotes=tuple(_quote(q) for q in data["quotes"]),
            direct=_direct(data["direct"]) if data["direct"] is not None else None,
        )
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a saved answer: {exc}") from exc


_NESTED = frozenset({"lang", "status", "quotes", "direct"})


def _status(value: Any) -> Any:
    if value not in ("ok", "not_found", "empty"):
        raise ValueError(f"unknown status {value!r}")
    return value


def _lang(value: Any) -> Any:
    if value not in ("zh", "en"):
        raise ValueError(f"unknown language {value!r}")
    return value


def _quote(data: dict[str, Any]) -> Quote:
    source = data["source"]
    return Quote(
        score=float(data["score"]),
        passage_id=int(data["passage_id"]),
        passage=str(data["passage"]),
        snippet=str(data["snippet"]),
        spans=tuple((int(a), int(b)) for a, b in data["spans"]),
        source=Source(
            issue=IssueRef(**source["issue"]),
            article_id=int(source["article_id"]),
            article_title=str(source["article_title"]),
            heading=str(source["heading"]),
        ),
        merged_passage_ids=tuple(int(i) for i in data["merged_passage_ids"]),
        caption=bool(data["caption"]),
    )


def _direct(data: dict[str, Any]) -> DirectAnswer:
    return DirectAnswer(
        kind=data["kind"],
        value=data["value"],
        dates=tuple(DateMention(**d) for d in data["dates"]),
        # Answers saved before these were recorded read as the defaults.
        path=str(data.get("path", "")),
        candidates=int(data.get("candidates", 1)),
        span=(int(data["span"][0]), int(data["span"][1])) if data.get("span") else None,
        others=tuple((int(a), int(b)) for a, b in data.get("others", ())),
    )

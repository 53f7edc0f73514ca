"""Scope: which issues a question is about, when it names a street, an issue or a time.

"凉城…", "花木街道…", "社区晨报…" name a street office (or its paper); "2021年5月那期",
"2019年…", "上一期", "最近", "去年" name issues by date. A question that names one is
answered from those issues only, and the reply says which ones it used; a named scope
the store holds no issue for is an honest "not found", never an answer from elsewhere.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from corpus.store.records import IssueRef

_STREET_SUFFIX = re.compile(r"(?:新村)?街道$|镇$")
# "2021年5月那期", "2021年的报纸", "2019年"; the month needs 期/份 after it when the year
# is missing ("5月那期"), so a date inside the question (11月22日) is not read as one.
_YEAR_MONTH = re.compile(
    r"(?P<year>(?:19|20)\d{2})\s*年(?:\s*(?P<month>\d{1,2})\s*月份?)?"
    r"(?P<issue>(?:的)?(?:那一?期|这一?期|一期|期|的报纸|报纸|的报道))?"
)
_MONTH_ISSUE = re.compile(r"(?P<month>\d{1,2})\s*月份?(?:的)?(?:那一?期|这一?期|一期|期)")
# "最近" is "recent" unless it is "nearest" (离我最近, 最近的疫苗接种点).
_LATEST = re.compile(
    r"上一期|上期|最新一期|最新的一期|最新的报纸|最近一期|最近的一期|最近的报纸|这一期|本期"
    r"|(?<![离距我])最近(?!的)"
)
_PREVIOUS = re.compile(r"上一期|上期|(?:the )?previous (?:issue|paper)", re.I)
_RELATIVE_YEAR = {"前年": -2, "去年": -1, "今年": 0, "last year": -1, "this year": 0}
_RELATIVE_YEAR_RE = re.compile("|".join(_RELATIVE_YEAR), re.I)
# English: "in 2019", "the May 2021 issue", "the latest issue".
_YEAR_EN = re.compile(r"\b(?:in |of )?(?P<year>(?:19|20)\d{2})\b(?P<issue> issue)?", re.I)
_LATEST_EN = re.compile(
    r"\b(?:the )?(?:latest|newest|last|most recent|current|previous) (?:issue|paper)\b", re.I
)


@dataclass(frozen=True)
class Scope:
    """The issues a question named, and the words that named them.

    Attributes:
        issue_ids: the stored issues in scope; empty when the scope matches none.
        label: how the reply names the scope ("凉城新村街道 · 2021年5月").
        phrases: the question's words that named a date or an issue (not the street:
            its name still helps ranking), to be left out of the search.
        strict: whether the question asks about those issues only. A time named on
            its own ("2017年4月，罗保铭担任什么职务", "去年装了几部电梯") is when the
            event happened, which a later issue may report, so its issues are only
            quoted first; a named issue ("2021年5月那期", "上一期") or street restricts.
    """

    issue_ids: frozenset[int]
    label: str
    phrases: tuple[str, ...]
    strict: bool = True


# Read for every stored issue on every question; a city's thousands of issues come
# from a few hundred street offices.
@functools.lru_cache(maxsize=4096)
def street_base(street: str) -> str:
    """凉城新村街道 → 凉城, 花木街道 → 花木, 高桥镇 → 高桥."""
    return _STREET_SUFFIX.sub("", street)


def read_scope(
    question: str, issues: Sequence[IssueRef], *, today: date, names: Iterable[str] = ()
) -> Scope | None:
    """The scope ``question`` names among ``issues``, or None if it names none.

    Args:
        names: Chinese the question's words were read as (the pinyin of an English
            question: Liangcheng → 凉城), where a street may be named too.
    """
    streets = _streets_named(" ".join([question, *names]), issues)
    in_scope = [i for i in issues if not streets or i.street in streets]
    dated, phrases, when, strict = _dated(question, in_scope, issues, today)
    if not streets and dated is None:
        return None
    if not streets and not strict:
        # An event's time: a preference among the issues, never a reason to refuse.
        if not dated:
            return None
        return Scope(frozenset(i.id for i in dated), when, (), strict=False)
    if streets and not strict:
        dated = None  # the street restricts; the event's time stays in the search
        phrases, when = (), ""
    chosen = dated if dated is not None else in_scope
    label = " · ".join(
        part
        for part in (
            "、".join(sorted(streets)),
            when,
        )
        if part
    )
    return Scope(frozenset(i.id for i in chosen), label, phrases)


def _streets_named(question: str, issues: Iterable[IssueRef]) -> set[str]:
    named = set()
    for street, publication in _papers(issues):
        base = street_base(street)
        if (len(base) >= 2 and base in question) or street in question:
            named.add(street)
        elif len(publication) >= 4 and publication in question:
            # A paper's own name (社区晨报), unless every street's paper is called that.
            named.add(street)
    return named


# The last issue list's distinct (street, publication) pairs: the answer path passes the
# index state's one tuple of issues, question after question (thousands of issues, a
# few hundred papers).
_last_papers: tuple[object, list[tuple[str, str]]] | None = None


def _papers(issues: Iterable[IssueRef]) -> list[tuple[str, str]]:
    global _last_papers
    cached = _last_papers
    if cached is not None and cached[0] is issues:
        return cached[1]
    papers = list(dict.fromkeys((i.street, i.publication) for i in issues))
    if isinstance(issues, tuple):  # immutable: safe to know again by identity
        _last_papers = (issues, papers)
    return papers


def _dated(
    question: str, in_scope: list[IssueRef], every: Sequence[IssueRef], today: date
) -> tuple[list[IssueRef] | None, tuple[str, ...], str, bool]:
    """The issues of ``in_scope`` a date in the question names, the words, the label,
    and whether the question named an issue (strict) or only a time (see Scope)."""
    match = _YEAR_MONTH.search(question) or _YEAR_EN.search(question)
    if match:
        year, month = int(match["year"]), match.groupdict().get("month")
        prefix = f"{year:04d}-{int(month):02d}" if month else f"{year:04d}"
        label = f"{year}年{int(month)}月" if month else f"{year}年"
        found = [i for i in in_scope if i.date.startswith(prefix)]
        return found, (match[0],), label, bool(match["issue"])
    match = _MONTH_ISSUE.search(question)
    if match:
        month = int(match["month"])
        found = [i for i in in_scope if _month(i.date) == month]
        latest = max((i.date[:4] for i in found), default="")
        return [i for i in found if i.date.startswith(latest)], (match[0],), f"{month}月", True
    match = _RELATIVE_YEAR_RE.search(question)
    if match:
        # Relative to today; with no issue of that year, "今年是第几届" still asks about
        # the event, so the question goes unscoped rather than unanswered.
        year = today.year + _RELATIVE_YEAR[match[0].lower()]
        found = [i for i in in_scope if i.date.startswith(f"{year:04d}")]
        if found:
            return found, (match[0],), f"{year}年", False
    match = _LATEST.search(question) or _LATEST_EN.search(question)
    if match and in_scope:
        dates = sorted({i.date for i in in_scope}, reverse=True)
        # 上一期 is the issue before this one (本期, the newest); with one issue, that one.
        back = 1 if _PREVIOUS.fullmatch(match[0]) and len(dates) > 1 else 0
        chosen = dates[back]
        return [i for i in in_scope if i.date == chosen], (match[0],), _date_label(chosen), True
    return None, (), "", True


def _month(value: str) -> int | None:
    parts = value.split("-")
    return int(parts[1]) if len(parts) > 1 else None


def _date_label(value: str) -> str:
    parts = value.split("-")
    if len(parts) == 1:
        return f"{parts[0]}年"
    return f"{parts[0]}年{int(parts[1])}月"

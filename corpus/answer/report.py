"""The evaluation as people read it: per split and group, Linli beside the baseline, ▼ where below."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from corpus.answer.baseline import BASELINE_NAME
from corpus.answer.evaluate import GroupScore, Report, SplitReport
from corpus.answer.gold import GROUP_ORDER

BELOW = "▼"  # printed after a Linli figure that is below the baseline's


# Measures printed in pairs (Linli, baseline); the none group has only "not found".
_PAIRED = ("hit@1", "hit@3", "hit@5", "answer_shown", "scope_right")
_COLUMNS = {
    "hit@1": "hit@1",
    "hit@3": "hit@3",
    "hit@5": "hit@5",
    "answer_shown": "shown",
    "scope_right": "scope",
}


def _groups(scores: Mapping[str, GroupScore]) -> list[str]:
    return sorted(scores, key=lambda g: GROUP_ORDER.index(g) if g in GROUP_ORDER else 99)


def below_baseline(report: Report) -> list[tuple[str, str, str, float, float]]:
    """(split, group, measure, Linli, baseline) wherever Linli is below the baseline."""
    found = []
    for split, part in report.splits.items():
        for group in _groups(part.linli):
            mine, theirs = part.linli[group].as_dict(), part.baseline.get(group)
            if theirs is None:
                continue
            base = theirs.as_dict()
            measures = ("said_not_found",) if group == "none" else _PAIRED
            for m in measures:
                if m in mine and m in base and mine[m] < base[m]:
                    found.append((split, group, m, float(mine[m]), float(base[m])))
    return found


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}"


_CELL = 13  # "100.0|100.0▼" and a space


def _pair(
    mine: Mapping[str, float | int],
    base: Mapping[str, float | int] | None,
    m: str,
    *,
    mark: bool = True,
) -> str:
    """``Linli|baseline`` for measure ``m``, ▼ when Linli is below (``mark``: higher is better)."""
    if m not in mine:
        return " " * _CELL
    if base is None or m not in base:
        return f"{_pct(mine[m])}|  –    "
    below = mark and mine[m] < base[m]
    return f"{_pct(mine[m])}|{_pct(base[m])}{BELOW if below else ' '} "


def _direct(row: Mapping[str, float | int]) -> str:
    if "direct_n" not in row:
        return ""
    return f"{_pct(row['direct_given'])} {_pct(row['direct_right'])} of {row['direct_n']}"


_HEADER = ("hit@1", "hit@3", "hit@5", "shown", "scope", "none: silent", "refused")


def format_split(split: str, part: SplitReport) -> str:
    """One split's table: Linli|baseline per measure, ▼ where Linli is below."""
    n = sum(s.n for s in part.linli.values())
    lines = [
        f"{split} ({n} questions)",
        f"{'group':<12}{'n':>3}  "
        + "".join(f"{h:<{_CELL}}" for h in _HEADER)
        + "direct given right",
    ]
    rows = [(g, part.linli[g], part.baseline.get(g)) for g in _groups(part.linli)]
    rows += [(name, s, None) for name, s in part.extra.items()]
    for group, mine_score, base_score in rows:
        mine = mine_score.as_dict()
        base = base_score.as_dict() if base_score else None
        head = f"{group:<12}{mine_score.n:>3}  "
        if group == "none":
            cells = " " * (_CELL * 5) + _pair(mine, base, "said_not_found")
        else:
            cells = "".join(_pair(mine, base, m) for m in _PAIRED) + " " * _CELL
            cells += _pair(mine, base, "not_found_answerable", mark=False) + _direct(mine)
        lines.append(head + cells)
    return "\n".join(line.rstrip() for line in lines)


def format_evaluation(report: Report) -> str:
    """Every split's table, the legend, and where Linli is below the baseline."""
    if report.baseline_note:
        out = [f"Linli alone, in % per measure (baseline not run: {report.baseline_note})"]
    else:
        out = [
            f"Linli|baseline in % per measure; baseline = {BASELINE_NAME}",
            f"(over the same {report.passages} passages; its not-found: best score "
            f"< {report.baseline_min_score:g}, fitted on the tune split; hit@5 reads its top 5)",
        ]
    out += [
        "scope: first result from the named issue; none: silent = said it found nothing; "
        "refused: answerable questions said not found",
        "direct (Linli only, the baseline has none): direct-answer questions given one / "
        f"given one holding a gold answer; {BELOW} = Linli below the baseline",
    ]
    for split, part in report.splits.items():
        out += ["", format_split(split, part)]
    below = below_baseline(report)
    out.append("")
    if below:
        out.append(f"{BELOW} Linli below the baseline:")
        out += [
            f"  {split}/{group} {measure}: {_pct(mine).strip()}% < {_pct(base).strip()}%"
            for split, group, measure, mine, base in below
        ]
    elif not report.baseline_note:
        out.append("Linli is at or above the baseline everywhere.")
    return "\n".join(out)


def evaluation_json(report: Report) -> dict[str, Any]:
    """The same figures as :func:`format_evaluation`, as JSON-ready data (fractions)."""
    splits: dict[str, Any] = {}
    for split, part in report.splits.items():
        groups: dict[str, Any] = {}
        for group in _groups(part.linli):
            base = part.baseline.get(group)
            groups[group] = {
                "linli": part.linli[group].as_dict(),
                "baseline": base.as_dict() if base else None,
                "misses": part.linli[group].misses,
            }
        for name, score in part.extra.items():
            groups[name] = {"linli": score.as_dict(), "baseline": None, "misses": score.misses}
        splits[split] = groups
    return {
        "baseline": {
            "name": BASELINE_NAME,
            "available": report.baseline_note is None,
            "note": report.baseline_note,
            "not_found_below_score": report.baseline_min_score,
            "passages": report.passages,
        },
        "splits": splits,
        "below_baseline": [
            {"split": s, "group": g, "measure": m, "linli": a, "baseline": b}
            for s, g, m, a, b in below_baseline(report)
        ],
    }


def format_table(
    scores: Mapping[str, GroupScore], extra: Mapping[str, GroupScore] | None = None
) -> str:
    """Linli alone, per group (no splits, no baseline): for test failure messages."""
    rows = ["group        n   hit@1  hit@3  hit@5  shown  | none: said not found"]
    for group in _groups(scores):
        s = scores[group]
        if group == "none":
            rows.append(
                f"{group:<11} {s.n:>3}   {'':>5}  {'':>5}  {'':>5}  {'':>5}  | {s.silent / s.n:6.1%}"
            )
            continue
        rows.append(_row(group, s))
    for name, s in (extra or {}).items():
        rows.append(_row(name, s))
    return "\n".join(rows)


def _row(name: str, s: GroupScore) -> str:
    hits = f"{s.hit1 / s.n:6.1%} {s.hit3 / s.n:6.1%} {s.hit5 / s.n:6.1%} {s.shown / s.n:6.1%}"
    return f"{name:<11} {s.n:>3}  {hits}"

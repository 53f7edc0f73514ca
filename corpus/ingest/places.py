"""Shanghai's street offices and towns (data/streets.tsv): names, the short forms people use, districts.

Streets outside the bundled issues are recognised from this list: a masthead naming
南京东路街道 files the issue under it and under 黄浦区, and a resident's or staff member's
"凉城" means 凉城新村街道.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "streets.tsv"

# The endings a unit's short name drops: 凉城新村街道 → 凉城, 曲阳路街道 → 曲阳, 川沙新镇 → 川沙.
_ENDING = re.compile(r"(?:新村街道|路街道|镇街道|街道|新镇|镇|乡)$")
# Spoken forms: 凉城新村街道 is "凉城街道", 真如镇街道 "真如街道", 川沙新镇 "川沙镇".
_ALIASES = ((r"新村街道$", "街道"), (r"路街道$", "街道"), (r"镇街道$", "街道"), (r"新镇$", "镇"))


@dataclass(frozen=True)
class Unit:
    name: str  # the official name: 凉城新村街道, 莘庄镇
    kind: str  # 街道, 镇 or 乡
    district: str  # 虹口区

    @property
    def base(self) -> str:
        """The short name people use: 凉城, 莘庄."""
        return _ENDING.sub("", self.name)


@dataclass(frozen=True)
class _Table:
    units: dict[str, Unit]  # by official name
    aliases: dict[str, str]  # spoken form -> official name
    pattern: re.Pattern[str]  # any official name or alias, longest first
    free_text: re.Pattern[str]  # the same without one-character names (唐镇, 堡镇)


def _read(path: Path) -> list[Unit]:
    units = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"{path}:{number}: expected name<TAB>kind<TAB>district")
        units.append(Unit(*parts))
    return units


@cache
def _table() -> _Table:
    units: dict[str, Unit] = {}
    for unit in _read(DATA):
        if unit.name in units:
            raise ValueError(f"{DATA}: {unit.name} is listed twice")
        units[unit.name] = unit
    spoken: dict[str, set[str]] = {}
    for name in units:
        for pattern, replacement in _ALIASES:
            alias = re.sub(pattern, replacement, name)
            if alias != name and alias not in units:
                spoken.setdefault(alias, set()).add(name)
    # An alias two units share (彭浦街道 could be 彭浦新村街道 or …) means neither.
    aliases = {alias: next(iter(names)) for alias, names in spoken.items() if len(names) == 1}
    names = sorted([*units, *aliases], key=len, reverse=True)
    longer = [n for n in names if len(_ENDING.sub("", n)) >= 2]
    return _Table(
        units=units,
        aliases=aliases,
        pattern=re.compile("|".join(map(re.escape, names))),
        free_text=re.compile("|".join(map(re.escape, longer))),
    )


def units() -> list[Unit]:
    return list(_table().units.values())


def canonical(name: str) -> str | None:
    """The official name of a listed unit named in full or by its spoken form, else None."""
    table = _table()
    name = re.sub(r"\s+", "", name)
    if name in table.units:
        return name
    return table.aliases.get(name)


def district_of(street: str) -> str | None:
    name = canonical(street)
    return _table().units[name].district if name else None


def resolve(short: str) -> str | None:
    """The listed unit a short name means (凉城 → 凉城新村街道, 莘庄 → 莘庄镇), if exactly one.

    When a street office and a town share the short name (彭浦新村街道, 彭浦镇) the street
    office wins, as a name without a suffix is taken for a 街道 elsewhere too.
    """
    short = re.sub(r"\s+", "", short)
    full = canonical(short)
    if full:
        return full
    base = _ENDING.sub("", short) or short
    if len(base) < 2:
        return None
    matches = [u for u in _table().units.values() if u.base == base]
    if len(matches) > 1:
        matches = [u for u in matches if u.kind == "街道"]
    return matches[0].name if len(matches) == 1 else None


def find_in_line(line: str) -> str | None:
    """The first listed unit a short line (a masthead) names, by its official name."""
    m = _table().pattern.search(re.sub(r"\s+", "", line))
    return canonical(m.group(0)) if m else None


def count_in_text(text: str) -> Counter[str]:
    """How often the text names each listed unit (any spoken form), by official name.

    One-character short names (唐镇, 堡镇) are left out: in running text they are as often
    part of another word.
    """
    counts: Counter[str] = Counter()
    for m in _table().free_text.finditer(text):
        name = canonical(m.group(0))
        if name:
            counts[name] += 1
    return counts

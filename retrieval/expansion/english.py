"""English words and phrases → Chinese candidates from CC-CEDICT (:mod:`retrieval.cedict`).

A question is cut into runs of content words (:func:`english_words`); a word is
tried in its dictionary forms (:func:`english_variants`: cylinders → cylinder),
and each form's headwords are scored by how the dictionary gives them
(:func:`dictionary_candidates`). Which candidates the paper actually uses is the
expander's choice (:mod:`.expander`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from ..cedict import Cedict, clean_gloss, spelling
from ..tokenization import DATA_DIR, read_word_list

# Dictionary candidates kept per English word or phrase, and the share of the best
# candidate's score a further one needs.
MAX_CANDIDATES = 3
MIN_SHARE = 0.3

# A number may carry an ordinal suffix (98th): one word, read as its digits.
_EN_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:\.\d+)?(?:st|nd|rd|th)?")
# What a contraction or a possessive adds to a word ('s, 're, 'll, 've, 'd, 'm).
_CLITIC = re.compile(r"'(?:s|re|ll|ve|d|m)$")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")

# English function words, question words and verbs too general to translate usefully
# ("get", "do"): in Chinese they would only add noise.
EN_STOPWORDS_FILE = DATA_DIR / "stopwords_en.txt"


@cache
def english_stopwords() -> frozenset[str]:
    """The words of :data:`EN_STOPWORDS_FILE`, lower-cased."""
    return frozenset(w.lower() for w in read_word_list(EN_STOPWORDS_FILE))


def english_variants(word: str) -> list[str]:
    """``word`` and the dictionary forms it may stand for, most likely first.

    Plurals and simple verb endings only (cylinders → cylinder, confiscated →
    confiscate, checked → check): CC-CEDICT glosses are in dictionary form.
    """
    word = spelling(word.lower())
    word = SHORTHAND.get(word, word)
    forms = [word]
    if len(word) > 3:
        if word.endswith("ies"):
            forms.append(word[:-3] + "y")
        elif word.endswith(("ches", "shes", "sses", "xes", "zes")):
            forms.append(word[:-2])
            if word.endswith("zes"):
                forms.append(word[:-1])  # prizes → prize (quizzes → quizz is no word)
        elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
            forms.append(word[:-1])
        if word.endswith("ied"):
            forms.append(word[:-3] + "y")
        elif word.endswith("ed"):
            forms += [word[:-1], word[:-2]]
            if len(word) > 5 and word[-3] == word[-4]:
                forms.append(word[:-3])  # stopped → stop
        if word.endswith("ing") and len(word) > 5:
            forms += [word[:-3], word[:-3] + "e"]
            if word[-4] == word[-5]:
                forms.append(word[:-4])
        if word == "people":
            forms.append("person")
    if word in IRREGULAR:
        forms.append(IRREGULAR[word])
    return list(dict.fromkeys(forms))


def derived_forms(word: str) -> list[str]:
    """The verb or adjective a noun is made from (celebration → celebrate, requirements
    → require, convenience → convenient), for when none of the noun's own translations
    is in the paper (典礼, 庆典: it says 庆祝)."""
    word = SHORTHAND.get(spelling(word.lower()), word.lower())
    if len(word) <= 6:
        return []
    for suffix in ("ations", "ation"):
        if word.endswith(suffix):
            stem = word[: -len(suffix)]
            return [stem + "ate", stem + "e", stem] if len(stem) >= 4 else []
    for suffix in ("ments", "ment", "ness"):
        if word.endswith(suffix):
            stem = word[: -len(suffix)]
            return [stem] if len(stem) >= 4 else []
    # ... or the adjective (convenience → convenient → 便民, 方便).
    for suffix, adjective in (("ences", "ent"), ("ence", "ent"), ("ances", "ant"), ("ance", "ant")):
        if word.endswith(suffix):
            stem = word[: -len(suffix)]
            return [stem + adjective] if len(stem) >= 3 else []
    return []


# Shorthand residents type in chat (ppl, govt): read as the word.
SHORTHAND = {
    "ppl": "people",
    "govt": "government",
    "gov": "government",
    "info": "information",
    "dept": "department",
    "bldg": "building",
    "apt": "apartment",
    "mgmt": "management",
    "tmr": "tomorrow",
    "tmrw": "tomorrow",
    "yr": "year",
    "yrs": "years",
    "mins": "minutes",
    "hrs": "hours",
    "pic": "picture",
    "pics": "pictures",
    "kids": "children",
}


# Irregular past forms of common verbs (held → hold): no suffix rule finds their
# dictionary form, and residents ask about what happened.
IRREGULAR = {
    "began": "begin",
    "begun": "begin",
    "bought": "buy",
    "brought": "bring",
    "built": "build",
    "caught": "catch",
    "chose": "choose",
    "chosen": "choose",
    "drew": "draw",
    "drawn": "draw",
    "ate": "eat",
    "eaten": "eat",
    "fell": "fall",
    "fallen": "fall",
    "fed": "feed",
    "felt": "feel",
    "fought": "fight",
    "found": "find",
    "flew": "fly",
    "flown": "fly",
    "grew": "grow",
    "grown": "grow",
    "heard": "hear",
    "held": "hold",
    "hung": "hang",
    "kept": "keep",
    "knew": "know",
    "known": "know",
    "led": "lead",
    "left": "leave",
    "lent": "lend",
    "lost": "lose",
    "met": "meet",
    "paid": "pay",
    "ran": "run",
    "rang": "ring",
    "rose": "rise",
    "risen": "rise",
    "saw": "see",
    "seen": "see",
    "sold": "sell",
    "sent": "send",
    "shot": "shoot",
    "shown": "show",
    "spoke": "speak",
    "spoken": "speak",
    "spent": "spend",
    "stood": "stand",
    "taught": "teach",
    "thought": "think",
    "threw": "throw",
    "thrown": "throw",
    "told": "tell",
    "understood": "understand",
    "woke": "wake",
    "won": "win",
    "wore": "wear",
    "worn": "wear",
    "wrote": "write",
    "written": "write",
}


@dataclass(frozen=True, slots=True)
class Word:
    """An English content word of a question and where it is in the lower-cased text."""

    text: str
    start: int
    end: int


# Words that say what kind of answer is wanted, not what it is about: always ("what
# date", "how often", "lecture date") or after a question word ("what time", "which
# day", "how long"; but "volunteer day" is a topic), and "number" before "of".
FRAME_WORDS = frozenset({"date", "dates", "often"})
FRAME_AFTER = frozenset({"what", "which", "how", "whats"})
FRAME_AFTER_WORDS = frozenset(
    {
        "time",
        "times",
        "day",
        "days",
        "year",
        "years",
        "month",
        "months",
        "hour",
        "hours",
        "long",
        "far",
        "old",
        "soon",
        "week",
        "weekday",
    }
)


def is_frame(word: str, before: str | None, after: str | None) -> bool:
    """Whether ``word`` asks for the kind of answer (between ``before`` and ``after``)."""
    if word in FRAME_WORDS:
        return True
    if word in FRAME_AFTER_WORDS and before in FRAME_AFTER:
        return True
    return word in ("number", "numbers") and after == "of"


def english_words(text: str) -> list[list[Word]]:
    """Runs of content words (stopwords and frame words split runs: a phrase never spans
    one)."""
    stopwords = english_stopwords()
    runs: list[list[Word]] = [[]]
    tokens = list(_EN_TOKEN.finditer(text.lower()))
    for i, match in enumerate(tokens):
        word = _CLITIC.sub("", match.group())  # when's → when, party's → party
        before = tokens[i - 1].group() if i else None
        after = tokens[i + 1].group() if i + 1 < len(tokens) else None
        if (
            word in stopwords
            or word.endswith("n't")  # isn't, didn't: no topic
            or (len(word) == 1 and not word.isdigit())
            or is_frame(word, before, after)
        ):
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(Word(word, match.start(), match.end()))
    return [run for run in runs if run]


def phrase_forms(words: Sequence[Word]) -> list[str]:
    """Dictionary forms of a phrase: only its last word is inflected (gas cylinders)."""
    head = " ".join(spelling(w.text) for w in words[:-1])
    return [f"{head} {form}".strip() for form in english_variants(words[-1].text)]


def dictionary_candidates(cedict: Cedict, form: str, *, single: bool) -> list[tuple[str, float]]:
    """Headwords for an English form with a score in (0, 1].

    Exact gloss 1, inside a longer gloss 1/(words in it) (only where no exact gloss
    exists); times 1/(1 + rank/2) for later senses. Single characters score half, and
    none at all when the dictionary has a word for it: "fee" is 费用 or nothing, since
    费 alone would match 消费, 经费 and every other passage with the character.
    """
    key = clean_gloss(form) or form
    found: dict[str, float] = {}
    senses = [(s, 1.0) for s in cedict.exact(key)]
    if not senses and not single:
        # "police station" inside "local police station": one more word at most.
        padded = f" {key} "
        senses = [
            (s, len(key.split()) / s.gloss_len)
            for s in cedict.within(key.split()[-1])
            if s.gloss_len == len(key.split()) + 1 and padded in f" {s.gloss} "
        ]
    if not senses and single:
        senses = [(s, 1.0 / s.gloss_len) for s in cedict.within(key)]
    if any(len(s.headword) > 1 for s, match in senses if match == 1.0):
        # A character's own first sense stays, below any word the paper prints (see
        # QueryExpander._usable): station is 车站 or 站, party 政党 or 党.
        senses = [(s, match) for s, match in senses if len(s.headword) > 1 or s.rank == 0]
    for sense, match in senses:
        score = match / (1 + sense.rank / 2) * (0.5 if len(sense.headword) == 1 else 1.0)
        found[sense.headword] = max(found.get(sense.headword, 0.0), score)
    return list(found.items())


def number_of(word: str) -> str:
    """The digits of a number word (98th → 98)."""
    match = _NUMBER.match(word)
    return match.group() if match else word


# Shortest word a typing slip is looked for in: shorter ones have too many neighbours.
MIN_SLIP_CHARS = 5
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def one_slip_away(word: str, known: Callable[[str], bool]) -> list[str]:
    """The ``known`` words one typing slip from ``word`` (requirments → requirements):
    a letter left out, one too many, two swapped or one wrong, in that order of
    likelihood, alphabetically within each."""
    if len(word) < MIN_SLIP_CHARS or not word.isalpha():
        return []
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    kinds = [
        [a + c + b for a, b in splits for c in _LETTERS],  # a letter left out
        [a + b[1:] for a, b in splits if b],  # one too many
        [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1],  # two swapped
        [a + c + b[1:] for a, b in splits if b for c in _LETTERS if c != b[0]],  # one wrong
    ]
    found: dict[str, None] = {}
    for kind in kinds:
        for candidate in sorted(set(kind)):
            if candidate != word and known(candidate):
                found[candidate] = None
    return list(found)

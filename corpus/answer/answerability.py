"""Answerability: a name the question asks about must be in the passage quoted.

The topic gate (:mod:`~corpus.answer.coverage`) weighs every topic word alike, so a
passage matching a question's ordinary words (位于, 分布, 皇后) passes even when the one
thing asked about is missing. Ordinary words cannot be required: residents paraphrase
them (形状, 别名 asked, other words printed). Names cannot be paraphrased: when the
question names a person, place, organisation or title (阿贝歇, 千色汇) and the passage
does not, the passage is about something else, and when no passage of the corpus has
it, the paper is silent on the question.

A word is a name when jieba tags it one (nr, ns, nt…) or did not find it in its
dictionary at all (its HMM put characters together: a new word). That HMM also glues a
name to the particle after it (王法慧是 → 慧是, 郑宏对), so characters that are no part
of a name are cut from a name's ends first, and a name is held by its character pairs,
half of them being enough (a name written with a character more or less).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence

from corpus.answer.coverage import EDGE_CHARS, NAME_TAGS, frames, own_words
from corpus.answer.extraction import SURNAMES
from corpus.store.records import PassageRecord
from retrieval import MemoTokenizer
from retrieval.expansion import UNSEEN_PHRASE, Expansion

# A dictionary word this long that no passage of the corpus has is a term of its own.
MIN_TERM_CHARS = 3
# Share of a name's character pairs the passage (with its headline) must hold.
MIN_NAME_SHARE = 0.5
# The evidence against (Concept.unseen) that alone makes a question one the paper is
# silent on: a whole phrase unknown to the corpus, not a single word.
MIN_UNSEEN = UNSEEN_PHRASE

# A new word the tagger reads as a verb, adjective, adverb, position or numeral is a
# phrase the HMM glued (招齐, 楼里装, 松有, 前十), not a name.
_NOT_NAME_TAGS = ("v", "a", "d", "s", "f", "m")
# A word holding a question character asks (由谁来), it names nothing.
_ASKING = re.compile("[谁哪]")
_CHINESE_WORD = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")


def asked_names(
    expansion: Expansion,
    topics: Sequence[bool],
    words: MemoTokenizer,
    doc_freq: Callable[[str], int] | None = None,
    slips: Callable[[str], Sequence[str]] | None = None,
) -> tuple[str, ...]:
    """The names among the question's own topic words, each cut to its core.

    Args:
        topics: for each of ``expansion.concepts``, whether it is a topic concept.
        slips: the dictionary words a word not in it is one typing slip away from
            (干麻 → 干嘛): a coined word that is a question's framing word mistyped
            is no name.
    """
    own: set[str] = set()
    for concept, topic in zip(expansion.concepts, topics, strict=True):
        # A word with a synonym is the resident's wording of something the paper may
        # print otherwise (阿拉电梯 for 加装电梯): not a name to find as written.
        if topic and len(concept.alternatives) == 1:
            own |= own_words(concept, words) or set()
    if not own:
        return ()
    dictionary = _dictionary(words)
    names: dict[str, None] = {}
    tagged = words.tokenizer.parts_of_speech(expansion.question)
    # New words: those the HMM put together (not in the dictionary), unless read as a
    # verb, adjective… (招齐, 楼里装); coined ones are new words not tagged a name.
    new_words = [
        bool(_CHINESE_WORD.match(word))
        and not dictionary(word)
        and not tag.startswith(_NOT_NAME_TAGS)
        for word, tag in tagged
    ]
    coined = [new and tag not in NAME_TAGS for new, (_, tag) in zip(new_words, tagged, strict=True)]
    for at, (word, tag) in enumerate(tagged):
        if word not in own or not _CHINESE_WORD.match(word) or _ASKING.search(word):
            continue
        core = name_core(word)
        if len(core) < 2 and tag in NAME_TAGS and word[0] in SURNAMES and len(word) >= 2:
            # A common surname before a given name (于海, 向明) is no preposition the HMM
            # glued on: only the particles after the name are (松才 is 松).
            core = word[0] + name_core(word[1:]) if len(name_core(word[1:])) else core
        known = dictionary(word)
        new = new_words[at]
        term = known and doc_freq is not None and len(core) >= MIN_TERM_CHARS and not doc_freq(word)
        if len(core) < 2 or not (tag in NAME_TAGS or new or term):
            continue
        if coined[at] and slips is not None and any(map(frames, slips(word))):
            continue  # 干麻 (for 干嘛): the question's frame mistyped, not a name
        if all(map(words.tokenizer.is_stopword, core)):
            # Interjections and particles run together (啊啊啊, 哈哈): no name.
            continue
        before, before_tag = tagged[at - 1] if at else ("", "")
        if len(before) == 1 and before_tag in NAME_TAGS and word.startswith(core):
            # A surname or a name's first character cut off on its own (兰 | 比尔).
            core = before + core
        if term and tag not in NAME_TAGS:
            core = Term(core)
        elif coined[at]:
            core = Coined(core, _run(tagged, coined, at))
        names.setdefault(core, None)
    return tuple(names)


class Coined(str):
    """A name the segmenter's HMM coined, with the run of coined words it stands in.

    The HMM cuts a resident's shortening of a long name anywhere (区文旅局 → 区文 | 旅局
    for 区文化和旅游局): the run as a whole is what to look for, as a shortening.
    """

    run: str

    def __new__(cls, text: str, run: str) -> Coined:
        self = super().__new__(cls, text)
        self.run = run
        return self


def _run(tagged: Sequence[tuple[str, str]], coined: Sequence[bool], at: int) -> str:
    start = end = at
    while start > 0 and coined[start - 1]:
        start -= 1
    while end + 1 < len(tagged) and coined[end + 1]:
        end += 1
    return "".join(word for word, _ in tagged[start : end + 1])


class Term(str):
    """A dictionary compound asked about that no passage prints (本科毕业, 研究成果).

    Unlike a name it is made of ordinary words, and a resident may word the thing so
    while the paper prints it otherwise (毕业 beside the person's name): see
    :func:`holds_names`.
    """

    __slots__ = ()


def name_core(word: str) -> str:
    """``word`` without the particles and question characters at its ends."""
    start, end = 0, len(word)
    while start < end and word[start] in EDGE_CHARS:
        start += 1
    while end > start and word[end - 1] in EDGE_CHARS:
        end -= 1
    return word[start:end]


def holds_names(names: Sequence[str], record: PassageRecord, words: MemoTokenizer) -> bool:
    """Whether the passage, with its street, headline and subhead, holds every one of ``names``.

    A :class:`Term` beside names the passage holds needs only one of its character
    pairs there: the passage is about the person or place asked about, and the term
    is likely the resident's wording of what it says (本科毕业 asked, 专业毕业 printed).
    Asked with no such name, it is the question's topic and must be held by more
    than half of its pairs, or as what it shortens (志愿队 of 志愿服务队: every
    character, in order, close together): one pair of a three-character term is one
    word of it (居住 of 居住证, printed in 居住环境), not the thing asked about. The
    issue's street is no name to lean on: every passage of its issues holds it (凉城
    beside 居住证 says where to look, not what was asked about).
    """
    if not names:
        return True
    texts = [
        words.normalize(text)
        for text in (record.issue.street, record.article_title, record.heading, record.text)
    ]
    named = [name for name in names if not isinstance(name, Term)]
    if not all(
        name_share(name, texts) >= MIN_NAME_SHARE
        or (
            isinstance(name, Coined)
            and len(name.run) >= MIN_TERM_CHARS
            and _shortens(name.run, texts)
        )
        for name in named
    ):
        return False
    street = words.normalize(record.issue.street)
    about = [name for name in named if name not in street]
    return all(
        (share := name_share(term, texts)) > MIN_NAME_SHARE
        or (about and share > 0)
        or (share and _shortens(term, texts))
        for term in names
        if isinstance(term, Term)
    )


# Characters a printed name may hold between two of a resident's shortening of it.
MAX_SHORTENED_GAP = 3


def _shortens(term: str, texts: Sequence[str]) -> bool:
    """Whether some text prints a longer form of ``term``: its characters in order,
    at most MAX_SHORTENED_GAP apart (志愿队 in 志愿服务队)."""
    pattern = _shortening(term)
    return any(pattern.search(text) for text in texts)


@functools.lru_cache(maxsize=1024)
def _shortening(term: str) -> re.Pattern[str]:
    # Asked once per candidate passage of a question: compiled once per term.
    return re.compile(f".{{0,{MAX_SHORTENED_GAP}}}".join(map(re.escape, term)))


def name_share(name: str, texts: Sequence[str]) -> float:
    """The share of ``name``'s character pairs that occur in ``texts`` (normalised)."""
    pairs = [name[i : i + 2] for i in range(len(name) - 1)] or [name]
    return sum(any(pair in text for text in texts) for pair in pairs) / len(pairs)


def _dictionary(words: MemoTokenizer) -> Callable[[str], object]:
    """Whether jieba's dictionary (with the user dictionary) has a word (truthy if so).

    The segmenter's own table: words it joined by its HMM are exactly those not in it.
    """
    return words.tokenizer._segmenter().FREQ.get


def unseen_topics(expansion: Expansion, topics: Sequence[bool]) -> tuple[str, ...]:
    """The question's topic concepts that are evidence the paper is silent on it.

    "A word the corpus has never seen is evidence against", applied to translations: an
    English phrase the dictionary names as a whole (swimming pool → 游泳池, 游泳馆) where
    the corpus holds none of its translations, nor any of its head word's, is a thing the
    paper never mentions (:attr:`retrieval.expansion.Concept.unseen`). Weaker evidence (a
    single word, often paraphrased) is left to the coverage floor, which weighs it as an
    unseen word.
    """
    return tuple(
        concept.text
        for concept, topic in zip(expansion.concepts, topics, strict=True)
        if topic and concept.unseen >= MIN_UNSEEN
    )

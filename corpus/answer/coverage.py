"""Coverage: how much of the question a group of passages answers, in idf-weighted concepts.

Each concept is one thing the resident said (a word, an everyday phrase, an English
word) and weighs what the resident's own Chinese words weigh, so an English or
colloquial question is held to the same floor as a plain one; it counts as matched by
its best alternative, a synonym only at its weight. Counted over jieba words (bigrams
would reward half-words): a word the corpus knows counts if the text has it (a name
wherever its characters stand, a sub-word of a user-dictionary compound where the
compound is printed); a word the corpus has never seen (often a compound jieba did not
split, e.g. 派出所长) counts by the share of its character bigrams the text has. Single characters weigh half: 来, 去, 年
say little. An English word nothing in the index translates weighs as a word never seen.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from corpus.answer.live_index import IndexState
from corpus.answer.segmenters import Segmenters
from corpus.store.records import PassageRecord
from retrieval import MemoTokenizer
from retrieval.expansion import Concept, Expansion

# Share of the question's idf mass the best passage must match to count as relevant;
# below it Linli says it found nothing rather than quote something unrelated.
MIN_COVERAGE = 0.2
# Share of the topic concepts' weight, and of the most specific topic concept, that a
# passage must hold: generic words (小区, 开放, 天气) matching is not the paper covering
# what was asked about.
# An English question's concepts are dictionary translations, each of uncertain wording,
# so their topic share is held to a lower floor (chosen on the tuning half).
MIN_TOPIC = {"zh": 0.35, "en": 0.2}
MIN_HEAVIEST = 0.0
# jieba's tags of proper nouns: person (nr, nrfg, nrt for transliterated), place (ns),
# organisation (nt). Not its "other proper noun" (nz): its dictionary gives that to
# everyday words too (聊天), and a new word is judged a name anyway.
NAME_TAGS = frozenset({"nr", "nrfg", "nrt", "ns", "nt"})
# Characters a name seldom begins or ends with but the HMM glues to one: the copula,
# particles, prepositions and adverbs, small verbs of motion, 一 (一词), date units
# after a year, question words.
EDGE_CHARS = frozenset("是有才把以被在的了和与及或将为从向对于也都就还又所来去到可现一年月日何哪什么几多")
_EDGES = "".join(sorted(EDGE_CHARS))


class _Texts:
    """The texts one judgement reads: street, headline, subhead and the passages.

    Piece by piece (a line break ends every word and bigram anyway), so each piece's
    tokens are computed once and shared by every question that quotes it. A word is
    looked for only in the pieces, and the clauses of them, that hold its characters
    (``MemoTokenizer.holds``): most of a passage has none of the question's words.
    """

    def __init__(self, segmenters: Segmenters, texts: Sequence[str], *, exact: bool = True) -> None:
        self.segmenters = segmenters
        self.texts = texts
        self.pieces = [segmenters.words.normalize(t) for t in texts]
        # One string to look in, not one per piece: a word never holds a line break,
        # so it is in the joined text where it is in a piece.
        self.joined = "\n".join(self.pieces)
        # Not exact: a word or bigram counts wherever its characters stand, without
        # segmenting. Every token is a slice of its normalised piece, so this never
        # finds less than the tokens do (see may_answer).
        self.exact = exact
        # A word is asked for by several of a question's concepts (its own wording, a
        # synonym's): looked up once per judgement.
        self._found: dict[str, bool] = {}

    def has_word(self, word: str) -> bool:
        if not self.exact:
            return self.has_phrase(word) or self.has_parts(word)
        found = self._found.get(word)
        if found is None:
            holds = self.segmenters.words.holds
            found = self._found[word] = word in self.joined and any(
                word in piece and holds(piece, word) for piece in self.pieces
            )
            if not found and word in self.joined:
                found = self._found[word] = any(
                    compound in self.joined
                    and any(compound in piece and holds(piece, compound) for piece in self.pieces)
                    for compound in self.segmenters.compounds_of(word)
                )
            if not found:
                found = self._found[word] = self.has_parts(word)
        return found

    def has_parts(self, word: str) -> bool:
        """Whether both runs of one of ``word``'s splits are printed (Segmenters.parts_of):
        凉城文化中心 asked, 凉城 in the masthead and 文化中心 in the text, is held, as
        "凉城 文化中心" would be."""
        return any(
            self.has_phrase(head) and self.has_phrase(tail)
            for head, tail in self.segmenters.parts_of(word)
        )

    def has_bigram(self, bigram: str) -> bool:
        # Bigrams only judge words the corpus has never seen.
        if not self.exact:
            return self.has_phrase(bigram)
        holds = self.segmenters.bigrams.holds
        return bigram in self.joined and any(
            bigram in piece and holds(piece, bigram) for piece in self.pieces
        )

    def has_phrase(self, text: str) -> bool:
        if "\n" in text:
            return any(text in piece for piece in self.pieces)
        return text in self.joined


class _Presence:
    """Which of ``n`` groups' texts hold a word, a bigram or a phrase: one boolean array
    per thing asked, each asked once per judgement (several concepts share words)."""

    def __init__(self, texts: Sequence[_Texts]) -> None:
        self.texts = texts
        self.n = len(texts)
        # Not exact (the bound): words and bigrams are asked as phrases.
        self.exact = any(t.exact for t in texts)
        self._words: dict[str, np.ndarray] = {}
        self._bigrams: dict[str, np.ndarray] = {}
        self._phrases: dict[str, np.ndarray] = {}

    def word(self, word: str) -> np.ndarray:
        found = self._words.get(word)
        if found is None:
            found = self._ask(_Texts.has_word, word, self.exact)
            if not self.exact:
                # (_ask reads a phrase for the bound without has_word: the parts too.)
                found = found | self._ask(_Texts.has_parts, word, True)
            self._words[word] = found
        return found

    def bigram(self, bigram: str) -> np.ndarray:
        found = self._bigrams.get(bigram)
        if found is None:
            found = self._bigrams[bigram] = self._ask(_Texts.has_bigram, bigram, self.exact)
        return found

    def name(self, name: str) -> np.ndarray:
        """Where a name is printed, or all its parts are (凉城 | 文化中心, see has_word)."""
        held = self.phrase(name)
        if not held.all():
            held = held | self._ask(_Texts.has_parts, name, True)
        return held

    def phrase(self, text: str) -> np.ndarray:
        found = self._phrases.get(text)
        if found is None:
            found = self._phrases[text] = self._ask(_Texts.has_phrase, text, False)
        return found

    def _ask(self, has: Callable[[_Texts, str], bool], what: str, exact: bool) -> np.ndarray:
        if not exact and "\n" not in what:
            # As has_phrase: a phrase without a line break is in the joined text.
            return np.array([what in texts.joined for texts in self.texts], np.bool_)
        return np.array([has(texts, what) for texts in self.texts], np.bool_)


class _Judge:
    """Weighs a question's words against several groups' texts at once.

    Every measure is an array, one value per group, made with the same operations in
    the same order as summing one group's terms one by one (adding 0.0 where a group
    lacks a word leaves its sum as it was), so a group's figures do not depend on the
    groups judged beside it.
    """

    def __init__(
        self,
        state: IndexState,
        segmenters: Segmenters,
        texts: Sequence[_Texts],
        question: QuestionWords | None = None,
    ) -> None:
        self.presence = _Presence(texts)
        self.n = len(texts)
        self.weights = _word_weights(state, segmenters)
        self.question = question or QuestionWords(segmenters.words)

    def _matched(self, weighed: tuple[_Weighed, ...]) -> np.ndarray:
        """How much of the weight of ``weighed`` (see QuestionWords.weighed) the texts hold."""
        presence = self.presence
        matched = np.zeros(self.n)
        for word, weight, bigrams, bigram_total, named in weighed:
            if bigrams is None:
                held = presence.name(word) if named else presence.word(word)
                matched = matched + np.where(held, weight, 0.0)
                continue
            matched = matched + weight * self._bigrams_held(bigrams) / bigram_total
        return matched

    def _bigrams_held(self, bigrams: tuple[tuple[str, float], ...]) -> np.ndarray:
        held = np.zeros(self.n)
        for bigram, weight in bigrams:
            held = held + np.where(self.presence.bigram(bigram), weight, 0.0)
        return held

    def joined(self, concept: Concept, head: Concept, question: str) -> np.ndarray | None:
        """The share of ``concept`` held when the question says it "X的Y" of ``head``
        and X is a word the corpus never printed, counting the pair of X's last
        character and Y's first among X's pairs (0 where the texts lack that pair);
        None where the question does not say it so.

        A resident's modifier with 的 is often half of the paper's compound: 跑步的道
        for 步道, the corpus printing neither 跑步 nor the phrase.
        """
        word, following = concept.text, head.text
        if (
            len(concept.alternatives) != 1
            or not following
            or f"{word}的{following}" not in question
        ):
            return None
        weight, bigrams = self.weights.of(word)
        if bigrams is None or not weight:
            return None
        pair = word[-1] + following[0]
        pair_held = self.presence.bigram(pair)
        if not pair_held.any():
            return None
        pair_weight = self.weights.index.idf(pair) or self.weights.unseen
        held = self._bigrams_held(bigrams) + pair_weight
        return np.where(pair_held, held / (sum(w for _, w in bigrams) + pair_weight), 0.0)

    def known(self, concept: Concept) -> bool:
        """Whether the corpus has any of the words the resident used for ``concept``."""
        return self.question.known(concept, self.weights)

    def concept(self, concept: Concept) -> tuple[float, np.ndarray, np.ndarray]:
        """The concept's weight, the share of it the texts answer (0..1, a synonym counting
        at its weight), and how wholly some wording of it is there (0..1, any wording)."""
        # Everything but what the texts hold is the question's: planned once for all its
        # candidates (QuestionWords.plan), in the order the sums are made.
        own, weight, alternatives = self.question.plan(concept, self.weights)
        share = np.zeros(self.n)
        if own is not None:
            weight, weighed = own
            if weight:
                share = self._matched(weighed) / weight
        if not weight:
            return 0.0, np.zeros(self.n), np.zeros(self.n)
        held = share
        for text, alt_weight_share, (alt_weight, weighed) in alternatives:
            printed = self.presence.phrase(text)
            if printed.all():
                share, held = np.maximum(share, alt_weight_share), np.ones(self.n)
                continue
            if alt_weight:
                alt_hit = self._matched(weighed)
                alt_share = np.maximum(share, alt_weight_share * alt_hit / alt_weight)
                alt_held = np.maximum(held, alt_hit / alt_weight)
            else:
                alt_share, alt_held = share, held
            share = np.where(printed, np.maximum(share, alt_weight_share), alt_share)
            held = np.where(printed, 1.0, alt_held)
        return weight, share, held


class QuestionWords:
    """One question's words as coverage reads them, worked out once for all its candidates.

    The jieba words of each wording of each concept depend on the question alone, and a
    question judges tens of candidate passages with them. One instance per question:
    concepts are told apart by identity.
    """

    def __init__(self, words: MemoTokenizer) -> None:
        self.words = words
        self._own: dict[int, tuple[Concept, set[str] | None]] = {}
        self._sets: dict[str, set[str]] = {}
        self._weighed: dict[int, tuple[set[str], _WordWeights, float, tuple[_Weighed, ...]]] = {}
        self._known: dict[int, tuple[Concept, _WordWeights, bool]] = {}
        self._plans: dict[int, tuple[Concept, _WordWeights, _Plan]] = {}
        self._frames: dict[int, tuple[Concept, bool]] = {}

    def own(self, concept: Concept) -> set[str] | None:
        """:func:`own_words` of ``concept``."""
        found = self._own.get(id(concept))
        if found is None or found[0] is not concept:
            found = self._own[id(concept)] = (concept, own_words(concept, self.words))
        return found[1]

    def of(self, text: str) -> set[str]:
        """The distinct jieba words of ``text`` (never changed by the caller)."""
        found = self._sets.get(text)
        if found is None:
            found = self._sets[text] = set(self.words.tokenize(text))
        return found

    def weighed(
        self, words: set[str], weights: _WordWeights
    ) -> tuple[float, tuple[_Weighed, ...]]:
        """The summed weight of ``words`` (one of this question's sets), and each word's
        weight, bigrams and their summed weight, in the set's order (sums as
        :meth:`_Judge._matched` makes them, term by term)."""
        found = self._weighed.get(id(words))
        if found is None or found[0] is not words or found[1] is not weights:
            total = 0.0
            weighed = []
            for word in words:
                weight, bigrams = weights.of(word)
                total += weight
                bigram_total = sum(w for _, w in bigrams) if bigrams is not None else 0.0
                named = bigrams is None and weights.named(word)
                weighed.append((word, weight, bigrams, bigram_total, named))
            found = self._weighed[id(words)] = (words, weights, total, tuple(weighed))
        return found[2], found[3]

    def plan(self, concept: Concept, weights: _WordWeights) -> _Plan:
        """What :meth:`_Judge.concept` needs of ``concept`` that no passage changes.

        Its own words weighed (None if the resident wrote none in Chinese), else its
        weight, and each other wording's text, weight and words weighed.
        """
        found = self._plans.get(id(concept))
        if found is None or found[0] is not concept or found[1] is not weights:
            own = self.own(concept)
            weighed = None if own is None else self.weighed(own, weights)
            weight = 0.0
            if own is None:
                best = concept.best
                weight = self.weighed(self.of(best.text), weights)[0] if best else 0.0
                # No dictionary word at all: whether the paper covers it is unknown.
                unseen = weights.unseen
                weight = weight or (unseen / 2 if concept.untranslated else unseen)
            alternatives = tuple(
                (alt.text, alt.weight, self.weighed(self.of(alt.text), weights))
                for alt in concept.alternatives
                if alt.origin != "question"
            )
            found = self._plans[id(concept)] = (concept, weights, (weighed, weight, alternatives))
        return found[2]

    def says_nothing(self, concept: Concept) -> bool:
        """Whether ``concept`` only frames the question, a small verb aside (那天, 几样)."""
        found = self._frames.get(id(concept))
        if found is None or found[0] is not concept:
            found = self._frames[id(concept)] = (
                concept,
                _frame_only(concept, self.words, verbs=False),
            )
        return found[1]

    def known(self, concept: Concept, weights: _WordWeights) -> bool:
        """Whether the corpus has any of the words the resident used for ``concept``."""
        found = self._known.get(id(concept))
        if found is None or found[0] is not concept or found[1] is not weights:
            own = self.own(concept)
            if own is None:
                best = concept.best
                own = self.of(best.text) if best else set()
            value = any(weights.of(word)[1] is None for word in own)
            found = self._known[id(concept)] = (concept, weights, value)
        return found[2]


# A word as measured: itself, its weight, its weighted bigrams if the corpus never saw
# it (else None), their summed weight, and whether it is a name (held by its characters).
_Weighed = tuple[str, float, "tuple[tuple[str, float], ...] | None", float, bool]
# QuestionWords.plan: own words weighed (total, words) or None, the weight without
# them, and each other wording's (text, weight, its words weighed).
_Plan = tuple[
    "tuple[float, tuple[_Weighed, ...]] | None",
    float,
    "tuple[tuple[str, float, tuple[float, tuple[_Weighed, ...]]], ...]",
]


class _WordWeights:
    """What a word weighs in :meth:`_Judge._matched`, read off one index once per word.

    A word the corpus knows weighs its idf; one it has never seen, the mean idf of its
    character bigrams (each bigram with its weight). The same for every passage judged
    and every question asking with the word, so kept with the index state (as long as
    it serves), not looked up again for each of a question's candidate passages.
    """

    # Words kept (0: none); past it the memo starts afresh (questions' words, not the
    # corpus's). Its worth: benchmarks/answer.py --memos.
    SIZE = 50_000

    def __init__(self, state: IndexState, segmenters: Segmenters) -> None:
        self.index = state.retriever.index
        self.unseen = math.log(1 + (len(state.retriever) + 0.5) / 0.5)
        self.bigrams = segmenters.bigrams
        self.words = segmenters.words
        self._memo: dict[str, tuple[float, tuple[tuple[str, float], ...] | None]] = {}
        self._named: dict[str, bool] = {}

    def of(self, word: str) -> tuple[float, tuple[tuple[str, float], ...] | None]:
        """The word's weight, and None if the corpus knows it, else its weighted bigrams."""
        found = self._memo.get(word)
        if found is None:
            found = self._weigh(word)
            if len(self._memo) >= self.SIZE:
                self._memo = {}
            if self.SIZE:
                self._memo[word] = found
        return found

    def named(self, word: str) -> bool:
        """Whether jieba's dictionary tags ``word`` a proper noun (成都, ns).

        A name counts wherever its characters stand, as the answerability gate reads
        names: the paper prints it inside longer words its dictionary holds (成都市,
        锦江区) that the resident does not write.
        """
        found = self._named.get(word)
        if found is None:
            tagged = self.words.tokenizer.parts_of_speech(word)
            found = len(tagged) == 1 and tagged[0][1] in NAME_TAGS
            if len(self._named) >= self.SIZE:
                self._named = {}
            if self.SIZE:
                self._named[word] = found
        return found

    def _weigh(self, word: str) -> tuple[float, tuple[tuple[str, float], ...] | None]:
        scale = 0.5 if len(word) == 1 else 1.0
        if self.index.doc_freq(word):
            return self.index.idf(word) * scale, None
        # The HMM glues a particle to the word before it (东关街有, 黄华麒是): the pairs
        # with it are no evidence against, the word itself is judged without it.
        core = word.rstrip(_EDGES) or word
        bigrams = self.bigrams.tokenize(core) or [core]
        weights = [self.index.idf(b) or self.unseen for b in bigrams]
        return scale * sum(weights) / len(weights), tuple(zip(bigrams, weights, strict=True))


def _word_weights(state: IndexState, segmenters: Segmenters) -> _WordWeights:
    found = state.memo.get("coverage.word_weights")
    if found is None or found.bigrams is not segmenters.bigrams:
        found = state.memo["coverage.word_weights"] = _WordWeights(state, segmenters)
    return found


@dataclass(frozen=True)
class Evidence:
    """How far a passage (with its street, headline and subhead) answers the question.

    Attributes:
        coverage: the share (0..1) of all the question's idf-weighted concepts it holds.
        topic: the same share over the question's topic concepts only: the specific
            things asked about (names, nouns, numbers), not its frame (时候, 哪里,
            附近, 怎么样) or its small verbs (装, 打).
        heaviest: the share held of the most specific (highest-weight) topic concept.
    """

    coverage: float
    topic: float
    heaviest: float
    lang: str = "zh"
    # A time after every issue was printed (明天) that the passage does not name: the
    # paper cannot report on it, however well the rest matches.
    absent: bool = False

    @property
    def answers(self) -> bool:
        """Whether this is evidence enough to quote: the paper covers the topic itself."""
        return (
            not self.absent
            and self.coverage >= MIN_COVERAGE
            and self.topic >= MIN_TOPIC[self.lang]
            and self.heaviest >= MIN_HEAVIEST
        )


def judge_groups(
    state: IndexState,
    segmenters: Segmenters,
    expansion: Expansion,
    groups: Sequence[Sequence[PassageRecord]],
    topics: Sequence[bool],
    *,
    exact: bool = True,
    question: QuestionWords | None = None,
) -> Judgements:
    """How far each of ``groups`` (passages of one article each) answers the question.

    Args:
        topics: for each of ``expansion.concepts``, whether it is a topic concept
            (:func:`topic_concepts`).
        exact: False counts a word wherever its characters stand (:func:`may_answer`).
        question: the question's words, if already read for another of its candidates.
    """
    texts = [
        _Texts(
            segmenters,
            [group[0].issue.street, group[0].article_title, group[0].heading]
            + [r.text for r in group],
            exact=exact,
        )
        for group in groups
    ]
    n = len(groups)
    judge = _Judge(state, segmenters, texts, question)
    concepts = expansion.concepts
    judged = [judge.concept(concept) for concept in concepts]
    for at, (concept, head) in enumerate(itertools.pairwise(concepts)):
        joined = judge.joined(concept, head, expansion.question)
        if joined is not None:
            weight, share, held = judged[at]
            judged[at] = (weight, np.maximum(share, joined), np.maximum(held, joined))
    known_words = [judge.known(concept) for concept in concepts]
    # A framing word the corpus never printed (那天, 几样: the paper does not ask
    # questions) weighs as much as the rarest word, yet says nothing of the topic: out.
    # Not a small verb never printed (吵): what happened is still asked.
    weighed = [
        (0.0 if not topic and not known and judge.question.says_nothing(concept) else w, s)
        for (w, s, _), topic, known, concept in zip(
            judged, topics, known_words, concepts, strict=True
        )
    ]
    total = sum(w for w, _ in weighed)
    matched = np.zeros(n)
    for w, s in weighed:
        matched = matched + w * s
    # Whether the topic is there is asked of any wording of it (a synonym's match is the
    # topic in the paper's words): its lower weight shapes ranking, not this test.
    topical = [
        (w, h, known)
        for (w, _, h), topic, known in zip(judged, topics, known_words, strict=True)
        if topic and w
    ]
    if not topical:
        topical = [(w, h, known) for (w, _, h), known in zip(judged, known_words, strict=True) if w]
    topic_total = sum(w for w, _, _ in topical)
    topic_held = np.zeros(n)
    for w, h, _ in topical:
        topic_held = topic_held + w * h
    # The most specific topic the corpus knows must be there: a word the corpus never
    # saw is often a typo (judged by its bigrams above), but a known word missing from
    # the passage means the passage is about something else.
    known = [(w, h) for w, h, k in topical if k]
    absent = np.zeros(n, np.bool_)
    for (_, s), topic, concept in zip(weighed, topics, concepts, strict=True):
        if topic and concept.text in _NOW_WORDS_EN:
            # Its translations (tomorrow → 未来) are said of anything ahead: only the
            # paper's own word for a day to come (明天) would be about that day.
            named = np.zeros(n, np.bool_)
            for word in _NOW_WORDS_ZH:
                named = named | judge.presence.phrase(word)
            absent = absent | ~named
        elif topic and concept.text in _NOW_WORDS:
            absent = absent | (s == 0)
    return Judgements(
        coverage=matched / total if total else np.zeros(n),
        topic=topic_held / topic_total if topic_total else np.zeros(n),
        heaviest=max(known, key=lambda wh: wh[0])[1] if known else np.ones(n),
        absent=absent,
        lang=expansion.lang,
    )


@dataclass(frozen=True)
class Judgements:
    """:class:`Evidence` for several groups at once: each measure an array, one value
    a group (:func:`judge_groups`)."""

    coverage: np.ndarray
    topic: np.ndarray
    heaviest: np.ndarray
    absent: np.ndarray
    lang: str

    @property
    def answers(self) -> np.ndarray:
        """Whether each group is evidence enough to quote (:attr:`Evidence.answers`)."""
        return (
            ~self.absent
            & (self.coverage >= MIN_COVERAGE)
            & (self.topic >= MIN_TOPIC[self.lang])
            & (self.heaviest >= MIN_HEAVIEST)
        )

    def __getitem__(self, at: int) -> Evidence:
        return Evidence(
            coverage=float(self.coverage[at]),
            topic=float(self.topic[at]),
            heaviest=float(self.heaviest[at]),
            lang=self.lang,
            absent=bool(self.absent[at]),
        )


def evidence(
    state: IndexState,
    segmenters: Segmenters,
    expansion: Expansion,
    group: Sequence[PassageRecord],
    topics: Sequence[bool],
    *,
    exact: bool = True,
    question: QuestionWords | None = None,
) -> Evidence:
    """How far ``group`` (passages of one article) answers the question
    (:func:`judge_groups` of this one group)."""
    return judge_groups(
        state, segmenters, expansion, [group], topics, exact=exact, question=question
    )[0]


def concept_shares(
    state: IndexState,
    segmenters: Segmenters,
    expansion: Expansion,
    group: Sequence[PassageRecord],
) -> list[tuple[float, float]]:
    """Each concept's weight and the share of it ``group`` holds (for explaining a quote)."""
    first = group[0]
    texts = _Texts(segmenters, [first.issue.street, first.article_title, first.heading, first.text])
    judge = _Judge(state, segmenters, [texts])
    return [
        (weight, float(share[0]))
        for weight, share, _ in map(judge.concept, expansion.concepts)
    ]


def may_answer_groups(
    state: IndexState,
    segmenters: Segmenters,
    expansion: Expansion,
    groups: Sequence[Sequence[PassageRecord]],
    topics: Sequence[bool],
    question: QuestionWords | None = None,
) -> np.ndarray:
    """:func:`may_answer` of each of ``groups``, judged together."""
    return judge_groups(
        state, segmenters, expansion, groups, topics, exact=False, question=question
    ).answers


def may_answer(
    state: IndexState,
    segmenters: Segmenters,
    expansion: Expansion,
    group: Sequence[PassageRecord],
    topics: Sequence[bool],
    question: QuestionWords | None = None,
) -> bool:
    """False only where ``evidence(...).answers`` is False too, without segmenting.

    Judged with every word counted wherever its characters stand: a token is a slice of
    its normalised text, so this finds every word the tokens hold (and perhaps more),
    and every measure of :class:`Evidence` only grows with what is found. Most of a
    question's candidate passages fail even so, and need no segmenting at all
    (tests/corpus/test_answer_memos.py checks the bound on the gold set).
    """
    return evidence(
        state, segmenters, expansion, group, topics, exact=False, question=question
    ).answers


def coverage(
    state: IndexState,
    segmenters: Segmenters,
    expansion: Expansion,
    group: Sequence[PassageRecord],
) -> float:
    """The share (0..1) of the question's idf-weighted concepts that ``group`` answers."""
    topics = [True] * len(expansion.concepts)
    return evidence(state, segmenters, expansion, group, topics).coverage


# Now and the days ahead: a time after every issue was printed. A question about it
# ("明天天气怎么样") needs a passage that names that time, however well the rest matches.
_NOW_WORDS_ZH = frozenset(
    {"今天", "明天", "后天", "今晚", "明晚", "明早", "下周", "下星期", "这周", "本周末", "周末"}
)
_NOW_WORDS_EN = frozenset(
    {"today", "tomorrow", "tonight", "this weekend", "next week", "this week", "weekend"}
)
_NOW_WORDS = _NOW_WORDS_ZH | _NOW_WORDS_EN


# Parts of speech that frame a question rather than name its topic (jieba's tag set):
# locatives (附近, 门口 is s: kept), pronouns, conjunctions, prepositions, adverbs,
# particles, modal and onomatopoeic words, measure words, and affixes (们, 老-): a
# prefix or suffix jieba cuts off on its own belongs to the word beside it.
_FRAME_TAGS = frozenset(
    {"f", "r", "c", "p", "d", "u", "uj", "ul", "ud", "uz", "uv", "ug", "y", "e", "o", "q", "zg"}
    | {"k", "h"}
)
# Nouns and verbs a question is framed with, whatever it asks about.
_FRAME_WORDS = frozenset(
    [
        "什么时候",
        "时候",
        "时间",
        "几点",
        "哪天",
        "日子",
        "地方",
        "地点",
        "位置",
        "事",
        "事情",
        "情况",
        "进展",
        "进度",
        "结果",
        "消息",
        "问题",
        "具体",
        "知道",
        "请问",
        "告诉",
        "有没有",
        "可以",
        "能够",
        "需要",
        "多少",
        "几个",
        "多久",
        "东西",
        "办法",
        "方法",
        "怎么办",
        "干嘛",
        "干啥",
        "钱",
    ]
)


def frames(word: str) -> bool:
    """Whether ``word`` is one a question is framed with (多少, 干嘛, 什么时候), not a topic."""
    return word in _FRAME_WORDS


def topic_concepts(expansion: Expansion, words: MemoTokenizer) -> list[bool]:
    """For each concept of the question, whether it names what is asked about.

    A concept is framing, not topic, when every word of its best Chinese wording is a
    framing part of speech, a framing word, a one-character verb (装, 打, 搞) or a
    question numeral (几条, 多少).
    """
    flags = []
    for concept in expansion.concepts:
        best = concept.alternatives[0] if concept.alternatives else None
        if best is None:
            flags.append(True)  # untranslated: unknown, so it counts against
            continue
        flags.append(not _frame_only(concept, words))
    return flags


def _frame_only(concept: Concept, words: MemoTokenizer, *, verbs: bool = True) -> bool:
    """Whether every word of ``concept``'s best Chinese wording frames the question
    (:func:`topic_concepts`); with ``verbs`` False a one-character verb does not."""
    best = concept.alternatives[0] if concept.alternatives else None
    if best is None:
        return False
    return all(
        tag in _FRAME_TAGS
        or word in _FRAME_WORDS
        or (verbs and len(word) == 1 and tag.startswith("v"))
        or word.startswith(("几", "多少"))  # 几条, 多少人: what is asked, not of what
        for word, tag in words.tokenizer.parts_of_speech(best.text)
    )


def own_words(concept: Concept, words: MemoTokenizer) -> set[str] | None:
    """The jieba words the resident wrote for ``concept``; None if they wrote none in Chinese.

    A plain word is itself (as segmented in the question); an everyday phrase is
    segmented on its own (装电梯 → 装, 电梯).
    """
    own = [a.text for a in concept.alternatives if a.origin == "question"]
    if not own:
        return None
    if len(concept.alternatives) == 1:
        return {own[0]}
    return set(words.tokenize(own[0]))

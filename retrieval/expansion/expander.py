"""The query expander: a question → concepts and the weighted index terms they give.

See :mod:`retrieval.expansion` for the rules (own words 1, synonyms
:data:`~.synonyms.SYNONYM_WEIGHT`, dictionary candidates by their share of the
best, pinyin guesses by rank; terms merge by max).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

from ..cedict import Cedict, clean_gloss, load_cedict
from ..normalize import normalize
from ..tokenization import Token, Tokenizer, read_word_list
from .concepts import (
    UNSEEN_PHRASE,
    UNSEEN_WORD,
    Alternative,
    Concept,
    Expansion,
    Lang,
    Vocabulary,
    detect_lang,
)
from .english import (
    MAX_CANDIDATES,
    MIN_SHARE,
    Word,
    derived_forms,
    dictionary_candidates,
    english_variants,
    english_words,
    number_of,
    one_slip_away,
    phrase_forms,
)
from .homophones import HOMOPHONE_WEIGHT, dictionary_homophones, homophone_fixes
from .pinyin import PINYIN_WEIGHTS, pinyin_chains, reads_as_pinyin
from .synonyms import SYNONYM_WEIGHT, SynonymTable
from .thesaurus import (
    MAX_GROUP_SIZE,
    MAX_SENSES,
    MAX_THESAURUS_ALTERNATIVES,
    THESAURUS_WEIGHT,
    Thesaurus,
)

# Compounds joined from adjacent words' translations (see QueryExpander._compounds):
# headwords tried per word, compounds kept per question, the shortest kept, and their
# weight in ranking.
MAX_PIECES = 12
MAX_COMPOUNDS = 6
MIN_COMPOUND_CHARS = 3
COMPOUND_WEIGHT = 1.0


class QueryExpander:
    """Expands questions for one tokenizer (the index's).

    Args:
        tokenizer: the tokenizer the index was built with.
        synonyms: the domain table; ``None`` for none.
        cedict: a callable returning the dictionary (loaded on the first English
            question); ``None`` to leave English untranslated.
        thesaurus: a callable returning a Chinese thesaurus (loaded on the first
            Chinese question), whose synonyms become alternatives at
            :data:`~.thesaurus.THESAURUS_WEIGHT`; ``None`` (the default) for none.
        thesaurus_weight: the weight of a thesaurus synonym (for measuring others).
    """

    def __init__(
        self,
        tokenizer: Tokenizer,
        *,
        synonyms: SynonymTable | None = None,
        cedict: Callable[[], Cedict] | None = load_cedict,
        thesaurus: Callable[[], Thesaurus] | None = None,
        thesaurus_weight: float = THESAURUS_WEIGHT,
    ) -> None:
        self.tokenizer = tokenizer
        self.synonyms = synonyms or SynonymTable()
        self._cedict = cedict
        self._thesaurus = thesaurus
        self.thesaurus_weight = thesaurus_weight
        # Local names and terms (the user dictionary) are the paper's own words: a
        # general thesaurus knows 花木 (a street) only as 花草 (plants).
        self._local_words = frozenset(
            normalize(entry.split()[0])
            for entry in (
                read_word_list(tokenizer.userdict) if thesaurus and tokenizer.userdict else ()
            )
        )
        self.words = dataclasses.replace(
            tokenizer, words="precise", char_bigrams=False, char_unigrams=False
        )
        self._all_words = dataclasses.replace(self.words, stopwords=False)
        self.highlighter = dataclasses.replace(tokenizer, char_unigrams=False)

    def expand(self, question: str, vocabulary: Vocabulary) -> Expansion:
        """``question``'s concepts and weighted terms, given what the corpus holds."""
        text = normalize(question)
        if detect_lang(text) == "en":
            concepts = self._english(text, vocabulary)
            return self._assemble(text, "en", concepts, {}, self._compounds(text, vocabulary))
        concepts = self._chinese(text, vocabulary)
        return self._assemble(text, "zh", concepts, self.tokenizer.query_terms(text))

    def plain(self, question: str) -> Expansion:
        """No expansion: the resident's words only (for comparison and for Chinese text)."""
        text = normalize(question)
        concepts = tuple(
            Concept(w, (Alternative(w, 1.0, "question"),))
            for w in dict.fromkeys(self.words.tokenize(text))
        )
        return self._assemble(text, detect_lang(text), concepts, self.tokenizer.query_terms(text))

    # -- Chinese ------------------------------------------------------------------------

    def _chinese(self, text: str, vocabulary: Vocabulary) -> tuple[Concept, ...]:
        """One concept per distinct word; an everyday phrase is one concept with its synonyms.

        The phrase replaces the words it spans (装电梯 is one thing, not 装 and 电梯),
        so its synonyms can stand for all of it when judging relevance. The thesaurus,
        if any, adds its synonyms after the table's (the table is the local truth).
        """
        thesaurus = self._thesaurus() if self._thesaurus else None
        # An everyday phrase must be whole words of the question: 装电梯 inside 加装电梯
        # is already the official word.
        cuts = {0, len(text)}
        every = self._all_words.tokenize_with_spans(text)
        for token in every:
            cuts.update((token.start, token.end))
        # The dictionary's own cut too: jieba's HMM glues single characters across the
        # phrase's edge (查小饭馆 → 查小 | 饭馆), and the phrase is still the resident's.
        for _, start, end in self.tokenizer._segmenter().tokenize(text, "default", False):
            cuts.update((start, end))
        matches = [m for m in self.synonyms.find(text) if m[0] in cuts and m[1] in cuts]
        concepts: dict[str, Concept] = {}
        for _, _, key in matches:
            alternatives = (
                Alternative(key, 1.0, "question"),
                *(Alternative(o, SYNONYM_WEIGHT, "synonym") for o in self.synonyms.get(key)),
            )
            concepts[key] = Concept(
                key,
                alternatives + self._thesaurus_alternatives(thesaurus, alternatives, vocabulary),
            )
        spans = [(start, end) for start, end, _ in matches]
        tokens = self.words.tokenize_with_spans(text)
        for key, corrected in self._homophone_fixes(text, tokens, every, spans, vocabulary):
            spans.append(key[1:])
            concepts[key[0]] = Concept(
                key[0],
                (
                    Alternative(key[0], 1.0, "question"),
                    Alternative(corrected, HOMOPHONE_WEIGHT, "homophone"),
                ),
            )
        words: dict[str, Concept] = {}
        for token in _outside(text, tokens, spans, self.words):
            if token.term in words:
                continue
            own = (Alternative(token.term, 1.0, "question"),)
            words[token.term] = Concept(
                token.term, own + self._thesaurus_alternatives(thesaurus, own, vocabulary)
            )
        return tuple(words.values()) + tuple(concepts.values())

    def dictionary_homophones(self, word: str) -> list[str]:
        """The dictionary words ``word`` (not in the dictionary itself) is one typing slip
        away from (干麻 → 干嘛, 干么); none without a dictionary of readings."""
        if self._cedict is None:
            return []
        is_word = self.tokenizer._segmenter().FREQ.get
        if is_word(word):
            return []
        return dictionary_homophones(word, self._cedict(), is_word)

    def _homophone_fixes(
        self,
        text: str,
        tokens: Sequence[Token],
        every: Sequence[Token],
        taken: Sequence[tuple[int, int]],
        vocabulary: Vocabulary,
    ) -> list[tuple[tuple[str, int, int], str]]:
        """Slipped runs (:mod:`.homophones`) as ``((words, start, end), corrected words)``.

        A run is widened to the question's words (``tokens``, stopwords left out) it
        touches, so the corrected wording stands for them whole, as an everyday phrase
        stands for its words; ``every`` is the question's words with stopwords.
        """
        if self._cedict is None:
            return []
        fixes = homophone_fixes(
            text,
            [(t.term, t.start, t.end) for t in every],
            self._cedict,
            vocabulary,
            self.tokenizer._segmenter().FREQ.get,
            self.tokenizer.is_stopword,
        )
        found = []
        for start, end, fixed in fixes:
            lo = min([start] + [t.start for t in tokens if t.start < end and start < t.end])
            hi = max([end] + [t.end for t in tokens if t.start < end and start < t.end])
            if any(a < hi and lo < b for a, b in taken):
                continue
            found.append(((text[lo:hi], lo, hi), text[lo:start] + fixed + text[end:hi]))
        return found

    def _thesaurus_alternatives(
        self,
        thesaurus: Thesaurus | None,
        alternatives: Sequence[Alternative],
        vocabulary: Vocabulary,
    ) -> tuple[Alternative, ...]:
        """The thesaurus's synonyms of a concept's own word that the corpus says.

        Only for words of two characters or more that are not local names; both the
        word and a synonym must have at most :data:`~.thesaurus.MAX_SENSES` senses
        (groups), and only groups of at most :data:`~.thesaurus.MAX_GROUP_SIZE` words
        count (larger ones are loose categories); never single characters; at most
        :data:`~.thesaurus.MAX_THESAURUS_ALTERNATIVES`, in the thesaurus's order.
        """
        word = alternatives[0].text
        if thesaurus is None or len(word) < 2 or word in self._local_words:
            return ()
        groups = thesaurus.groups(word)
        if len(groups) > MAX_SENSES:
            return ()  # 活动 is an activity, a mechanism and to move: which one is unknown
        taken = {a.text for a in alternatives}
        found: list[Alternative] = []
        for group in groups:
            if len(group) > MAX_GROUP_SIZE:
                continue
            for synonym in group:
                if len(found) == MAX_THESAURUS_ALTERNATIVES:
                    return tuple(found)
                if (
                    len(synonym) < 2
                    or synonym in taken
                    or len(thesaurus.groups(synonym)) > MAX_SENSES
                    or not self._present(synonym, vocabulary)
                ):
                    continue
                taken.add(synonym)
                found.append(Alternative(synonym, self.thesaurus_weight, "thesaurus"))
        return tuple(found)

    # -- English ------------------------------------------------------------------------

    def _english(self, text: str, vocabulary: Vocabulary) -> tuple[Concept, ...]:
        cedict = self._cedict() if self._cedict else None
        concepts: list[Concept] = []
        for run in english_words(text):
            i = 0
            while i < len(run):
                for n in (3, 2, 1):
                    if i + n > len(run):
                        continue
                    concept = self._english_concept(run[i : i + n], cedict, vocabulary)
                    if concept is not None or n == 1:
                        if concept is None:
                            concept = Concept(run[i].text, (), untranslated=True)
                        if concept is not _FUNCTION_WORD:
                            concepts.append(concept)
                        i += n
                        break
        return tuple(concepts)

    def _english_concept(
        self, words: Sequence[Word], cedict: Cedict | None, vocabulary: Vocabulary
    ) -> Concept | None:
        """A concept for ``words`` if they translate to something the index knows.

        A phrase (two or three words) must translate as a whole; a single word may
        also be a number or a name in pinyin.
        """
        phrase = " ".join(w.text for w in words)
        if len(words) == 1 and words[0].text[0].isdigit():
            return Concept(phrase, (Alternative(number_of(words[0].text), 1.0, "question"),))
        scored = self._translations(words, cedict, vocabulary)
        present = self._usable(scored, vocabulary)
        if not present and len(words) == 1 and cedict is not None:
            for form in derived_forms(words[0].text):
                derived = dict(dictionary_candidates(cedict, form, single=True))
                if self._usable(derived, vocabulary):
                    scored = derived
                    present = self._usable(derived, vocabulary)
                    break
        if present:
            return Concept(phrase, self._weigh(present))
        if len(words) == 1 and any(self._present(c, vocabulary) for c in scored):
            # Every translation the paper prints is a function word (somewhere → 哪里,
            # often → 经常, party → 一方): the word frames the question, it is no topic.
            return _FUNCTION_WORD
        if len(words) > 1 and cedict is not None:
            # A name written in pinyin as several words (Zheng Hong, Wang Xinyuan).
            chains = self._pinyin_name(words, cedict, vocabulary)
            if chains:
                return Concept(
                    phrase,
                    tuple(
                        Alternative(c, w, "pinyin")
                        for c, w in zip(chains, PINYIN_WEIGHTS, strict=False)
                    ),
                )
        if len(words) == 1 and cedict is not None:
            chains = pinyin_chains(words[0].text, cedict, vocabulary, self.tokenizer.is_stopword)
            if chains:
                return Concept(
                    phrase,
                    tuple(
                        Alternative(c, w, "pinyin")
                        for c, w in zip(chains, PINYIN_WEIGHTS, strict=False)
                    ),
                )
        if not scored and len(words) == 1 and cedict is not None:
            # No dictionary word at all: perhaps a typing slip (requirments).
            slip = self._slip(words[0], cedict, vocabulary)
            if slip is not None:
                return slip
        if scored:
            # Translatable, but the paper never says it ("swimming pool" is 游泳池, not
            # 游泳 and 池): a concept nothing can match, and evidence the paper is silent
            # on it, strong when not even the phrase's head word is in the paper.
            if len(words) == 1:
                return Concept(phrase, (), unseen=UNSEEN_WORD)
            head = self._translations(words[-1:], cedict, vocabulary, present_only=True)
            if any(len(c) > 1 for c in head) or self._joins(words, cedict, vocabulary):
                # foot massage, service stations: the paper may say it in its own words
                # (足浴按摩; 服务站, joined from the words'), so they are read one by one.
                # A head word the paper has only as a character (bill → 单) is no sign.
                return None
            return Concept(phrase, (), unseen=UNSEEN_PHRASE)
        return None

    def _slip(self, word: Word, cedict: Cedict, vocabulary: Vocabulary) -> Concept | None:
        """The concept of the word one typing slip from ``word`` whose translations the
        paper prints, at :data:`~.homophones.HOMOPHONE_WEIGHT` (a guess, as a Chinese
        slip's correction is)."""

        def known(candidate: str) -> bool:
            return any(cedict.knows(form) for form in english_variants(candidate))

        for fixed in one_slip_away(word.text, known):
            present = self._usable(
                self._translations([Word(fixed, word.start, word.end)], cedict, vocabulary),
                vocabulary,
            )
            if present:
                alternatives = tuple(
                    dataclasses.replace(a, weight=a.weight * HOMOPHONE_WEIGHT)
                    for a in self._weigh(present)
                )
                return Concept(word.text, alternatives)
        return None

    @staticmethod
    def _joins(words: Sequence[Word], cedict: Cedict, vocabulary: Vocabulary) -> bool:
        """Whether the corpus holds the words' headwords joined in order (服务站 for
        service station: 服务 + 站), the head word's alone as a character too."""
        joined = [""]
        for word in words:
            pieces = _headwords(cedict, word.text)
            joined = [j + p for j in joined for p in pieces if vocabulary.contains(j + p)][
                :MAX_PIECES
            ]
            if not joined:
                return False
        return any(len(j) > len(words) for j in joined)

    def _pinyin_name(
        self, words: Sequence[Word], cedict: Cedict, vocabulary: Vocabulary
    ) -> list[str]:
        """The corpus's strings that read as ``words`` joined, if all are pinyin.

        Only a string the index holds as a term or the text holds whole: two English
        words that happen to spell syllables rarely spell one. A word of one syllable
        (Zheng, Hong) is read only with the others; otherwise each word's own readings
        are joined (Shiji Tongle: 世纪 + 同乐), as cheap as reading them apart.
        """
        syllables = cedict.syllables
        if not all(w.text.isalpha() and reads_as_pinyin(w.text, syllables) for w in words):
            return []  # most runs are plain English
        stopword = self.tokenizer.is_stopword
        if any(w.text in syllables for w in words):
            joined = pinyin_chains("".join(w.text for w in words), cedict, vocabulary, stopword)
        else:
            joined = [""]
            for word in words:
                readings = pinyin_chains(word.text, cedict, vocabulary, stopword)
                joined = [j + r for j in joined for r in readings if vocabulary.contains(j + r)]
        return [
            c
            for c in joined
            if len(c) >= len(words) and (vocabulary.doc_freq(c) or vocabulary.contains(c))
        ][: len(PINYIN_WEIGHTS)]

    def _usable(self, scored: Mapping[str, float], vocabulary: Vocabulary) -> dict[str, float]:
        """The candidates the paper prints that are not function words.

        A single character (its dictionary's first sense only, see
        :func:`~.english.dictionary_candidates`) only where the paper prints no word of
        two characters or more for it: 站 for station when 车站 is absent.
        """
        usable = {
            c: s
            for c, s in scored.items()
            if self._present(c, vocabulary) and not self._function_like(c)
        }
        if any(len(c) > 1 for c in usable):
            usable = {c: s for c, s in usable.items() if len(c) > 1}
        return usable

    def _function_like(self, candidate: str) -> bool:
        """Whether ``candidate`` is a function word: a pronoun, adverb, conjunction,
        preposition, particle or interjection (jieba's tags), a stopword, or a numeral
        phrase 一X (一方, 一行: "a party" as in a group of people)."""
        if candidate.isdigit():
            return False
        if self.tokenizer.is_stopword(candidate):
            return True
        tagged = self.tokenizer.parts_of_speech(candidate)
        if len(candidate) >= 2 and candidate[0] == "一" and tagged and tagged[0][1] == "m":
            return True
        return bool(tagged) and all(tag in _FUNCTION_TAGS for _, tag in tagged)

    def _translations(
        self,
        words: Sequence[Word],
        cedict: Cedict | None,
        vocabulary: Vocabulary,
        *,
        present_only: bool = False,
    ) -> dict[str, float]:
        """Candidates for ``words`` (table and dictionary), from the first form that has any.

        The first form the table or dictionary knows is the word: "parking" is 停车, not
        "park" (公园); "swimming" is 游泳, not "swim". A plural is the exception: its
        singular is tried when the plural has no gloss of its own (trails is only inside
        "blaze new trails", 创新) or none the paper says (services: 劳务, service: 服务).
        """
        forms = phrase_forms(words)
        plural = _singular_at(words[-1].text, forms)
        first: dict[str, float] = {}
        for k, form in enumerate(forms):
            scored = dict.fromkeys(self.synonyms.get(form), 1.0)
            if cedict is not None:
                for headword, score in dictionary_candidates(cedict, form, single=len(words) == 1):
                    scored[headword] = max(scored.get(headword, 0.0), score)
            if present_only:
                scored = self._usable(scored, vocabulary)
            if not scored:
                continue
            if k == 0 and plural is not None and cedict is not None:
                if not (self.synonyms.get(form) or cedict.exact(clean_gloss(form) or form)):
                    continue  # no gloss of its own: the singular's or nothing
                if not self._usable(scored, vocabulary):
                    first = scored
                    continue
            if k == plural and first and not self._usable(scored, vocabulary):
                return first
            return scored
        return first

    def _compounds(self, text: str, vocabulary: Vocabulary) -> list[str]:
        """Strings the corpus holds that join translations of two or three adjacent words,
        one headword per word in order (International Volunteer Day → 国际志愿者日).

        Each word's headwords are every exact gloss of its first form the dictionary has,
        single characters included (day → 日): joined, the corpus decides. Built link by
        link, each prefix a string the corpus holds (as pinyin names are).
        """
        cedict = self._cedict() if self._cedict else None
        if cedict is None:
            return []
        found: dict[str, None] = {}
        for run in english_words(text):
            pieces = [_headwords(cedict, w.text) for w in run]
            for n in (3, 2):
                for i in range(len(run) - n + 1):
                    # (joined so far, words joined, whether the last piece is one character)
                    stack = [(p, 1, False) for p in pieces[i] if len(p) > 1]
                    while stack and len(found) < MAX_COMPOUNDS:
                        prefix, depth, single = stack.pop()
                        if depth == n:
                            if len(prefix) >= MIN_COMPOUND_CHARS + single:
                                found[prefix] = None
                            continue
                        for piece in pieces[i + depth]:
                            if len(piece) == 1 and depth + 1 < n:
                                continue  # a character alone only as the head (日), not 气安全
                            if vocabulary.contains(prefix + piece):
                                stack.append((prefix + piece, depth + 1, len(piece) == 1))
        # One piece of evidence each: not 国际志愿 beside 国际志愿者日.
        return [c for c in found if not any(c != o and c in o for o in found)]

    def _weigh(self, scores: Mapping[str, float]) -> tuple[Alternative, ...]:
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))
        best = ranked[0][1]
        kept = [(c, s / best) for c, s in ranked[:MAX_CANDIDATES] if s >= MIN_SHARE * best]
        alternatives = [Alternative(c, w, "dictionary") for c, w in kept]
        # Residents' English words are often everyday ones: follow the synonym table
        # one step (gas tank → 煤气罐 → 钢瓶).
        for c, w in kept:
            for official in self.synonyms.get(c):
                if all(a.text != official for a in alternatives):
                    alternatives.append(Alternative(official, w * SYNONYM_WEIGHT, "synonym"))
        return tuple(alternatives)

    @staticmethod
    def _present(candidate: str, vocabulary: Vocabulary) -> bool:
        """Whether the corpus says ``candidate``: an index term, or its text verbatim.

        Index terms alone would not do for longer words: 义务工作者's parts 义务, 务工,
        工作 and 作者 all occur, in passages that never mention a volunteer worker.
        """
        if len(candidate) <= 2 and vocabulary.doc_freq(candidate):
            return True
        return vocabulary.contains(candidate)

    # -- assembling -----------------------------------------------------------------------

    def _assemble(
        self,
        text: str,
        lang: Lang,
        concepts: Sequence[Concept],
        base: Mapping[str, float],
        compounds: Sequence[str] = (),
    ) -> Expansion:
        terms: dict[str, float] = dict(base)
        # A compound joined from the words' translations boosts ranking only: coverage
        # judges the concepts, each word on its own.
        for compound in compounds:
            for term, weight in self.tokenizer.query_terms(compound).items():
                terms[term] = max(terms.get(term, 0.0), COMPOUND_WEIGHT * weight)
        highlight: dict[str, float] = dict.fromkeys(self.highlighter.tokenize(text), 1.0)
        for concept in concepts:
            for alt in concept.alternatives:
                if alt.origin == "question" and lang == "zh":
                    continue  # already in the base bag, weighted as Retriever.search weighs them
                for term, weight in self.tokenizer.query_terms(alt.text).items():
                    terms[term] = max(terms.get(term, 0.0), alt.weight * weight)
                for term in self.highlighter.tokenize(alt.text):
                    highlight[term] = max(highlight.get(term, 0.0), alt.weight)
        if lang == "en":
            # English words are no evidence in a Chinese paper (mastheads aside).
            highlight = {t: w for t, w in highlight.items() if not t.isascii() or t[0].isdigit()}
        return Expansion(text, lang, tuple(concepts), terms, highlight)


# Parts of speech of function words (jieba's tags): pronouns, adverbs, conjunctions,
# prepositions, particles, modal words, interjections, onomatopoeia.
_FUNCTION_TAGS = frozenset(
    {"r", "d", "c", "p", "u", "uj", "ul", "ud", "uz", "uv", "ug", "y", "e", "o"}
)
# What _english_concept gives for a function word: no concept at all.
_FUNCTION_WORD = Concept("", ())


def _outside(
    text: str, tokens: Sequence[Token], spans: Sequence[tuple[int, int]], words: Tokenizer
) -> list[Token]:
    """The words of ``text`` (``tokens``) outside the phrases matched (``spans``), in order.

    A word the phrase cuts into (舞太吵 beside 广场舞, on the dictionary's cut) leaves
    the rest of its characters, read again as words: 吵 is still asked about.
    """
    kept: list[Token] = []
    for token in tokens:
        cuts = sorted((s, e) for s, e in spans if s < token.end and token.start < e)
        if not cuts:
            kept.append(token)
            continue
        at = token.start
        for start, end in [*cuts, (token.end, token.end)]:
            if at < start:
                kept.extend(
                    Token(t.term, t.start + at, t.end + at)
                    for t in words.tokenize_with_spans(text[at:start])
                )
            at = max(at, end)
    return kept


def _singular_at(word: str, forms: Sequence[str]) -> int | None:
    """The index in ``forms`` of ``word``'s singular, if ``word`` is a plural."""
    word = forms[0].split()[-1] if forms else word
    if len(forms) < 2 or not word.endswith("s"):
        return None
    singular = forms[1].split()[-1]
    return 1 if singular in (word[:-1], word[:-2], word[:-3] + "y") else None


def _headwords(cedict: Cedict, word: str) -> list[str]:
    """The headwords of the first form of ``word`` with an exact gloss, primary senses first."""
    if word[0].isdigit():
        return []
    for form in english_variants(word):
        senses = sorted(cedict.exact(clean_gloss(form) or form), key=lambda s: s.rank)
        if senses:
            return list(dict.fromkeys(s.headword for s in senses))[:MAX_PIECES]
    return []

"""The direct answer line: the asked-for date, number, person or place, quoted where it stands.

The kind is read off the resident's own words (English patterns included); the value
always comes from the Chinese text of the best article's matching passages. If the
sentence holding it is not already the quote, it becomes the quote, so the resident
sees the answer in the newspaper's own words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from corpus.answer.coverage import evidence, judge_groups, topic_concepts
from corpus.answer.extraction import (
    DirectAnswer,
    Kind,
    asked_family,
    asked_title,
    asked_unit,
    asks_ordinal,
    asks_year,
    find_answer,
    named_noun,
    names_a_person,
    person_spans,
    question_kind,
    which_noun,
)
from corpus.answer.live_index import IndexState
from corpus.answer.numbers import UNITS
from corpus.answer.quotes import clip_sentence
from corpus.answer.segmenters import Segmenters
from corpus.answer.types import Quote
from corpus.store.records import PassageRecord
from retrieval import MemoTokenizer
from retrieval.cedict import load_cedict
from retrieval.expansion import Concept, Expansion
from retrieval.expansion.pinyin import reads_as
from retrieval.sentences import split_sentences
from retrieval.snippets import ELLIPSIS, match_spans

# Passages of the best article read besides its best one.
DIRECT_PASSAGES = 4
# Share of what its passage covers of the question's topic (idf-weighted topic concepts,
# in any wording) that the sentence giving a direct answer must cover with its headline
# (chosen on the gold set's tuning half, checked on CMRC 2018 trial): below it the value
# is too likely the right kind of value from a sentence about something else.
DIRECT_MIN_SHARE = 0.9
# Ways of reading a value (kind, path: see extraction.find_answer) whose direct answers
# were right less often than the bar on the tuning data, CMRC 2018 trial and the
# gold set's tune half (`python -m benchmarks.cmrc_pipeline --split trial --by-path`):
# a date (a sentence often dates several events), a name or place after 哪个 or
# 在, a head count, a person under a title. They need a stronger signal (`confident`).
WEAK_PATHS = frozenset(
    {
        ("when", "day"),
        ("when", "month"),
        ("when", "year"),
        ("where", "named"),
        ("where", "place"),
        ("number", "people"),
        ("number", "counted"),
        ("who", "title"),
        ("name", "quoted"),
    }
)
# Lists (哪几个, 哪些) were right least often: partial lists, or common nouns. They need
# two names or more and a sentence covering the whole topic.
WEAKEST_PATHS = frozenset({("which", "list")})
# How many times what another value's clause holds of the question the value's own
# clause must hold, for a weak way of reading among several values of its kind.
RIVAL_MARGIN = 2.0
# ... and the share of the question's words in its sentence its clause must hold then.
CLAUSE_HOLDS = 0.5
# The share of the question's topic a sentence covers that counts as the whole of it.
STRONG_TOPIC = 0.95
# Share of the question's topic its best passage must hold for the reply to say the
# paper does not give the date asked for.
NOTE_MIN_TOPIC = 0.95
STATUS_RE = re.compile(
    r"进展|进度|怎么样了|怎样了|如何了|现状|情况如何|弄得怎么样|到哪一步|结果"
    r"|\bprogress\b|\bstatus\b|\bhow (?:is|are) .+ going\b|\bwhat happened\b"
)
STATE_WORDS_RE = re.compile(r"目前|现在|已经|已有|已将|截至|至今|正在|完成|落成|竣工|圆满结束|通过")
_WHICH_EN = re.compile(r"\bwhich ([a-z]+)")
_PRICE_EN = re.compile(r"\bhow much\b(?! time)|\bprice\b|\bcost\b|\byuan\b|\brmb\b")


class Signals(NamedTuple):
    """What speaks for a direct answer, besides the kind of value it is."""

    share: float  # of what its passage covers of the question's topic, the sentence's share
    topic: float  # the question's topic the sentence (with the one before) covers
    coverage: float  # the whole question (frame words too) the sentence covers
    candidates: int  # values of the asked kind in the sentence
    # The question's words (idf-weighted) in the value's own clause, as a share of those
    # in its sentence; and the most any other value of the asked kind has in its clause
    # (unknown: as much as the value's own).
    clause: float = 1.0
    rival: float = 1.0
    # A name or place begins and ends where the sentence's words do ("纽约证券交易所" holds
    # no "约证券交易所"; "佛光大学校长" no "佛光大学校").
    whole_words: bool = True
    # A count stands beside the question's words (110名退休党员, 杂物近10车): it is a
    # count of what was asked about, not of something else the sentence counts.
    beside: bool = True
    # Another count's item of the sentence's enumeration (between commas or 、) holds
    # every question word the value's own item holds, and more ("初动销量7.7万张、累计
    # 销量12.6万张" for 累计销量): the value is the other figure of the same thing.
    outdone: bool = False
    # An English count's noun ("how many projects" → 项目) stands in the value's clause:
    # a count of something else in the sentence ("100多家单位") does not answer it; a
    # Chinese one's (几个社区), when the sentence names it, stands beside the count.
    noun_held: bool = True
    # A name of the asked noun is a name, not its kind: "漫画杂志" (a comic magazine)
    # does not say which 杂志; a proper name, a verb or an adjective before it does.
    proper: bool = True


# What ends a clause: the value belongs to the predicate of its own clause.
_CLAUSE_BREAK = re.compile(r"[，,；;：:。！？!?]")
# ... and what ends an item of an enumeration.
_ITEM_BREAK = re.compile(r"[，,；;：:。！？!?、]")


def _outdone(sentence: str, found: DirectAnswer, words: Callable[[str], set[str]]) -> bool:
    """Whether another count in the same measure word stands in an item (between
    ``_ITEM_BREAK``s) holding more of the question's ``words`` than the value's own, and
    every one of those."""
    if found.span is None:
        return False

    def item(span: tuple[int, int]) -> set[str]:
        start = max((m.end() for m in _ITEM_BREAK.finditer(sentence, 0, span[0])), default=0)
        after = _ITEM_BREAK.search(sentence, span[1])
        return words(sentence[start : after.start() if after else len(sentence)])

    own = item(found.span)
    unit = sentence[found.span[1] - 1]
    return any(own < item(span) for span in found.others if sentence[span[1] - 1] == unit)


# A clause holding the value and at most this many other characters is a time or an
# amount standing before its clause ("6月24日下午，…举行"): the next clause is its own.
_BARE_CLAUSE = 3
# A clause ending so tells when the next one happens ("2017年3月5日…结束经营后，品牌正式
# 撤出台湾"): the value's event is the next clause's too.
_TEMPORAL_END = re.compile(r"(?:之?后|以后|之前|以前|之际|时|起|以来)$")


def clause_evidence(
    sentence: str, found: DirectAnswer, weigh: Callable[[str], float]
) -> tuple[float, float]:
    """The question's words in the value's clause and, at most, in another value's clause,
    each as a share of those in ``sentence`` (``weigh``: idf-weighted question words).

    The clause is the span between commas around the value. A leading clause without
    any of the question's words (the sentence's first, "经过2个多月的努力，…拆除工作圆满
    结束", or the value alone, "…，12月12日，清水湾居委会…") is an adverbial of the first
    clause after it that holds some, which is weighed instead.
    """
    total = weigh(sentence)
    if found.span is None or total <= 0:
        return 1.0, 0.0
    breaks = [m.start() for m in _CLAUSE_BREAK.finditer(sentence)]

    def weight(span: tuple[int, int]) -> float:
        start = max((b + 1 for b in breaks if b < span[0]), default=0)
        end = min((b for b in breaks if b >= span[1]), default=len(sentence))
        held = weigh(sentence[start:end])
        if _TEMPORAL_END.search(sentence[start:end]):
            after = min((b for b in breaks if b > end), default=len(sentence))
            held += weigh(sentence[end:after])
        if held <= 0 and (start == 0 or end - start - (span[1] - span[0]) <= _BARE_CLAUSE):
            # Its clause is the first after it that holds any of the question (the
            # adverbials between: "11月6日，在区委外事办的带领下，成都市锦江区参访团…").
            for after in [*(b for b in breaks if b > end), len(sentence)]:
                held = weigh(sentence[end:after])
                if held > 0:
                    break
                end = after
        return held / total

    rival = max((weight(span) for span in found.others), default=0.0)
    return weight(found.span), rival


def confident(found: DirectAnswer, signals: Signals) -> bool:
    """Whether a direct line may show ``found``.

    The sentence holding the value must cover nearly all of what its passage covers of
    the question: below that the value is too likely the right kind of value from a
    sentence about something else. Within the sentence, the clause decides: a date,
    place or person must stand in a clause that holds some of the question, and in no
    clause holding less of it than another value of its kind does; a name must be whole
    words of the sentence, and more than a kind of the asked noun (漫画杂志). A count
    among several needs a question word beside it or the clause telling most of the
    question, and no count in its measure word whose item tells all its own does and
    more; an English count needs the counted noun's translation in its clause. A way of
    reading values that is right less often than the
    bar needs a stronger signal besides: the only value of its kind in the sentence, or
    the only one whose clause holds the question (nothing else to mix it up with); a
    list, at least two names, no item of its enumeration left out, and a sentence that
    covers the whole topic of the question.
    """
    if signals.share < DIRECT_MIN_SHARE:
        return False  # (the caller only adds the sentence to the quote then)
    if not signals.whole_words:
        return False  # a piece of a longer name, or a name running into the next word
    if not signals.noun_held or not signals.proper:
        return False  # a count of something else; a kind of thing, not its name
    if found.kind != "number" and signals.clause <= 0:
        # A date, place or person belongs to the event told in its own clause; that
        # clause holds none of the question ("香港…即为英国殖民地，至1997年才结束").
        # (A count or a measure is told of the sentence's topic, often across a comma:
        # "尤金袋鼠很细小，约只有8公斤重".)
        return False
    if (
        found.kind == "number"
        and signals.candidates > 1
        and not signals.beside
        and signals.rival > signals.clause
    ):
        # One count among several, with none of the question's words beside it and
        # another count's clause telling more of the question: nearness alone chose it
        # ("具有高级职称的教师836人，其中…1人").
        return False
    if signals.outdone:
        return False
    tied = bool(found.others) and signals.rival == signals.clause > 0
    if found.kind != "number" and (signals.rival > signals.clause or tied):
        # Another date, place or person of the sentence stands in the clause that tells
        # more of the question ("占旭刚1987年进入浙江省举重队，1994年入选中国国家举重队"),
        # or as much of it: the sentence does not say which one (书记乐跃明，…副书记许军霞
        # for "who chaired the secretaries' meeting").
        return False
    way = (found.kind, found.path)
    if way in WEAKEST_PATHS:
        # A list of one name answers 哪几个 only in part (the others stand elsewhere), and
        # so does one leaving out items of its enumeration.
        return (
            signals.candidates >= 2 and signals.topic >= STRONG_TOPIC and not found.others
        )
    if way in WEAK_PATHS:
        # The only value of its kind in the sentence, or the only one whose clause holds
        # much of the question (RIVAL_MARGIN times what any other's does): nothing else
        # to mix it up with. A year the text does not print is one guess too many there.
        return signals.candidates == 1 or (
            signals.clause >= CLAUSE_HOLDS
            and signals.clause >= RIVAL_MARGIN * signals.rival
            and not found.year_inferred
        )
    return True


@dataclass(frozen=True)
class _Asked:
    """What the question asks for: the kind, a noun after 哪, a measure word after 几."""

    kind: Kind
    noun: str | None
    unit: str | None
    title: str | None = None
    family: str | None = None
    year_only: bool = False
    ordinal: bool = False
    counted: str | None = None  # the noun after 几个/多少 (几个社区 → 社区)
    clock: bool = False  # the time of day is asked (几点, what time)


def direct_answer(
    state: IndexState, segmenters: Segmenters, expansion: Expansion, quotes: list[Quote]
) -> DirectAnswer | None:
    """The direct answer for ``quotes[0]``'s article, or None if none is asked for.

    Every sentence of the first quote's passages that holds an expression of the
    asked-for kind is a candidate; the one sharing the most (idf-weighted) words with
    the question wins. ``quotes[0]`` may be replaced by that sentence.
    """
    if STATUS_RE.search(expansion.question):
        quote_status(state, segmenters, expansion, quotes)
        return None
    asked = _asked(expansion, segmenters.words)
    if asked is None:
        return None
    highlighter = segmenters.highlighter(state)
    terms = list(expansion.highlight)
    chosen = _choose(state, segmenters, expansion, quotes, asked)
    topics = topic_concepts(expansion, segmenters.words)
    if chosen is None:
        # "The report gives no date" says the paper covered the question: only above a
        # passage that holds every topic word of it, never above a near miss.
        best = state.record(quotes[0].passage_id)
        if best is None or evidence(state, segmenters, expansion, [best], topics).topic < NOTE_MIN_TOPIC:
            return None
        return DirectAnswer(asked.kind, None)
    _, record, sentence, found, context = chosen
    if not _names_held(expansion, record):
        # An English question's name (Peihua → 培花) the passage does not print: the
        # value is of the right kind, but about another compound's event.
        return None
    judged = judge_groups(
        state, segmenters, expansion, [[record._replace(text=context)], [record]], topics
    )
    held, whole = judged[0], judged[1]
    clause, rival = clause_evidence(
        sentence, found, lambda text: _overlap(state, highlighter, expansion, text)
    )
    outdone = found.kind == "number" and _outdone(
        sentence, found, lambda text: set(highlighter.tokenize(text)) & expansion.highlight.keys()
    )
    signals = Signals(
        outdone=outdone,
        share=held.topic / whole.topic if whole.topic else 1.0,
        topic=held.topic,
        coverage=held.coverage,
        candidates=found.candidates,
        clause=clause,
        rival=rival,
        whole_words=found.kind not in ("where", "who")
        or found.span is None
        or _on_word_edges(segmenters, sentence, found.span),
        beside=found.kind != "number"
        or found.span is None
        or _beside(found.span, match_spans(sentence, terms, highlighter), sentence),
        noun_held=found.kind != "number"
        or found.span is None
        or (
            _noun_held(expansion, _clause(sentence, found.span))
            if expansion.lang == "en"
            else _counts_noun(asked.counted, sentence, found.span, terms, highlighter)
        ),
        proper=found.path != "named"
        or not found.value
        or not asked.noun
        or _proper(segmenters, found.value, asked.noun),
    )
    if signals.share < DIRECT_MIN_SHARE:
        # The sentence holding the value covers too little of what its passage covers of
        # the question to be sure it answers it: no direct line; the quote shows it
        # beside the window chosen for the question's words.
        _add_sentence(quotes, record, sentence, found.value or "", terms, highlighter)
        return None
    # The sentence covers the question: it is quoted first even when its value is not
    # sure enough for a direct line (several counts of people in it: the resident reads
    # which is which).
    _lead_with(quotes, record, sentence, clip_sentence(sentence, found.value or ""), terms, highlighter)
    if asked.clock and not any(d.clock for d in found.dates):
        return None  # the day, not the time asked: the quote shows what the paper says
    return found if confident(found, signals) else None


def _choose(
    state: IndexState,
    segmenters: Segmenters,
    expansion: Expansion,
    quotes: list[Quote],
    asked: _Asked,
) -> tuple[tuple[bool, bool, bool, bool, float], PassageRecord, str, DirectAnswer, str] | None:
    """The best sentence holding a value of the asked-for kind, with the value and the
    text it is judged by (the sentence and the one before it)."""
    best = quotes[0]
    highlighter = segmenters.highlighter(state)
    weights = expansion.highlight
    terms = list(weights)
    chosen: tuple[tuple[bool, bool, bool, bool, float], PassageRecord, str, DirectAnswer, str] | None = None
    # The question's words and their wordings: a count followed by one counts it (110名
    # 退休党员), not one followed by a piece of another (近100名志愿者 of 国际志愿者日).
    wordings = frozenset(
        a.text for c in expansion.concepts for a in c.alternatives
    ) | frozenset(c.text for c in expansion.concepts)
    for rank, record in enumerate(_passages(state, quotes)):
        sentences = split_sentences(record.text)
        for at, sentence in enumerate(sentences):
            spans = match_spans(sentence, terms, highlighter)
            if not spans:
                continue
            found = find_answer(
                asked.kind,
                sentence,
                issue_date=best.source.issue.date,
                anchors=[a for a, _ in spans],
                unit=asked.unit,
                family=asked.family,
                noun=asked.noun,
                title=asked.title,
                people=_people(segmenters, sentence) if asked.kind == "who" else None,
                year_only=asked.year_only,
                ordinal=asked.ordinal,
                question=expansion.question,
                counted=asked.counted,
            )
            if found.value is None:
                continue
            if found.path == "counted" and expansion.lang != "en":
                # A Chinese question's counted noun tells the counts apart (_counts_noun);
                # an English one's translations, often a word of both items, do not.
                found = replace(found, path="any")
            # The asked-for measure word (几位 → 14位) beats word overlap; then a count
            # followed by a word of the question (110名退休党员: a count of those); then
            # the passage that ranked first; then overlap with the question.
            pos = sentence.find(found.value)
            end = pos + len(found.value)
            key = (
                # (人 of 多少人 is any head count's: 10人组团 is not preferred to 近200位.)
                bool(asked.unit and asked.unit != "人" and found.value.endswith(asked.unit)),
                # "How many does each session serve" is a rate (每场服务200人), "how many
                # did it serve" a total: a count is read as the clause printing it says.
                asked.kind != "number"
                or asks_per(expansion.question) == bool(_PER.search(_clause(sentence, (pos, end)))),
                asked.kind == "number"
                and (
                    any(
                        b > end and a - end <= _BESIDE and _asked_word(sentence[a:b], wordings)
                        for a, b in spans
                    )
                    or _tallied(sentence, pos, spans)
                ),
                rank == 0,
                _overlap(state, highlighter, expansion, sentence),
            )
            if chosen is None or key > chosen[0]:
                # Judged with the sentence before it: "据统计，…收缴钢瓶17个。" follows the
                # sentence that says whose 钢瓶 they were.
                context = "".join(sentences[max(0, at - 1) : at + 1])
                chosen = (key, record, sentence, found, context)
    return chosen


def quote_status(
    state: IndexState, segmenters: Segmenters, expansion: Expansion, quotes: list[Quote]
) -> None:
    """For "how is X going" questions, quote the sentence that tells the current state.

    Reports end with where things stand (目前…已…); that sentence, if it shares words
    with the question, is a better quote than the article's opening.
    """
    highlighter = segmenters.highlighter(state)
    chosen: tuple[float, PassageRecord, str] | None = None
    for record in _passages(state, quotes):
        for sentence in split_sentences(record.text):
            if not STATE_WORDS_RE.search(sentence):
                continue
            value = _overlap(state, highlighter, expansion, sentence)
            if value > 0 and (chosen is None or value > chosen[0]):
                chosen = (value, record, sentence)
    if chosen is None:
        return
    _, record, sentence = chosen
    terms = list(expansion.highlight)
    _lead_with(quotes, record, sentence, clip_sentence(sentence, ""), terms, highlighter)


def _asked(expansion: Expansion, words: MemoTokenizer) -> _Asked | None:
    question = expansion.question
    kind = question_kind(question)
    noun = which_noun(question) if expansion.lang == "zh" else _which_en(expansion)
    if noun and expansion.lang == "zh":
        # 哪家影院看 → 影院, 哪个志愿小组 → 小组: the regex cannot tell where the noun
        # ends; jieba can. The head of a compound noun is its last noun.
        tagged = words.tokenizer.parts_of_speech(noun)
        run = []
        for word, tag in tagged:
            if not tag.startswith(("n", "j", "l")) and run:
                break
            run.append(word)
        head = run[-1] if run else (tagged[0][0] if tagged else "")
        noun = head if len(head) >= 2 else None
    if kind is None and expansion.lang == "en":
        head = _named_en(question)
        if head is not None:
            kind = "who" if _PERSON_EN.fullmatch(head) else "name"
            concept = expansion.concept(head)
            best = concept.best if concept else None
            noun = best.text if kind == "name" and best and len(best.text) >= 2 else None
            if kind == "name" and noun is None:
                return None  # a name of what, in the paper's words, is not known
    if kind == "name" and _ALIAS_ASKED.search(question):
        return None  # 又叫什么, 最初叫什么: another name of it, not the quoted one nearby
    if kind == "name" and expansion.lang == "zh":
        # 副部长叫什么 asks who; 志愿队叫什么名字 the name printed for the 志愿队.
        named = named_noun(question)
        # (头头叫啥: the synonym table reads 头头 as 所长, a title.)
        titled = any(
            asked_title(a.text) == a.text
            for c in expansion.concepts
            if c.text and named.endswith(c.text)
            for a in c.alternatives
        )
        if names_a_person(named) or titled:
            kind = "who"
        else:
            tagged = words.tokenizer.parts_of_speech(named) if named else []
            nouns = [w for w, tag in tagged if tag.startswith(_NOUN_TAGS)]
            noun = nouns[-1] if nouns else None
    if kind is None and noun is not None:
        kind = "where"  # "哪家影院", "哪个党群服务站": a named place or body
    if kind == "who":
        noun = None  # 哪位区委组织部的科长: a person under a title, not a body's name
    if kind is None:
        return None
    # "几天里有多少人买了": the span of time frames the count asked after it.
    count_asked = _without_time_frame(question) if kind == "number" else question
    unit = asked_unit(count_asked) if kind == "number" else None
    family = asked_family(count_asked) if kind == "number" else None
    if kind == "number" and expansion.lang == "en" and _PRICE_EN.search(question):
        unit = "元"  # "how much are the tickets": a price, not the head count nearby
    title = None
    if kind == "who":
        # An English question's title is found among the translations of the words it
        # asks who is (who is the director of … → 主任), not of any word: "who chaired
        # the party secretaries' meeting" asks for no 书记.
        title = asked_title(question)
        if title is None and expansion.lang == "en":
            title = asked_title(
                " ".join(a.text for c in _who_is_en(expansion) for a in c.alternatives)
            )
    return _Asked(
        kind,
        noun,
        unit,
        title,
        family,
        year_only=kind == "when" and asks_year(question),
        ordinal=kind == "number" and asks_ordinal(question),
        counted=_counted_noun(question, words) if kind == "number" and expansion.lang == "zh" else None,
        clock=kind == "when" and bool(_CLOCK_ASKED.search(question)),
    )


# "what is the name of the X team (in Liangcheng)", "what is the X called": the head
# noun asked the name of, the last word before a place or the end.
_NAME_OF_EN = re.compile(
    r"\bname of (?:the |that |this |a )?(?P<words>[a-z' -]+?)(?: (?:in|at|on|from|for|near) .*)?\s*\??$"
    r"|\bwhat(?: is|'s|s) (?:the |that |this )?(?P<called>[a-z' -]+?) called\b",
    re.I,
)
_PERSON_EN = re.compile(
    r"head|director|chief|secretary|minister|mayor|leader|chair(?:man|woman)?|president|officer"
    r"|captain|principal|professor|teacher|deputy|member|resident|volunteer|person|man|woman",
    re.I,
)


def _named_en(question: str) -> str | None:
    """The head noun an English question asks the name of, if it asks one."""
    match = _NAME_OF_EN.search(question.strip())
    if match is None:
        return None
    words = (match.group("words") or match.group("called") or "").split()
    # "the play performed at …", "the team set up by …": the noun phrase ends before
    # the participle that tells more of it.
    for at, word in enumerate(words[1:], start=1):
        if re.fullmatch(r"[a-z]+ed|set|held|run|made|given|shown|put|built|done", word, re.I):
            words = words[:at]
            break
    return words[-1].lower() if words else None


# A name question asking another name of a thing (又叫, 还可以叫, 原名, 最初叫, 艺名):
# its answer follows 又称/原名 …, which the quoted-name reading does not know.
_ALIAS_ASKED = re.compile(
    r"(?:又|还|也|亦|原|本|最初|最早|起初|早期|旧|曾|以前|过去|当时|艺|别|俗|简|原来)(?:可以|可|被|的)?(?:叫|称|名)"
    r"|\d{4}年(?:时|的时候)?(?:叫|称)"
)


# A span of time a count is asked within (几天里, 多少年来, 几个月内), not what is counted.
_TIME_FRAME = re.compile(r"(?:几|多少)(?:个)?(?:天|年|个月|月|周|小时)(?:里|内|中|来|以来|之内)")


def _without_time_frame(question: str) -> str:
    """``question`` without the time span its count is asked within, when it asks another
    count besides (几天里有多少人 asks 多少人); as it is when the span is the ask."""
    framed = _TIME_FRAME.sub("", question)
    return framed if framed != question and question_kind(framed) == "number" else question


# The time of day asked: a date alone answers it only in part (12月10日上午 for 几点).
_CLOCK_ASKED = re.compile(r"几点|几时|\bwhat time\b|\bat what hour\b", re.I)


_NOUN_TAGS = ("n", "j", "l")
_COUNTED = re.compile(rf"(?:几|多少)[{UNITS}]?(?P<rest>[\u4e00-\u9fff]+)")


def _counted_noun(question: str, words: MemoTokenizer) -> str | None:
    """The noun a Chinese count question counts: 几个社区 → 社区, 多少个钢瓶 → 钢瓶 (the
    head of the nouns right after the measure word, or after the last 的 of a noun
    phrase: 多少穆斯林统治时期的光塔 → 光塔); None for 多少人参会 (a verb)."""
    match = _COUNTED.search(question)
    if match is None:
        return None
    tagged = words.tokenizer.parts_of_speech(match.group("rest"))
    if not tagged or not tagged[0][1].startswith(_NOUN_TAGS):
        return None
    words_ = [w for w, _ in tagged]
    if "的" in words_:
        tagged = tagged[len(words_) - words_[::-1].index("的") :]
    run = []
    for word, tag in tagged:
        if not tag.startswith(_NOUN_TAGS):
            break
        run.append(word)
    head = run[-1] if run else ""
    return head if len(head) >= 2 else None


def _counts_noun(
    noun: str | None,
    sentence: str,
    span: tuple[int, int],
    terms: list[str],
    highlighter: MemoTokenizer,
) -> bool:
    """Whether the count at ``span`` is of ``noun`` when the sentence names it: a
    question-word run holding the noun stands beside the count ("六大社区、47个居民区"
    holds 社区, but 47个 counts the 居民区)."""
    if not noun or noun not in sentence:
        return True
    at = [m.start() for m in re.finditer(re.escape(noun), sentence)]
    runs = [
        (a, b) for a, b in match_spans(sentence, terms, highlighter) if any(a <= i < b for i in at)
    ]
    return _beside(span, runs, sentence)


# Words before the asked noun that make a kind of it, not a name: common nouns, fixed
# phrases, localities, distinguishing adjectives (jieba's tags).
_COMMON_TAGS = frozenset({"n", "l", "vn", "f", "b", "ng"})
# "how many volunteer service projects were there": the words naming what is counted.
_HOW_MANY_EN = re.compile(
    r"\bhow many ((?:[a-z-]+ ){0,3}?[a-z-]+)(?= (?:are|were|is|was|did|do|does|have|has|had"
    r"|will|would|can|could|in|on|at|of|for|there)\b|\s*$|\?)"
)


# What a count may be printed as the tally of (受惠人数上千人, 参与人次达200): the question's
# word before it, then one of these.
_TALLY = re.compile(r"(?:人数|人次|数量|总数|户数|数)(?:为|达|约|近|超过|共|有|已达)?$")


def _asked_word(text: str, wordings: frozenset[str]) -> bool:
    """Whether a matched run of the sentence starts with one of the question's wordings."""
    return any(text.startswith(w) for w in wordings if w)


def _tallied(sentence: str, pos: int, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether the count at ``pos`` is printed as the tally of a word of the question
    standing just before it (受惠人数上千人 for 受惠的人有多少)."""
    tally = _TALLY.search(sentence, max(0, pos - 5), pos)
    return tally is not None and any(b == tally.start() for _, b in spans)


# A rate: per session, per person, on average (每场, 人均, 平均每天).
_PER = re.compile(r"每|平均|人均")
_PER_EN = re.compile(r"\b(?:each|per|every|average|on average|a day|a week|a month)\b", re.I)


def asks_per(question: str) -> bool:
    """Whether a count question asks a rate (每场多少人, how many per session), not a total."""
    return bool(_PER.search(question) or _PER_EN.search(question))


def _clause(sentence: str, span: tuple[int, int]) -> str:
    """The clause of ``sentence`` (between commas) holding ``span``."""
    start = max((m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, span[0])), default=0)
    after = _CLAUSE_BREAK.search(sentence, span[1])
    return sentence[start : after.start() if after else len(sentence)]


def _noun_held(expansion: Expansion, clause: str) -> bool:
    """Whether ``clause`` holds a translation of what an English "how many" counts (its
    last word the index can translate); True when the question names nothing countable."""
    match = _HOW_MANY_EN.search(expansion.question)
    if match is None:
        return True
    # The head noun is the phrase's last word the index can translate ("volunteer
    # service projects" counts 项目, not the 志愿者 of "Volunteer Day" further on).
    for word in reversed(match.group(1).split()):
        for concept in expansion.concepts:
            if concept.alternatives and word in concept.text.split():
                return any(a.text in clause for a in concept.alternatives)
    return True


def _proper(segmenters: Segmenters, value: str, noun: str) -> bool:
    """Whether the words of ``value`` before the asked ``noun`` name one (a place, a
    person, a brand, or anything but common nouns: "漫画杂志" is a kind of 杂志)."""
    head = value[: -len(noun)] if value.endswith(noun) else value
    tagged = segmenters.words.tokenizer.parts_of_speech(head) if head else []
    return not tagged or any(tag not in _COMMON_TAGS for _, tag in tagged)


# How far (characters) a question word may stand from a count to be what it counts.
_BESIDE = 2


# What parts the items of an enumeration or clauses: a word across it is another item's.
_GAP_BREAK = re.compile(r"[，,、；;：:。！？!?]")


def _beside(span: tuple[int, int], words: list[tuple[int, int]], sentence: str = "") -> bool:
    """Whether one of ``words`` (question-word spans, merged: one may run into the
    value, "10人组团" matching 人 and 组团) ends just before ``span`` or runs on just
    after it, with no punctuation between ("社区、47个居民区" counts no 社区)."""

    def clear(start: int, end: int) -> bool:
        return not _GAP_BREAK.search(sentence, start, end) if start < end else True

    return any(
        (start < span[0] and 0 <= span[0] - end <= _BESIDE and clear(end, span[0]))
        or (end > span[1] and start - span[1] <= _BESIDE and clear(span[1], start))
        for start, end in words
    )


def _on_word_edges(segmenters: Segmenters, sentence: str, span: tuple[int, int]) -> bool:
    """Whether ``span`` of ``sentence`` starts and ends between two of its words."""
    edges, at = {0}, 0
    for word, _ in segmenters.words.tokenizer.parts_of_speech(sentence):
        at += len(word)
        edges.add(at)
    return span[0] in edges and span[1] in edges


def _names_held(expansion: Expansion, record: PassageRecord) -> bool:
    """Whether ``record`` (with its street, headline and subhead) prints every name the
    question gave in pinyin, in characters that read so.

    The pinyin's characters proposed for the search are guesses among homophones
    (Chengdu was read 程度): the passage is read for the syllables instead.
    """
    named = [c for c in expansion.concepts if any(a.origin == "pinyin" for a in c.alternatives)]
    if not named:
        return True
    text = "\n".join((record.issue.street, record.article_title, record.heading, record.text))
    cedict = load_cedict()
    return all(reads_as(concept.text.replace(" ", ""), text, cedict) for concept in named)


def _people(segmenters: Segmenters, sentence: str) -> list[tuple[int, int]]:
    return person_spans(segmenters.words.tokenizer.parts_of_speech(sentence))


def _passages(state: IndexState, quotes: list[Quote]) -> list[PassageRecord]:
    """Where the answer may stand: the first quote's passage, the article's other quoted
    passages, then (at most DIRECT_PASSAGES of) its article's other hits."""
    best = quotes[0]
    same = [q.passage_id for q in quotes[1:] if q.source.article_id == best.source.article_id]
    ids = (best.passage_id, *same, *best.merged_passage_ids[:DIRECT_PASSAGES])
    return [state.records[state.positions[pid]] for pid in ids if pid in state.positions]


def _lead_with(
    quotes: list[Quote],
    record: PassageRecord,
    sentence: str,
    snippet: str,
    terms: list[str],
    highlighter: MemoTokenizer,
) -> None:
    """Put the quote of ``record`` first, showing ``sentence`` (the answer's own words).

    ``record`` is the first quote's passage, another quote of its article (which then
    moves to the front), or one of the article's passages merged into the first quote.
    """
    at = next((i for i, q in enumerate(quotes) if q.passage_id == record.passage_id), None)
    if at is not None:
        quotes.insert(0, quotes.pop(at))
        if sentence not in quotes[0].snippet:
            quotes[0] = _requote(quotes[0], record, snippet, terms, highlighter)
        return
    quotes[0] = _requote(quotes[0], record, snippet, terms, highlighter)


# The longest piece of a sentence added to a quote beside its window (the sentence
# holding a value of the asked kind that the window left out).
ADDED_CHARS = 100


def _add_sentence(
    quotes: list[Quote],
    record: PassageRecord,
    sentence: str,
    value: str,
    terms: list[str],
    highlighter: MemoTokenizer,
) -> None:
    """Add ``sentence`` (or its part around ``value``) to the first quote, in reading
    order and parted by "…", when it stands in the quote's passage outside its snippet.

    The window was chosen for the question's words; the sentence holding a value of the
    kind asked for, though too far from them to share the window, is what the resident
    asked to see.
    """
    quote = quotes[0]
    if quote.passage_id != record.passage_id or sentence in quote.snippet:
        return
    core = quote.snippet.strip(ELLIPSIS)
    at, sentence_at = quote.passage.find(core), quote.passage.find(sentence)
    if at < 0 or sentence_at < 0:
        return
    if sentence_at < at + len(core) and at < sentence_at + len(sentence):
        # The window is a piece of the (long) sentence: the piece around the value.
        snippet = clip_sentence(sentence, value)
    else:
        piece = clip_sentence(sentence, value, ADDED_CHARS)
        if sentence_at < at:
            between = quote.passage[sentence_at + len(sentence) : at]
            first, second = piece, quote.snippet
        else:
            between = quote.passage[at + len(core) : sentence_at]
            first, second = quote.snippet, piece
        cut = between.strip() or first.endswith(ELLIPSIS) or second.startswith(ELLIPSIS)
        snippet = first.rstrip(ELLIPSIS) + (ELLIPSIS if cut else "") + second.lstrip(ELLIPSIS)
    spans = tuple(match_spans(snippet, terms, highlighter))
    quotes[0] = replace(quote, snippet=snippet, spans=spans)


def _overlap(
    state: IndexState, highlighter: MemoTokenizer, expansion: Expansion, sentence: str
) -> float:
    """The idf-weighted question words ``sentence`` shares with the question."""
    weights = expansion.highlight
    shared = set(highlighter.tokenize(sentence)) & weights.keys()
    return sum(state.retriever.index.idf(t) * weights[t] for t in shared)


def _requote(
    best: Quote,
    record: PassageRecord,
    snippet: str,
    terms: list[str],
    highlighter: MemoTokenizer,
) -> Quote:
    """``best`` quoted by ``snippet`` of ``record`` (another passage of the same article)."""
    return replace(
        best,
        passage_id=record.passage_id,
        passage=record.text,
        caption=record.kind == "caption",
        snippet=snippet,
        spans=tuple(match_spans(snippet, terms, highlighter)),
        merged_passage_ids=tuple(
            p for p in (best.passage_id, *best.merged_passage_ids) if p != record.passage_id
        ),
    )


_WHO_IS_EN = re.compile(
    r"\bwho(?:'s| is| was| are| were) (?:the |a |an )?((?:[a-z'-]+ ){0,4}?[a-z'-]+)"
    r"(?= of\b| at\b| in\b| for\b| on\b| from\b|\s*\?|\s*$)"
)


def _who_is_en(expansion: Expansion) -> list[Concept]:
    """The concepts of the words an English "who is the X (of …)" asks who is."""
    match = _WHO_IS_EN.search(expansion.question)
    if match is None:
        return []
    words = set(match.group(1).split())
    return [c for c in expansion.concepts if set(c.text.split()) & words]


def _which_en(expansion: Expansion) -> str | None:
    """ "which cinema" → 影院: the best Chinese word for the noun after "which"."""
    match = _WHICH_EN.search(expansion.question)
    concept = expansion.concept(match.group(1)) if match else None
    best = concept.best if concept else None
    return best.text if best and len(best.text) >= 2 else None

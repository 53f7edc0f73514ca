"""English the corpus never says (unseen concepts), and plurals read as their singulars."""

from __future__ import annotations

from retrieval import Tokenizer
from retrieval.cedict import Cedict
from retrieval.expansion import UNSEEN_PHRASE, UNSEEN_WORD, QueryExpander
from tests.support.vocabulary import FakeVocabulary

TOKENIZER = Tokenizer(char_unigrams=True)
CORPUS = [
    "社区游泳活动开放报名，停车费每月一百元。",
    "图书馆周末开放，提供读书服务，居民中心。",
    "志愿者开辟新路。",
]
VOCAB = FakeVocabulary(CORPUS, TOKENIZER)
CEDICT = Cedict(
    [
        ("游泳", "you2 yong3", ["swimming", "to swim"]),
        ("游泳池", "you2 yong3 chi2", ["swimming pool"]),
        ("水池", "shui3 chi2", ["pool", "pond"]),
        ("社区中心", "she4 qu1 zhong1 xin1", ["community center"]),
        ("中心", "zhong1 xin1", ["center", "heart"]),
        ("社区", "she4 qu1", ["community"]),
        ("开放", "kai1 fang4", ["to open", "to be open (to the public)"]),
        ("劳务", "lao2 wu4", ["services", "labor"]),
        ("服务", "fu2 wu4", ["to serve", "service"]),
        ("开辟新路", "kai1 pi4 xin1 lu4", ["to blaze new trails"]),
        ("小道", "xiao3 dao4", ["trail", "path"]),
        ("停车", "ting2 che1", ["parking", "to park"]),
        ("费", "fei4", ["fee", "expenses"]),
        ("费用", "fei4 yong4", ["cost", "expenditure"]),
        ("没收", "mo4 shou1", ["to confiscate"]),
    ]
)


def expand(question: str):
    return QueryExpander(TOKENIZER, cedict=lambda: CEDICT).expand(question, VOCAB)


def test_a_phrase_the_corpus_never_names_is_evidence_against() -> None:
    expansion = expand("when does the swimming pool open")
    pool = expansion.concept("swimming pool")
    assert pool is not None and pool.alternatives == ()
    assert pool.unseen == UNSEEN_PHRASE
    assert expansion.unseen == (("swimming pool", UNSEEN_PHRASE),)


def test_a_phrase_whose_head_the_corpus_has_is_read_word_by_word() -> None:
    # 社区中心 is absent, but the paper may name a 中心 otherwise (居民中心): no evidence
    # against, and its words are concepts of their own.
    expansion = expand("community center")
    assert expansion.concept("community center") is None
    assert [c.text for c in expansion.concepts] == ["community", "center"]
    assert [a.text for a in expansion.concept("center").alternatives] == ["中心"]
    assert expansion.unseen == ()


def test_a_phrase_whose_words_join_into_a_corpus_string_is_read_word_by_word() -> None:
    cedict = Cedict(
        [
            ("服务", "fu2 wu4", ["service"]),
            ("加油站", "jia1 you2 zhan4", ["service station", "gas station"]),
            ("车站", "che1 zhan4", ["station"]),
            ("站", "zhan4", ["station", "to stand"]),
            ("水", "shui3", ["water"]),
            ("水费", "shui3 fei4", ["water bill"]),
            ("单", "dan1", ["bill", "list"]),
        ]
    )
    vocab = FakeVocabulary(["党群服务站开放，水很清。名单一份。"], TOKENIZER)
    expander = QueryExpander(TOKENIZER, cedict=lambda: cedict)
    # 加油站 and 车站 are absent, 服务 + 站 is printed: the words stand.
    stations = expander.expand("service stations", vocab)
    assert [c.text for c in stations.concepts] == ["service", "stations"]
    assert [a.text for a in stations.concept("stations").alternatives] == ["站"]
    # 水费 is absent and 水 + 单 joins into nothing longer: the paper never says it.
    bill = expander.expand("water bill", vocab)
    assert bill.unseen == (("water bill", UNSEEN_PHRASE),)


def test_a_single_unseen_word_is_weak_evidence() -> None:
    concept = expand("confiscated").concepts[0]
    assert concept.alternatives == () and concept.unseen == UNSEEN_WORD
    untranslated = expand("plenum").concepts[0]
    assert untranslated.untranslated and untranslated.unseen == 0.0


def test_a_plural_falls_back_to_its_singular() -> None:
    # "services" glosses 劳务 (absent); the singular's 服务 is what the paper says.
    assert [a.text for a in expand("services").concepts[0].alternatives] == ["服务"]
    # "trails" is only inside "blaze new trails": not a translation of trails.
    trails = expand("trails").concepts[0]
    assert "开辟新路" not in [a.text for a in trails.alternatives]


def test_adjacent_words_join_into_a_compound_the_corpus_holds() -> None:
    cedict = Cedict(
        [
            ("国际", "guo2 ji4", ["international"]),
            ("志愿者", "zhi4 yuan4 zhe3", ["volunteer"]),
            ("日", "ri4", ["day", "sun"]),
            ("日子", "ri4 zi5", ["day", "date"]),
            ("气", "qi4", ["gas"]),
            ("安全", "an1 quan2", ["safety"]),
        ]
    )
    vocab = FakeVocabulary(["国际志愿者日当天，燃气安全检查。"], TOKENIZER)
    expander = QueryExpander(TOKENIZER, cedict=lambda: cedict)
    expansion = expander.expand("International Volunteer Day gas safety", vocab)
    # A ranking boost only: each word is still its own concept for coverage.
    assert "国际志愿者日" in expander._compounds(expansion.question, vocab)
    assert [c.text for c in expansion.concepts][:2] == ["international", "volunteer"]
    # A character alone joins only as the head: not 气安全.
    assert "气安全" not in expander._compounds(expansion.question, vocab)
    assert expansion.terms["国际"] > 0

"""Query expansion: synonyms, English through CC-CEDICT, pinyin names; plain questions unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval import Tokenizer
from retrieval.cedict import Cedict, clean_gloss, load_cedict, spelling
from retrieval.expansion import (
    DEFAULT_SYNONYMS,
    MAX_CANDIDATES,
    SYNONYM_WEIGHT,
    QueryExpander,
    SynonymTable,
    detect_lang,
    english_variants,
    load_synonyms,
)
from tests.support.vocabulary import FakeVocabulary

TOKENIZER = Tokenizer(char_unigrams=True)

# A corpus as expansion sees it: its index terms and its text.
CORPUS = [
    "凉城新村街道召开加装电梯推进会，收缴钢瓶17个。",
    "凉二小区居民加装电梯，乐享驿站专属影票9.9元。",
    "国际志愿者日，志愿者在楼道清理杂物。",
]


VOCAB = FakeVocabulary(CORPUS, TOKENIZER)

# A few CC-CEDICT-style entries: (simplified, pinyin, senses).
SMALL_CEDICT = Cedict(
    [
        ("电梯", "dian4 ti1", ["elevator", "escalator", "CL:臺|台[tai2]"]),
        ("升降机", "sheng1 jiang4 ji1", ["aerial work platform", "lift", "elevator"]),
        ("吊车", "diao4 che1", ["hoist", "crane", "elevator"]),
        ("电影票", "dian4 ying3 piao4", ["cinema ticket", "movie ticket"]),
        ("票", "piao4", ["ticket", "ballot"]),
        ("门票", "men2 piao4", ["ticket", "entrance ticket"]),
        ("影票", "ying3 piao4", ["film ticket"]),
        ("杂物", "za2 wu4", ["junk", "items of no value"]),
        ("破烂", "po4 lan4", ["worn-out", "junk"]),
        ("志愿者", "zhi4 yuan4 zhe3", ["volunteer"]),
        ("义务工作者", "yi4 wu4 gong1 zuo4 zhe3", ["volunteer", "voluntary worker"]),
        ("没收", "mo4 shou1", ["to confiscate", "to seize"]),
        ("收缴", "shou1 jiao3", ["to recover (illegally obtained property)", "to seize"]),
        ("居委会", "ju1 wei3 hui4", ["neighbourhood committee"]),
        ("停车", "ting2 che1", ["to park (a vehicle)", "parking"]),
        ("公园", "gong1 yuan2", ["park (for public recreation)"]),
        ("凉", "liang2", ["cool", "cold"]),
        ("良", "liang2", ["good"]),
        ("城", "cheng2", ["city walls", "city"]),
        ("成", "cheng2", ["to succeed"]),
        ("二", "er4", ["two"]),
        ("小", "xiao3", ["small"]),
        ("区", "qu1", ["area"]),
    ]
)


def expander(table: SynonymTable | None = None) -> QueryExpander:
    return QueryExpander(TOKENIZER, synonyms=table, cedict=lambda: SMALL_CEDICT)


# --- the synonym table ------------------------------------------------------------------


def test_synonym_file_format(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.tsv"
    path.write_text(
        "\ufeff# comment\n\n煤氣罐\t鋼瓶,燃气  # traditional works too\n装电梯\t加装电梯，加梯\n"
        "stairwells\t楼道\n",
        encoding="utf-8",
    )
    table = SynonymTable.load(path)
    assert table.get("煤气罐") == ("钢瓶", "燃气")
    assert table.get("装电梯") == ("加装电梯", "加梯")
    assert "stairwells" in table
    assert len(table) == 3


def test_malformed_synonym_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.tsv"
    path.write_text("煤气罐\t钢瓶\n煤气罐 钢瓶\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"synonyms.tsv:2"):
        SynonymTable.load(path)


def test_bundled_table_is_a_real_domain_table() -> None:
    table = load_synonyms()
    assert load_synonyms(DEFAULT_SYNONYMS).get("煤气罐") == table.get("煤气罐")
    assert len(table) >= 100
    for everyday, officials in table.items():
        assert officials and everyday not in officials


def test_find_prefers_the_longest_entry_and_never_overlaps() -> None:
    table = SynonymTable({"电梯": ["升降机"], "装电梯": ["加装电梯"], "堆东西": ["堆物"]})
    assert table.find("凉二装电梯和堆东西") == [(2, 5, "装电梯"), (6, 9, "堆东西")]


# --- Chinese questions ----------------------------------------------------------------


def test_plain_question_searches_exactly_its_own_terms() -> None:
    question = "凉二小区加装电梯进展怎么样了"
    expansion = expander(load_synonyms()).expand(question, VOCAB)
    assert expansion.lang == "zh"
    # Weighted as Retriever.search weighs a question: each character's vote shared.
    assert expansion.terms == TOKENIZER.query_terms(question)
    assert expansion.terms.keys() == set(TOKENIZER.tokenize(question))
    assert all(a.origin == "question" for c in expansion.concepts for a in c.alternatives)


def test_everyday_words_add_official_ones_at_lower_weight() -> None:
    table = SynonymTable({"煤气罐": ["钢瓶", "燃气"]})
    question = "花木收走了几个煤气罐"
    expansion = expander(table).expand(question, VOCAB)
    concept = expansion.concept("煤气罐")
    assert concept is not None
    assert [(a.text, a.weight, a.origin) for a in concept.alternatives] == [
        ("煤气罐", 1.0, "question"),
        ("钢瓶", SYNONYM_WEIGHT, "synonym"),
        ("燃气", SYNONYM_WEIGHT, "synonym"),
    ]
    # A synonym's terms weigh what they weigh in the synonym, times SYNONYM_WEIGHT.
    assert expansion.terms["钢瓶"] == SYNONYM_WEIGHT * TOKENIZER.query_terms("钢瓶")["钢瓶"]
    # The resident's own terms keep their weight: merging is by max, never by sum.
    for term, weight in TOKENIZER.query_terms(question).items():
        assert expansion.terms[term] == max(weight, expansion.terms[term]) >= weight
    assert expansion.highlight["钢瓶"] == SYNONYM_WEIGHT


def test_a_phrase_the_hmm_cut_into_is_still_found() -> None:
    # jieba's HMM reads 查小 | 饭馆; the dictionary's own cut keeps 小饭馆 whole.
    table = SynonymTable({"小饭馆": ["餐饮店"]})
    expansion = expander(table).expand("花木查小饭馆烧气安不安全", VOCAB)
    concept = expansion.concept("小饭馆")
    assert concept is not None
    assert [a.text for a in concept.alternatives] == ["小饭馆", "餐饮店"]
    assert expansion.concept("查小") is None and expansion.concept("饭馆") is None
    # Inside a word of the HMM's cut the phrase is still not matched (装电梯 in 加装电梯).
    assert (
        expander(SynonymTable({"装电梯": ["加梯"]})).expand("凉二加装电梯", VOCAB).concept("装电梯")
        is None
    )


def test_what_a_phrase_leaves_of_a_word_it_cuts_into_is_still_asked() -> None:
    # 广场舞 on the dictionary's cut takes 舞 from the HMM's 舞太吵: 太吵 is still asked.
    table = SynonymTable({"广场舞": ["舞蹈"]})
    expansion = expander(table).expand("楼下跳广场舞太吵了", VOCAB)
    assert [c.text for c in expansion.concepts] == ["楼下", "跳", "太吵", "广场舞"]


def test_traditional_question_is_expanded_like_simplified() -> None:
    table = SynonymTable({"煤气罐": ["钢瓶"]})
    simplified = expander(table).expand("花木收走了几个煤气罐", VOCAB)
    traditional = expander(table).expand("花木收走了幾個煤氣罐", VOCAB)
    assert traditional.terms == simplified.terms


def test_plain_mode_ignores_the_table() -> None:
    table = SynonymTable({"煤气罐": ["钢瓶"]})
    expansion = expander(table).plain("花木收走了几个煤气罐")
    assert "钢瓶" not in expansion.terms


# --- English questions ------------------------------------------------------------------


def test_detect_lang() -> None:
    assert detect_lang("when was the elevator meeting") == "en"
    assert detect_lang("凉城 elevator") == "zh"
    assert detect_lang("2019") == "zh"


def test_english_variants() -> None:
    assert english_variants("cylinders")[:2] == ["cylinders", "cylinder"]
    assert "confiscate" in english_variants("confiscated")
    assert "check" in english_variants("checked")
    assert "library" in english_variants("libraries")
    assert english_variants("parking")[0] == "parking"
    assert spelling("neighbourhood") == "neighborhood"
    assert spelling("centre") == "center"


def test_clean_gloss() -> None:
    assert clean_gloss("to seize (sth)") == "seize"
    assert clean_gloss("CL:個|个[ge4]") is None
    assert clean_gloss("see 某某[mou3 mou3]") is None
    assert (
        clean_gloss("abbr. for 違章建築|违章建筑, illegal construction") == "illegal construction"
    )
    assert clean_gloss("neighbourhood committee") == "neighborhood committee"


def test_english_words_become_chinese_candidates_the_corpus_knows() -> None:
    expansion = expander().expand("When was the elevators meeting?", VOCAB)
    assert expansion.lang == "en"
    concept = expansion.concept("elevators")
    assert concept is not None
    # 升降机 and 吊车 are also "elevator", but the corpus never says them.
    assert [(a.text, a.weight) for a in concept.alternatives] == [("电梯", 1.0)]
    assert expansion.terms == TOKENIZER.query_terms("电梯")  # weight 1.0: as if asked in Chinese
    assert not any(t.isascii() and t.isalpha() for t in expansion.terms)  # no English terms
    assert expansion.concept("when") is None and expansion.concept("was") is None


def test_phrases_translate_as_a_whole() -> None:
    expansion = expander(SynonymTable({"movie ticket": ["影票"]})).expand(
        "how much are the movie tickets", VOCAB
    )
    concept = expansion.concept("movie tickets")
    assert concept is not None
    assert [a.text for a in concept.alternatives] == ["影票"]


def test_candidates_are_capped_and_weighted_by_the_best() -> None:
    table = SynonymTable({"junk": ["杂物", "堆物", "破烂", "垃圾"]})
    vocab = FakeVocabulary([*CORPUS, "堆物 破烂 垃圾"], TOKENIZER)
    concept = expander(table).expand("junk", vocab).concepts[0]
    dictionary = [a for a in concept.alternatives if a.origin == "dictionary"]
    assert len(dictionary) <= MAX_CANDIDATES
    assert max(a.weight for a in dictionary) == 1.0


def test_words_that_only_look_covered_are_not_candidates() -> None:
    # 义务工作者's parts 义务/工作/作者 could all occur without the word itself.
    vocab = FakeVocabulary([*CORPUS, "义务服务工作，作者"], TOKENIZER)
    concept = expander().expand("volunteer", vocab).concepts[0]
    assert [a.text for a in concept.alternatives] == ["志愿者"]


def test_the_first_dictionary_form_wins() -> None:
    vocab = FakeVocabulary([*CORPUS, "长风公园"], TOKENIZER)
    concept = expander().expand("parking", vocab).concepts[0]
    # "parking" is 停车 (absent here), not "park" → 公园: nothing the paper says.
    assert concept.alternatives == ()
    assert not concept.untranslated


def test_untranslatable_words_are_marked() -> None:
    concept = expander().expand("plenum", VOCAB).concepts[0]
    assert concept.alternatives == () and concept.untranslated


def test_english_follows_the_synonym_table_one_step() -> None:
    table = SynonymTable({"杂物": ["堆物"]})
    vocab = FakeVocabulary([*CORPUS, "楼道堆物"], TOKENIZER)
    concept = expander(table).expand("junk", vocab).concepts[0]
    assert ("堆物", SYNONYM_WEIGHT) in [(a.text, a.weight) for a in concept.alternatives]


def test_numbers_are_kept() -> None:
    expansion = expander().expand("how many in 2019", VOCAB)
    assert [a.text for a in expansion.concepts[0].alternatives] == ["2019"]


def test_pinyin_names_find_the_characters_of_the_corpus() -> None:
    expansion = expander().expand("Liangcheng elevator", VOCAB)
    concept = expansion.concept("liangcheng")
    assert concept is not None
    assert concept.alternatives[0].text == "凉城"
    assert concept.alternatives[0].origin == "pinyin"
    assert "凉城" in expansion.terms


def test_without_a_dictionary_english_is_untranslated() -> None:
    expansion = QueryExpander(TOKENIZER, cedict=None).expand("elevator", VOCAB)
    assert expansion.terms == {}


# --- the real CC-CEDICT ----------------------------------------------------------------


def test_the_packaged_cc_cedict_is_inverted() -> None:
    cedict = load_cedict()
    assert "电梯" in {s.headword for s in cedict.exact("elevator")}
    assert "居委会" in {s.headword for s in cedict.exact("neighborhood committee")}
    assert "党员" in {s.headword for s in cedict.exact("party member")}
    assert {"凉", "良"} <= cedict.readings["liang"]
    assert "zhuang" in cedict.syllables


# --- typing slips (homophones) ---------------------------------------------------------


def test_a_homophone_slip_is_read_as_the_corpus_word() -> None:
    # 凉成 is no word and the corpus never prints it; 凉城 reads the same (liang cheng).
    expansion = expander().expand("凉成加装电梯", VOCAB)
    concept = next(c for c in expansion.concepts if c.text == "凉成")
    assert [(a.text, a.origin) for a in concept.alternatives] == [
        ("凉成", "question"),
        ("凉城", "homophone"),
    ]
    assert "凉城" in expansion.terms


def test_words_as_meant_are_never_corrected() -> None:
    # Every word here is printed or is a dictionary word: nothing slipped.
    expansion = expander().expand("凉城加装电梯", VOCAB)
    assert all(a.origin != "homophone" for c in expansion.concepts for a in c.alternatives)


def test_a_slip_needs_a_word_the_corpus_prints() -> None:
    # 良城 reads as 凉城 too, but 凉成 -> 良城 is not printed: only 凉城 is proposed;
    # without any printed homophone there is no correction at all.
    expansion = expander().expand("成小", VOCAB)
    assert all(a.origin != "homophone" for c in expansion.concepts for a in c.alternatives)


class _ListingVocabulary(FakeVocabulary):
    """A vocabulary that lists passages, as the service's does."""

    def __init__(self, texts: list[str], tokenizer: Tokenizer) -> None:
        super().__init__(texts, tokenizer)
        self.sets = [set(tokenizer.tokenize(t)) for t in texts]

    def passages_with(self, term: str):
        import numpy as np

        return np.array([i for i, s in enumerate(self.sets) if term in s], dtype=np.int32)


def test_a_correction_must_stand_beside_the_rest_of_the_question() -> None:
    # 凉城 is printed, but never beside 杂物 (another word of the question the corpus
    # prints): 凉成 is then more likely a name of its own than a slip.
    vocab = _ListingVocabulary(CORPUS, TOKENIZER)
    lone = expander().expand("凉成的杂物", vocab)
    assert all(a.origin != "homophone" for c in lone.concepts for a in c.alternatives)
    beside = expander().expand("凉成的电梯", vocab)
    assert any(a.text == "凉城" for c in beside.concepts for a in c.alternatives)


def test_an_end_character_swapped_beside_a_word_must_give_a_word_of_the_index() -> None:
    # 示垃圾 is printed, but only across two words (展示|垃圾): 湿垃圾 is not its slip.
    cedict = Cedict(
        [("湿", "shi1", ["wet"]), ("示", "shi4", ["to show"]), ("垃圾", "la1 ji1", ["trash"])]
    )
    slips = QueryExpander(TOKENIZER, cedict=lambda: cedict)
    vocab = FakeVocabulary(["活动现场展示垃圾分类成果，居民学习垃圾分类。"], TOKENIZER)
    expansion = slips.expand("湿垃圾每天几点可以扔", vocab)
    assert all(a.origin != "homophone" for c in expansion.concepts for a in c.alternatives)
    # Inside a run the swap stands: 健身不道 is the 健身步道 the index holds.
    cedict = Cedict([("不", "bu4", ["not"]), ("步", "bu4", ["step"])])
    slips = QueryExpander(TOKENIZER, cedict=lambda: cedict)
    vocab = FakeVocabulary(["凉城完成16条健身步道建设。"], TOKENIZER)
    expansion = slips.expand("健身不道有几条", vocab)
    assert any(a.text == "健身步道" for c in expansion.concepts for a in c.alternatives)

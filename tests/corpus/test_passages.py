"""Packing paragraphs into passages of whole sentences, alone and over the seed issues."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import corpus
from corpus.ingest.articles import parse_issue
from corpus.ingest.characters import normalize_punctuation
from corpus.ingest.passages import split_passages
from retrieval.sentences import split_sentences
from tests.corpus.test_articles import CAPTIONS

ISSUES = Path(corpus.__file__).parent / "issues"
ISSUE_NAMES = sorted(p.name for p in ISSUES.glob("*.txt"))


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def sentence_ends(paragraphs: list[str] | tuple[str, ...]) -> set[int]:
    """Offsets (in whitespace-free text) where a sentence of the paragraphs ends."""
    ends, offset = set(), 0
    for paragraph in paragraphs:
        for sentence in split_sentences(paragraph):
            offset += len(compact(sentence))
            ends.add(offset)
    return ends


def check_passages(paragraphs: list[str] | tuple[str, ...], passages: list[str]) -> None:
    """Nothing lost or reordered, and every passage ends where a sentence ends."""
    assert compact("".join(passages)) == compact("".join(paragraphs))
    ends, offset = sentence_ends(paragraphs), 0
    for passage in passages:
        offset += len(compact(passage))
        assert offset in ends, passage


def sentence(n: int, mark: str = "。") -> str:
    """A sentence of exactly ``n`` characters, its final mark included."""
    return ("居" * (n - 1)) + mark


# --- packing rules ------------------------------------------------------------------------


def test_empty_input() -> None:
    assert split_passages([]) == []
    assert split_passages(["", "   "]) == []


def test_long_paragraph_is_split_between_sentences_within_bounds() -> None:
    paragraph = "".join(sentence(40) for _ in range(20))  # 800 characters
    passages = split_passages([paragraph])
    check_passages([paragraph], passages)
    assert all(60 <= len(p) <= 300 for p in passages)
    assert len(passages) == 3


def test_a_sentence_longer_than_the_maximum_is_its_own_passage() -> None:
    long = sentence(350)
    passages = split_passages([sentence(100) + long + sentence(100)])
    assert passages == [sentence(100), long, sentence(100)]


def test_short_paragraphs_are_packed_with_the_following_ones() -> None:
    paragraphs = ["聚焦主题重点学", sentence(20), sentence(40), sentence(80)]
    passages = split_passages(paragraphs)
    assert passages == ["\n".join(paragraphs[:3]), paragraphs[3]]
    check_passages(paragraphs, passages)


def test_a_full_passage_ends_with_its_paragraph() -> None:
    paragraphs = [sentence(80), sentence(90)]
    assert split_passages(paragraphs) == paragraphs


def test_short_tail_joins_the_previous_passage_when_it_fits() -> None:
    assert split_passages([sentence(100), sentence(20)]) == [sentence(100) + "\n" + sentence(20)]
    # It cannot join when that would go over the maximum.
    assert split_passages([sentence(290), sentence(20)]) == [sentence(290), sentence(20)]


def test_sentences_of_one_paragraph_are_joined_without_a_separator() -> None:
    paragraph = sentence(200) + sentence(200)
    passages = split_passages([paragraph])
    assert passages == [sentence(200), sentence(200)]
    assert split_passages([sentence(30) + sentence(40, "！")]) == [
        sentence(30) + sentence(40, "！")
    ]


def test_latin_sentences_keep_their_space() -> None:
    passages = split_passages(["Residents met on Monday! " * 3 + "The meeting ended at noon."])
    assert passages == ["Residents met on Monday! " * 3 + "The meeting ended at noon."]


def test_custom_bounds() -> None:
    paragraph = "".join(sentence(10) for _ in range(10))
    passages = split_passages([paragraph], min_chars=20, max_chars=30)
    assert [len(p) for p in passages] == [30, 30, 30, 10]
    check_passages([paragraph], passages)


# --- the bundled issues ----------------------------------------------------------------


@pytest.fixture(scope="module", params=ISSUE_NAMES)
def issue(request: pytest.FixtureRequest) -> tuple[str, str, list[list[str]]]:
    name = request.param
    text = (ISSUES / name).read_text(encoding="utf-8")
    parsed = parse_issue(text)
    return name, text, [split_passages(a.paragraphs) for a in parsed.articles]


def test_passages_end_at_sentence_boundaries_and_lose_nothing(issue) -> None:
    _, text, per_article = issue
    for article, passages in zip(parse_issue(text).articles, per_article, strict=True):
        assert passages, article.title
        check_passages(article.paragraphs, passages)


def test_passage_lengths_are_within_bounds(issue) -> None:
    per_article = issue[2]
    for passages in per_article:
        total = sum(len(compact(p)) for p in passages)
        for passage in passages:
            size = len(compact(passage))
            if size > 300:
                assert len(split_sentences(passage)) == 1, passage
            if size < 60:
                # Only an article too short to fill a passage may have a short one.
                assert total < 60 + 300, passage


MASTHEAD_NOISE = (
    "二维码", "公众号", "老虹口周到", "上海社区发布", "了解凉城社区资讯",
    "LIANG", "CHENG", "SHANGHAI", "COMMUNITY", "自 / 家", "自/家/门", "社区晨报",
    "新晨报", "联合出版", "#",
)  # fmt: skip


def test_no_passage_holds_masthead_or_qr_text(issue) -> None:
    per_article = issue[2]
    for passage in (p for passages in per_article for p in passages):
        for noise in MASTHEAD_NOISE:
            assert noise not in passage, (noise, passage)


def test_no_passage_holds_caption_text(issue) -> None:
    """Each caption occurs in the passages only as often as the body itself says it."""
    name, text, per_article = issue
    passages = [compact(p) for ps in per_article for p in ps]
    source = compact(normalize_punctuation(text))
    lines = [compact(normalize_punctuation(line)) for line in text.splitlines()]
    for caption in CAPTIONS[name]:
        key = compact(caption)
        in_body = source.count(key) - lines.count(key)
        assert sum(p.count(key) for p in passages) == in_body, caption


def test_text_without_sentence_punctuation_is_cut_into_passages_of_bounded_size() -> None:
    # An OCR dump with no full stops was one passage of megabytes (quoted, and tokenised
    # again, for every answer that found it).
    dump = "加装电梯进展顺利居民满意，" * 2000 + "楼道堆物清理完毕" * 500
    passages = split_passages([dump])
    assert len(passages) > 50
    assert max(len(p) for p in passages) <= 300
    assert "".join(passages) == dump  # nothing lost, nothing added
    assert passages[0].endswith("，")  # cut after a clause where there is one

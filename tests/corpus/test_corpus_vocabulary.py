"""Whether a phrase occurs in the corpus, answered from posting lists instead of a text scan."""

from __future__ import annotations

import random

from corpus.answer.live_index import CorpusVocabulary, indexed_text
from corpus.answer.service import LinliService
from corpus.store.engine import Store
from corpus.store.records import IssueRef, PassageRecord
from retrieval import Retriever, normalize, scoring_tokenizer


def test_contains_agrees_with_a_scan_of_the_whole_text(seeded_store: Store) -> None:
    service = LinliService(seeded_store, refresh_interval=0)
    state = service.state
    vocabulary = CorpusVocabulary(state.retriever.index, state.retriever.tokenizer, state.records)
    texts = [normalize(indexed_text(r)) for r in state.records]
    full = "\n".join(texts)
    rng = random.Random(7)
    phrases = [
        "加装电梯",
        "境外人员服务站",
        "义务工作者",
        "的",
        "我们的",
        "abc",
        "2019",
        "电梯加装",
    ]
    for _ in range(400):
        text = rng.choice(texts)
        start = rng.randrange(max(1, len(text) - 6))
        phrases.append(text[start : start + rng.randint(1, 6)])  # stopwords, digits, punctuation
        phrases.append(phrases[-1][::-1])  # mostly absent
    for phrase in phrases:
        assert vocabulary.contains(phrase) == (phrase in full), phrase
    assert not vocabulary.contains("")


def test_passages_with_a_character_are_all_the_passages_whose_text_has_it(
    seeded_store: Store,
) -> None:
    state = LinliService(seeded_store, refresh_interval=0).state
    index, tokenizer = state.retriever.index, state.retriever.tokenizer
    texts = [normalize(indexed_text(r)) for r in state.records]
    checked = 0
    for char in sorted(set("".join(texts))):
        if tokenizer.indexes_every(char):
            expected = [i for i, t in enumerate(texts) if char in t]
            assert index.passages_with(char).tolist() == expected, char
            checked += 1
    assert checked > 1000
    assert not tokenizer.indexes_every("的") and not tokenizer.indexes_every("a")
    assert not tokenizer.indexes_every("\U0002a6e5")  # unassigned: never indexed
    assert tokenizer.indexes_every("电梯") and not tokenizer.indexes_every("电梯间")
    assert index.passages_with("从未出现过的词").tolist() == []


def test_the_corpus_text_normalised_passage_by_passage_is_the_whole_text_normalised() -> None:
    from corpus.store.records import IssueRef, PassageRecord
    from retrieval import Retriever

    issue = IssueRef(1, "凉城新村", "凉城新村街道", "2024-11-01", False, "第1期", "x.docx")
    texts = ["電梯加裝ＡＢＣ１２３", "Ｔｈｅ　Ｑｕｉｃｋ\n臺灣", "ﾊﾝｶｸ 後來", "ＩＳＳＵＥ"]
    records = [
        PassageRecord(i, text, i, "標題" if i % 2 else "", 1, "加裝電梯進展", issue)
        for i, text in enumerate(texts)
    ]
    retriever = Retriever.from_texts([indexed_text(r) for r in records])
    vocabulary = CorpusVocabulary(retriever.index, retriever.tokenizer, records)
    assert vocabulary._corpus() == normalize("\n".join(indexed_text(r) for r in records))


def test_contains_reads_traditional_and_full_width_passages_as_normalised() -> None:
    # Passages that normalising changes (t2s, a Kangxi radical, NFKC expansions) beside
    # ones it leaves alone apart from punctuation, read a slice at a time.
    issue = IssueRef(1, "社区晨报", "凉城新村街道", "2019-07-15", False, "一", "a.txt")
    texts = [
        "凉城新村加裝電梯，居民很高興。",
        "加装电梯进展顺利（3号楼）：“好！”",
        "⼀楼居民同意加装电梯…",
        "国际志愿者日，志愿者服务居民。",
        "志愿者日活动在凉城举行",
        "ＡＢＣ物业公司清理楼道堆物",
    ] * 3
    records = tuple(PassageRecord(i, text, 0, "", i, "标题", issue) for i, text in enumerate(texts))
    tokenizer = scoring_tokenizer(userdict=None)
    retriever = Retriever.from_texts([indexed_text(r) for r in records], tokenizer=tokenizer)
    vocabulary = CorpusVocabulary(retriever.index, retriever.tokenizer, records)
    vocabulary.SLICE = 1  # every passage its own slice: the slices' order matters
    full = "\n".join(normalize(indexed_text(r)) for r in records)
    phrases = [
        "加装电梯",
        "装电梯",
        "一楼",
        "一楼居民",
        "高兴",
        "居民很高兴",
        "国际志愿者日",
        "志愿者日活动",
        "abc物业",
        "物业公司",
        "清理楼道",
        "电梯进展",
        "梯进",
        "凉城举行",
        "新村加装",
        "电梯居民",
        "楼居",
        "标题",
        "凉城新村街道",
        "街道标题",
    ]
    for phrase in phrases:
        assert vocabulary.contains(phrase) == (phrase in full), phrase


def test_stopword_characters_are_found_in_every_passage_that_has_them(
    seeded_store: Store,
) -> None:
    state = LinliService(seeded_store, refresh_interval=0).state
    vocabulary = CorpusVocabulary(state.retriever.index, state.retriever.tokenizer, state.records)
    texts = [normalize(indexed_text(r)) for r in state.records]
    chars = vocabulary._chars()
    for phrase in ["的", "是谁", "我们的", "的是谁", "哪几样", "这里", "凉城的", "年月日"]:
        expected = [
            i for i, t in enumerate(texts) if all(ch in t for ch in phrase if ch in chars.bits)
        ]
        assert chars.holding(phrase).tolist() == expected, phrase
        assert vocabulary.contains(phrase) == (phrase in "\n".join(texts)), phrase


def test_stopword_rows_read_from_the_records_are_those_of_their_normalised_texts() -> None:
    from corpus.answer.live_index import _StopwordChars
    from retrieval.normalize import keeps_ideographs

    issue = IssueRef(1, "社区晨报", "凉城新村街道", "2019-07-15", False, "一", "a.txt")
    texts = [
        "我们的电梯是谁装的？",  # keeps its ideographs: read as it stands
        "這裏的電梯們",  # traditional: 这, 里, 们 appear only once normalised
        "⼀楼的居民",  # a Kangxi radical NFKC makes an ideograph
        "ＡＢＣ公司在这里",  # full-width letters, still one for one
        "𠀀的字",  # beyond the BMP
        "",
        "没有停用字",
    ]
    records = [PassageRecord(i, text, 0, "", i, "标题", issue) for i, text in enumerate(texts)]
    _StopwordChars.BATCH = 3  # batches end inside the list, and a passage is alone in one
    try:
        plain = bytearray(len(records))
        chars = _StopwordChars.of_records(records, plain)
    finally:
        _StopwordChars.BATCH = 4096
    normalised = [normalize(indexed_text(r)) for r in records]
    assert chars.rows.tolist() == _StopwordChars.of_texts(normalised).rows.tolist()
    assert chars.rows[1].any() and chars.rows[2].any()
    kept = [keeps_ideographs(indexed_text(r)) for r in records]
    assert list(plain) == [1 if k else 2 for k in kept]
    assert chars.changed == {i: normalised[i] for i, k in enumerate(kept) if not k}
    assert set(chars.changed) == {1, 2, 4}

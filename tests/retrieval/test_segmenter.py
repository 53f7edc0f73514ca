"""rjieba (the default segmenter) cuts exactly as jieba, the reference, does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from corpus.ingest.seed import BUNDLED_DIR
from retrieval import Tokenizer

PARAGRAPHS = [
    line
    for path in sorted(BUNDLED_DIR.glob("*.txt"))
    for line in path.read_text(encoding="utf-8").splitlines()
    if line.strip()
]


def test_the_bundled_corpus_is_all_there() -> None:
    assert len(PARAGRAPHS) > 150


@pytest.mark.parametrize("words", ["precise", "search"])
@pytest.mark.parametrize("grams", [False, True])
def test_identical_tokens_on_every_bundled_paragraph(words: str, grams: bool) -> None:
    options = {"words": words, "char_bigrams": grams, "char_unigrams": grams}
    fast = Tokenizer(segmenter="rjieba", **options)  # type: ignore[arg-type]
    reference = Tokenizer(segmenter="jieba", **options)  # type: ignore[arg-type]
    for paragraph in PARAGRAPHS:
        assert fast.tokenize_with_spans(paragraph) == reference.tokenize_with_spans(paragraph)


def test_identical_tokens_on_synthetic_passages_full_of_rare_words() -> None:
    from benchmarks.generate import indexed_texts

    fast, reference = (
        Tokenizer(char_unigrams=True),
        Tokenizer(segmenter="jieba", char_unigrams=True),
    )
    for text in indexed_texts(0, 300, seed=7):
        assert fast.tokenize(text) == reference.tokenize(text)


@pytest.mark.parametrize("segmenter", ["rjieba", "jieba"])
def test_the_user_dictionary_and_extra_words_are_honoured(segmenter: str, tmp_path: Path) -> None:
    text = "桂花苑加梯办公室和长风生态商务区的新邻里食堂"
    plain = Tokenizer(segmenter=segmenter, userdict=None, char_bigrams=False)  # type: ignore[arg-type]
    assert "加梯办公室" not in plain.tokenize(text)
    userdict = tmp_path / "userdict.txt"
    userdict.write_text("# staff words\n加梯办公室 20 n\n新邻里食堂\n", encoding="utf-8")
    custom = Tokenizer(segmenter=segmenter, userdict=userdict, char_bigrams=False)  # type: ignore[arg-type]
    assert {"加梯办公室", "新邻里食堂"} <= set(custom.tokenize(text))
    extra = Tokenizer(
        segmenter=segmenter,  # type: ignore[arg-type]
        userdict=None,
        char_bigrams=False,
        extra_words=["长风生态商务区"],
    )
    assert "长风生态商务区" in extra.tokenize(text)


def test_the_segmenter_is_part_of_the_fingerprint() -> None:
    assert Tokenizer(segmenter="jieba").fingerprint() != Tokenizer().fingerprint()
    with pytest.raises(ValueError, match="segmenter"):
        Tokenizer(segmenter="pkuseg")  # type: ignore[arg-type]


def test_rjieba_segmenters_skip_the_packages_own_instance() -> None:
    # `import rjieba` builds a dictionary Linli never uses; a fresh process shows it is not.
    script = (
        "import sys\n"
        "from retrieval.segmenter import new_segmenter\n"
        "words = new_segmenter('rjieba').lcut('凉城新村街道加装电梯')\n"
        "assert 'rjieba' not in sys.modules, 'the package was imported'\n"
        "import rjieba\n"
        "assert words == rjieba.Jieba().cut('凉城新村街道加装电梯', True), words\n"
        "assert type(new_segmenter('rjieba')._jieba) is rjieba.Jieba\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)

"""CMRC 2018's answer metrics: exact match and character-level F1, for Chinese.

The logic of the official evaluation script (ymcui/cmrc2018, v5), written afresh:

- text is lower-cased and stripped;
- **segmentation**: every CJK character (U+4E00–U+9FA5) and every listed punctuation
  mark is a segment of its own; runs of anything else (Latin words, digits) are
  tokenised as words. With punctuation removal the listed marks are dropped *without*
  ending the run they sit in, as the official script does ("ω-force" -> "ωforce");
- **F1** is computed from the longest common *contiguous* run of segments between the
  prediction and one gold answer (precision = run / prediction segments, recall =
  run / answer segments), the best over the gold answers;
- **EM**: the prediction equals one gold answer once the listed marks are removed.

One difference: the official script tokenises non-CJK runs with ``nltk.word_tokenize``;
here a regular expression does (numbers with their decimal point, words, single
punctuation marks). They differ on English contractions and some abbreviations, which
CMRC answers hardly contain; nltk is not a dependency of the project.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# The official list. Its "……" is two characters and never equals one, so a lone "…"
# is kept there too: it is left out here for the same result.
PUNCTUATION = frozenset("-:_*^/\\~`+=，。：？！“”；’《》·、「」（）－～『』")
_CJK = re.compile(r"[\u4e00-\u9fa5]")
# A word is a run of word characters, keeping a decimal point or thousands comma
# between digits (2.5ms, 1,000); any other mark is a token of its own (as nltk cuts them).
_WORDS = re.compile(r"\w+(?:[.,]\d+)+\w*|\w+|[^\w\s]")


def _words(run: str) -> list[str]:
    return _WORDS.findall(run)


def segments(text: str, *, remove_punctuation: bool = False) -> list[str]:
    """``text`` cut into CMRC segments: CJK characters one by one, other runs as words."""
    out: list[str] = []
    run = ""
    for ch in str(text).lower().strip():
        if remove_punctuation and ch in PUNCTUATION:
            continue
        if _CJK.match(ch) or ch in PUNCTUATION:
            if run:
                out += _words(run)
                run = ""
            out.append(ch)
        else:
            run += ch
    if run:
        out += _words(run)
    return out


def strip_punctuation(text: str) -> str:
    """Lower-cased, stripped, without the listed punctuation (the EM comparison form)."""
    return "".join(ch for ch in str(text).lower().strip() if ch not in PUNCTUATION)


def longest_common_run(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest contiguous run of segments shared by ``a`` and ``b``."""
    best = 0
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0] * (len(b) + 1)
        for j, y in enumerate(b, start=1):
            if x == y:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def f1_score(answers: Iterable[str], prediction: str) -> float:
    """The best character-level F1 of ``prediction`` against any gold answer (0–1)."""
    predicted = segments(prediction, remove_punctuation=True)
    best = 0.0
    for answer in answers:
        gold = segments(answer, remove_punctuation=True)
        common = longest_common_run(gold, predicted)
        if not common:
            continue
        precision, recall = common / len(predicted), common / len(gold)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


def exact_match(answers: Iterable[str], prediction: str) -> bool:
    """Whether ``prediction`` equals a gold answer, punctuation aside."""
    predicted = strip_punctuation(prediction)
    return any(strip_punctuation(answer) == predicted for answer in answers)

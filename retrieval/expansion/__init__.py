"""Query expansion: what a resident asked → the weighted terms the index knows.

Residents do not write like the newspaper. A question becomes a list of
*concepts*, each one thing the resident said (a Chinese word, an everyday
phrase, an English word or phrase), with the Chinese *alternatives* that would
say it in the paper, each weighted:

* **the resident's own words** weigh 1 (a Chinese question's terms and their
  weights are exactly what :meth:`Tokenizer.query_terms` gives, so a question
  without synonyms searches as :meth:`Retriever.search` would);
* **synonyms** from the domain table (``data/synonyms.tsv``: 煤气罐 → 钢瓶, 燃气)
  weigh :data:`SYNONYM_WEIGHT`: evidence, but weaker than the word itself;
* **thesaurus synonyms** (off unless a thesaurus is passed: :mod:`.thesaurus`, the
  HIT Tongyici Cilin's synonym groups) weigh :data:`THESAURUS_WEIGHT`, below the
  table's: for words of two characters or more that are not local names, only
  synonyms the corpus says, a few per word, never from broad or ambiguous groups;
* **English words** become Chinese candidates from CC-CEDICT (:mod:`retrieval.cedict`),
  scored by how the dictionary gives them (exact gloss over a word inside a
  longer gloss, primary sense over later ones, words over single characters)
  and kept only if the index has seen them: of 12 headwords glossed
  "restaurant", the paper's 餐饮店 is the one that matters. At most
  :data:`MAX_CANDIDATES` survive, the best weighing 1 and the rest by their
  share of its score, so a word with many senses does not outweigh one with one;
  A plural with no gloss of its own, or none the paper says, is read as its
  singular. An English word or phrase the dictionary translates but whose every
  candidate the corpus lacks is a concept nothing matches, marked
  :attr:`Concept.unseen` (listed by :attr:`Expansion.unseen`): evidence that the
  paper does not cover it, strongest for a phrase the dictionary names as a
  whole (swimming pool) whose head word the corpus has no word for either;
* **which English words count**: function words and question-type words are dropped
  (stopwords; "what date", "how often", "which day", "number of"), and so is a word
  whose every translation the paper prints is a function word (somewhere → 哪里,
  often → 经常); a candidate that is a pronoun, adverb, conjunction, particle or a
  numeral phrase 一X (party → 一方, 一行) never stands. A character stands only in
  its own first sense and where the paper prints no longer word for it (party → 党,
  station → 站). A word is tried in its dictionary forms (plurals, verb endings,
  irregular pasts: held → hold; chat shorthand: ppl → people), then, if the paper
  prints none of its translations, as the verb or adjective it is made from
  (celebration → 庆祝, convenience → 方便), and a word no gloss knows at all as the
  word one typing slip away (requirments → requirements), at
  :data:`~.homophones.HOMOPHONE_WEIGHT`. A phrase the paper never prints is read
  word by word when its head word or its words joined are printed (foot massage,
  service stations → 服务站); otherwise it is the unseen phrase above;
* **compounds**: two or three adjacent English words whose translations, joined
  in order, make a string the corpus holds (International Volunteer Day →
  国际志愿者日) add that string's terms for ranking (not for coverage);
* **names in pinyin** (Liangcheng, Shiji Tongle) become the character strings
  of the index whose readings spell them, a proper noun of the dictionary first
  (Chengdu → 成都, not 程度); a name of one-syllable words is read whole (Zheng Hong
  → 郑宏);
* **typing slips** (凉成, 健身不道: the input method's wrong homophone) become the
  word the corpus prints one same-sounding character away (凉城, 健身步道), at
  :data:`~.homophones.HOMOPHONE_WEIGHT`, only for characters no known word holds and
  only beside the question's other words (:mod:`.homophones`).

Terms of different alternatives and concepts merge by **max**, not sum: a term
is one piece of evidence, and 电梯 reached from "elevator" and from "lift" must
not count twice, nor may a synonym add weight to a word the resident already
wrote. Within one alternative, terms weigh what :meth:`Tokenizer.query_terms`
gives them (each character's vote shared by the terms that read it; repeated
terms count again, as in BM25), times the alternative's weight.

Pure: the only outside knowledge is a :class:`Vocabulary` (the index's
document frequencies), passed per call so it follows index rebuilds.

Modules: :mod:`.concepts` (the types, language detection), :mod:`.synonyms`
(the table), :mod:`.thesaurus` (general synonym groups), :mod:`.english`
(English → dictionary candidates), :mod:`.pinyin` (pinyin names → characters),
:mod:`.homophones` (typing slips → the corpus's words),
:mod:`.expander` (:class:`QueryExpander`).
"""

from .concepts import (
    UNSEEN_PHRASE,
    UNSEEN_WORD,
    Alternative,
    Concept,
    Expansion,
    Lang,
    Origin,
    Vocabulary,
    detect_lang,
)
from .english import (
    EN_STOPWORDS_FILE,
    MAX_CANDIDATES,
    MIN_SHARE,
    english_stopwords,
    english_variants,
)
from .expander import QueryExpander
from .pinyin import MAX_CHAINS, MAX_SEGMENTATIONS, PINYIN_WEIGHTS
from .synonyms import DEFAULT_SYNONYMS, SYNONYM_WEIGHT, SynonymTable, load_synonyms
from .thesaurus import (
    MAX_GROUP_SIZE,
    MAX_SENSES,
    MAX_THESAURUS_ALTERNATIVES,
    THESAURUS_WEIGHT,
    Thesaurus,
    ThesaurusUnavailable,
    load_thesaurus,
)

__all__ = [
    "DEFAULT_SYNONYMS",
    "EN_STOPWORDS_FILE",
    "MAX_CANDIDATES",
    "MAX_CHAINS",
    "MAX_GROUP_SIZE",
    "MAX_SEGMENTATIONS",
    "MAX_SENSES",
    "MAX_THESAURUS_ALTERNATIVES",
    "MIN_SHARE",
    "PINYIN_WEIGHTS",
    "SYNONYM_WEIGHT",
    "THESAURUS_WEIGHT",
    "UNSEEN_PHRASE",
    "UNSEEN_WORD",
    "Alternative",
    "Concept",
    "Expansion",
    "Lang",
    "Origin",
    "QueryExpander",
    "SynonymTable",
    "Thesaurus",
    "ThesaurusUnavailable",
    "Vocabulary",
    "detect_lang",
    "english_stopwords",
    "english_variants",
    "load_synonyms",
    "load_thesaurus",
]

"""The answer service: the one module that joins the store and retrieval.

The database is the source of truth; the in-memory index is derived from it and
follows the store's corpus version, so an issue added by any process is answerable
in every process within ``refresh_interval`` seconds, without a restart.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from corpus import queries, querylog
from corpus.compose import Answer, Lang, Quote, Source
from corpus.direct import DirectAnswer, asked_unit, find_answer, question_kind, which_noun
from corpus.index_cache import IndexCache, IndexedCorpus, NotLoaded
from corpus.queries import IssueInfo, PassageRecord
from corpus.settings import Settings
from corpus.store import Store
from retrieval import (
    DEFAULT_USERDICT,
    BM25Index,
    Hit,
    MemoTokenizer,
    Retriever,
    Snippet,
    Tokenizer,
    normalize,
)
from retrieval.cedict import load_cedict
from retrieval.expansion import (
    Concept,
    Expansion,
    QueryExpander,
    SynonymTable,
    detect_lang,
    load_synonyms,
)
from retrieval.sentences import split_sentences
from retrieval.snippets import best_snippet, match_spans

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 200
MAX_QUOTES = 12
SNIPPET_CANDIDATES = 1
SNIPPET_CHARS = 150
# Texts whose tokens the answer path keeps, per tokenizer (as plain columns, see
# MemoTokenizer): more than a street's popular passages.
TEXT_CACHE = 512
DIRECT_PASSAGES = 4
STATUS_RE = re.compile(
    r"进展|进度|怎么样了|怎样了|如何了|现状|情况如何|弄得怎么样|到哪一步|结果"
    r"|\bprogress\b|\bstatus\b|\bhow (?:is|are) .+ going\b|\bwhat happened\b"
)
_WHICH_EN = re.compile(r"\bwhich ([a-z]+)")
_PRICE_EN = re.compile(r"\bhow much\b(?! time)|\bprice\b|\bcost\b|\byuan\b|\brmb\b")
STATE_WORDS_RE = re.compile(r"目前|现在|已经|已有|已将|截至|至今|正在|完成|落成|竣工|圆满结束|通过")
CANDIDATES = 40
# Share of the question's idf mass the best passage must match to count as relevant;
# below it Linli says it found nothing rather than quote something unrelated.
MIN_COVERAGE = 0.2


def clean_question(text: str) -> tuple[str, bool]:
    """Strip control characters and whitespace runs; cut overly long questions.

    Returns:
        The cleaned question and whether it was truncated.
    """
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text or "")
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > MAX_QUERY_CHARS:
        return text[:MAX_QUERY_CHARS], True
    return text, False


# A hit's passage and its BM25 score.
Scored = tuple[PassageRecord, float]


@dataclass(frozen=True)
class IndexState:
    version: int
    retriever: Retriever
    records: tuple[PassageRecord, ...]
    positions: dict[int, int]  # passage id -> position in records (and in the index)


class CorpusVocabulary:
    """What query expansion may know of one index: its terms, and whether a phrase occurs.

    ``contains`` reads only passages that hold every character and character bigram
    of the phrase (their posting lists intersected, rarest first), so nothing is
    built per corpus and a check costs about the same at 10^3 and 10^6 passages; a
    phrase whose characters the index cannot vouch for (stopword characters, Latin
    letters) falls back to scanning the whole corpus text, built once on first need.
    """

    # Intersect posting lists until this few passages remain, then read them.
    ENOUGH = 64
    # Passages read one by one before falling back to one scan of the joined text.
    MAX_READS = 2_000

    def __init__(
        self, index: BM25Index, tokenizer: Tokenizer, records: Sequence[PassageRecord]
    ) -> None:
        self.index = index
        self.tokenizer = tokenizer
        self.records = records
        self._text: str | None = None
        self._lock = threading.Lock()

    def doc_freq(self, term: str) -> int:
        return self.index.doc_freq(term)

    def contains(self, text: str) -> bool:
        if not text:
            return False
        grams = {text[i : i + n] for n in (1, 2) for i in range(len(text) - n + 1)}
        keys = [gram for gram in grams if self.tokenizer.indexes_every(gram)]
        if not keys:
            return text in self._full_text()
        postings = sorted((self.index.passages_with(ch) for ch in keys), key=len)
        candidates = postings[0]
        for more in postings[1:]:
            if len(candidates) <= self.ENOUGH:
                break
            candidates = np.intersect1d(candidates, more, assume_unique=True)
        # A common phrase is usually in the first passages read; only a rare one among
        # common characters needs the whole text.
        for i in candidates[: self.MAX_READS].tolist():
            if text in normalize(indexed_text(self.records[i])):
                return True
        return len(candidates) > self.MAX_READS and text in self._full_text()

    def _full_text(self) -> str:
        with self._lock:
            if self._text is None:
                self._text = normalize("\n".join(indexed_text(r) for r in self.records))
            return self._text


@dataclass(frozen=True)
class ArticleView:
    source: Source
    subtitle: str
    byline: str
    body: str


class LinliService:
    """Answers questions from the store's passages; thread-safe for concurrent questions."""

    def __init__(
        self,
        store: Store,
        *,
        tokenizer: Tokenizer | None = None,
        refresh_interval: float = 2.0,
        log_secret: bytes = b"",
        bm25: Mapping[str, Any] | None = None,
        synonyms: str | Path | SynonymTable | None = None,
        expansion: bool = True,
        index_dir: Path | None = None,
    ) -> None:
        """
        Args:
            index_dir: where to keep the index between runs (``Settings.data_dir /
                "index"``), so a restart loads it instead of re-tokenising every
                passage; None keeps it in memory only.
            synonyms: the everyday → official synonym table, or a path to one
                (``Settings.synonyms_path``); default: the bundled ``synonyms.tsv``.
            expansion: expand questions (synonyms, English, pinyin names); off only to
                measure what expansion changes (``linli eval --no-expansion``).
        """
        self.store = store
        self.log_secret = log_secret
        self.log_buffer = querylog.LogBuffer(store.factory)
        # Unigrams on for scoring: measured best on CMRC 2018 and the gold set.
        self.tokenizer = tokenizer or Tokenizer(char_unigrams=True)
        self.bm25 = dict(bm25 or {})
        # Words alone and bigrams alone, for judging whether an answer is relevant at all.
        # Answering re-reads the same passages, titles and headings question after
        # question: their tokens are kept (a street's whole newspaper fits).
        self._words = MemoTokenizer(
            Tokenizer(
                words="precise",
                char_bigrams=False,
                char_unigrams=False,
                userdict=self.tokenizer.userdict,
            ),
            TEXT_CACHE,
        )
        self._bigrams = MemoTokenizer(
            Tokenizer(words="none", char_bigrams=True, char_unigrams=False, userdict=None),
            TEXT_CACHE,
        )
        self._highlighters: tuple[Tokenizer, MemoTokenizer] | None = None
        if not isinstance(synonyms, SynonymTable):
            synonyms = load_synonyms(synonyms)
        self.expansion = expansion
        # The dictionary loads on the first English question (about three seconds).
        self.expander = QueryExpander(self.tokenizer, synonyms=synonyms, cedict=load_cedict)
        self._vocabulary: tuple[IndexState, CorpusVocabulary] | None = None
        self.refresh_interval = refresh_interval
        self._state: IndexState | None = None
        self._rebuild_lock = threading.Lock()
        self._checked_at = 0.0
        self._index_cache = IndexCache(
            tokenizer=self.tokenizer,
            bm25=self.bm25,
            directory=index_dir,
            database=store.engine.url.render_as_string(hide_password=True),
        )
        self._indexed: IndexedCorpus | None = None
        # Called (in the rebuilding thread) once a new index answers questions; the bot
        # uses it to keep the garbage collector off the index (bot.app.settle_heap).
        self.after_rebuild: list[Callable[[], None]] = []

    # --- index ----------------------------------------------------------------------

    def _build(self, version: int) -> IndexState:
        loaded: IndexedCorpus | type[NotLoaded] | None = NotLoaded
        if self._indexed is None:
            # At start, the saved index is read from disk while the passages are read
            # from the database (both mostly outside the GIL): a shorter cold start.
            with ThreadPoolExecutor(1) as pool:
                saved = pool.submit(self._index_cache.load_saved)
                records = self._read_records()
                loaded = saved.result()
            # The segmenters answering needs, loaded now rather than by the first question
            # that needs one (~60 ms holding the GIL, i.e. the bot's event loop).
            for memo in (self._words, self._bigrams):
                memo.tokenizer.load()
        else:
            records = self._read_records()
        started = time.perf_counter()
        # Reuses the previous index (or the saved one) for unchanged passages.
        self._indexed, how = self._index_cache.update(
            self._indexed,
            version,
            [r.passage_id for r in records],
            [indexed_text(r) for r in records],
            saved=loaded,
        )
        retriever = self._indexed.retriever
        log.info(
            "index %s: %d passages, corpus version %d, %.0f ms",
            how,
            len(records),
            version,
            (time.perf_counter() - started) * 1000,
        )
        positions = {r.passage_id: i for i, r in enumerate(records)}
        return IndexState(
            version=version, retriever=retriever, records=records, positions=positions
        )

    def _read_records(self) -> tuple[PassageRecord, ...]:
        with self.store.factory() as session:
            return tuple(queries.all_passages(session))

    def refresh(self, *, force: bool = False) -> bool:
        """Rebuild the index if the store's corpus version moved; True if it was rebuilt.

        The new index is built aside and swapped in with one assignment, so questions
        keep being answered from the old one meanwhile.
        """
        now = time.monotonic()
        if not force and self._state is not None and now - self._checked_at < self.refresh_interval:
            return False
        with self._rebuild_lock:
            with self.store.factory() as session:
                version = queries.corpus_version(session)
            self._checked_at = time.monotonic()
            if not force and self._state is not None and self._state.version == version:
                return False
            self._state = self._build(version)
            for hook in self.after_rebuild:
                try:
                    hook()
                except Exception:
                    log.exception("after-rebuild hook %r failed", hook)
            # Saved after the swap: new passages are answerable before the write ends.
            if self._indexed is not None:
                self._index_cache.save(self._indexed)
            return True

    @property
    def state(self) -> IndexState:
        if self._state is None:
            self.refresh(force=True)
        assert self._state is not None
        return self._state

    # --- answering ------------------------------------------------------------------

    def _coverage(
        self, state: IndexState, expansion: Expansion, group: Sequence[PassageRecord]
    ) -> float:
        """How much of the question an article's matching passages answer, in idf-weighted concepts.

        Each concept is one thing the resident said (a word, an everyday phrase, an
        English word) and weighs what the resident's own Chinese words weigh, so an
        English or colloquial question is held to the same floor as a plain one; it
        counts as matched by its best alternative, a synonym only at its weight.
        Counted over jieba words (bigrams would reward half-words): a word the corpus
        knows counts if the article has it; a word the corpus has never seen (often a
        compound jieba did not split, e.g. 派出所长) counts by the share of its character
        bigrams the article has. Single characters weigh half: 来, 去, 年 say little.
        An English word nothing in the index translates weighs as a word never seen.
        """
        index = state.retriever.index
        unseen = math.log(1 + (len(state.retriever) + 0.5) / 0.5)
        first = group[0]
        texts = [first.street, first.article_title, first.heading] + [r.text for r in group]
        # Piece by piece (a line break ends every word and bigram anyway), so each
        # piece's tokens are computed once and shared by every question that quotes it.
        pieces = [self._words.normalize(t) for t in texts]
        word_sets = [self._words.term_set(t) for t in texts]
        # Bigrams only judge words the corpus has never seen: read them only then.
        bigram_sets: list[frozenset[str]] = []

        def in_article(term: str, sets: list[frozenset[str]]) -> bool:
            return any(term in terms for terms in sets)

        def measure(words: set[str]) -> tuple[float, float]:
            total = matched = 0.0
            for word in words:
                scale = 0.5 if len(word) == 1 else 1.0
                if index.doc_freq(word):
                    weight = index.idf(word) * scale
                    total += weight
                    matched += weight if in_article(word, word_sets) else 0.0
                    continue
                bigrams = self._bigrams.tokenize(word) or [word]
                weights = [index.idf(b) or unseen for b in bigrams]
                if not bigram_sets:
                    bigram_sets.extend(self._bigrams.term_set(t) for t in texts)
                weight = scale * sum(weights) / len(weights)
                total += weight
                matched += (
                    weight
                    * sum(
                        w
                        for b, w in zip(bigrams, weights, strict=True)
                        if in_article(b, bigram_sets)
                    )
                    / sum(weights)
                )
            return total, matched

        total = matched = 0.0
        for concept in expansion.concepts:
            own, share = _own_words(concept, self._words), 0.0
            if own is not None:
                weight, hit = measure(own)
                share = hit / weight if weight else 0.0
            else:
                best = concept.best
                weight = measure(set(self._words.tokenize(best.text)))[0] if best else 0.0
                # No dictionary word at all: whether the paper covers it is unknown.
                weight = weight or (unseen / 2 if concept.untranslated else unseen)
            if not weight:
                continue
            for alt in concept.alternatives:
                if alt.origin == "question":
                    continue
                if any(alt.text in piece for piece in pieces):
                    share = max(share, alt.weight)
                    continue
                alt_weight, alt_hit = measure(set(self._words.tokenize(alt.text)))
                if alt_weight:
                    share = max(share, alt.weight * alt_hit / alt_weight)
            total += weight
            matched += weight * share
        return matched / total if total else 0.0

    def _highlighter(self, state: IndexState) -> MemoTokenizer:
        """The index's highlighting tokenizer, keeping its results for recent texts."""
        current = self._highlighters
        if current is None or current[0] is not state.retriever.highlighter:
            current = (
                state.retriever.highlighter,
                MemoTokenizer(state.retriever.highlighter, TEXT_CACHE),
            )
            self._highlighters = current
        return current[1]

    def _expand(self, state: IndexState, query: str) -> Expansion:
        if self.expansion:
            return self.expander.expand(query, self._vocabulary_of(state))
        return self.expander.plain(query)

    def _vocabulary_of(self, state: IndexState) -> CorpusVocabulary:
        # Follows the index: rebuilt (once, racing threads at worst twice) per new state.
        cached = self._vocabulary
        if cached is None or cached[0] is not state:
            vocabulary = CorpusVocabulary(
                state.retriever.index, state.retriever.tokenizer, state.records
            )
            cached = self._vocabulary = (state, vocabulary)
        return cached[1]

    def answer(self, question: str, *, lang: Lang | None = None) -> Answer:
        """Answer one question: quotes with sources, and a direct answer where one is asked for."""
        # Latency counts answering only: an index rebuild after a corpus change is logged
        # by refresh() itself and must not show up as one resident's slow answer.
        self.refresh()
        state = self.state
        started = time.perf_counter()
        query, truncated = clean_question(question)
        lang = lang or detect_lang(query)
        expansion = self._expand(state, query) if query else None
        if expansion is None or not expansion.terms:
            status = "empty" if not query else "not_found"
            return Answer(
                query=query,
                lang=lang,
                status=status,
                truncated=truncated,
                took_ms=(time.perf_counter() - started) * 1000,
            )
        hits = state.retriever.search_terms(expansion.terms, k=CANDIDATES)
        # Every quote must answer enough of the question on its own: never pad the reply
        # with passages that merely share a word. Checked before snippets are chosen,
        # the larger part of an answer's work, for the articles that remain.
        groups = [
            group
            for group in _groups(state, hits)
            if self._coverage(state, expansion, [record for record, _ in group]) >= MIN_COVERAGE
        ]
        quotes = self._quotes(state, expansion, groups)
        if not quotes:
            return Answer(
                query=query,
                lang=lang,
                status="not_found",
                truncated=truncated,
                took_ms=(time.perf_counter() - started) * 1000,
            )
        direct = self._direct(state, expansion, quotes)
        return Answer(
            query=query,
            lang=lang,
            status="ok",
            quotes=tuple(quotes),
            direct=direct,
            truncated=truncated,
            took_ms=(time.perf_counter() - started) * 1000,
        )

    def _quotes(
        self, state: IndexState, expansion: Expansion, groups: Sequence[Sequence[Scored]]
    ) -> list[Quote]:
        """A quote for each article's group of hits (see :func:`_groups`)."""
        # Snippets are chosen and marked by the Chinese terms of the expanded question,
        # a synonym's terms counting at its weight.
        highlight = expansion.highlight
        terms = list(highlight)
        index = state.retriever.index
        weights = {t: (index.idf(t) or float(len(t))) * w for t, w in highlight.items()}
        quotes = []
        for group in groups:
            score = group[0][1]
            # The group's best passage by BM25 need not hold the best sentence: quote the
            # passage whose snippet covers the most (idf-weighted) question words.
            best: tuple[float, PassageRecord, Snippet] | None = None
            for record, _ in group[:SNIPPET_CANDIDATES]:
                snippet = best_snippet(
                    record.text,
                    terms,
                    self._highlighter(state),
                    SNIPPET_CHARS,
                    weights=weights,
                )
                # Normalised again for matching, a term can differ from its key
                # (OpenCC converts 乾 in 余乾坤 one way and alone another): keys only.
                value = sum(
                    index.idf(t) * highlight[t] for t in snippet.terms if t in highlight
                )
                if best is None or value > best[0] + 1e-9:
                    best = (value, record, snippet)
            assert best is not None
            _, record, snippet = best
            quotes.append(
                Quote(
                    score=score,
                    passage_id=record.passage_id,
                    passage=record.text,
                    snippet=snippet.text,
                    spans=tuple(snippet.spans),
                    source=_source(record),
                    merged_passage_ids=tuple(
                        r.passage_id for r, _ in group if r.passage_id != record.passage_id
                    ),
                )
            )
        return quotes

    def _direct(
        self, state: IndexState, expansion: Expansion, quotes: list[Quote]
    ) -> DirectAnswer | None:
        """The asked-for date/number/person/place, from the best article's matching passages.

        Every sentence of the first quote's passages that holds an expression of the
        asked-for kind is a candidate; the one sharing the most (idf-weighted) words
        with the question wins. If it is not already in the quote, it becomes the
        quote, so the resident sees the answer in the newspaper's own words.
        """
        question = expansion.question
        if STATUS_RE.search(question):
            self._quote_status(state, expansion, quotes)
            return None
        # The kind is read off the resident's own words (English patterns included);
        # the value always comes from the Chinese text.
        kind = question_kind(question)
        noun = which_noun(question) if expansion.lang == "zh" else self._which_en(expansion)
        if noun and expansion.lang == "zh":
            # 哪家影院看 → 影院: the regex cannot tell where the noun ends; jieba can.
            words = self._words.tokenize(noun)
            noun = words[0] if words and len(words[0]) >= 2 else None
        if kind is None and noun is not None:
            kind = "where"  # "哪家影院", "哪个党群服务站": a named place or body
        if kind is None:
            return None
        unit = asked_unit(question) if kind == "number" else None
        if kind == "number" and expansion.lang == "en" and _PRICE_EN.search(question):
            unit = "元"  # "how much are the tickets": a price, not the head count nearby
        best = quotes[0]
        highlighter = self._highlighter(state)
        weights = expansion.highlight
        terms = list(weights)
        records = [state.records[state.positions[best.passage_id]]] + [
            state.records[state.positions[pid]]
            for pid in best.merged_passage_ids[:DIRECT_PASSAGES]
            if pid in state.positions
        ]
        chosen: tuple[tuple[bool, bool, float], int, PassageRecord, str, DirectAnswer] | None = None
        for rank, record in enumerate(records):
            for sentence in split_sentences(record.text):
                spans = match_spans(sentence, terms, highlighter)
                if not spans:
                    continue
                found = find_answer(
                    kind,
                    sentence,
                    issue_date=best.source.date,
                    anchors=[a for a, _ in spans],
                    unit=unit,
                    noun=noun,
                )
                if found.value is None:
                    continue
                shared = set(highlighter.tokenize(sentence)) & weights.keys()
                value = sum(state.retriever.index.idf(t) * weights[t] for t in shared)
                # The asked-for measure word (几位 → 14位) beats word overlap; then the
                # passage that ranked first; then overlap with the question.
                key = (bool(unit and found.value.endswith(unit)), rank == 0, value)
                if chosen is None or key > chosen[0]:
                    chosen = (key, rank, record, sentence, found)
        if chosen is None:
            return DirectAnswer(kind, None)
        _, _, record, sentence, found = chosen
        if record.passage_id == best.passage_id and sentence in best.snippet:
            return found
        snippet = _clip_sentence(sentence, found.value or "")
        quotes[0] = replace(
            best,
            passage_id=record.passage_id,
            passage=record.text,
            snippet=snippet,
            spans=tuple(match_spans(snippet, terms, highlighter)),
            merged_passage_ids=tuple(
                p for p in (best.passage_id, *best.merged_passage_ids) if p != record.passage_id
            ),
        )
        return found

    def _quote_status(self, state: IndexState, expansion: Expansion, quotes: list[Quote]) -> None:
        """For "how is X going" questions, quote the sentence that tells the current state.

        Reports end with where things stand (目前…已…); that sentence, if it shares words
        with the question, is a better quote than the article's opening.
        """
        best = quotes[0]
        highlighter = self._highlighter(state)
        weights = expansion.highlight
        records = [state.records[state.positions[best.passage_id]]] + [
            state.records[state.positions[pid]]
            for pid in best.merged_passage_ids[:DIRECT_PASSAGES]
            if pid in state.positions
        ]
        chosen: tuple[float, PassageRecord, str] | None = None
        for record in records:
            for sentence in split_sentences(record.text):
                if not STATE_WORDS_RE.search(sentence):
                    continue
                shared = set(highlighter.tokenize(sentence)) & weights.keys()
                value = sum(state.retriever.index.idf(t) * weights[t] for t in shared)
                if value > 0 and (chosen is None or value > chosen[0]):
                    chosen = (value, record, sentence)
        if chosen is None or chosen[2] in best.snippet:
            return
        _, record, sentence = chosen
        snippet = _clip_sentence(sentence, "")
        quotes[0] = replace(
            best,
            passage_id=record.passage_id,
            passage=record.text,
            snippet=snippet,
            spans=tuple(match_spans(snippet, list(weights), highlighter)),
            merged_passage_ids=tuple(
                p for p in (best.passage_id, *best.merged_passage_ids) if p != record.passage_id
            ),
        )

    @staticmethod
    def _which_en(expansion: Expansion) -> str | None:
        """ "which cinema" → 影院: the best Chinese word for the noun after "which"."""
        match = _WHICH_EN.search(expansion.question)
        concept = expansion.concept(match.group(1)) if match else None
        best = concept.best if concept else None
        return best.text if best and len(best.text) >= 2 else None

    # --- the query log ----------------------------------------------------------------

    def record(
        self, answer: Answer, *, channel: str, user_id: int | str | None, ref: str | None = None
    ) -> str:
        """Log a question and its answer; returns the entry's ref (also when the write failed)."""
        record = self._log_record(answer, channel, user_id, ref or querylog.new_ref())
        querylog.record_query(self.store.factory, record)
        return record.ref

    def record_soon(
        self, answer: Answer, *, channel: str, user_id: int | str | None, ref: str
    ) -> None:
        """Queue a log entry for the next :meth:`flush_log` (the bot's way: no waiting)."""
        self.log_buffer.add(self._log_record(answer, channel, user_id, ref))

    def _log_record(
        self, answer: Answer, channel: str, user_id: int | str | None, ref: str
    ) -> querylog.LogRecord:
        return querylog.LogRecord(
            ref=ref,
            channel=channel,
            user_hash=querylog.pseudonym(self.log_secret, user_id),
            answer=answer,
            created_at=datetime.now(UTC),
        )

    def flush_log(self) -> int:
        """Write the queued log entries (one transaction); returns how many were written."""
        return self.log_buffer.flush()

    def feedback(self, ref: str, value: int) -> bool:
        self.flush_log()  # the entry rated may still be queued
        return querylog.set_feedback(self.store.factory, ref=ref, value=value)

    # --- browsing -------------------------------------------------------------------

    def latest(self, limit: int = 3) -> list[tuple[IssueInfo, list[str]]]:
        """The newest issues with their article titles."""
        with self.store.factory() as session:
            issues = queries.list_issues(session)[:limit]
            result = []
            for info in issues:
                issue = queries.get_issue(session, issue_id=info.id)
                titles = [a.title for a in issue.articles] if issue else []
                result.append((info, titles))
        return result

    def article(self, article_id: int) -> ArticleView | None:
        with self.store.factory() as session:
            article = queries.get_article(session, article_id=article_id)
            if article is None:
                return None
            issue = article.issue
            source = Source(
                issue_id=issue.id,
                publication=issue.publication,
                street=issue.street,
                date=issue.date,
                date_estimated=issue.date_estimated,
                issue_title=issue.title,
                source_name=issue.source_name,
                article_id=article.id,
                article_title=article.title,
            )
            return ArticleView(
                source=source, subtitle=article.subtitle, byline=article.byline, body=article.body
            )


def _groups(state: IndexState, hits: Sequence[Hit]) -> list[list[Scored]]:
    """The hits by article, best article first, at most MAX_QUOTES articles; an article's
    further hits are merged into its quote."""
    groups: dict[tuple[int, str], list[Scored]] = {}
    for hit in hits:
        record = state.records[hit.index]
        # A feature's parts under different subheads are quoted separately.
        key = (record.article_id, record.heading)
        group = groups.get(key)
        if group is None:
            if len(groups) >= MAX_QUOTES:
                continue
            group = groups[key] = []
        group.append((record, float(hit.score)))
    return list(groups.values())


def _own_words(concept: Concept, words: MemoTokenizer) -> set[str] | None:
    """The jieba words the resident wrote for ``concept``; None if they wrote none in Chinese.

    A plain word is itself (as segmented in the question); an everyday phrase is
    segmented on its own (装电梯 → 装, 电梯).
    """
    own = [a.text for a in concept.alternatives if a.origin == "question"]
    if not own:
        return None
    if len(concept.alternatives) == 1:
        return {own[0]}
    return set(words.tokenize(own[0]))


def indexed_text(record: PassageRecord) -> str:
    """What the index sees of a passage: street, headline, subhead, then the passage.

    Headlines carry the words residents ask with (锦江区参访团, 加梯梦) that the body
    may not repeat, and residents name their street (凉城, 花木) where the paper names
    the compound; quotes and snippets still come from the passage text alone.
    """
    return "\n".join(
        filter(None, [record.street, record.article_title, record.heading, record.text])
    )


def _source(record: PassageRecord) -> Source:
    return Source(
        issue_id=record.issue_id,
        publication=record.publication,
        street=record.street,
        date=record.date,
        date_estimated=record.date_estimated,
        issue_title=record.issue_title,
        source_name=record.source_name,
        article_id=record.article_id,
        article_title=record.article_title,
        heading=record.heading,
    )


def _clip_sentence(sentence: str, value: str, limit: int = 150) -> str:
    """The sentence, or a window of it around ``value`` when it is too long to quote whole."""
    if len(sentence) <= limit:
        return sentence
    first = value.split("、")[0]
    at = sentence.find(first[-6:]) if first else -1
    at = max(at, 0)
    start = max(0, at - limit // 3)
    end = min(len(sentence), start + limit)
    return ("…" if start else "") + sentence[start:end] + ("…" if end < len(sentence) else "")


def service_from_settings(settings: Settings, *, store: Store | None = None) -> LinliService:
    """The service as every entry point builds it: one place that reads the settings.

    Raises:
        corpus.db.StoreError: the database cannot be opened.
    """
    store = store or Store.open(settings.db_url)
    userdict = settings.userdict_path or DEFAULT_USERDICT
    return LinliService(
        store,
        tokenizer=Tokenizer(char_unigrams=True, userdict=userdict),
        log_secret=querylog.load_or_create_secret(settings.log_hmac_secret, settings.data_dir),
        synonyms=settings.synonyms_path,
        index_dir=settings.data_dir / "index",
    )

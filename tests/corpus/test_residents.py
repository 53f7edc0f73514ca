"""The residents room of corpus.api: settings and button state, only under pseudonyms."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from corpus.answer.saved import answer_from_json, answer_to_json
from corpus.answer.service import LinliService
from corpus.api import Corpus, ResidentPrefs
from corpus.store.engine import Store
from corpus.store.models import ButtonState, ResidentSetting

ALICE = 1001


@pytest.fixture
def corpus(seeded_store: Store) -> Corpus:
    return Corpus(seeded_store, LinliService(seeded_store), b"secret")


def handle(corpus: Corpus, street: str) -> int:
    return dict(corpus.residents.streets())[street]


def test_streets_are_the_stored_ones_each_with_an_issue_of_it(corpus: Corpus) -> None:
    streets = corpus.residents.streets()
    assert [s for s, _ in streets] == sorted({"长风新村街道", "凉城新村街道", "花木街道"})
    for street, issue_id in streets:
        info = corpus.issues.find(issue_id)
        assert info is not None and info.street == street


def test_settings_are_kept_under_the_pseudonym_and_read_back(corpus: Corpus) -> None:
    residents = corpus.residents
    assert residents.prefs(ALICE) == ResidentPrefs()
    assert residents.set_street(ALICE, handle(corpus, "花木街道")) == "花木街道"
    residents.set_lang(ALICE, "en")
    assert residents.prefs(ALICE) == ResidentPrefs(street="花木街道", lang="en")
    assert residents.prefs(2002) == ResidentPrefs()
    with corpus.store.factory() as session:
        [row] = session.scalars(select(ResidentSetting))
    assert row.user_hash == residents.owner(ALICE) == corpus.log._record(
        corpus.answers.answer("x"), "private", ALICE, "r"
    ).user_hash
    assert str(ALICE) not in row.user_hash
    residents.set_street(ALICE, None)
    residents.set_lang(ALICE, None)
    assert residents.prefs(ALICE) == ResidentPrefs()


def test_an_unknown_street_handle_is_refused_and_nothing_is_written(corpus: Corpus) -> None:
    with pytest.raises(LookupError):
        corpus.residents.set_street(ALICE, 999_999)
    with corpus.store.factory() as session:
        assert list(session.scalars(select(ResidentSetting))) == []


def test_another_processs_change_shows_once_the_cache_expires(
    corpus: Corpus, seeded_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = Corpus(seeded_store, corpus.answers, b"secret")
    assert corpus.residents.prefs(ALICE).lang is None
    other.residents.set_lang(ALICE, "en")
    assert corpus.residents.prefs(ALICE).lang is None  # cached
    monkeypatch.setattr(corpus.residents, "PREFS_TTL", 0.0)
    assert corpus.residents.prefs(ALICE).lang == "en"


def test_a_stored_language_that_is_not_ours_reads_as_none(corpus: Corpus) -> None:
    corpus.residents.set_lang(ALICE, "en")
    with corpus.store.factory.begin() as session:
        session.execute(text("UPDATE resident_settings SET lang = 'xx'"))
    fresh = Corpus(corpus.store, corpus.answers, b"secret")
    assert fresh.residents.prefs(ALICE).lang is None


def stored_keys(corpus: Corpus) -> set[str]:
    with corpus.store.factory() as session:
        return set(session.scalars(select(ButtonState.key)))


def test_a_failed_flush_keeps_the_buttons_for_the_next(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from corpus.store import residents as queries

    residents = corpus.residents
    key = residents.keep("answer", "{}", chat_id=1, user_id=1)
    real = queries.add_button

    def broken(*args: object, **kwargs: object) -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(queries, "add_button", broken)
    assert residents.flush() == 0 and residents.pending == 1
    assert residents.recall(key, "answer") is not None  # still answered from memory

    def changed_meanwhile(*args: object, **kwargs: object) -> None:
        residents.update(key, '{"x": 1}')  # a press while the flush writes
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(queries, "add_button", changed_meanwhile)
    assert residents.flush() == 1 and stored_keys(corpus) == {key}
    assert residents.pending == 1  # the change, to be written as an update
    monkeypatch.setattr(queries, "add_button", real)
    later = residents.keep("article", "{}", chat_id=1, user_id=1)
    corpus.close()  # closing writes what is pending
    url = corpus.store.engine.url.render_as_string(hide_password=False)
    reopened = Corpus(Store.open(url), corpus.answers, b"secret")
    try:
        assert reopened.residents.recall(later, "article") is not None
        assert reopened.residents.recall(key, "answer").payload == '{"x": 1}'  # type: ignore[union-attr]
    finally:
        reopened.store.close()


def test_button_state_is_kept_by_kind_updated_and_aged_out(corpus: Corpus) -> None:
    residents = corpus.residents
    key = residents.keep("answer", '{"a": 1}', chat_id=-4001, user_id=ALICE)
    other = residents.keep("answer", "{}", chat_id=-4001, user_id=ALICE)
    assert key != other and len(key) <= 24
    kept = residents.recall(key, "answer")
    assert kept is not None and kept.payload == '{"a": 1}'
    assert kept.chat_hash == residents.owner(-4001) and kept.user_hash == residents.owner(ALICE)
    assert str(ALICE) not in kept.user_hash
    assert residents.recall(key, "article") is None  # another kind of button
    assert residents.recall("no-such-key", "answer") is None
    assert residents.update(key, '{"a": 2}') and not residents.update("nope", "{}")
    assert residents.recall(key, "answer").payload == '{"a": 2}'  # type: ignore[union-attr]
    # Written with others at the flush; read back from the store after it.
    assert stored_keys(corpus) == set()
    assert residents.flush() == 2 and residents.pending == 0
    assert stored_keys(corpus) == {key, other}
    assert residents.recall(key, "answer").payload == '{"a": 2}'  # type: ignore[union-attr]
    # A stored row's change waits for the next flush too (a press never waits for a lock).
    assert residents.update(key, '{"a": 3}')
    assert residents.recall(key, "answer").payload == '{"a": 3}'  # type: ignore[union-attr]
    assert residents.flush() == 1 and residents.pending == 0
    assert Corpus(corpus.store, corpus.answers, b"secret").residents.recall(key, "answer").payload == '{"a": 3}'  # type: ignore[union-attr]
    # Past the age limit: as good as gone, then purged.
    later = datetime.now(UTC) + timedelta(days=residents.BUTTONS_KEPT_DAYS, seconds=1)
    with corpus.store.factory.begin() as session:
        for row in session.scalars(select(ButtonState)):
            row.created_at = datetime.now(UTC) - timedelta(days=residents.BUTTONS_KEPT_DAYS + 1)
    assert residents.recall(key, "answer") is None
    assert residents.purge_buttons(now=later) == 2
    assert residents.purge_buttons() == 0


@pytest.mark.parametrize(
    "question",
    ["世纪同乐小区什么时候清理楼道堆物？", "花木街道收缴了多少个钢瓶", "游泳池几点开门", "", "when was the elevator meeting"],
)
def test_an_answer_survives_json(corpus: Corpus, question: str) -> None:
    answer = corpus.answers.answer(question)
    again = answer_from_json(answer_to_json(answer))
    assert again == answer and again.text() == answer.text()


@pytest.mark.parametrize(
    "damaged",
    ["", "[]", "{}", '{"query": 1}', "not json", json.dumps({"query": "q", "lang": "fr"})],
)
def test_a_damaged_saved_answer_is_a_value_error(damaged: str) -> None:
    with pytest.raises(ValueError):
        answer_from_json(damaged)


def test_a_saved_answer_without_a_later_field_reads_as_its_default(corpus: Corpus) -> None:
    answer = corpus.answers.answer("世纪同乐小区什么时候清理楼道堆物？")
    data = json.loads(answer_to_json(answer))
    del data["topic"], data["about"]
    again = answer_from_json(json.dumps(data))
    assert again.quotes == answer.quotes and (again.topic, again.about) == ("", None)

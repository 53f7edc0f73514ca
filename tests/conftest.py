"""Shared fixtures: a fresh database per test, on SQLite and (when configured) PostgreSQL.

PostgreSQL runs when LINLI_TEST_POSTGRES_URL points at a server where the user may
create databases (`.ci/run` starts one); each test then gets a database of its own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from corpus.ingest.seed import seed_demo
from corpus.store.engine import Store, _normalise_url

POSTGRES_URL = os.environ.get("LINLI_TEST_POSTGRES_URL", "").strip()
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])
DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True, scope="session")
def _compiled_search_loaded() -> None:
    # A process's first search starts loading the compiled kernel in the background and
    # is scored with numpy until it is ready: loaded at once here, the tests comparing
    # the two paths compare them from their first example.
    from retrieval.index import kernel

    if kernel.AVAILABLE:
        kernel.load()
        # One search compiles the kernel for the index's types and writes numba's disk
        # cache, so the bot processes the tests start load it instead of compiling it.
        from retrieval import Retriever

        retriever = Retriever.from_texts(["凉城新村街道加装电梯", "长风社区楼道堆物"])
        retriever.search("加装电梯")
        index = retriever.index
        kernel.warm(index._snap, index._vocab)  # what a fresh bot process loads first


@pytest.fixture(autouse=True)
def _ocr_results_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    # Real recognition, computed once per page image for the whole run (seconds a page).
    from tests.support.ocr import cache_recognition

    cache_recognition(monkeypatch)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.support.ocr import MISSING, available

    if not available():
        terminalreporter.write_line(f"OCR tests were skipped: {MISSING}", yellow=True)


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing a test runs may read the developer's .env or write to their data directory.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LINLI_DATA_DIR", str(tmp_path / "data"))
    for name in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "STAFF_IDS", "ADMIN_IDS", "WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def data_dir() -> Path:
    return DATA


def _fresh_postgres_database() -> Iterator[str]:
    admin_url = _normalise_url(POSTGRES_URL)
    name = f"linli_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database, fresh for this test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
    else:
        yield from _fresh_postgres_database()


@pytest.fixture
def empty_store(db_url: str) -> Iterator[Store]:
    """An empty store (the bundled corpus is NOT loaded)."""
    store = Store.open(db_url)
    yield store
    store.close()


@pytest.fixture
def seeded_store(db_url: str) -> Iterator[Store]:
    """A store filled with the bundled seed issues, as a newcomer gets it."""
    store = Store.open(db_url)
    seed_demo(store)
    yield store
    store.close()

"""Engine and session set-up for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DataError, DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from corpus.store import migrate
from corpus.store.migrate import SchemaUpgrade

T = TypeVar("T")
log = logging.getLogger(__name__)


class StoreError(RuntimeError):
    """The database cannot be opened or used; the message says what to check.

    ``permanent`` is True when the database refused the data itself (a constraint, a
    value it cannot hold): sending the same again fails the same way, so callers must
    not say "try again later" then.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def write_failure(what: str, exc: SQLAlchemyError) -> StoreError:
    """The StoreError for a failed write, telling a refusal of the data from an outage."""
    if isinstance(exc, DataError | IntegrityError):
        return StoreError(
            f"{what}: the database refused the data ({_one_line(exc)}); "
            "sending it again will not help",
            permanent=True,
        )
    return StoreError(f"{what}: the database failed ({_one_line(exc)}); try again later")


def _normalise_url(url: str) -> str:
    # "postgresql://" alone would pick psycopg2, which we do not ship; psycopg 3 is our driver.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url``, creating the SQLite file's folder if needed.

    Raises:
        StoreError: a URL no installed driver can open, or a folder that cannot be made.
    """
    try:
        return _make_engine(_normalise_url(url), echo=echo)
    except ImportError as exc:
        # psycopg is the `postgres` extra: a plain install has no PostgreSQL driver.
        raise StoreError(
            f"the database driver is not installed ({exc.name or exc}): for PostgreSQL "
            "install the postgres extra (make run EXTRAS=postgres, or "
            "pip install 'linli[postgres]')"
        ) from exc
    except ArgumentError as exc:  # also NoSuchModuleError: an unknown scheme
        raise StoreError(
            f"cannot use the database URL: {_one_line(exc)}; give sqlite:///PATH or "
            "postgresql://USER:PASSWORD@HOST:5432/DB"
        ) from exc
    except OSError as exc:
        raise StoreError(
            f"cannot create the database folder {exc.filename or ''}: {exc.strerror or exc}"
        ) from exc


def _make_engine(url: str, *, echo: bool) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            # Cascading deletes rely on foreign keys; WAL lets readers run during an ingest.
            cursor.execute("PRAGMA foreign_keys=ON")
            if database and database != ":memory:":
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


# What a database says when another process is creating or filling it at the same moment.
_RACES = ("already exists", "duplicate key", "database is locked")


def retry_races(action: Callable[[], T], *, attempts: int = 8) -> T:
    """Run ``action``; again, after a short wait, if another process's set-up got in the way.

    Several processes may start on one new database at once (bot replicas, a CLI
    ingest): one of them wins each ``CREATE`` or seeding, the others see "already
    exists", a duplicate key or, on SQLite, "database is locked" (a read that cannot
    become a write), and look again. Other errors are raised at once.
    """
    for attempt in range(1, attempts):
        try:
            return action()
        except Exception as exc:  # the drivers' own error classes vary
            if not any(s in str(exc).lower() for s in _RACES):
                raise
            time.sleep(0.1 * attempt)
    return action()


def init_db(engine: Engine) -> SchemaUpgrade:
    """Bring the schema to the newest migration (creating it in a new database), logged.

    Openers racing on a new database wait for the one that holds the migration lock
    (corpus/store/migrate.py); the retry covers what comes before the lock.

    Raises:
        StoreError: the database cannot be reached, a newer Linli upgraded it, or its
            tables are not Linli's.
    """
    where = engine.url.render_as_string(hide_password=True)
    try:
        done = retry_races(lambda: migrate.upgrade(engine))
    except Exception as exc:  # the driver's own errors vary; the message must name the URL
        raise StoreError(f"cannot open the database at {where}: {_one_line(exc)}") from exc
    if done.changed:
        log.info("%s (%s)", done.describe(), where)
    return done


def schema_revision(engine: Engine) -> str | None:
    """The database's schema revision, None if it has none yet; reads only.

    Raises:
        StoreError: the database cannot be reached.
    """
    try:
        return migrate.current(engine)
    except Exception as exc:
        where = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"cannot read the database at {where}: {_one_line(exc)}") from exc


def _one_line(exc: BaseException) -> str:
    """The driver's own message on one line (the CLI prints errors as one line).

    SQLAlchemy wraps it with the statement and a link; psycopg adds a hint on a line
    of its own.
    """
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    line = " ".join(str(exc).split()) or exc.__class__.__name__
    # Some drivers quote the offending row; an issue's row holds its whole text.
    return line if len(line) <= 300 else line[:299] + "…"


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: committed if the block succeeds, rolled back whole if not."""
    with factory() as session, session.begin():
        yield session


@dataclass
class Store:
    """The database Linli reads and writes: the source of truth for every index."""

    engine: Engine
    factory: sessionmaker[Session]

    @classmethod
    def open(cls, url: str) -> Store:
        """Open the database at ``url``, creating or upgrading its schema if needed.

        Raises:
            StoreError: the database cannot be opened.
        """
        engine = make_engine(url)
        init_db(engine)
        return cls(engine=engine, factory=make_session_factory(engine))

    def close(self) -> None:
        self.engine.dispose()

"""Opening the store: engine, schema, and the bundled corpus on first use."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from corpus.bundled import seed_if_empty
from corpus.db import StoreError, init_db, make_engine, make_session_factory, retry_races

log = logging.getLogger(__name__)


@dataclass
class Store:
    """The database Linli reads and writes: the source of truth for every index."""

    engine: Engine
    factory: sessionmaker[Session]

    @classmethod
    def open(cls, url: str, *, seed: bool = True) -> Store:
        """Open (creating if needed) the database at ``url``.

        Args:
            url: a SQLAlchemy URL.
            seed: fill a never-seeded empty store with the bundled issues.

        Raises:
            corpus.db.StoreError: the database cannot be opened.
        """
        engine = make_engine(url)
        init_db(engine)
        store = cls(engine=engine, factory=make_session_factory(engine))
        if seed:
            try:
                results = retry_races(lambda: seed_if_empty(store.factory))
            except IntegrityError:
                # Another process seeded the same store at the same moment; theirs stands.
                results = []
            except OperationalError as exc:
                raise StoreError(f"cannot fill the new database: {exc}") from exc
            if results:
                log.info("filled the empty store with %d bundled issues", len(results))
        return store

    def close(self) -> None:
        self.engine.dispose()

"""Alembic's environment: how a migration reaches the database.

Linli runs migrations through corpus/store/migrate.py, which passes a connection that
already holds the migration lock in ``config.attributes["connection"]``: it is used as
is, inside that transaction. Without one (the ``alembic`` command line, for developers
writing a revision: see alembic.ini here) the database is the one Linli is configured
with (DATABASE_URL, else the default SQLite file).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from corpus.store.models import Base

config = context.config


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=Base.metadata,
        # SQLite alters little: autogenerate writes changes as batch operations, which
        # copy the table on SQLite and are plain ALTERs on PostgreSQL.
        render_as_batch=True,
        compare_type=True,
        **kwargs,
    )


def _run(connection: Connection) -> None:
    _configure(connection=connection)
    # Inside the caller's transaction this opens none of its own (Alembic sees it).
    with context.begin_transaction():
        context.run_migrations()


def _configured_url() -> str:
    from corpus.settings import Settings
    from corpus.store.engine import _normalise_url

    return _normalise_url(Settings.from_env().db_url)


if context.is_offline_mode():
    # `alembic upgrade --sql`: the SQL for a DBA to read or run by hand.
    _configure(url=_configured_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif (shared := config.attributes.get("connection")) is not None:
    _run(shared)
else:
    from corpus.store.engine import make_engine
    from corpus.store.migrate import migration_connection

    engine = make_engine(_configured_url())
    try:
        with migration_connection(engine) as connection:
            _run(connection)
    finally:
        engine.dispose()

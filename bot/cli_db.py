"""`linli db upgrade` and `linli db current`: the database's schema revision."""

from __future__ import annotations

import argparse
from typing import TextIO

from corpus import api
from corpus.settings import Settings


def cmd_db(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`linli db upgrade` / `linli db current`: the database's schema revision."""
    if args.action == "upgrade":
        print(api.upgrade_database(settings).describe(), file=out)
        return 0
    revision, head = api.database_revision(settings)
    if revision is None:
        print(
            f"no schema revision yet (new, or made before migrations); this Linli's: {head}",
            file=out,
        )
    elif revision == head:
        print(f"revision {revision} (up to date)", file=out)
    else:
        # Older or newer: `linli db upgrade` applies the one, refuses the other.
        print(f"revision {revision}; this Linli's: {head}", file=out)
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "db",
        help="the database schema: `db upgrade` to the newest revision, `db current`",
        description="Every command and the bot upgrade the schema when they open the "
        "database; `linli db upgrade` does only that, e.g. before starting replicas.",
    )
    p.add_argument("action", choices=["upgrade", "current"])
    p.set_defaults(func=cmd_db)

"""The bundled seed issues: a newcomer's empty store is filled from them on first use."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from corpus import queries
from corpus.db import transaction
from corpus.ingest import IngestResult, IssueMeta, prepare_paths, store_issue

BUNDLED_DIR = Path(__file__).parent / "issues"
SEEDED_KEY = "bundled_corpus_seeded"


def read_manifest(path: Path) -> dict[str, IssueMeta]:
    """Per-file metadata from a manifest.json (``{"issues": [{"file": ..., ...}]}``)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        entry["file"]: IssueMeta(
            publication=entry.get("publication"),
            street=entry.get("street"),
            district=entry.get("district"),
            date=entry.get("date"),
            date_estimated=bool(entry.get("date_estimated", False)),
            title=entry.get("title"),
            source_name=entry.get("source_name") or entry["file"],
        )
        for entry in data.get("issues", [])
    }


def seed_if_empty(factory: sessionmaker[Session]) -> list[IngestResult]:
    """Ingest the bundled issues once, into a store that has never held any.

    A marker in the store remembers the seeding, so staff who remove the seed
    issues on purpose do not see them come back at the next start.
    """
    with factory() as session:
        if queries.get_meta(session, key=SEEDED_KEY) or queries.count_issues(session):
            return []
    prepared = prepare_paths([BUNDLED_DIR], IssueMeta())
    with transaction(factory) as session:
        # Checked again inside the transaction: another process may have seeded meanwhile.
        if queries.get_meta(session, key=SEEDED_KEY) or queries.count_issues(session):
            return []
        results = [store_issue(session, p) for p in prepared]
        queries.set_meta(session, key=SEEDED_KEY, value="1")
        return results

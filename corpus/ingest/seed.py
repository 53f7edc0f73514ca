"""The bundled demo corpus: five OCR'd issues a newcomer's empty store can be filled with.

Seeding is a choice made at the entry point (``Settings.demo_corpus``), never a side
effect of opening a store: a production database is only ever filled by staff.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from corpus.ingest.prepare import IssueMeta, prepare_paths
from corpus.ingest.write import IngestResult, store_issue
from corpus.store import issues as queries
from corpus.store.engine import Store, StoreError, retry_races, transaction

BUNDLED_DIR = Path(__file__).parents[1] / "issues"
SEEDED_KEY = "bundled_corpus_seeded"
log = logging.getLogger(__name__)


MANIFEST_SHAPE = '{"issues": [{"file": "NAME.txt", "date": "2026-11", ...}]}'
_TEXT_FIELDS = ("publication", "street", "district", "date", "title", "source_name")


def read_manifest(path: Path) -> dict[str, IssueMeta]:
    """Per-file metadata from a manifest.json (``{"issues": [{"file": ..., ...}]}``).

    Staff write these by hand, so the shape is checked here: a wrong one would
    otherwise surface as a KeyError or AttributeError deep in the ingest.

    Raises:
        ValueError: not JSON, or not of that shape (the message says where).
        OSError: the file cannot be read.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    issues = data.get("issues", []) if isinstance(data, dict) else None
    if not isinstance(issues, list):
        raise ValueError(f"not a manifest; expected {MANIFEST_SHAPE}")
    found: dict[str, IssueMeta] = {}
    for n, entry in enumerate(issues, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            raise ValueError(f'issue {n} has no "file" name; expected {MANIFEST_SHAPE}')
        for key in _TEXT_FIELDS:
            if entry.get(key) is not None and not isinstance(entry[key], str):
                raise ValueError(f'issue {n} ({entry["file"]}): "{key}" must be text')
        found[entry["file"]] = IssueMeta(
            publication=entry.get("publication"),
            street=entry.get("street"),
            district=entry.get("district"),
            date=entry.get("date"),
            date_estimated=bool(entry.get("date_estimated", False)),
            title=entry.get("title"),
            source_name=entry.get("source_name") or entry["file"],
        )
    return found


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


def seed_demo(store: Store) -> list[IngestResult]:
    """Fill ``store`` with the bundled issues if it never held any; safe to race.

    Raises:
        StoreError: the database refused the write.
    """
    try:
        results = retry_races(lambda: seed_if_empty(store.factory))
    except IntegrityError:
        # Another process seeded the same store at the same moment; theirs stands.
        return []
    except OperationalError as exc:
        raise StoreError(f"cannot fill the new database: {exc}") from exc
    if results:
        log.info("filled the empty store with %d bundled demo issues", len(results))
    return results

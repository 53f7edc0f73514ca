"""`linli`: a thin command line over the library (the bot calls the same functions)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import TextIO

from corpus import queries
from corpus.db import StoreError, transaction
from corpus.ingest import IngestError, IssueMeta, prepare_paths, store_issues
from corpus.settings import Settings, SettingsError
from corpus.store import Store


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code 1 (2 for usage)."""


def _open_store(settings: Settings) -> Store:
    return Store.open(settings.db_url)


def cmd_ingest(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    meta = IssueMeta(
        publication=args.publication,
        street=args.street,
        district=args.district,
        date=args.date,
        date_estimated=args.estimated,
        title=args.title,
    )
    try:
        prepared = prepare_paths(args.paths, meta)
    except IngestError as exc:
        raise CliError(f"nothing ingested: {exc}") from exc
    store = _open_store(settings)
    try:
        results = store_issues(store.factory, prepared)
    finally:
        store.close()
    for result in results:
        print(result.describe(), file=out)
    return 0


def cmd_issues(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    store = _open_store(settings)
    try:
        with store.factory() as session:
            issues = queries.list_issues(session)
    finally:
        store.close()
    if args.json:
        json.dump([i.as_dict() for i in issues], out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    if not issues:
        print("No issues stored. Add one with: linli ingest FILE --date YYYY-MM", file=out)
        return 0
    for i in issues:
        estimated = " (estimated)" if i.date_estimated else ""
        print(
            f"#{i.id}  {i.date}{estimated}  {i.publication} · {i.street}"
            + (f" · {i.district}" if i.district else ""),
            file=out,
        )
        print(f"      {i.title} — {i.articles} articles, {i.passages} passages", file=out)
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    store = _open_store(settings)
    try:
        with store.factory() as session:
            for p in queries.all_passages(session):
                record = {
                    "passage_id": p.passage_id,
                    "text": p.text,
                    "position": p.position,
                    "article_title": p.article_title,
                    "issue": p.issue_dict(),
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        store.close()
    return 0


def cmd_remove(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    store = _open_store(settings)
    try:
        with transaction(store.factory) as session:
            issue = queries.get_issue(session, issue_id=args.issue_id)
            if issue is None:
                raise CliError(f"there is no issue #{args.issue_id} (see: linli issues)")
            label = f"#{issue.id} {issue.publication} · {issue.street} · {issue.date} · {issue.title}"
            queries.delete_issue(session, issue_id=args.issue_id)
            queries.bump_corpus_version(session)
    finally:
        store.close()
    print(f"removed: {label}", file=out)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linli",
        description="Linli (邻里): answers from the community newspaper, quoted with sources.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="add newspaper issues from .txt/.md/.docx/.pdf files or folders")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--publication", help="e.g. 社区晨报 (default: the masthead)")
    p.add_argument("--street", help="e.g. 凉城新村街道 (default: read from the text)")
    p.add_argument("--district", help="e.g. 虹口区 (default: read from the text)")
    p.add_argument("--date", help="issue date, YYYY-MM or YYYY-MM-DD")
    p.add_argument("--estimated", action="store_true", help="the date is an estimate")
    p.add_argument("--title", help="the issue's title (default: its first headline)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("issues", help="list the stored issues")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_issues)

    p = sub.add_parser("export", help="every passage as JSON Lines")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("remove", help="remove an issue by id")
    p.add_argument("issue_id", type=int, metavar="ISSUE_ID")
    p.set_defaults(func=cmd_remove)
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Entry point of the `linli` console script; returns the exit code."""
    out = out or sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        logging.basicConfig(
            level=getattr(logging, settings.log_level, logging.INFO),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
        return int(args.func(args, settings, out) or 0)
    except (CliError, SettingsError, StoreError) as exc:
        print(f"linli {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

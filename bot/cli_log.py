"""`linli logs` and `linli stats`: the query log from the command line (as /stats, /export)."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from corpus import api
from corpus.api import (
    REPORT_TZ,
    Corpus,
    Period,
    PeriodError,
    format_report,
    parse_period,
    write_csv,
)
from corpus.settings import Settings


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code 1 (2 for usage)."""


def _open(settings: Settings) -> Corpus:
    # The log's own commands never fill a new store with the demo corpus.
    return api.open(settings, demo=False)


def _period(text: str) -> Period:
    """argparse type for --since: a bad period is a usage error (exit 2) with a clear message."""
    try:
        return parse_period(text)
    except PeriodError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def cmd_logs(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`linli logs`: entries (text, JSON Lines or CSV), grouped unanswered questions, or purge."""
    if args.action == "purge":
        if args.since or args.unanswered or args.json or args.csv:
            raise CliError("purge takes no options: it keeps the last LOG_RETENTION_DAYS days")
        if settings.log_retention_days < 1:
            raise CliError("LOG_RETENTION_DAYS must be at least 1")
        corpus = _open(settings)
        try:
            deleted = corpus.log.purge(days=settings.log_retention_days)
        finally:
            corpus.close()
        print(
            f"deleted {deleted} query log entries older than {settings.log_retention_days} days",
            file=out,
        )
        return 0
    period = args.since or parse_period("7d")
    corpus = _open(settings)
    try:
        if args.unanswered and not args.csv:
            groups = corpus.log.unanswered(period, limit=1000)
        else:
            rows = corpus.log.rows(period, unanswered=args.unanswered)
    finally:
        corpus.close()
    if args.csv:
        out.write("\ufeff")  # UTF-8 with BOM when redirected to a file, as /export sends it
        write_csv(rows, out)
    elif args.unanswered:
        for group in groups:
            if args.json:
                out.write(json.dumps(group.as_dict(), ensure_ascii=False) + "\n")
            else:
                print(f"{group.count:5d}×  " + " / ".join(group.examples), file=out)
        if not groups and not args.json:
            print("No unanswered questions in this period.", file=out)
    elif args.json:
        for row in rows:
            out.write(json.dumps(row.as_dict(), ensure_ascii=False) + "\n")
    else:
        for row in rows:
            local = row.time.astimezone(REPORT_TZ)
            feedback = {1: "+1", -1: "-1"}.get(row.feedback or 0, "")
            print(
                f"{local:%Y-%m-%d %H:%M}  {row.channel:<7}  {'found' if row.found else 'NOTHING':<7}"
                f"  {row.latency_ms:6.0f} ms  {feedback:>2}  {row.user[:8]:<8}  {row.question}",
                file=out,
            )
        if not rows:
            print("No questions in this period.", file=out)
    return 0


def cmd_stats(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`linli stats`: the figures /stats shows, as text or JSON."""
    period = args.since or parse_period("7d")
    corpus = _open(settings)
    try:
        stats = corpus.log.stats(period)
    finally:
        corpus.close()
    if args.json:
        json.dump(stats.as_dict(), out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        print(format_report(stats), file=out)
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    since_help = "7d, 30d (any number of days), all, or YYYY-MM-DD; default 7d"
    p = sub.add_parser(
        "logs",
        help="the query log: entries, unanswered questions, or `logs purge`",
        description="Times are Beijing time (UTC+8) in text, UTC in JSON and CSV. "
        "`linli logs purge` deletes entries older than LOG_RETENTION_DAYS.",
    )
    p.add_argument("action", nargs="?", choices=["purge"], help="purge: delete old entries")
    p.add_argument("--since", type=_period, help=since_help)
    p.add_argument(
        "--unanswered",
        action="store_true",
        help="only questions that found nothing (grouped by similarity, except with --csv)",
    )
    output = p.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="JSON Lines")
    output.add_argument("--csv", action="store_true", help="CSV, UTF-8 with BOM (as /export)")
    p.set_defaults(func=cmd_logs)

    p = sub.add_parser("stats", help="query log figures (as /stats in Telegram)")
    p.add_argument("--since", type=_period, help=since_help)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stats)

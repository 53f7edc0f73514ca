"""`linli`: a thin command line over the library (the bot calls the same functions)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import getpass
import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from bot import cli_db, cli_log
from bot.cli_log import CliError
from bot.launch import settled_imports
from bot.redact import redact
from corpus import api
from corpus.api import (
    BELOW,
    Answer,
    BaselineUnavailable,
    Corpus,
    EvalReport,
    IngestError,
    IssueMeta,
    NaiveBaseline,
    StoreError,
    evaluate_splits,
    evaluation_json,
    fit_baseline_threshold,
    format_evaluation,
    load_all,
)
from corpus.settings import DEFAULT_WEB_PORT, Settings, SettingsError


def _open(settings: Settings, *, demo: bool | None = None) -> Corpus:
    return api.open(settings, demo=demo)


def cmd_ingest(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    meta = IssueMeta(
        publication=args.publication,
        street=args.street,
        district=args.district,
        date=args.date,
        date_estimated=args.estimated,
        title=args.title,
    )
    corpus = _open(settings)
    shown = False

    def progress(name: str, page: int, pages: int) -> None:
        # One line rewritten in place on a terminal; a line a page when piped to a log.
        nonlocal shown
        end = "" if sys.stderr.isatty() else "\n"
        bar = "#" * page + "." * (pages - page)
        print(f"\r{name}: OCR page {page}/{pages} [{bar}]", end=end, file=sys.stderr, flush=True)
        shown = True

    try:
        results = corpus.issues.add_files(args.paths, meta, progress=progress)
    except IngestError as exc:
        raise CliError(f"nothing ingested: {exc}") from exc
    finally:
        if shown and sys.stderr.isatty():
            print(file=sys.stderr)
        corpus.close()
    for result in results:
        print(result.describe(), file=out)
    return 0


def cmd_issues(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    corpus = _open(settings)
    try:
        issues = corpus.issues.list()
    finally:
        corpus.close()
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
    corpus = _open(settings)
    try:
        for p in corpus.issues.passages():
            record = {
                "passage_id": p.passage_id,
                "text": p.text,
                "position": p.position,
                "article_title": p.article_title,
                "issue": p.issue.citation(),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        corpus.close()
    return 0


def cmd_remove(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    corpus = _open(settings)
    try:
        removed = corpus.issues.remove(args.issue_id)
    finally:
        corpus.close()
    if removed is None:
        raise CliError(f"there is no issue #{args.issue_id} (see: linli issues)")
    print(
        f"removed: #{removed.id} {removed.publication} · {removed.street} · {removed.date} · "
        f"{removed.title}",
        file=out,
    )
    return 0


def cli_user() -> str:
    """Who asks from the terminal, before pseudonymisation (the OS account name)."""
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):
        return "cli:unknown"


def answer_json(answer: Answer) -> dict[str, object]:
    """The `linli ask --json` shape other tools rely on."""
    return {
        "query": answer.query,
        "answer_text": answer.text(),
        "direct_answer": answer.direct_answer,
        "results": [
            {
                "rank": rank,
                "score": round(quote.score, 6),
                "passage_id": quote.passage_id,
                "passage": quote.passage,
                "snippet": quote.snippet,
                "article_title": quote.source.article_title,
                "issue": quote.source.issue.citation(),
            }
            for rank, quote in enumerate(answer.quotes, start=1)
        ],
        "took_ms": round(answer.took_ms, 2),
    }


def cmd_ask(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    corpus = _open(settings)
    try:
        if args.question is not None:
            questions: list[str] = [args.question]
        elif args.json:
            # One question per line from stdin, one JSON object per line, one process.
            questions = [line.rstrip("\n") for line in sys.stdin]
        else:
            raise CliError('give a question: linli ask "世纪同乐小区什么时候清理楼道堆物？"')
        for question in questions:
            answer = corpus.answers.answer(question)
            corpus.log.record(answer, channel="cli", user_id=cli_user())
            if args.json:
                out.write(json.dumps(answer_json(answer), ensure_ascii=False) + "\n")
                out.flush()
            else:
                print(answer.text(), file=out)
    finally:
        corpus.close()
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from bot.terminal import run_chat

    # The terminal chat is the demo: the bundled issues unless LINLI_DEMO_CORPUS=0.
    corpus = _open(settings, demo=settings.demo_corpus is not False)
    try:
        return run_chat(corpus, out=out, user=cli_user())
    finally:
        corpus.close()


def cmd_eval(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    with _eval_corpus(settings, configured=args.store) as corpus:
        service = corpus.answers
        service.expansion = not args.no_expansion
        questions = [q for q in load_all() if args.split in ("all", q.split)]
        baseline, note = None, "--no-baseline" if args.no_baseline else None
        if not args.no_baseline or args.fit_baseline:
            try:
                baseline = NaiveBaseline(corpus.issues.passages())
            except BaselineUnavailable as exc:
                note = str(exc)
        if args.fit_baseline:
            if baseline is None:
                raise CliError(f"cannot fit the baseline: {note}")
            tune = [q for q in load_all() if q.split == "tune"]
            threshold, value, current = fit_baseline_threshold(baseline, tune)
            print(
                f"baseline not-found threshold fitted on the tune split ({len(tune)} questions): "
                f"{threshold:.2f} (mean of none not-found and answerable hit@3: {value:.3f}); "
                f"in use: {baseline.min_score:g} ({current:.3f})",
                file=out,
            )
            return 0
        report = evaluate_splits(
            service,
            questions,
            baseline=None if args.no_baseline else baseline,
            baseline_note=note,
            compare_without_expansion=service.expansion,
        )
    if args.json:
        json.dump(evaluation_json(report), out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    print(format_evaluation(report), file=out)
    if service.expansion:
        print("(plain/noexp: the plain questions answered without query expansion)", file=out)
    if "PYTHONHASHSEED" not in os.environ:
        # Some snippet ties are broken by set order, so "shown" can move by a question.
        print("(to compare runs exactly, set PYTHONHASHSEED=0: snippets vary with it)", file=out)
    if args.verbose:
        _print_misses(report, out)
    return 0


@contextlib.contextmanager
def _eval_corpus(settings: Settings, *, configured: bool) -> Iterator[Corpus]:
    """The corpus the gold set is scored on: by default the bundled issues in a new store.

    The gold answers live in the five bundled issues, and whatever else staff stored
    would move the figures, so unless ``configured`` the evaluation opens a temporary
    SQLite store seeded with them (the configured dictionary and synonyms still apply).
    """
    if configured:
        corpus = _open(settings)
        try:
            yield corpus
        finally:
            corpus.close()
        return
    with tempfile.TemporaryDirectory(prefix="linli-eval-") as tmp:
        fresh = dataclasses.replace(settings, data_dir=Path(tmp), database_url=None)
        corpus = _open(fresh, demo=True)
        try:
            yield corpus
        finally:
            corpus.close()


def _print_misses(report: EvalReport, out: TextIO) -> None:
    """Each question Linli missed (not in its top 3, or quoted on a none question), and
    each it hit but whose reply leaves the answer out (NOT SHOWN: the snippet of the
    passage holding it, or the quoted sentence, cut it away)."""
    for outcome in report.outcomes:
        q = outcome.question
        missed = (q.group == "none" and outcome.found) or (
            q.group != "none" and (outcome.rank or 99) > 3
        )
        unshown = q.group != "none" and not missed and not outcome.shown
        if not missed and not unshown:
            continue
        base = report.baseline_outcomes.get(q.id)
        if unshown:
            beaten = base is not None and base.shown
            print(
                f"\nNOT SHOWN {q.id} [{q.split}/{q.group}] {q.question}  (hit at rank "
                f"{outcome.rank})" + (f"  {BELOW} baseline shown" if beaten else ""),
                file=out,
            )
        else:
            beaten = base is not None and q.group != "none" and (base.rank or 99) <= 3
            print(
                f"\nMISS {q.id} [{q.split}/{q.group}] {q.question}"
                + (f"  {BELOW} baseline hit@3 (rank {base.rank})" if beaten and base else ""),
                file=out,
            )
        if q.group != "none":
            print(f"  want {list(q.answers)} in {q.issue}", file=out)
        print("  " + outcome.answer_text.replace("\n", "\n  "), file=out)


def cmd_run(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`make run`: the bot when a token is configured, else the terminal chat."""
    if settings.has_token:
        return cmd_serve(args, settings, out)
    print(
        "No TELEGRAM_BOT_TOKEN configured: starting the terminal chat over the local corpus.\n"
        "(Set it in .env to run the Telegram bot; see README.)",
        file=out,
    )
    return cmd_chat(args, settings, out)


def cmd_serve(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    with settled_imports():  # PTB, aiohttp: as bot.launch imports the rest
        from bot.app import serve

    return serve(settings)


def cmd_web(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`linli web [--open]`: the web console alone (the bot may run elsewhere)."""
    from bot.web import server

    settings = dataclasses.replace(settings, web_port=settings.web_port or DEFAULT_WEB_PORT)
    corpus = _open(settings)
    try:
        announce = f"Linli web console on {settings.console_url} (Ctrl-C stops it)"
        if args.open:
            # This machine's own admin: whoever can run linli here can read its database.
            link = server.open_link(settings, corpus, cli_user())
            announce += f"\nSign in (once, within 10 minutes): {link}"
        return server.run(settings, corpus, announce=announce, out=out)
    finally:
        corpus.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linli",
        description="Linli (邻里): answers from the community newspaper, quoted with sources.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "ingest",
        help="add newspaper issues from .txt/.md/.docx/.pdf files, photos or scans, or folders",
    )
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

    _answer_parsers(sub)
    cli_log.add_parsers(sub)
    cli_db.add_parsers(sub)
    return parser


def _answer_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("ask", help="answer a question as a resident would see it")
    p.add_argument("question", nargs="?", help="the question (with --json and none: read stdin)")
    p.add_argument("--json", action="store_true", help="print JSON (one object per question)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="interactive terminal chat over the corpus")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser(
        "eval", help="answer quality on the gold question sets, beside the naive baseline"
    )
    p.add_argument("--json", action="store_true", help="print the same figures as JSON")
    p.add_argument("-v", "--verbose", action="store_true", help="show the questions missed, and those hit whose answer the reply leaves out")
    p.add_argument(
        "--split",
        choices=("all", "tune", "heldout", "fresh"),
        default="all",
        help="which split to score (default: all; tune thresholds on 'tune' only)",
    )
    p.add_argument(
        "--no-expansion",
        action="store_true",
        help="answer without synonyms, English translation or pinyin names",
    )
    p.add_argument(
        "--no-baseline", action="store_true", help="skip the rank_bm25 + jieba.lcut baseline"
    )
    p.add_argument(
        "--fit-baseline",
        action="store_true",
        help="print the baseline's not-found threshold fitted on the tune split, and stop",
    )
    p.add_argument(
        "--store",
        action="store_true",
        help="score the configured store instead of the bundled issues in a temporary one",
    )
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("serve", help="run the Telegram bot")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("web", help="serve the web console for staff and admins alone")
    p.add_argument(
        "--open", action="store_true", help="print a one-time sign-in link for this machine's admin"
    )
    p.set_defaults(func=cmd_web)

    p = sub.add_parser("run", help="the bot if a token is configured, else the terminal chat")
    p.set_defaults(func=cmd_run)


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Entry point of the `linli` console script; returns the exit code."""
    out = out or sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    # Until the settings are read (a .env may hold it), the token from the environment.
    token = os.environ.get("TELEGRAM_BOT_TOKEN")
    try:
        settings = Settings.from_env()
        token = settings.telegram_bot_token or token
        level = getattr(logging, settings.log_level, logging.INFO)
        serving = args.command in ("serve", "web") or (args.command == "run" and settings.has_token)
        if not serving and "LOG_LEVEL" not in os.environ:
            level = max(level, logging.WARNING)  # one-shot commands print only what matters
        logging.getLogger("jieba").setLevel(logging.WARNING)
        # numba's compiler logs every bytecode step at DEBUG: megabytes while the search
        # kernel compiles in the background, which can fill a piped stderr and stall the bot.
        logging.getLogger("numba").setLevel(logging.WARNING)
        logging.basicConfig(
            level=level,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
        return int(args.func(args, settings, out) or 0)
    except (CliError, SettingsError, StoreError) as exc:
        print(redact(f"linli {args.command}: {exc}", token), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader left early (`linli logs | head`): stop quietly, as other Unix tools do;
        # stdout goes to /dev/null so the interpreter's final flush cannot fail again.
        _silence_stdout()
        return 141
    except OSError as exc:
        # Writing the output failed (`linli export > file` on a full disk): one line, not
        # a traceback. Files the commands read report their own errors (CliError).
        where = f" ({exc.filename})" if exc.filename else ""
        print(
            redact(f"linli {args.command}: {exc.strerror or exc}{where}", token),
            file=sys.stderr,
        )
        _silence_stdout()
        return 1


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (tests, embedding)
        pass


if __name__ == "__main__":
    sys.exit(main())

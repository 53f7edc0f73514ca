"""The terminal chat: the same answers as the bot, for trying Linli without Telegram."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from typing import TextIO

from corpus.api import FOLLOWUP_WINDOW, Answer, Corpus, format_issue_date, source_line

HELP = """\
直接输入问题，回车提问。例如：
  世纪同乐小区什么时候清理楼道堆物？
  凉二小区加装电梯进展怎么样了
  看电影的优惠票多少钱
几分钟内可以接着问，比如先问“世纪同乐小区什么时候清理楼道堆物”，再问“在哪里”。
命令：/more 下一页结果　/full N 第N条结果的全文　/latest 最近几期　/help 帮助　/quit 退出（或 Ctrl-D）"""


def _history() -> None:
    # readline gives arrow-key history where the platform has it; the chat works without.
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401


def _latest(corpus: Corpus) -> str:
    lines = []
    for info, titles in corpus.issues.latest():
        lines.append(
            f"#{info.id} {info.publication} · {info.street} · {format_issue_date(info.date, 'zh')}"
        )
        lines += [f"   · {t}" for t in titles]
    return "\n".join(lines) or "还没有任何一期报纸。"


def _full(corpus: Corpus, answer: Answer | None, arg: str) -> str:
    if answer is None or not answer.quotes:
        return "先问一个问题，再用 /full N 看第N条结果的全文。"
    try:
        number = int(arg)
        if number < 1:
            raise IndexError(number)  # /full 0 or -1 must not mean "the last one"
        quote = answer.quotes[number - 1]
    except (ValueError, IndexError):
        return f"/full 后面写结果的编号（1–{len(answer.quotes)}）。"
    view = corpus.issues.article(quote.source.article_id)
    if view is None:
        return "这篇文章已经不在库里了，请重新提问。"
    head = [view.source.article_title]
    if view.subtitle:
        head.append(view.subtitle)
    head.append("—— " + source_line(view.source, answer.lang))
    return "\n".join([*head, "", view.body] + ([f"（{view.byline}）"] if view.byline else []))


def run_chat(
    corpus: Corpus,
    *,
    out: TextIO = sys.stdout,
    inp: TextIO | None = None,
    user: str = "cli",
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Read questions until EOF; print each answer as a resident would see it.

    A question with no topic of its own within FOLLOWUP_WINDOW seconds of the last one
    is a follow-up, as in the bot (``clock`` lets tests move time on).
    """
    _history()
    if inp is None and not sys.stdin.isatty():
        # Piped input: read it directly so prompts go to ``out`` with the answers.
        inp = sys.stdin
    print("邻里 Linli — 社区报问答。输入 /help 查看用法，Ctrl-D 退出。", file=out)
    corpus.answers.load()
    last: Answer | None = None
    page = 0
    topic: str | None = None
    asked_at = 0.0
    while True:
        try:
            if inp is None:
                line = input("问> ")
            else:
                out.write("问> ")
                out.flush()
                line = inp.readline()
                if not line:
                    raise EOFError
        except EOFError:
            print("\n再见！", file=out)
            return 0
        except KeyboardInterrupt:
            print("\n（按 Ctrl-D 或输入 /quit 退出）", file=out)
            continue
        text = line.strip()
        if not text:
            continue
        command, _, arg = text.partition(" ")
        if command in ("/quit", "/exit", "/q"):
            print("再见！", file=out)
            return 0
        if command == "/help":
            reply = HELP
        elif command == "/latest":
            reply = _latest(corpus)
        elif command == "/more":
            if last is None or page + 1 >= last.pages:
                reply = "没有更多结果了。"
            else:
                page += 1
                reply = last.text(page)
        elif command == "/full":
            reply = _full(corpus, last, arg.strip())
        elif command.startswith("/"):
            reply = f"不认识的命令 {command}。输入 /help 查看用法。"
        else:
            now = clock()
            previous = topic if now - asked_at <= FOLLOWUP_WINDOW else None
            last, page = corpus.ask(text, previous_topic=previous), 0
            # As in the bot: a follow-up keeps its topic; a question of its own replaces
            # it, or forgets it when nothing was found.
            topic = last.topic if last.about or last.found else None
            asked_at = now
            corpus.log.record(last, channel="cli", user_id=user)
            reply = last.text()
        print(reply + "\n", file=out)

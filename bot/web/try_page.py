"""Try it: ask as a resident and see the reply exactly as Telegram shows it, with the why.

The reply is the bot's own rendering (``answer_lines`` → ``to_messages``, the HTML the
bot sends, already escaped); under it each quote's BM25 score and coverage, concept by
concept. Staff's questions here are not logged: the log is residents' questions.
"""

from __future__ import annotations

from aiohttp import web
from markupsafe import Markup

from bot.render.html import to_messages
from bot.web.context import corpus, off_loop, render
from corpus.api import answer_lines

# Longer questions are cut to the service's limit anyway; this only bounds the form.
MAX_FORM_QUESTION = 2000


async def try_form(request: web.Request) -> web.Response:
    return render(request, "try.html", question="", answer=None, messages=[], why=None)


async def try_ask(request: web.Request) -> web.Response:
    form = await request.post()
    question = str(form.get("q", ""))[:MAX_FORM_QUESTION]
    library = corpus(request)
    answer = await off_loop(library.answers.answer, question)
    why = await off_loop(library.answers.explain, answer) if answer.quotes else None
    # The bot's HTML for Telegram: every piece of text escaped, bold from the composer only.
    messages = [Markup(m) for m in to_messages(answer_lines(answer, 0))]
    return render(
        request,
        "try.html",
        question=question,
        answer=answer,
        messages=messages,
        why=why,
        quotes={q.passage_id: q for q in answer.quotes},
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/try", try_form, name="try_it")
    app.router.add_post("/try", try_ask, name="try_ask")

"""The console's aiohttp application, and running it beside the bot or alone.

``linli serve`` with ``WEB_PORT`` starts it in the bot's own event loop (PTB's post_init),
so the console and the bot share one process, one corpus and one index; ``linli web``
runs it alone over the same database (a deployment whose bot runs elsewhere).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import TextIO

import jinja2
from aiohttp import web

from bot.web import auth, issue_pages, log_pages, try_page
from bot.web.context import CORPUS, ROLES, SETTINGS, STATE, TEMPLATES, see_other, viewer
from bot.web.errors import ConsoleError
from corpus.api import Corpus
from corpus.settings import Settings

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
# Forms other than uploads are small: a question, a synonym, an issue's metadata.
FORM_LIMIT = 1024 * 1024


def templates() -> jinja2.Environment:
    # autoescape everywhere: residents write the questions shown here.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


async def home(request: web.Request) -> web.Response:
    return see_other("/overview" if viewer(request).is_admin else "/issues")


def build_app(settings: Settings, corpus: Corpus) -> web.Application:
    """The console over ``corpus``; every request is checked by :func:`auth.security`."""
    app = web.Application(middlewares=[auth.security], client_max_size=FORM_LIMIT)
    app[CORPUS] = corpus
    app[SETTINGS] = settings
    app[TEMPLATES] = templates()
    app[ROLES] = auth.roles(settings, corpus)
    app[STATE] = {}
    auth.setup(app)
    app.router.add_get("/", home, name="home")
    log_pages.setup(app)
    issue_pages.setup(app)
    try_page.setup(app)
    app.router.add_static("/static", HERE / "static", name="static")
    return app


async def start(settings: Settings, corpus: Corpus, *, port: int | None = None) -> web.AppRunner:
    """Serve the console on the running event loop until :func:`stop`."""
    runner = web.AppRunner(build_app(settings, corpus), access_log=None)
    await runner.setup()
    where = f"{settings.web_listen}:{port or settings.web_port}"
    try:
        await web.TCPSite(runner, settings.web_listen, port or settings.web_port).start()
    except OSError as exc:
        await runner.cleanup()
        raise ConsoleError(
            f"the web console cannot listen on {where} ({exc.strerror or exc}); "
            "set WEB_PORT (or WEB_LISTEN) to a free one"
        ) from None
    log.info("web console on %s", settings.console_url)
    return runner


async def stop(runner: web.AppRunner) -> None:
    await runner.cleanup()


def open_link(settings: Settings, corpus: Corpus, user_id: str) -> str:
    """`linli web --open`: a one-time link for this machine's own admin."""
    token = corpus.web.mint_link(corpus.web.user(user_id, local=True))
    return f"{settings.console_url}/login/{token}"


def run(
    settings: Settings, corpus: Corpus, *, announce: str | None = None, out: TextIO | None = None
) -> int:
    """`linli web`: the console alone, until interrupted."""

    async def main() -> None:
        await asyncio.to_thread(corpus.answers.load)
        runner = await start(settings, corpus)
        if announce:
            print(announce, file=out or sys.stdout, flush=True)
        try:
            await asyncio.Event().wait()  # until Ctrl-C cancels it
        finally:
            await stop(runner)

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    except ConsoleError as exc:
        print(f"linli web: {exc}", file=sys.stderr)
        return 1
    return 0

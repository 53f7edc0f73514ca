"""What every handler of the console reaches through the request: keys and the renderer."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import jinja2
from aiohttp import web

from corpus.api import Corpus, WebUser
from corpus.settings import Settings

T = TypeVar("T")
Role = Literal["staff", "admin"]

CORPUS: web.AppKey[Corpus] = web.AppKey("corpus", Corpus)
SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)
TEMPLATES: web.AppKey[jinja2.Environment] = web.AppKey("templates", jinja2.Environment)
ROLES: web.AppKey[dict[str, Role]] = web.AppKey("roles", dict)
#: Anything else a page keeps between requests (drafts, pending previews, limiters).
STATE: web.AppKey[dict[str, Any]] = web.AppKey("state", dict)



@dataclass(frozen=True)
class Viewer:
    """The signed-in person as the console knows them: a pseudonym and a role, no id."""

    user: WebUser
    role: Role
    csrf: str
    cookie: str

    @property
    def name(self) -> str:
        """How pages and logs name them: the start of the pseudonym."""
        return ("本机管理员 " if self.user.local else "") + self.user.user_hash[:8]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


#: The signed-in person, set on the request by the auth middleware.
VIEWER: web.RequestKey[Viewer] = web.RequestKey("linli_viewer", "Viewer")


def viewer(request: web.Request) -> Viewer:
    found = request.get(VIEWER)
    assert isinstance(found, Viewer), "the auth middleware sets the viewer on every page"
    return found


def corpus(request: web.Request) -> Corpus:
    return request.app[CORPUS]


async def off_loop(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a library call (database, answering) in a worker thread, off the event loop."""
    return await asyncio.to_thread(functools.partial(func, *args, **kwargs))


def render(
    request: web.Request, template: str, *, status: int = 200, **values: Any
) -> web.Response:
    """A page from its template; every value is escaped unless marked safe on purpose."""
    page = request.app[TEMPLATES].get_template(template)
    values.setdefault("viewer", request.get(VIEWER))
    values.setdefault("path", request.path)
    html = page.render(**values)
    return web.Response(text=html, content_type="text/html", charset="utf-8", status=status)


def refuse(request: web.Request, status: int, message: str) -> web.Response:
    """A refusal page: what happened and what to do, with the right status."""
    return render(request, "refused.html", status=status, message=message)


def see_other(location: str) -> web.Response:
    """A 303 to ``location`` (after a POST, so reloading never submits twice)."""
    return web.Response(status=303, headers={"Location": location})


Page = Callable[[web.Request], Any]


def admin_only(handler: Page) -> Page:
    """Log pages: admins only; staff get a refusal (the check is here, on the server)."""

    @functools.wraps(handler)
    async def checked(request: web.Request) -> web.StreamResponse:
        found = viewer(request)
        if not found.is_admin:
            logging.getLogger(__name__).warning(
                "web: staff %s refused %s (admins only)", found.user.user_hash[:8], request.path
            )
            return refuse(request, 403, "这一页只有管理员能看（提问记录属于管理员）。")
        result: web.StreamResponse = await handler(request)
        return result

    return checked

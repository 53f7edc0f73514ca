"""Signing in (one-time links from Telegram), sessions, roles and CSRF, on every request.

- A link (``/login/<token>``) shows a page whose button signs in (a POST): link
  previewers and prefetchers that GET the link cannot use it up. The link works once,
  for 10 minutes (``corpus.api.LINK_VALID``); sign-in attempts are rate-limited per address.
- The session cookie holds a random token (its hash is stored server-side), HttpOnly,
  SameSite=Strict, and Secure when the console's address is https.
- The role is read from the settings on every request (STAFF_IDS / ADMIN_IDS through
  their pseudonyms): someone removed from the lists is out at their next click.
- Every POST carries the session's CSRF token; multipart forms (uploads) carry it as
  their first part, checked by :func:`check_csrf_part` before the file is read.
"""

from __future__ import annotations

import hmac
import logging
import re
import zlib
from collections.abc import Awaitable, Callable

from aiohttp import BodyPartReader, web

from bot.state import RateLimiter
from bot.web.context import (
    CORPUS,
    ROLES,
    SETTINGS,
    STATE,
    VIEWER,
    Role,
    Viewer,
    off_loop,
    refuse,
    render,
    see_other,
)
from corpus.api import SESSION_VALID, Corpus, WebUser
from corpus.settings import Settings

log = logging.getLogger(__name__)

COOKIE = "linli_session"
# Sign-in attempts per address and minute (a link is 43 random characters: this only
# keeps a flood of guesses from costing the database anything).
SIGN_IN_PER_MINUTE = 10
LIMITER = "sign_in_limiter"
# Routes that take multipart forms (their handler checks the CSRF part itself).
MULTIPART_ROUTES = "multipart_routes"
PUBLIC = re.compile(r"^/(static/|login(/|$)|favicon\.ico$|signed-out$)")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")

SIGN_IN_HINT = "请在 Telegram 里给机器人发送 /web，用它回复的链接登录（链接 10 分钟内有效，只能用一次）。"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def roles(settings: Settings, corpus: Corpus) -> dict[str, Role]:
    """Pseudonym → role for everyone the settings name (admins are staff too)."""
    found: dict[str, Role] = {corpus.log.pseudonym(i): "staff" for i in settings.staff_ids}
    found.update({corpus.log.pseudonym(i): "admin" for i in settings.admin_ids})
    return found


def role_of(request: web.Request, user: WebUser) -> Role | None:
    if user.local:
        return "admin"  # `linli web --open`: this machine's own admin
    return request.app[ROLES].get(user.user_hash)


def secure_cookies(settings: Settings) -> bool:
    return settings.console_url.lower().startswith("https://")


def _client(request: web.Request) -> int:
    return zlib.crc32((request.remote or "unknown").encode("utf-8"))


@web.middleware
async def security(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Sessions, roles and CSRF for every page but sign-in and the static files."""
    try:
        if PUBLIC.match(request.path):
            response = await handler(request)
        else:
            response = await _signed_in(request, handler)
    except web.HTTPException as exc:
        if exc.status in (413,):
            response = refuse(request, 413, "提交的内容太大。上传文件请不超过设置的大小。")
        elif exc.status == 404:
            response = refuse(request, 404, "没有这个页面。")
        elif exc.status == 405:
            response = refuse(request, 405, "这个页面不接受这种请求。")
        else:
            raise
    _harden(response)
    return response


async def _signed_in(request: web.Request, handler: Handler) -> web.StreamResponse:
    corpus: Corpus = request.app[CORPUS]
    token = request.cookies.get(COOKIE, "")
    found = await off_loop(corpus.web.session, token) if _TOKEN.match(token) else None
    if found is None:
        return refuse(request, 401, "你还没有登录，或登录已过期。" + SIGN_IN_HINT)
    role = role_of(request, found.user)
    if role is None:
        await off_loop(corpus.web.sign_out, token)
        log.warning("web: session of %s ended: no longer staff", found.user.user_hash[:8])
        response = refuse(request, 403, "你已不在工作人员名单里，无法使用管理台。")
        response.del_cookie(COOKIE, path="/")
        return response
    request[VIEWER] = Viewer(user=found.user, role=role, csrf=found.csrf, cookie=token)
    if request.method == "POST":
        kind = request.content_type
        if kind.startswith("multipart/"):
            if request.match_info.route.name not in request.app[STATE][MULTIPART_ROUTES]:
                return refuse(request, 400, "这个表单不接受文件。")
        else:
            form = await request.post()
            sent = form.get("csrf")
            if not isinstance(sent, str) or not hmac.compare_digest(sent, found.csrf):
                log.warning("web: form without a valid CSRF token from %s", found.user.user_hash[:8])
                return refuse(request, 403, "表单已失效（缺少安全令牌）。请回到页面重新提交。")
    return await handler(request)


async def check_csrf_part(request: web.Request, part: object) -> bool:
    """The first part of a multipart form must be the session's CSRF token."""
    if not isinstance(part, BodyPartReader) or part.name != "csrf":
        return False
    sent = (await part.read(decode=True))[:200].decode("utf-8", "replace")
    expected = request[VIEWER].csrf
    return hmac.compare_digest(sent, expected)


def _harden(response: web.StreamResponse) -> None:
    headers = response.headers
    # Only the console's own files: no CDN, no inline script, no framing.
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # The sign-in link's token must not leave in a Referer header.
    headers.setdefault("Referrer-Policy", "no-referrer")
    if not response.headers.get("Cache-Control"):
        headers["Cache-Control"] = "no-store"


# --- sign-in and sign-out ------------------------------------------------------------------


async def login_page(request: web.Request) -> web.Response:
    """GET /login/<token>: a page with the sign-in button (nothing is used up by a GET)."""
    token = request.match_info.get("token", "")
    if not _TOKEN.match(token):
        return refuse(request, 400, "这个登录链接不完整。" + SIGN_IN_HINT)
    return render(request, "login.html", token=token)


async def login(request: web.Request) -> web.StreamResponse:
    """POST /login: use the link once and start a session."""
    limiter: RateLimiter = request.app[STATE][LIMITER]
    if not limiter.allow(_client(request)):
        return refuse(request, 429, "登录尝试太频繁，请一分钟后再试。")
    form = await request.post()
    token = form.get("token")
    if not isinstance(token, str) or not _TOKEN.match(token):
        return refuse(request, 400, "这个登录链接不完整。" + SIGN_IN_HINT)
    corpus: Corpus = request.app[CORPUS]
    signed = await off_loop(corpus.web.sign_in, token)
    if signed is None:
        return refuse(request, 403, "这个登录链接已失效：它已经用过，或已超过 10 分钟。" + SIGN_IN_HINT)
    user, cookie = signed
    if role_of(request, user) is None:
        await off_loop(corpus.web.sign_out, cookie)
        return refuse(request, 403, "你不在工作人员名单里，无法使用管理台。")
    log.info("web: %s signed in", user.user_hash[:8])
    response = see_other("/")
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=int(SESSION_VALID.total_seconds()),
        path="/",
        httponly=True,
        samesite="Strict",
        secure=secure_cookies(request.app[SETTINGS]),
    )
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    """POST /logout (CSRF checked): end the session here and on the server."""
    viewer: Viewer = request[VIEWER]
    await off_loop(request.app[CORPUS].web.sign_out, viewer.cookie)
    log.info("web: %s signed out", viewer.user.user_hash[:8])
    response = see_other("/signed-out")
    response.del_cookie(COOKIE, path="/")
    return response


async def signed_out(request: web.Request) -> web.Response:
    return render(request, "signed_out.html", hint=SIGN_IN_HINT)


def setup(app: web.Application) -> None:
    app[STATE][LIMITER] = RateLimiter(SIGN_IN_PER_MINUTE)
    app[STATE].setdefault(MULTIPART_ROUTES, set())
    app.router.add_get("/login/{token}", login_page, name="login_page")
    app.router.add_post("/login", login, name="login")
    app.router.add_post("/logout", logout, name="logout")
    app.router.add_get("/signed-out", signed_out, name="signed_out")

"""The bot's HTTP client for the Bot API: PTB's request interface on aiohttp.

PTB's default (``HTTPXRequest``) spends ~0.8 ms of CPU per Bot API call on this machine,
most of it in httpcore's connection pool, which re-checks every pooled connection on
each request (httpcore#928); on aiohttp the same ``sendMessage`` costs ~0.2 ms. Under a
burst of questions the bot is CPU-bound on one core, so that difference shows in every
reply: 200 questions at once, ten interleaved runs of each client, took a median 0.58 s
of CPU with this transport against 0.92 s with ``HTTPXRequest``, and a p95 of 0.66 s against
0.92 s (``python -m benchmarks.load --limiter off --transport aiohttp,httpx``; two such
runs in ``benchmarks/README.md``).

Only PTB's public request interface is used at run time: a timeout that was not given is
``BaseRequest.DEFAULT_NONE``, checked with ``is`` as PTB documents it, rather than with
``DefaultValue`` from the private ``telegram._utils`` (``ODVInput`` from there is imported
for type checkers only). ``tests/bot/test_transport.py`` runs this class against the fake
Bot API.

Behaviour kept from ``HTTPXRequest``: the same default timeouts (5 s; 20 s to upload
media), an HTTP(S) proxy from ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY`` unless
``NO_PROXY`` names the host (as httpx reads them; SOCKS proxies are not supported), httpx's
TLS context (``SSL_CERT_FILE``/``SSL_CERT_DIR``, else certifi), redirects not followed, and
failures raised as PTB's ``TimedOut`` / ``NetworkError``. One difference: aiohttp has no
timeout per write, so an upload is bounded as a whole (connect + pool + write + read).
"""

from __future__ import annotations

import urllib.request
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.redact import redact_url

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput


class AiohttpRequest(BaseRequest):
    """A :class:`telegram.request.BaseRequest` over one ``aiohttp.ClientSession``.

    Args:
        connection_pool_size: connections kept open to the Bot API at most (PTB's
            builder uses 256 for the bot's calls and 1 for ``getUpdates``).
        read_timeout, write_timeout, connect_timeout, pool_timeout: defaults for
            calls that do not give their own, in seconds; ``None`` waits for ever.
        media_write_timeout: the write timeout for uploads (documents, photos).
    """

    def __init__(
        self,
        connection_pool_size: int = 1,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        # A session belongs to the event loop it was made on: made here, not in __init__.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._pool_size,
                    ssl=httpx.create_ssl_context(),
                ),
                cookie_jar=aiohttp.DummyCookieJar(),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        data: Any = fields
        if files:
            # Names as UTF-8, not percent-encoded: what httpx sends and Telegram shows.
            form = aiohttp.FormData(quote_fields=False)
            for name, value in (fields or {}).items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                # A line break cannot stand in a header (httpx would percent-encode it).
                filename = " ".join(filename.splitlines()) if filename else filename
                form.add_field(name, content, filename=filename, content_type=mimetype)
            data = form
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, self._media_write_timeout if files else self._write_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        # aiohttp counts waiting for a pooled connection as connecting. Reads are timed
        # one by one, so a slow but steady download (a staff member's 20 MB file) goes on.
        # There is no timeout per write: an upload gets one deadline for all of it.
        parts = (read, write, connect, pool)
        timeout = aiohttp.ClientTimeout(
            total=sum(p for p in parts if p is not None) if files and None not in parts else None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(
                method,
                url,
                data=data,
                headers={"User-Agent": self.USER_AGENT},
                timeout=timeout,
                proxy=self._proxy_for(url),
                allow_redirects=False,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's own timeouts derive from it too
            raise TimedOut from error
        except aiohttp.ClientError as error:
            # aiohttp's message quotes the URL, and Bot API URLs hold the token.
            raise NetworkError(redact_url(f"aiohttp.{type(error).__name__}: {error}")) from error

    def _proxy_for(self, url: str) -> str | None:
        """The proxy for ``url`` from the environment, looked up once per host.

        aiohttp's ``trust_env`` would re-read the environment on every call (0.4 ms).
        """
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            proxies = urllib.request.getproxies()
            proxy = proxies.get(parts.scheme) or proxies.get("all")
            if proxy and urllib.request.proxy_bypass(key[1]):
                proxy = None
            if proxy and "://" not in proxy:
                proxy = f"http://{proxy}"  # as httpx reads "proxy:3128"
            if proxy and urlsplit(proxy).scheme not in ("http", "https"):
                raise NetworkError(
                    f"Only HTTP(S) proxies are supported, not {proxy.split('://')[0]}:// "
                    "(check the HTTPS_PROXY, HTTP_PROXY and ALL_PROXY variables)."
                )
            self._proxies[key] = proxy
        return self._proxies[key]


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if value is BaseRequest.DEFAULT_NONE else value

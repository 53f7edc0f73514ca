"""The bot's HTTP client (bot.transport) against the fake Bot API and servers that misbehave."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.transport import AiohttpRequest
from tests.support.fake_bot_api import FakeBotAPI


def make_bot(fake: FakeBotAPI, request: AiohttpRequest) -> Bot:
    return Bot(
        fake.token,
        base_url=fake.base_url,
        base_file_url=fake.base_file_url,
        request=request,
        get_updates_request=AiohttpRequest(1),
    )


@pytest.mark.parametrize("keep_alive", [False, True])
async def test_calls_uploads_and_downloads(keep_alive: bool) -> None:
    with FakeBotAPI(keep_alive=keep_alive) as fake:
        async with make_bot(fake, AiohttpRequest(4)) as bot:
            texts = [f"<b>第{i}条</b> 邻里 🏠 &amp; 'quotes' DROP TABLE;--" for i in range(12)]
            sent = await asyncio.gather(
                *(bot.send_message(5, text, parse_mode="HTML") for text in texts)
            )
            content = "日期,问题\n2026-11-28,电梯\n".encode("gbk") + bytes(range(256))
            document = await bot.send_document(
                5,
                document=content,
                filename="导出 log.csv",
                caption="<i>导出</i>",
                parse_mode="HTML",
            )
            downloaded = await (
                await bot.get_file(document.document.file_id)
            ).download_as_bytearray()
            with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
                await bot.send_message(5, "<b>unclosed", parse_mode="HTML")
    assert [m.text for m in sent] == [
        f"第{i}条 邻里 🏠 & 'quotes' DROP TABLE;--" for i in range(12)
    ]
    assert bytes(downloaded) == content
    [upload] = fake.calls("sendDocument")
    assert upload.files["document"] == ("导出 log.csv", content)
    assert upload.params["caption"] == "<i>导出</i>"


@pytest.fixture
async def silent_server() -> AsyncIterator[str]:
    """A server that accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/bot"
    for writer in held:
        writer.close()
    server.close()


async def test_a_server_that_never_answers_times_out(silent_server: str) -> None:
    request = AiohttpRequest(2, read_timeout=0.3)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.post(f"{silent_server}123:abc/getMe")
        with pytest.raises(TimedOut):  # a call's own timeout wins over the default
            await request.post(f"{silent_server}123:abc/getMe", read_timeout=0.1)
    finally:
        await request.shutdown()


async def test_pool_exhausted_times_out_instead_of_waiting_for_ever(silent_server: str) -> None:
    request = AiohttpRequest(1, read_timeout=2, pool_timeout=0.2, connect_timeout=0.2)
    await request.initialize()
    try:
        first = asyncio.create_task(request.post(f"{silent_server}123:abc/getMe"))
        await asyncio.sleep(0.1)
        with pytest.raises(TimedOut):
            await request.post(f"{silent_server}123:abc/getMe")
        first.cancel()
    finally:
        await request.shutdown()


async def test_unreachable_server_and_garbage_replies_are_network_errors() -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)
        writer.write(b"\x00\xff not http at all \r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(garbage, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = AiohttpRequest(2)
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match="aiohttp"):
            await request.post(f"http://127.0.0.1:{port}/bot123:abc/getMe")
        server.close()
        await server.wait_closed()
        with pytest.raises(NetworkError, match="aiohttp"):
            await request.post(f"http://127.0.0.1:{port}/bot123:abc/getMe")
    finally:
        await request.shutdown()


async def test_used_before_initialize_or_after_shutdown_says_so() -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/", "POST")
    await request.initialize()
    await request.shutdown()
    await request.shutdown()  # twice is harmless
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/", "POST")
    await request.initialize()  # and it can start again, as PTB's Bot may
    await request.shutdown()


async def test_proxy_from_the_environment_unless_no_proxy_names_the_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    request_lines: list[bytes] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request_lines.append(await reader.readline())
        body = b'{"ok": true, "result": {"id": 1, "is_bot": true, "first_name": "via proxy"}}'
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(proxy, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    # Without a scheme, as httpx reads it: http://.
    monkeypatch.setenv("HTTP_PROXY", f"127.0.0.1:{port}")
    monkeypatch.setenv("http_proxy", f"127.0.0.1:{port}")
    with FakeBotAPI() as fake:
        async with make_bot(fake, AiohttpRequest(2)) as bot:
            assert bot.first_name == "via proxy"
        # The proxy got the absolute URL of the Bot API call.
        assert request_lines[0].startswith(f"POST {fake.base_url}".encode())
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        monkeypatch.setenv("no_proxy", "127.0.0.1")
        async with make_bot(fake, AiohttpRequest(2)) as bot:
            assert bot.first_name == "Linli Test Bot"
        assert len(request_lines) == 1
        monkeypatch.setenv("HTTP_PROXY", "socks5://127.0.0.1:1080")
        monkeypatch.setenv("http_proxy", "socks5://127.0.0.1:1080")
        monkeypatch.delenv("NO_PROXY")
        monkeypatch.delenv("no_proxy")
        with pytest.raises(NetworkError, match="Only HTTP"):
            async with make_bot(fake, AiohttpRequest(2)):
                pass
    server.close()


async def serve_once(respond) -> tuple[asyncio.AbstractServer, str]:  # type: ignore[no-untyped-def]
    server = await asyncio.start_server(respond, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


async def test_a_slow_but_steady_download_is_not_cut_off() -> None:
    # Timeouts are per read, as with httpx: a 20 MB staff upload on a slow line goes on.
    chunk = b"x" * 1000

    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (len(chunk) * 8))
        for _ in range(8):
            writer.write(chunk)
            await writer.drain()
            await asyncio.sleep(0.2)
        writer.close()

    server, base = await serve_once(trickle)
    request = AiohttpRequest(
        2, read_timeout=0.5, write_timeout=0.2, connect_timeout=0.5, pool_timeout=0.2
    )
    await request.initialize()
    try:
        assert await request.retrieve(f"{base}/file/bot123:abc/doc.txt") == chunk * 8
    finally:
        await request.shutdown()
        server.close()


async def test_an_upload_the_server_stops_reading_times_out() -> None:
    async def deaf(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)
        writer.close()

    server, base = await serve_once(deaf)
    request = AiohttpRequest(
        2,
        read_timeout=0.2,
        write_timeout=0.2,
        connect_timeout=0.2,
        pool_timeout=0.2,
        media_write_timeout=0.3,
    )
    await request.initialize()
    # Not initialised (no getMe, which this server would never answer); PTB builds the
    # multipart body as for Telegram.
    bot = Bot("123:abc", base_url=f"{base}/bot", request=request)
    try:
        started = asyncio.get_running_loop().time()
        with pytest.raises(TimedOut):
            await bot.send_document(5, document=b"x" * 20_000_000, filename="big.csv")
        assert asyncio.get_running_loop().time() - started < 3
    finally:
        await request.shutdown()
        server.close()


async def test_redirects_are_not_followed() -> None:
    paths: list[bytes] = []

    async def moved(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        paths.append(await reader.readline())
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 301 Moved Permanently\r\nLocation: /elsewhere\r\n"
            b"Content-Length: 0\r\nConnection: close\r\n\r\n"
        )
        await writer.drain()
        writer.close()

    server, base = await serve_once(moved)
    request = AiohttpRequest(2)
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.post(f"{base}/bot123:abc/getMe")
        assert len(paths) == 1 and b"/elsewhere" not in paths[0]
    finally:
        await request.shutdown()
        server.close()


async def test_tls_trusts_ssl_cert_file_as_httpx_does(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import ssl

    import certifi

    bundle = tmp_path / "corporate-ca.pem"
    bundle.write_bytes(Path(certifi.where()).read_bytes())
    seen: list[dict[str, object]] = []
    create = ssl.create_default_context

    def recording(*args: object, **kwargs: object) -> ssl.SSLContext:
        seen.append(kwargs)
        return create(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl, "create_default_context", recording)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    request = AiohttpRequest()
    await request.initialize()
    await request.shutdown()
    assert seen and seen[-1].get("cafile") == str(bundle)

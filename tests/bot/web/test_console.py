"""The console over HTTP (aiohttp's test client): sign-in, sessions, roles, CSRF, limits,
uploads of every format (a path in the name, past Telegram's 20 MB), replace, and what
the console must never show. The browser tests (test_browser.py) walk the same pages.
"""

from __future__ import annotations

import io
import logging
import os
import re
import socket
import subprocess
import sys
import urllib.request
import zipfile
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer

from bot.app import serve
from bot.staff import web_link
from bot.web.auth import SIGN_IN_PER_MINUTE
from bot.web.server import build_app
from corpus import api
from corpus.api import Corpus
from corpus.settings import Settings
from tests.bot.helpers import bot_settings
from tests.data.staff.samples import docx_bytes, pdf_bytes
from tests.support.fake_bot_api import FakeBotAPI

ADMIN, STAFF = 987654321, 123456789
TOKEN = "123456789:AAE-not-a-real-token-but-shaped-like-one"
SAMPLES = Path(__file__).parents[2] / "data" / "staff"
MARKET = (SAMPLES / "liangcheng_2026-11.txt").read_bytes()
CHANGFENG_GBK = (SAMPLES / "changfeng_2026-10_gbk.txt").read_bytes()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        telegram_bot_token=TOKEN,
        staff_ids=frozenset({STAFF}),
        admin_ids=frozenset({ADMIN}),
        web_port=8080,
    )


@pytest.fixture
def corpus(settings: Settings) -> AsyncIterator[Corpus]:
    opened = api.open(settings, demo=True)
    yield opened
    opened.close()


async def client_for(settings: Settings, corpus: Corpus) -> TestClient:
    client = TestClient(TestServer(build_app(settings, corpus)))
    await client.start_server()
    return client


@pytest.fixture
async def client(settings: Settings, corpus: Corpus) -> AsyncIterator[TestClient]:
    found = await client_for(settings, corpus)
    yield found
    await found.close()


def token_of(link: str) -> str:
    return link.rsplit("/login/", 1)[1]


async def sign_in(client: TestClient, corpus: Corpus, settings: Settings, who: int) -> str:
    """Sign in as ``who``; returns the CSRF token of the session's forms."""
    client.session.cookie_jar.clear()
    response = await client.post(
        "/login", data={"token": token_of(web_link(corpus, settings, who))}, allow_redirects=False
    )
    assert response.status == 303, await response.text()
    page = await (await client.get("/try")).text()
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match
    return match.group(1)


class RawUpload:
    """A multipart body written by hand: the file's name exactly as given (aiohttp's
    FormData would percent-encode a path; a hostile client sends it raw)."""

    BOUNDARY = "linli-test-boundary-7d3f"

    def __init__(self, csrf: str | None, content: bytes, name: str, **fields: str) -> None:
        parts = []
        if csrf is not None:
            parts.append(self._field("csrf", csrf.encode()))
        parts.append(
            f'--{self.BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n"
        )
        parts += [self._field(key, value.encode()) for key, value in fields.items()]
        self.body = b"".join(parts) + f"--{self.BOUNDARY}--\r\n".encode()
        self.headers = {"Content-Type": f"multipart/form-data; boundary={self.BOUNDARY}"}

    def _field(self, name: str, value: bytes) -> bytes:
        return (
            f'--{self.BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value
            + b"\r\n"
        )


def upload_form(csrf: str | None, content: bytes, name: str, **fields: str) -> FormData:
    form = FormData()
    if csrf is not None:
        form.add_field("csrf", csrf)
    form.add_field("file", content, filename=name, content_type="application/octet-stream")
    for key, value in fields.items():
        form.add_field(key, value)
    return form


# --- sign-in and sessions -------------------------------------------------------------------


async def test_the_cookie_is_httponly_strict_and_secure_behind_https(
    settings: Settings, corpus: Corpus, client: TestClient
) -> None:
    link = web_link(corpus, settings, STAFF)
    assert link.startswith("http://127.0.0.1:8080/login/")
    page = await client.get(link.split("8080", 1)[1])
    assert page.status == 200 and "登录" in await page.text()  # a GET uses nothing up
    response = await client.post("/login", data={"token": token_of(link)}, allow_redirects=False)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    assert response.headers["Referrer-Policy"] == "no-referrer"
    https = replace(settings, web_base_url="https://linli.example.org")
    secure = await client_for(https, corpus)
    try:
        link = web_link(corpus, https, STAFF)
        assert link.startswith("https://linli.example.org/login/")
        response = await secure.post("/login", data={"token": token_of(link)}, allow_redirects=False)
        assert "Secure" in response.headers["Set-Cookie"]
    finally:
        await secure.close()


async def test_a_link_works_once_and_for_ten_minutes(
    settings: Settings, corpus: Corpus, client: TestClient
) -> None:
    old = corpus.web.mint_link(corpus.web.user(STAFF), now=datetime.now(UTC) - timedelta(minutes=10, seconds=1))
    response = await client.post("/login", data={"token": old}, allow_redirects=False)
    assert response.status == 403 and "已失效" in await response.text()
    fresh = corpus.web.mint_link(corpus.web.user(STAFF), now=datetime.now(UTC) - timedelta(minutes=9))
    assert (await client.post("/login", data={"token": fresh}, allow_redirects=False)).status == 303
    assert (await client.post("/login", data={"token": fresh}, allow_redirects=False)).status == 403
    for bad in ("", "x" * 500, "../../etc/passwd", "<script>"):
        assert (await client.post("/login", data={"token": bad})).status in (400, 403)


async def test_sessions_expire_and_sign_out_ends_them_on_the_server(
    settings: Settings, corpus: Corpus, client: TestClient
) -> None:
    csrf = await sign_in(client, corpus, settings, STAFF)
    [cookie] = [c.value for c in client.session.cookie_jar if c.key == "linli_session"]
    assert corpus.web.session(cookie) is not None
    assert corpus.web.session(cookie, now=datetime.now(UTC) + api.SESSION_VALID) is None
    await client.post("/logout", data={"csrf": csrf})
    assert corpus.web.session(cookie) is None
    client.session.cookie_jar.update_cookies({"linli_session": cookie})
    assert (await client.get("/issues")).status == 401


async def test_sign_in_is_rate_limited(settings: Settings, corpus: Corpus, client: TestClient) -> None:
    statuses = [
        (await client.post("/login", data={"token": "y" * 43})).status
        for _ in range(SIGN_IN_PER_MINUTE + 1)
    ]
    assert statuses[:-1] == [403] * SIGN_IN_PER_MINUTE and statuses[-1] == 429


async def test_roles_are_checked_on_every_request(
    settings: Settings, corpus: Corpus, client: TestClient
) -> None:
    for page in ("/", "/issues", "/overview", "/try", "/questions.csv"):
        assert (await client.get(page, allow_redirects=False)).status == 401, page
    await sign_in(client, corpus, settings, STAFF)
    assert (await client.get("/issues")).status == 200
    for page in ("/overview", "/questions", "/questions.csv", "/gaps"):
        assert (await client.get(page)).status == 403, page
    # A resident (no role) is refused at sign-in.
    link = web_link(corpus, settings, 4242)
    response = await client.post("/login", data={"token": token_of(link)}, allow_redirects=False)
    assert response.status == 403
    # Someone taken off STAFF_IDS is out at their next click (same database, new process).
    await sign_in(client, corpus, settings, STAFF)
    cookie = next(c.value for c in client.session.cookie_jar if c.key == "linli_session")
    later = await client_for(replace(settings, staff_ids=frozenset({ADMIN})), corpus)
    try:
        later.session.cookie_jar.update_cookies({"linli_session": cookie})
        assert (await later.get("/issues")).status == 403
        assert corpus.web.session(cookie) is None
    finally:
        await later.close()


async def test_every_form_needs_its_csrf_token(
    settings: Settings, corpus: Corpus, client: TestClient
) -> None:
    csrf = await sign_in(client, corpus, settings, ADMIN)
    posts = {
        "/try": {"q": "楼道"},
        "/gaps/synonyms": {"everyday": "买菜的地方", "official": "菜场"},
        "/issues/1/edit": {"publication": "x", "street": "y", "date": "2020-01", "title": "z"},
        "/issues/1/remove": {},
        "/logout": {},
    }
    for path, data in posts.items():
        for token in (None, "forged", csrf[:-1]):
            sent = dict(data, **({"csrf": token} if token is not None else {}))
            response = await client.post(path, data=sent)
            assert response.status == 403 and "安全令牌" in await response.text(), path
    response = await client.post("/issues/upload", data=upload_form(None, MARKET, "a.txt"))
    assert response.status == 403
    response = await client.post("/issues/upload", data=upload_form("forged", MARKET, "a.txt"))
    assert response.status == 403
    # A multipart body to a form that takes no file is refused before it is read.
    response = await client.post("/try", data=upload_form(csrf, b"x", "a.txt"))
    assert response.status == 400
    assert corpus.issues.find(1) is not None and corpus.synonyms.list() == []


# --- escaping, limits, and what is never shown ----------------------------------------------


async def test_html_from_residents_is_text_and_no_id_or_token_is_ever_shown(
    settings: Settings, corpus: Corpus, client: TestClient
) -> None:
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>楼道&堆物\"'"
    corpus.log.record(corpus.answers.answer(hostile), channel="private", user_id=STAFF)
    csrf = await sign_in(client, corpus, settings, ADMIN)
    pages = ["/overview", "/questions", "/questions?q=%3Cscript", "/gaps", "/issues", "/issues/1"]
    for path in pages:
        html = await (await client.get(path)).text()
        assert "<script>" not in html and "<img src=x" not in html, path
        for secret in (str(ADMIN), str(STAFF), TOKEN, TOKEN.split(":")[1]):
            assert secret not in html, (path, secret)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in await (await client.get("/questions")).text()
    tried = await (await client.post("/try", data={"csrf": csrf, "q": hostile})).text()
    assert "<script>alert" not in tried and "&lt;script&gt;" in tried
    assert "default-src 'self'" in (await client.get("/issues")).headers["Content-Security-Policy"]


async def test_a_huge_question_and_a_huge_form_are_handled(
    settings: Settings, corpus: Corpus, client: TestClient
) -> None:
    csrf = await sign_in(client, corpus, settings, STAFF)
    page = await client.post("/try", data={"csrf": csrf, "q": "楼道堆物清理" * 10_000})
    assert page.status == 200 and "问题太长" in await page.text()
    too_big = await client.post("/try", data={"csrf": csrf, "q": "x" * (2 * 1024 * 1024)})
    assert too_big.status == 413 and "太大" in await too_big.text()


async def test_an_upload_over_the_limit_is_refused_and_nothing_stored(
    settings: Settings, corpus: Corpus
) -> None:
    small = replace(settings, web_max_upload_mb=1)
    client = await client_for(small, corpus)
    try:
        csrf = await sign_in(client, corpus, small, STAFF)
        before = corpus.issues.list()
        big = MARKET + b"\n" + "居民".encode() * (600 * 1024)
        response = await client.post("/issues/upload", data=upload_form(csrf, big, "big.txt"))
        assert response.status == 413 and "最多 1 MB" in await response.text()
        assert corpus.issues.list() == before
    finally:
        await client.close()


# --- uploads ------------------------------------------------------------------------------------


async def upload_and_confirm(client: TestClient, csrf: str, content: bytes, name: str, **fields: str) -> str:
    """Upload, answer what is asked with its default, confirm; returns the outcome page."""
    page = await (await client.post("/issues/upload", data=upload_form(csrf, content, name, **fields))).text()
    if "还差一点信息" in page:
        key = re.search(r'action="/issues/drafts/([^"]+)"', page)
        assert key, page
        page = await (await client.post(f"/issues/drafts/{key.group(1)}", data={"csrf": csrf, "date": ""})).text()
    assert 'id="preview"' in page, page
    key = re.search(r'action="/issues/pending/([^"]+)/confirm"', page)
    assert key, page
    return await (await client.post(f"/issues/pending/{key.group(1)}/confirm", data={"csrf": csrf})).text()


def big_docx() -> bytes:
    """The Word sample with a 25 MB picture in it: past what Telegram lets a bot download."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr(
            zipfile.ZipInfo("word/media/scan-page-01.bin"),
            os.urandom(25 * 1024 * 1024),
            compress_type=zipfile.ZIP_STORED,
        )
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "fields", "question", "source"),
    [
        (MARKET, "liangcheng_2026-11.txt", {}, "水电路菜场什么时候重新开业", "水电路菜场改造完成重新开业"),
        (CHANGFENG_GBK, "changfeng.txt", {"date": "2026-10"}, None, "长风"),
        (docx_bytes(), "huamu.docx", {"date": "2026-09"}, "联洋社区口袋公园几点开放", "联洋社区新建口袋公园正式开放"),
        (pdf_bytes(), "issue.pdf", {"date": "2026-08", "street": "凉城"}, None, "凉城新村街道"),
    ],
    ids=["txt", "gbk", "docx", "pdf"],
)
async def test_every_format_the_ingest_path_takes_is_uploaded_and_answerable(
    settings: Settings,
    corpus: Corpus,
    client: TestClient,
    content: bytes,
    name: str,
    fields: dict[str, str],
    question: str | None,
    source: str,
) -> None:
    csrf = await sign_in(client, corpus, settings, STAFF)
    outcome = await upload_and_confirm(client, csrf, content, name, **fields)
    assert "已添加" in outcome and source in outcome
    if question:
        assert source in corpus.answers.answer(question).text()


async def test_a_file_past_telegrams_20_mb_goes_through_the_console(
    settings: Settings, corpus: Corpus, client: TestClient
) -> None:
    csrf = await sign_in(client, corpus, settings, STAFF)
    data = big_docx()
    assert len(data) > 20 * 1024 * 1024
    outcome = await upload_and_confirm(client, csrf, data, "huamu-scan.docx", date="2026-09")
    assert "已添加" in outcome
    assert corpus.answers.answer("联洋社区口袋公园几点开放").found


async def test_an_upload_name_with_a_path_is_only_a_label(
    settings: Settings, corpus: Corpus, client: TestClient, tmp_path: Path
) -> None:
    csrf = await sign_in(client, corpus, settings, STAFF)
    for name in (
        "../../../tmp/evil_2026-11.txt",
        # Backslashes escape inside a quoted multipart name: doubled, they reach the server.
        "C:\\\\Users\\\\x\\\\..\\\\evil_2026-11.txt",
        "/etc/cron.d/evil_2026-11.txt",
        "..%2F..%2Fevil_2026-11.txt",
    ):
        raw = RawUpload(csrf, MARKET, name)
        response = await client.post("/issues/upload", data=raw.body, headers=raw.headers)
        page = await response.text()
        assert response.status == 200 and "文件：evil_2026-11.txt</p>" in page, page
        assert "/etc/" not in page and "Users" not in page and "../" not in page
    outcome = await upload_and_confirm(client, csrf, MARKET, "evil_2026-11.txt")
    assert "已添加" in outcome
    stored = [i for i in corpus.issues.list() if "evil" in i.source_name]
    assert [i.source_name for i in stored] == ["evil_2026-11.txt"]
    assert not list(tmp_path.rglob("evil*")) and not Path("/tmp/evil_2026-11.txt").exists()


async def test_bad_files_are_refused_and_nothing_is_stored(
    settings: Settings, corpus: Corpus, client: TestClient
) -> None:
    csrf = await sign_in(client, corpus, settings, STAFF)
    before = corpus.issues.list()
    for content, name in ((b"\x00\x01\xff" * 100, "x.txt"), (b"PK\x03\x04broken", "x.docx"), (b"%PDF-1.4 nothing", "x.pdf"), (MARKET, "x.exe")):
        response = await client.post("/issues/upload", data=upload_form(csrf, content, name))
        assert response.status == 400 and "什么都没有存" in await response.text(), name
    response = await client.post("/issues/upload", data=upload_form(csrf, MARKET, "m.txt", date="2026-13"))
    assert response.status == 400
    assert corpus.issues.list() == before


async def test_replace_edit_remove_and_a_preview_bound_to_its_uploader(
    settings: Settings, corpus: Corpus, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    csrf = await sign_in(client, corpus, settings, STAFF)
    with caplog.at_level(logging.INFO, logger="bot.web"):
        outcome = await upload_and_confirm(client, csrf, MARKET, "liangcheng_2026-11.txt")
    [issue_id] = [int(n) for n in re.findall(r"已添加 #(\d+)", outcome)]
    # Replace: the corrected text under the same issue.
    corrected = MARKET.replace("86个".encode(), "90个".encode())
    page = await (await client.post(f"/issues/{issue_id}/replace", data=upload_form(csrf, corrected, "v2.txt"))).text()
    assert "更正预览" in page and f"已收录的 #{issue_id}" in page
    key = re.search(r'action="/issues/pending/([^"]+)/confirm"', page).group(1)  # type: ignore[union-attr]
    # Another staff member's session cannot confirm it.
    other = await client_for(replace(settings, staff_ids=frozenset({STAFF, 555})), corpus)
    try:
        other_csrf = await sign_in(other, corpus, settings, ADMIN)
        refused = await other.post(f"/issues/pending/{key}/confirm", data={"csrf": other_csrf})
        assert refused.status == 410
    finally:
        await other.close()
    replaced = await (await client.post(f"/issues/pending/{key}/confirm", data={"csrf": csrf})).text()
    assert f"已替换 #{issue_id}" in replaced
    assert "90个" in corpus.answers.answer("水电路菜场有多少个摊位").text()
    # Edit: metadata only; an identity another issue has is refused.
    response = await client.post(
        f"/issues/{issue_id}/edit",
        data={"csrf": csrf, "publication": "社区晨报", "street": "凉城新村街道", "date": "2026-11-20", "title": "菜场重开"},
        allow_redirects=False,
    )
    assert response.status == 303
    info = corpus.issues.find(issue_id)
    assert info is not None and (info.date, info.title) == ("2026-11-20", "菜场重开")
    assert "2026年11月20日" in corpus.answers.answer("水电路菜场什么时候重新开业").text()
    clash = corpus.issues.list()[-1]
    response = await client.post(
        f"/issues/{issue_id}/edit",
        data={"csrf": csrf, "publication": clash.publication, "street": clash.street, "date": clash.date, "title": "x"},
    )
    assert response.status == 400 and f"#{clash.id}" in await response.text()
    # Remove, after its confirmation page.
    assert "确认删除" in await (await client.get(f"/issues/{issue_id}/remove")).text()
    with caplog.at_level(logging.INFO, logger="bot.web"):
        response = await client.post(f"/issues/{issue_id}/remove", data={"csrf": csrf}, allow_redirects=False)
    assert response.status == 303 and corpus.issues.find(issue_id) is None
    # The log says who did it, by pseudonym only.
    who = corpus.log.pseudonym(STAFF)[:8]
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("bot.web")]
    assert any(who in line and "uploaded" in line for line in lines)
    assert any(who in line and f"removed issue #{issue_id}" in line for line in lines)
    assert not any(str(STAFF) in line for line in lines)


# --- starting it ------------------------------------------------------------------------------


def test_a_missing_browser_is_a_skip_with_its_reason_or_a_failure_where_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.bot.web import console

    monkeypatch.setattr(console, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("LINLI_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"Chromium not found.*/nonexistent/chromium"):
        console.browser_or_skip()
    monkeypatch.setenv("LINLI_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="LINLI_REQUIRE_BROWSER=1"):
        console.browser_or_skip()


def test_linli_web_open_prints_a_link_that_signs_this_machines_admin_in(tmp_path: Path) -> None:
    from tests.bot.web.console import free_port

    port = free_port()
    env = dict(os.environ, LINLI_DATA_DIR=str(tmp_path / "data"), WEB_PORT=str(port))
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "web", "--open"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline(), process.stdout.readline()]
        assert f"http://127.0.0.1:{port}" in lines[0]
        link = lines[1].rsplit(" ", 1)[1].strip()
        assert link.startswith(f"http://127.0.0.1:{port}/login/")
        with urllib.request.urlopen(link, timeout=10) as page:
            assert "登录" in page.read().decode("utf-8")
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/login",
            data=f"token={token_of(link)}".encode(),
            method="POST",
        )
        opener = urllib.request.build_opener(NoRedirect)
        with opener.open(request, timeout=10) as signed:
            assert signed.status == 303 and "linli_session=" in signed.headers["Set-Cookie"]
    finally:
        process.terminate()
        process.wait(10)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand back the 303 itself (its Set-Cookie is what the test reads)."""

    def http_error_303(self, req, fp, code, msg, headers):  # type: ignore[no-untyped-def]
        return fp


def test_a_taken_port_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        os.environ["WEB_PORT"] = str(port)
        try:
            assert main(["web"]) == 1
        finally:
            del os.environ["WEB_PORT"]
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("linli web: the web console cannot listen on") and "WEB_PORT" in err[-1]
    assert "Traceback" not in "\n".join(err)


def test_linli_serve_with_a_taken_web_port_is_one_clear_line(
    fake_api: FakeBotAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`linli serve` starts the console in the bot's loop; a taken port stops it cleanly."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings = bot_settings(fake_api, tmp_path, web_port=taken.getsockname()[1])
        assert serve(settings) == 1
    err = capsys.readouterr().err
    assert "the web console cannot listen on" in err and "Traceback" not in err
    assert fake_api.token not in err


async def test_web_without_a_console_says_so_and_residents_get_no_link(
    fake_api: FakeBotAPI, service: Corpus, tmp_path: Path
) -> None:
    from bot.app import build_application
    from tests.bot.helpers import started

    settings = bot_settings(fake_api, tmp_path, staff_ids=frozenset({STAFF}))
    async with started(build_application(settings, service)):
        for user, expected in ((STAFF, "WEB_PORT"), (4242, "工作人员")):
            since = fake_api.mark()
            fake_api.push_message("/web", user_id=user)
            [reply] = await fake_api.wait_for("sendMessage", since=since, timeout=10)
            assert expected in reply.params["text"] and "/login/" not in reply.params["text"]
        # In a group, not even staff get a link in front of everyone.
        since = fake_api.mark()
        fake_api.push_message("/web", user_id=STAFF, chat_id=-100123, chat_type="supergroup")
        [reply] = await fake_api.wait_for("sendMessage", since=since, timeout=10)
        assert "/login/" not in reply.params["text"]


async def test_the_questions_page_pages_through_the_log(
    settings: Settings, corpus: Corpus, client: TestClient
) -> None:
    answer = corpus.answers.answer("楼道堆物")
    for i in range(53):
        corpus.log.record_soon(answer, channel="private", user_id=i, ref=f"r{i:03d}")
    await sign_in(client, corpus, settings, ADMIN)
    first = await (await client.get("/questions")).text()
    assert "共 53 条" in first and "第 1 / 2 页" in first and 'id="next"' in first
    second = await (await client.get("/questions?page=2")).text()
    assert second.count("<tr>") == 1 + 3  # the header row and the last three
    # Unreadable paging and periods fall back to the first page of the last 7 days.
    bogus = await client.get("/questions?page=x&period=bogus&found=maybe&rating=%3Cb%3E")
    assert bogus.status == 200 and "第 1 / 2 页" in await bogus.text()

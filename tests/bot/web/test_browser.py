"""The web console in a real browser (headless Chromium through Selenium).

One browser and one console for the module (Chromium is heavy); each test signs in with
a link minted by the bot's own function (``bot.staff.web_link``), the last one through a
real ``/web`` to the bot over the fake Bot API. Screenshots of every page at 360 px and
at desktop width are saved (see :func:`console.screenshot_dir`); each page is also
checked not to scroll sideways at 360 px.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_application
from bot.staff import web_link
from corpus import api
from corpus.api import Corpus
from corpus.settings import Settings
from tests.bot.helpers import bot_settings, started
from tests.bot.web.console import (
    DESKTOP,
    PHONE,
    ConsoleThread,
    browser_or_skip,
    chrome,
    free_port,
    screenshot_dir,
)
from tests.support.fake_bot_api import FakeBotAPI

ADMIN, STAFF = 7007, 5005
SAMPLES = Path(__file__).parents[2] / "data" / "staff"
MARKET_FILE = SAMPLES / "liangcheng_2026-11.txt"
MARKET_QUESTION = "水电路菜场什么时候重新开业"
MARKET_SOURCE = "社区晨报 · 凉城新村街道 · 2026年11月 · 水电路菜场改造完成重新开业"
# Unanswered until staff say 买菜的地方 is the paper's 菜场.
GAP_QUESTION = "水电路买菜的地方几点开门"
HTML_QUESTION = '<script>document.title="pwned"</script><b>楼道</b>堆物'


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    browser_or_skip()
    root = tmp_path_factory.mktemp("console")
    found = {name: root / name for name in ("data", "profile", "downloads")}
    for path in found.values():
        path.mkdir()
    found["shots"] = screenshot_dir(root)
    return found


@pytest.fixture(scope="module")
def console(folders: dict[str, Path]) -> Iterator[ConsoleThread]:
    settings = Settings(
        data_dir=folders["data"],
        staff_ids=frozenset({STAFF}),
        admin_ids=frozenset({ADMIN}),
        web_port=free_port(),
    )
    corpus = api.open(settings, demo=True)
    # What residents asked before: found, not found, rated, and one written in HTML.
    for question, who, rating in (
        ("世纪同乐小区什么时候清理楼道堆物？", 1, 1),
        (GAP_QUESTION, 2, None),
        (GAP_QUESTION, 3, -1),
        (HTML_QUESTION, 4, None),
    ):
        ref = corpus.log.record(corpus.answers.answer(question), channel="private", user_id=who)
        if rating:
            corpus.log.feedback(ref, rating)
    with ConsoleThread(settings, corpus) as running:
        yield running
    corpus.close()


@pytest.fixture(scope="module")
def browser(folders: dict[str, Path]) -> Iterator[Any]:
    with chrome(folders["profile"], folders["downloads"]) as driver:
        yield driver


# --- helpers --------------------------------------------------------------------------------


def by_css(driver: Any, selector: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def all_css(driver: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def text(driver: Any) -> str:
    return by_css(driver, "body").text


def click(driver: Any, target: Any) -> None:
    """Click what submits a form or follows a link, and wait for the next page to load."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, 30)
    for attempt in range(3):
        page = by_css(driver, "html")
        element = by_css(driver, target) if isinstance(target, str) else target
        try:
            wait.until(expected_conditions.element_to_be_clickable(element)).click()
            break
        except WebDriverException:
            # While the page in place is the same one, the click did not happen.
            if attempt == 2 or not isinstance(target, str) or _gone(page):
                raise
            time.sleep(0.3)
    wait.until(lambda _: _gone(page))
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")


def _gone(element: Any) -> bool:
    """Whether ``element``'s document was replaced (the next page is there)."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as exc:
        # Chromium may say so in its own words while the old document is torn down.
        if "does not belong to the document" in str(exc):
            return True
        raise
    return False


def sign_in(driver: Any, link: str) -> None:
    driver.delete_all_cookies()
    driver.get(link)
    click(driver, "#sign-in")


def shoot(driver: Any, folders: dict[str, Path], name: str) -> None:
    """The page at 360 px and at desktop width; at 360 px it must not scroll sideways."""
    for label, (width, height) in (("360", PHONE), ("desktop", DESKTOP)):
        driver.set_window_size(width, height)
        full = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(max(height, int(full) + 120), 6000))
        if label == "360":
            overflow = driver.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 1, f"{name} scrolls sideways at 360 px by {overflow} px"
        path = folders["shots"] / f"{name}-{label}.png"
        assert driver.save_screenshot(str(path)), f"no screenshot written to {path}"
    driver.set_window_size(*DESKTOP)


def fill(driver: Any, selector: str, value: str) -> None:
    field = by_css(driver, selector)
    field.clear()
    field.send_keys(value)


# --- the walk-through: upload, confirm, ask, close a gap, export ----------------------------


def test_an_admin_uploads_confirms_asks_closes_a_gap_and_exports(
    console: ConsoleThread, browser: Any, folders: dict[str, Path]
) -> None:
    corpus = console.corpus
    browser.get(web_link(corpus, console.settings, ADMIN))
    shoot(browser, folders, "01-sign-in")
    click(browser, "#sign-in")
    assert browser.current_url.endswith("/overview")
    assert by_css(browser, "#fig-questions").text == "4"
    assert by_css(browser, ".chart svg") is not None
    shoot(browser, folders, "02-overview")

    # Upload: the date is asked (the file's is only a suggestion), then the preview.
    browser.get(console.url + "/issues")
    shoot(browser, folders, "03-issues")
    by_css(browser, "#file").send_keys(str(MARKET_FILE))
    click(browser, "#upload")
    assert "还差一点信息" in text(browser)
    assert "2026-11" in by_css(browser, "label[for=date]").text  # the default offered
    shoot(browser, folders, "04-upload-asks-date")
    click(browser, "#continue")  # empty: take the default
    preview = by_css(browser, "#preview").text
    assert "水电路菜场改造完成重新开业" in preview and "社区晨报" in preview
    shoot(browser, folders, "05-preview")
    click(browser, "#confirm")
    assert "已添加" in by_css(browser, "#outcome").text
    shoot(browser, folders, "06-stored")

    # Try it: the reply as a resident reads it, with the score and why.
    browser.get(console.url + "/try")
    fill(browser, "#q", MARKET_QUESTION)
    click(browser, "#ask")
    reply = by_css(browser, "#reply").text
    assert MARKET_SOURCE in reply and "11月18日" in reply
    assert all_css(browser, ".why .score"), "each quote shows its score"
    shoot(browser, folders, "07-try-it")
    # ... and a resident asking the bot gets it from the same library call.
    assert MARKET_SOURCE in corpus.answers.answer(MARKET_QUESTION).text()

    # Content gaps: the unanswered question, a synonym added, answered at once.
    browser.get(console.url + "/gaps")
    gaps = [e.text for e in all_css(browser, ".gap-question")]
    assert GAP_QUESTION in gaps
    shoot(browser, folders, "08-gaps")
    group = next(
        g for g in all_css(browser, ".gap") if GAP_QUESTION in g.text
    )
    group.find_element("css selector", "input[name=everyday]").send_keys("买菜的地方")
    group.find_element("css selector", "input[name=official]").send_keys("菜场")
    click(browser, group.find_element("css selector", "button"))
    rechecked = by_css(browser, "#rechecked").text
    assert GAP_QUESTION in rechecked and "能回答了" in rechecked
    shoot(browser, folders, "09-synonym-added")
    assert corpus.answers.answer(GAP_QUESTION).found

    # Questions: filters, the HTML question as text, the CSV (UTF-8 with BOM).
    browser.get(console.url + "/questions?found=no")
    rows = by_css(browser, "#log").text
    assert GAP_QUESTION in rows and "世纪同乐" not in rows
    assert HTML_QUESTION in rows  # shown as the characters the resident typed
    assert browser.title != "pwned" and not all_css(browser, "#log td.q b")
    for residents_id in ("1", "2", "3", "4"):
        assert f">{residents_id}<" not in browser.page_source
    shoot(browser, folders, "10-questions")
    browser.get(console.url + "/questions?rating=down")
    assert "共 1 条" in by_css(browser, "#total").text
    browser.get(console.url + "/questions")
    by_css(browser, "#csv").click()
    deadline = time.monotonic() + 20
    while not (done := [p for p in folders["downloads"].glob("*.csv")]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert done, "the CSV was not downloaded"
    data = done[0].read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and GAP_QUESTION.encode() in data
    assert b"7007" not in data and b"5005" not in data


def test_an_issue_is_opened_edited_and_removed(
    console: ConsoleThread, browser: Any, folders: dict[str, Path]
) -> None:
    corpus = console.corpus
    sign_in(browser, web_link(corpus, console.settings, STAFF))
    assert browser.current_url.endswith("/issues")
    issue = corpus.issues.list()[-1]  # the oldest bundled issue
    browser.get(f"{console.url}/issues/{issue.id}")
    assert all_css(browser, ".passage")
    shoot(browser, folders, "11-issue-articles")
    browser.get(f"{console.url}/issues/{issue.id}/edit")
    fill(browser, "#title", "改过的标题 <i>")
    shoot(browser, folders, "12-edit")
    click(browser, "#save")
    assert "改过的标题 <i>" in by_css(browser, "h1").text
    assert corpus.issues.find(issue.id).title == "改过的标题 <i>"
    browser.get(f"{console.url}/issues/{issue.id}/replace")
    assert "替换" in by_css(browser, "h1").text
    shoot(browser, folders, "13-replace")
    browser.get(f"{console.url}/issues/{issue.id}/remove")
    shoot(browser, folders, "13-remove-confirm")
    click(browser, "#confirm-remove")
    assert browser.current_url.endswith(f"/issues?removed={issue.id}")
    assert corpus.issues.find(issue.id) is None


def test_try_it_shows_html_and_a_huge_question_as_text(
    console: ConsoleThread, browser: Any, folders: dict[str, Path]
) -> None:
    sign_in(browser, web_link(console.corpus, console.settings, STAFF))
    browser.get(console.url + "/try")
    fill(browser, "#q", HTML_QUESTION)
    click(browser, "#ask")
    assert HTML_QUESTION.replace("\n", "") in by_css(browser, "#asked").text
    assert browser.title != "pwned" and not all_css(browser, "#asked b")
    # Past the form's maxlength by script, as a hostile page could post it.
    browser.execute_script("document.getElementById('q').value = '楼道堆物'.repeat(20000)")
    click(browser, "#ask")
    assert "问题太长" in by_css(browser, "#reply").text
    shoot(browser, folders, "14-try-huge")


# --- the refusals -----------------------------------------------------------------------------


def test_the_refusals(console: ConsoleThread, browser: Any, folders: dict[str, Path]) -> None:
    corpus = console.corpus
    # No session.
    browser.delete_all_cookies()
    browser.get(console.url + "/issues")
    assert "还没有登录" in by_css(browser, "#refusal").text
    shoot(browser, folders, "15-refused-no-session")
    # An expired link (minted 11 minutes ago).
    old = corpus.web.mint_link(
        corpus.web.user(STAFF), now=datetime.now(UTC) - timedelta(minutes=11)
    )
    sign_in(browser, f"{console.url}/login/{old}")
    assert "已失效" in by_css(browser, "#refusal").text
    # A reused link.
    link = web_link(corpus, console.settings, STAFF)
    sign_in(browser, link)
    assert browser.current_url.endswith("/issues")
    sign_in(browser, link)
    assert "已失效" in by_css(browser, "#refusal").text
    # A staff member on an admin page (and the admin pages are not in their menu).
    sign_in(browser, web_link(corpus, console.settings, STAFF))
    assert "概览" not in by_css(browser, "header").text
    for page in ("/overview", "/questions", "/questions.csv", "/gaps"):
        browser.get(console.url + page)
        assert "只有管理员" in by_css(browser, "#refusal").text, page
    shoot(browser, folders, "16-refused-staff-on-admin-page")
    # A form without its CSRF token.
    browser.get(console.url + "/try")
    browser.execute_script(
        "document.querySelector('form[action=\"/try\"] input[name=csrf]').remove()"
    )
    fill(browser, "#q", MARKET_QUESTION)
    click(browser, "#ask")
    assert "安全令牌" in by_css(browser, "#refusal").text
    browser.get(console.url + "/issues")
    browser.execute_script("document.querySelector('#upload-form input[name=csrf]').remove()")
    by_css(browser, "#file").send_keys(str(MARKET_FILE))
    click(browser, "#upload")
    assert "安全令牌" in by_css(browser, "#refusal").text
    # Signing out ends the session on the server too.
    browser.get(console.url + "/issues")
    click(browser, ".who button")
    assert browser.current_url.endswith("/signed-out")
    browser.get(console.url + "/issues")
    assert "还没有登录" in by_css(browser, "#refusal").text


# --- from /web in Telegram to the console ---------------------------------------------------


async def test_from_web_in_telegram_to_a_confirmed_upload_and_a_residents_answer(
    fake_api: FakeBotAPI, service: Corpus, tmp_path: Path, browser: Any
) -> None:
    """`linli serve` with WEB_PORT: the bot's own event loop serves the console; staff
    sign in from /web, upload and confirm an issue, and a resident asking the bot is
    answered from it (the issue's "done when" walk-through)."""
    settings = bot_settings(
        fake_api,
        tmp_path,
        staff_ids=frozenset({STAFF}),
        admin_ids=frozenset({ADMIN}),
        web_port=free_port(),
    )
    async with started(build_application(settings, service)):
        since = fake_api.mark()
        fake_api.push_message("/web", user_id=STAFF)
        [call] = await fake_api.wait_for("sendMessage", since=since, timeout=10)
        message = call.params["text"]
        link = message.split('href="', 1)[1].split('"', 1)[0]
        assert link.startswith(settings.console_url + "/login/")
        assert str(STAFF) not in message and fake_api.token not in message

        def walk() -> str:
            sign_in(browser, link)
            return text(browser)

        page = await asyncio.to_thread(walk)
        assert "期刊" in page and "工作人员" in page
        assert str(STAFF) not in await asyncio.to_thread(lambda: browser.page_source)

        def upload_and_confirm() -> str:
            by_css(browser, "#file").send_keys(str(MARKET_FILE))
            fill(browser, "#date", "2026-11")
            click(browser, "#upload")
            click(browser, "#confirm")
            return by_css(browser, "#outcome").text

        assert "已添加" in await asyncio.to_thread(upload_and_confirm)
        # A resident asks the bot at once, and is answered from the new issue.
        since = fake_api.mark()
        fake_api.push_message(MARKET_QUESTION, user_id=4242)
        [answer] = await fake_api.wait_for("sendMessage", since=since, timeout=10)
        assert MARKET_SOURCE in answer.params["text"]
        # A resident asking for a link is refused.
        since = fake_api.mark()
        fake_api.push_message("/web", user_id=4242)
        [refusal] = await fake_api.wait_for("sendMessage", since=since, timeout=10)
        assert "/login/" not in refusal.params["text"]

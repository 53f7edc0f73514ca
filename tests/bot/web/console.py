"""Plumbing for the console tests: a console on loopback in a thread, and the browser.

The browser is Debian's ``chromium`` driven by its ``chromium-driver`` (paths given, so
Selenium Manager never looks for a driver: this machine's network is closed). Where
neither can be found the browser tests are skipped with that reason; with
``LINLI_REQUIRE_BROWSER=1`` (``.ci/run``) they fail instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiohttp import web

from bot.web import server
from corpus.api import Corpus
from corpus.settings import Settings

CHROMIUM = os.environ.get("LINLI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = (
    os.environ.get("LINLI_CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
DESKTOP, PHONE = (1280, 900), (360, 780)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def browser_or_skip() -> tuple[str, str]:
    """The Chromium and driver paths, or a skip (a failure where a browser is required)."""
    missing = [p for p in (CHROMIUM, DRIVER) if not Path(p).is_file()]
    if missing:
        reason = (
            f"Chromium not found ({', '.join(missing)}): the browser tests need Debian's "
            "chromium and chromium-driver (apt-get install chromium chromium-driver)"
        )
        if os.environ.get("LINLI_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + "; LINLI_REQUIRE_BROWSER=1 requires them")
        pytest.skip(reason)
    return CHROMIUM, DRIVER


def screenshot_dir(tmp_root: Path) -> Path:
    """LINLI_SCREENSHOTS, else a folder under the test run's tmp (never in the repo)."""
    configured = os.environ.get("LINLI_SCREENSHOTS")
    folder = Path(configured) if configured else tmp_root / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def chrome(user_data: Path, downloads: Path) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = browser_or_skip()
    options = Options()
    options.binary_location = binary
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={user_data}")
    options.add_argument(f"--window-size={DESKTOP[0]},{DESKTOP[1]}")
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


class ConsoleThread:
    """The console served by its own event loop in a thread (Selenium's calls block)."""

    def __init__(self, settings: Settings, corpus: Corpus) -> None:
        self.settings = settings
        self.corpus = corpus
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.runner: web.AppRunner | None = None

    def __enter__(self) -> ConsoleThread:
        self.thread.start()
        self.runner = asyncio.run_coroutine_threadsafe(
            server.start(self.settings, self.corpus), self.loop
        ).result(timeout=30)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.runner is not None:
            asyncio.run_coroutine_threadsafe(server.stop(self.runner), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    @property
    def url(self) -> str:
        return self.settings.console_url

"""`linli serve` as a real process against the fake Bot API: polling, webhook, quiet logs."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.fake_bot_api import FakeBotAPI

QUESTION = "世纪同乐小区什么时候清理楼道堆物？"
DATA = Path(__file__).resolve().parents[1] / "data"
DATE = ("--date", "2026-11")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_serve(fake: FakeBotAPI, tmp_path: Path, **env: str) -> subprocess.Popen[str]:
    environ = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_API_FILE_URL": fake.base_file_url,
        "LINLI_DATA_DIR": str(tmp_path / "data"),
        "LOG_LEVEL": "DEBUG",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve"],
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    _, err = process.communicate()
    return err


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as api:
        yield api


def test_polling_bot_answers_and_never_logs_its_token(fake: FakeBotAPI, tmp_path: Path) -> None:
    process = start_serve(fake, tmp_path)
    try:
        fake.wait_for_sync("getUpdates", timeout=60)
        fake.push_message(QUESTION)
        [reply] = fake.wait_for_sync("sendMessage", timeout=30)
        assert "11月22日" in reply.params["text"]
        allowed = fake.calls("getUpdates")[-1].params.get("allowed_updates")
        assert allowed and {"message", "callback_query"} <= set(allowed)
    finally:
        err = stop(process)
    assert process.returncode == 0, err
    assert fake.token not in err
    assert "index built" in err  # the log is there, just without the token
    # The question reached the query log (written in batches; at the latest on shutdown).
    with sqlite3.connect(tmp_path / "data" / "linli.sqlite3") as db:
        assert db.execute("SELECT question FROM query_log").fetchall() == [(QUESTION,)]


def test_webhook_mode_checks_the_secret_on_every_request(fake: FakeBotAPI, tmp_path: Path) -> None:
    port = free_port()
    process = start_serve(
        fake,
        tmp_path,
        WEBHOOK_URL=f"https://linli.example.org/telegram-{port}",
        WEBHOOK_SECRET="s3cret-token_value",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    try:
        [hook] = fake.wait_for_sync("setWebhook", timeout=60)
        assert hook.params["secret_token"] == "s3cret-token_value"
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": 1001, "type": "private"},
                "from": {"id": 1001, "is_bot": False, "first_name": "小明"},
                "text": QUESTION,
            },
        }
        url = f"http://127.0.0.1:{port}/telegram-{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                refused = httpx.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
                )
                break
            except httpx.ConnectError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert refused.status_code == 403
        assert httpx.post(url, json=update).status_code == 403
        accepted = httpx.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token_value"}
        )
        assert accepted.status_code == 200
        [reply] = fake.wait_for_sync("sendMessage", timeout=30)
        assert "11月22日" in reply.params["text"]
    finally:
        err = stop(process)
    assert fake.token not in err


def test_webhook_without_secret_is_refused(fake: FakeBotAPI, tmp_path: Path) -> None:
    process = start_serve(fake, tmp_path, WEBHOOK_URL="https://linli.example.org/hook")
    err = stop_after_exit(process)
    assert process.returncode == 2 and "WEBHOOK_SECRET" in err


def stop_after_exit(process: subprocess.Popen[str]) -> str:
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
    return process.communicate()[1]


def post_update(url: str, secret: str, update: dict, timeout: float = 60) -> httpx.Response:
    """POST an update to a webhook, waiting for the server to come up."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
        except httpx.ConnectError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def question_update(update_id: int, chat_id: int, text: str) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "居民"},
            "text": text,
        },
    }


def test_webhook_replicas_on_one_database_follow_an_issue_added_elsewhere(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    """Scale-out as deployed: two `linli serve` webhook processes behind a balancer.

    They share the database (and data directory); a third process adds an issue;
    both replicas answer from it without a restart.
    """
    secret = "replica-secret_1"
    ports = [free_port(), free_port()]
    replicas = [
        start_serve(
            fake,
            tmp_path,
            WEBHOOK_URL="https://linli.example.org/telegram",
            WEBHOOK_SECRET=secret,
            WEBHOOK_LISTEN="127.0.0.1",
            WEBHOOK_PORT=str(port),
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}/telegram" for port in ports]
    question = "桂花苑加装电梯什么时候竣工"
    logs: list[str] | None = None
    try:
        fake.wait_for_sync("setWebhook", count=2, timeout=90)
        for n, url in enumerate(urls):
            assert post_update(url, secret, question_update(n + 1, 2001 + n, QUESTION)).is_success
        for n in range(2):
            # Chats the fake never saw refuse the reply, and the bot retries it in plain text.
            reply, *_ = fake.wait_for_sync(
                "sendMessage", lambda c, n=n: int(c.params["chat_id"]) == 2001 + n, timeout=90
            )
            assert "11月22日" in reply.params["text"]  # both serve the bundled corpus

        ingest = subprocess.run(
            [sys.executable, "-m", "bot.cli", "ingest", str(DATA / "sample_issue.txt"), *DATE],
            cwd=tmp_path,
            env={**os.environ, "LINLI_DATA_DIR": str(tmp_path / "data")},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert ingest.returncode == 0, ingest.stderr
        time.sleep(2.5)  # the replicas check the corpus version at most every 2 s

        for n, url in enumerate(urls):
            chat = 3001 + n
            assert post_update(url, secret, question_update(10 + n, chat, question)).is_success
            reply, *_ = fake.wait_for_sync(
                "sendMessage", lambda c, chat=chat: int(c.params["chat_id"]) == chat, timeout=90
            )
            assert "桂花苑" in reply.params["text"] and "2026" in reply.params["text"]
    except (AssertionError, TimeoutError) as exc:
        logs = [stop(process) for process in replicas]
        tails = "\n\n".join(log[-3000:] for log in logs)
        raise AssertionError(f"{exc}\n--- the replicas' logs ---\n{tails}") from exc
    finally:
        errors = logs if logs is not None else [stop(process) for process in replicas]
    for process, err in zip(replicas, errors, strict=True):
        assert process.returncode == 0, err


def test_a_401_while_polling_ends_the_process_with_a_message(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    """PTB gives up polling on InvalidToken; the process must not live on deaf."""
    fake.fail_next("getUpdates", error_code=401, description="Unauthorized", times=1000)
    process = start_serve(fake, tmp_path)
    try:
        fake.wait_for_sync("getUpdates", timeout=60)
        process.wait(timeout=15)  # by itself, without the SIGINT stop() would send
    finally:
        err = stop(process)
    assert process.returncode == 2, err
    [message] = [line for line in err.splitlines() if "refused the bot token" in line]
    assert "while polling" in message
    assert fake.token not in err


def test_debug_logs_withhold_residents_ids_names_and_messages(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    """At LOG_LEVEL=DEBUG PTB logs whole updates and calls; the bot's filter withholds them."""
    process = start_serve(fake, tmp_path)  # LOG_LEVEL=DEBUG
    try:
        fake.wait_for_sync("getUpdates", timeout=60)
        fake.push_message(QUESTION, user_id=777001, first_name="Zhangsanfeng", username="zsf_x")
        fake.wait_for_sync("sendMessage", timeout=30)
        time.sleep(0.5)
    finally:
        err = stop(process)
    assert process.returncode == 0, err
    for private in ("楼道堆物", "Zhangsanfeng", "zsf_x", "777001", "11月22日"):
        assert private not in err, private
    # DEBUG still tells which calls were made.
    assert "Calling Bot API endpoint `sendMessage` with parameters `<withheld>`" in err
    assert "Processing update <withheld>" in err

"""One chat and user's updates in order, everyone else's concurrently (bot.app).

The processor on its own first, with updates that wait on events (no timing), then the
real bot: one resident's slow question delays nobody else, and answers in a chat come in
the order asked. The staff conversation this protects is tested in test_staff.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import threading
from pathlib import Path
from typing import Any

import pytest
from telegram import Chat, Message, Update, User

from bot.app import UPDATES_IN_FLIGHT, build_application
from bot.ordering import OrderedUpdateProcessor
from corpus.api import Corpus
from tests.bot.helpers import bot_settings, started
from tests.support.fake_bot_api import DEFAULT_USER_ID, Call, FakeBotAPI

QUESTION = "世纪同乐小区什么时候清理楼道堆物？"
SLOW_QUESTION = "凉城新村街道最近有什么活动？"
OTHER_RESIDENT = 2002

_update_ids = iter(range(1, 1_000_000))


def text_update(chat_id: int, user_id: int | None = None, chat_type: str = "private") -> Update:
    """A text message from ``user_id`` (default: the chat's own id) in ``chat_id``."""
    update_id = next(_update_ids)
    user = User(chat_id if user_id is None else user_id, "居民", is_bot=False)
    message = Message(
        update_id, dt.datetime.now(dt.UTC), Chat(chat_id, chat_type), from_user=user, text="?"
    )
    return Update(update_id, message=message)


class Run:
    """Feeds updates to a processor the way PTB's Application does (a task per update, in
    the order they came) and records when each one's processing starts and ends."""

    def __init__(self, processor: OrderedUpdateProcessor) -> None:
        self.processor = processor
        self.log: list[str] = []
        self.running = 0
        self.most_running = 0
        self.tasks: list[asyncio.Task[None]] = []

    def submit(
        self, name: str, update: object, gate: asyncio.Event | None = None, fail: bool = False
    ) -> None:
        async def process() -> None:
            self.log.append(f"start {name}")
            self.running += 1
            self.most_running = max(self.most_running, self.running)
            try:
                if gate is not None:
                    await gate.wait()
                await asyncio.sleep(0)
                if fail:
                    raise RuntimeError(name)
            finally:
                self.running -= 1
                self.log.append(f"end {name}")

        self.tasks.append(asyncio.create_task(self.processor.process_update(update, process())))

    def started(self) -> set[str]:
        return {entry.removeprefix("start ") for entry in self.log if entry.startswith("start ")}

    async def settle(self) -> None:
        """Let every task run until it waits on something that only the test can release."""
        for _ in range(20):
            await asyncio.sleep(0)

    async def finish(self) -> None:
        await asyncio.wait_for(asyncio.gather(*self.tasks, return_exceptions=True), 5)


async def test_one_chats_updates_are_processed_one_after_another_in_order() -> None:
    run = Run(OrderedUpdateProcessor(8))
    gate = asyncio.Event()
    run.submit("a1", text_update(1), gate)
    run.submit("a2", text_update(1))
    run.submit("a3", text_update(1))
    await run.settle()
    assert run.log == ["start a1"]  # a2 and a3 wait for a1, though slots are free
    gate.set()
    await run.finish()
    assert run.log == ["start a1", "end a1", "start a2", "end a2", "start a3", "end a3"]
    assert run.processor.waiting_lines == 0  # nothing kept for chats gone quiet


async def test_other_chats_go_on_while_one_chat_waits_for_a_slow_update() -> None:
    # Two slots, and the slow chat has a backlog: its waiting updates take no slot.
    run = Run(OrderedUpdateProcessor(2))
    gate = asyncio.Event()
    run.submit("a1", text_update(1), gate)
    for n in range(2, 6):
        run.submit(f"a{n}", text_update(1))
    run.submit("b1", text_update(2))
    run.submit("c1", text_update(3))
    await run.settle()
    assert {"end b1", "end c1"} <= set(run.log)
    assert run.started() == {"a1", "b1", "c1"}  # a2..a5 still wait for a1
    gate.set()
    await run.finish()
    assert [e for e in run.log if e.startswith("start a")] == [f"start a{n}" for n in range(1, 6)]


async def test_at_most_in_flight_updates_are_processed_at_once() -> None:
    run = Run(OrderedUpdateProcessor(2))
    gates = {name: asyncio.Event() for name in ("a", "b", "c")}
    for chat_id, name in enumerate(gates, 1):
        run.submit(name, text_update(chat_id), gates[name])
    await run.settle()
    assert run.started() == {"a", "b"}
    gates["a"].set()
    await run.settle()
    assert run.started() == {"a", "b", "c"}
    gates["b"].set()
    gates["c"].set()
    await run.finish()
    assert run.most_running == 2


async def test_the_order_holds_for_many_chats_interleaved() -> None:
    rng = random.Random(7)
    run = Run(OrderedUpdateProcessor(3))
    gates: list[asyncio.Event] = []
    sent: dict[int, list[str]] = {chat_id: [] for chat_id in range(1, 6)}
    for n in range(60):
        chat_id = rng.randrange(1, 6)
        gate = asyncio.Event()
        gates.append(gate)
        name = f"{chat_id}:{n}"
        sent[chat_id].append(name)
        run.submit(name, text_update(chat_id), gate)
    # Release them in a random order: each chat's updates still run in the order they came,
    # one at a time, and never more than three chats at once.
    for gate in rng.sample(gates, len(gates)):
        gate.set()
        await asyncio.sleep(0)
    await run.finish()
    for chat_id, names in sent.items():
        mine = [e for e in run.log if e.split()[1].startswith(f"{chat_id}:")]
        assert mine == [f"{step} {name}" for name in names for step in ("start", "end")]
    assert run.most_running <= 3
    assert run.processor.waiting_lines == 0


async def test_the_key_is_chat_and_user() -> None:
    # ConversationHandler's own key: in a group, one member's slow question does not hold
    # up another member's; the same person in another chat is another line too.
    run = Run(OrderedUpdateProcessor(8))
    gate = asyncio.Event()
    run.submit("x in group", text_update(-4001, user_id=10, chat_type="group"), gate)
    run.submit("y in group", text_update(-4001, user_id=11, chat_type="group"))
    run.submit("x in private", text_update(10))
    run.submit("x in group again", text_update(-4001, user_id=10, chat_type="group"))
    await run.settle()
    assert {"end y in group", "end x in private"} <= set(run.log)
    assert "start x in group again" not in run.log
    gate.set()
    await run.finish()


async def test_a_failed_update_lets_the_next_one_of_its_chat_go_on() -> None:
    run = Run(OrderedUpdateProcessor(8))
    run.submit("a1", text_update(1), fail=True)
    run.submit("a2", text_update(1))
    await run.finish()
    assert run.log == ["start a1", "end a1", "start a2", "end a2"]
    assert isinstance(run.tasks[0].exception(), RuntimeError)
    assert run.processor.waiting_lines == 0


async def test_updates_without_chat_or_user_are_processed_in_a_slot() -> None:
    processor = OrderedUpdateProcessor(1)
    assert processor.key("not an update") is None
    assert processor.key(Update(1)) is None
    run = Run(processor)
    gate = asyncio.Event()
    run.submit("bare", Update(next(_update_ids)), gate)
    run.submit("a1", text_update(1))
    await run.settle()
    assert run.log == ["start bare"]  # it counts against the bound like any other
    gate.set()
    await run.finish()
    assert run.log[-1] == "end a1"


# --- the real bot ------------------------------------------------------------------------


def replies_to(fake: FakeBotAPI, chat_id: int, since: int) -> list[int]:
    """The message ids the bot's sendMessage calls to ``chat_id`` replied to, in order."""
    calls: list[Call] = fake.calls("sendMessage", since=since)
    return [
        c.params["reply_parameters"]["message_id"] for c in calls if c.params["chat_id"] == chat_id
    ]


async def test_one_residents_slow_question_holds_up_nobody_else(
    fake_api: FakeBotAPI,
    service: Corpus,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    application = build_application(bot_settings(fake_api, tmp_path), service)
    processor = application.update_processor
    assert isinstance(processor, OrderedUpdateProcessor)
    assert processor.in_flight == UPDATES_IN_FLIGHT
    answer = service.answers.answer
    entered, release = threading.Event(), threading.Event()

    def answer_slowly(question: str, **kwargs: Any) -> Any:
        if question == SLOW_QUESTION:
            entered.set()
            release.wait(10)
        return answer(question, **kwargs)

    monkeypatch.setattr(service.answers, "answer", answer_slowly)
    async with started(application):
        try:
            since = fake_api.mark()
            slow = fake_api.push_message(SLOW_QUESTION)
            assert await asyncio.to_thread(entered.wait, 10)
            # The same resident asks again while the first answer is still being worked out.
            again = fake_api.push_message(QUESTION)
            # Another resident, in another chat, is answered meanwhile.
            other = fake_api.push_message(QUESTION, user_id=OTHER_RESIDENT)
            await fake_api.wait_for(
                "sendMessage", lambda c: c.params["chat_id"] == OTHER_RESIDENT, since=since
            )
            assert replies_to(fake_api, OTHER_RESIDENT, since) == [other["message_id"]]
            assert replies_to(fake_api, DEFAULT_USER_ID, since) == []
        finally:
            release.set()
        await fake_api.wait_for(
            "sendMessage", lambda c: c.params["chat_id"] == DEFAULT_USER_ID, count=2, since=since
        )
        # The first resident's answers come in the order the questions were asked.
        assert replies_to(fake_api, DEFAULT_USER_ID, since) == [
            slow["message_id"],
            again["message_id"],
        ]

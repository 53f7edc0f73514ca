"""Per-chat ordering of updates: one chat's updates in turn, different chats concurrently."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates let into the processor at once, waiting for their chat's turn or processed:
# far more than Telegram hands over in one getUpdates (100).
UPDATES_ADMITTED = 1024


@dataclass
class _Line:
    """The updates of one chat and user: the one being processed and those waiting."""

    turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    queued: int = 0


class OrderedUpdateProcessor(BaseUpdateProcessor):
    """Updates of one chat and user one after another, in the order they came; others
    concurrently, at most ``in_flight`` at once.

    Why not PTB's plain ``concurrent_updates(n)``: a ConversationHandler (the staff upload,
    bot.staff) moves to its next state only when the step's callback has returned, which is
    after its question went out; PTB's docs warn it needs updates processed one by one. With
    every update processed as it came, the staff member's reply to "which date?" could be
    checked before that step had returned, match no conversation and be answered as a
    resident's question. Handler groups cannot fix it: they order the handlers of one
    update, the race is between two updates. Nor can ``block=``: a non-blocking conversation
    hands an update that arrives mid-step to its WAITING handlers or lets it fall through
    (to the residents' catch-all); processing one by one with only the residents' handlers
    non-blocking would let a staff member's PDF being read (seconds) hold up every
    resident, with the answers in flight unbounded and unordered.

    Ordering per (chat, user) is what a conversation needs: it is ConversationHandler's own
    key (per_chat and per_user, the defaults, which the staff upload keeps). It also keeps
    one person's answers in the order asked, while a slow question only delays its asker.
    """

    def __init__(self, in_flight: int, admitted: int = UPDATES_ADMITTED) -> None:
        # PTB's own semaphore (process_update, final) is taken before do_process_update,
        # i.e. before an update waits for its turn: bounded at in_flight, one chat's backlog
        # would take every slot and stall the other chats. So it only admits (generously),
        # and in_flight is kept here, counting only updates whose turn it is.
        super().__init__(max(in_flight, admitted))
        self.in_flight = in_flight
        self._running = asyncio.BoundedSemaphore(in_flight)
        self._lines: dict[tuple[int | None, int | None], _Line] = {}

    @staticmethod
    def key(update: object) -> tuple[int | None, int | None] | None:
        """The (chat, user) an update belongs to; None for one with neither (no order kept)."""
        if not isinstance(update, Update):
            return None
        chat, user = update.effective_chat, update.effective_user
        if chat is None and user is None:
            return None
        return (chat.id if chat else None, user.id if user else None)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self.key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        # PTB starts one task per update in the order they came, and nothing above awaits
        # before this point while fewer than `admitted` are in (the semaphore is FIFO
        # anyway): asyncio.Lock is fair, so each chat's updates take their turns in order.
        line = self._lines.get(key)
        if line is None:
            line = self._lines[key] = _Line()
        line.queued += 1
        try:
            # The turn first, then a slot: an update waiting for its turn holds no slot.
            async with line.turn, self._running:
                await coroutine
        finally:
            line.queued -= 1
            if not line.queued:
                del self._lines[key]

    @property
    def waiting_lines(self) -> int:
        """Chats (and users) with an update being processed or waiting (for tests)."""
        return len(self._lines)

    async def initialize(self) -> None:
        """Nothing to set up: the locks are made as updates arrive."""

    async def shutdown(self) -> None:
        """Nothing to free: the locks go with their chat's last update."""

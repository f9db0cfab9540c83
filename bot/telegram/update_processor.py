"""Updates from different people are handled at the same time; each person's stay in order.

A conversation needs one person's updates one after another (an answer must not overtake the
question before it), but nothing requires the whole bot to wait for one person: while one
reply waits on Telegram, another person's update can be handled. `PerUserUpdateProcessor`
keeps a lock per sender (per chat when there is no sender) and a bound on the work in flight.

The bound is taken only once an update holds its sender's lock, so a flood from one person
waits on that person's lock and occupies one slot at most - everybody else keeps theirs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates queued or in flight before PTB's own fetcher waits (a flood's backlog lives here).
MAX_QUEUED_UPDATES = 4096


def sender_key(update: object) -> int | None:
    """Whose order an update belongs to: its sender, else its chat; None for neither."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across senders, strictly ordered per sender, at most `max_in_flight` at once."""

    def __init__(self, max_in_flight: int = 64) -> None:
        super().__init__(MAX_QUEUED_UPDATES)
        self._work = asyncio.BoundedSemaphore(max_in_flight)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}  # updates holding or awaiting each sender's lock

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = sender_key(update)
        if key is None:
            async with self._work:
                await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._work:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:  # no one else queued for this sender: forget the lock
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

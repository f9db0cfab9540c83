"""Updates from different people are handled at the same time; each person's stay in order.

A conversation needs one person's updates one after another (an answer must not overtake the
question before it), but nothing requires the whole bot to wait for one person: while one
reply waits on Telegram, another person's update can be handled. `PerUserUpdateProcessor`
keeps a lock per sender (per chat when there is no sender) and a bound on the work in flight.

The bound is taken only once an update holds its sender's lock, so a flood from one person
waits on that person's lock and occupies one slot at most - everybody else keeps theirs.
A flood is also cut short: once `max_backlog` of one sender's updates are waiting, the ones
after them are skipped, and the sender is told once (`slow_down`, from content) until the
backlog has drained. Counting the backlog rather than a rate needs no clock, and a person who
types at a human pace never meets it: their updates are done before the next arrives.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor

from bot import metrics

log = logging.getLogger(__name__)

# Updates queued or in flight before PTB's own fetcher waits (a flood's backlog lives here).
MAX_QUEUED_UPDATES = 4096
# One sender's updates waiting behind the one being handled before more are skipped.
MAX_BACKLOG_PER_SENDER = 8


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
    """Concurrent across senders, strictly ordered per sender, at most `max_in_flight` at once;
    a sender's updates beyond `max_backlog` waiting are skipped with one `slow_down` reply."""

    def __init__(
        self,
        max_in_flight: int = 64,
        *,
        max_backlog: int = MAX_BACKLOG_PER_SENDER,
        slow_down: str | None = None,
    ) -> None:
        super().__init__(MAX_QUEUED_UPDATES)
        self._work = asyncio.BoundedSemaphore(max_in_flight)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}  # updates holding or awaiting each sender's lock
        self._max_backlog = max_backlog
        self._slow_down = slow_down
        self._told: set[int] = set()  # senders told to slow down, until their backlog drains
        self.skipped = 0  # updates skipped as part of a flood (for tests and the benchmark)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = sender_key(update)
        if key is None:
            async with self._work:
                await coroutine
            return
        if self._waiting.get(key, 0) > self._max_backlog:  # one being handled + the backlog
            await self._skip(key, update, coroutine)
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
                self._told.discard(key)

    async def _skip(self, key: int, update: object, coroutine: Awaitable[Any]) -> None:
        """Drop one update of a flood; the first dropped one gets the `slow_down` reply."""
        if inspect.iscoroutine(coroutine):
            coroutine.close()  # never started: nothing of the handlers ran
        self.skipped += 1
        metrics.update_skipped()
        if key in self._told:
            return
        self._told.add(key)
        log.info("flood sender=%s: skipping updates until the backlog drains", key)
        if self._slow_down is None or not isinstance(update, Update):
            return
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return  # groups and channels get nothing from the bot anyway (the group guard)
        try:
            await update.get_bot().send_message(chat.id, self._slow_down)
        except TelegramError as exc:  # the reply is a courtesy; the flood is skipped all the same
            log.warning("slow-down reply to sender=%s failed: %s", key, type(exc).__name__)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

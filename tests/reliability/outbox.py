"""What the fake Bot API sends to each chat, as messages a test awaits (events, not sleeps), and
people whose updates go through the update queue, handled side by side as in production."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from telegram import Update

from bot.sandbox.fake_telegram.harness import BotHarness
from bot.sandbox.fake_telegram.server import FakeTelegram
from bot.sandbox.fake_telegram.users import FakeUser

# Only so a broken test fails instead of hanging; never a measured or asserted time.
GIVE_UP_AFTER = 120.0


class Outbox:
    """Every text the bot sends (sendMessage), queued per chat as the fake records it."""

    def __init__(self, telegram: FakeTelegram) -> None:
        self._queues: defaultdict[int, asyncio.Queue[str]] = defaultdict(asyncio.Queue)
        self.order: list[int] = []  # the chat of every text sent, in the order sent
        handle = telegram.handle

        def recording(method: str, params: Any, files: Any) -> tuple[int, Any]:
            status, body = handle(method, params, files)
            if method == "sendMessage" and status == 200:
                self.order.append(int(params["chat_id"]))
                self._queues[int(params["chat_id"])].put_nowait(str(params["text"]))
            return status, body

        telegram.handle = recording  # type: ignore[method-assign]

    async def next_to(self, chat_id: int) -> str:
        """The next text sent to `chat_id`, once it has been sent."""
        return await asyncio.wait_for(self._queues[chat_id].get(), GIVE_UP_AFTER)

    def pending(self, chat_id: int) -> int:
        """Texts sent to `chat_id` and not yet taken with `next_to`."""
        return self._queues[chat_id].qsize()


def queued_user(harness: BotHarness, user_id: int) -> FakeUser:
    """A person whose updates go through the Application's update queue (the path polling and
    webhooks use), so they are handled side by side with everyone else's."""
    app = harness.app

    async def enqueue(data: dict[str, Any]) -> None:
        await app.update_queue.put(Update.de_json(data, app.bot))

    return FakeUser(harness.telegram, enqueue, user_id, f"Runner{user_id}")

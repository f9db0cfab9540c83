"""What the fake Bot API sends to each chat, as messages a test awaits (events, not sleeps)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from bot.sandbox.fake_telegram.server import FakeTelegram

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

"""python-telegram-bot's HTTP transport, answered by the in-memory fake instead of Telegram."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from bot.sandbox.fake_telegram.server import FakeTelegram, FakeTelegramError, Upload


class FakeRequest(BaseRequest):
    """A `BaseRequest` whose every call is answered by a `FakeTelegram`."""

    def __init__(self, telegram: FakeTelegram) -> None:
        self.telegram = telegram

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rstrip("/").rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        files: dict[str, Upload] = {}
        if request_data is not None and request_data.contains_files:
            for part, field in request_data.multipart_data.items():
                filename, content = field[0], field[1]
                blob = content if isinstance(content, bytes) else content.read()
                files[part] = (filename, blob)
        if self.telegram.latency > 0:
            # Awaited, not slept: other updates keep running while this call is "on the wire".
            await asyncio.sleep(self.telegram.latency)
        try:
            status, body = self.telegram.handle(api_method, params, files)
        except FakeTelegramError as exc:
            raise TimedOut(str(exc)) from exc
        return status, json.dumps(body).encode()

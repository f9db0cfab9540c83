"""python-telegram-bot's HTTP transport, answered by the in-memory fake instead of Telegram."""

from __future__ import annotations

import asyncio
import json
from typing import Any, NoReturn

import httpx
from telegram.error import NetworkError, TimedOut
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
            self.telegram.statuses[status] += 1
        except FakeTelegramError as exc:
            _raise_transport_error(exc.kind)
        return status, json.dumps(body).encode()


def _raise_transport_error(kind: str) -> NoReturn:
    """Raise what python-telegram-bot's HTTPXRequest raises for that failure: the PTB error,
    from the httpx one (the sender tells "never left" from "may have arrived" by that cause)."""
    cause: httpx.HTTPError
    error: Exception
    if kind == "unreachable":
        cause = httpx.ConnectError("All connection attempts failed")
        error = NetworkError(f"httpx.ConnectError: {cause}")
    elif kind == "lost_response":
        cause = httpx.RemoteProtocolError("Server disconnected without sending a response.")
        error = NetworkError(f"httpx.RemoteProtocolError: {cause}")
    else:  # timeout, timeout_after_send
        cause = httpx.ReadTimeout("timed out")
        error = TimedOut()
    raise error from cause

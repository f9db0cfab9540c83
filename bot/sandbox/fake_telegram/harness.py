"""Runs the real Application against the fake Bot API: the engine of tests and the sandbox."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr
from telegram import Update
from telegram.ext import AIORateLimiter

from bot.app import BotApplication, build_application
from bot.clock import Clock, ManualClock
from bot.sandbox.fake_telegram.request import FakeRequest
from bot.sandbox.fake_telegram.server import JSON, FakeTelegram
from bot.sandbox.fake_telegram.users import FakeUser
from bot.settings import Settings
from bot.storage.db import Database

# A well-formed token for the fake transport, which never sends it anywhere.
SANDBOX_TOKEN = "123456789:SANDBOX-no-network-fake-token-0000000"


class BotHarness:
    """The bot, its database and a fake Telegram, started and restarted like the real thing."""

    def __init__(
        self,
        settings: Settings,
        *,
        db: Database | None = None,
        clock: Clock | None = None,
        telegram: FakeTelegram | None = None,
        rate_limiter: AIORateLimiter | None = None,
    ) -> None:
        if settings.telegram_bot_token is None:
            settings = settings.model_copy(update={"telegram_bot_token": SecretStr(SANDBOX_TOKEN)})
        self.settings = settings
        # The fake paces only when asked (`telegram.pacing`), so by default the same limiter
        # class runs with pacing off (0 = off); a benchmark passes the production limiter to
        # measure Telegram's pace.
        self._rate_limiter = rate_limiter
        self.db = db or Database.from_url(settings.database_url)
        self.clock = clock or ManualClock()
        self.telegram = telegram or FakeTelegram()
        self._app: BotApplication | None = None

    @property
    def app(self) -> BotApplication:
        if self._app is None:
            raise RuntimeError("the harness is not started")
        return self._app

    async def start(self) -> None:
        """Build a fresh Application (as a new process would) and start it."""
        self._app = build_application(
            self.settings,
            request=FakeRequest(self.telegram),
            clock=self.clock,
            db=self.db,
            rate_limiter=self._rate_limiter
            or AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=0),
        )
        await self._app.initialize()
        if self._app.post_init is not None:
            await self._app.post_init(self._app)
        await self._app.start()

    async def stop(self) -> None:
        """Stop as on SIGTERM: persistence is flushed, the database released."""
        if self._app is None:
            return
        await self._app.stop()
        await self._app.shutdown()
        if self._app.post_shutdown is not None:
            await self._app.post_shutdown(self._app)
        self._app = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def deliver(self, data: JSON) -> None:
        """Process one update to completion, then persist conversation state like the
        periodic flush would (tests never wait for the flush interval)."""
        app = self.app
        await app.process_update(Update.de_json(data, app.bot))
        await app.update_persistence()

    def user(self, user_id: int, first_name: str = "Alex", **kwargs: Any) -> FakeUser:
        """A person who talks to the bot through this harness."""
        return FakeUser(self.telegram, self.deliver, user_id, first_name, **kwargs)

    async def __aenter__(self) -> BotHarness:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

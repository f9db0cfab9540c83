"""The one sender of nudges: turns a Telegram answer into what the dispatcher should do next.

Telegram's caps (about 30 messages/s overall) are kept by the Application's AIORateLimiter,
which retries nothing: a `RetryAfter` comes back here, the sender remembers the instant before
which nothing may be sent, and the dispatcher stops its tick and releases the unsent rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import Forbidden, RetryAfter, TelegramError, TimedOut

log = logging.getLogger(__name__)


class SendStatus(StrEnum):
    SENT = "sent"
    RETRY_AFTER = "retry_after"  # flood control: nothing was sent, wait and resume
    FORBIDDEN = "forbidden"  # the user blocked the bot
    RETRY = "retry"  # Telegram refused; nothing was sent, try again on a later tick
    UNCERTAIN = "uncertain"  # timed out: it may have arrived, so it is never sent again


@dataclass(frozen=True)
class SendResult:
    status: SendStatus
    message_id: int | None = None


class Sender:
    """Sends one message at a time through the bot and classifies the outcome."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        self.not_before: datetime | None = None

    def may_send(self, now: datetime) -> bool:
        return self.not_before is None or now >= self.not_before

    async def send(
        self, now: datetime, chat_id: int, text: str, reply_markup: InlineKeyboardMarkup
    ) -> SendResult:
        try:
            message: Any = await self._bot.send_message(chat_id, text, reply_markup=reply_markup)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            until = now + timedelta(seconds=seconds)
            if self.not_before is None or until > self.not_before:
                self.not_before = until
            log.warning("flood control: no sends for %.0f s", seconds)
            return SendResult(SendStatus.RETRY_AFTER)
        except Forbidden:
            log.info("send user=%s forbidden (blocked the bot)", chat_id)
            return SendResult(SendStatus.FORBIDDEN)
        except TimedOut:
            log.warning("send user=%s timed out; not repeated", chat_id)
            return SendResult(SendStatus.UNCERTAIN)
        except TelegramError as exc:
            log.warning("send user=%s failed: %s; retried later", chat_id, type(exc).__name__)
            return SendResult(SendStatus.RETRY)
        return SendResult(SendStatus.SENT, int(message.message_id))

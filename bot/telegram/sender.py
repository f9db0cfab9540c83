"""The one sender of nudges: renders a `Nudge` as a Telegram message and turns Telegram's
answer into a plain `SendResult` for the dispatcher.

Implements bot/services/reminders/nudge.NudgeSender; bot/telegram/jobs.py hands it to the
dispatcher. Telegram's caps (about 30 messages/s overall) are kept by the Application's
AIORateLimiter, which retries nothing: a `RetryAfter` comes back as "wait n seconds", and the
dispatcher stops its tick and releases the unsent rows.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.error import Forbidden, RetryAfter, TelegramError, TimedOut

from bot.content.texts import NudgeCopy, get_texts
from bot.services.reminders.nudge import Nudge, SendOutcome, SendResult
from bot.telegram.nudges import nudge_keyboard

log = logging.getLogger(__name__)


class TelegramNudgeSender:
    """Sends one nudge at a time through the bot and classifies the outcome."""

    def __init__(self, bot: Bot, copy: NudgeCopy | None = None) -> None:
        self._bot = bot
        self._copy = copy or get_texts().nudges

    async def send(self, nudge: Nudge) -> SendResult:
        markup = nudge_keyboard(self._copy, nudge)
        try:
            message: Any = await self._bot.send_message(
                nudge.chat_id, nudge.text, reply_markup=markup
            )
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            log.warning("flood control: no sends for %.0f s", seconds)
            return SendResult.wait(seconds)
        except Forbidden:
            log.info("send user=%s forbidden (blocked the bot)", nudge.chat_id)
            return SendResult(SendOutcome.BLOCKED)
        except TimedOut:
            log.warning("send user=%s timed out; not repeated", nudge.chat_id)
            return SendResult(SendOutcome.UNCERTAIN)
        except TelegramError as exc:
            log.warning("send user=%s failed: %s; retried later", nudge.chat_id, type(exc).__name__)
            return SendResult(SendOutcome.FAILED)
        return SendResult.sent(int(message.message_id))

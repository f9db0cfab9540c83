"""The one sender of nudges: renders a `Nudge` as a Telegram message and turns Telegram's
answer into a plain `SendResult` for the dispatcher.

Implements bot/services/reminders/nudge.NudgeSender; bot/telegram/jobs.py hands it to the
dispatcher. Telegram's caps (about 30 messages/s overall) are kept by the Application's
AIORateLimiter, which retries nothing: a `RetryAfter` comes back as "wait n seconds", and the
dispatcher stops its tick and releases the unsent rows.

Errors are told apart by whether Telegram may have carried the send out (see `outcome_of`):
only a send that certainly never happened may be tried again; one whose answer was lost is
`uncertain` and never repeated.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import httpx
from telegram import Bot
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.content.texts import NudgeCopy, get_texts
from bot.services.reminders.nudge import Nudge, SendOutcome, SendResult
from bot.storage.models.reminders import ReminderKind
from bot.telegram.nudges import PhotoSource, nudge_keyboard

log = logging.getLogger(__name__)


class TelegramNudgeSender:
    """Sends one nudge at a time through the bot and classifies the outcome."""

    def __init__(
        self, bot: Bot, copy: NudgeCopy | None = None, photos: PhotoSource | None = None
    ) -> None:
        self._bot = bot
        self._copy = copy or get_texts().nudges
        self._photos = photos

    async def send(self, nudge: Nudge) -> SendResult:
        photo = None
        if self._photos is not None and nudge.kind == ReminderKind.WEEKLY_SUMMARY:
            photo = await self._photos(nudge)
        try:
            message: Any
            if photo is not None:
                # The chart is the summary: no "See my week" button to press for it.
                message = await self._bot.send_photo(
                    nudge.chat_id, photo.png, caption=photo.caption
                )
            else:
                message = await self._bot.send_message(
                    nudge.chat_id, nudge.text, reply_markup=nudge_keyboard(self._copy, nudge)
                )
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            log.warning("flood control: no sends for %.0f s", seconds)
            return SendResult.wait(seconds)
        except Forbidden:
            log.info("send user=%s forbidden (blocked the bot)", nudge.chat_id)
            return SendResult(SendOutcome.BLOCKED)
        except TelegramError as exc:
            outcome = outcome_of(exc)
            cause = type(exc.__cause__).__name__ if exc.__cause__ is not None else "-"
            if outcome == SendOutcome.UNCERTAIN:
                log.warning(
                    "send user=%s %s (%s): may have arrived; not repeated",
                    nudge.chat_id,
                    type(exc).__name__,
                    cause,
                )
            else:
                log.warning(
                    "send user=%s failed: %s (%s); retried later",
                    nudge.chat_id,
                    type(exc).__name__,
                    cause,
                )
            return SendResult(outcome)
        return SendResult.sent(int(message.message_id))


# httpx errors raised before the request left this machine: nothing reached Telegram.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def outcome_of(exc: TelegramError) -> SendOutcome:
    """FAILED if Telegram certainly did not send the message, else UNCERTAIN.

    python-telegram-bot raises `TimedOut`/`NetworkError` *from* the httpx error. A connection
    that was never made (refused, DNS, connect or pool timeout) sent nothing. A read timeout
    or a connection lost after the request was written (`ReadError`, `RemoteProtocolError`,
    `WriteError`, an unknown transport error) may have been carried out: uncertain. A
    `NetworkError` with no transport cause is Telegram's own answer with an error status (5xx),
    and Telegram answers an error only for a call it did not carry out; every other
    `TelegramError` (`BadRequest`, `ChatMigrated`, ...) is such an answer too.
    """
    if isinstance(exc, TimedOut | NetworkError):
        cause = exc.__cause__
        if isinstance(cause, _NEVER_SENT):
            return SendOutcome.FAILED
        if isinstance(exc, TimedOut) or (
            cause is not None and not isinstance(cause, TelegramError)
        ):
            return SendOutcome.UNCERTAIN
    return SendOutcome.FAILED

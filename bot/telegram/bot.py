"""The bot object the Application talks to Telegram through: python-telegram-bot's `ExtBot`,
except that a button press answered too late is not an error.

Telegram accepts `answerCallbackQuery` only for a short while after the press (and once); after
downtime, or for a second answer, it refuses with "query is too old ... or query ID is
invalid". The answer only stops the button's spinner, which Telegram has stopped by then, so
the refusal is logged and the press is carried out as if it had been answered. Built by
bot/app.py.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.error import BadRequest
from telegram.ext import ExtBot

log = logging.getLogger(__name__)


def is_expired_query(error: BadRequest) -> bool:
    """Telegram's refusal to answer a press that is too old or already answered."""
    return "query is too old" in error.message.lower()


class CoachBot(ExtBot[Any]):
    async def answer_callback_query(self, *args: Any, **kwargs: Any) -> bool:
        try:
            return await super().answer_callback_query(*args, **kwargs)
        except BadRequest as exc:
            if not is_expired_query(exc):
                raise
            log.info("a button press could not be answered any more (query too old); carried on")
            return False

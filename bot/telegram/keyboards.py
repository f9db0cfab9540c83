"""Small builders for the flows' keyboards and the filters they share.

Callback data is namespaced `<flow>:<what>:<value>` and matched with anchored patterns.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest
from telegram.ext import filters

# A new text message that is not a command (edits are answered separately).
NEW_TEXT = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
# Anything new that is neither text nor a command: stickers, photos, voice, locations...
NEW_NON_TEXT = filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.COMMAND
EDITED = filters.UpdateType.EDITED

log = logging.getLogger(__name__)

Button = tuple[str, str]  # (label, callback_data)


def inline(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback_data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def in_rows(buttons: Sequence[Button], per_row: int) -> list[list[Button]]:
    """Lay buttons out `per_row` to a row."""
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def column(buttons: Sequence[Button]) -> InlineKeyboardMarkup:
    """One button per row (long labels)."""
    return inline([[button] for button in buttons])


async def drop_buttons(message: object) -> None:
    """Remove a message's buttons, so an answered step cannot be answered twice."""
    if isinstance(message, Message) and message.reply_markup is not None:
        try:
            await message.edit_reply_markup(reply_markup=None)
        except BadRequest:  # cosmetic: an old or deleted message is fine
            log.debug("could not remove buttons of message %s", message.message_id)

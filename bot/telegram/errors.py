"""The one error handler: log what helps an operator, tell the user kindly, leak nothing.

Logs carry the update id, the user id and the exception's type and stack - never the
exception's message, which can quote what the user typed.
"""

from __future__ import annotations

import logging
import traceback

from telegram import Update
from telegram.constants import ChatType
from telegram.error import Forbidden, TelegramError

from bot.telegram.callback_data import StaleButtonError
from bot.telegram.context import Context, services

log = logging.getLogger(__name__)


def describe_without_text(error: BaseException) -> str:
    """The exception's type and stack frames, without its message."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    return f"{type(error).__module__}.{type(error).__qualname__}\n{frames}"


async def on_error(update: object, context: Context) -> None:
    """Log the failure first, then apologise to the user if we can reach them."""
    error = context.error
    if error is None:
        return
    if isinstance(error, StaleButtonError):
        await _answer_stale_button(update, context)
        return
    update_id = update.update_id if isinstance(update, Update) else None
    user = update.effective_user if isinstance(update, Update) else None
    log.error(
        "update=%s user=%s failed: %s",
        update_id,
        user.id if user else None,
        describe_without_text(error),
    )
    if not isinstance(update, Update) or isinstance(error, Forbidden):
        return
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    if update.callback_query is not None:
        # Stop the button's spinner if the handler had not; the press may have been answered
        # already (a press is answered once) or be too old: the apology goes out regardless.
        try:
            await update.callback_query.answer()
        except TelegramError as exc:
            log.info("update=%s press not answered: %s", update_id, type(exc).__name__)
    try:
        await context.bot.send_message(chat.id, services(context).texts.ui.error)
    except TelegramError as exc:
        log.warning("update=%s could not send the apology: %s", update_id, type(exc).__name__)


async def _answer_stale_button(update: object, context: Context) -> None:
    """A press whose data could not be read is an old or damaged button, not a failure."""
    query = update.callback_query if isinstance(update, Update) else None
    if query is None:
        return
    try:
        await query.answer(services(context).texts.ui.stale_button)
    except TelegramError as exc:
        log.warning("could not answer a stale button: %s", type(exc).__name__)

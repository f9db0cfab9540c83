"""Data the user controls: /privacy (what is kept, why, for how long, who sees it), /export
(everything as JSON, the check-ins as CSV) and /delete, whose confirmation is also how consent
is withdrawn.

These work at any step, even mid-flow (someone asked for consent may want /privacy first):
they run in a handler group before the conversations and stop the update there, so the flow
in progress neither answers nor moves. Callbacks translate only: update ->
bot/services/privacy.py in one unit of work -> reply. Nothing here logs what a user said or
holds; only ids and counts.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop, BaseHandler, CallbackQueryHandler, CommandHandler

from bot.content.texts import DeleteCopy
from bot.services import privacy
from bot.telegram.callback_data import StaleButtonError, callback, pattern, pressed
from bot.telegram.context import Context, services
from bot.telegram.keyboards import column
from bot.telegram.persistence import forget_in_memory, writes_held

log = logging.getLogger(__name__)

FLOW = "delete"
CONFIRM, KEEP = "confirm", "keep"
JSON_FILE = "knee-coach-data.json"
CSV_FILE = "knee-coach-checkins.csv"


async def privacy_command(update: Update, context: Context) -> None:
    """Say what is kept, why, for how long, who can see it, and how to export or delete it."""
    svc = services(context)
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        svc.texts.privacy.policy.format(retention_days=svc.settings.blocked_user_retention_days)
    )
    raise ApplicationHandlerStop  # answered: a flow in progress stays where it was


async def export_command(update: Update, context: Context) -> None:
    """Send everything kept about the user: JSON (every table) and their check-ins as CSV."""
    assert update.effective_user is not None
    assert update.effective_message is not None
    svc = services(context)
    copy = svc.texts.privacy.export
    user_id = update.effective_user.id
    now = svc.clock.now()
    export = await svc.db.run(lambda session: privacy.export_user(session, user_id, now))
    if export.is_empty:
        await update.effective_message.reply_text(copy.nothing)
        raise ApplicationHandlerStop
    message = update.effective_message
    await message.reply_document(
        export.as_json().encode(), filename=JSON_FILE, caption=copy.json_caption
    )
    await message.reply_document(
        export.checkins_csv().encode(), filename=CSV_FILE, caption=copy.csv_caption
    )
    rows = sum(len(rows) for rows in export.tables.values())
    log.info("export user=%s rows=%s", user_id, rows)
    raise ApplicationHandlerStop


async def delete_command(update: Update, context: Context) -> None:
    """Ask before deleting everything (and withdrawing consent)."""
    copy = services(context).texts.privacy.delete
    assert update.effective_message is not None
    await update.effective_message.reply_text(copy.confirm, reply_markup=delete_keyboard(copy))
    raise ApplicationHandlerStop


def delete_keyboard(copy: DeleteCopy) -> InlineKeyboardMarkup:
    """Delete everything, or keep it: one button a row, the irreversible one first."""
    return column(
        [(copy.delete_button, callback(FLOW, CONFIRM)), (copy.keep_button, callback(FLOW, KEEP))]
    )


async def delete_pressed(update: Update, context: Context) -> None:
    """Delete everything kept about the user, or keep it, and say which in place of the ask."""
    try:
        choice = pressed(update).action
    except StaleButtonError:
        return  # unreadable: left to the stale-button fallback, the one answer it gets
    query = update.callback_query
    assert query is not None
    svc = services(context)
    copy = svc.texts.privacy.delete
    await query.answer()
    if choice == KEEP:
        await _replace(update, copy.kept)
        raise ApplicationHandlerStop  # answered: the catch-all for stale buttons must not
    user_id = query.from_user.id
    async with writes_held(context.application):  # no write of theirs lands after the delete
        deleted = await svc.db.run(lambda session: privacy.forget_user(session, user_id))
        forget_in_memory(context.application, user_id)
    log.info("delete user=%s rows=%s", user_id, deleted)
    await _replace(update, copy.deleted if deleted else copy.nothing)
    raise ApplicationHandlerStop


async def _replace(update: Update, text: str) -> None:
    query = update.callback_query
    assert query is not None
    # A double tap finds the text already replaced; the first answer is enough.
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(text)


def handlers() -> list[BaseHandler[Update, Context, None]]:
    """The privacy handlers, for their own group before the conversations (`DATA_RIGHTS`)."""
    return [
        CommandHandler("privacy", privacy_command),
        CommandHandler("export", export_command),
        CommandHandler("delete", delete_command),
        CallbackQueryHandler(delete_pressed, pattern=pattern(FLOW, CONFIRM, KEEP)),
    ]

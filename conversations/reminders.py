"""Reminder controls in Telegram: the nudge buttons (Done, Snooze, Skip today), /pause,
/resume, and re-planning after an unblock.

Callbacks translate only: update -> bot/services/reminders/actions.py -> reply. Every button
press is answered, including presses on yesterday's nudges.
"""

from __future__ import annotations

import contextlib
import logging
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.content.texts import get_texts
from bot.services.reminders.actions import PressOutcome, pause, press_nudge, resume
from bot.storage.models import Profile, User
from bot.telegram.context import Context, services
from bot.telegram.nudges import NUDGE_PATTERN, parse_press

log = logging.getLogger(__name__)

PAUSE_PATTERN = r"^pause:(1|3|7|forever)$"
_PAUSE = re.compile(PAUSE_PATTERN)


def _local(instant: datetime, zone: str | None) -> str:
    return instant.astimezone(ZoneInfo(zone or "UTC")).strftime("%a %d %b, %H:%M")


async def nudge_pressed(update: Update, context: Context) -> None:
    """Apply Done / Snooze / Skip today and say so in place of the buttons."""
    query = update.callback_query
    assert query is not None
    press = parse_press(query.data or "")
    assert press is not None  # the handler's pattern guarantees it
    svc = services(context)
    copy = get_texts().nudges
    with svc.db.session() as session:
        result = press_nudge(session, query.from_user.id, press, svc.clock.now())
    log.info(
        "nudge press user=%s action=%s outcome=%s", query.from_user.id, press.action, result.outcome
    )
    replies = copy.replies
    if result.outcome in (PressOutcome.STALE, PressOutcome.GONE):
        text = replies.stale if result.outcome == PressOutcome.STALE else replies.gone
        await query.answer(text)
        await _drop_buttons(update)
        return
    if result.outcome == PressOutcome.SNOOZED:
        assert result.again_at is not None
        reply = replies.snoozed.format(time=result.again_at.strftime("%H:%M"))
    elif result.outcome == PressOutcome.DONE:
        reply = replies.done
    else:
        reply = replies.skipped
    await query.answer()
    message = query.message
    original = message.text if isinstance(message, Message) else None
    # A gone or unchanged message (a double tap) refuses the edit; the answer above is enough.
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(f"{original}\n\n{reply}" if original else reply)


async def _drop_buttons(update: Update) -> None:
    query = update.callback_query
    assert query is not None
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(None)


async def pause_command(update: Update, context: Context) -> None:
    """Offer how long to pause every reminder for."""
    texts = get_texts().nudges.pause
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts.one_day, callback_data="pause:1"),
                InlineKeyboardButton(texts.three_days, callback_data="pause:3"),
                InlineKeyboardButton(texts.seven_days, callback_data="pause:7"),
            ],
            [InlineKeyboardButton(texts.until_resume, callback_data="pause:forever")],
        ]
    )
    assert update.effective_message is not None
    await update.effective_message.reply_text(texts.choose, reply_markup=keyboard)


async def pause_chosen(update: Update, context: Context) -> None:
    """Pause for the chosen number of days, or until /resume."""
    query = update.callback_query
    assert query is not None
    match = _PAUSE.match(query.data or "")
    assert match is not None
    days = None if match.group(1) == "forever" else int(match.group(1))
    svc = services(context)
    texts = get_texts().nudges.pause
    with svc.db.session() as session:
        user = session.get(User, query.from_user.id)
        zone = user.time_zone if user is not None else None
        known = session.get(Profile, query.from_user.id) is not None
        until = pause(session, query.from_user.id, svc.clock.now(), days)
    await query.answer()
    if not known:
        text = texts.no_profile
    elif until is None:
        text = texts.paused_indefinitely
    else:
        text = texts.paused_until.format(until=_local(until, zone))
    log.info("pause user=%s days=%s", query.from_user.id, days)
    await query.edit_message_text(text)


async def resume_command(update: Update, context: Context) -> None:
    """End a pause; say when the next reminder comes."""
    assert update.effective_user is not None
    assert update.effective_message is not None
    svc = services(context)
    texts = get_texts().nudges.pause
    user_id = update.effective_user.id
    with svc.db.session() as session:
        user = session.get(User, user_id)
        zone = user.time_zone if user is not None else None
        was_paused, upcoming = resume(session, user_id, svc.clock.now())
    if not was_paused:
        await update.effective_message.reply_text(texts.not_paused)
    elif upcoming is None:
        await update.effective_message.reply_text(texts.resumed_nothing_planned)
    else:
        await update.effective_message.reply_text(texts.resumed.format(next=_local(upcoming, zone)))
    log.info("resume user=%s was_paused=%s", user_id, was_paused)


def handlers() -> list[BaseHandler[Update, Context, None]]:
    """The reminder handlers for group MAIN, before the fallbacks."""
    return [
        CallbackQueryHandler(nudge_pressed, pattern=NUDGE_PATTERN),
        CommandHandler("pause", pause_command),
        CallbackQueryHandler(pause_chosen, pattern=PAUSE_PATTERN),
        CommandHandler("resume", resume_command),
    ]

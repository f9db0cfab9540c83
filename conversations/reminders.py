"""Reminder controls in Telegram: the nudge buttons (Done, Snooze, Skip today), /pause and
/resume.

Callbacks translate only: read the press (bot/telegram/callback_data.py; unreadable data is
answered as a stale button by the error handler), call one use case of
bot/services/reminders/actions.py in one unit of work, and render the outcome it returns.
Every button press is answered, including presses on yesterday's nudges.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime

from sqlmodel import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.content.texts import get_texts
from bot.services.reminders.actions import PressOutcome, PressResult, pause, press_nudge, resume
from bot.services.today import plan_today
from bot.telegram.callback_data import StaleButtonError, callback, pattern, pressed
from bot.telegram.context import Context, services
from bot.telegram.nudges import NUDGE_PATTERN, read_press
from conversations.plan import render_today

log = logging.getLogger(__name__)

PAUSE = "pause"
PAUSE_DAYS = (1, 3, 7)
_FOREVER = "forever"


def _local(instant: datetime) -> str:
    """An instant already in the user's zone, as the replies show it."""
    return instant.strftime("%a %d %b, %H:%M")


async def nudge_pressed(update: Update, context: Context) -> None:
    """Apply Done / Snooze / Skip today and say so in place of the buttons."""
    press = read_press(pressed(update))
    query = update.callback_query
    assert query is not None
    svc = services(context)
    user_id, now = query.from_user.id, svc.clock.now()

    def work(session: Session) -> PressResult:
        return press_nudge(
            session,
            user_id,
            press.action,
            press.reminder_id,
            press.local_date,
            now,
            snooze_minutes=press.snooze_minutes,
        )

    result = await svc.db.run(work)
    log.info("nudge press user=%s action=%s outcome=%s", user_id, press.action, result.outcome)
    replies = get_texts().nudges.replies
    if result.outcome in (PressOutcome.STALE, PressOutcome.GONE):
        text = replies.stale if result.outcome == PressOutcome.STALE else replies.gone
        await query.answer(text)
        await _drop_buttons(update)
        return
    if result.outcome == PressOutcome.OPEN_PLAN:
        await query.answer(replies.open_plan)
        plan = await svc.db.run(lambda session: plan_today(session, user_id, now))
        text, markup = render_today(plan)
        if isinstance(query.message, Message):
            await query.message.reply_text(text, reply_markup=markup)
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


def pause_keyboard() -> InlineKeyboardMarkup:
    """1, 3 or 7 days, or until /resume."""
    texts = get_texts().nudges.pause
    labels = dict(zip(PAUSE_DAYS, (texts.one_day, texts.three_days, texts.seven_days), strict=True))
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, callback_data=callback(PAUSE, "days", days))
                for days, label in labels.items()
            ],
            [InlineKeyboardButton(texts.until_resume, callback_data=callback(PAUSE, _FOREVER))],
        ]
    )


async def pause_command(update: Update, context: Context) -> None:
    """Offer how long to pause every reminder for."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        get_texts().nudges.pause.choose, reply_markup=pause_keyboard()
    )


def _pause_days(update: Update) -> int | None:
    """The number of days pressed (None: until /resume); StaleButtonError if unreadable."""
    data = pressed(update)
    if data.action == _FOREVER and not data.args:
        return None
    if data.action != "days" or len(data.args) != 1:
        raise StaleButtonError
    days = data.number(0)
    if days not in PAUSE_DAYS:
        raise StaleButtonError
    return days


async def pause_chosen(update: Update, context: Context) -> None:
    """Pause for the chosen number of days, or until /resume."""
    days = _pause_days(update)
    query = update.callback_query
    assert query is not None
    svc = services(context)
    texts = get_texts().nudges.pause
    user_id, now = query.from_user.id, svc.clock.now()
    result = await svc.db.run(lambda session: pause(session, user_id, now, days))
    await query.answer()
    if not result.known:
        text = texts.no_profile
    elif result.until is None:
        text = texts.paused_indefinitely
    else:
        text = texts.paused_until.format(until=_local(result.until))
    log.info("pause user=%s days=%s", query.from_user.id, days)
    try:
        await query.edit_message_text(text)
    except BadRequest as exc:
        # A double tap: both presses left before the first edit removed the buttons, and the
        # second edit would change nothing. The pause is applied and shown; nothing to say.
        if "message is not modified" not in exc.message.lower():
            raise


async def resume_command(update: Update, context: Context) -> None:
    """End a pause; say when the next reminder comes."""
    assert update.effective_user is not None
    assert update.effective_message is not None
    svc = services(context)
    texts = get_texts().nudges.pause
    user_id = update.effective_user.id
    now = svc.clock.now()
    result = await svc.db.run(lambda session: resume(session, user_id, now))
    if result.referred:  # the same words as everywhere else after a referral
        await update.effective_message.reply_text(get_texts().flows.referral.no_plan)
    elif not result.was_paused:
        await update.effective_message.reply_text(texts.not_paused)
    elif result.next_at is None:
        await update.effective_message.reply_text(texts.resumed_nothing_planned)
    else:
        await update.effective_message.reply_text(texts.resumed.format(next=_local(result.next_at)))
    log.info("resume user=%s was_paused=%s", user_id, result.was_paused)


def handlers() -> list[BaseHandler[Update, Context, None]]:
    """The reminder handlers for group MAIN, before the fallbacks."""
    return [
        CallbackQueryHandler(nudge_pressed, pattern=NUDGE_PATTERN),
        CommandHandler("pause", pause_command),
        CallbackQueryHandler(pause_chosen, pattern=pattern(PAUSE)),
        CommandHandler("resume", resume_command),
    ]

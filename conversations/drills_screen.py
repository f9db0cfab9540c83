"""Barefoot strides and ladder drills are opt-in after a short screen (issue 9 item 9).

/drills, or the "Strides & drills?" button /plan shows once the drills are unlocked, asks one
question: does any of diabetes or reduced foot feeling, a past bone-stress injury, or Achilles
or calf trouble apply? "None" opts in (the drills then appear on run days); "One applies"
leaves them off for good unless asked again; "Not now" leaves them off. The answer is stored
on the profile (bot/services/drills.py); the plan reads it.
"""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.coaching.drills import DrillsChoice, drills_screen_copy
from bot.services.drills import record_drills_choice
from bot.telegram.callback_data import StaleButtonError, callback, pattern, pressed
from bot.telegram.context import Context, services
from bot.telegram.keyboards import Button, drop_buttons, inline

log = logging.getLogger(__name__)

FLOW = "drills"
_ANSWERS = {
    "none": DrillsChoice.OPTED_IN,
    "applies": DrillsChoice.NOT_SUITABLE,
    "later": DrillsChoice.DECLINED,
}


def offer_button() -> Button:
    """The button /plan shows while the drills are unlocked and the screen unanswered."""
    return (drills_screen_copy().offer_button, callback(FLOW, "ask"))


def _question() -> tuple[str, InlineKeyboardMarkup]:
    copy = drills_screen_copy()
    return copy.question, inline(
        [
            [(copy.none_apply, callback(FLOW, "none"))],
            [(copy.one_applies, callback(FLOW, "applies"))],
            [(copy.not_now, callback(FLOW, "later"))],
        ]
    )


async def ask(update: Update, context: Context) -> None:
    """/drills: the short screen."""
    message = update.effective_message
    assert message is not None
    text, markup = _question()
    await message.reply_text(text, reply_markup=markup)


async def answered(update: Update, context: Context) -> None:
    """A press on the screen (or on /plan's offer): record the answer, say what follows."""
    press = pressed(update)
    query = update.callback_query
    message = update.effective_message
    assert query is not None
    assert message is not None
    assert update.effective_user is not None
    if press.action == "ask":
        await query.answer()
        text, markup = _question()
        await message.reply_text(text, reply_markup=markup)
        return
    choice = _ANSWERS.get(press.action)
    if choice is None:
        raise StaleButtonError
    user_id = update.effective_user.id
    svc = services(context)
    now = svc.clock.now()

    def record(session: Session) -> bool:
        return record_drills_choice(session, user_id, choice, now)

    await svc.db.run(record)
    await query.answer()
    await drop_buttons(query.message)
    copy = drills_screen_copy()
    replies = {
        DrillsChoice.OPTED_IN: copy.opted_in,
        DrillsChoice.NOT_SUITABLE: copy.not_suitable,
        DrillsChoice.DECLINED: copy.declined,
    }
    await message.reply_text(replies[choice])
    log.info("drills screen answered user=%s", user_id)


def handlers() -> list[BaseHandler[Update, Context, None]]:
    """/drills and its buttons."""
    return [
        CommandHandler("drills", ask),
        CallbackQueryHandler(answered, pattern=pattern(FLOW)),
    ]

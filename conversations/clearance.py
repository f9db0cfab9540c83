"""A referral is not a dead end: "A clinician has checked it" (a button on /plan while the
programme is paused, and under a knee check that referred) asks - for an emergency or
same-day referral, first whether they were seen - then records the clearance with its date
and carries the programme on from where the referral paused it (bot/services/plans.py
`clear_referral`).
"""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.content import get_content
from bot.content.kinds import Tier
from bot.content.texts import get_texts
from bot.services.plans import Cleared, clear_referral, paused_by
from bot.telegram.callback_data import StaleButtonError, callback, pattern, pressed
from bot.telegram.context import Context, services
from bot.telegram.keyboards import drop_buttons, inline
from conversations.plan import CLEARANCE, clearance_keyboard, today_view

log = logging.getLogger(__name__)

FLOW = CLEARANCE
# Referrals that sent the user to be seen somewhere today: ask whether they went, first.
SEEN_FIRST = frozenset({Tier.EMERGENCY, Tier.SAME_DAY})


def _question(seen_first: bool) -> tuple[str, InlineKeyboardMarkup]:
    copy = get_texts().flows.referral
    yes = callback(FLOW, "seen" if seen_first else "yes")
    text = copy.clear_seen_question if seen_first else copy.clear_question
    buttons = [(copy.clear_yes, yes), (copy.clear_not_yet, callback(FLOW, "no"))]
    return text, inline([buttons])


async def clearance_pressed(update: Update, context: Context) -> None:
    """One step of saying a clinician has cleared the way."""
    action = pressed(update).action
    if action not in ("ask", "seen", "yes", "no"):
        raise StaleButtonError
    query = update.callback_query
    message = update.effective_message
    assert query is not None
    assert message is not None
    assert update.effective_user is not None
    user_id = update.effective_user.id
    copy = get_texts().flows.referral
    svc = services(context)
    now = svc.clock.now()

    def clear(session: Session) -> tuple[Tier | None, Cleared | None]:
        tier = paused_by(session, user_id)
        return tier, clear_referral(session, user_id, now) if action == "yes" else None

    tier, cleared = await svc.db.run(clear)
    await query.answer()
    await drop_buttons(query.message)
    if tier is None:
        await message.reply_text(copy.nothing_paused)
    elif action in ("ask", "seen"):
        text, markup = _question(seen_first=action == "ask" and tier in SEEN_FIRST)
        await message.reply_text(text, reply_markup=markup)
    elif action == "no":
        await message.reply_text(copy.not_yet, reply_markup=clearance_keyboard())
    elif cleared is not None and cleared.stage is not None:
        stage_name = get_content().messages.stage_names[cleared.stage]
        await message.reply_text(copy.cleared_resumed.format(stage_name=stage_name))
        plan_text, plan_markup = await today_view(svc, user_id)
        await message.reply_text(plan_text, reply_markup=plan_markup)
        log.info("referral cleared user=%s", user_id)
    else:
        await message.reply_text(copy.cleared_assess)


def handler() -> CallbackQueryHandler[Context, None]:
    return CallbackQueryHandler(clearance_pressed, pattern=pattern(FLOW))

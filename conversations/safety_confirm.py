"""The answer to the screen's confirming question when no flow is waiting for it (a warning
sign typed outside any flow, or a flow's state lost in a restart).

Inside a flow the flow answers it itself (`MidFlowReplies.warning_answered`). Here, Yes or Not
sure refer and close any knee check or check-in still stored as running; No carries on and
shows again the question the user was on, if any.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.telegram.callback_data import pattern
from bot.telegram.context import Context
from conversations import assessment, checkin
from conversations.safety import CONFIRM, Screened, answer_to_confirmation

_QUESTION_FLOWS = (assessment.FLOW, checkin.FLOW)


async def confirm_pressed(update: Update, context: Context) -> None:
    """Refer on Yes or Not sure; carry on where the user was on No."""
    if await answer_to_confirmation(update, context) is Screened.REFERRED:
        for flow in _QUESTION_FLOWS:
            await flow.replies.abandon(update, context)
        return
    for flow in _QUESTION_FLOWS:
        if await flow.ask_again(update, context):
            return


def handler() -> CallbackQueryHandler[Context, None]:
    return CallbackQueryHandler(confirm_pressed, pattern=pattern(CONFIRM))

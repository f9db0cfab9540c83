"""What a nudge looks like in Telegram: its buttons and their callback data, built and read
with bot/telegram/callback_data.py.

The sender (bot/telegram/sender.py) renders a `Nudge` with `nudge_keyboard`; the presses are
read with `read_press` in conversations/reminders.py. Callback data is
`nudge:<done|skip|snooze15|snooze30|snooze60>:<reminder id>:<YYYYMMDD>`: it names the reminder
and the local date it was for, so a press on yesterday's nudge can be told apart and answered
gracefully, and anything unreadable is a stale button.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.texts import NudgeCopy
from bot.services.reminders.nudge import SNOOZE_MINUTES, Nudge, NudgeAction
from bot.storage.models.reminders import ReminderKind
from bot.telegram.callback_data import CallbackData, StaleButtonError, callback, pattern

FLOW = "nudge"
_SNOOZE = "snooze"
# Every press on a nudge reaches its handler, which reads (or rejects) the action and arguments.
NUDGE_PATTERN = pattern(FLOW)
# The nudge's "Check in now" starts the check-in flow (conversations/checkin.py).
CHECKIN_START = callback("checkin", "start")
# The weekly summary's "See my week" sends the /progress chart (conversations/progress.py).
PROGRESS_SHOW = callback("progress", "show")
# "Today's plan" shows the plan (conversations/plan.py), where tasks are opened and ticked.
PLAN_SHOW = callback("plan", "today")
# The fortnightly knee-score nudge's "Score my knee" starts /kujala (conversations/kujala.py).
KUJALA_START = callback("kujala", "start")


@dataclass(frozen=True)
class NudgePhoto:
    """A nudge sent as a picture: the weekly summary's chart, its words as the caption."""

    png: bytes
    caption: str  # at most 1,024 characters (Telegram's caption limit)


# Draws the picture a nudge is sent as, or None to send it as words with buttons (the weekly
# summary before there are enough check-ins for a chart). conversations/progress.py provides
# it; bot/app.py hands it to the sender, since this layer cannot import conversations.
PhotoSource = Callable[[Nudge], Awaitable[NudgePhoto | None]]


@dataclass(frozen=True)
class NudgePress:
    """A press on a nudge's button, read."""

    action: NudgeAction
    reminder_id: int
    local_date: date
    snooze_minutes: int = 0


def _action_code(action: NudgeAction, snooze_minutes: int = 0) -> str:
    return f"{_SNOOZE}{snooze_minutes}" if action is NudgeAction.SNOOZE else action.value


def read_press(data: CallbackData) -> NudgePress:
    """Read a nudge press; StaleButtonError if any part of it makes no sense."""
    if data.flow != FLOW:
        raise StaleButtonError
    minutes = 0
    if data.action.startswith(_SNOOZE):
        choices = {_action_code(NudgeAction.SNOOZE, m): m for m in SNOOZE_MINUTES}
        if data.action not in choices:
            raise StaleButtonError
        action, minutes = NudgeAction.SNOOZE, choices[data.action]
    elif data.action in (NudgeAction.DONE, NudgeAction.SKIP):
        action = NudgeAction(data.action)
    else:
        raise StaleButtonError
    return NudgePress(action, data.number(0), data.day(1), minutes)


def nudge_keyboard(copy: NudgeCopy, nudge: Nudge) -> InlineKeyboardMarkup:
    """The nudge's own action (Done, Check in now, See my week) and Today's plan, three
    snoozes, Skip today.

    Done marks only what the nudge is about: one icing session. An exercise nudge covers
    several tasks, so it opens today's plan instead, where each is ticked on its own page.
    """
    buttons = copy.buttons

    def data(action: NudgeAction, minutes: int = 0) -> str:
        return callback(FLOW, _action_code(action, minutes), nudge.reminder_id, nudge.local_date)

    today = InlineKeyboardButton(buttons.today_plan, callback_data=PLAN_SHOW)
    if nudge.kind == ReminderKind.CHECKIN:
        first = [InlineKeyboardButton(buttons.checkin_now, callback_data=CHECKIN_START), today]
    elif nudge.kind == ReminderKind.WEEKLY_SUMMARY:
        first = [InlineKeyboardButton(buttons.see_week, callback_data=PROGRESS_SHOW)]
    elif nudge.kind == ReminderKind.KUJALA:
        first = [InlineKeyboardButton(buttons.score_knee, callback_data=KUJALA_START)]
    elif nudge.kind == ReminderKind.EXERCISE:
        first = [today]
    else:
        first = [InlineKeyboardButton(buttons.done, callback_data=data(NudgeAction.DONE)), today]
    snoozes = [
        InlineKeyboardButton(
            buttons.snooze.format(minutes=m), callback_data=data(NudgeAction.SNOOZE, m)
        )
        for m in SNOOZE_MINUTES
    ]
    skip = InlineKeyboardButton(buttons.skip, callback_data=data(NudgeAction.SKIP))
    return InlineKeyboardMarkup([first, snoozes, [skip]])

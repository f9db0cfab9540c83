"""What a nudge looks like in Telegram: its text, its buttons and their callback data.

Built by the dispatcher; the button presses are answered in conversations/reminders.py.
Callback data names the reminder and the local date it was for, so a press on yesterday's
nudge can be told apart and answered gracefully.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content import Content, get_content
from bot.content.texts import NudgeCopy
from bot.storage.models.reminders import ReminderKind

SNOOZE_MINUTES = (15, 30, 60)
CHECKIN_START = "checkin:start"

# nudge:done:<reminder id>:<YYYYMMDD>, nudge:skip:..., nudge:snooze15:...
NUDGE_PATTERN = r"^nudge:(done|skip|snooze15|snooze30|snooze60):\d{1,12}:\d{8}$"
_NUDGE = re.compile(NUDGE_PATTERN)


@dataclass(frozen=True)
class NudgePress:
    action: str  # "done", "skip" or "snooze"
    reminder_id: int
    local_date: date
    snooze_minutes: int = 0


def callback(action: str, reminder_id: int, day: date) -> str:
    return f"nudge:{action}:{reminder_id}:{day:%Y%m%d}"


def parse_press(data: str) -> NudgePress | None:
    """Read a nudge button's callback data; None if it is not one."""
    if not _NUDGE.match(data):
        return None
    _, action, reminder_id, day = data.split(":")
    minutes = 0
    if action.startswith("snooze"):
        minutes, action = int(action.removeprefix("snooze")), "snooze"
    parsed = date(int(day[:4]), int(day[4:6]), int(day[6:]))
    return NudgePress(action, int(reminder_id), parsed, minutes)


def nudge_text(kind: str, day: date, content: Content | None = None) -> str:
    """The nudge's words, from the clinical messages (dosages filled from thresholds).

    Each kind has a few wordings; they take turns by local date so a daily nudge does not
    read the same every morning.
    """
    variants: list[str] = getattr((content or get_content()).messages.nudges, kind)
    return variants[day.toordinal() % len(variants)]


def nudge_keyboard(copy: NudgeCopy, kind: str, reminder_id: int, day: date) -> InlineKeyboardMarkup:
    """Done (or Check in now), three snoozes, Skip today."""
    buttons = copy.buttons
    if kind == ReminderKind.CHECKIN:
        first = InlineKeyboardButton(buttons.checkin_now, callback_data=CHECKIN_START)
    else:
        first = InlineKeyboardButton(buttons.done, callback_data=callback("done", reminder_id, day))
    snoozes = [
        InlineKeyboardButton(
            buttons.snooze.format(minutes=m), callback_data=callback(f"snooze{m}", reminder_id, day)
        )
        for m in SNOOZE_MINUTES
    ]
    skip = InlineKeyboardButton(buttons.skip, callback_data=callback("skip", reminder_id, day))
    return InlineKeyboardMarkup([[first], snoozes, [skip]])

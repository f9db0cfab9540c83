"""Reading a typed time of day in a flow: the one place that turns `read_clock_time`'s answer
into a time, a re-ask, or a question between the two halves of the day ("5 -> 05:00 or 17:00?")
with a button for each. Onboarding and /settings both ask for times this way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import Protocol

from telegram import InlineKeyboardMarkup, Message

from conversations.input_checks import TimeRole, WhichTime, format_clock_time, read_clock_time


class TimeTexts(Protocol):
    @property
    def time_invalid(self) -> str: ...
    @property
    def time_which(self) -> str: ...


async def read_typed_time(
    message: Message,
    text: str,
    role: TimeRole,
    copy: TimeTexts,
    buttons: Callable[[list[str]], InlineKeyboardMarkup],
    *,
    wake: time | None = None,
    sleep: time | None = None,
) -> time | None:
    """The time `text` means for `role`, or None after a short re-ask (not a time) or a
    question with one button per reading (either half of the day)."""
    value = read_clock_time(text, role, wake=wake, sleep=sleep)
    if value is None:
        await message.reply_text(copy.time_invalid)
        return None
    if isinstance(value, WhichTime):
        first, second = (format_clock_time(t) for t in value.choices)
        await message.reply_text(
            copy.time_which.format(first=first, second=second),
            reply_markup=buttons([first, second]),
        )
        return None
    return value

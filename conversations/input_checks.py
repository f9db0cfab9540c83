"""Reading what people type: pain scores, clock times and over-long messages.

Pure functions, used by the flows before anything is stored; `None` means "ask again".
"""

from __future__ import annotations

import re
from datetime import time

from bot.services import answers

# Longer than any sensible answer; Telegram itself allows 4,096 characters.
MAX_ANSWER_CHARS = 300

_CLOCK = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$")


def too_long(text: str) -> bool:
    return len(text) > MAX_ANSWER_CHARS


def parse_pain(text: str, low: int = 0, high: int = 10) -> int | None:
    """A whole-number pain score in [low, high] from "7", "7/10", "seven" or "about 3 out of
    10"; else None. (Read by `bot.services.answers`, the one home for typed answers.)"""
    return answers.parse_pain(text, low, high)


def parse_clock_time(text: str) -> time | None:
    """A wall-clock time from "7:30", "07:30", "19.00", "7am" or "7"; else None."""
    match = _CLOCK.match(text.strip().lower())
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = match.group(3)
    if suffix is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix.startswith("p") else 0)
    if hour == 24 and minute == 0:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def format_clock_time(value: time) -> str:
    return value.strftime("%H:%M")

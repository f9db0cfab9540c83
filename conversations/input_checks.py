"""Reading what people type: pain scores, clock times, the runner's day and over-long
messages.

Pure functions, used by the flows before anything is stored; `None` means "ask again".
Typed answers to content questions (yes/no, ages, minutes) are read by
`bot.services.answers`; this module keeps what only the flows ask: times of day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from enum import StrEnum

from bot.services import answers
from bot.services.onboarding import within_day

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


# --- times with context ----------------------------------------------------------------------


class TimeRole(StrEnum):
    """Which time of the runner's day is being asked: it decides what a bare "11" means."""

    WAKE = "wake"
    SLEEP = "sleep"
    EXERCISE = "exercise"


@dataclass(frozen=True)
class WhichTime:
    """The text could mean either time ("5" at bedtime: 05:00 or 17:00); ask which."""

    choices: tuple[time, time]


# Words after a time that say which half of the day it is.
_MARKER = re.compile(
    r"^(?P<time>.*?)\s*(?P<marker>a\.?\s?m\.?|p\.?\s?m\.?|in the morning|in the evening|"
    r"in the afternoon|at night|tonight|morning|evening|afternoon|night)$"
)
_NAMED = {"noon": time(12), "midday": time(12), "midnight": time(0)}
_SPOKEN = re.compile(r"^(half|quarter)\s+(past|to)\s+(\d{1,2})$")
# "7", "7:30", "7.30", "7 30" (from "seven thirty"), "7h30", "19h", "0730".
_TYPED = re.compile(r"^(\d{1,2})(?:\s*([:.h ])\s*(\d{2})?)?$|^(\d{2})(\d{2})$")


def read_clock_time(
    text: str, role: TimeRole, *, wake: time | None = None, sleep: time | None = None
) -> time | WhichTime | None:
    """A time of day from what a person types, read the way they mean it for `role`.

    Clear as typed: a 24-hour time (hour 0 or 13-23, a leading zero as in "07:30", four digits
    as in "0730", or the "h" style "19h", "7h30"), "am"/"pm"/"in the morning"/"at night", and
    "noon"/"midnight". A bare hour 1-12 (with or without minutes; also "half past ten") is read
    by role:

    - wake: in the morning ("7" -> 07:00, "11" -> 11:00; "12" -> noon);
    - sleep: 6-11 in the evening ("11" -> 23:00), 12 is midnight, 1-4 just after midnight
      ("1:30" -> 01:30); 5 could be either, so it asks;
    - exercise: whichever of morning or afternoon lies inside the waking day when `wake` and
      `sleep` are given; if both or neither do, it asks. Without them, 12 is noon, 1-4 the
      afternoon, and 5-11 asks.

    None when the text is not a time.
    """
    cleaned = " ".join(text.strip().lower().replace("o'clock", "").replace("oclock", "").split())
    if not cleaned or len(cleaned) > 40:
        return None
    if cleaned in _NAMED:
        return _NAMED[cleaned]
    marker = None
    found = _MARKER.match(cleaned)
    if found is not None:
        cleaned, said = found["time"], found["marker"].replace(".", "").replace(" ", "")
        if said not in ("am", "pm"):
            said = "am" if "morning" in said else "night" if "night" in said else "pm"
        marker = said
    reading = _hour_minute(answers.words_to_digits(cleaned))
    if reading is None:
        return None
    hour, minute, as_typed = reading
    if not (0 <= hour <= 24 and 0 <= minute <= 59) or (hour == 24 and minute):
        return None
    if hour in (0, 24) or hour >= 13:
        return None if marker in ("am", "pm") and hour != 0 else time(hour % 24, minute)
    if marker is not None:
        return _with_marker(hour, minute, marker)
    if as_typed:
        return time(hour, minute)
    return _by_role(hour, minute, role, wake, sleep)


def _hour_minute(cleaned: str) -> tuple[int, int, bool] | None:
    """(hour, minute, clear as typed) from "7", "7:30", "19h", "0730", "half past 10"."""
    spoken = _SPOKEN.match(cleaned)
    if spoken is not None:
        hour = int(spoken.group(3))
        if not 1 <= hour <= 12:
            return None
        past = 30 if spoken.group(1) == "half" else 15
        if spoken.group(2) == "to":
            return (hour - 1 or 12), 60 - past, False
        return hour, past, False
    match = _TYPED.match(cleaned)
    if match is None:
        return None
    if match.group(4) is not None:
        return int(match.group(4)), int(match.group(5)), True
    digits, separator, minutes = match.group(1), match.group(2), match.group(3)
    if separator in (":", ".", " ") and minutes is None:
        return None
    leading_zero = len(digits) == 2 and digits.startswith("0")
    return int(digits), int(minutes or 0), leading_zero or separator == "h"


def _with_marker(hour: int, minute: int, marker: str) -> time:
    if marker == "am":
        return time(hour % 12, minute)
    if marker == "pm":
        return time(hour % 12 + 12, minute)
    # "at night": 12 is midnight, small hours are after it, the rest the evening.
    if hour == 12 or hour <= 4:
        return time(hour % 12, minute)
    return time(hour + 12, minute)


def _by_role(
    hour: int, minute: int, role: TimeRole, wake: time | None, sleep: time | None
) -> time | WhichTime:
    morning, afternoon = time(hour % 12, minute), time(hour % 12 + 12, minute)
    if hour == 12:
        morning, afternoon = time(0, minute), time(12, minute)
    if role is TimeRole.WAKE:
        return afternoon if hour == 12 else morning
    if role is TimeRole.SLEEP:
        if hour == 12 or hour <= 4:
            return morning  # midnight and the small hours
        return afternoon if hour >= 6 else WhichTime((morning, afternoon))
    if wake is not None and sleep is not None:
        inside = [t for t in (morning, afternoon) if within_day(t, wake, sleep)]
        return inside[0] if len(inside) == 1 else WhichTime((morning, afternoon))
    if hour == 12:
        return afternoon  # noon
    return afternoon if hour <= 4 else WhichTime((morning, afternoon))

"""Reading typed answers: pain scores, clock times, the runner's day and places."""

from __future__ import annotations

from datetime import time

import pytest

from bot.services.onboarding import DayProblem, validate_day, within_day
from bot.services.time_zones import ZoneFound, find_zone
from conversations.input_checks import (
    TimeRole,
    WhichTime,
    parse_clock_time,
    parse_pain,
    read_clock_time,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [("7", 7), ("7/10", 7), (" 7 / 10 ", 7), ("seven", 7), ("Ten", 10), ("0", 0),
     ("11", None), ("-1", None), ("7.5", None), ("😀", None), ("", None), ("7/5", None)],
)  # fmt: skip
def test_parse_pain(text, value):
    assert parse_pain(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("7:30", time(7, 30)), ("07:30", time(7, 30)), ("19.00", time(19)), ("7am", time(7)),
     ("7pm", time(19)), ("12am", time(0)), ("24:00", time(0)), ("25:00", None),
     ("7:60", None), ("13pm", None), ("soon", None)],
)  # fmt: skip
def test_parse_clock_time(text, value):
    assert parse_clock_time(text) == value


@pytest.mark.parametrize(
    ("text", "zone", "fixed"),
    [("london", "Europe/London", None), ("New York", "America/New_York", None),
     ("europe/paris", "Europe/Paris", None), ("UTC+2", "Etc/GMT-2", "UTC+2"),
     ("gmt-3", "Etc/GMT+3", "UTC-3"), ("+05:30", "Asia/Kolkata", None),
     ("utc", "UTC", None), ("UTC+15", None, None), ("Qwxyz", None, None)],
)  # fmt: skip
def test_zone_from_text(text, zone, fixed):
    found = find_zone(text)
    match = found.choice if isinstance(found, ZoneFound) else None
    assert (match.zone if match else None) == zone
    if match is not None:
        assert (match.name if match.fixed_offset else None) == fixed


def test_within_day_handles_sleep_after_midnight():
    assert within_day(time(23, 30), time(7), time(1))
    assert not within_day(time(3), time(7), time(1))
    assert within_day(time(12), time(7), time(23))


W, S, E = TimeRole.WAKE, TimeRole.SLEEP, TimeRole.EXERCISE


@pytest.mark.parametrize(
    ("text", "role", "value"),
    [
        # a bare hour at wake is the morning, at bedtime the evening
        ("7", W, time(7)), ("11", W, time(11)), ("12", W, time(12)), ("6:45", W, time(6, 45)),
        ("11", S, time(23)), ("10:30", S, time(22, 30)), ("9", S, time(21)), ("6", S, time(18)),
        ("12", S, time(0)), ("12:30", S, time(0, 30)), ("1", S, time(1)), ("1:30", S, time(1, 30)),
        ("4", S, time(4)),
        # clear as typed, whatever the role
        ("23:00", S, time(23)), ("07:30", W, time(7, 30)), ("07", S, time(7)),
        ("7.30", W, time(7, 30)), ("19h", E, time(19)), ("7h30", S, time(7, 30)),
        ("0730", S, time(7, 30)), ("2300", W, time(23)), ("0", S, time(0)),
        ("24:00", S, time(0)), ("13", W, time(13)),
        ("7 am", S, time(7)), ("7am", S, time(7)), ("7 a.m.", S, time(7)), ("7pm", W, time(19)),
        ("11 PM", W, time(23)), ("12am", W, time(0)), ("12pm", S, time(12)),
        ("7 in the morning", S, time(7)), ("7 in the evening", E, time(19)),
        ("11 at night", W, time(23)), ("12 at night", W, time(0)), ("1 at night", W, time(1)),
        ("11 tonight", W, time(23)), ("3 in the afternoon", E, time(15)),
        ("noon", E, time(12)), ("Midnight", S, time(0)), ("7 o'clock", W, time(7)),
        # spoken
        ("half past ten", S, time(22, 30)), ("half past 6", W, time(6, 30)),
        ("quarter to eleven", S, time(22, 45)), ("quarter past seven", W, time(7, 15)),
        ("seven thirty", W, time(7, 30)), ("eleven", S, time(23)),
        # exercise without the day: 12 noon, 1-4 afternoon, else ask
        ("12", E, time(12)), ("3", E, time(15)), ("4:30", E, time(16, 30)),
        # not times
        ("25:00", S, None), ("7:60", W, None), ("13pm", W, None), ("soon", S, None),
        ("7:", W, None), ("", S, None), ("seven-ish", W, None), ("😀", W, None),
        ("x" * 500, W, None), ("24:30", S, None),
    ],
)  # fmt: skip
def test_read_clock_time(text, role, value):
    assert read_clock_time(text, role) == value


@pytest.mark.parametrize(
    ("text", "role", "choices"),
    [("5", S, (time(5), time(17))), ("5:30", S, (time(5, 30), time(17, 30))),
     ("7", E, (time(7), time(19))), ("11", E, (time(11), time(23)))],
)  # fmt: skip
def test_truly_ambiguous_times_ask(text, role, choices):
    assert read_clock_time(text, role) == WhichTime(choices)


@pytest.mark.parametrize(
    ("text", "wake", "sleep", "value"),
    [("7", time(9), time(23), time(19)), ("10", time(6), time(21), time(10)),
     ("6", time(7), time(23), time(18)), ("9", time(6, 30), time(22, 30), None),
     ("8:30", time(10), time(2), time(20, 30))],
)  # fmt: skip
def test_exercise_time_is_read_against_the_waking_day(text, wake, sleep, value):
    result = read_clock_time(text, E, wake=wake, sleep=sleep)
    if value is None:
        assert isinstance(result, WhichTime)
    else:
        assert result == value


@pytest.mark.parametrize(
    ("wake", "sleep", "exercise", "problem"),
    [
        (time(7), time(23), time(18), None),
        (time(7), time(23), None, None),
        (time(7), time(15), None, None),  # exactly 8 hours
        (time(22), time(6), time(23), None),  # a night-shift day across midnight
        (time(10), time(2), time(1), None),
        (time(6, 45), time(6, 45), time(12), DayProblem.SAME_TIME),
        (time(7), time(14, 59), None, DayProblem.SHORT_DAY),
        (time(7), time(11), time(9), DayProblem.SHORT_DAY),  # "11" read as 11:00
        (time(23), time(2), None, DayProblem.SHORT_DAY),
        (time(7), time(23), time(23, 30), DayProblem.EXERCISE_WHILE_ASLEEP),
        (time(7), time(23), time(23), DayProblem.EXERCISE_WHILE_ASLEEP),  # sleep minute
        (time(7), time(23), time(6), DayProblem.EXERCISE_WHILE_ASLEEP),
        (time(7), time(1), time(0, 30), None),
    ],
)  # fmt: skip
def test_validate_day(wake, sleep, exercise, problem):
    assert validate_day(wake, sleep, exercise) == problem

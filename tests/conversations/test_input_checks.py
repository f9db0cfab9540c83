"""Reading typed answers: pain scores, clock times and places (pure functions)."""

from __future__ import annotations

from datetime import time

import pytest

from bot.services.onboarding import within_day, zone_from_text
from conversations.input_checks import parse_clock_time, parse_pain


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
    match = zone_from_text(text)
    assert (match.zone if match else None) == zone
    if match is not None:
        assert match.fixed_offset == fixed


def test_within_day_handles_sleep_after_midnight():
    assert within_day(time(23, 30), time(7), time(1))
    assert not within_day(time(3), time(7), time(1))
    assert within_day(time(12), time(7), time(23))

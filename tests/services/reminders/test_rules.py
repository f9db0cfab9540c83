"""Local-time arithmetic: DST in both hemispheres, gaps, folds, quiet hours (pure, no DB)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.reminders.rules import (
    QuietHours,
    RecurrenceRule,
    next_occurrence,
    resolve,
    spread,
)


def chain(rule: RecurrenceRule, after: datetime, count: int) -> list[datetime]:
    out = []
    for _ in range(count):
        nxt = next_occurrence(rule, after)
        assert nxt is not None
        out.append(nxt)
        after = nxt
    return out


def local(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone))


@pytest.mark.parametrize(
    ("zone", "start", "utc_before", "utc_after"),
    [
        # Northern hemisphere, spring forward (8 March 2026): 07:30 EST then 07:30 EDT.
        ("America/New_York", datetime(2026, 3, 6, tzinfo=UTC), (12, 30), (11, 30)),
        # Northern hemisphere, fall back (1 November 2026).
        ("America/New_York", datetime(2026, 10, 30, tzinfo=UTC), (11, 30), (12, 30)),
        # Southern hemisphere, DST ends (5 April 2026): AEDT +11 then AEST +10.
        ("Australia/Sydney", datetime(2026, 4, 2, tzinfo=UTC), (20, 30), (21, 30)),
        # Southern hemisphere, DST starts (4 October 2026).
        ("Australia/Sydney", datetime(2026, 10, 1, tzinfo=UTC), (21, 30), (20, 30)),
        ("Europe/London", datetime(2026, 3, 27, tzinfo=UTC), (7, 30), (6, 30)),
    ],
)
def test_a_0730_reminder_stays_at_0730_local_across_dst(zone, start, utc_before, utc_after):
    rule = RecurrenceRule(time(7, 30), zone)
    fired = chain(rule, start, 6)
    assert {local(f, zone).time() for f in fired} == {time(7, 30)}
    days = [local(f, zone).date() for f in fired]
    assert days == [days[0] + timedelta(days=i) for i in range(6)]  # one a day, none missed
    utc_times = {(f.hour, f.minute) for f in fired}
    assert utc_times == {utc_before, utc_after}  # the UTC instant moved, the wall time did not


@pytest.mark.parametrize(
    ("zone", "day", "expected_utc"),
    [
        # 02:30 does not exist on 8 March 2026 in New York: 03:00 EDT is the first valid minute.
        ("America/New_York", date(2026, 3, 8), datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
        # Nor on 4 October 2026 in Sydney: 03:00 AEDT.
        ("Australia/Sydney", date(2026, 10, 4), datetime(2026, 10, 3, 16, 0, tzinfo=UTC)),
        # London skips 01:00-02:00 on 29 March 2026; 01:30 -> 02:00 BST.
        ("Europe/London", date(2026, 3, 29), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
    ],
)
def test_a_time_in_the_spring_forward_gap_fires_at_the_first_valid_minute(zone, day, expected_utc):
    at = time(1, 30) if zone == "Europe/London" else time(2, 30)
    assert resolve(day, at, zone) == expected_utc
    rule = RecurrenceRule(at, zone)
    day_before = datetime.combine(day - timedelta(days=1), time(12), tzinfo=ZoneInfo(zone))
    fired = chain(rule, day_before.astimezone(UTC), 2)
    assert fired[0] == expected_utc
    assert local(fired[1], zone).time() == at  # the day after, back to the wall time


@pytest.mark.parametrize(
    ("zone", "day", "at", "first_utc"),
    [
        # 01:30 happens twice on 1 November 2026 in New York; the first is 05:30 UTC (EDT).
        (
            "America/New_York",
            date(2026, 11, 1),
            time(1, 30),
            datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        ),
        # 02:30 happens twice on 5 April 2026 in Sydney; the first is 15:30 UTC (AEDT).
        (
            "Australia/Sydney",
            date(2026, 4, 5),
            time(2, 30),
            datetime(2026, 4, 4, 15, 30, tzinfo=UTC),
        ),
    ],
)
def test_an_ambiguous_time_fires_once_at_its_first_occurrence(zone, day, at, first_utc):
    rule = RecurrenceRule(at, zone)
    start = datetime.combine(day - timedelta(days=1), time(12), tzinfo=ZoneInfo(zone))
    first, second = chain(rule, start.astimezone(UTC), 2)
    assert first == first_utc
    # Not an hour later on the same day (the repeat of the wall time), but the next day.
    assert local(second, zone).date() == day + timedelta(days=1)
    assert second - first > timedelta(hours=23)


def test_weekdays_are_honoured():
    monday_wednesday = 0b0000101
    rule = RecurrenceRule(time(18, 0), "Europe/Berlin", monday_wednesday)
    fired = chain(rule, datetime(2026, 11, 25, 18, 0, tzinfo=UTC), 4)  # a Wednesday evening
    assert [local(f, "Europe/Berlin").strftime("%a %d") for f in fired] == [
        "Mon 30",
        "Wed 02",
        "Mon 07",
        "Wed 09",
    ]
    assert (
        next_occurrence(RecurrenceRule(time(8), "UTC", 0), datetime(2026, 1, 1, tzinfo=UTC)) is None
    )


ZONES = [
    "America/New_York",
    "Australia/Sydney",
    "Europe/London",
    "America/Santiago",  # transitions at midnight
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Asia/Kolkata",
    "Pacific/Chatham",
]


@settings(max_examples=400, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    after=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)).map(
        lambda d: d.replace(tzinfo=UTC)
    ),
    minutes=st.integers(0, 24 * 60 - 1),
    weekdays=st.integers(1, 127),
)
def test_next_occurrence_is_the_first_valid_local_occurrence(zone, after, minutes, weekdays):
    at = time(minutes // 60, minutes % 60)
    rule = RecurrenceRule(at, zone, weekdays)
    fired = next_occurrence(rule, after)
    assert fired is not None
    assert fired > after
    assert fired.tzinfo is not None
    wall = local(fired, zone)
    assert rule.on(wall.date()) or wall.time() < time(3)  # a gap may push past midnight
    if wall.time() != at:
        # Only when the wall time does not exist that day, and then just after the gap.
        naive = datetime.combine(wall.date(), at)
        real = naive.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC).astimezone(ZoneInfo(zone))
        assert real.replace(tzinfo=None) != naive
        assert timedelta(0) < (wall.replace(tzinfo=None) - naive) <= timedelta(hours=1)
        assert wall.second == 0
    # Minimal: no allowed day between `after` and `fired` had an occurrence after `after`.
    day = local(after, zone).date() - timedelta(days=1)
    while day < wall.date():
        if rule.on(day):
            assert resolve(day, at, zone) <= after
        day += timedelta(days=1)
    # And it never repeats a local day (ambiguous times fire once).
    again = next_occurrence(rule, fired)
    assert again is not None
    assert local(again, zone).date() > wall.date()


def test_quiet_hours_may_cross_midnight():
    night = QuietHours(time(22, 30), time(7, 0))
    assert all(night.contains(t) for t in (time(22, 30), time(23, 59), time(0, 0), time(6, 59)))
    assert not any(night.contains(t) for t in (time(7, 0), time(12, 0), time(22, 29)))
    nap = QuietHours(time(13, 0), time(15, 0))
    assert nap.contains(time(14, 0))
    assert not nap.contains(time(15, 0))
    assert not QuietHours(time(8), time(8)).contains(time(8))
    late = datetime(2026, 7, 1, 21, 45, tzinfo=UTC)  # 22:45 in London (BST)
    assert night.contains_instant(late, "Europe/London")


def test_icing_times_spread_across_the_waking_day():
    assert spread(time(7, 0), time(23, 0), 3, 90) == [time(8, 30), time(15, 0), time(21, 30)]
    # A night-shift day that crosses midnight.
    assert spread(time(14, 0), time(6, 0), 2, 60) == [time(15, 0), time(5, 0)]

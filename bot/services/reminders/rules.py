"""Local-time arithmetic for reminders: pure functions, no database, no Telegram.

A reminder is a wall time on some weekdays in an IANA zone. Its next occurrence is found by
walking local calendar dates, never by adding 24 hours, so 07:30 stays 07:30 across daylight
saving changes. A wall time that does not exist (spring-forward gap) fires at the first valid
minute after the gap; one that exists twice (autumn fold) fires once, at its first occurrence.
Called by the planner and the dispatcher.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ALL_WEEKDAYS = 0b1111111  # bit 0 = Monday ... bit 6 = Sunday
_SEARCH_DAYS = 8  # a rule with at least one weekday recurs within a week


@dataclass(frozen=True)
class RecurrenceRule:
    """When a reminder fires: `at` local wall time on the `weekdays` bitmask in `time_zone`."""

    at: time
    time_zone: str
    weekdays: int = ALL_WEEKDAYS

    def on(self, day: date) -> bool:
        return bool(self.weekdays & (1 << day.weekday()))


def _is_real(local: datetime) -> bool:
    """Whether an aware local datetime names a wall time that exists in its zone."""
    round_trip = local.astimezone(UTC).astimezone(local.tzinfo)
    return round_trip.replace(tzinfo=None) == local.replace(tzinfo=None)


def resolve(day: date, at: time, time_zone: str) -> datetime:
    """The UTC instant of wall time `at` on local `day` in `time_zone`.

    Ambiguous (fold) -> the first occurrence; nonexistent (gap) -> the first whole minute at
    or after the end of the gap.
    """
    zone = ZoneInfo(time_zone)
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=zone)
    if _is_real(wall):
        return wall.astimezone(UTC)
    # In a gap, fold=1 maps with the later offset (an earlier instant) and fold=0 with the
    # earlier offset (a later instant); the transition lies between. Bisect to the second.
    low = wall.replace(fold=1).astimezone(UTC)
    high = wall.replace(fold=0).astimezone(UTC)
    if low > high:
        low, high = high, low
    before = low.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    transition = high.replace(microsecond=0)
    if transition.second:
        transition = transition.replace(second=0) + timedelta(minutes=1)
    return transition


def next_occurrence(rule: RecurrenceRule, after: datetime) -> datetime | None:
    """The first occurrence of `rule` strictly after the instant `after` (UTC), or None if
    the rule names no weekday."""
    if after.tzinfo is None:
        raise ValueError("next_occurrence needs a timezone-aware instant")
    if not rule.weekdays & ALL_WEEKDAYS:
        return None
    day = after.astimezone(ZoneInfo(rule.time_zone)).date() - timedelta(days=1)
    for offset in range(_SEARCH_DAYS + 1):
        candidate_day = day + timedelta(days=offset)
        if not rule.on(candidate_day):
            continue
        instant = resolve(candidate_day, rule.at, rule.time_zone)
        if instant > after:
            return instant
    return None  # unreachable with a non-empty weekday mask


def occurrence_date(rule: RecurrenceRule, instant: datetime) -> date:
    """The local date an occurrence belongs to (the date of its wall time)."""
    return instant.astimezone(ZoneInfo(rule.time_zone)).date()


@dataclass(frozen=True)
class QuietHours:
    """A daily local window with no nudges; it may cross midnight (22:30-07:00).

    Start == end means no quiet hours at all.
    """

    start: time
    end: time

    def contains(self, wall: time) -> bool:
        wall = wall.replace(tzinfo=None, fold=0, second=0, microsecond=0)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end

    def contains_instant(self, instant: datetime, time_zone: str) -> bool:
        return self.contains(instant.astimezone(ZoneInfo(time_zone)).time())


def minutes_of(wall: time) -> int:
    return wall.hour * 60 + wall.minute


def wall_from_minutes(minutes: int) -> time:
    minutes %= 24 * 60
    return time(minutes // 60, minutes % 60)


def waking_minutes(wake: time, sleep: time) -> int:
    """Length of the waking day from `wake` to `sleep` (crossing midnight if needed)."""
    length = (minutes_of(sleep) - minutes_of(wake)) % (24 * 60)
    return length or 24 * 60


def spread(wake: time, sleep: time, count: int, margin_minutes: int = 60) -> list[time]:
    """`count` wall times spread evenly over the waking day, `margin_minutes` in from each end."""
    length = waking_minutes(wake, sleep)
    usable = max(length - 2 * margin_minutes, 0)
    start = minutes_of(wake) + min(margin_minutes, length // 2)
    if count == 1:
        return [wall_from_minutes(start + usable // 2)]
    step = usable / (count - 1)
    return [wall_from_minutes(start + round(step * i)) for i in range(count)]

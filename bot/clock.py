"""The one clock: every "now" in the bot comes from here, so tests and the sandbox can move it.

Instants are always timezone-aware UTC. A user's local date is derived from an instant and
their IANA zone, never stored as "now" in another zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    """Something that tells the current instant in UTC."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to: tests and the sandbox's `/clock` command."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime.now(UTC)).astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward (or back) by `delta` and return the new instant."""
        self._now = self._now + delta
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to `instant` (must be timezone-aware)."""
        if instant.tzinfo is None:
            raise ValueError("ManualClock.set needs a timezone-aware instant")
        self._now = instant.astimezone(UTC)


def local_date(instant: datetime, time_zone: str) -> date:
    """Return the calendar date at `instant` in the IANA zone `time_zone`."""
    return instant.astimezone(ZoneInfo(time_zone)).date()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Build a UTC instant; a small convenience for tests and fixtures."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


class ShiftedClock:
    """The wall clock plus an offset the sandbox user can move (`/clock +8h`)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        self.offset += delta
        return self.now()

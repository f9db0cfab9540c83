"""Check-in tests start on Wednesday 2026-11-25, 08:00 UTC (08:00 in London: no summer time)."""

from __future__ import annotations

import pytest

from bot.clock import ManualClock, utc

START = utc(2026, 11, 25, 8, 0)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)

"""/metrics counts reminders by kind and outcome (no user ids or health data in labels)."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import utc
from bot.metrics import REGISTRY
from bot.telegram.jobs import replay
from tests.services.reminders.conftest import make_runner


def _sent(kind: str) -> float:
    value = REGISTRY.get_sample_value(
        "knee_coach_reminders_total", {"kind": kind, "outcome": "sent"}
    )
    return value or 0.0


async def test_each_sent_reminder_is_counted_by_its_kind(harness, db, clock):
    start = utc(2026, 3, 4, 0, 5)
    clock.set(start)
    make_runner(db, 131, start)  # PRICE: three icing nudges and a check-in nudge a day
    icing, checkin = _sent("icing"), _sent("checkin")
    await replay(harness.app, start, utc(2026, 3, 4, 23, 59), timedelta(minutes=1))
    assert _sent("icing") - icing == 3
    assert _sent("checkin") - checkin == 1

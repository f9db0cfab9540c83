"""A stalled course suggests a clinician in the check-in's result while the programme carries
on (issue 9 item 6), through the real Application: swelling on three check-ins in a row."""

from __future__ import annotations

from datetime import timedelta

from tests.conversations.checkin.journeys import (
    FLARED,
    GOOD_DAY,
    check_in,
    checkins,
    enabled_reminders,
    referrals,
    runner_with_plan,
)
from tests.conversations.journeys import plan_state

SUGGESTION = "You have reported swelling on 3 check-ins in a row."
SWOLLEN = {**GOOD_DAY, "swelling": "yes"}


async def test_swelling_three_days_running_suggests_a_clinician_and_price_goes_on(
    harness, db, clock
):
    user = harness.user(971)
    await runner_with_plan(user, FLARED)
    assert plan_state(db, 971).stage == "price"
    for day in range(3):
        if day:
            clock.advance(timedelta(days=1))
        sent = len(user.messages)
        await check_in(user, SWOLLEN)
        results = " ".join(user.texts_since(sent))
        assert (SUGGESTION in results) is (day == 2)
    assert "GP or physiotherapist" in results
    assert "PRICE" in results  # the day's decision still shown: PRICE carries on
    assert plan_state(db, 971).stage == "price"
    assert referrals(db, 971) == []
    assert "checkin" in enabled_reminders(db, 971)  # nothing paused by a suggestion
    assert [row.decision for row in checkins(db, 971)] == ["stay", "stay", "stay"]

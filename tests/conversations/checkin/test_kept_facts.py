"""What a check-in knew when it began (the last settled check-in, exercises logged, whether
they run) is kept with its draft: each later tap reads the row it answers, not the runner's
whole history, today's tasks and their knee checks again; the questions stay the ones the
first tap promised, across a restart too.

Before issue 14's follow-up: seven statements a tap, three of them re-reading that history."""

from __future__ import annotations

from datetime import timedelta

from tests.conversations.checkin.journeys import (
    GOOD_DAY,
    answer_all,
    check_in,
    checkins,
    on_screen,
    runner_with_plan,
    tap,
)
from tests.conversations.journeys import TYPICAL
from tests.support.statements import statements_on


async def test_a_tap_reads_the_check_in_it_answers_not_the_whole_history(harness, db, clock):
    user = harness.user(691)
    await runner_with_plan(user, TYPICAL)
    for _day in range(3):  # some history to (not) read
        await check_in(user, {**GOOD_DAY, "running_minutes": "20"})
        clock.advance(timedelta(days=1))
    await user.send("/checkin")
    await tap(user, "red_flags", "none")
    await tap(user, "steady", "no")
    with statements_on(db) as seen:
        await tap(user, "pain_now", "1")
    assert on_screen(user) == "worst_pain_24h"  # the tap was taken
    assert [s for s in seen if "FROM task_log" in s or "FROM assessments" in s] == []
    assert len([s for s in seen if s.startswith("SELECT") and "FROM checkins" in s]) == 1
    assert len(seen) <= 4  # the user, the check-in, the plan; the answer written


async def test_the_questions_promised_stay_across_a_restart(harness, db, clock):
    user = harness.user(692)
    await runner_with_plan(user, TYPICAL)
    await check_in(user, {**GOOD_DAY, "running_minutes": "20"})  # settled: next day is steady
    clock.advance(timedelta(days=1))
    await user.send("/checkin")
    await tap(user, "red_flags", "none")
    assert on_screen(user) == "steady"
    await harness.restart()
    await tap(user, "steady", "yes")  # "About the same": the last check-in's pain is kept
    await answer_all(user, {**GOOD_DAY, "running_minutes": "15"})
    days = checkins(db, 692)
    assert len(days) == 2
    assert (days[-1].pain_now, days[-1].worst_pain_24h) == (
        days[0].pain_now,
        days[0].worst_pain_24h,
    )
    assert days[-1].running_minutes == 15
    assert days[-1].known is None  # kept only while the check-in runs

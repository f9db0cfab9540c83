"""A check-in that respects the runner's time: on a stable day, at most four taps. What the bot
already knows is not asked - exercises logged today through /plan, a settled day confirmed in
one tap after a settled check-in, no run question for someone who does not run - and the
red-flag re-screen stays first.

Before issue 10: 8 taps on every day (9 once the running gate is due)."""

from __future__ import annotations

from datetime import timedelta

from bot.sandbox.fake_telegram.users import FakeUser
from tests.conversations.checkin.journeys import (
    GOOD_DAY,
    check_in,
    checkins,
    on_screen,
    runner_with_plan,
    tap,
)
from tests.conversations.journeys import TYPICAL, plan_shown

MAX_TAPS = 4


class Tapping(FakeUser):
    """A user who counts their presses."""

    taps = 0

    async def press_data(self, data: str, message=None) -> None:  # type: ignore[no-untyped-def]
        self.taps += 1
        await super().press_data(data, message)


async def _log_an_exercise_in_plan(user: FakeUser) -> None:
    await user.send("/plan")
    plan = plan_shown(user)
    await user.press(plan.button_labels[0], plan)  # the first task's page
    await user.press("Done ✓")


async def test_a_stable_day_is_four_taps_with_the_safety_question_first(harness, db, clock):
    plain = harness.user(680)
    user = Tapping(plain.telegram, plain._deliver, plain.user_id)
    await runner_with_plan(user, TYPICAL)  # a runner (their runs hurt 3/10), phase 2
    await check_in(user, {**GOOD_DAY, "running_minutes": "20"})  # the first day: every question
    clock.advance(timedelta(days=1))
    await _log_an_exercise_in_plan(user)

    await user.send("/checkin")
    user.taps = 0
    asked = []
    stable = {"red_flags": "none", "steady": "yes", "activity_pain": "2", "running_minutes": "20"}
    while (question := on_screen(user)) is not None:
        asked.append(question)
        await tap(user, question, stable[question])
    print(f"\nstable day: {user.taps} taps ({', '.join(asked)})")
    assert asked == ["red_flags", "steady", "activity_pain", "running_minutes"]
    assert user.taps <= MAX_TAPS
    assert "Check-in saved" in user.messages[-2].text or "Check-in saved" in user.last_text
    today = checkins(db, 680)[-1]
    # The day is stored whole: last check-in's pain, a usual morning, no swelling, the
    # exercises logged in /plan, and today's run.
    assert (today.pain_now, today.worst_pain_24h, today.morning_vs_usual) == (1, 2, "same")
    assert (today.swelling, today.exercises_done, today.running_minutes) == (False, True, 20)


async def test_something_changed_asks_each_question_again(harness, db, clock):
    user = harness.user(681)
    await runner_with_plan(user, TYPICAL)
    await check_in(user)
    clock.advance(timedelta(days=1))
    await user.send("/checkin")
    await tap(user, "red_flags", "none")
    assert "pain 1/10 at rest, worst 2/10" in user.last_text
    await tap(user, "steady", "no")
    assert on_screen(user) == "pain_now"
    await check_in(user, {**GOOD_DAY, "pain_now": "3"})
    assert checkins(db, 681)[-1].pain_now == 3


async def test_a_swollen_day_is_not_offered_as_the_same_again(harness, db, clock):
    user = harness.user(682)
    await runner_with_plan(user, TYPICAL)
    await check_in(user, {**GOOD_DAY, "swelling": "yes"})
    clock.advance(timedelta(days=1))
    await user.send("/checkin")
    await tap(user, "red_flags", "none")
    assert on_screen(user) == "pain_now"


async def test_someone_who_does_not_run_is_not_asked_about_running(harness, db):
    user = harness.user(683)
    await runner_with_plan(user, {**TYPICAL, "running_pain": "no_recent_run"})
    await user.send("/checkin")
    asked = []
    while (question := on_screen(user)) is not None:
        asked.append(question)
        await tap(user, question, GOOD_DAY[question])
    assert asked[0] == "red_flags"
    assert "running_minutes" not in asked
    assert checkins(db, 683)[-1].running_minutes == 0


async def test_exercises_said_done_in_the_check_in_are_ticked_on_the_plan(harness, db):
    user = harness.user(684)
    await runner_with_plan(user, TYPICAL)
    await user.send("/plan")
    before = plan_shown(user).button_labels
    assert before
    assert not [label for label in before if label.startswith("✅")]
    await check_in(user, GOOD_DAY)  # "Did you do today's exercises?" - "Yes"
    await user.send("/plan")
    assert plan_shown(user).button_labels == [f"✅ {label}" for label in before]


async def test_exercises_not_done_leave_the_plan_unticked(harness, db):
    user = harness.user(685)
    await runner_with_plan(user, TYPICAL)
    await check_in(user, {**GOOD_DAY, "exercises_done": "no"})
    await user.send("/plan")
    assert not [label for label in plan_shown(user).button_labels if label.startswith("✅")]

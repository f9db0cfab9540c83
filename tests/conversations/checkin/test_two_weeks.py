"""Two weeks of one runner, through the real bot: onboarding and the knee check end in PRICE,
then a check-in each local evening - by /checkin or by the nudge's "Check in now" - settles the
flare, moves them to phase 1 and, a clean week later, to phase 2. The clock is injected and the
reminder dispatcher ticked by hand: nothing sleeps."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bot.clock import ManualClock, utc
from bot.content import get_content
from bot.sandbox.fake_telegram.harness import BotHarness
from bot.sandbox.fake_telegram.users import FakeUser
from bot.services.education import FIRST_DAYS_CARDS_IN_PRICE, PAIN_RULES_CARD
from bot.services.plan_state import state_from_json
from bot.telegram.jobs import dispatcher_in
from tests.conversations.checkin.journeys import (
    GOOD_DAY,
    answer_all,
    card_message,
    cards_shown,
    check_in,
    checkin_nudge_outcomes,
    checkin_reminder,
    checkins,
    enabled_reminders,
    referrals,
    runner_with_plan,
    tasks_done,
)
from tests.conversations.journeys import plan_state

USER = 500
FIRST_DAY = date(2026, 11, 25)


def evening(day: int, hour: int = 19) -> datetime:
    """`hour`:00 local on simulated day `day` (London in winter is UTC)."""
    return utc(2026, 11, 25, hour, 0) + timedelta(days=day)


def flare_day(pain_now: int, worst: int) -> dict[str, str]:
    """A PRICE day: resting the leg, so no exercise or run."""
    return {
        **GOOD_DAY,
        "pain_now": str(pain_now),
        "worst_pain_24h": str(worst),
        "activity_pain": "none",
    }


def is_weekly_summary(text: str | None) -> bool:
    """The weekly summary's words (alone, or opening the chart's caption)."""
    weekly = get_content().messages.nudges.weekly_summary
    return any((text or "").startswith(line) for line in weekly)


class Runner:
    """The simulated runner: checks in by command or from the nudge, on a simulated day."""

    def __init__(self, harness: BotHarness, clock: ManualClock, user: FakeUser) -> None:
        self.harness, self.clock, self.user = harness, clock, user

    async def by_command(self, day: int, answers: dict[str, str]) -> None:
        """/checkin at 19:00; at the nudge's time the dispatcher finds it done and sends nothing."""
        self.clock.set(evening(day))
        await check_in(self.user, answers)
        seen = len(self.user.messages)
        await self.nudge(day)
        # No check-in nudge; Sunday's weekly summary (day 4) may come in the same tick, as
        # the chart with the summary's words as its caption.
        assert all(is_weekly_summary(text) for text in self.user.texts_since(seen))

    async def nudge(self, day: int) -> None:
        """Let the dispatcher run at the check-in reminder's time on `day`."""
        due = checkin_reminder(self.harness.db, USER).next_fire_at
        assert due is not None
        assert due.date() == FIRST_DAY + timedelta(days=day)
        self.clock.set(due)
        await dispatcher_in(self.harness.app.bot_data).tick(due)

    async def by_nudge(self, day: int, answers: dict[str, str]) -> None:
        await self.nudge(day)
        assert self.user.last.button_labels[0] == "Check in now"
        await self.user.press("Check in now")
        await answer_all(self.user, answers)


async def test_two_weeks_from_price_to_phase_1_and_on_to_phase_2(harness, db, clock):
    user = harness.user(USER)
    runner = Runner(harness, clock, user)
    await runner_with_plan(user)  # a swollen knee: PRICE
    assert plan_state(db, USER).stage == "price"
    assert "icing" in enabled_reminders(db, USER)

    # Day 0, by command: settled (rest pain 3, no swelling, worst pain below the flare level
    # of 6 - issue 9 item 6), one of three.
    await runner.by_command(0, flare_day(3, 5))
    assert "Question 6 of 6" in user.messages[-2].text  # no exercise or run: two fewer
    text = user.last_text
    assert text.startswith("Check-in saved for Wed 25 Nov.")
    assert "Your plan stays as it is: PRICE (settling a flare)." in text
    assert "Why: Keep going with PRICE: 1 of 3 settled check-ins so far" in text
    assert "Not enough check-ins to compare weeks yet" in text
    assert "Send /plan any time" in text
    # Checked in before the nudge's time: the nudge was not sent.
    assert checkin_nudge_outcomes(db, USER) == ["done"]

    # Day 1, from the nudge.
    await runner.by_nudge(1, flare_day(2, 5))
    # PRICE's second day: "ice is comfort" follows the result.
    assert "2 of 3 settled check-ins" in user.messages[-2].text
    assert user.last_text == card_message(FIRST_DAYS_CARDS_IN_PRICE[1])
    assert plan_state(db, USER).stage == "price"

    # Day 2: the third settled day ends PRICE; phase 1's plan follows.
    await runner.by_command(2, flare_day(1, 4))
    # The result, the new plan, and the last of the first days' cards.
    result, plan, card = (m.text or "" for m in user.messages[-3:])
    assert card == card_message(FIRST_DAYS_CARDS_IN_PRICE[2])
    assert "The flare has settled. Your plan now: Phase 1 - settle and mobilise." in result
    assert "the flare has settled. On to phase 1." in result
    assert plan.startswith("Today, Fri 27 Nov - Phase 1 - settle and mobilise")
    assert plan_state(db, USER).stage == "phase1"
    # No icing; the fortnightly knee-score nudge is on by default.
    assert enabled_reminders(db, USER) == ["checkin", "exercise", "kujala", "weekly_summary"]

    await runner.by_nudge(3, GOOD_DAY)
    await runner.by_command(4, GOOD_DAY)
    # Day 5: exercise pain 4/10 is acceptable but means hold.
    await runner.by_nudge(5, {**GOOD_DAY, "activity_pain": "4"})
    assert "Your plan stays as it is: Phase 1" in user.messages[-2].text
    assert "4/10" in user.messages[-2].text
    # The first time the pain rules hold the plan, their card follows (once: not on day 7).
    assert user.last_text == card_message(PAIN_RULES_CARD)
    # Day 6: the nudge comes, and the runner lets the day go by.
    await runner.nudge(6)
    assert user.last.button_labels[0] == "Check in now"

    # Day 7: a worse morning drops a level ...
    await runner.by_command(7, {**GOOD_DAY, "morning": "worse"})
    assert "A step back" in user.last_text
    assert state_from_json(plan_state(db, USER).state).stage_since == date(2026, 12, 2)
    # ... then the runner corrects it: the second check-in that day updates the first and
    # decides again from where the day started.
    await user.send("/checkin")
    assert "You've already checked in today (Wed 02 Dec)" in user.messages[-2].text
    await answer_all(user, GOOD_DAY)
    assert user.last_text.startswith("Today's check-in is updated (Wed 02 Dec).")
    assert "Your plan stays as it is: Phase 1" in user.last_text
    state = state_from_json(plan_state(db, USER).state)
    assert state.stage_since == date(2026, 11, 27)  # the regression is undone
    day7 = [c for c in checkins(db, USER) if c.local_date == date(2026, 12, 2)]
    assert len(day7) == 1
    assert (day7[0].morning_vs_usual, day7[0].decision) == ("same", "stay")

    await runner.by_nudge(8, GOOD_DAY)
    # Day 9: a week in phase 1 inside the pain rules: on to phase 2.
    await runner.by_command(9, GOOD_DAY)
    result, plan = user.messages[-2].text, user.last_text
    assert "A step up. Your plan now: Phase 2 - build strength." in result
    assert "Time to step up to phase 2: Build strength." in result
    assert "down 1.3 points since you started" in result  # the engine's improvement wording
    assert "4.7 last week, 2.0 this week - down 2.7 points" in result  # describe_progress
    assert plan.startswith("Today, Fri 04 Dec - Phase 2 - build strength")
    assert plan_state(db, USER).stage == "phase2"

    for day in range(10, 14):
        if day % 2:
            await runner.by_command(day, GOOD_DAY)
        else:
            await runner.by_nudge(day, GOOD_DAY)
        # Sunday's weekly summary (day 11) can follow the check-in: read past it.
        texts = [m.text or "" for m in user.messages if not is_weekly_summary(m.text)]
        assert re.match(r"Question (\d+) of \1\b", texts[-2])  # the running gate is not due
        assert "How long did you run" in texts[-2]
        assert "Your plan stays as it is: Phase 2" in texts[-1]

    rows = checkins(db, USER)
    days = [(row.local_date - FIRST_DAY).days for row in rows]
    assert days == [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13]
    assert [r.decision for r in rows][:3] == ["stay", "stay", "leave_price"]
    assert rows[8].decision == "progress"
    assert all(r.draft is None and r.current_question is None for r in rows)
    logged = [d for d, task in tasks_done(db, USER) if task == "checkin"]
    assert logged == [r.local_date.isoformat() for r in rows]
    assert cards_shown(db, USER) == [
        ("2026-11-25", "what_is_runners_knee"),
        ("2026-11-26", "ice_is_comfort"),
        ("2026-11-27", "meaningful_change"),
        ("2026-11-30", "pain_rules"),
    ]
    assert referrals(db, USER) == []
    assert plan_state(db, USER).stage == "phase2"
    # Nudges were sent on the nudge days (and the skipped day 6), skipped as done otherwise.
    outcomes = checkin_nudge_outcomes(db, USER)
    assert outcomes == ["sent" if day in (1, 3, 5, 6, 8, 10, 12) else "done" for day in range(14)]

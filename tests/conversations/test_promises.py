"""`/cancel` and `/start` keep their promises, and a referral is not undone by old buttons:
onboarding resumes at the first unanswered step, and after a referral no toast on an old
button - a plan's Done, a check-in's answer, a nudge's Done - invites a check-in or exercise."""

from __future__ import annotations

import copy

import pytest

from bot.telegram.jobs import dispatcher_in
from tests.conversations.checkin.journeys import checkin_reminder
from tests.conversations.journeys import TYPICAL, assess, onboard, plan_state

STEPS = [
    ("/start", "I agree"),
    ("press", "18-39"),
    ("send", "London"),
    ("press", "Yes, that's right"),
    ("send", "7:00"),
]


@pytest.mark.parametrize(
    ("done", "next_buttons"),
    [
        (0, ["I agree", "Not now"]),
        (1, ["Under 18", "18-39", "40-59", "60 or over"]),
        (2, ["London"]),  # the common zones (the location keyboard is on the message before)
        (3, ["Yes, that's right"]),  # the zone on screen is not confirmed: asked again
        (4, ["06:00-22:00", "07:00-23:00"]),
        (5, ["22:00", "23:00"]),
    ],
)
async def test_cancel_then_start_resumes_at_the_first_unanswered_step(
    harness, db, done, next_buttons
):
    user = harness.user(950)
    await user.send("/start")
    for kind, value in STEPS[:done]:
        if kind == "send":
            await user.send(value)
        else:
            await user.press(value)
    await user.send("/cancel")
    assert "kept" in user.last_text
    await user.send("/start")
    shown = user.last.button_labels
    if done == 3:  # a zone was found but not confirmed: the question comes again
        assert "London" in shown
    else:
        assert all(label in shown for label in next_buttons), shown
    if done:
        assert "I agree" not in shown  # nothing answered is asked again


async def test_after_a_referral_old_buttons_never_invite_exercise(harness, db, clock):
    user = harness.user(951)
    await onboard(user)
    await assess(user, TYPICAL)
    plan = copy.deepcopy(user.last)
    due = checkin_reminder(db, 951).next_fire_at  # the evening's check-in nudge
    clock.set(due)
    await dispatcher_in(harness.app.bot_data).tick(due)
    (nudge,) = [copy.deepcopy(m) for m in user.messages if "Check in now" in m.button_labels]
    await user.send("/checkin")
    question = copy.deepcopy(user.last)
    await user.send("/cancel")
    await user.send("my knee locked")  # a red flag: referred, the programme paused
    assert plan_state(db, 951).stage == "referred"

    toasts = []
    for label in [b for b in plan.button_labels if b.startswith("Done:")][:2]:
        await user.press(label, plan)
        toasts.append(harness.telegram.callback_answers[-1].text or "")
        assert "paused" in user.last_text  # what is shown is the pause, not a plan
    await user.press(question.button_labels[0], question)
    toasts.append(harness.telegram.callback_answers[-1].text or "")
    assert "paused" in toasts[-1]
    for label in ["15 min later", "Check in now"]:
        await user.press(label, nudge)
        toasts.append(harness.telegram.callback_answers[-1].text or "")
    assert "paused" in user.last_text  # "Check in now": the pause, not a check-in
    for toast in toasts:
        assert "exercise" not in toast.lower()
        assert "/checkin" not in toast
        assert "nice work" not in toast.lower()

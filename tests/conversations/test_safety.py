"""Typed warning signs through the real Application: explicit ones refer at once with the
urgency and the place that fit the sign and the user's country; unclear ones get one
confirming question, where No returns the user to exactly where they were."""

from __future__ import annotations

import pytest

from tests.conversations.journeys import (
    TYPICAL,
    answer,
    assess,
    conversation_state,
    current,
    onboard,
    plan_state,
    referrals,
)


async def test_an_unclear_sign_mid_check_asks_and_no_carries_on_with_nothing_lost(harness, db):
    user = harness.user(301)
    await onboard(user)
    await assess(user, {"urgent_signs": "yes", "emergency_knee": "none"})
    before = current(db, 301)
    await user.send("I'm not sure it locked, it just felt stuck")
    assert user.last.button_labels == ["Yes", "No", "Not sure"]
    assert referrals(db, 301) == []
    await user.press("No")
    assert "carry on" in user.messages[-2].text
    assert user.last_text.startswith("Question")  # the same question, shown again
    assert current(db, 301) == before
    assert conversation_state(db, "assessment", 301) == "assessment.question"
    await answer(user, "emergency_body", "none")  # and the check goes on
    assert current(db, 301) != before


@pytest.mark.parametrize("reply", ["Yes", "Not sure"])
async def test_yes_or_not_sure_to_the_question_refers(harness, db, reply):
    user = harness.user(302)
    await onboard(user)
    await assess(user, TYPICAL)
    await user.send("my knee keeps giving way")
    await user.press(reply)
    assert "Please get your knee seen today" in user.last_text
    assert plan_state(db, 302).stage == "referred"
    assert [r.source for r in referrals(db, 302)] == ["free_text"]


@pytest.mark.parametrize(
    "text",
    [
        "I can't walk down stairs without pain",
        "the ice made my knee numb",
        "the bandage made my toes tingle",
        "short of breath after the intervals",
        "got stuck in traffic",
        "I locked the door",
        "No locking, giving way or numbness",
    ],
)
async def test_everyday_runner_talk_is_not_a_warning(harness, db, text):
    user = harness.user(303)
    await onboard(user)
    await assess(user, TYPICAL)
    await user.send(text)
    assert user.last.button_labels != ["Yes", "No", "Not sure"]
    assert "emergency" not in user.last_text.lower()
    assert referrals(db, 303) == []
    assert plan_state(db, 303).stage != "referred"


@pytest.mark.parametrize(
    ("zone", "text", "heading", "route", "not_there"),
    [
        ("London", "my knee locked", "seen today", "NHS 111", "911"),
        ("New York", "my knee locked", "seen today", "urgent care", "NHS 111"),
        ("London", "hot swollen knee, temp of 39", "emergency care now", "999", "911"),
        ("New York", "hot swollen knee, temp of 39", "emergency care now", "911", "999"),
        ("Berlin", "hot swollen knee, temp of 39", "emergency care now", "112", "999"),
    ],
)
async def test_the_referral_fits_the_urgency_and_the_country(
    harness, db, zone, text, heading, route, not_there
):
    user = harness.user(304)
    await onboard(user, zone=zone)
    await assess(user, TYPICAL)
    await user.send(text)
    assert heading in user.last_text
    assert route in user.last_text
    assert not_there not in user.last_text


async def test_resume_after_a_referral_says_the_programme_is_paused(harness, db):
    user = harness.user(305)
    await onboard(user)
    await assess(user, TYPICAL)
    await user.send("my knee locked")
    await user.send("/resume")
    assert "Reminders are already on" not in user.last_text
    assert "paused" in user.last_text
    assert "/assess" in user.last_text


async def test_after_a_referral_a_clinicians_clearance_resumes_the_programme(harness, db):
    user = harness.user(306)
    await onboard(user)
    await assess(user, TYPICAL)
    stage = plan_state(db, 306).stage
    await user.send("my knee locked")  # same day
    await user.send("/plan")
    assert user.last.button_labels == ["A clinician has checked it"]
    await user.press("A clinician has checked it")
    assert "were you seen" in user.last_text  # a same-day referral asks that first
    await user.press("Yes")
    assert "exercise is right for you" in user.last_text
    await user.press("Yes")
    assert "carries on" in user.messages[-2].text
    assert plan_state(db, 306).stage == stage  # back where the referral paused it
    (referral,) = referrals(db, 306)
    assert referral.cleared_at == harness.clock.now()
    assert referral.stage_before == stage


async def test_not_yet_keeps_the_programme_paused(harness, db):
    user = harness.user(307)
    await onboard(user)
    await assess(user, TYPICAL)
    await user.send("my knee locked")
    await user.send("/plan")
    await user.press("A clinician has checked it")
    await user.press("Not yet")
    assert "stays paused" in user.last_text
    assert plan_state(db, 307).stage == "referred"
    (referral,) = referrals(db, 307)
    assert referral.cleared_at is None


async def test_a_clearance_press_when_nothing_is_paused_changes_nothing(harness, db):
    user = harness.user(308)
    await onboard(user)
    await assess(user, TYPICAL)
    await user.press_data("clear:yes")
    assert "isn't paused" in user.last_text
    assert plan_state(db, 308).stage != "referred"


SPANISH = "Me duele mucho la rodilla y no puedo doblarla desde ayer por la tarde"


async def test_another_language_gets_the_urgent_signs_as_buttons(harness, db):
    user = harness.user(309)
    await onboard(user)
    await assess(user, TYPICAL)
    await user.send(SPANISH)
    assert "only read English" in user.last_text
    assert "Knee locked, stuck" in user.last.button_labels
    assert all(len(label) <= 30 for label in user.last.button_labels)
    assert plan_state(db, 309).stage != "referred"
    await user.press("Knee locked, stuck")
    assert "Please get your knee seen today" in user.last_text
    assert plan_state(db, 309).stage == "referred"


async def test_another_language_mid_check_changes_nothing(harness, db):
    user = harness.user(310)
    await onboard(user)
    await assess(user, {"urgent_signs": "no"})
    before = current(db, 310)
    await user.send(SPANISH)
    assert "only read English" in user.last_text
    assert current(db, 310) == before
    assert conversation_state(db, "assessment", 310) == "assessment.question"


@pytest.mark.parametrize("text", ["ok", "knee gve way", "7", "yes", "cant bare weight on it"])
async def test_short_or_misspelled_english_is_still_english(harness, db, text):
    user = harness.user(311)
    await onboard(user)
    await assess(user, TYPICAL)
    await user.send(text)
    assert "only read English" not in user.last_text


def test_every_sign_button_names_a_sign_of_the_screen() -> None:
    from bot.coaching.screening import finding_for
    from bot.content.texts import get_texts

    for sign in get_texts().flows.referral.sign_buttons:
        assert finding_for(sign) is not None, sign

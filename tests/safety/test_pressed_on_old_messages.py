"""A warning sign counts wherever it is given: pressed on an old message - a check-in already
saved, a question already answered, a check-in from before /delete - it gets the same referral
as typing it would (the tier's heading, the routes of the user's country), not "that question
is answered". Before, it got only that pop-up.

And an old consent button pressed after /delete starts the runner afresh instead of failing
on the missing user row (found by the update fuzz test)."""

from __future__ import annotations

import logging

from sqlmodel import select

from bot.content import get_content
from bot.content.kinds import Stage, Tier
from bot.services.plan_state import load_state
from bot.storage.models import CheckinRecord, Profile, User
from tests.conversations.checkin.journeys import (
    PHASE1,
    answer_all,
    checkins,
    on_screen,
    referrals,
    runner_with_plan,
    tap,
)

CANT_BEAR_WEIGHT = "checkin:answer:red_flags:cannot_bear_weight"
LONDON_SAME_DAY = "Call NHS 111 or go to an urgent treatment centre today."


def _same_day_referral(text: str) -> bool:
    return get_content().tiers[Tier.SAME_DAY].title in text and LONDON_SAME_DAY in text


async def test_a_sign_pressed_on_a_saved_check_in_refers(harness, db):
    user = harness.user(981)
    await runner_with_plan(user, PHASE1)
    await user.send("/checkin")
    first = user.last
    await answer_all(user)
    assert len(checkins(db, 981)) == 1
    await user.press_data(CANT_BEAR_WEIGHT, first)
    assert _same_day_referral(user.last_text)
    assert [r.tier for r in referrals(db, 981)] == [Tier.SAME_DAY]
    with db.session() as session:  # the plan is paused as after any referral
        state = load_state(session, 981)
        assert state is not None
        assert state.stage is Stage.REFERRED


async def test_a_sign_pressed_on_an_answered_question_ends_the_check_in_and_refers(harness, db):
    user = harness.user(982)
    await runner_with_plan(user, PHASE1)
    await user.send("/checkin")
    first = user.last
    await tap(user, "red_flags", "none")
    await tap(user, "pain_now", "2")
    assert on_screen(user) == "worst_pain_24h"
    await user.press_data(CANT_BEAR_WEIGHT, first)
    assert _same_day_referral(user.last_text)
    assert [r.tier for r in referrals(db, 982)] == [Tier.SAME_DAY]
    with db.session() as session:  # the half-answered check-in is dropped
        rows = session.exec(select(CheckinRecord).where(CheckinRecord.user_id == 982)).all()
        assert [r for r in rows if r.current_question is not None] == []


async def test_after_delete_a_sign_still_gets_the_advice_and_nothing_is_stored(harness, db):
    user = harness.user(983)
    await runner_with_plan(user, PHASE1)
    await user.send("/checkin")
    first = user.last
    await user.send("/delete")
    await user.press("Delete everything", user.last)
    await user.press_data(CANT_BEAR_WEIGHT, first)
    assert get_content().tiers[Tier.SAME_DAY].title in user.last_text
    assert referrals(db, 983) == []
    with db.session() as session:
        assert session.get(User, 983) is None


async def test_an_old_consent_button_after_delete_starts_afresh(harness, db, caplog):
    user = harness.user(984)
    await user.send("/start")
    consent = user.last
    yes = next(b for b in consent.inline_buttons if str(b.get("callback_data")).endswith("yes"))
    await user.send("/delete")
    await user.press("Delete everything", user.last)
    with caplog.at_level(logging.ERROR):
        await user.press_data(str(yes["callback_data"]), consent)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert "How old are you?" in user.last_text  # onboarding goes on: the age question
    with db.session() as session:
        assert session.get(User, 984) is not None
        profile = session.get(Profile, 984)
        assert profile is not None
        assert profile.consented_at is not None

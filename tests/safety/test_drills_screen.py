"""Barefoot strides and ladder drills are opt-in after a short screen (issue 9 item 9): once
unlocked, /plan offers the screen instead of the drills; "None" adds them, "One of these
applies" keeps them off; the choice is stored on the profile."""

from __future__ import annotations

from datetime import date

from bot.coaching.plan import plan_for
from bot.coaching.progression import PlanState, Stage
from bot.services.plan_state import save_state
from bot.storage.models import Profile
from tests.conversations.journeys import TYPICAL, assess, onboard

TODAY = date(2026, 3, 4)  # the harness clock's day in London
UNLOCKED = PlanState(Stage.PHASE3, TODAY, run_stage=0, drills_unlocked=True)
DRILLS = ("Short barefoot strides", "Speed-ladder drills")


def test_the_plan_leaves_the_drills_out_until_the_runner_opts_in() -> None:
    without = [t.title for t in plan_for(UNLOCKED, TODAY)]
    with_opt_in = [t.title for t in plan_for(UNLOCKED, TODAY, drills_opted_in=True)]
    assert not set(DRILLS) & set(without)
    assert set(DRILLS) <= set(with_opt_in)
    locked = PlanState(Stage.PHASE3, TODAY)
    assert not set(DRILLS) & {t.title for t in plan_for(locked, TODAY, drills_opted_in=True)}


async def _unlocked_runner(harness, db, clock, user_id: int):  # type: ignore[no-untyped-def]
    user = harness.user(user_id)
    await onboard(user)
    await assess(user, TYPICAL)
    with db.session() as session:
        save_state(session, user_id, UNLOCKED, clock.now())
        session.commit()
    return user


def _choice(db, user_id: int) -> str | None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        profile = session.get(Profile, user_id)
        assert profile is not None
        return profile.drills_choice


async def test_plan_offers_the_screen_and_none_adds_the_drills(harness, db, clock):
    user = await _unlocked_runner(harness, db, clock, 981)
    await user.send("/plan")
    assert not [d for d in DRILLS if d in user.last_text]
    assert "send /drills for a short check first" in user.last_text
    assert "Strides & drills?" in user.last.button_labels
    await user.press("Strides & drills?")
    assert "stress fracture" in user.last_text
    assert user.last.button_labels == ["None - add the drills", "One of these applies", "Not now"]
    await user.press("None - add the drills")
    assert user.last_text.startswith("Added")
    assert _choice(db, 981) == "opted_in"
    await user.send("/plan")
    assert all(d in user.last_text for d in DRILLS)
    assert "Strides & drills?" not in user.last.button_labels


async def test_one_reason_against_keeps_the_drills_off(harness, db, clock):
    user = await _unlocked_runner(harness, db, clock, 982)
    await user.send("/drills")
    await user.press("One of these applies")
    assert "ask a physiotherapist" in user.last_text
    assert _choice(db, 982) == "not_suitable"
    await user.send("/plan")
    assert not [d for d in DRILLS if d in user.last_text]
    assert "/drills" not in user.last_text  # asked once; /drills still works to look again

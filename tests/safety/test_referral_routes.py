"""One referral message, wherever the warning sign was raised: the knee check's outcome, the
daily check-in's re-screen and the knee score all carry the tier's own heading and the routes
of the user's country (from their time zone) - 911 in New York, 999 and NHS 111 in London."""

from __future__ import annotations

import pytest

from conversations.plan import clearance_keyboard
from tests.conversations.checkin.journeys import tap as checkin_tap
from tests.conversations.journeys import TYPICAL, assess, onboard, referrals

NEW_YORK = (
    "New York",
    "Call 911 or go to the emergency room.",
    "Go to an urgent care center today.",
)
LONDON = (
    "London",
    "Call 999 or go to A&E.",
    "Call NHS 111 or go to an urgent treatment centre today.",
)
ELSEWHERE_WORDS = {"New York": ["999", "NHS 111", "A&E"], "London": ["911", "urgent care center"]}


@pytest.mark.parametrize(("zone", "emergency", "same_day"), [NEW_YORK, LONDON])
async def test_a_knee_check_referral_names_the_routes_of_the_users_country(
    harness, db, zone, emergency, same_day
):
    hot = harness.user(951)
    await onboard(hot, zone=zone)
    await assess(
        hot,
        {"urgent_signs": "yes", "emergency_knee": "none", "emergency_body": "hot_swollen_fever"},
    )
    assert "This needs emergency care now" in hot.last_text
    assert emergency in hot.last_text
    locked = harness.user(952)
    await onboard(locked, zone=zone)
    await assess(locked, {"urgent_signs": "yes", "emergency_knee": "locking"})
    assert "Please get your knee seen today" in locked.last_text
    assert same_day in locked.last_text
    for text in (hot.last_text, locked.last_text):
        assert not [word for word in ELSEWHERE_WORDS[zone] if word in text]
    assert [r.tier for r in referrals(db, 951) + referrals(db, 952)] == ["emergency", "same_day"]


@pytest.mark.parametrize(("zone", "emergency", "same_day"), [NEW_YORK, LONDON])
async def test_a_check_in_referral_names_the_routes_of_the_users_country(
    harness, db, zone, emergency, same_day
):
    user = harness.user(953)
    await onboard(user, zone=zone)
    await assess(user, TYPICAL)
    await user.send("/checkin")
    sent = len(user.messages)
    await checkin_tap(user, "red_flags", "giving_way")
    (text,) = user.texts_since(sent)
    assert "Please get your knee seen today" in text
    assert same_day in text
    assert not [word for word in ELSEWHERE_WORDS[zone] if word in text]
    await user.send("/checkin")  # the refusal says the same thing about where to go
    assert same_day in user.last_text


async def test_a_knee_score_referral_names_the_routes_of_the_users_country(harness, db):
    user = harness.user(954)
    await onboard(user, zone="New York")
    await assess(user, TYPICAL)
    await user.send("/kujala")
    for item, value in (("limp", "none"), ("support", "impossible")):
        wanted = f"kujala:answer:{item}:{value}"
        message = next(
            m
            for m in reversed(user.messages)
            if any(b.get("callback_data") == wanted for b in m.inline_buttons)
        )
        await user.press_data(wanted, message)
    assert "Please get your knee seen today" in user.last_text
    assert "Go to an urgent care center today." in user.last_text
    assert "NHS 111" not in user.last_text


@pytest.mark.parametrize(("zone", "emergency", "same_day"), [NEW_YORK, LONDON])
async def test_plan_after_a_referral_names_the_routes_of_the_users_country(
    harness, zone, emergency, same_day
):
    user = harness.user(957)
    await onboard(user, zone=zone)
    await assess(user, {"urgent_signs": "yes", "emergency_knee": "locking"})
    await user.send("/plan")
    assert same_day in user.last_text
    assert not [word for word in ELSEWHERE_WORDS[zone] if word in user.last_text]
    clearance = [b.text for row in clearance_keyboard().inline_keyboard for b in row]
    assert user.last.button_labels == clearance  # not a dead end

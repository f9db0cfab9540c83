"""Onboarding through the fake Bot API: consent, age, time zone, the runner's day."""

from __future__ import annotations

from datetime import time

import pytest
from sqlmodel import select

from bot.storage.models import Assessment, PlanStateRecord, Profile, Referral, User, UserData
from conversations.onboarding import OnboardingState
from tests.conversations.journeys import conversation_state, onboard, referrals


def _profile(db, user_id):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return s.get(Profile, user_id)


def _user(db, user_id):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return s.get(User, user_id)


async def test_full_onboarding_saves_consent_zone_and_day(harness, db, clock):
    user = harness.user(100, first_name="Ann")
    await user.send("/start")
    first = user.messages[0].text
    assert "Knee Coach" in first
    assert "not a doctor" in first
    assert "Ann" in first
    assert user.last.button_labels == ["I agree", "Not now"]

    await user.press("I agree")
    assert _profile(db, 100).consented_at == clock.now()
    assert "Under 18" in user.last.button_labels
    await user.press("18-39")
    assert "Share my location" in user.messages[-2].keyboard_labels
    assert "London" in user.last.button_labels

    await user.send("london")
    # 2026-03-04 09:00 UTC is 09:00 on a Wednesday in London.
    assert "09:00" in user.last_text
    assert "Wednesday" in user.last_text
    assert "Europe/London" in user.last_text
    await user.press("Yes, that's right")
    assert _user(db, 100).time_zone == "Europe/London"

    assert "07:00-23:00" in user.last.button_labels  # a whole waking day in one tap...
    await user.send("6:45")  # ...or a typed wake time, then the bedtime
    await user.press("23:00")
    profile = _profile(db, 100)  # exercise reminders start at 18:00, inside the day
    assert (profile.wake_time, profile.sleep_time, profile.exercise_time) == (
        time(6, 45),
        time(23),
        time(18),
    )
    assert user.last.button_labels == ["Start the knee check"]
    assert conversation_state(db, "onboarding", 100) is None


async def test_start_again_after_set_up_greets_back(harness):
    user = harness.user(101)
    await onboard(user)
    await user.send("/start")
    assert "Welcome back" in user.last_text


async def test_declining_consent_stores_no_health_data(harness, db):
    user = harness.user(102)
    await user.send("/start")
    await user.press("Not now")
    assert "not stored anything about your health" in user.last_text
    await user.send("/assess")
    assert "/start" in user.last_text
    await user.send("my knee locked yesterday")  # red flag still gets advice...
    # No time zone yet, so no country: the route that works anywhere, at same-day urgency.
    assert "urgent care" in user.last_text
    with db.session() as s:  # ...but nothing about their health is kept
        assert s.get(Profile, 102) is None
        assert list(s.exec(select(Assessment))) == []
        assert list(s.exec(select(Referral))) == []
        assert list(s.exec(select(PlanStateRecord))) == []
        assert list(s.exec(select(UserData))) == []
    # They can come back later.
    await user.send("/start")
    await user.press("I agree")
    assert _profile(db, 102).consented_at is not None


async def test_under_18_is_kindly_referred_and_onboarding_ends(harness, db):
    user = harness.user(103)
    await user.send("/start")
    await user.press("I agree")
    await user.press("Under 18")
    assert "hip" in user.last_text
    assert "GP" in user.last_text
    assert "time zone" not in user.last_text.lower()
    assert [r.red_flags for r in referrals(db, 103)] == [["under_18"]]
    assert conversation_state(db, "onboarding", 103) is None
    await user.send("/plan")
    assert "paused" in user.last_text


async def test_shared_location_finds_the_zone_offline(harness, db):
    user = harness.user(104)
    await user.send("/start")
    await user.press("I agree")
    await user.press("40-59")
    await user.share_location(40.71, -74.0)
    assert "America/New_York" in user.last_text
    assert "04:00" in user.last_text  # 09:00 UTC in New York (EST)
    await user.press("Yes, that's right")
    assert _user(db, 104).time_zone == "America/New_York"


@pytest.mark.parametrize(
    ("typed", "zone", "shown", "fixed"),
    [
        ("UTC+2", "Etc/GMT-2", "UTC+2", True),
        ("-05:00", "Etc/GMT+5", "UTC-5", True),
        ("+05:30", "Asia/Kolkata", "Asia/Kolkata", False),
        ("New York", "America/New_York", "America/New_York", False),
        ("Manchester", "Europe/London", "United Kingdom Time", False),
        ("Mumbai", "Asia/Kolkata", "India", False),
        ("Boston", "America/New_York", "Eastern", False),
        ("San Francisco", "America/Los_Angeles", "Pacific", False),
        ("Munich", "Europe/Berlin", "Europe/Berlin", False),
        ("UK", "Europe/London", "Europe/London", False),
        ("EST", "America/New_York", "Eastern", False),
    ],
)
async def test_typed_offsets_and_cities(harness, db, typed, zone, shown, fixed):
    user = harness.user(105)
    await user.send("/start")
    await user.press("I agree")
    await user.press("60 or over")
    await user.send(typed)
    assert shown in user.last_text
    assert "Etc/GMT" not in user.last_text  # an offset's POSIX id reads as the wrong sign
    assert ("fixed offset" in user.messages[-2].text) is fixed
    await user.press("Yes, that's right")
    assert _user(db, 105).time_zone == zone


async def test_unknown_place_is_reasked_and_list_pick_works(harness, db):
    user = harness.user(106)
    await user.send("/start")
    await user.press("I agree")
    await user.press("18-39")
    await user.send("Qwxyz")  # not a place (Atlantis is a real town)
    assert "couldn't match" in user.last_text
    assert conversation_state(db, "onboarding", 106) == OnboardingState.TIME_ZONE
    await user.press("Tokyo")
    await user.press("No, change it")
    await user.press("Sydney")
    await user.press("Yes, that's right")
    assert _user(db, 106).time_zone == "Australia/Sydney"


@pytest.mark.parametrize("typed", ["25:00", "seven-ish", "😀", "x" * 5000])
async def test_bad_times_are_reasked(harness, db, typed):
    user = harness.user(107)
    await user.send("/start")
    await user.press("I agree")
    await user.press("18-39")
    await user.press("London")
    await user.press("Yes, that's right")
    await user.send(typed)
    assert conversation_state(db, "onboarding", 107) == OnboardingState.WAKE
    assert "7:30" in user.last_text or "long" in user.last_text
    await user.send("7am")
    assert conversation_state(db, "onboarding", 107) == OnboardingState.SLEEP


@pytest.mark.parametrize(
    ("day", "exercise"),
    [
        ("07:00-23:00", time(18)),
        ("5-17:30", time(13)),  # 18:00 is past bedtime: two thirds into the day
        ("14:00 to 06:00", time(18)),  # a night-shift day crossing midnight
    ],
)
async def test_the_exercise_time_is_not_asked_and_starts_inside_the_waking_day(
    harness, db, day, exercise
):
    user = harness.user(108)
    await user.send("/start")
    await user.press("I agree")
    await user.press("18-39")
    await user.press("London")
    await user.press("Yes, that's right")
    await user.send(day)
    assert _profile(db, 108).exercise_time == exercise
    assert f"Exercise reminders come at {exercise:%H:%M}" in user.messages[-1].text
    assert "/settings" in user.last_text
    assert user.last.button_labels == ["Start the knee check"]
    assert conversation_state(db, "onboarding", 108) is None


async def test_a_waking_day_too_short_is_reasked(harness, db):
    user = harness.user(117)
    await user.send("/start")
    await user.press("I agree")
    await user.press("18-39")
    await user.press("London")
    await user.press("Yes, that's right")
    await user.send("7-13")
    assert "under 8 hours" in user.last_text
    assert _profile(db, 117).wake_time is None
    await user.press("07:00-23:00")
    assert _profile(db, 117).sleep_time == time(23)


@pytest.mark.parametrize("steps", [0, 1, 2, 3, 4, 5])
async def test_cancel_works_in_every_onboarding_state(harness, db, steps):
    user = harness.user(109)
    actions = [
        lambda: user.press("I agree"),
        lambda: user.press("18-39"),
        lambda: user.press("London"),
        lambda: user.press("Yes, that's right"),
        lambda: user.send("7:00"),
    ]
    await user.send("/start")
    for action in actions[:steps]:
        await action()
    assert conversation_state(db, "onboarding", 109) is not None
    await user.send("/cancel")
    assert "Stopped" in user.last_text
    assert conversation_state(db, "onboarding", 109) is None
    await user.send("/cancel")
    assert "nothing to stop" in user.last_text


async def test_buttons_from_an_earlier_step_change_nothing(harness, db):
    user = harness.user(110)
    await user.send("/start")
    consent_message = user.last
    await user.press("I agree")
    await user.press_data("onb:consent:no", consent_message)  # a late second tap
    assert harness.telegram.callback_answers[-1].text.startswith("That button belongs")
    assert conversation_state(db, "onboarding", 110) == OnboardingState.AGE
    assert _profile(db, 110).consented_at is not None


@pytest.mark.parametrize("action", ["send_sticker", "send_photo", "send_voice", "text", "edit"])
async def test_odd_input_in_onboarding_is_reasked(harness, db, action):
    user = harness.user(111)
    await user.send("/start")
    await user.press("I agree")
    before = len(user.messages)
    if action == "text":
        await user.send("hello")
    elif action == "edit":
        await user.edit(1, "hello")
    else:
        await getattr(user, action)()
    assert len(user.messages) == before + 1
    assert conversation_state(db, "onboarding", 111) == OnboardingState.AGE


async def test_red_flag_typed_during_onboarding_ends_it_with_a_referral(harness, db):
    user = harness.user(112)
    await user.send("/start")
    await user.press("I agree")
    await user.press("18-39")
    await user.send("I can't put weight on it since this morning")
    assert "Please get your knee seen today" in user.last_text
    assert "urgent care" in user.last_text  # no zone chosen yet: the route that works anywhere
    assert conversation_state(db, "onboarding", 112) is None
    assert [r.source for r in referrals(db, 112)] == ["free_text"]


@pytest.mark.parametrize(
    ("steps", "resumes_with"),
    [
        (1, "Under 18"),  # consent given: the age question
        (2, "London"),  # age given: the time-zone list
        (4, "06:00-22:00"),  # zone confirmed: the waking days
        (5, "22:00"),  # woke at 07:00: the bedtimes
    ],
)
async def test_start_after_cancel_carries_on_at_the_first_unanswered_step(
    harness, db, steps, resumes_with
):
    user = harness.user(113, first_name="Bo")
    actions = [
        lambda: user.press("I agree"),
        lambda: user.press("18-39"),
        lambda: user.press("London"),
        lambda: user.press("Yes, that's right"),
        lambda: user.send("7:00"),
    ]
    await user.send("/start")
    for action in actions[:steps]:
        await action()
    await user.send("/cancel")
    assert "kept" in user.last_text

    shown = len(user.messages)
    await user.send("/start")
    greeting = user.messages[shown].text or ""
    assert "carry on" in greeting
    assert "Bo" in greeting
    assert resumes_with in user.last.button_labels
    # Nothing answered is asked again: consent is not re-asked once given.
    assert "I agree" not in user.last.button_labels


async def test_the_age_given_in_onboarding_is_not_asked_again_in_the_knee_check(harness, db):
    user = harness.user(114)
    await user.send("/start")
    await user.press("I agree")
    await user.press("40-59")
    assert _profile(db, 114).age_band == "40_59"
    await user.send("/cancel")
    await user.send("/start")  # resumes at the zone: the age is kept
    await user.press("London")
    await user.press("Yes, that's right")
    await user.press("07:00-23:00")
    await user.press("Start the knee check")
    assert "How old" not in user.last_text
    with db.session() as s:
        running = s.exec(select(Assessment).where(Assessment.user_id == 114)).one()
        assert running.answers == {"age": "40_59"}


async def _to_the_zone(user) -> None:  # type: ignore[no-untyped-def]
    await user.send("/start")
    await user.press("I agree")
    await user.press("18-39")


@pytest.mark.parametrize("reply", ["yep", "Yes!", "that's right"])
async def test_a_typed_yes_confirms_the_zone(harness, db, reply):
    user = harness.user(115)
    await _to_the_zone(user)
    await user.send("Manchester")
    await user.send(reply)
    assert _user(db, 115).time_zone == "Europe/London"
    assert conversation_state(db, "onboarding", 115) == OnboardingState.WAKE


async def test_a_typed_no_asks_for_the_zone_again(harness, db):
    user = harness.user(116)
    await _to_the_zone(user)
    await user.send("Manchester")
    await user.send("nope")
    assert _user(db, 116).time_zone is None
    assert "London" in user.last.button_labels  # the common zones again


async def test_a_name_shared_by_places_in_different_zones_asks_which(harness, db):
    user = harness.user(117)
    await _to_the_zone(user)
    await user.send("Springfield")
    assert "Which" in user.last_text
    labels = user.last.button_labels
    assert len(labels) >= 2
    assert all(len(label) <= 64 for label in labels)
    await user.press(labels[0])
    assert "Is that right?" in user.last_text
    await user.press("Yes, that's right")
    assert _user(db, 117).time_zone is not None


async def _to_bedtime(user, wake: str = "07:00") -> None:  # type: ignore[no-untyped-def]
    await _to_the_zone(user)
    await user.press("London")
    await user.press("Yes, that's right")
    await user.send(wake)


async def test_eleven_at_bedtime_means_eleven_at_night(harness, db):
    user = harness.user(118)
    await _to_bedtime(user)
    await user.send("11")
    assert _profile(db, 118).sleep_time == time(23)


async def test_an_hour_that_could_be_either_half_of_the_day_asks(harness, db):
    user = harness.user(119)
    await _to_bedtime(user)
    await user.send("5")
    assert user.last.button_labels == ["05:00", "17:00"]
    assert _profile(db, 119).sleep_time is None
    await user.press("17:00")
    assert _profile(db, 119).sleep_time == time(17)  # 07:00 to 17:00: a 10-hour day


@pytest.mark.parametrize(("sleep", "why"), [("07:00", "no waking day"), ("13:00", "under 8")])
async def test_a_bedtime_that_leaves_no_real_day_is_refused(harness, db, sleep, why):
    user = harness.user(120)
    await _to_bedtime(user)
    await user.send(sleep)
    assert why in user.last_text
    assert _profile(db, 120).sleep_time is None
    await user.send("23:00")
    assert _profile(db, 120).sleep_time == time(23)

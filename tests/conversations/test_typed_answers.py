"""Typed answers at every choice question where the meaning is clear - yes/no words, ages,
pain "3 out of 10", minutes - and a short re-ask otherwise, through the real Application:
onboarding (consent, age, the zone's "yep"), the knee check and the daily check-in."""

from __future__ import annotations

from datetime import timedelta

from bot.storage.models import Profile, User
from tests.conversations.checkin.journeys import GOOD_DAY, checkins, on_screen, tap
from tests.conversations.journeys import TYPICAL, assess, current, onboard, plan_state


def _profile(db, user_id):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return s.get(Profile, user_id)


async def test_onboarding_can_be_typed_from_consent_to_the_day(harness, db):
    user = harness.user(900)
    await user.send("/start")
    await user.send("yes")
    assert _profile(db, 900).consented_at is not None
    await user.send("I'm 34")
    assert _profile(db, 900).age_band == "18_39"
    assert "Noted: 18-39" in user.messages[-2].text or "Noted: 18-39" in user.last_text
    await user.send("Manchester")
    await user.send("yep")
    with db.session() as s:
        assert s.get(User, 900).time_zone == "Europe/London"
    await user.send("7 to 23")
    assert user.last.button_labels == ["Start the knee check"]


async def test_a_typed_age_under_18_refers_kindly(harness, db):
    user = harness.user(901)
    await user.send("/start")
    await user.send("I agree")
    await user.send("16")
    assert "hip" in user.last_text
    assert _profile(db, 901).age_band is None


async def test_unclear_typed_answers_in_onboarding_get_a_short_re_ask(harness, db):
    user = harness.user(902)
    await user.send("/start")
    await user.send("hmm")
    assert "tap one above" in user.last_text
    assert _profile(db, 902) is None
    await user.send("ok")
    await user.send("old enough")
    assert "tap one above" in user.last_text
    assert _profile(db, 902).age_band is None


async def test_the_knee_check_can_be_typed(harness, db):
    user = harness.user(903)
    await onboard(user)
    await user.press("Start the knee check")
    await user.send("nope")  # any warning sign? none of these
    assert current(db, 903).answers["urgent_signs"] == "no"
    await user.send("yep")
    assert current(db, 903).answers["typical"] == "yes"
    await user.send("pain is about 2 out of 10")
    assert current(db, 903).answers["rest_pain"] == "2"
    await user.send("no")
    await user.send("3/10")
    assert plan_state(db, 903).stage == "phase2"


async def test_the_check_in_can_be_typed(harness, db, clock):
    user = harness.user(904)
    await onboard(user)
    await assess(user, TYPICAL)
    await user.send("/checkin")
    for typed in ["none", "1", "about 2 out of 10", "3/10", "same as usual", "no", "yes"]:
        await user.send(typed)
    assert on_screen(user) == "running_minutes"
    await user.send("45 minutes")
    (day,) = checkins(db, 904)
    assert (day.pain_now, day.worst_pain_24h, day.activity_pain) == (1, 2, 3)
    assert (day.morning_vs_usual, day.swelling, day.running_minutes) == ("same", False, 30)

    clock.advance(timedelta(days=1))
    await user.send("/checkin")
    await tap(user, "red_flags", "none")
    await user.send("yep")  # about the same as yesterday
    assert on_screen(user) == "activity_pain"
    await user.send("maybe")  # not clear: a short re-ask, nothing changes
    assert "tap one above" in user.last_text
    assert len(user.last_text) < 120
    assert checkins(db, 904)[-1].current_question == "activity_pain"
    await tap(user, "activity_pain", GOOD_DAY["activity_pain"])
    await answer_rest(user)
    assert len(checkins(db, 904)) == 2


async def answer_rest(user) -> None:  # type: ignore[no-untyped-def]
    while (question := on_screen(user)) is not None:
        await tap(user, question, GOOD_DAY[question])

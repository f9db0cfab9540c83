"""The knee score (/kujala) through the fake Bot API: known answers score as the content's
points say, a second score is compared with the first, red-flag answers go through the
red-flag rules, the fortnightly offer can be switched off, and `kujala_due` says when to offer."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from bot.content import get_content
from bot.content.texts import get_texts
from bot.sandbox.fake_telegram.users import FakeUser
from bot.services.kujala import kujala_due
from bot.storage.models import KujalaRun, KujalaStatus, Profile
from conversations.kujala import KujalaState
from tests.conversations.journeys import (
    TYPICAL,
    assess,
    conversation_state,
    onboard,
    plan_state,
    referrals,
)

# A runner who is getting on: points 3+5+3+8+4+6+7+8+8+8+10+5+5 = 80.
KNOWN = {
    "limp": "slight",
    "support": "full",
    "walking": "over_2km",
    "stairs": "slight_descending",
    "squatting": "repeated_painful",
    "running": "slight_from_start",
    "jumping": "slight_difficulty",
    "sitting": "pain_after_exercise",
    "pain": "slight_occasional",
    "swelling": "after_severe_exertion",
    "kneecap_movements": "none",
    "thigh_wasting": "none",
    "bending_loss": "none",
}
BEST = {item.id: item.options[0].value for item in get_content().kujala.items}


async def runner(user: FakeUser) -> None:
    await onboard(user)
    await assess(user, TYPICAL)


async def tap(user: FakeUser, item_id: str, value: str) -> None:
    wanted = f"kujala:answer:{item_id}:{value}"
    for message in reversed(user.messages):
        if any(b.get("callback_data") == wanted for b in message.inline_buttons):
            await user.press_data(wanted, message)
            return
    raise AssertionError(f"{wanted} not on screen; last message: {user.last_text!r}")


async def score(user: FakeUser, answers: dict[str, str]) -> None:
    await user.send("/kujala")
    for item_id, value in answers.items():
        await tap(user, item_id, value)


def runs(db, user_id: int) -> list[KujalaRun]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return list(s.exec(select(KujalaRun).where(KujalaRun.user_id == user_id)))


async def test_known_answers_score_as_the_content_says(harness, db):
    user = harness.user(1100)
    await runner(user)
    await user.send("/kujala")
    assert "Thirteen quick questions" in user.messages[-2].text
    assert user.last_text.startswith("Question 1 of 13\n\nDo you limp?")
    assert user.last.button_labels == ["No", "Slightly or now and then", "All the time"]
    for item_id, value in KNOWN.items():
        await tap(user, item_id, value)

    assert user.last_text.startswith("Knee score: 80/100 on Wed 04 Mar.")
    assert "The next one, in about 14 days" in user.last_text
    assert "Sources: Kujala et al. 1993; Crossley et al. 2004" in user.last_text
    assert user.last.button_labels == ["Stop offering it"]
    (run,) = runs(db, 1100)
    assert run.status == KujalaStatus.COMPLETE
    assert run.score == 80
    assert run.answers == KNOWN
    assert run.local_date == date(2026, 3, 4)
    assert conversation_state(db, "kujala", 1100) is None


async def test_a_second_score_is_compared_with_the_first(harness, db, clock):
    user = harness.user(1101)
    await runner(user)
    await score(user, KNOWN)
    clock.advance(timedelta(days=14))
    await score(user, BEST)
    assert "Knee score: 100/100 on Wed 18 Mar, up 20 from 80" in user.last_text
    assert "a change of 10 or more is one people notice" in user.last_text
    assert [r.score for r in runs(db, 1101)] == [80, 100]


async def test_back_and_a_restart_keep_the_answers(harness, db):
    user = harness.user(1102)
    await runner(user)
    await user.send("/kujala")
    await tap(user, "limp", "none")
    await tap(user, "support", "painful")
    await user.press("« Back")
    assert user.last_text.startswith("Question 2 of 13")
    assert conversation_state(db, "kujala", 1102) == KujalaState.QUESTION.value
    await harness.restart()
    await tap(user, "support", "full")
    assert user.last_text.startswith("Question 3 of 13")
    (run,) = runs(db, 1102)
    assert run.answers == {"limp": "none", "support": "full"}
    assert run.current_question == "walking"


async def test_a_red_flag_answer_ends_in_a_referral_without_a_score(harness, db):
    user = harness.user(1103)
    await runner(user)
    await score(user, {"limp": "none", "support": "impossible"})
    assert "stopping the knee score" in user.last_text
    assert "Please get your knee seen today" in user.last_text  # same day
    assert "Call NHS 111 or go to an urgent treatment centre today." in user.last_text  # UK
    assert "Sources:" in user.last_text
    (run,) = runs(db, 1103)
    assert run.status == KujalaStatus.REFERRED
    assert run.score is None
    assert run.red_flags == ["cannot_bear_weight"]
    assert [(r.source, r.red_flags) for r in referrals(db, 1103)] == [
        ("kujala", ["cannot_bear_weight"])
    ]
    assert plan_state(db, 1103).stage == "referred"
    assert conversation_state(db, "kujala", 1103) is None


async def test_pain_that_disturbs_sleep_goes_through_the_red_flag_rules(harness, db):
    user = harness.user(1104)
    await runner(user)
    answers = dict(list(KNOWN.items())[:8])
    await score(user, {**answers, "pain": "disturbs_sleep"})
    assert "stopping the knee score" in user.last_text
    assert referrals(db, 1104)[0].red_flags == ["night_rest_pain"]
    assert referrals(db, 1104)[0].tier == "clinician_soon"


async def test_without_consent_nothing_is_asked(harness, db):
    user = harness.user(1105)
    await user.send("/kujala")
    assert "Send /start" in user.last_text
    assert runs(db, 1105) == []


async def test_the_fortnightly_offer_can_be_switched_off_and_on(harness, db, clock):
    user = harness.user(1106)
    await runner(user)
    today = date(2026, 3, 4)
    with db.session() as s:
        assert kujala_due(s, 1106, today)  # no score yet: the first one is the baseline
    await score(user, KNOWN)
    with db.session() as s:
        assert not kujala_due(s, 1106, today + timedelta(days=13))
        assert kujala_due(s, 1106, today + timedelta(days=14))

    await user.press("Stop offering it")
    assert "won't offer" in user.telegram.callback_answers[-1].text
    assert user.last.button_labels == ["Offer it every 14 days"]
    with db.session() as s:
        assert s.get(Profile, 1106).kujala_enabled is False
        assert not kujala_due(s, 1106, today + timedelta(days=30))

    await user.press("Offer it every 14 days")
    with db.session() as s:
        assert s.get(Profile, 1106).kujala_enabled is True
        assert kujala_due(s, 1106, today + timedelta(days=30))


async def test_no_offer_while_referred_or_mid_run(harness, db):
    user = harness.user(1107)
    await runner(user)
    await user.send("/kujala")
    with db.session() as s:
        assert not kujala_due(s, 1107, date(2026, 3, 4))  # one is running
    await user.send("/cancel")
    await user.send("my knee locked and won't straighten")
    with db.session() as s:
        assert not kujala_due(s, 1107, date(2026, 3, 4))  # referred


async def test_cancel_and_typed_text_mid_run(harness, db):
    user = harness.user(1108)
    await runner(user)
    await user.send("/kujala")
    await tap(user, "limp", "none")
    await user.send("mostly fine")
    assert user.last_text == get_texts().flows.question_flow.use_buttons
    await user.send("/plan")
    assert user.last_text == "Let's finish the knee score first, or send /cancel to stop it."
    await user.send("/cancel")
    assert user.last_text.startswith("Knee score stopped; the answers so far are discarded.")
    (run,) = runs(db, 1108)
    assert run.status == KujalaStatus.ABANDONED
    assert run.score is None
    await tap(user, "support", "full")  # a button of the stopped run
    assert "That knee score is finished" in str(user.telegram.callback_answers[-1].text)
    assert conversation_state(db, "kujala", 1108) is None

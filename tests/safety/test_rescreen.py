"""The daily re-screen and the knee score catch what they used to miss: a new fall, twist or
knock, a kneecap slipping out, a knee that will not bend or straighten, sudden breathlessness
or chest pain not explained by exercise; "I can't walk" and a dislocated kneecap in the knee
score. Every answer button stays short enough for a phone (30 characters)."""

from __future__ import annotations

import pytest

from bot.coaching.kujala import kujala_questions
from bot.content import get_content
from tests.conversations.checkin.journeys import tap as checkin_tap
from tests.conversations.journeys import TYPICAL, assess, onboard, plan_state, referrals

LABEL_LIMIT = 30


def _rescreen():  # type: ignore[no-untyped-def]
    (question,) = [q for q in get_content().checkin if q.id == "red_flags"]
    return question


def test_the_rescreen_and_knee_score_buttons_fit_a_phone() -> None:
    content = get_content()
    labels = [content.render(o.label) for o in _rescreen().options]
    labels += [o.label for q in kujala_questions(content) for o in q.options]
    assert [label for label in labels if len(label) > LABEL_LIMIT] == []


def test_the_rescreen_spells_out_the_breathing_sign() -> None:
    text = get_content().render(_rescreen().text)
    assert "sudden breathlessness or chest pain not explained by exercise" in text
    for sign in ("fall, twist or knock", "kneecap slipped out", "bend or straighten"):
        assert sign in text


@pytest.mark.parametrize(
    ("value", "flag", "tier", "heading"),
    [
        ("new_injury", "recent_trauma", "outside_pathway", "not the right fit"),
        ("kneecap_out", "kneecap_dislocation", "emergency", "This needs emergency care now"),
        ("cannot_bend_straighten", "cannot_bend_straighten", "same_day", "seen today"),
        ("calf_breathless", "calf_swelling_breathless", "emergency", "emergency care now"),
    ],
)
async def test_a_new_sign_in_the_rescreen_refers(harness, db, value, flag, tier, heading):
    user = harness.user(961)
    await onboard(user)
    await assess(user, TYPICAL)
    await user.send("/checkin")
    assert "Sudden breathless/chest pain" in user.last.button_labels
    await checkin_tap(user, "red_flags", value)
    assert heading in user.last_text
    (referral,) = referrals(db, 961)
    assert (referral.source, referral.tier, referral.red_flags) == ("checkin", tier, [flag])
    assert plan_state(db, 961).stage == "referred"


async def _score(user, answers: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    await user.send("/kujala")
    for item, value in answers.items():
        wanted = f"kujala:answer:{item}:{value}"
        message = next(
            m
            for m in reversed(user.messages)
            if any(b.get("callback_data") == wanted for b in m.inline_buttons)
        )
        await user.press_data(wanted, message)


@pytest.mark.parametrize(
    ("answers", "flag"),
    [
        ({"limp": "none", "support": "full", "walking": "unable"}, "cannot_bear_weight"),
        (
            {
                "limp": "none",
                "support": "full",
                "walking": "unlimited",
                "stairs": "no_difficulty",
                "squatting": "no_difficulty",
                "running": "no_difficulty",
                "jumping": "no_difficulty",
                "sitting": "no_difficulty",
                "pain": "none",
                "swelling": "none",
                "kneecap_movements": "one_dislocation",
            },
            "kneecap_instability",
        ),
    ],
)
async def test_cant_walk_and_a_dislocated_kneecap_in_the_knee_score_refer(
    harness, db, answers, flag
):
    user = harness.user(962)
    await onboard(user)
    await assess(user, TYPICAL)
    await _score(user, answers)
    assert "stopping the knee score" in user.last_text
    (referral,) = referrals(db, 962)
    assert referral.red_flags == [flag]
    assert plan_state(db, 962).stage == "referred"

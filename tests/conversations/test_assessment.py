"""The knee check through the fake Bot API: journeys to each outcome, red flags, resuming
after a restart, and every kind of bad input."""

from __future__ import annotations

import pytest
from sqlmodel import delete

from bot.coaching.screening import Urgency, care_route
from bot.content import get_content
from bot.storage.models import AssessmentStatus, ConversationState
from conversations.assessment import AssessmentState
from conversations.safety import where_to_go
from tests.conversations.journeys import (
    ASKED,
    DETAILED,
    TYPICAL,
    TYPICAL_STORED,
    answer,
    assess,
    assessments,
    conversation_state,
    current,
    onboard,
    plan_state,
    referrals,
)

RED_FLAG_ANSWERS = [
    (q.id, o.value, o.red_flag)
    for q in get_content().assessment
    if q.id != "age"
    for o in q.options
    if o.red_flag is not None
]


async def test_typical_runner_ends_in_the_long_term_programme(harness, db):
    user = harness.user(200)
    await onboard(user)
    await user.press("Start the knee check")
    assert f"{len(TYPICAL)} quick questions" in user.messages[-2].text
    assert user.last_text.startswith(f"Question 1 of {len(TYPICAL)}")
    assert user.last.button_labels == ["None of these", "Yes, one of these"]
    await assess(user, {"urgent_signs": "no"}, start=False)
    assert user.last_text.startswith(f"Question 2 of {len(TYPICAL)}")
    assert "« Back" in user.last.button_labels
    await assess(user, TYPICAL, start=False)

    # The outcome, today's plan, and the first day's education card with the plan.
    outcome, plan, card = (m.text or "" for m in user.messages[-3:])
    assert "phase 2" in outcome
    assert "Why:\n- Your answers fit the usual pattern of runner's knee" in outcome
    assert "Sources: Willy et al. 2019" in outcome
    assert plan.startswith("Today")
    assert "Wall squat with a physioball: 3 x 10, 5 s down" in plan  # task with its dosage
    assert "Wall squat with a physioball" in user.messages[-2].button_labels  # opens its page
    assert card.startswith("What runner's knee is")
    state = plan_state(db, 200)
    assert state is not None
    assert state.stage == "phase2"
    (done,) = assessments(db, 200)
    assert done.status == AssessmentStatus.COMPLETE
    assert done.outcome == "programme"
    assert done.answers == {"age": "18_39", **TYPICAL_STORED}
    assert referrals(db, 200) == []
    assert conversation_state(db, "assessment", 200) is None


async def test_higher_rest_pain_starts_at_phase_1(harness, db):
    user = harness.user(201)
    await onboard(user)
    await assess(user, {**TYPICAL, "rest_pain": "4"})
    assert "phase 1" in user.messages[-3].text  # then the plan and the first day's card
    assert plan_state(db, 201).stage == "phase1"


async def test_flare_with_swelling_ends_in_price(harness, db):
    user = harness.user(202)
    await onboard(user)
    await assess(user, {**TYPICAL, "flare": "swollen"})
    outcome, plan, card = (m.text or "" for m in user.messages[-3:])
    assert card.startswith("What runner's knee is")  # PRICE's first day has the same card
    assert "PRICE" in outcome
    assert "swollen" in outcome
    assert "Ice" in plan
    assert "10-20 min" in plan
    assert plan_state(db, 202).stage == "price"


@pytest.mark.parametrize(("question_id", "value", "flag"), RED_FLAG_ANSWERS)
async def test_each_red_flag_ends_in_referral_with_no_plan(harness, db, question_id, value, flag):
    user = harness.user(203)
    await onboard(user)
    answers = {}
    for qid in ASKED:  # the long way: every sign question, the picture piece by piece
        answers[qid] = value if qid == question_id else DETAILED[qid]
        if qid == question_id:
            break
    await assess(user, answers)

    content = get_content()
    urgency = Urgency.of(content.red_flags[flag].tier)
    assert content.tiers[urgency.tier].title in user.last_text  # the tier's own heading
    assert where_to_go(urgency, care_route("Europe/London")) in user.last_text  # UK routes
    assert "Sources:" in user.last_text
    assert "Today" not in user.last_text
    # No plan buttons; only the way back once a clinician has cleared it (not a dead end).
    assert user.last.button_labels == ["A clinician has checked it"]
    assert plan_state(db, 203).stage == "referred"
    assert [r.red_flags for r in referrals(db, 203)] == [[flag]]
    assert conversation_state(db, "assessment", 203) is None
    await user.send("/plan")
    assert "paused" in user.last_text


@pytest.mark.parametrize(("question_id", "value"), [("onset", "injury"), ("location", "outer")])
async def test_injury_and_outer_knee_pain_leave_the_pathway(harness, db, question_id, value):
    user = harness.user(204)
    await onboard(user)
    answers = {}
    for qid in ASKED:
        answers[qid] = value if qid == question_id else DETAILED[qid]
        if qid == question_id:
            break
    await assess(user, answers)
    assert "not the right fit" in user.last_text
    assert referrals(db, 204)[0].tier == "outside_pathway"


@pytest.mark.parametrize("text", ["my knee locked", "I can't put weight on it"])
async def test_red_flag_in_free_text_mid_check_ends_it(harness, db, text):
    user = harness.user(205)
    await onboard(user)
    await assess(user, {"urgent_signs": "no"})
    await user.send(text)
    assert "NHS 111" in user.last_text  # same day, in the UK
    assert "999" not in user.last_text
    assert conversation_state(db, "assessment", 205) is None
    assert current(db, 205) is None
    (referral,) = referrals(db, 205)
    assert referral.source == "free_text"
    assert referral.tier == "same_day"
    assert plan_state(db, 205).stage == "referred"


async def test_red_flag_in_free_text_outside_any_flow_is_caught(harness, db):
    user = harness.user(206)
    await onboard(user)
    await assess(user, TYPICAL)
    await user.send("my knee gave way on the stairs")
    assert plan_state(db, 206).stage != "referred"  # unclear: asked first
    await user.press("Yes")
    assert "NHS 111" in user.last_text
    assert plan_state(db, 206).stage == "referred"


async def test_a_runner_with_a_warning_sign_is_asked_every_sign_question(harness, db):
    user = harness.user(217)
    await onboard(user)
    await assess(user, {"urgent_signs": "yes"})
    assert user.last_text.startswith("Question 2 of 9")
    assert "None of these" in user.last.button_labels
    await assess(user, {"emergency_knee": "none", "emergency_body": "numb_cold"}, start=False)
    assert [r.red_flags for r in referrals(db, 217)] == [["numb_cold_leg"]]


async def test_a_runner_for_whom_the_typical_picture_does_not_fit_says_how_it_started(harness, db):
    user = harness.user(218)
    await onboard(user)
    await assess(user, {"urgent_signs": "no", "typical": "no"})
    assert user.last_text.startswith("Question 3 of 8")
    assert "With a fall, twist or knock" in user.last.button_labels  # injury and onset: one
    await answer(user, "onset", "injury")
    assert [r.red_flags for r in referrals(db, 218)] == [["recent_trauma"]]


async def test_restart_mid_check_resumes_at_the_same_question(harness, db):
    user = harness.user(207)
    await onboard(user)
    await assess(user, {q: DETAILED[q] for q in ASKED[:4]})
    question_message = user.last
    assert question_message.text.startswith("Question 5 of 9")

    await harness.restart()
    await answer(user, ASKED[4], DETAILED[ASKED[4]])  # the button from before the restart
    assert user.last_text.startswith("Question 6 of 9")
    await user.send("5")  # typed text after a restart is not a fresh start either
    assert current(db, 207).current_question == ASKED[5]
    await assess(user, {q: DETAILED[q] for q in ASKED[5:]}, start=False)
    assert plan_state(db, 207).stage == "phase2"


async def test_double_tap_records_once_and_skips_nothing(harness, db):
    user = harness.user(208)
    await onboard(user)
    await user.press("Start the knee check")
    question = user.last
    await user.press("None of these", question)
    count = len(user.messages)
    # A second tap on the same message (Telegram delivers both before the edit lands).
    await user.press_data("assess:answer:urgent_signs:no", question)
    assert len(user.messages) == count
    assert harness.telegram.callback_answers[-1].text.startswith("That answer is already noted")
    assessment = current(db, 208)
    assert assessment.answers == {"age": "18_39", "urgent_signs": "no"}
    assert assessment.current_question == "typical"


async def test_back_goes_to_the_previous_question_and_forgets_its_answer(harness, db):
    user = harness.user(209)
    await onboard(user)
    await assess(user, {"urgent_signs": "yes", "emergency_knee": "none"})
    await user.press("« Back")
    assert user.last_text.startswith("Question 2 of 9")
    assessment = current(db, 209)
    assert assessment.current_question == "emergency_knee"
    assert "emergency_knee" not in assessment.answers


SCALE_AT = ASKED.index("rest_pain")
CHOICE_AT = ASKED.index("location")


async def _at(user, index: int) -> None:  # type: ignore[no-untyped-def]
    await assess(user, {q: DETAILED[q] for q in ASKED[:index]})


@pytest.mark.parametrize(
    "action",
    [
        "text:hello",
        "text:7/10",
        "text:seven",
        "text:11",
        "text:-1",
        "text:😀",
        "long",
        "send_sticker",
        "send_photo",
        "send_voice",
        "edit",
    ],
)
async def test_bad_input_at_a_choice_question_is_reasked_without_change(harness, db, action):
    user = harness.user(210)
    await onboard(user)
    await _at(user, CHOICE_AT)
    before = (len(user.messages), dict(current(db, 210).answers))
    await _do(user, action)
    assert len(user.messages) == before[0] + 1
    assert len(user.last_text) < 120
    assessment = current(db, 210)
    assert (assessment.current_question, assessment.answers) == ("location", before[1])
    assert conversation_state(db, "assessment", 210) == AssessmentState.QUESTION


@pytest.mark.parametrize(
    "action", ["text:11", "text:-1", "text:7.5", "text:😀", "text:lots", "long", "send_sticker"]
)
async def test_bad_input_at_the_pain_keypad_is_reasked(harness, db, action):
    user = harness.user(211)
    await onboard(user)
    await _at(user, SCALE_AT)
    await _do(user, action)
    assessment = current(db, 211)
    assert assessment.current_question == "rest_pain"
    assert "rest_pain" not in assessment.answers


@pytest.mark.parametrize(("typed", "value"), [("7/10", "7"), ("seven", "7"), ("0", "0")])
async def test_pain_can_be_typed(harness, db, typed, value):
    user = harness.user(212)
    await onboard(user)
    await _at(user, SCALE_AT)
    await user.send(typed)
    assert f"{value}/10" in user.messages[-2].text
    assert current(db, 212).answers["rest_pain"] == value


async def _do(user, action: str) -> None:  # type: ignore[no-untyped-def]
    if action.startswith("text:"):
        await user.send(action.removeprefix("text:"))
    elif action == "long":
        await user.send("knee " * 1000)
    elif action == "edit":
        await user.edit(1, "kneecap")
    else:
        await getattr(user, action)()


async def test_pain_keypad_shows_0_to_10_and_extra_options(harness):
    user = harness.user(213)
    await onboard(user)
    await _at(user, ASKED.index("running_pain"))
    labels = user.last.button_labels
    assert labels[:11] == [str(n) for n in range(11)]
    assert "I haven't run recently" in labels


async def test_cancel_stops_the_check_and_old_buttons_are_answered(harness, db):
    user = harness.user(214)
    await onboard(user)
    await assess(user, {"urgent_signs": "no"})
    question = user.last
    await user.send("/cancel")
    assert "stopped" in user.last_text
    assert conversation_state(db, "assessment", 214) is None
    assert assessments(db, 214)[0].status == AssessmentStatus.ABANDONED
    await user.press(question.button_labels[0], question)
    assert "finished" in harness.telegram.callback_answers[-1].text
    await user.press_data("assess:answer:onset:gradual")  # a button from long ago
    assert "finished" in harness.telegram.callback_answers[-1].text


async def test_assess_reruns_at_any_time(harness, db):
    user = harness.user(215)
    await onboard(user)
    await assess(user, TYPICAL)
    await user.send("/assess")
    await assess(user, {**TYPICAL, "flare": "swollen"}, start=False)
    assert plan_state(db, 215).stage == "price"
    assert [a.outcome for a in assessments(db, 215)] == ["programme", "price"]


def test_every_callback_fits_telegrams_64_bytes():
    longest = max(
        len(f"assess:answer:{q.id}:{o.value}".encode())
        for q in get_content().assessment
        for o in q.options
    )
    assert longest <= 64


async def test_answers_continue_when_the_state_was_lost_in_a_crash(harness, db):
    """A crash before the conversation state was flushed: the saved answers still lead."""
    user = harness.user(216)
    await onboard(user)
    await assess(user, {q: DETAILED[q] for q in ASKED[:2]})
    await harness.stop()
    with db.session() as s:
        s.exec(delete(ConversationState))  # as if the last flush never happened
    await harness.start()
    await answer(user, ASKED[2], DETAILED[ASKED[2]])
    assert user.last_text.startswith("Question 4 of 9")
    assert conversation_state(db, "assessment", 216) == AssessmentState.QUESTION
    assert current(db, 216).current_question == ASKED[3]

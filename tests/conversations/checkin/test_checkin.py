"""The check-in flow through the fake Bot API: who may check in, red flags, every kind of bad
input, double taps, Back, /cancel, resuming after a restart, a second check-in the same day,
and the engine's other decisions (back to PRICE, the running gate, no progress in PRICE)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.content import get_content
from bot.services.education import FIRST_DAYS_CARDS, LOAD_CARD, PAIN_RULES_CARD
from bot.services.plan_state import state_from_json
from bot.telegram.jobs import dispatcher_in
from conversations.checkin import CheckinState
from tests.conversations.checkin.journeys import (
    FLARED,
    GOOD_DAY,
    ORDER,
    PHASE1,
    answer_all,
    callback_answers,
    card_message,
    cards_shown,
    check_in,
    checkin_reminder,
    checkins,
    enabled_reminders,
    referrals,
    runner_with_plan,
    tap,
    tasks_done,
)
from tests.conversations.journeys import TYPICAL, conversation_state, onboard, plan_state


def draft(db, user_id: int):  # type: ignore[no-untyped-def]
    """(current question, answers so far) of the check-in being answered."""
    rows = [c for c in checkins(db, user_id) if c.current_question is not None]
    assert len(rows) == 1
    return rows[0].current_question, rows[0].draft


# "Question 9 of 9": the last question of the check-in.
LAST_QUESTION = re.compile(r"Question (\d+) of \1\b")


async def at_question(user, question_id: str) -> None:  # type: ignore[no-untyped-def]
    """/checkin, answered (GOOD_DAY) up to `question_id`."""
    await user.send("/checkin")
    await answer_all(user, {q: GOOD_DAY[q] for q in ORDER[: ORDER.index(question_id)]})


# --- who may check in -------------------------------------------------------------------------


async def test_without_consent_the_user_is_sent_to_start(harness, db):
    user = harness.user(600)
    await user.send("/checkin")
    assert "Send /start" in user.last_text
    assert checkins(db, 600) == []
    assert conversation_state(db, "checkin", 600) is None


async def test_before_the_knee_check_the_user_is_sent_to_assess(harness, db):
    user = harness.user(601)
    await onboard(user)
    await user.send("/checkin")
    assert "send /assess for the knee check" in user.last_text
    assert checkins(db, 601) == []


async def test_a_referred_user_is_told_where_to_go_and_not_checked_in(harness, db):
    user = harness.user(602)
    await runner_with_plan(user, TYPICAL)
    await user.send("my knee gave way on the stairs")  # outside any flow: unclear, so asked
    assert user.last.button_labels == ["Yes", "No", "Not sure"]
    await user.press("Yes")  # confirmed: referred
    assert plan_state(db, 602).stage == "referred"
    await user.send("/checkin")
    assert "no check-in for now" in user.last_text
    assert "NHS 111" in user.last_text  # same day, in the UK
    assert user.last.inline_buttons == []
    assert checkins(db, 602) == []
    assert conversation_state(db, "checkin", 602) is None


# --- red flags win ----------------------------------------------------------------------------


async def test_a_red_flag_in_the_rescreen_ends_with_the_referral_and_no_plan(harness, db):
    user = harness.user(603)
    await runner_with_plan(user, TYPICAL)
    assert "exercise" in enabled_reminders(db, 603)
    await user.send("/checkin")
    sent = len(user.messages)
    await tap(user, "red_flags", "giving_way")
    (text,) = user.texts_since(sent)  # the referral only: no next question, no plan
    assert "You reported: Giving way" in text
    assert "Please get your knee seen today" in text  # the same-day heading
    assert "NHS 111" in text  # where to go, in the UK
    assert "Sources:" in text
    (referral,) = referrals(db, 603)
    assert (referral.source, referral.tier, referral.red_flags) == (
        "checkin",
        "same_day",
        ["giving_way"],
    )
    assert plan_state(db, 603).stage == "referred"
    assert enabled_reminders(db, 603) == []  # re-planned away with the referral
    (row,) = checkins(db, 603)
    assert (row.red_flags, row.decision, row.rule_id) == (
        ["giving_way"],
        "refer",
        "red_flag_in_checkin",
    )
    assert row.pain_now is None
    assert conversation_state(db, "checkin", 603) is None
    await user.send("/plan")
    assert "paused" in user.last_text


async def test_clinician_soon_answer_refers_to_a_gp(harness, db):
    user = harness.user(604)
    await runner_with_plan(user, TYPICAL)
    await user.send("/checkin")
    await tap(user, "red_flags", "night_pain")
    assert "GP or a physiotherapist" in user.last_text
    assert referrals(db, 604)[0].tier == "clinician_soon"
    assert plan_state(db, 604).stage == "referred"


@pytest.mark.parametrize("how", ["typed", "edited"])
async def test_a_red_flag_in_typed_text_mid_checkin_wins(harness, db, how):
    user = harness.user(605)
    await runner_with_plan(user, TYPICAL)
    await at_question(user, "worst_pain_24h")
    if how == "typed":
        await user.send("3, but my knee locked this morning")  # explicit: referred at once
    else:
        await user.edit(1, "my knee keeps giving way")  # unclear: asked first
        await user.press("Not sure")
    # Same day, not 999: the route for the user's country (London) at that urgency.
    assert "Please get your knee seen today" in user.last_text
    assert "NHS 111" in user.last_text
    assert "999" not in user.last_text
    assert referrals(db, 605)[0].source == "free_text"
    assert plan_state(db, 605).stage == "referred"
    assert checkins(db, 605) == []  # the unfinished check-in is dropped
    assert conversation_state(db, "checkin", 605) is None


# --- bad input changes nothing ------------------------------------------------------------------


async def _do(user, action: str) -> None:  # type: ignore[no-untyped-def]
    if action.startswith("text:"):
        await user.send(action.removeprefix("text:"))
    elif action == "long":
        await user.send("knee " * 100)
    elif action == "edit":
        await user.edit(1, "kneecap")
    else:
        await getattr(user, action)()


@pytest.mark.parametrize(
    "action",
    ["text:11", "text:-1", "text:7.5", "text:lots", "text:😀", "long", "send_sticker", "edit"],
)
async def test_bad_input_at_the_pain_keypad_is_reasked_without_change(harness, db, action):
    user = harness.user(606)
    await runner_with_plan(user, TYPICAL)
    await at_question(user, "pain_now")
    before = (len(user.messages), draft(db, 606))
    await _do(user, action)
    assert len(user.messages) == before[0] + 1  # one short re-ask
    assert len(user.last_text) < 120
    assert draft(db, 606) == before[1] == ("pain_now", {"red_flags": "none"})
    assert conversation_state(db, "checkin", 606) == CheckinState.QUESTION


# ("yes" used to be here; a typed yes/no is now read - see the test below.)
@pytest.mark.parametrize(
    "action", ["text:perhaps", "text:3", "text:purple", "send_photo", "send_voice", "long"]
)
async def test_bad_input_at_a_button_question_is_reasked_without_change(harness, db, action):
    user = harness.user(607)
    await runner_with_plan(user, TYPICAL)
    await at_question(user, "swelling")
    before = (len(user.messages), draft(db, 607))
    await _do(user, action)
    assert len(user.messages) == before[0] + 1
    assert draft(db, 607) == before[1]
    assert before[1][0] == "swelling"


@pytest.mark.parametrize(("typed", "value"), [("yes", "yes"), ("Yep", "yes"), ("nope", "no")])
async def test_a_typed_yes_or_no_answers_a_yes_no_question(harness, db, typed, value):
    user = harness.user(609)
    await runner_with_plan(user, TYPICAL)
    await at_question(user, "swelling")
    await user.send(typed)
    assert user.messages[-2].text.startswith("Noted: ")
    state = draft(db, 609)
    assert state is not None
    assert state[1]["swelling"] == value


@pytest.mark.parametrize(
    ("typed", "value"),
    [("seven", "7"), ("7/10", "7"), ("0", "0"), ("pain is about 3 out of 10", "3")],
)
async def test_pain_can_be_typed(harness, db, typed, value):
    user = harness.user(608)
    await runner_with_plan(user, TYPICAL)
    await at_question(user, "pain_now")
    await user.send(typed)
    assert user.messages[-2].text == f"Noted: {value}/10."
    assert user.last_text.startswith("Question 3 of 8")
    assert draft(db, 608) == ("worst_pain_24h", {"red_flags": "none", "pain_now": value})


async def test_the_keypad_shows_0_to_10_and_the_no_activity_option(harness):
    user = harness.user(609)
    await runner_with_plan(user, TYPICAL)
    await at_question(user, "activity_pain")
    labels = user.last.button_labels
    assert labels[:11] == [str(n) for n in range(11)]
    assert labels[11:] == ["I didn't exercise or run", "« Back"]


# --- taps -----------------------------------------------------------------------------------------


async def test_a_double_tap_records_once(harness, db):
    user = harness.user(610)
    await runner_with_plan(user, TYPICAL)
    await user.send("/checkin")
    question = user.last
    await tap(user, "red_flags", "none")
    count = len(user.messages)
    # The second tap of a double tap arrives before the edit that removed the buttons.
    await user.press_data("checkin:answer:red_flags:none", question)
    assert len(user.messages) == count
    assert callback_answers(user)[-1].startswith("That answer is already noted")
    assert draft(db, 610) == ("pain_now", {"red_flags": "none"})


async def test_back_goes_to_the_previous_question_and_forgets_its_answer(harness, db):
    user = harness.user(611)
    await runner_with_plan(user, TYPICAL)
    await at_question(user, "worst_pain_24h")
    await user.press("« Back")
    assert user.last_text.startswith("Question 2 of 8")
    assert draft(db, 611) == ("pain_now", {"red_flags": "none"})
    assert "« Back" in user.last.button_labels
    await user.press("« Back")
    assert user.last_text.startswith("Question 1 of 8")
    assert "« Back" not in user.last.button_labels  # nothing before the safety question


async def test_finished_and_stale_buttons_get_a_short_answer(harness, db):
    user = harness.user(612)
    await runner_with_plan(user, TYPICAL)
    await user.send("/checkin")
    first_question = user.last
    await answer_all(user)
    count = len(user.messages)
    await user.press_data("checkin:answer:red_flags:none", first_question)
    await user.press_data("checkin:back:pain_now")  # from an old message
    assert len(user.messages) == count
    assert (
        callback_answers(user)[-2:]
        == [
            "That check-in is finished. Send /checkin to check in again.",
        ]
        * 2
    )
    assert len(checkins(db, 612)) == 1


# --- /cancel, restart, a second check-in ---------------------------------------------------------


async def test_cancel_stops_without_changing_anything(harness, db):
    user = harness.user(613)
    await runner_with_plan(user, TYPICAL)
    await at_question(user, "morning")
    await user.send("/cancel")
    assert "Check-in stopped; nothing was changed" in user.last_text
    assert checkins(db, 613) == []
    assert conversation_state(db, "checkin", 613) is None
    assert tasks_done(db, 613) == []
    assert cards_shown(db, 613) == [("2026-11-25", "what_is_runners_knee")]  # with the plan
    await user.send("3")  # no longer read as an answer
    assert "didn't catch that" in user.last_text


async def test_other_commands_mid_checkin_are_held_back(harness, db):
    user = harness.user(614)
    await runner_with_plan(user, TYPICAL)
    await at_question(user, "pain_now")
    await user.send("/plan")
    assert "finish the check-in first" in user.last_text
    await user.send("/help")
    assert "/checkin" in user.last_text
    assert draft(db, 614)[0] == "pain_now"


async def test_a_restart_resumes_at_the_same_question(harness, db):
    user = harness.user(615)
    await runner_with_plan(user, TYPICAL)
    await at_question(user, "worst_pain_24h")
    await harness.restart()
    await user.send("4")  # typed, after the restart: still the keypad question
    assert user.last_text.startswith("Question 4 of 8")
    await harness.restart()
    await answer_all(user, {q: GOOD_DAY[q] for q in ORDER[3:]})  # buttons from before
    (row,) = checkins(db, 615)
    assert (row.pain_now, row.worst_pain_24h, row.decision) == (1, 4, "stay")


async def test_a_second_checkin_updates_the_days_row_and_cancel_keeps_the_first(harness, db):
    user = harness.user(616)
    await runner_with_plan(user, TYPICAL)
    await check_in(user)
    await user.send("/checkin")
    assert "You've already checked in today" in user.messages[-2].text
    await answer_all(user, {q: GOOD_DAY[q] for q in ORDER[:3]})
    await user.send("/cancel")
    (row,) = checkins(db, 616)
    assert (row.pain_now, row.draft, row.current_question) == (1, None, None)

    await check_in(user, {**GOOD_DAY, "pain_now": "2", "running_minutes": "10"})
    assert user.last_text.startswith("Today's check-in is updated")
    (row,) = checkins(db, 616)
    assert (row.pain_now, row.running_minutes) == (2, 10)
    # The check-in and the exercises it said were done, each logged once.
    assert sorted(task for _, task in tasks_done(db, 616)) == ["checkin", "exercise"]


# --- the engine's other decisions -----------------------------------------------------------------


async def test_a_flare_sends_the_runner_back_to_price_with_icing_reminders(harness, db):
    user = harness.user(617)
    await runner_with_plan(user, PHASE1)
    assert "icing" not in enabled_reminders(db, 617)
    await check_in(user, {**GOOD_DAY, "swelling": "yes"})
    result, plan = user.messages[-2].text, user.last_text
    assert "Back to settling the flare. Your plan now: PRICE (settling a flare)." in result
    assert "visibly swollen" in result
    assert "PRICE" in plan
    assert plan_state(db, 617).stage == "price"
    assert "icing" in enabled_reminders(db, 617)
    assert checkins(db, 617)[0].decision == "back_to_price"


async def test_too_much_pain_during_exercise_drops_a_level(harness, db):
    user = harness.user(618)
    await runner_with_plan(user, TYPICAL)  # phase 2
    await check_in(user, {**GOOD_DAY, "activity_pain": "7"})
    # The result, the new plan, and the pain-rules card: the first time they hold the plan.
    result, plan, card = (m.text or "" for m in user.messages[-3:])
    assert "A step back, to go easier for a while. Your plan now: Phase 1" in result
    assert plan.startswith("Today")
    assert card == card_message(PAIN_RULES_CARD)
    assert plan_state(db, 618).stage == "phase1"


async def test_phase_2_asks_the_running_gate_and_passing_it_starts_phase_3(harness, db, clock):
    user = harness.user(619)
    await runner_with_plan(user, TYPICAL)  # phase 2 from today
    for day in range(7):
        seen = len(user.messages)
        await check_in(user)
        texts = user.texts_since(seen)
        questions = [text for text in texts if text.startswith("Question")]
        assert LAST_QUESTION.match(questions[-1])  # how long they ran: no gate yet
        # The first days' cards: day 0's came with the plan, days 1 and 2 follow the result.
        if day in (1, 2):
            assert texts[-1] == card_message(FIRST_DAYS_CARDS[day])
        else:
            assert texts[-1].startswith("Check-in saved")
        clock.advance(timedelta(days=1))
    await user.send("/checkin")
    await answer_all(user)
    gate = get_content().return_to_running.gate
    assert LAST_QUESTION.match(user.last_text)  # the gate comes last
    assert "brisk" in user.last_text
    await user.press("Yes, no pain at all")
    result = user.messages[-2].text
    assert "A step up. Your plan now: Phase 3 - return to running (Walk 4 min, run 1 min)" in result
    assert plan_state(db, 619).stage == "phase3"
    assert checkins(db, 619)[-1].run_gate_passed is True
    assert gate.references  # the gate is asked from content, with its sources

    # Checking in again that day decides again from phase 2: the gate is asked again.
    await user.send("/checkin")
    await answer_all(user, {**GOOD_DAY, "run_gate": "yes"})
    assert LAST_QUESTION.match(user.messages[-2].text)
    assert "brisk" in user.messages[-2].text
    assert "A step up. Your plan now: Phase 3" in user.last_text
    assert plan_state(db, 619).stage == "phase3"
    assert len(checkins(db, 619)) == 8


async def test_a_failed_gate_holds_phase_2(harness, db, clock):
    user = harness.user(620)
    await runner_with_plan(user, TYPICAL)
    for _day in range(7):
        await check_in(user)
        clock.advance(timedelta(days=1))
    await check_in(user, {**GOOD_DAY, "run_gate": "no"})
    # The day the gate is first asked, the load card follows the result.
    assert "Your plan stays as it is: Phase 2" in user.messages[-2].text
    assert user.last_text == card_message(LOAD_CARD)
    assert checkins(db, 620)[-1].run_gate_passed is False


async def test_no_progress_after_two_weeks_in_price_suggests_a_clinician_and_price_goes_on(
    harness, db, clock
):
    # Issue 9 item 6: the 14-day PRICE limit suggests a clinician rather than stopping.
    user = harness.user(621)
    await runner_with_plan(user, FLARED)
    clock.advance(timedelta(days=14))
    await check_in(user, {**GOOD_DAY, "pain_now": "5", "worst_pain_24h": "5"})
    text = user.last_text
    assert "14 days" in text
    assert "GP or physiotherapist" in text
    assert "Your plan stays as it is: PRICE" in text
    assert referrals(db, 621) == []
    assert plan_state(db, 621).stage == "price"
    assert "checkin" in enabled_reminders(db, 621)


async def test_a_checkin_started_before_midnight_finishes_on_that_day(harness, db, clock):
    user = harness.user(622)
    await runner_with_plan(user, TYPICAL)
    clock.set(clock.now().replace(hour=23, minute=55))
    await at_question(user, "swelling")
    clock.advance(timedelta(minutes=10))  # 00:05 the next day
    await answer_all(user, {q: GOOD_DAY[q] for q in ORDER[5:]})
    (row,) = checkins(db, 622)
    assert row.local_date.isoformat() == "2026-11-25"
    assert state_from_json(plan_state(db, 622).state).stage.value == "phase2"


async def test_an_unfinished_checkin_from_yesterday_does_not_block_todays_nudge(harness, db, clock):
    user = harness.user(623)
    await runner_with_plan(user, TYPICAL)
    await at_question(user, "morning")  # and then the runner puts the phone away
    for _day in range(2):  # that evening's nudge is ignored too; the next evening's is tapped
        due = checkin_reminder(db, 623).next_fire_at
        clock.set(due)
        await dispatcher_in(harness.app.bot_data).tick(due)
    assert due.date().isoformat() == "2026-11-26"
    await user.press("Check in now")
    assert user.last_text.startswith("Question 1 of 8")
    await answer_all(user)
    assert [c.local_date.isoformat() for c in checkins(db, 623)] == ["2026-11-26"]
    # The knee check was the day before: the first days' second card follows the result.
    assert "Check-in saved for Thu 26 Nov." in user.messages[-2].text
    assert user.last_text == card_message(FIRST_DAYS_CARDS[1])


def test_every_callback_fits_telegrams_64_bytes():
    longest = max(
        len(f"checkin:answer:{q.id}:{o.value}".encode())
        for q in get_content().checkin
        for o in q.options
    )
    assert longest <= 64

"""A question that never arrived never strands the user: the answer before it is saved, and
the next tap or text shows the question again (issue 13, "a user stuck mid-check")."""

from __future__ import annotations

import pytest

from tests.conversations.journeys import ASKED, current, onboard


@pytest.mark.parametrize("failure", ["server_error", "timeout", "bad_request", "retry_after"])
async def test_a_lost_next_question_is_shown_again_on_the_next_tap(harness, db, failure):
    user = harness.user(401)
    await onboard(user)
    await user.press("Start the knee check")
    first = user.last
    harness.telegram.fail_next("sendMessage", failure, chat_id=401)
    await user.press("None of these", first)  # saved; question 2 is lost on the way
    assert current(db, 401).current_question == "typical"
    assert first.button_labels  # the answered question kept its buttons

    await user.press("None of these", first)  # the user taps again: nothing is stuck
    assert user.last_text.startswith("Question 2 of 5")
    assert user.last.button_labels
    assert current(db, 401).answers == {"age": "18_39", "urgent_signs": "no"}  # recorded once

    count = len(user.messages)
    await user.press_data(f"assess:answer:{ASKED[0]}:no", first)  # a plain double tap now
    assert len(user.messages) == count  # no repeat once the question has arrived


async def test_a_lost_next_question_is_shown_again_when_the_user_types(harness, db):
    user = harness.user(402)
    await onboard(user)
    await user.press("Start the knee check")
    harness.telegram.fail_next("sendMessage", "server_error", chat_id=402)
    await user.press("None of these")
    await user.send("hello?")
    assert user.last_text.startswith("Question 2 of 5")
    assert current(db, 402).current_question == "typical"

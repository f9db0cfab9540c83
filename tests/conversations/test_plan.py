"""/plan, its exercise details and "Done" buttons, /about and /help."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.content import get_content
from bot.content.texts import get_texts
from bot.services.education import FIRST_DAYS_CARDS, SHOWN_PREFIX
from bot.storage.models import TaskLog
from tests.conversations.journeys import TYPICAL, assess, onboard


def _logs(db, user_id):  # type: ignore[no-untyped-def]
    """The tasks marked done (not the education cards handed out, logged as `card:<id>`)."""
    with db.session() as s:
        rows = s.exec(select(TaskLog).where(TaskLog.user_id == user_id))
        return [r for r in rows if not r.task_id.startswith(SHOWN_PREFIX)]


def first_card_title() -> str:
    return next(c.title for c in get_content().education if c.id == FIRST_DAYS_CARDS[0])


async def test_plan_before_any_assessment_points_to_assess(harness):
    user = harness.user(300)
    await user.send("/plan")
    assert "/assess" in user.last_text


async def test_exercise_opens_instructions_cautions_and_variants(harness):
    user = harness.user(301)
    await onboard(user)
    await assess(user, TYPICAL)
    await user.send("/plan")
    await user.press("How to: Wall squat with a physioball")
    squat = get_content().exercises["wall_squat"]
    assert squat.steps[0].split(",")[0] in user.last_text
    assert "Take care" in user.last_text
    assert "75 degrees" in user.last_text
    await user.press("Easier")
    assert user.last_text == f"Easier: {squat.easier}"
    await user.press("Harder")
    assert user.last_text == f"Harder: {squat.harder}"
    await user.press("« Today's plan")
    assert user.last_text.startswith("Today")


async def test_done_is_stored_once_per_local_day(harness, db, clock):
    user = harness.user(302)
    await onboard(user, zone="Tokyo")  # 09:00 UTC is 18:00 in Tokyo
    await assess(user, TYPICAL)
    # The knee check ends with the plan, then the first day's education card.
    plan_message, card = user.messages[-2:]
    assert (card.text or "").startswith(first_card_title())
    data = next(
        b["callback_data"]
        for b in plan_message.inline_buttons
        if b["text"] == "Done: Hamstring stretch on a step"
    )
    await user.press_data(data, plan_message)
    await user.press_data(data, plan_message)  # double tap
    assert "Already marked done" in harness.telegram.callback_answers[-1].text
    (log,) = _logs(db, 302)
    assert (log.task_id, log.local_date.isoformat()) == ("hamstring_stretch", "2026-03-04")
    assert "✅ Hamstring stretch" in user.last_text or any(
        "✅ Hamstring stretch" in (m.text or "") for m in user.messages
    )

    clock.advance(timedelta(hours=6))  # 15:00 UTC on the 4th is already the 5th in Tokyo
    await user.press_data(data, plan_message)  # yesterday's button
    assert "another day" in harness.telegram.callback_answers[-1].text
    assert len(_logs(db, 302)) == 1
    assert user.last_text.startswith("Today, Thu 05 Mar")


async def test_plan_buttons_survive_a_restart(harness, db):
    user = harness.user(303)
    await onboard(user)
    await assess(user, TYPICAL)
    await harness.restart()
    await user.press("Done: Hamstring stretch on a step")
    assert len(_logs(db, 303)) == 1
    await user.press_data("plan:ex:no_such_exercise")
    assert "not on today's plan" in harness.telegram.callback_answers[-1].text


async def test_about_has_disclaimer_and_references(harness):
    user = harness.user(304)
    await user.send("/about")
    content = get_content()
    introduction, *sources = user.texts_since(0)
    assert "not a doctor" in introduction
    assert sources, "the sources come as a message of their own"
    for reference in content.references.values():
        assert any(reference.short in text for text in sources)


async def test_help_lists_the_new_commands(harness):
    user = harness.user(305)
    await user.send("/help")
    for command in ("/assess", "/plan", "/about", "/cancel"):
        assert command in user.last_text


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("", id="empty"),
        pytest.param("plan:done:hamstring_stretch:20261304", id="done-month-13"),
        pytest.param("plan:done:hamstring_stretch:2026034", id="done-short-date"),
        pytest.param("plan:done:2147483648:20260304", id="done-id-past-2^31"),
        pytest.param("plan:done:hamstring_stretch", id="done-no-date"),
        pytest.param("plan:done", id="done-no-arguments"),
        pytest.param("plan:done:Hamstring_Stretch:20260304", id="done-not-a-content-id"),
        pytest.param("plan:ex", id="exercise-no-id"),
        pytest.param("plan:ex:2147483648", id="exercise-id-past-2^31"),
        pytest.param("plan:task:" + "a" * 60, id="over-64-bytes"),
        pytest.param("plan:var:wall_squat:sideways", id="variant-unknown"),
        pytest.param("plan:var:wall_squat", id="variant-missing"),
        pytest.param("plan:explode", id="unknown-action"),
    ],
)
async def test_an_unreadable_plan_press_is_answered_as_a_stale_button(harness, db, caplog, data):  # type: ignore[no-untyped-def]
    user = harness.user(306)
    await onboard(user)
    await assess(user, TYPICAL)
    caplog.set_level(logging.INFO)
    shown = len(user.messages)
    await user.press_data(data)
    texts = get_texts().ui
    assert harness.telegram.callback_answers[-1].text == texts.stale_button
    assert all(text != texts.error for text in user.texts_since(shown))  # no apology
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert _logs(db, 306) == []

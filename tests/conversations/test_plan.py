"""/plan, its exercise details and "Done" buttons, /about and /help."""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta

import pytest
from sqlmodel import select

from bot.coaching.plan import describe_dosage
from bot.content import get_content
from bot.content.texts import get_texts
from bot.services.education import FIRST_DAYS_CARDS, SHOWN_PREFIX
from bot.storage.models import TaskLog
from conversations.plan import exercise_text
from tests.conversations.journeys import TYPICAL, assess, onboard, plan_shown


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
    await user.press("Wall squat with a physioball")
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
    assert (user.last_text or "").startswith(first_card_title())
    await user.press("Hamstring stretch on a step")
    page = user.last
    data = next(b["callback_data"] for b in page.inline_buttons if b["text"] == "Done ✓")
    await user.press_data(data, page)
    await user.press_data(data, page)  # double tap
    assert "Already marked done" in harness.telegram.callback_answers[-1].text
    (log,) = _logs(db, 302)
    assert (log.task_id, log.local_date.isoformat()) == ("hamstring_stretch", "2026-03-04")
    await user.press("« Today's plan")
    assert "✅ Hamstring stretch" in user.last_text
    assert "✅ Hamstring stretch on a step" in user.last.button_labels

    clock.advance(timedelta(hours=6))  # 15:00 UTC on the 4th is already the 5th in Tokyo
    await user.press_data(data, page)  # yesterday's button, before noon: still counts
    assert "Already marked done" in harness.telegram.callback_answers[-1].text
    clock.advance(timedelta(hours=12))  # 12:00 on the 5th in Tokyo: yesterday has closed
    await user.press_data(data, page)
    assert "another day" in harness.telegram.callback_answers[-1].text
    assert len(_logs(db, 302)) == 1
    assert user.last_text.startswith("Today, Thu 05 Mar")


async def test_plan_buttons_survive_a_restart(harness, db):
    user = harness.user(303)
    await onboard(user)
    await assess(user, TYPICAL)
    await harness.restart()
    await user.press("Hamstring stretch on a step")
    await user.press("Done ✓")
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


async def test_an_accidental_done_can_be_undone(harness, db):
    user = harness.user(307)
    await onboard(user)
    await assess(user, TYPICAL)
    await user.press("Hamstring stretch on a step")
    await user.press("Done ✓")
    assert user.last.button_labels.count("Undo") == 1
    assert "Done ✓" not in user.last.button_labels
    await user.press("Undo")
    assert harness.telegram.callback_answers[-1].text.startswith("Not done after all")
    assert _logs(db, 307) == []
    assert "Done ✓" in user.last.button_labels
    await user.press("« Today's plan")
    assert "▫️ Hamstring stretch on a step" in user.last_text
    assert "Hamstring stretch on a step" in user.last.button_labels


async def test_undo_of_a_whole_exercise_session_keeps_the_other_exercises_ticked(harness, db):
    user = harness.user(308)
    await onboard(user)
    await assess(user, TYPICAL)
    with db.session() as s:  # Done on an exercise nudge from before tasks were ticked singly
        s.add(TaskLog(user_id=308, local_date=date(2026, 3, 4), task_id="exercise",
                      done_at=harness.clock.now()))  # fmt: skip
    await user.send("/plan")
    await user.press("✅ Hamstring stretch on a step")
    await user.press("Undo")
    ticked = {log.task_id for log in _logs(db, 308)}
    assert "exercise" not in ticked
    assert "hamstring_stretch" not in ticked
    assert {"wall_squat", "foam_roll_itb"} <= ticked


async def test_yesterday_can_be_logged_until_noon(harness, db, clock):
    user = harness.user(309)
    await onboard(user)  # London, Wed 4 March
    await assess(user, TYPICAL)
    clock.advance(timedelta(hours=23))  # 08:00 on Thursday
    await user.send("/plan")
    assert "/yesterday is open until noon" in plan_shown(user).text
    await user.send("/yesterday")
    assert user.last_text.startswith("Yesterday, Wed 04 Mar")
    await user.press("Hamstring stretch on a step")
    await user.press("Done ✓")
    (log,) = _logs(db, 309)
    assert (log.task_id, log.local_date) == ("hamstring_stretch", date(2026, 3, 4))
    await user.send("/plan")
    today = plan_shown(user)  # today's plan is today's: yesterday's tick is not on it
    assert "Hamstring stretch on a step" in today.button_labels
    assert "✅ Hamstring stretch on a step" not in today.button_labels
    assert "/yesterday is open until noon" in user.last_text  # more of yesterday to log
    clock.advance(timedelta(hours=4))  # 12:00: yesterday has closed
    await user.send("/plan")
    assert "/yesterday" not in plan_shown(user).text
    await user.send("/yesterday")
    assert "only be logged until noon" in user.last_text


async def test_the_plan_says_how_to_run_and_when_strength_rests(harness, clock):
    user = harness.user(310)
    await onboard(user)
    await assess(user, TYPICAL)  # phase 2, strength on days 0, 2, 4 ...
    await user.send("/plan")
    plan = plan_shown(user)
    assert "Running: Same as phase 1: easy and short" in plan.text
    assert "No strength work today" not in plan.text
    assert "Wall squat with a physioball" in plan.button_labels
    clock.advance(timedelta(days=1))
    await user.send("/plan")
    plan = plan_shown(user)
    assert "No strength work today" in plan.text
    assert "Wall squat with a physioball" not in plan.button_labels
    assert len(plan.button_labels) <= 8


def test_the_wall_squat_page_gives_one_depth_in_every_phase():
    content = get_content()
    for number in (1, 2, 3):
        for exercise, dosage, entry in content.phase_exercises(number):
            if exercise.id != "wall_squat":
                continue
            page = exercise_text(exercise, describe_dosage(dosage), entry.note or "")
            depths = set(re.findall(r"(\d+) degree", page))
            assert depths == {str(dosage.max_knee_flexion_deg)}, (number, depths)


async def test_yesterday_before_the_plan_began_has_nothing_to_log(harness, clock):
    user = harness.user(311)
    await onboard(user)
    clock.advance(timedelta(hours=15))  # assessed at 00:00 on Thursday: no plan yesterday
    await assess(user, TYPICAL)
    await user.send("/plan")
    assert "/yesterday" not in plan_shown(user).text  # nothing of yesterday to log
    await user.send("/yesterday")
    assert user.last_text.startswith("Your plan started today")
    assert user.last.inline_buttons == []


async def test_a_done_under_an_older_plan_message_refreshes_that_plan(harness, db):
    user = harness.user(312)
    await onboard(user)
    await assess(user, TYPICAL)
    plan_message = plan_shown(user)  # Done buttons sat under the plan itself before task pages
    await user.press_data("plan:done:hamstring_stretch:20260304", plan_message)
    assert [log.task_id for log in _logs(db, 312)] == ["hamstring_stretch"]
    refreshed = plan_shown(user)
    assert "✅ Hamstring stretch on a step" in refreshed.button_labels
    assert refreshed.message_id == plan_message.message_id  # edited in place

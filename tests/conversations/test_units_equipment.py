"""Units and kit in /settings, through the fake Bot API: lengths are metric by default and
imperial where the runner's country measures in feet (told from their zone), switchable in one
tap; a runner without a foam roller, physioball or band is offered each exercise's alternative
on today's plan. Every change is confirmed in one line."""

from __future__ import annotations

from datetime import timedelta

from bot.coaching.units import Units, default_units, feet, inches
from bot.content import get_content
from bot.content.texts import get_texts
from bot.sandbox.fake_telegram.harness import BotHarness
from bot.sandbox.fake_telegram.users import FakeUser
from bot.services.today import plan_today
from bot.storage.db import Database
from bot.storage.models import Profile
from tests.conversations.checkin.journeys import PHASE1, runner_with_plan
from tests.conversations.journeys import assess, onboard, plan_shown

COPY = get_texts().settings


async def phase1_runner(harness: BotHarness, user_id: int) -> FakeUser:
    user = harness.user(user_id)
    await runner_with_plan(user, PHASE1)
    return user


def dosages(db: Database, user_id: int, clock) -> dict[str, tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """Today's exercise tasks as /plan shows them: id -> (title, dosage, note)."""
    with db.session() as s:
        plan = plan_today(s, user_id, clock.now())
    return {t.id: (t.title, t.dosage, t.instructions) for t in plan.tasks if t.exercise_id}


def test_metric_everywhere_but_where_people_measure_in_feet() -> None:
    assert default_units("Europe/London") is Units.METRIC
    assert default_units("Europe/Berlin") is Units.METRIC
    assert default_units("America/New_York") is Units.IMPERIAL
    assert default_units("America/Los_Angeles") is Units.IMPERIAL
    assert default_units("America/Toronto") is Units.METRIC
    assert default_units(None) is Units.METRIC
    # The article's 6-8 inch step and 10-15 ft, as a person would measure them in metric.
    assert (inches(6, Units.METRIC), inches(8, Units.METRIC)) == (15, 20)
    assert (feet(10, Units.METRIC), feet(15, Units.METRIC)) == (3, 4.5)
    assert (feet(10, Units.IMPERIAL), inches(8, Units.IMPERIAL)) == (10, 8)


async def test_a_london_runner_sees_metric_and_can_switch_to_imperial(
    harness: BotHarness, db: Database, clock
) -> None:
    user = await phase1_runner(harness, 1601)
    plan = dosages(db, 1601, clock)
    assert plan["hamstring_stretch"][1] == "3 x 30 s, foot on a 15-20 cm step"
    assert "inch" not in " ".join(d for _t, d, _n in plan.values())
    await user.send("/plan")
    assert "Hamstring stretch on a step: 3 x 30 s, foot on a 15-20 cm step" in user.last_text
    assert " ft " not in user.last_text
    assert "inch" not in user.last_text
    await user.send("/settings")
    assert "Lengths in metric (cm, m)" in user.last_text
    await user.press("Units: metric")
    assert user.last_text == "Units: imperial (inch, ft). Today's plan shows it now (/plan)."
    assert "Units: imperial" in user.messages[-2].button_labels  # the menu, updated in place
    with db.session() as s:
        stored = s.get(Profile, 1601)
        assert stored is not None
        assert stored.units == "imperial"
    assert dosages(db, 1601, clock)["hamstring_stretch"][1] == "3 x 30 s, foot on a 6-8 inch step"
    await user.send("/plan")
    assert "Hamstring stretch on a step: 3 x 30 s, foot on a 6-8 inch step" in user.last_text
    await user.send("/settings")
    menu = user.last
    assert "Units: imperial" in menu.button_labels
    await user.press("Units: imperial", menu)
    assert dosages(db, 1601, clock)["hamstring_stretch"][1] == "3 x 30 s, foot on a 15-20 cm step"


async def test_a_new_york_runner_sees_feet_and_inches(
    harness: BotHarness, db: Database, clock
) -> None:
    user = harness.user(1602)
    await onboard(user, zone="New York")
    await assess(user, PHASE1)
    plan = dosages(db, 1602, clock)
    assert plan["hamstring_stretch"][1] == "3 x 30 s, foot on a 6-8 inch step"


async def test_without_a_foam_roller_the_plan_offers_the_rolling_pin(
    harness: BotHarness, db: Database, clock
) -> None:
    user = await phase1_runner(harness, 1603)
    content = get_content()
    rolled = [e.id for e in content.exercises.values() if e.equipment == "foam_roller"]
    before = dosages(db, 1603, clock)
    on_plan = [i for i in rolled if i in before]
    assert on_plan
    await user.send("/settings")
    await user.press("Foam roller: yes")
    assert user.last_text == "Foam roller: none. Today's plan shows it now (/plan)."
    after = dosages(db, 1603, clock)
    for exercise_id in on_plan:
        without = content.exercises[exercise_id].without
        assert without is not None
        title, dosage, note = after[exercise_id]
        assert title == without.title
        assert note.startswith(without.how)
        assert dosage == before[exercise_id][1]
    # Everything else is as it was.
    assert {k: v for k, v in after.items() if k not in on_plan} == {
        k: v for k, v in before.items() if k not in on_plan
    }
    await user.press("Foam roller: none", user.messages[-2])
    assert user.last_text == "Foam roller: yes. Today's plan shows it now (/plan)."
    assert dosages(db, 1603, clock) == before


async def test_without_a_foam_roller_the_page_teaches_the_rolling_pin_not_the_roller(
    harness: BotHarness, db: Database, clock
) -> None:
    user = await phase1_runner(harness, 1606)
    await user.send("/settings")
    await user.press("Foam roller: yes")
    without = get_content().exercises["foam_roll_itb"].without
    assert without is not None
    await user.send("/plan")
    plan = plan_shown(user)
    await user.press(without.title, plan)
    page = user.last_text
    assert page.startswith(f"{without.title}\n\n")
    assert f"1. {without.how}" in page  # its how-to is the steps ...
    assert page.count(without.how) == 1  # ... and not repeated in the note
    assert "foam roller" not in page.split("Take care")[0].replace("No foam roller", "")
    assert "Done" in " ".join(user.last.button_labels)


async def test_without_a_band_the_side_steps_lose_the_band_position(
    harness: BotHarness, db: Database, clock
) -> None:
    user = await phase1_runner(harness, 1604)
    before = dosages(db, 1604, clock)
    await user.send("/settings")
    await user.press("Loop band: yes")
    after = dosages(db, 1604, clock)
    banded = [i for i in ("band_lateral_walk", "monster_walk") if i in before]
    assert banded, before.keys()
    for exercise_id in banded:
        assert "band" in before[exercise_id][1]
        assert "band" not in after[exercise_id][1]
        assert after[exercise_id][0].endswith("no band")


def test_every_exercise_that_needs_kit_has_a_short_alternative() -> None:
    content = get_content()
    needing = {e.id: e for e in content.exercises.values() if e.equipment is not None}
    assert set(needing) >= {"foam_roll_itb", "wall_squat", "band_lateral_walk", "monster_walk"}
    for exercise in needing.values():
        assert exercise.without is not None
        assert len(exercise.without.title) <= 30


async def test_an_exercise_opened_off_todays_plan_shows_the_runners_units(
    harness: BotHarness, db: Database, clock
) -> None:
    user = await phase1_runner(harness, 1605)
    clock.advance(timedelta(days=1))  # not a strength day: the side steps are not on the plan
    assert "band_lateral_walk" not in dosages(db, 1605, clock)
    await user.press_data("plan:ex:band_lateral_walk")  # yesterday's button
    assert user.last_text.startswith("Band side steps\n\n")
    assert "3 x 3-4.5 m each way" in user.last_text
    assert " ft " not in user.last_text

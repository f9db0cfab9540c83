"""Daily plans: PRICE tasks, phase exercises with their dosages, walk/run on alternate days."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.coaching.plan import describe_dosage, is_run_day, plan_for
from bot.coaching.progression import PlanState, Stage
from bot.content import Content
from bot.content.kinds import TaskKind, TimeOfDay
from tests.coaching.checkins import day


def by_id(tasks: list) -> dict:  # type: ignore[type-arg]
    return {t.id: t for t in tasks}


def test_price_plan(content: Content) -> None:
    tasks = by_id(plan_for(PlanState(Stage.PRICE, day(0)), day(2)))
    assert set(tasks) == {"rest", "ice", "compression", "elevation", "checkin"}
    ice = tasks["ice"]
    assert ice.kind is TaskKind.ICING
    assert ice.times_per_day == content.thresholds.ice_times_per_day_max.value == 3
    assert "10-20 min" in ice.dosage
    assert "2-3" in ice.dosage
    assert "not recommend it as a treatment on its own" in ice.instructions
    assert tasks["elevation"].time_of_day is TimeOfDay.MORNING
    assert not any(t.kind in (TaskKind.RUN, TaskKind.EXERCISE) for t in tasks.values())


def test_referred_has_no_tasks() -> None:
    assert plan_for(PlanState(Stage.REFERRED, day(0)), day(3)) == []


def test_phase1_plan(content: Content) -> None:
    on = by_id(plan_for(PlanState(Stage.PHASE1, day(0)), day(0)))
    off = by_id(plan_for(PlanState(Stage.PHASE1, day(0)), day(1)))
    daily = {"foam_roll_itb", "foam_roll_quads", "foam_roll_hamstrings", "foam_roll_calves",
             "hamstring_stretch", "checkin"}  # fmt: skip
    assert daily <= set(on)
    assert daily <= set(off)
    assert {"wall_squat", "band_lateral_walk"} <= set(on)
    assert "wall_squat" not in off
    assert "monster_walk" not in on
    assert "band above the knees" in on["band_lateral_walk"].dosage
    assert "45 degrees" in on["wall_squat"].dosage
    assert on["foam_roll_itb"].dosage == "hold about 10 s on each tender spot"
    assert on["hamstring_stretch"].dosage == "3 x 30 s, foot on a 6-8 inch step"
    assert not any(t.kind is TaskKind.RUN for t in on.values())


def test_phase2_full_dosages() -> None:
    tasks = by_id(plan_for(PlanState(Stage.PHASE2, day(0)), day(4)))
    assert tasks["wall_squat"].dosage == "3 x 10, 5 s down, no deeper than about 75 degrees"
    assert tasks["band_lateral_walk"].dosage == "3 x 10-15 ft each way, band at mid shin"
    assert tasks["monster_walk"].exercise_id == "monster_walk"


def test_phase3_runs_on_alternate_days(content: Content) -> None:
    state = PlanState(Stage.PHASE3, day(0), run_stage=0)
    every = int(content.thresholds.run_every_n_days.value)
    for n in range(10):
        tasks = by_id(plan_for(state, day(n)))
        run_day = n % every == 0
        assert ("walk_run" in tasks) is run_day
        assert is_run_day(state, day(n)) is run_day
        # Strength work takes the days between runs.
        assert ("wall_squat" in tasks) is (not run_day)
    run = by_id(plan_for(state, day(0)))["walk_run"]
    assert run.kind is TaskKind.RUN
    assert run.dosage == "4 min walk + 1 min run, x 6 (30 min)"
    assert "3/10" in run.instructions


def test_drills_only_after_unlock() -> None:
    # Issue 9 item 9: unlocked drills also need the runner's opt-in (bot/coaching/drills.py).
    opted_in = {"drills_opted_in": True}
    locked = by_id(plan_for(PlanState(Stage.PHASE3, day(0), run_stage=5), day(2), **opted_in))
    unlocked_state = PlanState(Stage.PHASE3, day(0), run_stage=5, drills_unlocked=True)
    unlocked = by_id(plan_for(unlocked_state, day(2), **opted_in))
    rest_day = by_id(plan_for(unlocked_state, day(3), **opted_in))
    not_opted_in = by_id(plan_for(unlocked_state, day(2)))
    assert "barefoot_strides" not in not_opted_in
    assert "speed_ladder" not in not_opted_in
    assert "barefoot_strides" not in locked
    assert "speed_ladder" not in locked
    assert {"barefoot_strides", "speed_ladder", "walk_run"} <= set(unlocked)
    assert "barefoot_strides" not in rest_day
    assert unlocked["walk_run"].dosage == "25 min of easy running without stopping"


@pytest.mark.parametrize("stage", [Stage.PRICE, Stage.PHASE1, Stage.PHASE2, Stage.PHASE3])
def test_plans_are_stable_and_complete(content: Content, stage: Stage) -> None:
    state = PlanState(stage, day(0), drills_unlocked=stage is Stage.PHASE3)
    for n in range(4):
        tasks = plan_for(state, day(n))
        assert tasks == plan_for(state, day(n))
        assert len({t.id for t in tasks}) == len(tasks)
        assert tasks[-1].kind is TaskKind.CHECKIN
        for task in tasks:
            assert task.title
            assert task.dosage
            assert "{" not in task.dosage + task.title
            assert task.times_per_day >= 1
            if task.kind is TaskKind.EXERCISE:
                assert task.exercise_id in content.exercises


def test_dosage_text_has_the_numbers(content: Content) -> None:
    assert describe_dosage(content.exercises["barefoot_strides"].dosage) == "4 x 20 s"
    assert describe_dosage(content.exercises["speed_ladder"].dosage) == "4 passes"


def test_before_stage_start_counts_as_day_zero() -> None:
    state = PlanState(Stage.PHASE3, day(5))
    assert is_run_day(state, day(5) - timedelta(days=1))

"""Today's tasks for a plan state: what /plan shows and what reminders are about.

`plan_for(state, local_date)` is pure: the same state and date always give the same list.
Alternate days count from `state.stage_since`: in phase 3 walk/run days are days 0, 2, 4, ...
of the phase and strength work sits on the days between; in phases 1-2 strength work is on
days 0, 2, 4, ... Stretching and foam rolling are daily.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from bot.coaching.equipment import adapt
from bot.coaching.progression import PlanState, Stage
from bot.coaching.units import Units, feet, inches
from bot.content import (
    Content,
    Dosage,
    Equipment,
    ExerciseCategory,
    Frequency,
    RunStage,
    get_content,
)
from bot.content.kinds import TaskKind, TimeOfDay

__all__ = ["Task", "TaskKind", "TimeOfDay", "describe_dosage", "is_run_day", "plan_for"]

_PHASE_NUMBER = {Stage.PHASE1: 1, Stage.PHASE2: 2, Stage.PHASE3: 3}


@dataclass(frozen=True)
class Task:
    """One thing to do today. `id` is stable across days (reminders and "done" key on it)."""

    id: str
    kind: TaskKind
    title: str
    dosage: str
    exercise_id: str | None
    times_per_day: int
    time_of_day: TimeOfDay
    instructions: str = ""
    references: tuple[str, ...] = ()
    without_kit: bool = False  # an exercise shown as its alternative (bot/coaching/equipment.py)


def describe_dosage(
    dosage: Dosage, content: Content | None = None, units: Units = Units.IMPERIAL
) -> str:
    """A dosage in words with its numbers, e.g. "3 x 10, 5 s down, no deeper than ...";
    lengths in `units` (the article's own are imperial)."""
    content = content or get_content()
    t = content.messages.dosage
    unit = t.units[units.value]
    parts: list[str] = []
    distance = dosage.distance_ft
    distance_used = False
    # The distance's numbers and unit, as both distance templates take them.
    span = (
        {
            "distance_min": feet(distance.min, units),
            "distance_max": feet(distance.max, units),
            "distance_unit": unit.distance,
        }
        if distance is not None
        else {}
    )
    if dosage.sets and dosage.reps:
        parts.append(content.render(t.sets_reps, sets=dosage.sets, reps=dosage.reps))
    elif dosage.sets and dosage.hold_seconds:
        parts.append(
            content.render(t.sets_hold, sets=dosage.sets, hold_seconds=dosage.hold_seconds)
        )
    elif dosage.reps and dosage.duration_seconds:
        parts.append(
            content.render(
                t.reps_duration, reps=dosage.reps, duration_seconds=dosage.duration_seconds
            )
        )
    elif dosage.sets and distance is not None:
        parts.append(content.render(t.sets_distance, sets=dosage.sets, **span))
        distance_used = True
    elif dosage.hold_seconds:
        parts.append(content.render(t.hold_tender, hold_seconds=dosage.hold_seconds))
    elif dosage.sets:
        parts.append(content.render(t.passes, sets=dosage.sets))
    if distance is not None and not distance_used:
        parts.append(content.render(t.distance, **span))
    if dosage.eccentric_seconds:
        parts.append(content.render(t.eccentric, eccentric_seconds=dosage.eccentric_seconds))
    if dosage.max_knee_flexion_deg:
        parts.append(
            content.render(t.max_flexion, max_knee_flexion_deg=dosage.max_knee_flexion_deg)
        )
    if dosage.step_height_in is not None:
        step = dosage.step_height_in
        parts.append(
            content.render(
                t.step_height,
                step_min=inches(step.min, units),
                step_max=inches(step.max, units),
                step_unit=unit.step,
            )
        )
    if dosage.band_position is not None:
        label = t.band_labels[dosage.band_position]
        parts.append(content.render(t.band_position, band_label=label))
    return t.separator.join(parts)


def describe_run_stage(stage: RunStage, content: Content | None = None) -> str:
    """A walk/run stage in words, e.g. "4 min walk + 1 min run, x 6 (30 min)"."""
    content = content or get_content()
    t = content.messages.dosage
    if stage.continuous:
        return content.render(t.continuous_run, run_minutes=stage.run_minutes)
    return content.render(
        t.walk_run,
        walk_minutes=stage.walk_minutes,
        run_minutes=stage.run_minutes,
        repeats=stage.repeats,
        total_minutes=stage.total_minutes,
    )


def _day_index(state: PlanState, local_date: date) -> int:
    return max(0, (local_date - state.stage_since).days)


def is_run_day(state: PlanState, local_date: date, content: Content | None = None) -> bool:
    """Whether `local_date` is a walk/run day (phase 3 only, every n-th day)."""
    content = content or get_content()
    if state.stage is not Stage.PHASE3:
        return False
    every = int(content.thresholds.run_every_n_days.value)
    return _day_index(state, local_date) % every == 0


def _checkin_task(content: Content) -> Task:
    text = content.messages.tasks.checkin
    return Task(
        id="checkin",
        kind=TaskKind.CHECKIN,
        title=text.title,
        dosage=text.dosage,
        exercise_id=None,
        times_per_day=1,
        time_of_day=TimeOfDay.ANY,
    )


def _price_tasks(content: Content) -> list[Task]:
    th = content.thresholds
    texts = content.messages.dosage
    dosage_by_kind = {
        TaskKind.ICING: texts.ice,
        TaskKind.COMPRESSION: texts.compression,
        TaskKind.ELEVATION: texts.elevation,
        TaskKind.REST: texts.rest,
    }
    tasks = []
    for step in content.price.steps:
        times = int(th.ice_times_per_day_max.value) if step.kind is TaskKind.ICING else 1
        instructions = (
            step.instructions if step.note is None else f"{step.instructions} {step.note}"
        )
        tasks.append(
            Task(
                id=step.id,
                kind=step.kind,
                title=step.title,
                dosage=content.render(dosage_by_kind.get(step.kind, "")),
                exercise_id=None,
                times_per_day=times,
                time_of_day=step.time_of_day,
                instructions=instructions,
                references=tuple(step.references),
            )
        )
    return tasks


def _phase_tasks(
    state: PlanState,
    local_date: date,
    content: Content,
    units: Units,
    missing: frozenset[Equipment],
) -> list[Task]:
    number = _PHASE_NUMBER[state.stage]
    every = int(content.thresholds.run_every_n_days.value)
    run_day = is_run_day(state, local_date, content)
    on_cycle = _day_index(state, local_date) % every == 0
    # Strength work alternates: with the runs in phase 3 it takes the days between them.
    strength_day = not run_day if state.stage is Stage.PHASE3 else on_cycle
    tasks: list[Task] = []
    if run_day:
        stages = content.return_to_running.stages
        stage = stages[min(state.run_stage, len(stages) - 1)]
        tasks.append(
            Task(
                id="walk_run",
                kind=TaskKind.RUN,
                title=content.render(content.messages.tasks.run.title, stage_name=stage.name),
                dosage=describe_run_stage(stage, content),
                exercise_id=None,
                times_per_day=1,
                time_of_day=TimeOfDay.ANY,
                instructions=content.render(content.messages.tasks.run_note),
                references=tuple(content.return_to_running.references),
            )
        )
    for exercise, dosage, entry in content.phase_exercises(number):
        if dosage.frequency is Frequency.ALTERNATE_DAYS and not strength_day:
            continue
        if dosage.frequency is Frequency.RUN_DAYS and not run_day:
            continue
        if exercise.category is ExerciseCategory.RUNNING_DRILL and not state.drills_unlocked:
            continue
        shown = adapt(exercise, dosage, entry.note or "", missing)
        tasks.append(
            Task(
                id=exercise.id,
                kind=TaskKind.EXERCISE,
                title=shown.title,
                dosage=describe_dosage(shown.dosage, content, units),
                exercise_id=exercise.id,
                times_per_day=1,
                time_of_day=TimeOfDay.ANY,
                instructions=shown.note,
                references=tuple(exercise.references),
                without_kit=shown.without_kit,
            )
        )
    return tasks


def plan_for(
    state: PlanState,
    local_date: date,
    content: Content | None = None,
    units: Units = Units.IMPERIAL,
    missing: frozenset[Equipment] = frozenset(),
    *,
    drills_opted_in: bool = False,
) -> list[Task]:
    """The tasks for one local day, lengths in `units`, and the alternatives of exercises
    whose kit is `missing`; empty once the user is referred to a clinician.

    Barefoot strides and ladder drills appear only once unlocked and after the runner opted in
    through the short screen (bot/coaching/drills.py)."""
    content = content or get_content()
    if state.stage is Stage.REFERRED:
        return []
    if state.stage is Stage.PRICE:
        tasks = _price_tasks(content)
    else:
        offered = state if drills_opted_in else replace(state, drills_unlocked=False)
        tasks = _phase_tasks(offered, local_date, content, units, missing)
    return [*tasks, _checkin_task(content)]

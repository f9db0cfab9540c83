"""The plan for a runner without some of the kit: an exercise that needs a foam roller, a
physioball or a band is offered as its content's `without` alternative (its own title, and how
to do it first in the task's note), with the band position dropped from the dosage. Pure;
called by `plan_for` (bot/coaching/plan.py) where each exercise task is built."""

from __future__ import annotations

from dataclasses import dataclass

from bot.content import Dosage, Equipment, Exercise


@dataclass(frozen=True)
class Adapted:
    """An exercise as today's plan shows it to this runner."""

    title: str
    dosage: Dosage
    note: str  # the alternative's how-to, then the phase's own note ("" for neither)
    without_kit: bool = False  # the alternative is shown: the runner has not got the kit


def adapt(exercise: Exercise, dosage: Dosage, note: str, missing: frozenset[Equipment]) -> Adapted:
    """The exercise as planned, or its alternative if its kit is `missing`."""
    if exercise.equipment is None or exercise.equipment not in missing:
        return Adapted(exercise.name, dosage, note)
    assert exercise.without is not None  # the content schema requires one with equipment
    if exercise.equipment is Equipment.BAND:
        dosage = dosage.model_copy(update={"band_position": None})
    how = exercise.without.how
    return Adapted(exercise.without.title, dosage, f"{how} {note}" if note else how, True)

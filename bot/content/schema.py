"""The shape of the content in `content/*.yaml`: one pydantic model per file and entry, and
`Content`, the validated whole with its lookups.

Pure data types; `bot/content/loader.py` reads the files, cross-checks them and builds a
`Content`. Every number the engine decides by and every word the coach says is typed here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.content.kinds import OutcomeKind, RuleId, Stage, TaskKind, Tier, TimeOfDay

PAIN_MIN = 0
PAIN_MAX = 10  # the 0-10 numeric pain rating scale itself, not a clinical threshold

# Names the engine fills into message templates besides the threshold names. A placeholder in
# content that is neither is a typo, caught at load time.
ENGINE_PARAMS: frozenset[str] = frozenset(
    {
        "activity_pain",
        "after",
        "band_label",
        "before",
        "checkins",
        "days",
        "distance_max",
        "distance_min",
        "distance_unit",
        "drop",
        "duration_seconds",
        "eccentric_seconds",
        "exercise_days",
        "flag_label",
        "flag_message",
        "flags",
        "flare_detail",
        "flares",
        "hold_seconds",
        "improvement",
        "last_week",
        "max_knee_flexion_deg",
        "next_phase",
        "next_phase_name",
        "next_stage_name",
        "phase",
        "phase_goal",
        "phase_name",
        "regress_to",
        "repeats",
        "reps",
        "rest_pain",
        "rise",
        "run_minutes",
        "running_minutes",
        "running_pain",
        "running_pain_text",
        "sessions",
        "sets",
        "settled",
        "stage_name",
        "start_note",
        "step_max",
        "step_min",
        "step_unit",
        "this_week",
        "total_minutes",
        "trend",
        "walk_minutes",
        "week_averages",
        "worst",
    }
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Text = str
Id = Field(pattern=r"^[a-z0-9][a-z0-9_]*$")


def unwrap(text: str) -> str:
    """The one whitespace normalisation for user-facing text: join YAML's wrapped lines into
    paragraphs; keep blank lines, "- " list items and lines that start with a placeholder."""
    if "\n" not in text:
        return text  # a one-liner keeps its exact spacing (separators like "; ")
    paragraphs = []
    for block in text.split("\n\n"):
        lines: list[str] = []
        for line in block.split("\n"):
            stripped = line.strip()
            if lines and not stripped.startswith(("- ", "{")):
                lines[-1] = f"{lines[-1]} {stripped}"
            else:
                lines.append(stripped)
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


# --- references.yaml ---------------------------------------------------------------------------


class ReferenceKind(StrEnum):
    ARTICLE = "article"
    JOURNAL = "journal"
    GUIDELINE = "guideline"
    CONSENSUS = "consensus"
    WEB = "web"


class Reference(_Model):
    id: str = Id
    short: Text
    citation: Text
    kind: ReferenceKind
    article_number: int | None = Field(default=None, ge=1)
    url: str | None = Field(default=None, pattern=r"^https://")


class ReferencesFile(_Model):
    references: list[Reference] = Field(min_length=1)


# --- thresholds.yaml ---------------------------------------------------------------------------


class IntThreshold(_Model):
    value: int = Field(ge=0)
    unit: str
    meaning: Text
    references: list[str] = Field(min_length=1)


class FloatThreshold(_Model):
    value: float = Field(ge=0)
    unit: str
    meaning: Text
    references: list[str] = Field(min_length=1)


def _pain_value(name: str, value: float) -> None:
    if not PAIN_MIN <= value <= PAIN_MAX:
        raise ValueError(f"{name} must lie on the 0-10 pain scale, got {value}")


class Thresholds(_Model):
    ice_times_per_day_min: IntThreshold
    ice_times_per_day_max: IntThreshold
    ice_minutes_min: IntThreshold
    ice_minutes_max: IntThreshold
    flare_rest_pain_min: IntThreshold
    flare_recent_hours: IntThreshold
    price_exit_rest_pain_max: IntThreshold
    price_exit_consecutive_checkins: IntThreshold
    price_max_days: IntThreshold
    activity_pain_safe_max: IntThreshold
    activity_pain_acceptable_max: IntThreshold
    worst_pain_hold_above: IntThreshold
    progress_min_days: IntThreshold
    progress_min_checkins: IntThreshold
    week_min_checkins: IntThreshold
    weekly_worse_min_increase: FloatThreshold
    worse_weeks_to_refer: IntThreshold
    meaningful_change_points: FloatThreshold
    stalled_weeks: IntThreshold
    flares_to_suggest: IntThreshold
    flare_window_weeks: IntThreshold
    swelling_checkins_in_a_row: IntThreshold
    adult_age_min: IntThreshold
    morning_stiffness_minutes: IntThreshold
    no_improvement_weeks: IntThreshold
    swelling_after_injury_hours: IntThreshold
    weight_bearing_steps: IntThreshold
    triage_phase2_rest_pain_max: IntThreshold
    gate_brisk_walk_minutes: IntThreshold
    gate_single_leg_hops: IntThreshold
    run_pain_max: IntThreshold
    run_stage_min_sessions: IntThreshold
    run_every_n_days: IntThreshold
    drills_continuous_run_minutes_min: IntThreshold
    drills_continuous_run_minutes_max: IntThreshold
    drills_pain_max: IntThreshold
    kujala_every_days: IntThreshold
    kujala_meaningful_change_points: IntThreshold

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        pairs = (
            ("ice_times_per_day_min", "ice_times_per_day_max"),
            ("ice_minutes_min", "ice_minutes_max"),
            ("activity_pain_safe_max", "activity_pain_acceptable_max"),
            ("drills_continuous_run_minutes_min", "drills_continuous_run_minutes_max"),
            ("price_exit_rest_pain_max", "flare_rest_pain_min"),
        )
        for low, high in pairs:
            if self.value(low) > self.value(high):
                raise ValueError(f"{low} must not exceed {high}")
        for name in (
            "flare_rest_pain_min",
            "price_exit_rest_pain_max",
            "activity_pain_safe_max",
            "activity_pain_acceptable_max",
            "triage_phase2_rest_pain_max",
            "run_pain_max",
            "drills_pain_max",
            "meaningful_change_points",
            "weekly_worse_min_increase",
        ):
            _pain_value(name, self.value(name))
        for name in (
            "price_exit_consecutive_checkins",
            "progress_min_days",
            "progress_min_checkins",
            "week_min_checkins",
            "worse_weeks_to_refer",
            "run_stage_min_sessions",
            "run_every_n_days",
        ):
            if self.value(name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.value("progress_min_checkins") > self.value("progress_min_days"):
            raise ValueError("progress_min_checkins cannot exceed progress_min_days")
        return self

    def value(self, name: str) -> float:
        entry = getattr(self, name)
        assert isinstance(entry, IntThreshold | FloatThreshold)
        return entry.value

    def values(self) -> dict[str, int | float]:
        """Every threshold by name, for filling {placeholders}."""
        out: dict[str, int | float] = {}
        for name in type(self).model_fields:
            entry = getattr(self, name)
            out[name] = entry.value
        return out

    def items(self) -> Iterator[tuple[str, IntThreshold | FloatThreshold]]:
        for name in type(self).model_fields:
            yield name, getattr(self, name)


class ThresholdsFile(_Model):
    thresholds: Thresholds


# --- exercises.yaml ----------------------------------------------------------------------------


class Range(_Model):
    min: int = Field(ge=0)
    max: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min > self.max:
            raise ValueError("min must not exceed max")
        return self


class Frequency(StrEnum):
    DAILY = "daily"
    ALTERNATE_DAYS = "alternate_days"  # strength days; in phase 3 the days between runs
    RUN_DAYS = "run_days"


class BandPosition(StrEnum):
    """Where the loop band sits; lower is harder."""

    ABOVE_KNEE = "above_knee"
    MID_SHIN = "mid_shin"
    ANKLE = "ankle"


class _DosageFields(_Model):
    """What a dosage can say, every part optional: the fields a phase may override."""

    sets: int | None = Field(default=None, ge=1)
    reps: int | None = Field(default=None, ge=1)
    hold_seconds: int | None = Field(default=None, ge=1)
    duration_seconds: int | None = Field(default=None, ge=1)
    distance_ft: Range | None = None
    eccentric_seconds: int | None = Field(default=None, ge=1)
    max_knee_flexion_deg: int | None = Field(default=None, ge=1, le=90)
    step_height_in: Range | None = None
    band_position: BandPosition | None = None


class Dosage(_DosageFields):
    frequency: Frequency
    each_way: bool = False


class DosageOverride(_DosageFields):
    """A phase's change to an exercise's dosage; unset fields keep the exercise's value."""

    frequency: Frequency | None = None


class Equipment(StrEnum):
    """Kit an exercise needs; a runner without it gets the exercise's `without` instead."""

    FOAM_ROLLER = "foam_roller"
    BALL = "ball"  # a physioball (gym ball)
    BAND = "band"  # a loop resistance band


class WithoutEquipment(_Model):
    """What to do instead when the runner has not got the exercise's kit."""

    title: Text
    how: Text


class ExerciseCategory(StrEnum):
    RELEASE = "release"
    STRETCH = "stretch"
    STRENGTH = "strength"
    RUNNING_DRILL = "running_drill"


class Exercise(_Model):
    id: str = Id
    name: Text
    category: ExerciseCategory
    purpose: Text
    targets: list[str] = Field(min_length=1)
    phases: list[int] = Field(min_length=1)
    dosage: Dosage
    band_positions: list[BandPosition] = Field(default_factory=list)
    dosage_basis: Text
    steps: list[Text] = Field(min_length=1)
    cautions: list[Text] = Field(min_length=1)
    easier: Text
    harder: Text
    references: list[str] = Field(min_length=1)
    equipment: Equipment | None = None
    without: WithoutEquipment | None = None

    @model_validator(mode="after")
    def _band(self) -> Self:
        position = self.dosage.band_position
        if position is not None and position not in self.band_positions:
            raise ValueError(f"band_position {position} is not in band_positions")
        return self

    @model_validator(mode="after")
    def _alternative(self) -> Self:
        if (self.equipment is None) != (self.without is None):
            raise ValueError("an exercise that needs equipment says what to do without it")
        return self


class ExercisesFile(_Model):
    exercises: list[Exercise] = Field(min_length=1)


# --- protocols.yaml ----------------------------------------------------------------------------


class ProtocolStep(_Model):
    id: str = Id
    kind: TaskKind
    title: Text
    instructions: Text
    note: Text | None = None
    time_of_day: TimeOfDay
    references: list[str] = Field(min_length=1)


class Protocol(_Model):
    id: str = Id
    name: Text
    summary: Text
    leave_when: Text
    steps: list[ProtocolStep] = Field(min_length=1)


class ProtocolsFile(_Model):
    protocols: list[Protocol] = Field(min_length=1)


# --- questions (assessment.yaml, checkin.yaml, phases.yaml gate) -------------------------------


class QuestionKind(StrEnum):
    CHOICE = "choice"
    SCALE = "scale"  # 0-10, answered "0".."10"
    YES_NO = "yes_no"  # answered "yes" / "no"


class Signal(StrEnum):
    """What a non-red-flag answer tells triage."""

    SWELLING = "swelling"
    RECENT_FLARE = "recent_flare"
    PFP_PATTERN = "pfp_pattern"
    RUNNING = "running"
    STOPPED_RUNNING = "stopped_running"
    NO_RECENT_RUN = "no_recent_run"


class Option(_Model):
    value: str = Field(min_length=1)
    label: Text
    meaning: Text = ""
    red_flag: str | None = None
    signal: Signal | None = None


class Anchors(_Model):
    low: Text
    high: Text


def _scale_options(data: Any) -> Any:
    """Give scale questions their 0-10 options, followed by any extra ones."""
    if not isinstance(data, dict) or data.get("kind") != QuestionKind.SCALE:
        if isinstance(data, dict) and "extra_options" in data:
            raise ValueError("only scale questions take extra_options")
        return data
    if "options" in data:
        raise ValueError("scale questions get 0-10 automatically; use extra_options")
    data = dict(data)
    anchors = data.get("anchors") or {}
    options: list[Any] = []
    for n in range(PAIN_MIN, PAIN_MAX + 1):
        label = str(n)
        if n == PAIN_MIN and isinstance(anchors, dict) and "low" in anchors:
            label = f"{n} - {anchors['low']}"
        elif n == PAIN_MAX and isinstance(anchors, dict) and "high" in anchors:
            label = f"{n} - {anchors['high']}"
        options.append({"value": str(n), "label": label})
    extra = data.pop("extra_options", None) or []
    data["options"] = options + list(extra)
    return data


class Question(_Model):
    id: str = Id
    text: Text
    kind: QuestionKind
    options: list[Option] = Field(min_length=2)
    anchors: Anchors | None = None
    meaning: Text | None = None
    references: list[str] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _fill_scale(cls, data: Any) -> Any:
        return _scale_options(data)

    @model_validator(mode="after")
    def _check_options(self) -> Self:
        values = [o.value for o in self.options]
        if len(set(values)) != len(values):
            raise ValueError("option values must be unique")
        if self.kind is QuestionKind.YES_NO and sorted(values) != ["no", "yes"]:
            raise ValueError("yes_no questions need exactly the options 'yes' and 'no'")
        if self.kind is QuestionKind.SCALE and self.anchors is None:
            raise ValueError("scale questions need anchors")
        return self

    def option(self, value: str) -> Option | None:
        for option in self.options:
            if option.value == value:
                return option
        return None

    def scale_value(self, value: str) -> int | None:
        """The number a scale answer stands for, or None for a non-numeric extra option."""
        if self.kind is QuestionKind.SCALE and value.isdigit():
            return int(value)
        return None


class Measure(StrEnum):
    REST_PAIN = "rest_pain"
    RUNNING_PAIN = "running_pain"


class AssessmentQuestion(Question):
    measures: Measure | None = None

    @model_validator(mode="after")
    def _measures_scale(self) -> Self:
        if self.measures is not None and self.kind is not QuestionKind.SCALE:
            raise ValueError("only scale questions can measure pain")
        return self


class AssessmentFile(_Model):
    questions: list[AssessmentQuestion] = Field(min_length=1)


class CheckinField(StrEnum):
    """The CheckIn field a check-in question fills."""

    RED_FLAG_IDS = "red_flag_ids"
    PAIN_NOW = "pain_now"
    WORST_PAIN_24H = "worst_pain_24h"
    ACTIVITY_PAIN = "activity_pain"
    MORNING_VS_USUAL = "morning_vs_usual"
    SWELLING = "swelling"
    EXERCISES_DONE = "exercises_done"
    RUNNING_MINUTES = "running_minutes"


class CheckinQuestion(Question):
    field: CheckinField


class CheckinFile(_Model):
    questions: list[CheckinQuestion] = Field(min_length=1)


# --- red_flags.yaml ----------------------------------------------------------------------------


class TierInfo(_Model):
    title: Text
    where_to_go: Text
    action: Text
    pauses_reminders: bool
    programme_allowed: bool
    references: list[str] = Field(min_length=1)


class RedFlag(_Model):
    id: str = Id
    tier: Tier
    label: Text
    message: Text
    references: list[str] = Field(min_length=1)


class RedFlagsFile(_Model):
    tiers: dict[Tier, TierInfo]
    red_flags: list[RedFlag] = Field(min_length=1)

    @model_validator(mode="after")
    def _all_tiers(self) -> Self:
        missing = set(Tier) - set(self.tiers)
        if missing:
            raise ValueError(f"tiers missing: {', '.join(sorted(missing))}")
        return self


# --- phases.yaml -------------------------------------------------------------------------------


class PhaseExercise(_Model):
    exercise: str
    dosage: DosageOverride | None = None
    note: Text | None = None


class Phase(_Model):
    number: int = Field(ge=1, le=3)
    id: str = Id
    name: Text
    goal: Text
    entry: Text
    exit: Text
    running: Text
    exercises: list[PhaseExercise] = Field(min_length=1)
    references: list[str] = Field(min_length=1)


class Gate(_Model):
    question: Text
    options: list[Option] = Field(min_length=2)
    references: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _yes_no(self) -> Self:
        if sorted(o.value for o in self.options) != ["no", "yes"]:
            raise ValueError("the gate needs exactly the options 'yes' and 'no'")
        return self


class RunStage(_Model):
    id: str = Id
    name: Text
    walk_minutes: int = Field(ge=0)
    run_minutes: int = Field(ge=1)
    repeats: int = Field(ge=1)

    @model_validator(mode="after")
    def _continuous_once(self) -> Self:
        if self.walk_minutes == 0 and self.repeats != 1:
            raise ValueError("a continuous run (walk_minutes 0) has repeats 1")
        return self

    @property
    def continuous(self) -> bool:
        return self.walk_minutes == 0

    @property
    def total_minutes(self) -> int:
        return (self.walk_minutes + self.run_minutes) * self.repeats


class ReturnToRunning(_Model):
    gate: Gate
    stages_basis: Text
    stages: list[RunStage] = Field(min_length=1)
    references: list[str] = Field(min_length=1)


class PhasesFile(_Model):
    phases: list[Phase] = Field(min_length=3, max_length=3)
    return_to_running: ReturnToRunning

    @model_validator(mode="after")
    def _numbered(self) -> Self:
        if [p.number for p in self.phases] != [1, 2, 3]:
            raise ValueError("phases must be numbered 1, 2, 3 in order")
        return self


# --- education.yaml, rules.yaml, kujala.yaml ---------------------------------------------------


class EducationCard(_Model):
    id: str = Id
    title: Text
    body: Text
    references: list[str] = Field(min_length=1)


class EducationFile(_Model):
    cards: list[EducationCard] = Field(min_length=1)


class RuleScope(StrEnum):
    TRIAGE = "triage"
    PROGRESSION = "progression"


class ClinicalRule(_Model):
    id: RuleId
    applies_to: RuleScope
    order: int
    statement: Text
    reason: Text
    thresholds: list[str]
    references: list[str] = Field(min_length=1)


class RulesFile(_Model):
    model_note: Text
    rules: list[ClinicalRule] = Field(min_length=1)


class KujalaOption(_Model):
    value: str = Field(min_length=1)
    label: Text
    points: int = Field(ge=0)
    red_flag: str | None = None


class KujalaItem(_Model):
    id: str = Id
    text: Text
    options: list[KujalaOption] = Field(min_length=2)


class KujalaFile(_Model):
    name: Text
    intro: Text
    max_score: int
    references: list[str] = Field(min_length=1)
    items: list[KujalaItem] = Field(min_length=1)

    @model_validator(mode="after")
    def _adds_up(self) -> Self:
        total = sum(max(o.points for o in item.options) for item in self.items)
        if total != self.max_score:
            raise ValueError(f"best answers add up to {total}, not max_score {self.max_score}")
        return self


# --- messages.yaml -----------------------------------------------------------------------------


class OutcomeText(_Model):
    title: Text
    summary: Text


class RunningPainText(_Model):
    value: Text
    no_recent_run: Text


class FlareDetail(_Model):
    swelling: Text
    rest_pain: Text
    both: Text


class RegressTo(_Model):
    phase: Text
    run_stage: Text
    same_phase: Text
    # PRICE has no gentler level: activity pain over the limit there gets the rule all the same.
    price: Text


class Improvement(_Model):
    meaningful: Text
    small: Text
    none: Text


class ProgressTexts(_Model):
    meaningful: Text
    small: Text
    steady: Text
    worse: Text
    not_enough: Text


class Nudges(_Model):
    icing: list[Text] = Field(min_length=1)
    exercise: list[Text] = Field(min_length=1)
    run: list[Text] = Field(min_length=1)
    checkin: list[Text] = Field(min_length=1)
    weekly_summary: list[Text] = Field(min_length=1)
    kujala: list[Text] = Field(min_length=1)


class CheckinTaskText(_Model):
    title: Text
    dosage: Text


class RunTaskText(_Model):
    title: Text


class TaskTexts(_Model):
    checkin: CheckinTaskText
    run: RunTaskText
    run_note: Text
    # Why phase 3 starts past the first walk/run stages (the runner already runs that long).
    run_start_note: Text


class DosageUnits(_Model):
    distance: Text
    step: Text


class DosageTexts(_Model):
    sets_reps: Text
    sets_hold: Text
    reps_duration: Text
    sets_distance: Text
    distance: Text
    hold_tender: Text
    passes: Text
    eccentric: Text
    max_flexion: Text
    step_height: Text
    band_position: Text
    # The length units, by unit system: {metric: {distance: m, step: cm}, imperial: ...}.
    units: dict[str, DosageUnits]
    separator: str
    band_labels: dict[BandPosition, Text]
    frequency: dict[Frequency, Text]
    ice: Text
    walk_run: Text
    continuous_run: Text
    compression: Text
    elevation: Text
    rest: Text

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if set(self.band_labels) != set(BandPosition):
            raise ValueError("band_labels needs every band position")
        if set(self.frequency) != set(Frequency):
            raise ValueError("frequency needs every frequency")
        return self


class Messages(_Model):
    disclaimer: Text
    about: Text
    outcomes: dict[OutcomeKind, OutcomeText]
    running_pain_text: RunningPainText
    flare_detail: FlareDetail
    regress_to: RegressTo
    improvement: Improvement
    progress: ProgressTexts
    weekly_summary: Text
    stage_names: dict[Stage, Text]
    nudges: Nudges
    tasks: TaskTexts
    dosage: DosageTexts

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if set(self.outcomes) != set(OutcomeKind):
            raise ValueError("outcomes needs a text for every outcome kind")
        if set(self.stage_names) != set(Stage):
            raise ValueError("stage_names needs a name for every stage")
        return self


# --- the whole content -------------------------------------------------------------------------


@dataclass(frozen=True)
class Content:
    """All content files, validated and cross-checked, with lookups by id."""

    directory: Path
    references: dict[str, Reference]
    thresholds: Thresholds
    exercises: dict[str, Exercise]
    protocols: dict[str, Protocol]
    phases: dict[int, Phase]
    return_to_running: ReturnToRunning
    assessment: list[AssessmentQuestion]
    red_flags: dict[str, RedFlag]
    tiers: dict[Tier, TierInfo]
    checkin: list[CheckinQuestion]
    education: list[EducationCard]
    rules: dict[RuleId, ClinicalRule]
    rules_note: str
    messages: Messages
    kujala: KujalaFile
    cited: dict[str, list[str]] = field(default_factory=dict)  # file -> reference ids cited

    @property
    def price(self) -> Protocol:
        return self.protocols["price"]

    @cached_property
    def _threshold_placeholders(self) -> dict[str, object]:
        # Content never changes once loaded; rendering ran this five times per update.
        return {k: _number(v) for k, v in self.thresholds.values().items()}

    def render(self, template: str, **params: object) -> str:
        """Fill {placeholders} from the thresholds and the given values."""
        values = dict(self._threshold_placeholders)
        values.update({k: _number(v) if isinstance(v, float) else v for k, v in params.items()})
        return unwrap(template.format_map(values))

    def phase_exercises(self, number: int) -> list[tuple[Exercise, Dosage, PhaseExercise]]:
        """The exercises of a phase with that phase's dosage applied, in content order."""
        out = []
        for entry in self.phases[number].exercises:
            exercise = self.exercises[entry.exercise]
            dosage = exercise.dosage
            if entry.dosage is not None:
                dosage = dosage.model_copy(update=entry.dosage.model_dump(exclude_unset=True))
            out.append((exercise, dosage, entry))
        return out

    def question(self, question_id: str) -> AssessmentQuestion:
        for q in self.assessment:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def all_cited(self) -> set[str]:
        return {ref for refs in self.cited.values() for ref in refs}


def _number(value: object) -> object:
    """Show 3.0 as 3 and 1.2 as 1.2 in user text."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value

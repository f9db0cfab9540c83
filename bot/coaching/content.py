"""Load and validate the clinical content in `content/*.yaml`.

Everything the coach says or decides by is data; this module turns it into typed, validated
objects. `get_content()` is the one loader the rest of the bot uses. A broken file fails fast
with a `ContentError` whose text is one line naming the file, the entry and the field.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Self, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot import resources
from bot.coaching.kinds import OutcomeKind, RuleId, Stage, TaskKind, Tier, TimeOfDay

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
        "drop",
        "duration_seconds",
        "eccentric_seconds",
        "exercise_days",
        "flag_label",
        "flag_message",
        "flags",
        "flare_detail",
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
        "step_max",
        "step_min",
        "this_week",
        "total_minutes",
        "trend",
        "walk_minutes",
        "week_averages",
    }
)

# Keys whose values are not user text (regular expressions), so braces there are not
# placeholders.
_NOT_TEXT_KEYS = frozenset({"patterns", "gap"})

_FILES = (
    "references.yaml",
    "thresholds.yaml",
    "exercises.yaml",
    "protocols.yaml",
    "phases.yaml",
    "assessment.yaml",
    "red_flags.yaml",
    "checkin.yaml",
    "education.yaml",
    "rules.yaml",
    "messages.yaml",
    "kujala.yaml",
)


_M = TypeVar("_M", bound=BaseModel)


class ContentError(Exception):
    """A content file is missing, malformed or inconsistent; str() is one line."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Text = str
Id = Field(pattern=r"^[a-z0-9][a-z0-9_]*$")


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
    progress_min_days: IntThreshold
    progress_min_checkins: IntThreshold
    week_min_checkins: IntThreshold
    weekly_worse_min_increase: FloatThreshold
    worse_weeks_to_refer: IntThreshold
    meaningful_change_points: FloatThreshold
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


class Dosage(_Model):
    frequency: Frequency
    sets: int | None = Field(default=None, ge=1)
    reps: int | None = Field(default=None, ge=1)
    hold_seconds: int | None = Field(default=None, ge=1)
    duration_seconds: int | None = Field(default=None, ge=1)
    distance_ft: Range | None = None
    each_way: bool = False
    eccentric_seconds: int | None = Field(default=None, ge=1)
    max_knee_flexion_deg: int | None = Field(default=None, ge=1, le=90)
    step_height_in: Range | None = None
    band_position: BandPosition | None = None


class DosageOverride(_Model):
    """A phase's change to an exercise's dosage; unset fields keep the exercise's value."""

    frequency: Frequency | None = None
    sets: int | None = Field(default=None, ge=1)
    reps: int | None = Field(default=None, ge=1)
    hold_seconds: int | None = Field(default=None, ge=1)
    duration_seconds: int | None = Field(default=None, ge=1)
    distance_ft: Range | None = None
    eccentric_seconds: int | None = Field(default=None, ge=1)
    max_knee_flexion_deg: int | None = Field(default=None, ge=1, le=90)
    step_height_in: Range | None = None
    band_position: BandPosition | None = None


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

    @model_validator(mode="after")
    def _band(self) -> Self:
        position = self.dosage.band_position
        if position is not None and position not in self.band_positions:
            raise ValueError(f"band_position {position} is not in band_positions")
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


class FreeTextSettings(_Model):
    negation_words: list[str] = Field(min_length=1)
    negation_window_words: int = Field(ge=0)
    gap: str


class RedFlag(_Model):
    id: str = Id
    tier: Tier
    label: Text
    message: Text
    references: list[str] = Field(min_length=1)
    patterns: list[str] = Field(default_factory=list)


class RedFlagsFile(_Model):
    tiers: dict[Tier, TierInfo]
    free_text: FreeTextSettings
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


class Rule(_Model):
    id: RuleId
    applies_to: RuleScope
    order: int
    statement: Text
    reason: Text
    thresholds: list[str]
    references: list[str] = Field(min_length=1)


class RulesFile(_Model):
    model_note: Text
    rules: list[Rule] = Field(min_length=1)


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
    free_text: FreeTextSettings
    checkin: list[CheckinQuestion]
    education: list[EducationCard]
    rules: dict[RuleId, Rule]
    rules_note: str
    messages: Messages
    kujala: KujalaFile
    patterns: dict[str, list[re.Pattern[str]]] = field(default_factory=dict)
    cited: dict[str, list[str]] = field(default_factory=dict)  # file -> reference ids cited

    @property
    def price(self) -> Protocol:
        return self.protocols["price"]

    def render(self, template: str, **params: object) -> str:
        """Fill {placeholders} from the thresholds and the given values."""
        values: dict[str, object] = {k: _number(v) for k, v in self.thresholds.values().items()}
        values.update({k: _number(v) if isinstance(v, float) else v for k, v in params.items()})
        return " ".join(template.format_map(values).split())

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


# --- loading -----------------------------------------------------------------------------------


# The C loader is much faster when PyYAML was built with libyaml; both are safe loaders.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(directory: Path, name: str) -> Any:
    path = directory / name
    label = _label(directory, name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(f"{label}: file missing") from None
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ContentError(f"{label}: {where}YAML syntax error: {problem}") from None
    if not isinstance(data, dict):
        raise ContentError(f"{label}: the file must hold a mapping at the top level")
    return data


def _label(directory: Path, name: str) -> str:
    return f"{directory.name}/{name}"


def _where(data: Any, loc: Sequence[str | int]) -> tuple[str | None, str]:
    """Split a location into the entry it belongs to and the field path inside it."""
    entry: str | None = None
    rest: Sequence[str | int] = loc
    node = data
    for i, part in enumerate(loc):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(part, int) and isinstance(node, dict) and "id" in node:
            entry = str(node["id"])
            rest = loc[i + 1 :]
            break
    if entry is None and len(loc) >= 2 and isinstance(data.get(loc[0]), dict):
        section = data[loc[0]]
        if isinstance(section.get(loc[1]), dict):
            entry, rest = str(loc[1]), loc[2:]
        else:
            entry, rest = str(loc[0]), loc[1:]
    path = ""
    for part in rest:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return entry, path


def _error(label: str, data: Any, loc: Sequence[str | int], message: str) -> ContentError:
    entry, path = _where(data, loc)
    parts = [label]
    if entry is not None:
        parts.append(f"entry '{entry}'")
    if path:
        parts.append(f"field '{path}'")
    parts.append(message)
    return ContentError(": ".join(parts))


def _validate(model: type[_M], directory: Path, name: str, data: Any) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        loc = [p for p in first["loc"] if isinstance(p, str | int)]
        message = first["msg"]
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more)"
        raise _error(_label(directory, name), data, loc, message) from None


def _walk(
    node: Any, loc: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    yield loc, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*loc, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*loc, index))


def _check_text(label: str, data: Any, allowed: frozenset[str]) -> None:
    """Every {placeholder} in user text must be a threshold or an engine value."""
    formatter = string.Formatter()
    for loc, node in _walk(data):
        if not isinstance(node, str) or any(k in _NOT_TEXT_KEYS for k in loc if isinstance(k, str)):
            continue
        try:
            names = [f for _, f, _, _ in formatter.parse(node) if f is not None]
        except ValueError as exc:
            raise _error(label, data, loc, f"bad braces in text: {exc}") from None
        for name in names:
            if name not in allowed:
                raise _error(label, data, loc, f"unknown placeholder {{{name}}}")


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _fill_thresholds(node: Any, values: dict[str, int | float], key: str = "") -> Any:
    """Write threshold values into every user text, leaving engine placeholders alone."""
    if isinstance(node, dict):
        return {k: _fill_thresholds(v, values, str(k)) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill_thresholds(v, values, key) for v in node]
    if isinstance(node, str) and key not in _NOT_TEXT_KEYS:
        return _PLACEHOLDER.sub(
            lambda m: str(_number(values[m[1]])) if m[1] in values else m[0], node
        )
    return node


def _check_references(label: str, data: Any, known: set[str]) -> list[str]:
    cited: list[str] = []
    for loc, node in _walk(data):
        if loc and loc[-1] == "references" and isinstance(node, list):
            for index, ref in enumerate(node):
                if ref not in known:
                    raise _error(label, data, (*loc, index), f"unknown reference '{ref}'")
                cited.append(str(ref))
    return cited


def _unique(label: str, data: Any, section: str, ids: Sequence[str]) -> None:
    seen: set[str] = set()
    for index, ident in enumerate(ids):
        if ident in seen:
            raise _error(label, data, (section, index), f"duplicate id '{ident}'")
        seen.add(ident)


def load_content(directory: Path | None = None) -> Content:
    """Read, validate and cross-check every content file; raise ContentError on the first fault."""
    directory = directory if directory is not None else resources.content_dir()
    raw = {name: _read(directory, name) for name in _FILES}

    def lab(name: str) -> str:
        return _label(directory, name)

    refs = _validate(ReferencesFile, directory, "references.yaml", raw["references.yaml"])
    _unique(
        lab("references.yaml"),
        raw["references.yaml"],
        "references",
        [r.id for r in refs.references],
    )
    thresholds = _validate(ThresholdsFile, directory, "thresholds.yaml", raw["thresholds.yaml"])

    # Placeholders and references everywhere; then threshold values are written into the
    # texts, so callers get final wording and only engine values remain as {placeholders}.
    threshold_values = thresholds.thresholds.values()
    threshold_names = frozenset(threshold_values)
    allowed = threshold_names | ENGINE_PARAMS
    known_refs = {r.id for r in refs.references}
    cited: dict[str, list[str]] = {}
    for name in _FILES:
        _check_text(lab(name), raw[name], allowed)
        if name != "references.yaml":
            cited[name] = _check_references(lab(name), raw[name], known_refs)
    texts = {name: _fill_thresholds(raw[name], threshold_values) for name in _FILES}

    exercises = _validate(ExercisesFile, directory, "exercises.yaml", texts["exercises.yaml"])
    protocols = _validate(ProtocolsFile, directory, "protocols.yaml", texts["protocols.yaml"])
    phases = _validate(PhasesFile, directory, "phases.yaml", texts["phases.yaml"])
    assessment = _validate(AssessmentFile, directory, "assessment.yaml", texts["assessment.yaml"])
    red_flags = _validate(RedFlagsFile, directory, "red_flags.yaml", texts["red_flags.yaml"])
    checkin = _validate(CheckinFile, directory, "checkin.yaml", texts["checkin.yaml"])
    education = _validate(EducationFile, directory, "education.yaml", texts["education.yaml"])
    rules = _validate(RulesFile, directory, "rules.yaml", texts["rules.yaml"])
    messages = _validate(Messages, directory, "messages.yaml", texts["messages.yaml"])
    kujala = _validate(KujalaFile, directory, "kujala.yaml", texts["kujala.yaml"])

    # Unique ids within each file.
    for name, section, ids in (
        ("exercises.yaml", "exercises", [e.id for e in exercises.exercises]),
        ("protocols.yaml", "protocols", [p.id for p in protocols.protocols]),
        ("assessment.yaml", "questions", [q.id for q in assessment.questions]),
        ("red_flags.yaml", "red_flags", [f.id for f in red_flags.red_flags]),
        ("checkin.yaml", "questions", [q.id for q in checkin.questions]),
        ("education.yaml", "cards", [c.id for c in education.cards]),
        ("rules.yaml", "rules", [r.id for r in rules.rules]),
        ("kujala.yaml", "items", [i.id for i in kujala.items]),
    ):
        _unique(lab(name), raw[name], section, ids)

    numbers = [r.article_number for r in refs.references if r.article_number is not None]
    if sorted(numbers) != list(range(1, len(numbers) + 1)):
        raise ContentError(f"{lab('references.yaml')}: article_number must run 1..n once each")

    flag_ids = {f.id for f in red_flags.red_flags}
    exercise_by_id = {e.id: e for e in exercises.exercises}

    # Red-flag ids named by answer options.
    for name, section in (
        ("assessment.yaml", "questions"),
        ("checkin.yaml", "questions"),
        ("kujala.yaml", "items"),
    ):
        for loc, node in _walk(raw[name][section], (section,)):
            if loc and loc[-1] == "red_flag" and node is not None and node not in flag_ids:
                raise _error(lab(name), raw[name], loc, f"unknown red flag '{node}'")

    # Phases name existing exercises, and exercises and phases agree on who is in which phase.
    for p_index, phase in enumerate(phases.phases):
        for e_index, entry in enumerate(phase.exercises):
            loc = ("phases", p_index, "exercises", e_index, "exercise")
            exercise = exercise_by_id.get(entry.exercise)
            if exercise is None:
                raise _error(
                    lab("phases.yaml"),
                    raw["phases.yaml"],
                    loc,
                    f"unknown exercise '{entry.exercise}'",
                )
            if phase.number not in exercise.phases:
                raise _error(
                    lab("phases.yaml"),
                    raw["phases.yaml"],
                    loc,
                    f"exercise '{exercise.id}' does not list phase {phase.number}",
                )
            override = entry.dosage
            if (
                override is not None
                and override.band_position is not None
                and (override.band_position not in exercise.band_positions)
            ):
                raise _error(
                    lab("phases.yaml"),
                    raw["phases.yaml"],
                    (*loc[:-1], "dosage", "band_position"),
                    f"'{exercise.id}' has no band position '{override.band_position}'",
                )
    for e_index, exercise in enumerate(exercises.exercises):
        for number in exercise.phases:
            listed = any(
                p.number == number and any(x.exercise == exercise.id for x in p.exercises)
                for p in phases.phases
            )
            if not listed:
                raise _error(
                    lab("exercises.yaml"),
                    raw["exercises.yaml"],
                    ("exercises", e_index, "phases"),
                    f"phase {number} in phases.yaml does not list this exercise",
                )

    if "price" not in {p.id for p in protocols.protocols}:
        raise ContentError(f"{lab('protocols.yaml')}: the 'price' protocol is missing")

    # Triage needs exactly one rest-pain and one running-pain question.
    for measure in Measure:
        count = sum(1 for q in assessment.questions if q.measures is measure)
        if count != 1:
            raise ContentError(
                f"{lab('assessment.yaml')}: exactly one question must measure '{measure}'"
                f" (found {count})"
            )

    # The check-in fills every CheckIn field exactly once.
    fields = [q.field for q in checkin.questions]
    for checkin_field in CheckinField:
        if fields.count(checkin_field) != 1:
            raise ContentError(
                f"{lab('checkin.yaml')}: exactly one question must fill '{checkin_field}'"
                f" (found {fields.count(checkin_field)})"
            )

    # Rules: exactly the engine's rule ids, using real thresholds.
    rule_ids = {r.id for r in rules.rules}
    missing_rules = set(RuleId) - rule_ids
    if missing_rules:
        raise ContentError(
            f"{lab('rules.yaml')}: rules missing: {', '.join(sorted(missing_rules))}"
        )
    for r_index, rule in enumerate(rules.rules):
        for t_index, name in enumerate(rule.thresholds):
            if name not in threshold_names:
                raise _error(
                    lab("rules.yaml"),
                    raw["rules.yaml"],
                    ("rules", r_index, "thresholds", t_index),
                    f"unknown threshold '{name}'",
                )

    # Free-text patterns compile.
    patterns: dict[str, list[re.Pattern[str]]] = {}
    gap = red_flags.free_text.gap
    for f_index, flag in enumerate(red_flags.red_flags):
        compiled = []
        for p_index, pattern in enumerate(flag.patterns):
            try:
                compiled.append(re.compile(pattern.replace("{gap}", gap), re.IGNORECASE))
            except re.error as exc:
                raise _error(
                    lab("red_flags.yaml"),
                    raw["red_flags.yaml"],
                    ("red_flags", f_index, "patterns", p_index),
                    f"bad regular expression: {exc}",
                ) from None
        patterns[flag.id] = compiled

    return Content(
        directory=directory,
        references={r.id: r for r in refs.references},
        thresholds=thresholds.thresholds,
        exercises=exercise_by_id,
        protocols={p.id: p for p in protocols.protocols},
        phases={p.number: p for p in phases.phases},
        return_to_running=phases.return_to_running,
        assessment=list(assessment.questions),
        red_flags={f.id: f for f in red_flags.red_flags},
        tiers=dict(red_flags.tiers),
        free_text=red_flags.free_text,
        checkin=list(checkin.questions),
        education=list(education.cards),
        rules={r.id: r for r in sorted(rules.rules, key=lambda r: r.order)},
        rules_note=rules.model_note,
        messages=messages,
        kujala=kujala,
        patterns=patterns,
        cited=cited,
    )


def load_copy(model: type[_M], name: str, directory: Path | None = None) -> _M:
    """Load one copy file (words around the flows: ui.yaml, onboarding.yaml, ...) with the
    same reader, one-line errors and threshold filling as the clinical content.

    The models live beside the code that shows the words; this is still the one loader.
    """
    directory = directory if directory is not None else resources.content_dir()
    thresholds = _validate(
        ThresholdsFile, directory, "thresholds.yaml", _read(directory, "thresholds.yaml")
    )
    filled = _fill_thresholds(_read(directory, name), thresholds.thresholds.values())
    return _validate(model, directory, name, filled)


@cache
def get_content() -> Content:
    """The shipped content, loaded once per process."""
    return load_content()


def iter_text_fields(content: Content, skip: Sequence[str] = ()) -> Iterator[str]:
    """Every stored string of the content files, except the files named in `skip`."""
    for name in _FILES:
        if name in skip:
            continue
        for _, node in _walk(_read(content.directory, name)):
            if isinstance(node, str):
                yield node


__all__ = [
    "PAIN_MAX",
    "PAIN_MIN",
    "AssessmentQuestion",
    "CheckinField",
    "CheckinQuestion",
    "Content",
    "ContentError",
    "Dosage",
    "Exercise",
    "Phase",
    "Question",
    "QuestionKind",
    "RedFlag",
    "Signal",
    "get_content",
    "load_content",
    "load_copy",
]

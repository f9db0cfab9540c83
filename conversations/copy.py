"""The words around the flows, from `content/onboarding.yaml` and `content/flows.yaml`.

Loaded once (cached) through the one content loader (`load_copy`); clinical text (questions,
outcomes, exercises) comes from `get_content()`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.coaching.content import load_copy


def unwrap(text: str) -> str:
    """Join the YAML's wrapped lines into paragraphs; keep blank lines, "- " list items and
    lines that start with a placeholder."""
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


class CopyModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _unwrap(cls, value: Any) -> Any:
        return unwrap(value) if isinstance(value, str) else value


class ZoneChoice(CopyModel):
    zone: str
    label: str


class OnboardingCopy(CopyModel):
    intro: str
    consent: str
    consent_agree: str
    consent_decline: str
    consent_declined: str
    consent_recorded: str
    age_question: str
    under_18: str
    time_zone_question: str
    share_location: str
    time_zone_pick: str
    time_zone_found: str
    time_zone_not_found: str
    fixed_offset_note: str
    time_zone_confirm: str
    time_zone_yes: str
    time_zone_change: str
    time_zone_saved: str
    location_received: str
    wake_question: str
    sleep_question: str
    exercise_question: str
    wake_times: list[str] = Field(min_length=1)
    sleep_times: list[str] = Field(min_length=1)
    exercise_times: list[str] = Field(min_length=1)
    time_invalid: str
    exercise_outside_day: str
    done: str
    start_assessment: str
    already_set_up: str
    use_buttons: str
    too_long: str
    media: str
    edited: str
    earlier_step: str
    cancelled: str
    commands_mid_flow: str
    time_zones: list[ZoneChoice] = Field(min_length=1)


class QuestionFlowCopy(CopyModel):
    """Words every question-by-question flow uses (see conversations/question_flow.py)."""

    progress: str
    scale_hint: str
    back: str
    scale_noted: str
    use_buttons: str
    scale_out_of_range: str
    already_answered: str
    finished_button: str
    too_long: str
    media: str
    edited: str
    commands_mid_flow: str
    cancelled: str


class AssessmentCopy(QuestionFlowCopy):
    needs_consent: str
    intro: str
    resumed: str


class OutcomeCopy(CopyModel):
    layout: str
    why_line: str
    referral: str
    red_flag_line: str
    plan_intro: str
    see_plan: str


class ReferralCopy(CopyModel):
    free_text_intro: str
    source_line: str
    no_plan: str


class PlanCopy(CopyModel):
    needs_assessment: str
    heading: str
    task_line: str
    done_mark: str
    todo_mark: str
    sessions_progress: str
    footer: str
    done_button: str
    details_button: str
    easier_button: str
    harder_button: str
    back_button: str
    marked_done: str
    already_done: str
    old_day: str
    unknown_task: str
    exercise_details: str
    task_details: str
    easier: str
    harder: str


class AboutCopy(CopyModel):
    layout: str
    sources: str
    reference_line: str


class CancelCopy(CopyModel):
    nothing: str


class FlowsCopy(CopyModel):
    assessment: AssessmentCopy
    outcome: OutcomeCopy
    referral: ReferralCopy
    plan: PlanCopy
    about: AboutCopy
    cancel: CancelCopy


class Copy(CopyModel):
    onboarding: OnboardingCopy
    flows: FlowsCopy


@cache
def flow_copy(directory: Path | None = None) -> Copy:
    """Load and validate the flows' copy (cached: read once per process)."""
    return Copy(
        onboarding=load_copy(OnboardingCopy, "onboarding.yaml", directory),
        flows=load_copy(FlowsCopy, "flows.yaml", directory),
    )

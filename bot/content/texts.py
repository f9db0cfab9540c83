"""The words around the flows - everything the bot says that is not clinical content - from
`content/ui.yaml`, `onboarding.yaml`, `flows.yaml`, `checkin_flow.yaml`, `nudges.yaml` and
`privacy.yaml`, `progress.yaml`, `settings.yaml`.

One home for them: one base model (`TextModel`, whose one normalisation joins YAML's wrapped
lines), one aggregate (`Texts`), loaded once through the one content loader and reached through
the services object (`services(context).texts`). Clinical text (questions, outcomes, exercises,
nudge wording) comes from `get_content()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.content.kinds import DecisionKind
from bot.content.loader import load_copy
from bot.content.schema import unwrap


class TextModel(BaseModel):
    """Every text file's models: strict, frozen, and wrapped lines joined into paragraphs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _unwrap(cls, value: Any) -> Any:
        return unwrap(value) if isinstance(value, str) else value


# --- ui.yaml -----------------------------------------------------------------------------------


class BotCommandText(TextModel):
    command: str
    description: str


class UiTexts(TextModel):
    """Messages that belong to no single conversation."""

    help: str
    group_redirect: str
    error: str
    stale_button: str
    unknown_input: str
    unknown_command: str
    unknown_command_no_match: str
    unsupported_media: str
    edited_message: str
    slow_down: str  # one reply to a flood of messages (bot/telegram/update_processor.py)
    commands: list[BotCommandText]

    def command_list(self) -> str:
        return "\n".join(f"/{c.command} - {c.description}" for c in self.commands)


# --- onboarding.yaml ---------------------------------------------------------------------------


class ZoneChoice(TextModel):
    zone: str
    label: str


class OnboardingCopy(TextModel):
    intro: str
    resumed: str
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
    time_zone_which: str
    time_zone_not_found: str
    fixed_offset_note: str
    time_zone_confirm: str
    time_zone_yes: str
    time_zone_change: str
    time_zone_saved: str
    location_received: str
    day_question: str
    wake_question: str
    sleep_question: str
    exercise_question: str
    wake_times: list[str] = Field(min_length=1)
    sleep_times: list[str] = Field(min_length=1)
    exercise_times: list[str] = Field(min_length=1)
    waking_days: list[str] = Field(min_length=1)
    time_invalid: str
    time_which: str
    day_same_time: str
    day_too_short: str
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


# --- flows.yaml ----------------------------------------------------------------------------------


class QuestionFlowCopy(TextModel):
    """Words every question-by-question flow uses (conversations/question_flow.py)."""

    progress: str
    scale_hint: str
    back: str
    scale_noted: str
    choice_noted: str
    use_buttons: str
    scale_out_of_range: str
    already_answered: str
    too_long: str
    media: str
    edited: str


class AssessmentCopy(TextModel):
    needs_consent: str
    intro: str
    finished_button: str
    commands_mid_flow: str
    cancelled: str


class OutcomeCopy(TextModel):
    layout: str
    why_line: str
    why: str


class ReferralCopy(TextModel):
    free_text_intro: str
    pressed_intro: str  # a warning sign pressed on an old question
    source_line: str
    no_plan: str
    confirm_yes: str
    confirm_no: str
    confirm_unsure: str
    carry_on: str
    clear_button: str
    clear_seen_question: str
    clear_question: str
    clear_yes: str
    clear_not_yet: str
    cleared_resumed: str
    cleared_assess: str
    not_yet: str
    nothing_paused: str
    not_english: str
    # Sign id (content/screening.yaml) -> a short button label, for someone who cannot write
    # English: the urgent signs they can still report with one tap.
    sign_buttons: dict[str, str]


class PlanCopy(TextModel):
    needs_assessment: str
    heading: str
    yesterday_heading: str
    task_line: str
    done_mark: str
    todo_mark: str
    sessions_progress: str
    strength_rest: str
    running: str
    footer: str
    yesterday_hint: str
    yesterday_closed: str
    yesterday_empty: str
    task_button: str
    task_button_done: str
    done_button: str
    undo_button: str
    easier_button: str
    harder_button: str
    back_button: str
    marked_done: str
    marked_undone: str
    already_done: str
    not_done: str
    old_day: str
    unknown_task: str
    exercise_details: str
    task_details: str
    easier: str
    harder: str


class AboutCopy(TextModel):
    layout: str
    sources: str
    reference_line: str


class CancelCopy(TextModel):
    nothing: str


class FlowsCopy(TextModel):
    question_flow: QuestionFlowCopy
    assessment: AssessmentCopy
    outcome: OutcomeCopy
    referral: ReferralCopy
    plan: PlanCopy
    about: AboutCopy
    cancel: CancelCopy


# --- checkin_flow.yaml --------------------------------------------------------------------------


class ChangeCopy(TextModel):
    """One headline per decision that keeps the plan going (a referral has its own text)."""

    stay: str
    progress: str
    regress: str
    back_to_price: str
    leave_price: str

    def for_kind(self, kind: DecisionKind) -> str:
        texts = {
            DecisionKind.STAY: self.stay,
            DecisionKind.PROGRESS: self.progress,
            DecisionKind.REGRESS: self.regress,
            DecisionKind.BACK_TO_PRICE: self.back_to_price,
            DecisionKind.LEAVE_PRICE: self.leave_price,
        }
        return texts[kind]


class CheckinCopy(TextModel):
    needs_start: str
    needs_assessment: str
    referred: str
    intro: str
    updating: str
    saved: str
    updated: str
    changes: ChangeCopy
    layout: str
    see_plan: str
    referral_intro: str
    finished_button: str
    commands_mid_flow: str
    cancelled: str
    referred_button: str
    steady_question: str
    steady_same: str
    steady_changed: str


# --- nudges.yaml -------------------------------------------------------------------------------


class ButtonTexts(TextModel):
    done: str
    today_plan: str
    checkin_now: str
    see_week: str
    score_knee: str
    snooze: str
    skip: str


class ReplyTexts(TextModel):
    done: str
    open_plan: str
    snoozed: str
    skipped: str
    stale: str
    gone: str


class PauseTexts(TextModel):
    choose: str
    one_day: str
    three_days: str
    seven_days: str
    until_resume: str
    paused_until: str
    paused_indefinitely: str
    resumed: str
    resumed_nothing_planned: str
    not_paused: str
    no_profile: str


class NudgeCopy(TextModel):
    buttons: ButtonTexts
    replies: ReplyTexts
    pause: PauseTexts


# --- privacy.yaml ------------------------------------------------------------------------------


class ExportCopy(TextModel):
    nothing: str
    json_caption: str
    csv_caption: str


class DeleteCopy(TextModel):
    confirm: str
    delete_button: str
    keep_button: str
    deleted: str
    nothing: str
    kept: str


class StatsCopy(TextModel):
    layout: str
    line: str
    adherence: str
    hidden: str


class PrivacyCopy(TextModel):
    """/privacy, /export, /delete (also how consent is withdrawn) and the operators' /stats."""

    policy: str
    export: ExportCopy
    delete: DeleteCopy
    stats: StatsCopy


# --- progress.yaml -----------------------------------------------------------------------------


class KujalaChangeCopy(TextModel):
    """One line per way a knee score can compare with the one before (ScoreChange values)."""

    first: str
    up_meaningful: str
    up_small: str
    steady: str
    down_small: str
    down_meaningful: str


class StageLabels(TextModel):
    """Short stage names drawn on the chart's phase bands (Stage values)."""

    price: str
    phase1: str
    phase2: str
    phase3: str
    referred: str


class ChartCopy(TextModel):
    title: str
    pain_axis: str
    pain_now: str
    worst_pain: str
    activity_axis: str
    running: str
    exercises: str
    kujala_axis: str
    kujala: str
    stages: StageLabels


class ProgressViewCopy(TextModel):
    needs_start: str
    too_few: str
    caption: str
    streak: str
    streak_one: str
    no_streak: str
    kujala: KujalaChangeCopy
    no_kujala: str
    sources: str
    chart: ChartCopy


class KujalaCopy(TextModel):
    needs_consent: str
    how: str
    finished_button: str
    commands_mid_flow: str
    cancelled: str
    result_sources: str
    see_progress: str
    offers_on: str
    offers_off: str
    turn_off: str
    turn_on: str
    no_profile: str
    referral_intro: str


class LearnCopy(TextModel):
    intro: str
    card: str
    back: str
    unknown: str


class ProgressCopy(TextModel):
    progress: ProgressViewCopy
    kujala: KujalaCopy
    learn: LearnCopy


# --- settings.yaml ----------------------------------------------------------------------------


class SettingsButtons(TextModel):
    zone: str
    wake: str
    sleep: str
    exercise: str
    cap: str
    weekly: str
    switch: str
    units: str
    done: str
    back: str


class SettingNames(TextModel):
    """What each setting is called in the confirmations (and on the switch buttons)."""

    zone: str
    wake: str
    sleep: str
    exercise: str
    cap: str
    icing: str
    exercise_nudges: str
    checkin: str
    weekly: str
    kujala: str
    units: str
    foam_roller: str
    ball: str
    band: str


class SettingsCopy(TextModel):
    """/settings (conversations/settings_menu.py)."""

    menu: str
    buttons: SettingsButtons
    state_on: str
    state_off: str
    names: SettingNames
    units: dict[str, str]  # unit system value -> how the menu names it
    kit_yes: str
    kit_no: str
    saved_plan: str
    saved: str
    saved_nothing_planned: str
    saved_paused: str
    ask_zone: str
    zone_which: str
    zone_not_found: str
    ask_time: str
    time_invalid: str
    time_which: str
    same_time: str
    too_short: str
    exercise_outside: str
    ask_weekly: str
    weekly_asleep: str
    weekdays: list[str] = Field(min_length=7, max_length=7)
    weekly_times: list[str] = Field(min_length=1)
    ask_cap: str
    not_set_up: str
    closed: str
    cancelled: str
    commands_mid_flow: str
    media: str
    edited: str


# --- all of them ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Texts:
    """Every text file, validated."""

    ui: UiTexts  # ui.yaml
    onboarding: OnboardingCopy  # onboarding.yaml
    flows: FlowsCopy  # flows.yaml
    checkin: CheckinCopy  # checkin_flow.yaml
    nudges: NudgeCopy  # nudges.yaml
    privacy: PrivacyCopy  # privacy.yaml
    progress: ProgressCopy  # progress.yaml
    settings: SettingsCopy  # settings.yaml

    def by_file(self) -> dict[str, BaseModel]:
        """Each file's validated model, by file name (what `content check` reports)."""
        return {
            "ui.yaml": self.ui,
            "onboarding.yaml": self.onboarding,
            "flows.yaml": self.flows,
            "checkin_flow.yaml": self.checkin,
            "nudges.yaml": self.nudges,
            "privacy.yaml": self.privacy,
            "progress.yaml": self.progress,
            "settings.yaml": self.settings,
        }


def load_texts(directory: Path | None = None) -> Texts:
    """Read and validate every text file; raise `ContentError` (one line) on the first fault."""
    return Texts(
        ui=load_copy(UiTexts, "ui.yaml", directory),
        onboarding=load_copy(OnboardingCopy, "onboarding.yaml", directory),
        flows=load_copy(FlowsCopy, "flows.yaml", directory),
        checkin=load_copy(CheckinCopy, "checkin_flow.yaml", directory),
        nudges=load_copy(NudgeCopy, "nudges.yaml", directory),
        privacy=load_copy(PrivacyCopy, "privacy.yaml", directory),
        progress=load_copy(ProgressCopy, "progress.yaml", directory),
        settings=load_copy(SettingsCopy, "settings.yaml", directory),
    )


@cache
def get_texts() -> Texts:
    """The shipped texts, loaded once per process."""
    return load_texts()

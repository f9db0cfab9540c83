"""Enumerations shared by the content models and the coaching engine.

They live apart so `content.py` can validate YAML against them without importing the engine.
Their string values are stable: conversations and the database store them.
"""

from __future__ import annotations

from enum import StrEnum


class OutcomeKind(StrEnum):
    """What the onboarding assessment concludes, most serious first."""

    EMERGENCY = "emergency"
    SAME_DAY = "same_day"
    CLINICIAN_SOON = "clinician_soon"
    OUTSIDE_PATHWAY = "outside_pathway"
    PRICE = "price"
    PROGRAMME = "programme"


class Tier(StrEnum):
    """Red-flag tiers, most serious first; each is also an OutcomeKind value."""

    EMERGENCY = "emergency"
    SAME_DAY = "same_day"
    CLINICIAN_SOON = "clinician_soon"
    OUTSIDE_PATHWAY = "outside_pathway"


TIER_SEVERITY: dict[Tier, int] = {tier: rank for rank, tier in enumerate(Tier)}


class Stage(StrEnum):
    """Where a user is in the plan. `referred` is terminal."""

    PRICE = "price"
    PHASE1 = "phase1"
    PHASE2 = "phase2"
    PHASE3 = "phase3"
    REFERRED = "referred"


PHASE_STAGES: dict[int, Stage] = {1: Stage.PHASE1, 2: Stage.PHASE2, 3: Stage.PHASE3}


class DecisionKind(StrEnum):
    """What the daily progression decided."""

    STAY = "stay"
    PROGRESS = "progress"
    REGRESS = "regress"
    BACK_TO_PRICE = "back_to_price"
    LEAVE_PRICE = "leave_price"
    REFER = "refer"


class Morning(StrEnum):
    """Next-morning pain or stiffness compared with usual."""

    BETTER = "better"
    SAME = "same"
    WORSE = "worse"


class TaskKind(StrEnum):
    """What a plan task asks the user to do; reminders are keyed on it."""

    ICING = "icing"
    ELEVATION = "elevation"
    COMPRESSION = "compression"
    REST = "rest"
    EXERCISE = "exercise"
    RUN = "run"
    CHECKIN = "checkin"


class TimeOfDay(StrEnum):
    """When in the user's local day a task fits best."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"
    ANY = "any"


class RuleId(StrEnum):
    """Every rule the engine can fire; content/rules.yaml must describe exactly these."""

    TRIAGE_RED_FLAG = "triage_red_flag"
    TRIAGE_FLARE_SWELLING = "triage_flare_swelling"
    TRIAGE_FLARE_REST_PAIN = "triage_flare_rest_pain"
    TRIAGE_FLARE_RECENT = "triage_flare_recent"
    TRIAGE_PFP_PATTERN = "triage_pfp_pattern"
    TRIAGE_PHASE1 = "triage_phase1"
    TRIAGE_PHASE2 = "triage_phase2"
    ALREADY_REFERRED = "already_referred"
    RED_FLAG_IN_CHECKIN = "red_flag_in_checkin"
    FLARE = "flare"
    PRICE_EXIT = "price_exit"
    PRICE_NO_PROGRESS = "price_no_progress"
    PRICE_CONTINUE = "price_continue"
    NO_CHECKIN_TODAY = "no_checkin_today"
    WORSE_WEEKS_REFER = "worse_weeks_refer"
    ACTIVITY_PAIN_TOO_MUCH = "activity_pain_too_much"
    MORNING_WORSE = "morning_worse"
    WORSE_WEEK_HOLD = "worse_week_hold"
    ACTIVITY_PAIN_HOLD = "activity_pain_hold"
    PROGRESS_TOO_SOON = "progress_too_soon"
    PROGRESS_PHASE = "progress_phase"
    RUN_GATE_DUE = "run_gate_due"
    PROGRESS_TO_RUNNING = "progress_to_running"
    RUN_SESSION_NOT_COUNTED = "run_session_not_counted"
    RUN_SESSION_COUNTED = "run_session_counted"
    DRILLS_UNLOCKED = "drills_unlocked"
    RUN_STAGE_UP = "run_stage_up"
    RUN_STAGE_HOLD = "run_stage_hold"
    RUN_FINAL_STAGE = "run_final_stage"
    WORST_PAIN_HOLD = "worst_pain_hold"
    FLARE_WORST_PAIN = "flare_worst_pain"
    STALLED_COURSE = "stalled_course"
    REPEATED_FLARES = "repeated_flares"
    SWELLING_IN_A_ROW = "swelling_in_a_row"

"""What the assessment found and what follows from it: each assessment with its answers, the
runner's current plan state (a mirror of the engine's `PlanState`), and every referral.

Written only after consent. Read by the flows, the plan view and the reminder dispatcher.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey
from sqlmodel import Field, SQLModel

from bot.storage.models.types import UTCDateTime, user_id_field


class AssessmentStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    ABANDONED = "abandoned"


class Assessment(SQLModel, table=True):
    """One run through the questionnaire; answers are saved as they come, so a restart
    resumes at `current_question`."""

    __tablename__ = "assessments"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = user_id_field(index=True)
    status: str = Field(default=AssessmentStatus.IN_PROGRESS, max_length=16)
    # Question id -> answer value (content/assessment.yaml), in the order answered.
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    current_question: str | None = Field(default=None, max_length=64)
    # The engine's conclusion (an OutcomeKind value) and the red flags behind it.
    outcome: str | None = Field(default=None, max_length=32)
    red_flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class PlanStateRecord(SQLModel, table=True):
    """The runner's current place in the plan: the engine's `PlanState`, stored whole."""

    __tablename__ = "plan_states"

    user_id: int = user_id_field(primary_key=True)
    # A Stage value ("price", "phase1", ..., "referred"): what reminders key on.
    stage: str = Field(max_length=16, index=True)
    started_on: date
    # The engine's PlanState as JSON (its own field names), so it can be rebuilt exactly.
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Referral(SQLModel, table=True):
    """A time the coach stopped self-management and said where to go."""

    __tablename__ = "referrals"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = user_id_field(index=True)
    # A Tier value: emergency, clinician_soon, outside_pathway.
    tier: str = Field(max_length=32)
    red_flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Where it was caught: "onboarding", "assessment", "free_text".
    source: str = Field(max_length=32)
    assessment_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("assessments.id", ondelete="SET NULL"), nullable=True),
    )
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # The plan stage the referral paused (a Stage value; None before any plan), so the
    # programme can carry on from there once a clinician clears the way ...
    stage_before: str | None = Field(default=None, max_length=16)
    # ... which the user tells us, recorded here with its date.
    cleared_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))

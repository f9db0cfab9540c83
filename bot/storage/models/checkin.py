"""The daily check-in: one row per user and local day (a second check-in that day updates it).

The answers are columns, so the engine's history and any report can read them without JSON.
While a check-in is being answered its answers so far sit in `draft` with the question being
asked in `current_question`, so a restart resumes at that question; the columns change only
when the check-in is complete. Written by bot/services/checkins.py; read by the check-in flow.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.models.types import UTCDateTime, user_id_field


class CheckinRecord(SQLModel, table=True):
    """One local day's check-in and what the engine decided from it."""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("user_id", "local_date"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = user_id_field()
    # The user's local date (their IANA zone) the check-in was started on.
    local_date: date
    # The answers (content/checkin.yaml); None until the first check-in of the day is complete.
    pain_now: int | None = None
    worst_pain_24h: int | None = None
    activity_pain: int | None = None  # None: no exercise or run
    morning_vs_usual: str | None = Field(default=None, max_length=8)  # a Morning value
    swelling: bool | None = None
    exercises_done: bool | None = None
    running_minutes: int | None = None
    red_flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    run_gate_passed: bool | None = None  # asked in phase 2 once a step up is due
    # What the engine decided (a DecisionKind value) and the rule that said so.
    decision: str | None = Field(default=None, max_length=16)
    rule_id: str | None = Field(default=None, max_length=64)
    # The plan state before and after the day's decision (the engine's PlanState as JSON):
    # a second check-in that day decides again from `state_before`, not on top of the first.
    state_before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    state_after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # A check-in being answered: question id -> option value, and the question on screen.
    draft: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    current_question: str | None = Field(default=None, max_length=64)
    # What the bot knew when the check-in began that decides which questions it asks (the last
    # settled check-in, exercises logged, whether they run): kept with the draft so a tap reads
    # this row instead of the user's whole history again (bot/services/checkins.py).
    known: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    completed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))

"""What the coach knows about a runner: their profile (consent, day, preferences) and the log
of tasks they marked done, per local day. Read by the flows and the reminder dispatcher."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.models.types import UTCDateTime, user_id_field


class Profile(SQLModel, table=True):
    """Consent and the runner's day. Health answers are stored only once `consented_at` is set."""

    __tablename__ = "profiles"

    user_id: int = user_id_field(primary_key=True)
    consented_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # The age band answered in onboarding (an option of the "age" question), so the knee
    # check does not ask it twice.
    age_band: str | None = Field(default=None, max_length=16)
    # Local wall-clock times in the user's own time zone (users.time_zone).
    wake_time: time | None = None
    sleep_time: time | None = None
    exercise_time: time | None = None
    # Reminder etiquette (CONTENT-BRIEF section 6): a cap, switches, and pausing.
    daily_nudge_cap: int = Field(default=5)
    reminders_enabled: bool = Field(default=True)
    icing_reminders_enabled: bool = Field(default=True)
    # One switch per nudge kind (/settings); reminders_enabled above switches them all.
    exercise_reminders_enabled: bool = Field(default=True)
    checkin_reminders_enabled: bool = Field(default=True)
    # The weekly summary: on or off, the local weekday (Monday = 0) and wall time.
    weekly_summary_enabled: bool = Field(default=True)
    weekly_summary_day: int = Field(default=6)
    weekly_summary_time: time = Field(default=time(19, 0))
    paused_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    paused_indefinitely: bool = Field(default=False)
    # Whether the optional knee score (Kujala) is offered every `kujala_every_days`.
    kujala_enabled: bool = Field(default=True)
    # Lengths in the plan: "metric" or "imperial"; None: the default of the user's country.
    units: str | None = Field(default=None, max_length=8)
    # The kit the runner has; without it the plan offers each exercise's alternative.
    has_foam_roller: bool = Field(default=True)
    has_ball: bool = Field(default=True)
    has_band: bool = Field(default=True)
    # Barefoot strides and ladder drills (issue 9): "opted_in" after the short screen found
    # none of its reasons against; "not_suitable" or "declined" leave them off; None: not asked.
    drills_choice: str | None = Field(default=None, max_length=16)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class TaskLog(SQLModel, table=True):
    """One task marked done on one local day (a double tap still makes one row)."""

    __tablename__ = "task_log"
    __table_args__ = (UniqueConstraint("user_id", "local_date", "task_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = user_id_field(index=True)
    local_date: date
    # A task id from the engine's plan (e.g. "ice", "wall_squat", "checkin").
    task_id: str = Field(max_length=64)
    done_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))

"""Reminders and their deliveries: the tables behind the one reminder dispatcher.

A `Reminder` is a rule (local wall time, weekdays, IANA zone) plus the next instant it is due
(`next_fire_at`, UTC) and a lease a dispatcher takes while it works on the row. A `Delivery`
records what happened to one occurrence; its unique key (reminder, local date, slot) is what
makes a second send of the same occurrence impossible, even with several dispatchers.
Written by bot/services/reminders/; read by the nudge buttons.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.models.types import UTCDateTime, user_id_field


class ReminderKind(StrEnum):
    """What a reminder nudges about. Stable strings: stored in the database."""

    ICING = "icing"
    EXERCISE = "exercise"
    CHECKIN = "checkin"
    WEEKLY_SUMMARY = "weekly_summary"
    KUJALA = "kujala"  # the optional knee score, every `kujala_every_days`


class DeliveryOutcome(StrEnum):
    """What became of one occurrence (a `Delivery` row)."""

    QUEUED = "queued"  # to be sent, not yet handed to Telegram: certainly not sent
    SENDING = "sending"  # handed to Telegram: in flight, it may have arrived
    SENT = "sent"
    # The send's answer was lost (timed out, connection dropped), or its dispatcher died while
    # it was in flight: it may have arrived, so it is never repeated.
    UNCERTAIN = "uncertain"
    LATE = "late"  # past its grace window (downtime, long outage)
    DONE = "done"  # the task was already logged today
    ANSWERING = "answering"  # the knee score it offers is being answered right now
    QUIET = "quiet"  # inside the user's quiet hours
    CAPPED = "capped"  # the user's daily nudge cap was reached
    PAUSED = "paused"  # the user paused reminders
    INACTIVE = "inactive"  # the user blocked the bot


class Reminder(SQLModel, table=True):
    """One recurring nudge of one user: `kind` (and `slot`, for icing 0..2) at a wall time."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("user_id", "kind", "slot"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = user_id_field(index=True)
    kind: str = Field(max_length=32)
    slot: int = Field(default=0)
    local_time: time
    weekdays: int = Field(default=0b1111111)
    time_zone: str = Field(max_length=64)
    # False when the plan no longer wants it (icing after PRICE); rows are kept, not deleted,
    # so re-entering PRICE reuses them and the delivery history stays.
    enabled: bool = Field(default=True)
    # The next instant to act, and which occurrence that is: its local date and its send slot
    # (0 = the scheduled nudge, n = the n-th snoozed repeat). NULL = nothing scheduled.
    next_fire_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True, index=True)
    )
    occurrence_date: date | None = None
    send_slot: int = Field(default=0)
    # A dispatcher's claim; also used as a "not before" after a failed send.
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Delivery(SQLModel, table=True):
    """What happened to one occurrence of a reminder; at most one row per occurrence."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("reminder_id", "local_date", "slot"),
        Index("ix_deliveries_user_day", "user_id", "local_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reminder_id: int = Field(
        sa_column=Column(ForeignKey("reminders.id", ondelete="CASCADE"), nullable=False)
    )
    user_id: int = user_id_field()
    kind: str = Field(max_length=32)
    local_date: date
    slot: int
    outcome: str = Field(max_length=16)
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    decided_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))

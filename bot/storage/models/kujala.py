"""The knee score (Kujala Anterior Knee Pain Scale): one row per run through its 13 items.

Answers are saved as they come (`answers`, with the item on screen in `current_question`), so a
restart resumes at the same item; a finished run keeps its score (0-100) and the user's local
date, which is what the progress chart and the fortnightly offer read. Written by
bot/services/kujala.py.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from bot.storage.models.types import UTCDateTime, user_id_field


class KujalaStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    ABANDONED = "abandoned"
    REFERRED = "referred"  # an answer raised a red flag: no score, a referral instead


class KujalaRun(SQLModel, table=True):
    """One run through the knee score."""

    __tablename__ = "kujala_runs"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = user_id_field(index=True)
    status: str = Field(default=KujalaStatus.IN_PROGRESS, max_length=16)
    # Item id -> option value (content/kujala.yaml), in the order answered.
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    current_question: str | None = Field(default=None, max_length=64)
    score: int | None = None  # 0-100, set when complete
    red_flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The user's local date the run was started on: the date the score is kept with.
    local_date: date
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))

"""Barefoot strides and ladder drills are opt-in after a short screen (issue 9 item 9).

The screen's words live in content/drills_screen.yaml; the choice is stored on the profile
(bot/services/drills.py) and read where the day's plan is built (`plan_for(...,
drills_opted_in=...)`). Pure: no Telegram, no database.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.content import load_copy

FILE_NAME = "drills_screen.yaml"
LABEL_MAX = 30


class DrillsChoice(StrEnum):
    """What the runner answered; only OPTED_IN puts the drills on the plan."""

    OPTED_IN = "opted_in"
    NOT_SUITABLE = "not_suitable"
    DECLINED = "declined"


class DrillsScreenCopy(BaseModel):
    """content/drills_screen.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str = Field(min_length=1)
    none_apply: str = Field(min_length=1, max_length=LABEL_MAX)
    one_applies: str = Field(min_length=1, max_length=LABEL_MAX)
    not_now: str = Field(min_length=1, max_length=LABEL_MAX)
    opted_in: str = Field(min_length=1)
    not_suitable: str = Field(min_length=1)
    declined: str = Field(min_length=1)
    offer: str = Field(min_length=1)
    offer_button: str = Field(min_length=1, max_length=LABEL_MAX)
    references: list[str] = Field(min_length=1)


def load_drills_screen(directory: Path | None = None) -> DrillsScreenCopy:
    """Read and validate content/drills_screen.yaml (ContentError, one line, on a fault)."""
    return load_copy(DrillsScreenCopy, FILE_NAME, directory)


@cache
def drills_screen_copy() -> DrillsScreenCopy:
    """The shipped screen's words, loaded once per process."""
    return load_drills_screen()

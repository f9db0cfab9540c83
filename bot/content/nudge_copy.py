"""Nudge buttons and /pause, /resume replies from `content/nudges.yaml`, through the one
content loader (a broken file fails with one line naming file and field). The nudge texts
themselves are clinical wording and come from `messages.yaml` (`get_content().messages`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from bot.content import load_copy


class _Copy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ButtonTexts(_Copy):
    done: str
    checkin_now: str
    snooze: str
    skip: str


class ReplyTexts(_Copy):
    done: str
    snoozed: str
    skipped: str
    stale: str
    gone: str


class PauseTexts(_Copy):
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


class NudgeCopy(_Copy):
    buttons: ButtonTexts
    replies: ReplyTexts
    pause: PauseTexts


@cache
def nudge_copy(directory: Path | None = None) -> NudgeCopy:
    """Load and validate `nudges.yaml` (cached: read once per process)."""
    return load_copy(NudgeCopy, "nudges.yaml", directory)

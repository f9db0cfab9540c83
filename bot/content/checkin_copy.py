"""The words around the daily check-in, from `content/checkin_flow.yaml`.

Loaded once (cached) through the one content loader (`load_copy`); the questions, the reasons
behind a decision and the referral texts come from `get_content()`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bot.coaching.kinds import DecisionKind
from bot.content import load_copy
from bot.content.flow_copy import CopyModel, QuestionFlowCopy


class ChangeCopy(CopyModel):
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


class CheckinCopy(QuestionFlowCopy):
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
    referral: str


@cache
def checkin_copy(directory: Path | None = None) -> CheckinCopy:
    """Load and validate the check-in's copy (cached: read once per process)."""
    return load_copy(CheckinCopy, "checkin_flow.yaml", directory)

"""Changing a runner's plan: a new plan state, or a referral that pauses it - and, in the same
unit of work, the reminders that follow from it. The one writer of the plan state.

Re-planning is an explicit call here (not a session hook), so a reader of any use case that
changes the plan sees the reminders move with it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.coaching.progression import PlanState
from bot.content.kinds import Stage, Tier
from bot.services.plan_state import load_state, save_state
from bot.services.reminders.planner import replan_reminders
from bot.services.users import today_for
from bot.storage.models import Referral


def change_plan(session: Session, user_id: int, state: PlanState, now: datetime) -> None:
    """Store the user's new plan state; a change of stage re-plans their reminders (entering
    PRICE adds icing nudges, leaving it removes them)."""
    if save_state(session, user_id, state, now):
        session.flush()
        replan_reminders(session, user_id, now, state.stage)


def refer(
    session: Session,
    user_id: int,
    tier: Tier,
    red_flags: list[str],
    source: str,
    now: datetime,
    assessment_id: int | None = None,
) -> Referral:
    """Record a referral and pause the plan (its reminders stop) until a new knee check."""
    today, _zone = today_for(session, user_id, now)
    current = load_state(session, user_id)
    paused = (
        latest_referral(session, user_id) if current and current.stage is Stage.REFERRED else None
    )
    referral = Referral(
        user_id=user_id,
        tier=tier.value,
        red_flags=list(red_flags),
        source=source,
        assessment_id=assessment_id,
        created_at=now,
        # A second referral while paused keeps pointing at the stage the first one paused.
        stage_before=paused.stage_before if paused else (current.stage.value if current else None),
    )
    session.add(referral)
    if current is None:
        referred = PlanState(stage=Stage.REFERRED, stage_since=today)
    elif current.stage is Stage.REFERRED:
        referred = current
    else:  # the rest of the state is kept for when a clinician clears the way back
        referred = dataclasses.replace(current, stage=Stage.REFERRED, stage_since=today)
    change_plan(session, user_id, referred, now)
    session.flush()
    return referral


def latest_referral(session: Session, user_id: int) -> Referral | None:
    statement = (
        select(Referral).where(Referral.user_id == user_id).order_by(col(Referral.id).desc())
    )
    return session.exec(statement).first()


@dataclass(frozen=True)
class Cleared:
    """A clinician has cleared the way: the programme carries on from `stage`, or - with no
    plan before the referral - the knee check is next (`stage` None)."""

    stage: Stage | None


def clear_referral(session: Session, user_id: int, now: datetime) -> Cleared | None:
    """Record that a clinician has checked the knee and said exercise is right, and carry the
    programme on from where the referral paused it; None when nothing is paused."""
    current = load_state(session, user_id)
    referral = latest_referral(session, user_id)
    if current is None or current.stage is not Stage.REFERRED or referral is None:
        return None
    referral.cleared_at = now
    session.add(referral)
    if referral.stage_before is None or referral.stage_before == Stage.REFERRED:
        return Cleared(None)
    stage = Stage(referral.stage_before)
    today, _zone = today_for(session, user_id, now)
    change_plan(session, user_id, dataclasses.replace(current, stage=stage, stage_since=today), now)
    return Cleared(stage)


def paused_by(session: Session, user_id: int) -> Tier | None:
    """The tier of the referral that pauses the user's programme, or None when it runs."""
    current = load_state(session, user_id)
    referral = latest_referral(session, user_id)
    if current is None or current.stage is not Stage.REFERRED or referral is None:
        return None
    return Tier(referral.tier)

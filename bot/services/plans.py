"""Changing a runner's plan: a new plan state, or a referral that pauses it - and, in the same
unit of work, the reminders that follow from it. The one writer of the plan state.

Re-planning is an explicit call here (not a session hook), so a reader of any use case that
changes the plan sees the reminders move with it.
"""

from __future__ import annotations

import dataclasses
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
    referral = Referral(
        user_id=user_id,
        tier=tier.value,
        red_flags=list(red_flags),
        source=source,
        assessment_id=assessment_id,
        created_at=now,
    )
    session.add(referral)
    today, _zone = today_for(session, user_id, now)
    current = load_state(session, user_id)
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

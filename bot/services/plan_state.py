"""The runner's plan state in the database: the engine's `PlanState` stored whole (as JSON)
beside its stage, so reminders can filter on the stage and the flows rebuild the exact state.

Storage only: a change of plan goes through `bot/services/plans.py`, which also re-plans the
reminders that follow from it. No Telegram here.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot.coaching.plan import Task, plan_for
from bot.coaching.progression import PlanState
from bot.content.kinds import Stage
from bot.services.drills import drills_opted_in
from bot.storage.models import PlanStateRecord


def state_to_json(state: PlanState) -> dict[str, Any]:
    data = dataclasses.asdict(state)
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()}


def state_from_json(data: dict[str, Any]) -> PlanState:
    fields = {f.name: f for f in dataclasses.fields(PlanState)}
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name not in fields:
            continue  # a field the engine has since dropped
        if name in ("stage_since", "flare_on") and isinstance(value, str):
            value = date.fromisoformat(value)
        elif name == "stage":
            value = Stage(value)
        values[name] = value
    return PlanState(**values)


def save_state(session: Session, user_id: int, state: PlanState, now: datetime) -> bool:
    """Store the user's current plan state (replacing the previous one); True if its stage
    changed (or it is the first), so the caller knows the reminders need re-planning."""
    record = session.get(PlanStateRecord, user_id)
    changed = record is None or record.stage != state.stage
    if record is None:
        record = PlanStateRecord(
            user_id=user_id, stage=state.stage, started_on=state.stage_since, updated_at=now
        )
    elif changed:
        record.started_on = state.stage_since
    record.stage = state.stage.value
    record.state = state_to_json(state)
    record.updated_at = now
    session.add(record)
    return changed


def load_state(session: Session, user_id: int) -> PlanState | None:
    """The user's plan state, or None before their first assessment."""
    record = session.get(PlanStateRecord, user_id)
    if record is None:
        return None
    if not record.state:
        return PlanState(stage=Stage(record.stage), stage_since=record.started_on)
    return state_from_json(record.state)


def tasks_for_day(session: Session, user_id: int, day: date) -> list[Task]:
    """The user's plan for their local `day` (empty without a plan)."""
    state = load_state(session, user_id)
    if state is None:
        return []
    return plan_for(state, day, drills_opted_in=drills_opted_in(session, user_id))

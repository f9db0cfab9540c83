"""Today's plan for one runner, as /plan and its buttons need it: each use case is one call in
one unit of work, returning plain values the Telegram side renders (conversations/plan.py).

"Today" is the runner's local date (their IANA zone, UTC until they choose one); the plan is
the engine's `plan_for(state, today)`; progress comes from the per-day task log
(bot/services/tasks.py), counted the same way as the reminder dispatcher counts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session

from bot.coaching.plan import Task, plan_for
from bot.content.kinds import Stage, Tier
from bot.services import tasks as task_log
from bot.services.drills import drills_offer_due, drills_opted_in
from bot.services.onboarding import has_consented
from bot.services.plan_state import load_state
from bot.services.plans import latest_referral
from bot.services.users import today_for


@dataclass(frozen=True)
class TodayPlan:
    """What /plan shows: the day, the stage, its tasks and how far each is done."""

    today: date
    stage: Stage | None  # None: no plan yet (no consent, or no knee check)
    tasks: list[Task] = field(default_factory=list)
    progress: dict[str, int] = field(default_factory=dict)  # task id -> sessions done today
    referral_tier: Tier | None = None  # the latest referral's, while referred
    drills_offer: bool = False  # strides and drills unlocked, their short screen not answered

    def task(self, task_id: str) -> Task | None:
        return next((t for t in self.tasks if t.id == task_id), None)


def plan_today(session: Session, user_id: int, now: datetime) -> TodayPlan:
    """The runner's plan for their local today."""
    state = load_state(session, user_id) if has_consented(session, user_id) else None
    today, _zone = today_for(session, user_id, now)
    if state is None:
        return TodayPlan(today, None)
    tasks = plan_for(state, today, drills_opted_in=drills_opted_in(session, user_id))
    progress = task_log.progress_today(session, user_id, tasks, today)
    tier = None
    if state.stage is Stage.REFERRED:
        referral = latest_referral(session, user_id)
        tier = Tier(referral.tier) if referral is not None else None
    offer = drills_offer_due(session, user_id, state.drills_unlocked)
    return TodayPlan(today, state.stage, tasks, progress, tier, offer)


def task_today(
    session: Session, user_id: int, task_id: str, now: datetime
) -> tuple[date, Task | None]:
    """The runner's local today and `task_id` as it is on today's plan (None if it is not)."""
    plan = plan_today(session, user_id, now)
    return plan.today, plan.task(task_id)


class TaskDone(StrEnum):
    MARKED = "marked"
    ALREADY = "already"  # a double tap: every session of it is already logged today
    OLD_DAY = "old_day"  # a button from an earlier day
    UNKNOWN = "unknown"  # not on today's plan


@dataclass(frozen=True)
class TaskDoneResult:
    outcome: TaskDone
    plan: TodayPlan  # today's plan after the press
    task: Task | None = None


def mark_plan_task_done(
    session: Session, user_id: int, task_id: str, day: date, now: datetime
) -> TaskDoneResult:
    """Mark `task_id` done for local `day` if that is today (once, however often it is
    tapped); return today's plan as it is afterwards."""
    plan = plan_today(session, user_id, now)
    task = plan.task(task_id)
    if task is None:
        return TaskDoneResult(TaskDone.UNKNOWN, plan)
    if day != plan.today:
        return TaskDoneResult(TaskDone.OLD_DAY, plan, task)
    if not task_log.mark_task_done(session, user_id, task, plan.today, now):
        return TaskDoneResult(TaskDone.ALREADY, plan, task)
    progress = task_log.progress_today(session, user_id, plan.tasks, plan.today)
    after = TodayPlan(plan.today, plan.stage, plan.tasks, progress, plan.referral_tier)
    return TaskDoneResult(TaskDone.MARKED, after, task)

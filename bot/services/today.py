"""Today's plan for one runner, as /plan, its task pages and the nudges need it: each use case
is one call in one unit of work, returning plain values the Telegram side renders
(conversations/plan.py).

"Today" is the runner's local date (their IANA zone, UTC until they choose one); the plan is
the engine's `plan_for(state, day)`; progress comes from the per-day task log
(bot/services/tasks.py), counted the same way as the reminder dispatcher counts it. Yesterday
stays open for logging until `YESTERDAY_OPEN_UNTIL` local time, so a late session forgotten
at night can still be ticked over breakfast.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.coaching.plan import Task, plan_for
from bot.content import Frequency, get_content
from bot.content.kinds import Stage, TaskKind, Tier
from bot.services import tasks as task_log
from bot.services.drills import drills_offer_due, drills_opted_in
from bot.services.onboarding import has_consented
from bot.services.plan_state import load_state
from bot.services.plans import latest_referral
from bot.services.settings import plan_preferences
from bot.services.users import today_for

_PHASES = {Stage.PHASE1: 1, Stage.PHASE2: 2, Stage.PHASE3: 3}
# Until this local time, yesterday's tasks can still be marked done or undone.
YESTERDAY_OPEN_UNTIL = time(12, 0)


@dataclass(frozen=True)
class TodayPlan:
    """What /plan shows: the day, the stage, its tasks and how far each is done."""

    today: date  # the local day this plan is for (yesterday's, for /yesterday)
    stage: Stage | None  # None: no plan yet (no consent, or no knee check)
    tasks: list[Task] = field(default_factory=list)
    progress: dict[str, int] = field(default_factory=dict)  # task id -> sessions done that day
    referral_tier: Tier | None = None  # the latest referral's, while referred
    is_yesterday: bool = False  # this is yesterday's plan, still open for logging
    yesterday_open: bool = False  # yesterday can still be logged (until YESTERDAY_OPEN_UNTIL)
    strength_rest: bool = False  # a phase day without its every-other-day strength work
    drills_offer: bool = False  # strides and drills unlocked, their short screen not answered
    zone: str | None = None  # the user's IANA time zone: where a referral's care is

    @property
    def phase(self) -> int | None:
        """The programme phase (1-3) of the plan, None for PRICE, a referral or no plan."""
        return _PHASES.get(self.stage) if self.stage is not None else None

    def task(self, task_id: str) -> Task | None:
        return next((t for t in self.tasks if t.id == task_id), None)


def _local_now(session: Session, user_id: int, now: datetime) -> datetime:
    _today, zone = today_for(session, user_id, now)
    return now.astimezone(ZoneInfo(zone))


def _yesterday_open(local_now: datetime) -> bool:
    return local_now.time() < YESTERDAY_OPEN_UNTIL


def _plan_on(session: Session, user_id: int, day: date, local_now: datetime) -> TodayPlan:
    state = load_state(session, user_id) if has_consented(session, user_id) else None
    today = local_now.date()
    if state is None:
        return TodayPlan(day, None)
    prefs = plan_preferences(session, user_id)  # lengths in their units, kit they lack
    opted_in = drills_opted_in(session, user_id)
    tasks = (
        plan_for(state, day, units=prefs.units, missing=prefs.missing, drills_opted_in=opted_in)
        if day >= state.stage_since or day == today
        else []
    )
    progress = task_log.progress_today(session, user_id, tasks, day)
    # Offer /yesterday only while it is open and something of yesterday is left to log.
    yesterday_open = (
        day == today
        and _yesterday_open(local_now)
        and _left_to_log(_plan_on(session, user_id, today - timedelta(days=1), local_now))
    )
    tier = None
    if state.stage is Stage.REFERRED:
        referral = latest_referral(session, user_id)
        tier = Tier(referral.tier) if referral is not None else None
    return TodayPlan(
        day,
        state.stage,
        tasks,
        progress,
        tier,
        is_yesterday=day != today,
        yesterday_open=yesterday_open,
        strength_rest=_strength_rest(state.stage, tasks),
        drills_offer=day == today and drills_offer_due(session, user_id, state.drills_unlocked),
        zone=getattr(local_now.tzinfo, "key", None),
    )


def _left_to_log(plan: TodayPlan) -> bool:
    """Whether a task of `plan` (other than the check-in) is not fully done."""
    return any(
        plan.progress.get(task.id, 0) < task.times_per_day
        for task in plan.tasks
        if task.kind is not TaskKind.CHECKIN
    )


def _strength_rest(stage: Stage, tasks: list[Task]) -> bool:
    """Whether the phase has every-other-day strength work and none of it is on `tasks`."""
    number = _PHASES.get(stage)
    if number is None:
        return False
    strength = {
        exercise.id
        for exercise, dosage, _entry in get_content().phase_exercises(number)
        if dosage.frequency is Frequency.ALTERNATE_DAYS
    }
    return bool(strength) and not strength & {task.id for task in tasks}


def plan_today(session: Session, user_id: int, now: datetime) -> TodayPlan:
    """The runner's plan for their local today."""
    local_now = _local_now(session, user_id, now)
    return _plan_on(session, user_id, local_now.date(), local_now)


def plan_yesterday(session: Session, user_id: int, now: datetime) -> TodayPlan | None:
    """Yesterday's plan while it is still open for logging; None once it has closed."""
    local_now = _local_now(session, user_id, now)
    if not _yesterday_open(local_now):
        return None
    return _plan_on(session, user_id, local_now.date() - timedelta(days=1), local_now)


def _open_plan(session: Session, user_id: int, day: date | None, now: datetime) -> TodayPlan | None:
    """The plan of `day` (None: today) if it can still be logged, else None."""
    local_now = _local_now(session, user_id, now)
    today = local_now.date()
    if day is None or day == today:
        return _plan_on(session, user_id, today, local_now)
    if day == today - timedelta(days=1) and _yesterday_open(local_now):
        return _plan_on(session, user_id, day, local_now)
    return None


def task_on(
    session: Session, user_id: int, task_id: str, day: date | None, now: datetime
) -> tuple[TodayPlan, Task | None]:
    """The plan of `day` (None: today; an older day falls back to today) and `task_id` on it."""
    plan = _open_plan(session, user_id, day, now) or plan_today(session, user_id, now)
    return plan, plan.task(task_id)


class TaskDone(StrEnum):
    MARKED = "marked"
    UNDONE = "undone"
    ALREADY = "already"  # a double tap: every session of it is already logged that day
    NOT_DONE = "not_done"  # Undo on a task with nothing logged (a double tap on Undo)
    OLD_DAY = "old_day"  # a button from a day that can no longer be logged
    UNKNOWN = "unknown"  # not on that day's plan


@dataclass(frozen=True)
class TaskDoneResult:
    outcome: TaskDone
    plan: TodayPlan  # the pressed day's plan after the press (today's for an old day)
    task: Task | None = None


def mark_plan_task_done(
    session: Session, user_id: int, task_id: str, day: date, now: datetime
) -> TaskDoneResult:
    """Mark `task_id` done for local `day` if that is today, or yesterday while it is open
    (once, however often it is tapped); return that day's plan as it is afterwards."""
    return _change(session, user_id, task_id, day, now, undo=False)


def undo_plan_task(
    session: Session, user_id: int, task_id: str, day: date, now: datetime
) -> TaskDoneResult:
    """Take back the last "Done" of `task_id` on local `day` (today, or yesterday while it is
    open); return that day's plan as it is afterwards."""
    return _change(session, user_id, task_id, day, now, undo=True)


def _change(
    session: Session, user_id: int, task_id: str, day: date, now: datetime, *, undo: bool
) -> TaskDoneResult:
    plan = _open_plan(session, user_id, day, now)
    if plan is None:
        today = plan_today(session, user_id, now)
        return TaskDoneResult(TaskDone.OLD_DAY, today, today.task(task_id))
    task = plan.task(task_id)
    if task is None:
        return TaskDoneResult(TaskDone.UNKNOWN, plan)
    if undo:
        changed = task_log.undo_task_done(session, user_id, task, plan.tasks, day, now)
        outcome = TaskDone.UNDONE if changed else TaskDone.NOT_DONE
    else:
        changed = task_log.mark_task_done(session, user_id, task, day, now)
        outcome = TaskDone.MARKED if changed else TaskDone.ALREADY
    if not changed:
        return TaskDoneResult(outcome, plan, task)
    progress = task_log.progress_today(session, user_id, plan.tasks, day)
    return TaskDoneResult(outcome, replace(plan, progress=progress), task)

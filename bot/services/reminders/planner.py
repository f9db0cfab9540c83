"""Which reminders a user should have, from their profile and plan stage, kept in the table.

`replan_reminders(session, user_id, now)` creates, moves, re-enables or disables the user's
reminder rows. Every writer of what it depends on calls it explicitly, in the same unit of
work: a change of plan stage or a referral (`bot/services/plans.py`), the runner's day and
time zone (`bot/services/onboarding.py`), /pause and /resume, and an unblock.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from bot.clock import local_date
from bot.coaching.plan import Task
from bot.content import get_content
from bot.content.kinds import Stage, TaskKind
from bot.services.plan_state import tasks_for_day
from bot.services.reminders.rules import (
    ALL_WEEKDAYS,
    QuietHours,
    RecurrenceRule,
    minutes_of,
    next_occurrence,
    resolve,
    spread,
    waking_minutes,
    wall_from_minutes,
)
from bot.services.tasks import (
    mark_task_done,
    sessions_done,
)
from bot.storage.models import KujalaRun, KujalaStatus, PlanStateRecord, Profile, Reminder, User
from bot.storage.models.reminders import ReminderKind

log = logging.getLogger(__name__)

DEFAULT_WAKE = time(7, 0)
DEFAULT_SLEEP = time(22, 30)
DEFAULT_EXERCISE = time(18, 0)
# The check-in asks about the whole day (exercise, worst pain), so it comes in the evening.
CHECKIN_BEFORE_SLEEP_MINUTES = 120
ICING_EDGE_MINUTES = 90
JITTER_MINUTES = 5
PROGRAMME_STAGES = frozenset({Stage.PHASE1, Stage.PHASE2, Stage.PHASE3})


@dataclass(frozen=True)
class Wanted:
    kind: ReminderKind
    slot: int
    at: time
    weekdays: int = ALL_WEEKDAYS
    not_before: date | None = None  # no occurrence before this local date


def _reminded_tasks(tasks: Sequence[Task], kind: str) -> list[Task]:
    """The plan tasks a reminder of `kind` is about."""
    task_kind = {
        ReminderKind.ICING: TaskKind.ICING,
        ReminderKind.EXERCISE: TaskKind.EXERCISE,
        ReminderKind.CHECKIN: TaskKind.CHECKIN,
    }.get(ReminderKind(kind))
    return [task for task in tasks if task.kind is task_kind]


def reminded_task_done(kind: str, slot: int, logged: set[str], tasks: Sequence[Task]) -> bool:
    """Whether what a reminder of `kind` (and icing `slot`) asks for is already logged, given
    the log ids of the user's local day and that day's plan (pure; the dispatcher loads both
    for a whole batch).

    Icing slot k is done once k+1 icing sessions are logged; the exercise session once every
    exercise on today's plan is (or Done was pressed on its nudge); the check-in once logged.
    """
    if not logged:
        return False  # the common case in a wave: no need to build the day's plan
    reminded = _reminded_tasks(tasks, kind)
    if not reminded:
        return False
    done = {task.id: sessions_done(task, logged) for task in reminded}
    if kind == ReminderKind.ICING:
        return done[reminded[0].id] > slot
    return all(done[task.id] >= task.times_per_day for task in reminded)


def mark_reminded_task_done(session: Session, row: Reminder, day: date, now: datetime) -> None:
    """Log what Done on this reminder's nudge means: one session of the task it is about (an
    exercise nudge has no Done: it opens the plan, see services/reminders/actions.py)."""
    for task in _reminded_tasks(tasks_for_day(session, row.user_id, day), row.kind):
        mark_task_done(session, row.user_id, task, day, now)
        return


def jitter_minutes(user_id: int) -> int:
    """A stable 0..4 minute offset per user, so a wave of 08:00 reminders spreads out."""
    return (user_id * 2_654_435_761 >> 7) % JITTER_MINUTES


def quiet_hours(profile: Profile) -> QuietHours:
    """The user's quiet hours: their sleep window."""
    return QuietHours(profile.sleep_time or DEFAULT_SLEEP, profile.wake_time or DEFAULT_WAKE)


def wanted_reminders(
    user_id: int, profile: Profile, stage: Stage | None, kujala_on: date | None = None
) -> list[Wanted]:
    """The reminders a user in `stage` with `profile` should have (pure); `kujala_on` is
    the local date the knee score is next due (None: not planned)."""
    if stage is None or stage == Stage.REFERRED or not profile.reminders_enabled:
        return []
    wake = profile.wake_time or DEFAULT_WAKE
    sleep = profile.sleep_time or DEFAULT_SLEEP
    jitter = jitter_minutes(user_id)
    day_length = waking_minutes(wake, sleep)

    def shifted(at: time) -> time:
        return wall_from_minutes(minutes_of(at) + jitter)

    before_sleep = min(CHECKIN_BEFORE_SLEEP_MINUTES, day_length // 3)
    checkin_at = wall_from_minutes(minutes_of(sleep) - before_sleep - JITTER_MINUTES)
    wanted = []
    if profile.checkin_reminders_enabled:
        wanted.append(Wanted(ReminderKind.CHECKIN, 0, shifted(checkin_at)))
    if stage in PROGRAMME_STAGES and profile.exercise_reminders_enabled:
        at = profile.exercise_time or DEFAULT_EXERCISE
        if quiet_hours(profile).contains(at):
            at = wake  # a time inside the sleep window would never be sent
        wanted.append(Wanted(ReminderKind.EXERCISE, 0, shifted(at)))
    if stage == Stage.PRICE and profile.icing_reminders_enabled:
        count = 3 if day_length >= 10 * 60 else 2
        for slot, at in enumerate(spread(wake, sleep, count, ICING_EDGE_MINUTES)):
            wanted.append(Wanted(ReminderKind.ICING, slot, shifted(at)))
    if profile.weekly_summary_enabled:
        day = 1 << profile.weekly_summary_day
        at = profile.weekly_summary_time
        # Jitter must not carry it past midnight, onto the day before the chosen one's end.
        if minutes_of(at) + jitter < 24 * 60:
            at = shifted(at)
        wanted.append(Wanted(ReminderKind.WEEKLY_SUMMARY, 0, at, weekdays=day))
    if profile.kujala_enabled and kujala_on is not None:
        # Midway through the waking day, on the weekday it falls due: ignored, it comes back
        # a week later; answered, the re-plan moves it a fortnight on.
        [midday] = spread(wake, sleep, 1)
        wanted.append(
            Wanted(
                ReminderKind.KUJALA,
                0,
                shifted(midday),
                weekdays=1 << kujala_on.weekday(),
                not_before=kujala_on,
            )
        )
    return wanted


def kujala_due_on(session: Session, user_id: int, zone: str) -> date | None:
    """The local date the knee score falls due: `kujala_every_days` after the last one, or
    for the first one (the baseline) the day after consent. A fixed date, so re-plans (every
    check-in may make one) never move an overdue offer; None before consent."""
    last = session.exec(
        select(col(KujalaRun.local_date))
        .where(KujalaRun.user_id == user_id, KujalaRun.status == KujalaStatus.COMPLETE)
        .order_by(col(KujalaRun.local_date).desc())
        .limit(1)
    ).first()
    if last is not None:
        every = int(get_content().thresholds.kujala_every_days.value)
        return last + timedelta(days=every)
    profile = session.get(Profile, user_id)
    if profile is None or profile.consented_at is None:
        return None
    return local_date(profile.consented_at, zone) + timedelta(days=1)


def current_stage(session: Session, user_id: int) -> Stage | None:
    record = session.get(PlanStateRecord, user_id)
    return Stage(record.stage) if record is not None else None


def replan_reminders(
    session: Session, user_id: int, now: datetime, stage: Stage | None = None
) -> list[Reminder]:
    """Bring the user's reminder rows in line with their profile and stage; return the
    enabled ones. `stage` defaults to the stored plan state's.

    A row whose rule did not change keeps its `next_fire_at` (so a pending snooze survives);
    a changed or re-enabled row is scheduled from `now`.
    """
    user = session.get(User, user_id)
    profile = session.get(Profile, user_id)
    if stage is None:
        stage = current_stage(session, user_id)
    existing = {
        (r.kind, r.slot): r
        for r in session.exec(select(Reminder).where(Reminder.user_id == user_id))
    }
    zone = user.time_zone if user is not None else None
    wanted: list[Wanted] = []
    if zone and profile is not None:
        due = kujala_due_on(session, user_id, zone)
        wanted = wanted_reminders(user_id, profile, stage, due)
    kept: list[Reminder] = []
    for item in wanted:
        assert zone is not None
        row = existing.pop((item.kind, item.slot), None)
        if row is None:
            row = Reminder(
                user_id=user_id,
                kind=item.kind,
                slot=item.slot,
                local_time=item.at,
                time_zone=zone,
                updated_at=now,
            )
            changed = True
        else:
            changed = (
                not row.enabled
                or row.next_fire_at is None
                or row.local_time != item.at
                or row.time_zone != zone
                or row.weekdays != item.weekdays
                or (
                    item.not_before is not None
                    and row.occurrence_date is not None
                    and row.occurrence_date < item.not_before
                )
            )
        if changed:
            row.local_time, row.time_zone, row.weekdays = item.at, zone, item.weekdays
            row.enabled = True
            start = now
            if item.not_before is not None:
                start = max(now, resolve(item.not_before, time(0, 0), zone))
            schedule_from(row, start)
            row.updated_at = now
        session.add(row)
        kept.append(row)
    for row in existing.values():
        if row.enabled or row.next_fire_at is not None:
            row.enabled, row.next_fire_at, row.occurrence_date = False, None, None
            row.lease_owner, row.lease_until, row.updated_at = None, None, now
            session.add(row)
    log.info("replan user=%s reminders=%s", user_id, len(kept))
    return kept


def schedule_from(row: Reminder, after: datetime) -> None:
    """Point `row` at its first regular occurrence strictly after `after`."""
    rule = RecurrenceRule(row.local_time, row.time_zone, row.weekdays)
    instant = next_occurrence(rule, after)
    row.next_fire_at = instant
    row.occurrence_date = None if instant is None else local_date(instant, row.time_zone)
    row.send_slot = 0


def stop_reminders(session: Session, user_id: int, now: datetime) -> None:
    """Unschedule every reminder of a user (blocked the bot); rows and history stay."""
    for row in session.exec(select(Reminder).where(Reminder.user_id == user_id)):
        row.next_fire_at, row.occurrence_date = None, None
        row.lease_owner, row.lease_until, row.updated_at = None, None, now
        session.add(row)

"""What the user can do to their reminders: press a nudge's buttons, pause and resume.

Plain use cases over a session, taking plain values (no Telegram): conversations/reminders.py
reads the press, calls one of these in one unit of work and renders the outcome it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from bot.clock import local_date
from bot.content.kinds import Stage
from bot.services.reminders.nudge import NudgeAction
from bot.services.reminders.planner import (
    current_stage,
    mark_reminded_task_done,
    replan_reminders,
    schedule_from,
)
from bot.services.reminders.rules import resolve
from bot.storage.models import Delivery, Profile, Reminder, User
from bot.storage.models.reminders import ReminderKind


class PressOutcome(StrEnum):
    DONE = "done"
    OPEN_PLAN = "open_plan"  # Done on an exercise nudge (older buttons): tick tasks one by one
    SNOOZED = "snoozed"
    SKIPPED = "skipped"
    STALE = "stale"  # a nudge from an earlier day
    GONE = "gone"  # the reminder is switched off or not this user's


@dataclass(frozen=True)
class PressResult:
    outcome: PressOutcome
    # For a snooze: when the repeat comes, in the user's zone.
    again_at: datetime | None = None


def press_nudge(
    session: Session,
    user_id: int,
    action: NudgeAction,
    reminder_id: int,
    day: date,
    now: datetime,
    snooze_minutes: int = 0,
) -> PressResult:
    """Apply a press on the nudge of `reminder_id` for local `day`: Done, Snooze
    `snooze_minutes`, or Skip today."""
    row = session.get(Reminder, reminder_id)
    user = session.get(User, user_id)
    if row is None or row.user_id != user_id or not row.enabled:
        return PressResult(PressOutcome.GONE)
    if user is None or not user.time_zone:
        return PressResult(PressOutcome.GONE)
    zone = user.time_zone
    today = local_date(now, zone)
    if day != today:
        return PressResult(PressOutcome.STALE)
    if action is NudgeAction.DONE and row.kind == ReminderKind.EXERCISE:
        # An exercise nudge is about several tasks: marking them all would claim work not
        # done, so the press opens today's plan, where each is ticked on its own.
        return PressResult(PressOutcome.OPEN_PLAN)
    if action is NudgeAction.DONE:
        mark_reminded_task_done(session, row, today, now)
        _drop_pending_today(row, today, now)
        session.add(row)
        return PressResult(PressOutcome.DONE)
    if action is NudgeAction.SNOOZE:
        sent_slots = session.exec(
            select(func.max(Delivery.slot)).where(
                Delivery.reminder_id == row.id, Delivery.local_date == today
            )
        ).one()
        again = now + timedelta(minutes=snooze_minutes)
        row.next_fire_at, row.occurrence_date = again, today
        row.send_slot = (sent_slots or 0) + 1
        row.lease_owner, row.lease_until, row.updated_at = None, None, now
        session.add(row)
        return PressResult(PressOutcome.SNOOZED, again.astimezone(ZoneInfo(zone)))
    # Skip today: this reminder and its siblings of the same kind (all icing slots).
    siblings = session.exec(
        select(Reminder).where(Reminder.user_id == user_id, Reminder.kind == row.kind)
    ).all()
    for sibling in siblings:
        _drop_pending_today(sibling, today, now)
        session.add(sibling)
    return PressResult(PressOutcome.SKIPPED)


def _drop_pending_today(row: Reminder, today: date, now: datetime) -> None:
    """If the row's next occurrence is still today (a snooze, a later slot), move past it."""
    if row.next_fire_at is None or row.occurrence_date != today:
        return
    end_of_occurrence = resolve(today, row.local_time, row.time_zone)
    schedule_from(row, max(now, end_of_occurrence))
    row.lease_owner, row.lease_until, row.updated_at = None, None, now


@dataclass(frozen=True)
class PauseResult:
    known: bool  # False: no profile yet (never consented), so nothing was paused
    # The end of the pause in the user's zone; None with `known`: until /resume.
    until: datetime | None = None


def pause(session: Session, user_id: int, now: datetime, days: int | None) -> PauseResult:
    """Pause every reminder for `days` local days (None: until /resume). Progress, plan and
    reminder rows stay."""
    profile = session.get(Profile, user_id)
    user = session.get(User, user_id)
    if profile is None:
        return PauseResult(known=False)
    zone = ZoneInfo((user.time_zone if user is not None else None) or "UTC")
    if days is None or user is None:
        profile.paused_indefinitely, profile.paused_until = True, None
    else:
        local = now.astimezone(zone)
        # Same wall time `days` later, so "3 days" means three of the user's days.
        until_day = local.date() + timedelta(days=days)
        profile.paused_until = resolve(until_day, local.time(), zone.key)
        profile.paused_indefinitely = False
    profile.updated_at = now
    session.add(profile)
    until = profile.paused_until
    return PauseResult(known=True, until=until.astimezone(zone) if until is not None else None)


def is_paused(profile: Profile, now: datetime) -> bool:
    return profile.paused_indefinitely or (
        profile.paused_until is not None and now < profile.paused_until
    )


@dataclass(frozen=True)
class ResumeResult:
    was_paused: bool
    # The next reminder, in the user's zone (None: nothing planned).
    next_at: datetime | None = None
    # The programme is paused by a referral: no reminders until a clinician clears the way.
    referred: bool = False


def resume(session: Session, user_id: int, now: datetime) -> ResumeResult:
    """End a pause and re-plan; say whether there was one and when the next reminder comes."""
    profile = session.get(Profile, user_id)
    user = session.get(User, user_id)
    if profile is None:
        return ResumeResult(was_paused=False)
    was_paused = is_paused(profile, now)
    profile.paused_indefinitely, profile.paused_until, profile.updated_at = False, None, now
    session.add(profile)
    rows = replan_reminders(session, user_id, now)
    for row in rows:
        # Whatever fell due during the pause is not sent now: start from the next occurrence.
        if row.next_fire_at is not None and row.next_fire_at <= now:
            schedule_from(row, now)
            session.add(row)
    upcoming = [r.next_fire_at for r in rows if r.next_fire_at is not None]
    zone = ZoneInfo((user.time_zone if user is not None else None) or "UTC")
    return ResumeResult(
        was_paused,
        min(upcoming).astimezone(zone) if upcoming else None,
        referred=current_stage(session, user_id) is Stage.REFERRED,
    )

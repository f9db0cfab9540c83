"""What the user can do to their reminders: press a nudge's buttons, pause and resume.

Plain use cases over a session (no Telegram); conversations/reminders.py calls them and turns
the result into a reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from bot.clock import local_date
from bot.services.reminders.planner import mark_reminded_task_done, replan_reminders, schedule_from
from bot.services.reminders.rules import resolve
from bot.storage.models import Delivery, Profile, Reminder, User
from bot.telegram.nudges import NudgePress


class PressOutcome(StrEnum):
    DONE = "done"
    SNOOZED = "snoozed"
    SKIPPED = "skipped"
    STALE = "stale"  # a nudge from an earlier day
    GONE = "gone"  # the reminder is switched off or not this user's


@dataclass(frozen=True)
class PressResult:
    outcome: PressOutcome
    # For a snooze: when the repeat comes, in the user's zone.
    again_at: datetime | None = None


def press_nudge(session: Session, user_id: int, press: NudgePress, now: datetime) -> PressResult:
    """Apply a press on a nudge's button (Done, Snooze n, Skip today)."""
    row = session.get(Reminder, press.reminder_id)
    user = session.get(User, user_id)
    if row is None or row.user_id != user_id or not row.enabled:
        return PressResult(PressOutcome.GONE)
    if user is None or not user.time_zone:
        return PressResult(PressOutcome.GONE)
    zone = user.time_zone
    today = local_date(now, zone)
    if press.local_date != today:
        return PressResult(PressOutcome.STALE)
    if press.action == "done":
        mark_reminded_task_done(session, row, today, now)
        _drop_pending_today(row, today, now)
        session.add(row)
        return PressResult(PressOutcome.DONE)
    if press.action == "snooze":
        sent_slots = session.exec(
            select(func.max(Delivery.slot)).where(
                Delivery.reminder_id == row.id, Delivery.local_date == today
            )
        ).one()
        again = now + timedelta(minutes=press.snooze_minutes)
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


def pause(session: Session, user_id: int, now: datetime, days: int | None) -> datetime | None:
    """Pause every reminder for `days` local days (None: until /resume). Progress, plan and
    reminder rows stay. Returns the end of the pause (UTC), if any."""
    profile = session.get(Profile, user_id)
    user = session.get(User, user_id)
    if profile is None or user is None:
        return None
    if days is None:
        profile.paused_indefinitely, profile.paused_until = True, None
    else:
        zone = ZoneInfo(user.time_zone or "UTC")
        local = now.astimezone(zone)
        # Same wall time `days` later, so "3 days" means three of the user's days.
        until_day = local.date() + timedelta(days=days)
        profile.paused_until = resolve(until_day, local.time(), zone.key)
        profile.paused_indefinitely = False
    profile.updated_at = now
    session.add(profile)
    return profile.paused_until


def is_paused(profile: Profile, now: datetime) -> bool:
    return profile.paused_indefinitely or (
        profile.paused_until is not None and now < profile.paused_until
    )


def resume(session: Session, user_id: int, now: datetime) -> tuple[bool, datetime | None]:
    """End a pause and re-plan; (was paused, next reminder instant)."""
    profile = session.get(Profile, user_id)
    if profile is None:
        return False, None
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
    return was_paused, min(upcoming) if upcoming else None

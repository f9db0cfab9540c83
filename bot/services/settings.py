"""/settings as use cases: what the runner has set, and one change at a time - the time zone,
a time of their day, a nudge kind on or off, the daily cap, the knee-score offer, the units
and the kit they have (`plan_preferences` gives the last two to today's plan).

Each change is validated, stored and followed at once by a re-plan of the reminders in the
same unit of work (`planner.replan_reminders`, through the onboarding and knee-score use cases
where those already own the write), and returns the settings as they now are with the user's
next reminder, so the flow can confirm in one line. No Telegram here; conversations/settings_menu.py
renders what these return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.coaching.units import Units, units_of
from bot.content import Equipment
from bot.services import kujala, onboarding, time_zones
from bot.services.onboarding import DAY_STEPS, DayProblem, Step
from bot.services.reminders.planner import replan_reminders
from bot.storage.models import Profile, Reminder, User

# The daily cap of scheduled nudges a runner can choose (snoozed repeats never count).
CAP_CHOICES = (1, 2, 3, 4, 5, 6, 8)


class Switch(StrEnum):
    """What can be switched on or off; stable strings (they travel in callback data)."""

    ICING = "icing"
    EXERCISE = "exercise"
    CHECKIN = "checkin"
    WEEKLY = "weekly"
    KUJALA = "kujala"


# The Profile column behind each nudge switch (the knee-score offer is kujala.set_offers').
_SWITCH_COLUMN = {
    Switch.ICING: "icing_reminders_enabled",
    Switch.EXERCISE: "exercise_reminders_enabled",
    Switch.CHECKIN: "checkin_reminders_enabled",
    Switch.WEEKLY: "weekly_summary_enabled",
}


# The Profile column behind each piece of kit.
_KIT_COLUMN = {
    Equipment.FOAM_ROLLER: "has_foam_roller",
    Equipment.BALL: "has_ball",
    Equipment.BAND: "has_band",
}


@dataclass(frozen=True)
class PlanPreferences:
    """What shapes how today's plan reads: lengths in these units, alternatives for the
    missing kit."""

    units: Units
    missing: frozenset[Equipment] = frozenset()


def plan_preferences(session: Session, user_id: int) -> PlanPreferences:
    """The runner's units (their choice, else their country's) and the kit they lack."""
    user = session.get(User, user_id)
    profile = session.get(Profile, user_id)
    zone = user.time_zone if user is not None else None
    if profile is None:
        return PlanPreferences(units_of(None, zone))
    missing = frozenset(kit for kit, c in _KIT_COLUMN.items() if not getattr(profile, c))
    return PlanPreferences(units_of(profile.units, zone), missing)


@dataclass(frozen=True)
class SettingsView:
    """What the runner has set, as the menu shows it."""

    zone: str
    wake: time
    sleep: time
    exercise: time
    switches: dict[Switch, bool]
    daily_cap: int
    weekly_day: int  # Monday = 0
    weekly_time: time
    units: Units = Units.METRIC
    kit: dict[Equipment, bool] = field(default_factory=dict)  # True: the runner has it


@dataclass(frozen=True)
class Saved:
    """The change is stored and the reminders re-planned; `next_at` is the user's next
    reminder in their own zone (None: none is planned); `paused`: /pause holds them."""

    view: SettingsView
    next_at: datetime | None
    paused: bool = False


@dataclass(frozen=True)
class Refused:
    """A time of the day that cannot work with the others; nothing changed."""

    problem: DayProblem
    wake: time
    sleep: time
    exercise: time


@dataclass(frozen=True)
class WhileAsleep:
    """A weekly-summary time inside the sleep window (it would never be sent); nothing
    changed."""

    at: time
    wake: time
    sleep: time


@dataclass(frozen=True)
class ZoneOptions:
    """The typed place fits several zones: the person picks one."""

    choices: tuple[time_zones.ZoneChoice, ...]
    labels: tuple[str, ...]


@dataclass(frozen=True)
class ZoneUnknown:
    """No zone matches what was typed (or a pressed zone no longer exists)."""


@dataclass(frozen=True)
class NotSetUp:
    """Settings need a finished onboarding (consent, zone and day): nothing to change yet."""


Change = Saved | NotSetUp
TimeChange = Saved | Refused | NotSetUp
ZoneChange = Saved | ZoneOptions | ZoneUnknown | NotSetUp
WeeklyChange = Saved | WhileAsleep | NotSetUp


def settings_of(session: Session, user_id: int) -> SettingsView | None:
    """The runner's settings; None until onboarding is finished."""
    if onboarding.next_step(session, user_id) is not Step.DONE:
        return None
    user = session.get(User, user_id)
    profile = session.get(Profile, user_id)
    assert user is not None
    assert user.time_zone is not None
    assert profile is not None
    assert profile.wake_time is not None
    assert profile.sleep_time is not None
    assert profile.exercise_time is not None
    switches = {switch: bool(getattr(profile, c)) for switch, c in _SWITCH_COLUMN.items()}
    switches[Switch.KUJALA] = profile.kujala_enabled
    return SettingsView(
        zone=user.time_zone,
        wake=profile.wake_time,
        sleep=profile.sleep_time,
        exercise=profile.exercise_time,
        switches=switches,
        daily_cap=profile.daily_nudge_cap,
        weekly_day=profile.weekly_summary_day,
        weekly_time=profile.weekly_summary_time,
        units=units_of(profile.units, user.time_zone),
        kit={kit: bool(getattr(profile, c)) for kit, c in _KIT_COLUMN.items()},
    )


def next_reminder_at(session: Session, user_id: int) -> datetime | None:
    """When the user's next enabled reminder is due, in its own zone."""
    row = session.exec(
        select(Reminder)
        .where(Reminder.user_id == user_id, col(Reminder.enabled).is_(True))
        .where(col(Reminder.next_fire_at).is_not(None))
        .order_by(col(Reminder.next_fire_at))
        .limit(1)
    ).first()
    if row is None or row.next_fire_at is None:
        return None
    return row.next_fire_at.astimezone(ZoneInfo(row.time_zone))


def _saved(session: Session, user_id: int, now: datetime) -> Saved:
    session.flush()
    view = settings_of(session, user_id)
    profile = session.get(Profile, user_id)
    assert view is not None
    assert profile is not None
    paused = profile.paused_indefinitely or (
        profile.paused_until is not None and profile.paused_until > now
    )
    return Saved(view, next_reminder_at(session, user_id), paused)


def change_zone(session: Session, user_id: int, zone: str, now: datetime) -> ZoneChange:
    """Move the runner to `zone` (an IANA name, from a button); the reminders keep their wall
    times there."""
    if settings_of(session, user_id) is None:
        return NotSetUp()
    if not onboarding.is_known_zone(zone):
        return ZoneUnknown()
    onboarding.set_time_zone(session, user_id, zone, now)
    return _saved(session, user_id, now)


def change_zone_typed(session: Session, user_id: int, text: str, now: datetime) -> ZoneChange:
    """Find the zone of a typed place, country, abbreviation or offset: one match is saved at
    once (the confirmation names it, so a wrong guess is one tap from undone), several are
    offered."""
    if settings_of(session, user_id) is None:
        return NotSetUp()
    found = time_zones.find_zone(text)
    if isinstance(found, time_zones.ZoneAmbiguous):
        return ZoneOptions(found.choices, tuple(found.short_labels()))
    if isinstance(found, time_zones.ZoneNotFound):
        return ZoneUnknown()
    return change_zone(session, user_id, found.choice.zone, now)


def change_time(
    session: Session, user_id: int, step: Step, value: time, now: datetime
) -> TimeChange:
    """Set the wake, sleep or exercise time. The whole day is checked with the new value (so a
    new wake time cannot leave the exercise time in the night either); the reminders move."""
    if step not in DAY_STEPS:
        raise ValueError(f"{step} is not a time of the day")
    view = settings_of(session, user_id)
    if view is None:
        return NotSetUp()
    day = {Step.WAKE: view.wake, Step.SLEEP: view.sleep, Step.EXERCISE: view.exercise}
    day[step] = value
    problem = onboarding.validate_day(day[Step.WAKE], day[Step.SLEEP], day[Step.EXERCISE])
    if problem is not None:
        return Refused(problem, day[Step.WAKE], day[Step.SLEEP], day[Step.EXERCISE])
    refused = onboarding.save_day_time(session, user_id, step, value, now)
    assert refused is None  # the whole day was checked above
    return _saved(session, user_id, now)


def switch(session: Session, user_id: int, which: Switch, enabled: bool, now: datetime) -> Change:
    """Switch a nudge kind (or the knee-score offer) on or off; a nudge kind switched off has
    its reminders disabled at once, switched on they are planned from now."""
    if settings_of(session, user_id) is None:
        return NotSetUp()
    if which is Switch.KUJALA:
        kujala.set_offers(session, user_id, enabled, now)
        return _saved(session, user_id, now)
    profile = session.get(Profile, user_id)
    assert profile is not None
    setattr(profile, _SWITCH_COLUMN[which], enabled)
    profile.updated_at = now
    session.add(profile)
    session.flush()
    replan_reminders(session, user_id, now)
    return _saved(session, user_id, now)


def change_weekly(
    session: Session,
    user_id: int,
    now: datetime,
    *,
    day: int | None = None,
    at: time | None = None,
) -> WeeklyChange:
    """Move the weekly summary to another weekday (Monday = 0) or local time; a time must lie
    in the waking day, as the dispatcher keeps the sleep window quiet. The reminder moves."""
    if day is not None and not 0 <= day <= 6:
        raise ValueError(f"{day} is not a weekday")
    view = settings_of(session, user_id)
    if view is None:
        return NotSetUp()
    if at is not None and not onboarding.within_day(at, view.wake, view.sleep):
        return WhileAsleep(at, view.wake, view.sleep)
    profile = session.get(Profile, user_id)
    assert profile is not None
    if day is not None:
        profile.weekly_summary_day = day
    if at is not None:
        profile.weekly_summary_time = at
    profile.updated_at = now
    session.add(profile)
    session.flush()
    replan_reminders(session, user_id, now)
    return _saved(session, user_id, now)


def change_cap(session: Session, user_id: int, cap: int, now: datetime) -> Change:
    """Set how many scheduled nudges a day at most (one of CAP_CHOICES). The dispatcher reads
    it on every send, so it applies from the next one."""
    if cap not in CAP_CHOICES:
        raise ValueError(f"{cap} is not a daily cap on offer")
    if settings_of(session, user_id) is None:
        return NotSetUp()
    profile = session.get(Profile, user_id)
    assert profile is not None
    profile.daily_nudge_cap, profile.updated_at = cap, now
    session.add(profile)
    return _saved(session, user_id, now)


def change_units(session: Session, user_id: int, units: Units, now: datetime) -> Change:
    """Show lengths in `units` from now on (the plan renders them; no reminder moves)."""
    if settings_of(session, user_id) is None:
        return NotSetUp()
    profile = session.get(Profile, user_id)
    assert profile is not None
    profile.units, profile.updated_at = units.value, now
    session.add(profile)
    return _saved(session, user_id, now)


def change_kit(session: Session, user_id: int, kit: Equipment, have: bool, now: datetime) -> Change:
    """Say whether the runner has a piece of kit; without it the plan offers the
    alternatives from now on."""
    if settings_of(session, user_id) is None:
        return NotSetUp()
    profile = session.get(Profile, user_id)
    assert profile is not None
    setattr(profile, _KIT_COLUMN[kit], have)
    profile.updated_at = now
    session.add(profile)
    return _saved(session, user_id, now)

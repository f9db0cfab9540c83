"""Onboarding use cases: consent, the runner's day, and finding a time zone from a location
or typed text (the typing is read by `bot.services.time_zones`). No Telegram here; the
onboarding flow calls these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from bot.models import Profile, User
from bot.scheduling.rules import QuietHours
from bot.services import time_zones

if TYPE_CHECKING:
    from timezonefinder import TimezoneFinder


@dataclass(frozen=True)
class ZoneMatch:
    """A time zone found from what the user gave; `fixed_offset` is the "UTC+2" they typed
    when the zone will not follow daylight saving. `name` is how to show the zone."""

    zone: str
    fixed_offset: str | None = None
    name: str = ""


@cache
def _finder() -> TimezoneFinder:
    # Heavy (loads its polygon data): made once, and only when someone shares a location.
    from timezonefinder import TimezoneFinder

    return TimezoneFinder(in_memory=True)


def zone_from_location(latitude: float, longitude: float) -> ZoneMatch | None:
    """The IANA zone at a point, offline; None at sea or off the map."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    zone = _finder().timezone_at(lng=longitude, lat=latitude)
    if zone is None or not is_known_zone(zone):
        return None
    return ZoneMatch(zone, name=time_zones.zone_display_name(zone))


def is_known_zone(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_from_text(text: str) -> ZoneMatch | None:
    """A zone from a typed city, country, abbreviation, zone name or offset, when exactly one
    fits; None when nothing or several fit. Flows that can offer a choice call
    `time_zones.find_zone`, which also returns the candidates."""
    found = time_zones.find_zone(text)
    if not isinstance(found, time_zones.ZoneFound):
        return None
    choice = found.choice
    return ZoneMatch(choice.zone, choice.name if choice.fixed_offset else None, choice.name)


def local_clock(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone))


def record_consent(session: Session, user_id: int, now: datetime) -> Profile:
    """Store the user's consent to keep health answers (idempotent)."""
    profile = session.get(Profile, user_id)
    if profile is None:
        profile = Profile(user_id=user_id, updated_at=now)
    if profile.consented_at is None:
        profile.consented_at = now
    profile.updated_at = now
    session.add(profile)
    return profile


def has_consented(session: Session, user_id: int) -> bool:
    profile = session.get(Profile, user_id)
    return profile is not None and profile.consented_at is not None


def set_time_zone(session: Session, user_id: int, zone: str) -> None:
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(f"user {user_id} is not stored")
    user.time_zone = zone
    session.add(user)


def save_day(
    session: Session, user_id: int, wake: time, sleep: time, exercise: time, now: datetime
) -> None:
    """Store the runner's usual day (local wall-clock times in their own zone)."""
    profile = session.get(Profile, user_id)
    if profile is None:
        raise LookupError(f"user {user_id} has no profile (no consent)")
    profile.wake_time, profile.sleep_time, profile.exercise_time = wake, sleep, exercise
    profile.updated_at = now
    session.add(profile)


def is_set_up(session: Session, user_id: int) -> bool:
    """Consent given, time zone known and the day filled in."""
    profile = session.get(Profile, user_id)
    user = session.get(User, user_id)
    return (
        profile is not None
        and profile.consented_at is not None
        and profile.exercise_time is not None
        and user is not None
        and user.time_zone is not None
    )


def within_day(moment: time, wake: time, sleep: time) -> bool:
    """Whether `moment` falls between waking and sleeping (sleep may be after midnight).

    The same window the reminder dispatcher keeps quiet, so a time accepted here is a time a
    nudge can actually be sent at (the sleep minute itself is already quiet).
    """
    return not QuietHours(start=sleep, end=wake).contains(moment)


def zone_of(session: Session, user_id: int) -> str | None:
    user = session.get(User, user_id)
    return user.time_zone if user is not None else None

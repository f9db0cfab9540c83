"""Onboarding use cases: consent, the runner's day, and finding a time zone from a location
or typed text (the typing is read by `bot.services.time_zones`). No Telegram here; the
onboarding flow calls these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from bot.coaching.triage import red_flags_in
from bot.content import RedFlag, get_content
from bot.services import time_zones
from bot.services.plans import refer
from bot.services.questionnaire import QuestionsGiven
from bot.services.reminders.planner import replan_reminders
from bot.services.reminders.rules import (
    QuietHours,
    minutes_of,
    waking_minutes,
    wall_from_minutes,
)
from bot.storage.models import Profile, User

if TYPE_CHECKING:
    from timezonefinder import TimezoneFinder


@cache
def _finder() -> TimezoneFinder:
    # Heavy (loads its polygon data): made once, and only when someone shares a location.
    from timezonefinder import TimezoneFinder

    return TimezoneFinder(in_memory=True)


def zone_from_location(latitude: float, longitude: float) -> time_zones.ZoneChoice | None:
    """The IANA zone at a point, offline; None at sea or off the map."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    zone = _finder().timezone_at(lng=longitude, lat=latitude)
    if zone is None or not is_known_zone(zone):
        return None
    return time_zones.zone_choice(zone)


def is_known_zone(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


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


def set_time_zone(session: Session, user_id: int, zone: str, now: datetime) -> None:
    """Store the user's zone; their reminders move to the same wall times there."""
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(f"user {user_id} is not stored")
    user.time_zone = zone
    session.add(user)
    session.flush()
    replan_reminders(session, user_id, now)


class Step(StrEnum):
    """Onboarding's steps in order; where a user is follows from what is stored."""

    CONSENT = "consent"
    AGE = "age"
    TIME_ZONE = "time_zone"
    WAKE = "wake"
    SLEEP = "sleep"
    EXERCISE = "exercise"
    DONE = "done"


# The runner's day; each is a Profile column of the same name + "_time". Onboarding asks only
# the first two (one tap for a common day): saving the bedtime also sets the exercise time to a
# default inside the waking day (`default_exercise_time`), changed in /settings. (Someone who
# stopped at the exercise question before this is still asked it.)
DAY_STEPS = (Step.WAKE, Step.SLEEP, Step.EXERCISE)
# The exercise time a runner starts with, when their waking day allows it.
PREFERRED_EXERCISE = time(18, 0)


def next_step(session: Session, user_id: int) -> Step:
    """The first step not yet answered - so /start (or /cancel, then /start) carries on
    where the user left off, and nothing is asked twice."""
    profile = session.get(Profile, user_id)
    user = session.get(User, user_id)
    if profile is None or profile.consented_at is None:
        return Step.CONSENT
    if profile.age_band is None:
        return Step.AGE
    if user is None or user.time_zone is None:
        return Step.TIME_ZONE
    for step in DAY_STEPS:
        if getattr(profile, f"{step.value}_time") is None:
            return step
    return Step.DONE


def record_age_band(session: Session, user_id: int, band: str, now: datetime) -> None:
    """Keep the age band (after consent), so the knee check need not ask it again."""
    profile = session.get(Profile, user_id)
    if profile is None or profile.consented_at is None:
        raise LookupError(f"user {user_id} has not consented")
    profile.age_band, profile.updated_at = band, now
    session.add(profile)


# --- the question step, on the shared question-flow mechanism ---------------------------------

AGE_QUESTION = "age"  # the content's age question (content/assessment.yaml)


@dataclass
class AgeAsked:
    """Where the age step stands, derived from what is stored (no row of its own)."""

    current_question: str | None


@dataclass(frozen=True)
class AgeKept:
    """An adult's age band is kept on the profile; the time zone is next."""


@dataclass(frozen=True)
class AgeReferred:
    """Under 18: outside this pathway, referred."""

    flag: RedFlag


class AgeStep:
    """Onboarding's question step (the age band) as a `Questionnaire`: a press is checked
    against the stored position and the answer applied in one unit of work, like every other
    question (bot/services/questionnaire.py)."""

    def running(self, session: Session, user_id: int, now: datetime) -> AgeAsked | None:
        return AgeAsked(AGE_QUESTION) if next_step(session, user_id) is Step.AGE else None

    def answers(self, row: AgeAsked) -> dict[str, str]:
        return {}  # each answer is kept on the profile as it comes

    def questions(self, session: Session, row: AgeAsked) -> QuestionsGiven:
        return lambda _answers: [get_content().question(AGE_QUESTION)]

    def red_flags(self, answers: Mapping[str, str]) -> list[RedFlag]:
        # One question: its answer always finishes the step, and an under-18 answer is
        # handled where it is given.
        return []

    def record(
        self,
        session: Session,
        row: AgeAsked,
        answers: Mapping[str, str],
        current: str,
        now: datetime,
    ) -> None:
        return None  # never called for a one-question step

    def finish(
        self,
        session: Session,
        user_id: int,
        row: AgeAsked,
        answers: Mapping[str, str],
        now: datetime,
    ) -> AgeKept | AgeReferred:
        value = answers[AGE_QUESTION]
        flags = red_flags_in({AGE_QUESTION: value})
        if flags:
            refer(session, user_id, flags[0].tier, [flags[0].id], "onboarding", now)
            return AgeReferred(flags[0])
        record_age_band(session, user_id, value, now)
        return AgeKept()

    def abandon(self, session: Session, user_id: int, now: datetime) -> None:
        return None  # what was answered is kept


AGE_STEP = AgeStep()


# Reminders are spread over the waking day and kept out of the sleep window; under this many
# hours there is no room for them (and the times are most likely a typo).
MIN_WAKING_HOURS = 8


class DayProblem(StrEnum):
    """Why a wake/sleep/exercise set is refused (the flow words the re-ask)."""

    SAME_TIME = "same_time"  # sleep == wake: no waking day and no quiet hours
    SHORT_DAY = "short_day"  # the waking day is under MIN_WAKING_HOURS
    EXERCISE_WHILE_ASLEEP = "exercise_while_asleep"  # exercise in the sleep window


def validate_day(wake: time, sleep: time, exercise: time | None = None) -> DayProblem | None:
    """None when the day works: sleep differs from wake, the waking day (which may cross
    midnight) is at least MIN_WAKING_HOURS long, and the exercise time, if given, lies inside
    it by the same rule the reminder dispatcher uses for quiet hours."""
    if (wake.hour, wake.minute) == (sleep.hour, sleep.minute):
        return DayProblem.SAME_TIME
    if waking_minutes(wake, sleep) < MIN_WAKING_HOURS * 60:
        return DayProblem.SHORT_DAY
    if exercise is not None and not within_day(exercise, wake, sleep):
        return DayProblem.EXERCISE_WHILE_ASLEEP
    return None


def save_day_time(
    session: Session, user_id: int, step: Step, value: time, now: datetime
) -> DayProblem | None:
    """Store one time of the runner's day (local wall time in their zone) and re-plan their
    reminders; a time that cannot work is refused with the problem, and nothing changes."""
    if step not in DAY_STEPS:
        raise ValueError(f"{step} is not a time of the day")
    profile = session.get(Profile, user_id)
    if profile is None:
        raise LookupError(f"user {user_id} has no profile (no consent)")
    if step is not Step.WAKE:
        assert profile.wake_time is not None
        sleep = value if step is Step.SLEEP else profile.sleep_time
        assert sleep is not None
        problem = validate_day(profile.wake_time, sleep, value if step is Step.EXERCISE else None)
        if problem is not None:
            return problem
    setattr(profile, f"{step.value}_time", value)
    if step is Step.SLEEP and profile.exercise_time is None:
        assert profile.wake_time is not None
        profile.exercise_time = default_exercise_time(profile.wake_time, value)
    profile.updated_at = now
    session.add(profile)
    session.flush()
    replan_reminders(session, user_id, now)
    return None


def default_exercise_time(wake: time, sleep: time) -> time:
    """18:00 when it is at least an hour before sleep; otherwise two thirds into the waking
    day, on the hour - always a time a nudge can be sent at."""
    awake = waking_minutes(wake, sleep)
    if waking_minutes(wake, PREFERRED_EXERCISE) <= awake - 60:
        return PREFERRED_EXERCISE
    return wall_from_minutes((minutes_of(wake) + awake * 2 // 3) // 60 * 60)


def within_day(moment: time, wake: time, sleep: time) -> bool:
    """Whether `moment` falls between waking and sleeping (sleep may be after midnight).

    The same window the reminder dispatcher keeps quiet, so a time accepted here is a time a
    nudge can actually be sent at (the sleep minute itself is already quiet).
    """
    return not QuietHours(start=sleep, end=wake).contains(moment)


def day_of(session: Session, user_id: int) -> tuple[time | None, time | None, time | None]:
    """The runner's wake, sleep and exercise times, as far as they are known."""
    profile = session.get(Profile, user_id)
    if profile is None:
        return None, None, None
    return profile.wake_time, profile.sleep_time, profile.exercise_time


def zone_of(session: Session, user_id: int) -> str | None:
    user = session.get(User, user_id)
    return user.time_zone if user is not None else None

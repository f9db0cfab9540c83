"""The knee score (Kujala) as use cases: begin, the shared question-flow steps, finishing with
a score kept with its local date - or, when an answer raises a red flag, a referral through
the red-flag rules - and the on/off switch for the fortnightly offer.

Answers are saved on every step in the `kujala_runs` row, whose `current_question` is the one
truth about where the user is (bot/services/questionnaire.py runs the steps); scoring and the
red flags are the engine's (bot/coaching/kujala.py). `kujala_due` is what a fortnightly nudge
asks. No Telegram here; conversations/kujala.py renders what these return.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from bot.coaching.kujala import (
    ScoreChange,
    kujala_questions,
    kujala_red_flags,
    kujala_score,
    score_change,
)
from bot.coaching.triage import most_serious
from bot.content import RedFlag, get_content
from bot.content.kinds import Stage, Tier
from bot.services import questionnaire
from bot.services.onboarding import has_consented
from bot.services.plan_state import load_state
from bot.services.plans import refer
from bot.services.questionnaire import Asked, QuestionsGiven
from bot.services.reminders.planner import replan_reminders
from bot.services.users import today_for
from bot.storage.models import KujalaRun, KujalaStatus, Profile

# Where a referral from the knee score was caught (referrals.source).
SOURCE = "kujala"


@dataclass(frozen=True)
class Score:
    """A knee score kept with the user's local date."""

    day: date
    score: int


@dataclass(frozen=True)
class Scored:
    """A finished run: its score, the one before (if any), what the change means, and whether
    the fortnightly offer is on."""

    latest: Score
    previous: Score | None
    change: ScoreChange
    offers_on: bool


@dataclass(frozen=True)
class Flagged:
    """An answer raised a red flag: the run stopped with a referral of `tier`."""

    tier: Tier
    flags: list[RedFlag]


Ending = Scored | Flagged


@dataclass(frozen=True)
class Began:
    first: Asked


@dataclass(frozen=True)
class NeedsConsent:
    """Nothing is asked or stored before consent."""


class KneeScore:
    """The knee score's part of the shared question-flow mechanism."""

    def running(self, session: Session, user_id: int, now: datetime) -> KujalaRun | None:
        return in_progress(session, user_id)

    def answers(self, row: KujalaRun) -> dict[str, str]:
        return {k: str(v) for k, v in row.answers.items()}

    def questions(self, session: Session, row: KujalaRun) -> QuestionsGiven:
        return lambda _answers: kujala_questions()

    def red_flags(self, answers: Mapping[str, str]) -> list[RedFlag]:
        return kujala_red_flags(answers)

    def record(
        self,
        session: Session,
        row: KujalaRun,
        answers: Mapping[str, str],
        current: str,
        now: datetime,
    ) -> None:
        # A fresh dict, so SQLAlchemy sees the JSON change.
        row.answers, row.current_question, row.updated_at = dict(answers), current, now
        session.add(row)

    def finish(
        self,
        session: Session,
        user_id: int,
        row: KujalaRun,
        answers: Mapping[str, str],
        now: datetime,
    ) -> Ending:
        row.answers, row.current_question = dict(answers), None
        row.finished_at = row.updated_at = now
        flags = kujala_red_flags(answers)
        worst = most_serious(flags)
        if worst is not None:
            # Red flags win: no score, the same referral as anywhere else.
            row.status, row.red_flags = KujalaStatus.REFERRED, [f.id for f in flags]
            session.add(row)
            session.flush()
            refer(session, user_id, worst.tier, [f.id for f in flags], SOURCE, now)
            return Flagged(worst.tier, flags)
        previous = latest_score(session, user_id)
        row.status, row.score = KujalaStatus.COMPLETE, kujala_score(answers)
        session.add(row)
        session.flush()
        replan_reminders(session, user_id, now)  # the fortnightly nudge moves on from today
        latest = Score(row.local_date, row.score)
        return Scored(
            latest=latest,
            previous=previous,
            change=score_change(previous.score if previous else None, latest.score),
            offers_on=offers_on(session, user_id),
        )

    def abandon(self, session: Session, user_id: int, now: datetime) -> None:
        abandon(session, user_id, now)


KNEE_SCORE = KneeScore()


def in_progress(session: Session, user_id: int) -> KujalaRun | None:
    """The user's unfinished knee score, if any."""
    statement = (
        select(KujalaRun)
        .where(KujalaRun.user_id == user_id, KujalaRun.status == KujalaStatus.IN_PROGRESS)
        .order_by(col(KujalaRun.id).desc())
    )
    return session.exec(statement).first()


def begin(session: Session, user_id: int, now: datetime) -> Began | NeedsConsent:
    """Start a fresh knee score (an unfinished one is dropped); consent first."""
    if not has_consented(session, user_id):
        return NeedsConsent()
    abandon(session, user_id, now)
    today, _zone = today_for(session, user_id, now)
    row = KujalaRun(user_id=user_id, local_date=today, started_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return Began(questionnaire.ask_first(KNEE_SCORE, session, row, now))


def abandon(session: Session, user_id: int, now: datetime) -> None:
    """Close any unfinished knee score of the user without a score."""
    statement = select(KujalaRun).where(
        KujalaRun.user_id == user_id, KujalaRun.status == KujalaStatus.IN_PROGRESS
    )
    for row in session.exec(statement).all():
        row.status, row.current_question = KujalaStatus.ABANDONED, None
        row.finished_at = row.updated_at = now
        session.add(row)
    session.flush()


def scores(session: Session, user_id: int) -> list[Score]:
    """Every finished knee score of the user, oldest first."""
    statement = (
        select(KujalaRun)
        .where(KujalaRun.user_id == user_id, KujalaRun.status == KujalaStatus.COMPLETE)
        .order_by(col(KujalaRun.local_date), col(KujalaRun.id))
    )
    return [
        Score(row.local_date, row.score) for row in session.exec(statement) if row.score is not None
    ]


def latest_score(session: Session, user_id: int) -> Score | None:
    found = scores(session, user_id)
    return found[-1] if found else None


# --- the fortnightly offer -----------------------------------------------------------------------


def offers_on(session: Session, user_id: int) -> bool:
    profile = session.get(Profile, user_id)
    return profile is not None and profile.kujala_enabled


def set_offers(session: Session, user_id: int, enabled: bool, now: datetime) -> bool:
    """Switch the fortnightly offer on or off; False when there is no profile to keep it on."""
    profile = session.get(Profile, user_id)
    if profile is None or profile.consented_at is None:
        return False
    profile.kujala_enabled, profile.updated_at = enabled, now
    session.add(profile)
    session.flush()
    replan_reminders(session, user_id, now)  # the fortnightly nudge goes or comes back
    return True


def kujala_due(session: Session, user_id: int, today: date) -> bool:
    """Whether to offer the knee score on the user's local `today`: the offer is on, they
    follow a plan (not paused by a referral), none is running, and the last score is at least
    `kujala_every_days` old (or there is none yet: the first one is the baseline)."""
    profile = session.get(Profile, user_id)
    if profile is None or profile.consented_at is None or not profile.kujala_enabled:
        return False
    state = load_state(session, user_id)
    if state is None or state.stage is Stage.REFERRED or in_progress(session, user_id):
        return False
    last = latest_score(session, user_id)
    every = get_content().thresholds.kujala_every_days.value
    return last is None or (today - last.day).days >= every

"""The knee check as use cases: begin, answer, go back, abandon - and, on the last answer (or a
red flag), the engine's triage applied: a plan to start, or a referral.

Answers are saved on every step in the `assessments` row, whose `current_question` is the one
truth about where the user is (bot/services/questionnaire.py runs the steps). Only after
consent. No Telegram here; conversations/assessment.py renders what these return.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.coaching.progression import initial_state
from bot.coaching.triage import Outcome, red_flags_in, tier_of, triage
from bot.content import AssessmentQuestion, RedFlag, get_content
from bot.services import questionnaire
from bot.services.onboarding import has_consented
from bot.services.plans import change_plan, refer
from bot.services.questionnaire import Asked, NotCurrent, QuestionsGiven
from bot.services.users import today_for
from bot.storage.models import Assessment, AssessmentStatus, Profile

# Questions answered in onboarding and kept on the profile (question id -> Profile field).
PREFILLED_FROM_PROFILE = {"age": "age_band"}
# Where a referral from the knee check was caught (referrals.source).
SOURCE = "assessment"


@dataclass(frozen=True)
class Gate:
    """A question that stands for several: its `skip_on` answer answers each of `implies` with
    the value given, and they are not asked; any other answer asks them one by one."""

    skip_on: str
    implies: Mapping[str, str]


# Most runners tap once for all the warning signs and once for the typical picture; whoever
# might have a sign is asked every sign question as before (content/assessment.yaml).
GATES = {
    "urgent_signs": Gate(
        "no",
        {
            "emergency_knee": "none",
            "emergency_body": "none",
            "clinician_signs": "none",
            "course": "new_or_improving",
        },
    ),
    "typical": Gate("yes", {"onset": "gradual", "location": "kneecap", "aggravating": "typical"}),
}


def implied(answers: Mapping[str, str], *, expected: bool = False) -> dict[str, str]:
    """The answers that follow from a gate's answer (and so are not asked). `expected` also
    counts a gate not yet answered as skipping, so "Question 1 of 5" is what most runners
    get; another answer adds its questions as soon as it is given."""
    found: dict[str, str] = {}
    for gate_id, gate in GATES.items():
        answer = answers.get(gate_id, gate.skip_on if expected else None)
        if answer == gate.skip_on:
            found.update(gate.implies)
    return found


@dataclass(frozen=True)
class Conclusion:
    """What the knee check concluded, and whether that is a referral (no plan)."""

    outcome: Outcome
    referred: bool


@dataclass(frozen=True)
class Began:
    first: Asked


@dataclass(frozen=True)
class NeedsConsent:
    """No knee check before consent to store the answers."""


Step = Asked | NotCurrent | questionnaire.Finished[Conclusion]


def _prefilled(session: Session, user_id: int) -> dict[str, str]:
    profile = session.get(Profile, user_id)
    if profile is None:
        return {}
    values = {qid: getattr(profile, field) for qid, field in PREFILLED_FROM_PROFILE.items()}
    return {qid: str(value) for qid, value in values.items() if value is not None}


class KneeCheck:
    """The knee check's part of the shared question-flow mechanism."""

    def running(self, session: Session, user_id: int, now: datetime) -> Assessment | None:
        return in_progress(session, user_id)

    def answers(self, row: Assessment) -> dict[str, str]:
        return {k: str(v) for k, v in row.answers.items()}

    def questions(self, session: Session, row: Assessment) -> QuestionsGiven:
        prefilled = _prefilled(session, row.user_id)
        return lambda answers: list(questions_for(prefilled, answers))

    def red_flags(self, answers: Mapping[str, str]) -> list[RedFlag]:
        return red_flags_in(answers)

    def record(
        self,
        session: Session,
        row: Assessment,
        answers: Mapping[str, str],
        current: str,
        now: datetime,
    ) -> None:
        # A fresh dict, so SQLAlchemy sees the JSON change.
        row.answers, row.current_question = dict(answers), current
        session.add(row)

    def finish(
        self,
        session: Session,
        user_id: int,
        row: Assessment,
        answers: Mapping[str, str],
        now: datetime,
    ) -> Conclusion:
        answers = {**implied(answers), **answers}
        outcome = triage(answers)
        row.answers, row.status = answers, AssessmentStatus.COMPLETE
        row.outcome, row.red_flags = outcome.kind.value, list(outcome.red_flags)
        row.current_question, row.finished_at = None, now
        session.add(row)
        session.flush()
        tier = tier_of(outcome)
        if tier is not None:
            refer(session, user_id, tier, outcome.red_flags, SOURCE, now, row.id)
        else:
            today, _zone = today_for(session, user_id, now)
            change_plan(session, user_id, initial_state(outcome, today), now)
        return Conclusion(outcome, referred=tier is not None)

    def abandon(self, session: Session, user_id: int, now: datetime) -> None:
        abandon(session, user_id, now)


KNEE_CHECK = KneeCheck()


def questions_for(
    prefilled: Mapping[str, str], answers: Mapping[str, str]
) -> list[AssessmentQuestion]:
    """The questions this user is asked, given what onboarding answered (`prefilled`) and the
    answers so far, in content order (red flags first): not those answered in onboarding, nor
    those a gate's answer implies."""
    skip = {**prefilled, **implied(answers, expected=True)}
    return [q for q in get_content().assessment if q.id not in skip]


def in_progress(session: Session, user_id: int) -> Assessment | None:
    """The user's unfinished assessment, if any."""
    statement = (
        select(Assessment)
        .where(Assessment.user_id == user_id, Assessment.status == AssessmentStatus.IN_PROGRESS)
        .order_by(col(Assessment.id).desc())
    )
    return session.exec(statement).first()


def begin(session: Session, user_id: int, now: datetime) -> Began | NeedsConsent:
    """Start a fresh knee check (an unfinished one is abandoned); consent first."""
    if not has_consented(session, user_id):
        return NeedsConsent()
    abandon(session, user_id, now)
    row = Assessment(user_id=user_id, answers=_prefilled(session, user_id), started_at=now)
    session.add(row)
    session.flush()
    return Began(questionnaire.ask_first(KNEE_CHECK, session, row, now))


def abandon(session: Session, user_id: int, now: datetime) -> None:
    """Close any unfinished knee check of the user without an outcome."""
    statement = select(Assessment).where(
        Assessment.user_id == user_id, Assessment.status == AssessmentStatus.IN_PROGRESS
    )
    for row in session.exec(statement).all():
        row.status, row.finished_at, row.current_question = AssessmentStatus.ABANDONED, now, None
        session.add(row)
    session.flush()

"""Assessment use cases: start, save each answer as it comes, go back, finish, refer.

Answers are saved on every step, so a restart resumes at the same question. Only called
after consent. No Telegram here; conversations/assessment.py calls these.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.storage.models import Assessment, AssessmentStatus


def in_progress(session: Session, user_id: int) -> Assessment | None:
    """The user's unfinished assessment, if any."""
    statement = (
        select(Assessment)
        .where(Assessment.user_id == user_id, Assessment.status == AssessmentStatus.IN_PROGRESS)
        .order_by(col(Assessment.id).desc())
    )
    return session.exec(statement).first()


def start(
    session: Session,
    user_id: int,
    first_question: str,
    now: datetime,
    prefilled: dict[str, str] | None = None,
) -> Assessment:
    """Begin a new assessment (an unfinished earlier one is abandoned)."""
    abandon(session, user_id, now)
    assessment = Assessment(
        user_id=user_id,
        answers=dict(prefilled or {}),
        current_question=first_question,
        started_at=now,
    )
    session.add(assessment)
    session.flush()
    return assessment


def abandon(session: Session, user_id: int, now: datetime) -> None:
    """Close any unfinished assessment of the user without an outcome."""
    current = in_progress(session, user_id)
    while current is not None:
        current.status, current.finished_at, current.current_question = (
            AssessmentStatus.ABANDONED,
            now,
            None,
        )
        session.add(current)
        session.flush()
        current = in_progress(session, user_id)


def record_answer(
    session: Session,
    assessment: Assessment,
    question_id: str,
    value: str,
    next_question: str | None,
) -> None:
    """Save one answer and move on to `next_question` (None once all are answered)."""
    answers = dict(assessment.answers)
    answers[question_id] = value
    # A fresh dict, so SQLAlchemy sees the JSON change.
    assessment.answers = answers
    assessment.current_question = next_question
    session.add(assessment)


def go_back(session: Session, assessment: Assessment, to_question: str, dropped: list[str]) -> None:
    """Return to `to_question`, forgetting its answer and every later one (`dropped`)."""
    assessment.answers = {k: v for k, v in assessment.answers.items() if k not in dropped}
    assessment.current_question = to_question
    session.add(assessment)


def finish(
    session: Session,
    assessment: Assessment,
    outcome: str,
    red_flags: list[str],
    now: datetime,
) -> None:
    """Close the assessment with the engine's conclusion."""
    assessment.status = AssessmentStatus.COMPLETE
    assessment.outcome = outcome
    assessment.red_flags = list(red_flags)
    assessment.current_question = None
    assessment.finished_at = now
    session.add(assessment)

"""The per-day task log: marking a task done and asking whether it is done today."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.models import TaskLog


def mark_done(session: Session, user_id: int, task_id: str, day: date, now: datetime) -> bool:
    """Record `task_id` as done on the user's local `day`; False if it already was."""
    if is_done(session, user_id, task_id, day):
        return False
    try:
        with session.begin_nested():
            session.add(TaskLog(user_id=user_id, local_date=day, task_id=task_id, done_at=now))
    except IntegrityError:
        # A double tap raced us to it: one row is what we want.
        return False
    return True


def is_done(session: Session, user_id: int, task_id: str, day: date) -> bool:
    statement = select(TaskLog.id).where(
        TaskLog.user_id == user_id, TaskLog.local_date == day, TaskLog.task_id == task_id
    )
    return session.exec(statement).first() is not None


def done_on(session: Session, user_id: int, day: date) -> set[str]:
    """Every task id the user marked done on their local `day`."""
    statement = select(TaskLog.task_id).where(TaskLog.user_id == user_id, TaskLog.local_date == day)
    return set(session.exec(statement).all())

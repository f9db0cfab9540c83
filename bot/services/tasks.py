"""The per-day task log: what the runner marked done, counted the same way everywhere.

A task done several times a day (icing, 2-3 sessions) is logged once per session as
`<task id>#<n>`; any other task once as its id. Done on an exercise nudge used to log the
day's exercise session as a whole (`EXERCISE_SESSION`), which counts every exercise task as
done; such rows are still read (and split by an Undo), but a nudge now opens the plan instead.
The plan view, the nudge buttons and the reminder dispatcher all ask here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import Session, select

from bot.coaching.plan import Task
from bot.content.kinds import TaskKind
from bot.storage.models import TaskLog
from bot.storage.upsert import insert_for

EXERCISE_SESSION = "exercise"


def session_task_id(task_id: str, number: int) -> str:
    """The log id of session `number` (1-based) of a task done several times a day."""
    return f"{task_id}#{number}"


def mark_done(session: Session, user_id: int, task_id: str, day: date, now: datetime) -> bool:
    """Record `task_id` as done on the user's local `day`; False if it already was."""
    # One statement: a row already there (logged before, or a double tap racing us to it)
    # stays as it is. Was a look-up, a savepoint, the insert and its release.
    statement = (
        insert_for(session)(TaskLog)
        .values(user_id=user_id, local_date=day, task_id=task_id, done_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "local_date", "task_id"])
    )
    return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def is_done(session: Session, user_id: int, task_id: str, day: date) -> bool:
    statement = select(TaskLog.id).where(
        TaskLog.user_id == user_id, TaskLog.local_date == day, TaskLog.task_id == task_id
    )
    return session.exec(statement).first() is not None


def done_on(session: Session, user_id: int, day: date) -> set[str]:
    """Every log id the user recorded on their local `day`."""
    statement = select(TaskLog.task_id).where(TaskLog.user_id == user_id, TaskLog.local_date == day)
    return set(session.exec(statement).all())


def sessions_done(task: Task, logged: set[str]) -> int:
    """How many of today's sessions of `task` are done (0 .. task.times_per_day)."""
    if task.times_per_day > 1:
        return sum(session_task_id(task.id, n) in logged for n in range(1, task.times_per_day + 1))
    whole_session = task.kind is TaskKind.EXERCISE and EXERCISE_SESSION in logged
    return int(task.id in logged or whole_session)


def progress_today(
    session: Session, user_id: int, tasks: Sequence[Task], day: date
) -> dict[str, int]:
    """Sessions done today for each task id."""
    logged = done_on(session, user_id, day)
    return {task.id: sessions_done(task, logged) for task in tasks}


def mark_task_done(session: Session, user_id: int, task: Task, day: date, now: datetime) -> bool:
    """Log the next undone session of `task` on `day`; False if every session already was."""
    logged = done_on(session, user_id, day)
    if sessions_done(task, logged) >= task.times_per_day:
        return False
    if task.times_per_day == 1:
        return mark_done(session, user_id, task.id, day, now)
    number = next(
        n for n in range(1, task.times_per_day + 1) if session_task_id(task.id, n) not in logged
    )
    return mark_done(session, user_id, session_task_id(task.id, number), day, now)


def undo_task_done(
    session: Session, user_id: int, task: Task, day_tasks: Sequence[Task], day: date, now: datetime
) -> bool:
    """Take back the last logged session of `task` on `day`; False if none was logged.

    A whole exercise session (Done on an older exercise nudge) is split first: its row goes,
    and every other exercise of that day's plan (`day_tasks`) keeps its tick as a row of its own.
    """
    logged = done_on(session, user_id, day)
    if sessions_done(task, logged) == 0:
        return False
    if task.times_per_day > 1:
        number = max(
            n for n in range(1, task.times_per_day + 1) if session_task_id(task.id, n) in logged
        )
        log_id = session_task_id(task.id, number)
    elif task.id in logged:
        log_id = task.id
    else:
        log_id = EXERCISE_SESSION
        for other in day_tasks:
            if other.kind is TaskKind.EXERCISE and other.id != task.id:
                mark_done(session, user_id, other.id, day, now)
    row = session.exec(
        select(TaskLog).where(
            TaskLog.user_id == user_id, TaskLog.local_date == day, TaskLog.task_id == log_id
        )
    ).first()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True

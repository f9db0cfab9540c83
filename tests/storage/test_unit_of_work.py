"""`Database.run`: a unit of work runs off the event loop, commits on success, rolls back."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from bot.storage.db import Database
from bot.storage.models import User


async def test_a_unit_of_work_runs_in_a_worker_thread_and_commits(db: Database) -> None:
    loop_thread = threading.get_ident()

    def add_user(session: Session) -> int:
        session.add(User(id=42, first_name="Ann", created_at=datetime(2026, 3, 4, tzinfo=UTC)))
        return threading.get_ident()

    worker_thread = await db.run(add_user)

    assert worker_thread != loop_thread
    with db.session() as session:
        assert session.exec(select(User.id)).all() == [42]


async def test_a_failed_unit_of_work_keeps_nothing(db: Database) -> None:
    def add_then_fail(session: Session) -> None:
        session.add(User(id=7, first_name="Bo", created_at=datetime(2026, 3, 4, tzinfo=UTC)))
        session.flush()
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await db.run(add_then_fail)

    with db.session() as session:
        assert session.exec(select(User.id)).all() == []

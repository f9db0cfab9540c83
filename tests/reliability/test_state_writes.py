"""Conversation state and `user_data` are saved or retried: a write that fails because the
database is locked is kept and written again, not dropped (PTB forgets it once handed over).

The failure is injected at the engine: the first statements touching a table raise the
driver's "database is locked", as a write lock held by another process makes them do after the busy
timeout (without waiting those 5 s).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import delete, select

from bot.clock import ManualClock
from bot.content.texts import get_texts
from bot.sandbox.fake_telegram.harness import BotHarness
from bot.storage.db import Database
from bot.storage.models import ConversationState, Profile, UserData
from bot.telegram.persistence import SqlPersistence
from tests.conversations.journeys import onboard


class LockedTable:
    """Makes the next `times` statements writing `table` fail as "database is locked"."""

    def __init__(self, db: Database, table: str, times: int = 1) -> None:
        self.db, self.table, self.remaining = db, table, times
        self.failed = 0

    def _before(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        verb = statement.lstrip().split(" ", 1)[0].upper()
        if self.remaining > 0 and self.table in statement and verb in ("INSERT", "UPDATE"):
            self.remaining -= 1
            self.failed += 1
            # The driver's own error, as the database would raise it (SQLite's "locked",
            # or PostgreSQL's lock timeout), which SQLAlchemy wraps as OperationalError.
            dbapi = self.db.engine.dialect.dbapi
            assert dbapi is not None
            raise dbapi.OperationalError("database is locked")

    def __enter__(self) -> LockedTable:
        event.listen(self.db.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.db.engine, "before_cursor_execute", self._before)


@pytest.fixture
def locked_states(db: Database) -> Iterator[LockedTable]:
    with LockedTable(db, "conversation_states") as locked:
        yield locked


def states_of(db: Database, user_id: int) -> list[str]:
    with db.session() as s:
        rows = s.exec(select(ConversationState).where(ConversationState.user_id == user_id))
        return [row.state for row in rows]


async def eventually(check: Any, seconds: float = 3.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    assert check()


async def test_a_conversation_state_write_that_fails_is_retried_and_survives_a_restart(
    harness: BotHarness, db: Database, locked_states: LockedTable
) -> None:
    user = harness.user(501)
    await user.send("/start")  # onboarding begins: its state is written after the update
    assert locked_states.failed == 1
    assert states_of(db, 501) == []  # the first write failed...
    await eventually(lambda: states_of(db, 501) != [])  # ...and was written again
    saved = states_of(db, 501)
    await harness.restart()  # a new process reads back what was saved
    assert states_of(db, 501) == saved


async def test_a_failed_write_still_waiting_is_written_on_shutdown(
    harness: BotHarness, db: Database, locked_states: LockedTable
) -> None:
    await harness.user(502).send("/start")
    assert states_of(db, 502) == []
    await harness.stop()  # SIGTERM before the first retry: flushed on the way out
    assert states_of(db, 502) != []


async def test_user_data_and_newer_writes(db: Database) -> None:
    """A failed user_data write is retried; a newer write of the same key replaces it; the
    writes of someone deleted meanwhile are forgotten, never written back."""
    persistence = SqlPersistence(db, ManualClock(), retry_delays=(0.01,))
    with LockedTable(db, "user_data", times=2):
        await persistence.update_user_data(7, {"step": 1})  # fails: kept
        await persistence.update_user_data(8, {"step": 1})  # fails: kept
    assert persistence.pending_writes == 2
    await persistence.update_user_data(7, {"step": 2})  # succeeds: replaces the failed one
    persistence.forget_pending(8)  # /delete for user 8
    await asyncio.sleep(0.05)
    with db.session() as s:
        saved = {row.user_id: row.data for row in s.exec(select(UserData))}
    assert saved == {7: {"step": 2}}
    assert persistence.pending_writes == 0


async def test_a_write_failing_for_longer_is_retried_until_it_succeeds(db: Database) -> None:
    persistence = SqlPersistence(db, ManualClock(), retry_delays=(0.01, 0.02))
    with LockedTable(db, "conversation_states", times=4) as locked:
        await persistence.update_conversation("onboarding", (9, 9), "CONSENT")
        await eventually(lambda: persistence.pending_writes == 0, seconds=1)
    assert locked.failed == 4
    assert states_of(db, 9) == ["CONSENT"]


def forget_every_state(db: Database) -> None:
    """As if the process died before the last state write (within the 1 s persistence window,
    or while a retry was waiting)."""
    with db.session() as s:
        s.exec(delete(ConversationState))  # type: ignore[call-overload]


async def test_a_knee_check_question_still_leads_on_after_its_state_was_lost(
    harness: BotHarness, db: Database
) -> None:
    user = harness.user(511)
    await onboard(user)
    await user.press("Start the knee check")
    await user.press("Yes, one of these")
    second = user.last
    assert (second.text or "").startswith("Question 2 of ")
    forget_every_state(db)
    await harness.restart()
    await user.press("None of these", second)
    assert user.last_text.startswith("Question 3 of ")


async def test_an_onboarding_button_still_leads_on_after_its_state_was_lost(
    harness: BotHarness, db: Database
) -> None:
    user = harness.user(512)
    await user.send("/start")
    await user.press("I agree")
    ages = copy.deepcopy(user.last)  # as shown
    forget_every_state(db)
    await harness.restart()
    await user.press("18-39", ages)
    assert harness.telegram.callback_answers[-1].text != get_texts().ui.stale_button
    with db.session() as s:
        profile = s.get(Profile, 512)
        assert profile is not None
        assert profile.age_band is not None

"""A lock another connection holds delays only the people whose unit of work needs it.

Each handler's unit of work runs in a worker thread (`Database.run`), so while one person's
query waits on a lock, the event loop answers everybody else; the wait ends at the lock timeout
(`LOCK_WAIT_MS`: SQLite's busy timeout, PostgreSQL's lock_timeout) with the apology, and the
person carries on once the lock is gone. Before, the waiting query blocked the whole bot.

Updates go through the Application's update queue (the path polling and webhooks use), so
they are handled side by side as in production; the test waits for each reply as an event.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlmodel import select

from bot.clock import ManualClock
from bot.content.texts import get_texts
from bot.sandbox.fake_telegram.harness import BotHarness
from bot.settings import Settings
from bot.storage.db import Database, EngineOptions
from bot.storage.models import Profile
from tests.conftest import require_postgres, truncate_all
from tests.conversations.journeys import onboard
from tests.reliability.outbox import Outbox, queued_user

CALM, WAITING = 7001, 7002
HELP = "Here is what I can do"


def _settings(url: str) -> Settings:
    return Settings(database_url=url, telegram_bot_token=None, _env_file=None)  # type: ignore[call-arg]


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def postgres() -> str:
    url = require_postgres()
    db = Database.from_url(url)
    db.upgrade()
    truncate_all(db)
    db.dispose()
    return url


async def _harness(url: str, options: EngineOptions, clock: ManualClock) -> BotHarness:
    db = Database.from_url(url, options)
    harness = BotHarness(_settings(url), db=db, clock=clock)
    await harness.start()
    return harness


@pytest.fixture
async def pg_harness(postgres: str, clock: ManualClock) -> AsyncIterator[BotHarness]:
    harness = await _harness(postgres, EngineOptions(), clock)
    yield harness
    await harness.stop()
    harness.db.dispose()


@pytest.fixture
async def pg_harness_waiting(postgres: str, clock: ManualClock) -> AsyncIterator[BotHarness]:
    """Lock waits long enough to outlast the test's lock: the query waits for the release."""
    harness = await _harness(postgres, EngineOptions(lock_timeout=600), clock)
    yield harness
    await harness.stop()
    harness.db.dispose()


def _hold_table_lock(url: str, table: str) -> psycopg.Connection[Any]:
    """Another connection takes `table` in ACCESS EXCLUSIVE mode (even readers wait)."""
    locker = psycopg.connect(_libpq(url))
    locker.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    return locker


@pytest.mark.postgres
async def test_a_held_table_lock_delays_only_its_user_who_gets_the_apology_and_carries_on(
    pg_harness: BotHarness,
) -> None:
    harness = pg_harness
    await onboard(harness.user(WAITING))
    outbox = Outbox(harness.telegram)  # from here on
    waiting, calm = queued_user(harness, WAITING), queued_user(harness, CALM)

    locker = _hold_table_lock(harness.settings.database_url, "users")
    try:
        await waiting.send("/assess")  # its unit of work waits on the lock ...
        await calm.send("/help")  # ... while someone else asks for help
        assert HELP in await outbox.next_to(CALM)
        assert await outbox.next_to(WAITING) == get_texts().ui.error  # still held: the apology
        assert outbox.order == [CALM, WAITING]  # help did not wait for the locked query
    finally:
        locker.rollback()
        locker.close()

    await waiting.send("/assess")
    await harness.app.update_queue.join()
    assert "Question 1 of" in waiting.last_text  # the knee check starts as if nothing happened
    with harness.db.session() as session:  # nothing of what was kept is lost
        assert session.exec(select(Profile).where(Profile.user_id == WAITING)).one()


@pytest.mark.postgres
async def test_a_query_waiting_on_a_lock_is_answered_after_the_release_and_others_meanwhile(
    pg_harness_waiting: BotHarness,
) -> None:
    harness = pg_harness_waiting
    await onboard(harness.user(WAITING))
    outbox = Outbox(harness.telegram)  # from here on
    waiting, calm = queued_user(harness, WAITING), queued_user(harness, CALM)

    locker = _hold_table_lock(harness.settings.database_url, "users")
    try:
        await waiting.send("/assess")
        await calm.send("/help")
        await calm.send("/privacy")
        assert HELP in await outbox.next_to(CALM)
        assert await outbox.next_to(CALM)  # /privacy too, still while the lock is held
        assert outbox.pending(WAITING) == 0  # the waiting one has had nothing yet
    finally:
        locker.rollback()
        locker.close()

    intro = await outbox.next_to(WAITING)
    assert intro != get_texts().ui.error
    await harness.app.update_queue.join()
    assert "Question 1 of" in waiting.last_text


@pytest.fixture
def sqlite_file(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    db = Database.from_url(url)
    db.upgrade()
    db.dispose()
    return url


async def test_a_locked_sqlite_file_gets_the_apology_promptly_and_the_user_carries_on(
    sqlite_file: str, clock: ManualClock
) -> None:
    harness = BotHarness(_settings(sqlite_file), db=Database.from_url(sqlite_file), clock=clock)
    await harness.start()
    try:
        outbox = Outbox(harness.telegram)
        waiting, calm = queued_user(harness, WAITING), queued_user(harness, CALM)
        await waiting.send("/delete")
        await harness.app.update_queue.join()
        confirm = waiting.last
        outbox_before = await outbox.next_to(WAITING)
        assert outbox_before == confirm.text

        locker = sqlite3.connect(make_url(sqlite_file).database or "", isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        try:
            await waiting.press("Delete everything", confirm)  # a write: waits on the lock
            await calm.send("/help")
            assert HELP in await outbox.next_to(CALM)
            assert await outbox.next_to(WAITING) == get_texts().ui.error  # held: the apology
            # Help came first: nobody waited for the locked write (before, the loop did).
            assert outbox.order[-2:] == [CALM, WAITING]
        finally:
            locker.rollback()
            locker.close()

        await waiting.press("Delete everything", confirm)  # carries on: the same button works
        await harness.app.update_queue.join()
        answered = harness.telegram.message(WAITING, confirm.message_id)
        assert answered is not None  # the ask is replaced by the outcome, as without a lock
        assert answered.text == get_texts().privacy.delete.nothing
    finally:
        await harness.stop()
        harness.db.dispose()

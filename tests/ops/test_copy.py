"""`knee-coach db copy`: a SQLite installation moved to PostgreSQL keeps every row."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from bot.clock import ManualClock, utc
from bot.sandbox.fake_telegram.harness import BotHarness
from bot.settings import Settings
from bot.storage.db import Database
from bot.telegram.jobs import replay
from tests.conftest import require_postgres
from tests.conversations.checkin.journeys import check_in, runner_with_plan
from tests.conversations.journeys import onboard

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def empty_postgres_database() -> Iterator[str]:
    """A new, empty database on the test server, dropped afterwards."""
    server = make_url(require_postgres())
    name = f"knee_copy_{uuid.uuid4().hex[:10]}"
    admin = Database.from_url(server.render_as_string(hide_password=False))
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


async def _installation(database_url: str) -> None:
    """Runners in every stage: onboarded, on a plan with check-ins, nudged for two days."""
    db = Database.from_url(database_url)
    db.upgrade()
    clock = ManualClock(utc(2026, 3, 4, 9, 0))
    settings = Settings(database_url=database_url, telegram_bot_token=None, _env_file=None)  # type: ignore[call-arg]
    async with BotHarness(settings, db=db, clock=clock) as harness:
        await onboard(harness.user(1))
        for user_id in (2, 3):
            runner = harness.user(user_id)
            await runner_with_plan(runner)
            await check_in(runner)
        await harness.user(4).send("/start")  # mid-onboarding: conversation state
        start = clock.now()
        clock.advance(timedelta(days=2))
        await replay(harness.app, start, clock.now(), step=timedelta(minutes=30))
    db.dispose()


def _rows(connection: Connection) -> dict[str, list[dict[str, object]]]:
    every = {}
    for table in SQLModel.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows = connection.execute(select(table).order_by(*order))
        every[table.name] = [dict(row._mapping) for row in rows]
    return every


def _copy(tmp_path: Path, source: str, target: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "copy", "--from", source, "--to", target],
        cwd=tmp_path,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_copy_from_sqlite_to_postgresql_keeps_every_row(
    tmp_path: Path, empty_postgres_database: str
) -> None:
    source_url = f"sqlite:///{tmp_path / 'installation.db'}"
    await _installation(source_url)

    result = _copy(tmp_path, source_url, empty_postgres_database)
    assert result.returncode == 0, result.stderr
    assert "every table's row count matches" in result.stdout

    source, target = Database.from_url(source_url), Database.from_url(empty_postgres_database)
    try:
        with source.engine.connect() as src, target.engine.connect() as dst:
            before, after = _rows(src), _rows(dst)
            for table in ("users", "profiles", "reminders", "deliveries", "conversation_states"):
                assert before[table], f"the installation has no {table} rows to copy"
            for table, rows in before.items():
                assert after[table] == rows, table
                assert f"{table} " in result.stdout
                assert f" {len(rows)} rows" in result.stdout
            # New rows get ids after the copied ones.
            top = dst.execute(select(func.max(text("id"))).select_from(text("deliveries")))
            last = dst.execute(text("SELECT last_value FROM deliveries_id_seq")).scalar_one()
            assert last == top.scalar_one()
    finally:
        source.dispose()
        target.dispose()

    again = _copy(tmp_path, source_url, empty_postgres_database)
    assert again.returncode == 2
    assert again.stdout == ""
    assert "already holds data" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1

"""Shared fixtures: a migrated database per test (SQLite, or PostgreSQL via TEST_DATABASE_URL),
a clock the test controls, and the real bot running against the fake Bot API."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import bot.storage.models  # noqa: F401  (registers every table)
from bot.clock import ManualClock, utc
from bot.sandbox.fake_telegram.harness import BotHarness
from bot.settings import Settings
from bot.storage.db import Database

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


def postgres_url() -> str | None:
    """The PostgreSQL database PostgreSQL-only tests use, if one is configured."""
    for candidate in (os.environ.get("TEST_POSTGRES_URL", ""), TEST_DATABASE_URL):
        if candidate and make_url(candidate).get_backend_name().startswith("postgres"):
            return candidate
    return None


def require_postgres() -> str:
    """Skip without PostgreSQL locally; in CI (CI=true) a missing database is a failure."""
    url = postgres_url()
    if url is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but neither TEST_POSTGRES_URL nor TEST_DATABASE_URL is PostgreSQL")
        pytest.skip("PostgreSQL not configured (set TEST_POSTGRES_URL)")
    return url


def truncate_all(db: Database) -> None:
    """Empty every table (PostgreSQL): much faster than migrating a fresh schema per test."""
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    template = Database.from_url(f"sqlite:///{path}")
    template.upgrade()
    template.dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_migrated() -> str:
    template = Database.from_url(TEST_DATABASE_URL)
    template.upgrade()
    template.dispose()
    return TEST_DATABASE_URL


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database for this test."""
    if TEST_DATABASE_URL:
        url: str = request.getfixturevalue("_postgres_migrated")
        db = Database.from_url(url)
        truncate_all(db)
        db.dispose()
        return url
    template: Path = request.getfixturevalue("_sqlite_template")
    path = tmp_path / "bot.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database.from_url(database_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    """Wednesday 2026-03-04 09:00 UTC unless a test moves it."""
    return ManualClock(utc(2026, 3, 4, 9, 0))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, telegram_bot_token=None, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def harness(
    settings: Settings, db: Database, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    """The real bot, started against the fake Bot API."""
    async with BotHarness(settings, db=db, clock=clock) as running:
        yield running

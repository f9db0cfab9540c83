"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import bot.storage.models  # noqa: F401
from bot.storage.db import Database, upgrade_schema
from tests.conftest import require_postgres


def _schema_drift(db: Database) -> list[object]:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def _assert_migrations_match_models(db: Database) -> None:
    db.upgrade()
    assert _schema_drift(db) == []
    # Down to nothing and back up: every downgrade works too.
    upgrade_schema(db.engine, "head")
    from alembic import command

    from bot.storage.db import alembic_config

    command.downgrade(alembic_config(db.engine), "base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    db.upgrade()
    assert _schema_drift(db) == []


def test_sqlite_migrations_match_models(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite:///{tmp_path / 'm.db'}")
    _assert_migrations_match_models(db)
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.dispose()


@pytest.mark.postgres
def test_postgres_migrations_match_models() -> None:
    url = require_postgres()
    db = Database.from_url(url)
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        connection.execute(text("CREATE SCHEMA migration_check"))
    # A private schema, so the shared test database's tables are left alone.
    scoped = Database.from_url(url)
    from sqlalchemy import event

    @event.listens_for(scoped.engine, "connect")
    def _use_schema(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET search_path TO migration_check")

    try:
        _assert_migrations_match_models(scoped)
    finally:
        scoped.dispose()
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        db.dispose()

"""Alembic environment: runs migrations against the bot's engine.

`knee-coach db upgrade` (and every start) passes its engine in `config.attributes["engine"]`;
`alembic` run by hand falls back to DATABASE_URL from the settings.

On PostgreSQL the whole upgrade runs under a transaction-level advisory lock: two processes
started together (a bot and its standby) take turns, and the second finds the schema current.
SQLite's own write lock does the same for a file.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlmodel import SQLModel

import bot.storage.models  # noqa: F401  (registers every table on SQLModel.metadata)
from bot.settings import Settings
from bot.storage.db import create_db_engine

target_metadata = SQLModel.metadata

# pg_advisory_xact_lock key for "migrations of this database" (any fixed 64-bit number;
# the consumer lock of bot/ops/standby.py uses another).
MIGRATION_LOCK_KEY = 0x4B4E_4545_4D49_4752  # "KNEEMIGR"


def run_migrations_online() -> None:
    engine = context.config.attributes.get("engine")
    if engine is None:
        engine = create_db_engine(Settings().database_url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # A migration may take longer than the bot's statement timeout, and so may the
                # wait for another process's migration; both limits apply to this transaction only.
                connection.execute(text("SET LOCAL statement_timeout = 0"))
                connection.execute(text("SET LOCAL lock_timeout = 0"))
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit(
        "Offline (SQL script) migrations are not supported; run `knee-coach db upgrade`."
    )
run_migrations_online()

"""`knee-coach db copy`: move an installation from one database to another (SQLite to
PostgreSQL, usually) and prove every row arrived.

The source must be fully migrated and is only read; the target is migrated to the same
revision and must be empty. Tables are copied in foreign-key order in one transaction on the
target, through the models' own column types (so SQLite's naive UTC instants become
PostgreSQL's timestamptz, JSON stays JSON); PostgreSQL's id sequences then continue after the
copied ids; and each table's row count is compared on both sides before anything is committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Integer, func, insert, select, text
from sqlmodel import SQLModel

import bot.storage.models  # noqa: F401  (registers every table)
from bot.storage.db import Database, alembic_config

BATCH_ROWS = 1_000


class CopyError(Exception):
    """The copy cannot start or did not match; one line for the operator. Nothing committed."""


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    target: int


def copy_database(
    source: Database, target: Database, progress: Callable[[str, int], None] | None = None
) -> list[TableCount]:
    """Copy every table of `source` into the empty `target`; return the verified counts."""
    head = ScriptDirectory.from_config(alembic_config(source.engine)).get_current_head()
    with source.engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    if revision != head:
        raise CopyError(
            f"The source database is at schema revision {revision or 'none'}, not {head}: run "
            "`knee-coach db upgrade` with DATABASE_URL set to it first."
        )
    target.upgrade()
    tables = SQLModel.metadata.sorted_tables  # parents before children
    counts: list[TableCount] = []
    with source.engine.connect() as reader, target.engine.begin() as writer:
        for table in tables:
            present = writer.execute(select(func.count()).select_from(table)).scalar_one()
            if present:
                raise CopyError(
                    f"The target database already holds data ({table.name}: {present} rows); "
                    "copy into an empty database."
                )
        for table in tables:
            rows = reader.execution_options(stream_results=True).execute(select(table))
            copied = 0
            for batch in rows.partitions(BATCH_ROWS):
                writer.execute(insert(table), [dict(row._mapping) for row in batch])
                copied += len(batch)
            if progress is not None:
                progress(table.name, copied)
        if writer.dialect.name == "postgresql":
            _continue_sequences(writer)
        for table in tables:
            counts.append(
                TableCount(
                    table.name,
                    reader.execute(select(func.count()).select_from(table)).scalar_one(),
                    writer.execute(select(func.count()).select_from(table)).scalar_one(),
                )
            )
        wrong = [c for c in counts if c.source != c.target]
        if wrong:
            raise CopyError(
                "Row counts differ after the copy ("
                + ", ".join(f"{c.table}: {c.source} -> {c.target}" for c in wrong)
                + "); nothing was committed."
            )
    return counts


def _continue_sequences(writer: Connection) -> None:
    """Copied rows keep their ids; the next new row must get an id after them."""
    for table in SQLModel.metadata.sorted_tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer) or column.autoincrement is False:
                continue
            sequence = writer.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": table.name, "column": column.name},
            ).scalar()
            if sequence is None:
                continue
            top = writer.execute(select(func.max(column))).scalar()
            writer.execute(
                text("SELECT setval(:sequence, :value, :called)"),
                {"sequence": sequence, "value": top or 1, "called": top is not None},
            )

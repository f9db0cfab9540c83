"""Whose rows are whose, found without the product's help: a row belongs to someone if any of
its cells holds their id (a column, a conversation key, a value inside JSON). The privacy tests
check export, deletion and the retention purge against every table of the schema with it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel

import bot.storage.models  # noqa: F401  (registers every table)
from bot.storage.db import Database

Rows = dict[str, list[dict[str, Any]]]


def _mentions(value: Any, user_id: int) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value == user_id
    if isinstance(value, str):
        return str(user_id) in value
    if isinstance(value, dict):
        return any(_mentions(k, user_id) or _mentions(v, user_id) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_mentions(v, user_id) for v in value)
    return False


def rows_of(db: Database, user_id: int) -> Rows:
    """Every row of every table in the schema that holds `user_id` anywhere, by table.

    Use ids over 32 bits (as Telegram's are) so no message id, row id or time is mistaken
    for one.
    """
    found: Rows = {}
    with db.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            rows = [dict(row._mapping) for row in connection.execute(select(table))]
            found[table.name] = [r for r in rows if any(_mentions(v, user_id) for v in r.values())]
    return found


def holds_nothing(db: Database, user_id: int) -> bool:
    return not any(rows_of(db, user_id).values())

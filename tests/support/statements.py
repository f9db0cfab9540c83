"""The SQL statements the bot runs while a block runs, for tests that count or inspect them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from bot.storage.db import Database


@contextmanager
def statements_on(db: Database, *tables: str) -> Iterator[list[str]]:
    """The SQL statements that name any of `tables` (every statement when none are given),
    whitespace collapsed, while the block runs."""
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not tables or any(table in statement for table in tables):
            seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)

"""INSERT ... ON CONFLICT for the database in use: SQLite and PostgreSQL spell it the same
way, but SQLAlchemy builds it from each dialect's own `insert`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def insert_for(session: Session) -> Any:
    """The `insert` construct of the session's database (`postgresql` or `sqlite`), whose
    statements have `on_conflict_do_nothing` and `on_conflict_do_update`."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def upsert(session: Session, model: Any, keys: list[str], values: dict[str, Any]) -> None:
    """Insert the row `values`, or update the one with the same `keys` to them: one statement,
    where reading the row first and then writing it took two."""
    statement = insert_for(session)(model).values(**values)
    changed = {name: statement.excluded[name] for name in values if name not in keys}
    session.execute(statement.on_conflict_do_update(index_elements=keys, set_=changed))

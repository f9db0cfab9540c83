"""What the bot holds about one person, handed over or removed: `/export`, `/delete` (also how
consent is withdrawn) and the retention purge of people who blocked the bot.

Which rows belong to a person is decided here, once, from the schema itself: `users` by its id,
every other table by its `user_id` column, and conversation states also by the ids in their key
(PTB may write a state before `user_id` is known). A table with neither raises
`UnownedTableError`, so a new table cannot quietly escape export or deletion. Called by
conversations/privacy.py and bot/telegram/housekeeping.py; no Telegram here.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, or_
from sqlalchemy import select as select_rows
from sqlmodel import Session, SQLModel, col, select

from bot.storage.models import CheckinRecord, ConversationState, User

# The check-in columns a spreadsheet can use (the engine's JSON snapshots stay in the JSON file).
CHECKIN_CSV_COLUMNS = (
    "local_date",
    "pain_now",
    "worst_pain_24h",
    "activity_pain",
    "morning_vs_usual",
    "swelling",
    "exercises_done",
    "running_minutes",
    "run_gate_passed",
    "red_flags",
    "decision",
    "rule_id",
    "completed_at",
)


class UnownedTableError(LookupError):
    """A table with no way to tell whose rows are whose: give it a `user_id` column."""


@dataclass(frozen=True)
class UserExport:
    """Every row held about one user, table by table (every table named, even if empty)."""

    user_id: int
    exported_at: datetime
    tables: dict[str, list[dict[str, Any]]]

    @property
    def is_empty(self) -> bool:
        return not any(self.tables.values())

    def as_json(self) -> str:
        """The whole export as indented JSON (instants in ISO 8601, UTC)."""
        document = {
            "user_id": self.user_id,
            "exported_at": self.exported_at.isoformat(),
            "tables": self.tables,
        }
        return json.dumps(document, indent=2, ensure_ascii=False, default=_plain)

    def checkins_csv(self) -> str:
        """The completed check-ins, one row per local day, oldest first."""
        rows = sorted(
            (r for r in self.tables[CheckinRecord.__tablename__] if r["completed_at"] is not None),
            key=lambda r: str(r["local_date"]),
        )
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CHECKIN_CSV_COLUMNS)
        for row in rows:
            writer.writerow([_cell(row[column]) for column in CHECKIN_CSV_COLUMNS])
        return out.getvalue()


def every_table() -> list[Table]:
    """Every table of the schema (importing the models registered them all), parents before
    children."""
    return list(SQLModel.metadata.sorted_tables)


def export_user(session: Session, user_id: int, now: datetime) -> UserExport:
    """Everything stored about `user_id`, from every table."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in every_table():
        statement = select_rows(table).where(_owned_by(session, table, user_id))
        rows = session.connection().execute(statement.order_by(*table.primary_key.columns))
        tables[table.name] = [dict(row._mapping) for row in rows]
    return UserExport(user_id=user_id, exported_at=now, tables=tables)


def forget_user(session: Session, user_id: int) -> int:
    """Delete every row stored about `user_id` in every table; the number of rows deleted.

    Children go first, so nothing depends on the database's cascades. This is /delete, the
    withdrawal of consent and the retention purge: one path.
    """
    deleted = 0
    for table in reversed(every_table()):
        result = session.connection().execute(
            delete(table).where(_owned_by(session, table, user_id))
        )
        deleted += max(result.rowcount, 0)
    return deleted


def purge_expired(session: Session, now: datetime, retention: timedelta) -> list[int]:
    """Forget everyone who blocked the bot at least `retention` ago; their ids.

    Unblocking (or writing to the bot again) clears `blocked_at`, so only people still away
    are purged.
    """
    cutoff = now - retention
    expired = session.exec(
        select(col(User.id)).where(
            col(User.is_active).is_(False),
            col(User.blocked_at).is_not(None),
            col(User.blocked_at) <= cutoff,
        )
    )
    user_ids = sorted(expired)
    for user_id in user_ids:
        forget_user(session, user_id)
    return user_ids


def _owned_by(session: Session, table: Table, user_id: int) -> ColumnElement[bool]:
    """The rows of `table` that belong to `user_id`."""
    if table.name == User.__tablename__:
        return table.c.id == user_id
    if "user_id" not in table.c:
        raise UnownedTableError(
            f"table {table.name!r} has no user_id column: give it one (or teach "
            "bot/services/privacy.py whose rows are whose) so export and deletion reach it"
        )
    condition: ColumnElement[bool] = table.c.user_id == user_id
    if table.name == ConversationState.__tablename__:
        keys = [key for key in _candidate_keys(session, user_id) if user_id in _ids_in(key)]
        if keys:
            condition = or_(condition, table.c.key.in_(keys))
    return condition


def _candidate_keys(session: Session, user_id: int) -> list[str]:
    key = col(ConversationState.key)
    return list(session.exec(select(key).where(key.contains(str(user_id)))))


def _ids_in(key: str) -> list[int]:
    """The ids in a conversation key as persistence writes it: a JSON list, e.g. "[42, 42]"."""
    try:
        parts = json.loads(key)
    except ValueError:
        return []
    return [p for p in parts if isinstance(p, int)] if isinstance(parts, list) else []


def _plain(value: object) -> object:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    raise TypeError(f"cannot export a {type(value).__name__}")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)

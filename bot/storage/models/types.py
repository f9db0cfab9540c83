"""Column types shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always UTC-aware in Python, whatever the database keeps.

    SQLite has no time zones, so values are stored as naive UTC and made aware again on the way
    out; PostgreSQL stores `timestamptz`. Naive datetimes are refused, so local times can never
    sneak into the database.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def user_id_field(*, primary_key: bool = False, index: bool = False) -> Any:
    """The `user_id` of a row that belongs to one user: deleting the user deletes the row.

    Telegram ids exceed 32 bits, hence BigInteger. A fresh Column per call, as SQLAlchemy needs.
    """
    column = Column(
        BigInteger,
        ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
        index=index,
        autoincrement=False if primary_key else "auto",
    )
    return Field(sa_column=column)

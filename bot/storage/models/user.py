"""The person on the other side of the chat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from bot.storage.models.types import UTCDateTime


class User(SQLModel, table=True):
    """One Telegram user who has talked to the bot in a private chat."""

    __tablename__ = "users"

    # Telegram ids exceed 32 bits.
    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    first_name: str = Field(max_length=128)
    language_code: str | None = Field(default=None, max_length=16)
    time_zone: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # False once the user blocks the bot (403 or a my_chat_member update); reminders stop.
    is_active: bool = Field(default=True)
    blocked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))

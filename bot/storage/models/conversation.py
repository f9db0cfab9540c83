"""Conversation state and per-user scratch data, so a restart resumes mid-flow."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel

from bot.storage.models.types import UTCDateTime


class ConversationState(SQLModel, table=True):
    """Where one conversation (by handler name and key) stands: a string state name."""

    __tablename__ = "conversation_states"

    name: str = Field(primary_key=True, max_length=64)
    # The ConversationHandler key (chat id, user id, ...) as a JSON list, e.g. "[42, 42]".
    key: str = Field(primary_key=True, max_length=128)
    # No foreign key: PTB may flush state for someone we never stored (a group, a blocked
    # user); deleting a user's data removes these rows by id instead.
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger, index=True))
    state: str = Field(max_length=64)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class UserData(SQLModel, table=True):
    """PTB's `context.user_data` for one user: small, flow-local scratch values."""

    __tablename__ = "user_data"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))

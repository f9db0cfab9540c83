"""Conversation state and `user_data` kept in the bot's own database.

A restart (or a crash, up to `update_interval` seconds) resumes every conversation at the
question it was on. States are stored as their string names. Empty `user_data` is never
written, so a user we only ever redirected (a group chat) leaves no row behind.

`forget_in_memory` is the other half of deleting someone (bot/services/privacy.py deletes the
rows): what PTB holds in memory about them goes too, so it is never written back.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import delete, select
from telegram.ext import Application, BasePersistence, ConversationHandler, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from bot.clock import Clock
from bot.storage.db import Database
from bot.storage.models import ConversationState, UserData

UserDataDict = dict[Any, Any]


class SqlPersistence(BasePersistence[UserDataDict, dict[Any, Any], dict[Any, Any]]):
    """PTB persistence over the bot's SQL database (user data and conversations only)."""

    def __init__(self, db: Database, clock: Clock, update_interval: float = 1.0) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self._db = db
        self._clock = clock

    async def get_user_data(self) -> dict[int, UserDataDict]:
        with self._db.session() as session:
            return {row.user_id: dict(row.data) for row in session.exec(select(UserData))}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        with self._db.session() as session:
            rows = session.exec(select(ConversationState).where(ConversationState.name == name))
            return {tuple(json.loads(row.key)): row.state for row in rows}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        encoded_key = json.dumps(list(key))
        with self._db.session() as session:
            row = session.get(ConversationState, (name, encoded_key))
            if new_state is None:
                if row is not None:
                    session.delete(row)
                return
            if row is None:
                row = ConversationState(
                    name=name,
                    key=encoded_key,
                    state=str(new_state),
                    user_id=_user_in_key(key),
                    updated_at=self._clock.now(),
                )
            row.state = str(new_state)
            row.updated_at = self._clock.now()
            session.add(row)

    async def update_user_data(self, user_id: int, data: UserDataDict) -> None:
        with self._db.session() as session:
            row = session.get(UserData, user_id)
            if not data:
                if row is not None:
                    session.delete(row)
                return
            if row is None:
                row = UserData(user_id=user_id, data={}, updated_at=self._clock.now())
            # A fresh dict makes SQLAlchemy see the JSON change.
            row.data = json.loads(json.dumps(data))
            row.updated_at = self._clock.now()
            session.add(row)

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        with self._db.session() as session:
            session.exec(delete(UserData).where(UserData.user_id == user_id))  # type: ignore[arg-type]

    async def refresh_user_data(self, user_id: int, user_data: UserDataDict) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def flush(self) -> None:
        # Every update is written as it happens; nothing is buffered here.
        return None


def _user_in_key(key: ConversationKey) -> int | None:
    # Our conversations are per chat and per user: the key is (chat_id, user_id).
    return int(key[-1]) if key and isinstance(key[-1], int) else None


def forget_in_memory(application: Application[Any, Any, Any, Any, Any, Any], user_id: int) -> None:
    """Drop `user_id`'s `user_data` and end any conversation they are in, in memory only.

    Call it after their rows are deleted; the next persistence update then writes nothing
    back for them (a dropped entry and an ended conversation delete, they never insert).
    """
    application.drop_user_data(user_id)
    for group in application.handlers.values():
        for handler in group:
            if not isinstance(handler, ConversationHandler):
                continue
            # PTB has no public way to end someone's conversation from outside it; popping the
            # key records the end, so persistence is told too.
            states = handler._conversations
            for key in [key for key in states if user_id in key]:
                states.pop(key)

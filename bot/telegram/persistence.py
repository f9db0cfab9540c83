"""Conversation state and `user_data` kept in the bot's own database.

A restart (or a crash, up to `update_interval` seconds) resumes every conversation at the
question it was on. States are stored as their string names. Empty `user_data` is never
written, so a user we only ever redirected (a group chat) leaves no row behind.

Nothing is read at start: PTB asks for every user's data and every conversation when the
Application starts, and gets empty mappings. A user's `user_data` and conversation states are
read when their first update since the start arrives (`load_user`, called by
`ObservedApplication.process_update` under that user's lock, before any handler looks), so
start-up time and memory do not grow with the number of stored users. What was loaded or
written is remembered (as its JSON), and a write of the same value again is skipped: PTB asks
to write every touched user's data after every update, changed or not.

Writes run in a worker thread, one at a time (the event loop never waits on the database);
`writes_held` keeps them out while someone's rows are deleted.

A write that fails for a passing reason (the database locked, the connection lost) is not
dropped: PTB has already forgotten that it was due, so the latest value for that conversation or
user is kept here and written again with backoff (0.5 s doubling to 30 s) until it succeeds, and
once more on shutdown. A newer write of the same conversation or user replaces it.

`forget_in_memory` is the other half of deleting someone (bot/services/privacy.py deletes the
rows): what PTB holds in memory about them goes too, and so do their writes waiting for a
retry, so nothing is written back.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session, delete, select
from telegram.ext import Application, BasePersistence, ConversationHandler, PersistenceInput
from telegram.ext._utils.trackingdict import TrackingDict
from telegram.ext._utils.types import ConversationDict, ConversationKey

from bot.clock import Clock
from bot.storage.db import Database
from bot.storage.models import ConversationState, UserData
from bot.storage.upsert import upsert

UserDataDict = dict[Any, Any]

log = logging.getLogger(__name__)

# Database errors that pass (locked, busy, connection lost): the write is tried again.
_PASSING = (OperationalError, InterfaceError)
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0)  # seconds; then every 30 s


@dataclass(frozen=True)
class _PendingWrite:
    write: Callable[[], None]
    user_id: int | None


class SqlPersistence(BasePersistence[UserDataDict, dict[Any, Any], dict[Any, Any]]):
    """PTB persistence over the bot's SQL database (user data and conversations only)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        update_interval: float = 1.0,
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self._db = db
        self._clock = clock
        self._retry_delays = tuple(retry_delays)
        # (table, key) -> the latest write that failed and is waiting to be retried.
        self._pending: dict[tuple[str, ...], _PendingWrite] = {}
        self._retrying: asyncio.Task[None] | None = None
        # Writes run in a worker thread (the event loop never waits on the database), one at a
        # time, so a retried older value can never land after a newer one.
        self._writing = asyncio.Lock()
        # Users whose stored data and states are in memory (loaded, or first seen, since start).
        self._loaded: set[int] = set()
        # What the database holds, as far as this process knows: (table, key) -> the stored
        # value encoded (None: no row). A write of the same value is skipped.
        self._stored: dict[tuple[str, ...], str | None] = {}

    async def get_user_data(self) -> dict[int, UserDataDict]:
        return {}  # read per user, when their update arrives (load_user)

    async def load_user(
        self, application: Application[Any, Any, Any, Any, Any, Any], user_id: int
    ) -> None:
        """Put `user_id`'s stored `user_data` and conversation states in memory, once per
        process, before their first update since the start is handled."""
        if user_id in self._loaded:
            return

        def read(session: Session) -> tuple[dict[Any, Any] | None, list[tuple[str, str, str]]]:
            data = session.get(UserData, user_id)
            states = session.exec(
                select(ConversationState).where(ConversationState.user_id == user_id)
            )
            return (
                dict(data.data) if data is not None else None,
                [(row.name, row.key, row.state) for row in states],
            )

        try:
            data, states = await self._db.run(read)
        except _PASSING as exc:
            # Handled without them (as after a lost state write); read again next update.
            log.warning("persistence: load user=%s failed (%s)", user_id, type(exc).__name__)
            return
        if user_id in self._loaded:  # loaded meanwhile (the read ran in a worker thread)
            return
        self._loaded.add(user_id)
        self._stored[("user", str(user_id))] = _encode(data)
        if data:
            mine = application.user_data[user_id]
            for name, value in data.items():
                mine.setdefault(name, value)  # what is in memory is newer
        handlers = _conversation_handlers(application)
        for name, encoded_key, state in states:
            self._stored[("conversation", name, encoded_key)] = state
            key = tuple(json.loads(encoded_key))
            for handler in handlers.get(name, ()):
                conversations = handler._conversations
                if key not in conversations and isinstance(conversations, TrackingDict):
                    # Not tracked as a change: it is what the database already holds.
                    conversations.update_no_track({key: state})

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        return {}  # read per user, when their update arrives (load_user)

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        encoded_key = json.dumps(list(key))
        target = ("conversation", name, encoded_key)
        if self._unchanged(target, None if new_state is None else str(new_state)):
            return
        await self._write(
            target,
            lambda: self._write_conversation(name, key, encoded_key, new_state),
            _user_in_key(key),
        )

    def _write_conversation(
        self, name: str, key: ConversationKey, encoded_key: str, new_state: object | None
    ) -> None:
        self._write_conversation_row(name, key, encoded_key, new_state)
        self._stored[("conversation", name, encoded_key)] = (
            None if new_state is None else str(new_state)
        )

    def _write_conversation_row(
        self, name: str, key: ConversationKey, encoded_key: str, new_state: object | None
    ) -> None:
        with self._db.session() as session:
            if new_state is None:
                session.exec(
                    delete(ConversationState).where(
                        ConversationState.name == name,  # type: ignore[arg-type]
                        ConversationState.key == encoded_key,  # type: ignore[arg-type]
                    )
                )
                return
            upsert(
                session,
                ConversationState,
                ["name", "key"],
                {
                    "name": name,
                    "key": encoded_key,
                    "state": str(new_state),
                    "user_id": _user_in_key(key),
                    "updated_at": self._clock.now(),
                },
            )

    async def update_user_data(self, user_id: int, data: UserDataDict) -> None:
        target = ("user", str(user_id))
        if self._unchanged(target, _encode(data)):
            return
        await self._write(target, lambda: self._write_user_data(user_id, data), user_id)

    def _unchanged(self, target: tuple[str, ...], encoded: str | None) -> bool:
        """The database already holds this value (and no older write is waiting to retry)."""
        return (
            target not in self._pending
            and target in self._stored
            and self._stored[target] == encoded
        )

    def _write_user_data(self, user_id: int, data: UserDataDict) -> None:
        self._write_user_data_row(user_id, data)
        self._stored[("user", str(user_id))] = _encode(data)

    def _write_user_data_row(self, user_id: int, data: UserDataDict) -> None:
        with self._db.session() as session:
            if not data:
                session.exec(delete(UserData).where(UserData.user_id == user_id))  # type: ignore[arg-type]
                return
            # A plain JSON copy: what is stored is what a reload gives back.
            stored = json.loads(json.dumps(data))
            upsert(
                session,
                UserData,
                ["user_id"],
                {"user_id": user_id, "data": stored, "updated_at": self._clock.now()},
            )

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        await self._write(("user", str(user_id)), lambda: self._drop_user_data(user_id), user_id)

    def _drop_user_data(self, user_id: int) -> None:
        with self._db.session() as session:
            session.exec(delete(UserData).where(UserData.user_id == user_id))  # type: ignore[arg-type]
        self._stored[("user", str(user_id))] = None

    async def refresh_user_data(self, user_id: int, user_data: UserDataDict) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def flush(self) -> None:
        """On shutdown: every update was written as it happened; try the failed ones again."""
        if self._retrying is not None:
            self._retrying.cancel()
            self._retrying = None
        await self._write_pending()
        if self._pending:
            log.error("persistence: %s writes still failing at shutdown", len(self._pending))

    # --- retrying failed writes ------------------------------------------------------------

    @property
    def pending_writes(self) -> int:
        return len(self._pending)

    def forget_pending(self, user_id: int) -> None:
        """Drop `user_id`'s writes waiting for a retry (they were deleted: never write back),
        and what was known of their rows (gone: nothing is assumed stored)."""
        for target in [t for t, p in self._pending.items() if p.user_id == user_id]:
            del self._pending[target]
        self._stored.pop(("user", str(user_id)), None)
        for target in [t for t in self._stored if t[0] == "conversation" and _owner(t) == user_id]:
            del self._stored[target]

    async def _write(
        self, target: tuple[str, ...], write: Callable[[], None], user: int | None
    ) -> None:
        """Write now (in a worker thread); if the database is passingly unavailable, keep it
        to retry later."""
        async with self._writing:
            try:
                await asyncio.to_thread(write)
            except _PASSING as exc:
                log.warning(
                    "persistence: %s write user=%s failed (%s); retrying",
                    target[0],
                    user,
                    type(exc).__name__,
                )
                self._pending[target] = _PendingWrite(write, user)
                self._retry_soon()
            else:
                self._pending.pop(target, None)  # a newer write replaced the one that failed

    def _retry_soon(self) -> None:
        if self._retrying is None or self._retrying.done():
            self._retrying = asyncio.get_running_loop().create_task(
                self._retry_pending(), name="persistence-retry"
            )

    async def _retry_pending(self) -> None:
        attempt = 0
        while self._pending:
            await asyncio.sleep(self._retry_delays[min(attempt, len(self._retry_delays) - 1)])
            attempt += 1
            await self._write_pending()

    async def _write_pending(self) -> None:
        """Try each waiting write once, in order; no other write runs in between."""
        async with self._writing:
            await self._retry_each()

    async def _retry_each(self) -> None:
        for target, pending in list(self._pending.items()):
            if self._pending.get(target) is not pending:
                continue  # a newer write replaced it meanwhile
            try:
                await asyncio.to_thread(pending.write)
            except _PASSING as exc:
                log.warning(
                    "persistence: retried %s write user=%s failed again (%s)",
                    target[0],
                    pending.user_id,
                    type(exc).__name__,
                )
                return  # the database is still unavailable; the rest wait for the next round
            del self._pending[target]
            log.info("persistence: retried %s write user=%s saved", target[0], pending.user_id)


def _encode(data: dict[Any, Any] | None) -> str | None:
    """`user_data` as stored: None for none (an empty one is never written)."""
    return json.dumps(data, sort_keys=True) if data else None


def _owner(target: tuple[str, ...]) -> int | None:
    """The user in a ("conversation", name, encoded key) target."""
    return _user_in_key(tuple(json.loads(target[2])))


def _conversation_handlers(
    application: Application[Any, Any, Any, Any, Any, Any],
) -> dict[str, list[ConversationHandler[Any]]]:
    """The application's persistent ConversationHandlers by name."""
    found: dict[str, list[ConversationHandler[Any]]] = {}
    for group in application.handlers.values():
        for handler in group:
            if isinstance(handler, ConversationHandler) and handler.persistent and handler.name:
                found.setdefault(handler.name, []).append(handler)
    return found


def _user_in_key(key: ConversationKey) -> int | None:
    # Our conversations are per chat and per user: the key is (chat_id, user_id).
    return int(key[-1]) if key and isinstance(key[-1], int) else None


@asynccontextmanager
async def writes_held(
    application: Application[Any, Any, Any, Any, Any, Any],
) -> AsyncIterator[None]:
    """No persistence write runs while this is held: deleting someone's rows inside it cannot
    race a write of their data already on its way (writes run in a worker thread)."""
    persistence = application.persistence
    if not isinstance(persistence, SqlPersistence):
        yield
        return
    async with persistence._writing:
        yield


def forget_in_memory(application: Application[Any, Any, Any, Any, Any, Any], user_id: int) -> None:
    """Drop `user_id`'s `user_data` and end any conversation they are in, in memory only.

    Call it after their rows are deleted; the next persistence update then writes nothing
    back for them (a dropped entry and an ended conversation delete, they never insert).
    """
    application.drop_user_data(user_id)
    if isinstance(application.persistence, SqlPersistence):
        application.persistence.forget_pending(user_id)
    for group in application.handlers.values():
        for handler in group:
            if not isinstance(handler, ConversationHandler):
                continue
            # PTB has no public way to end someone's conversation from outside it; popping the
            # key records the end, so persistence is told too.
            states = handler._conversations
            for key in [key for key in states if user_id in key]:
                states.pop(key)

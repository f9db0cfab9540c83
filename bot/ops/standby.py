"""One active update consumer per database: the lock `knee-coach run` holds while it is active.

Telegram allows one consumer per bot, and conversation state lives in the active process's
memory between its flushes, so only one process may take updates. The runner asks
`consumer_lock(settings)` for the lock that fits the database:

- PostgreSQL: a session-level advisory lock on a connection of its own. A second process waits
  as a standby, trying the lock every STANDBY_POLL_SECONDS; when the active process dies its
  session ends and the lock is free. TCP keepalives bound how long a vanished host keeps it.
- SQLite: an exclusive `flock` on a file beside the database. A second process cannot wait (a
  SQLite file has one host and one writer), so it refuses to start with one line.

The active process checks its lock as often as a standby tries it; if the lock's connection is
gone (the database restarted), it stops taking updates and becomes a standby again.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot.settings import Settings
from bot.storage.db import EngineOptions, normalise_url

log = logging.getLogger(__name__)


class LockRefusedError(Exception):
    """This process may not consume updates (SQLite already in use); one line for the operator."""


class ConsumerLock(Protocol):
    def try_acquire(self) -> bool:
        """Take the lock if it is free (blocking call: run it in a worker thread)."""

    def still_held(self) -> bool:
        """Tell whether the lock is still ours (blocking call)."""

    def release(self) -> None: ...

    @property
    def can_wait(self) -> bool:
        """Whether a process that did not get the lock waits as a standby (else it refuses)."""


def consumer_lock(settings: Settings) -> ConsumerLock:
    """The lock for DATABASE_URL: an advisory lock on PostgreSQL, a file lock on SQLite."""
    url = make_url(normalise_url(settings.database_url))
    if url.get_backend_name() == "sqlite":
        return SqliteFileLock(url.database or "")
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    bot_id = token.partition(":")[0]
    return PostgresAdvisoryLock(
        settings.database_url, EngineOptions.from_settings(settings), lock_key(bot_id)
    )


def lock_key(bot_id: str) -> int:
    """A signed 64-bit advisory-lock key for "the update consumer of bot `bot_id`"."""
    digest = hashlib.blake2b(f"knee-coach:updates:{bot_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresAdvisoryLock:
    """`pg_try_advisory_lock` on a dedicated connection, held for as long as it lives."""

    can_wait = True

    def __init__(self, database_url: str, options: EngineOptions, key: int) -> None:
        connect_args = {
            **options.postgres_connect_args(),
            "application_name": "knee-coach consumer lock",
            # A host that vanishes without closing its connections loses the lock within
            # ~15 s instead of the kernel's two hours.
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 2,
            "keepalives_count": 3,
            "tcp_user_timeout": 10_000,
        }
        self._engine: Engine = create_engine(
            normalise_url(database_url), poolclass=NullPool, connect_args=connect_args
        )
        self._key = key
        self._connection: Connection | None = None
        self._unreachable = False  # said so once per outage, not once per try

    def try_acquire(self) -> bool:
        try:
            if self._connection is None:
                self._connection = self._engine.connect()
            got = self._connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            ).scalar()
            self._connection.commit()  # the lock is the session's; no transaction stays open
        except Exception as exc:  # the database is down: keep waiting
            if not self._unreachable:
                log.warning("consumer lock: database not reachable (%s)", type(exc).__name__)
                self._unreachable = True
            self._drop_connection()
            return False
        if self._unreachable:
            log.info("consumer lock: database reachable again")
            self._unreachable = False
        return bool(got)

    def still_held(self) -> bool:
        if self._connection is None:
            return False
        try:
            # The lock belongs to this session: while the session answers, the lock is ours.
            self._connection.execute(text("SELECT 1"))
            self._connection.commit()
        except Exception as exc:
            log.warning("consumer lock: its connection failed (%s)", type(exc).__name__)
            self._drop_connection()
            return False
        return True

    def release(self) -> None:
        self._drop_connection()  # ending the session releases the lock
        self._engine.dispose()

    def _drop_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None


class SqliteFileLock:
    """An exclusive `flock` on `<database>.lock`; the kernel drops it when the process dies."""

    can_wait = False

    def __init__(self, database_path: str) -> None:
        self._database = database_path
        self._path = Path(f"{database_path}.lock")
        self._file: IO[str] | None = None

    def try_acquire(self) -> bool:
        if self._file is not None or not self._database or self._database == ":memory:":
            return True
        self._path.parent.mkdir(parents=True, exist_ok=True)
        handle = self._path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise LockRefusedError(
                f"Another knee-coach (process {holder}) is already running on the SQLite "
                f"database {self._database}; SQLite allows one running bot. Stop that one, or "
                "move to PostgreSQL (knee-coach db copy) to run a standby."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return True

    def still_held(self) -> bool:
        return self._file is not None or not self._database or self._database == ":memory:"

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.truncate(0)
            self._file.close()  # closing drops the flock
            self._file = None


async def wait_for_lock(lock: ConsumerLock, stop: asyncio.Event, poll_seconds: float) -> bool:
    """Take `lock`, waiting as a standby if another process holds it; False if `stop` came
    first. Raises `LockRefusedError` where waiting is not possible (SQLite)."""
    announced = False
    while not stop.is_set():
        if await asyncio.to_thread(lock.try_acquire):
            return True
        if not lock.can_wait:  # pragma: no cover - SQLite raises instead
            raise LockRefusedError("another knee-coach holds the database")
        if not announced:
            log.info("waiting as a standby until the consumer lock is free")
            announced = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
    return False


async def watch_lock(lock: ConsumerLock, poll_seconds: float) -> None:
    """Return when `lock` is no longer held (checked every `poll_seconds`)."""
    while True:
        await asyncio.sleep(poll_seconds)
        if not await asyncio.to_thread(lock.still_held):
            return

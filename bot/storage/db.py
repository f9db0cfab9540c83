"""The database: one engine, one session factory, and migrations applied through Alembic.

SQLite (the default) runs with WAL and foreign keys on; PostgreSQL is selected by a
`postgresql://` URL and driven by psycopg 3. Handlers run each unit of work in a worker thread
(`await db.run(work)`), so the event loop never waits on the database. A unit of work keeps
every row it loads until it ends, so looking a row up again by primary key in the same unit
(`has_consented`, `today_for`, `load_state`, ...) costs no statement.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlmodel import Session, create_engine

from bot.resources import migrations_dir
from bot.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

# How long one statement waits for a lock another connection holds, on either database
# (SQLite's busy timeout, PostgreSQL's lock_timeout), before the unit of work fails and the
# user is told. Units of work take milliseconds; a wait of seconds means something is wrong.
LOCK_WAIT_MS = 2000


class DatabaseUrlError(ValueError):
    """DATABASE_URL cannot be used; the message is one line an operator can act on."""


def normalise_url(url: str) -> str:
    """Accept the URL forms operators paste and pick our drivers (psycopg 3 for PostgreSQL)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUrlError(
            f"DATABASE_URL is not a database URL ({exc}); use e.g. sqlite:///data/knee-coach.db "
            "or postgresql://user:password@host/dbname"
        ) from None
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise DatabaseUrlError(
            f"DATABASE_URL uses '{backend}', but Knee Coach supports only sqlite and postgresql"
        )
    return parsed.render_as_string(hide_password=False)


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Another writer (a worker thread, the dispatcher, `db upgrade`) may hold the write lock
    # for milliseconds; wait that out, but give up soon on a lock held for longer, so the user
    # gets the apology promptly instead of a silent wait.
    cursor.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class UnitOfWork(Session):
    """The session of one unit of work: it holds a strong reference to every row it loads or
    stores until it closes. SQLAlchemy's identity map holds rows weakly, so a row a helper
    loaded and dropped (`has_consented` returns a bool) was loaded again by the next helper
    that wanted it: up to seven identical SELECTs in one unit of work. Units of work are
    short, so what they keep is small (SQLAlchemy's "strong reference" recipe)."""


@event.listens_for(UnitOfWork, "loaded_as_persistent")
@event.listens_for(UnitOfWork, "pending_to_persistent")
@event.listens_for(UnitOfWork, "deleted_to_persistent")
@event.listens_for(UnitOfWork, "detached_to_persistent")
def _keep(session: Session, instance: object) -> None:
    session.info.setdefault("kept", []).append(instance)


# Seconds a pooled PostgreSQL connection is reused before it is replaced (well under the
# idle timeouts of common proxies and managed servers).
POOL_RECYCLE_SECONDS = 300


@dataclass(frozen=True)
class EngineOptions:
    """PostgreSQL's pool and time limits (SQLite has one file and its busy timeout)."""

    pool_size: int = 5
    max_overflow: int = 5
    connect_timeout: float = 5.0  # seconds to open a connection
    # Seconds one statement may run; 0 for no limit. A wait for a lock ends sooner
    # (LOCK_WAIT_MS): this bounds a statement that is slow on its own.
    statement_timeout: float = 15.0
    lock_timeout: float = LOCK_WAIT_MS / 1000  # seconds a statement waits for a lock

    @classmethod
    def from_settings(cls, settings: Settings) -> EngineOptions:
        return cls(
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            connect_timeout=settings.db_connect_timeout,
            statement_timeout=settings.db_statement_timeout,
        )

    def postgres_connect_args(self) -> dict[str, Any]:
        """libpq parameters: the connect timeout, and the statement timeout for every session."""
        args: dict[str, Any] = {
            # libpq counts whole seconds, and 1 is its minimum that means anything.
            "connect_timeout": max(1, round(self.connect_timeout)),
            "application_name": "knee-coach",
        }
        options = [f"-c lock_timeout={round(self.lock_timeout * 1000)}"]
        if self.statement_timeout > 0:
            options.append(f"-c statement_timeout={round(self.statement_timeout * 1000)}")
        args["options"] = " ".join(options)
        return args


def create_db_engine(url: str, options: EngineOptions | None = None) -> Engine:
    """Create the engine for `url`, making the SQLite folder if it does not exist yet."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _enable_sqlite_pragmas)
        return engine
    options = options or EngineOptions()
    return create_engine(
        url,
        # No pre-ping: it cost a round trip on every checkout (x1.3 per short read). Connections
        # are recycled before servers or proxies drop idle ones, and a connection lost anyway
        # fails its unit of work, which callers retry (persistence) or redo next tick.
        pool_recycle=POOL_RECYCLE_SECONDS,
        pool_size=options.pool_size,
        max_overflow=options.max_overflow,
        # A checkout waits no longer than a connect would: an exhausted pool fails fast.
        pool_timeout=options.connect_timeout,
        connect_args=options.postgres_connect_args(),
    )


class Database:
    """The engine plus the one session factory every caller uses."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, url: str, options: EngineOptions | None = None) -> Database:
        return cls(create_db_engine(url, options))

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls.from_url(settings.database_url, EngineOptions.from_settings(settings))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on error."""
        with UnitOfWork(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run one unit of work in a worker thread, so the event loop never waits on the database.

        `work` gets the session and returns plain values or detached rows (sessions do not
        expire on commit, so their loaded attributes stay readable). It must not touch
        Telegram or the application's state: it runs on another thread.
        """

        def unit_of_work() -> T:
            with self.session() as session:
                return work(session)

        return await asyncio.to_thread(unit_of_work)

    def upgrade(self) -> None:
        """Apply every pending migration (idempotent)."""
        upgrade_schema(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(engine: Engine) -> Config:
    """An Alembic config pointing at the shipped migrations and bound to `engine`."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["engine"] = engine
    return config


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` through the migrations (never `create_all`)."""
    command.upgrade(alembic_config(engine), revision)

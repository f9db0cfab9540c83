"""A lock another connection holds is waited for `LOCK_WAIT_MS`, then the unit of work fails
(and the person gets the apology): SQLite's busy timeout, PostgreSQL's lock_timeout."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from bot.storage.db import LOCK_WAIT_MS, Database, EngineOptions
from tests.conftest import require_postgres


def test_sqlite_waits_for_a_lock_as_long_as_lock_wait_ms(tmp_path) -> None:
    db = Database.from_url(f"sqlite:///{tmp_path / 'x.db'}")
    with db.session() as session:
        assert session.exec(text("PRAGMA busy_timeout")).one()[0] == LOCK_WAIT_MS  # type: ignore[call-overload]
    db.dispose()


@pytest.mark.postgres
async def test_postgres_gives_up_on_a_held_lock_at_the_lock_timeout_not_the_statement_timeout() -> (
    None
):
    url = require_postgres()
    db = Database.from_url(url, EngineOptions(lock_timeout=0.2, statement_timeout=600))
    db.upgrade()
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq) as locker:
        locker.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")

        def read(session: Session) -> object:
            return session.exec(text("SELECT count(*) FROM users")).one()  # type: ignore[call-overload]

        with pytest.raises(OperationalError) as failed:
            await db.run(read)
        locker.rollback()
    assert isinstance(failed.value.orig, psycopg.errors.LockNotAvailable)  # not QueryCanceled
    db.dispose()

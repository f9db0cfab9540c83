"""What an operator sees from `knee-coach`: friendly failures with exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bot.cli import EXIT_CONFIG, explain_database_failure
from tests.conftest import require_postgres


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=tmp_path,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_without_token_explains_how_to_get_one(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "run")
    assert result.returncode == EXIT_CONFIG
    assert "BotFather" in result.stderr
    assert ".env" in result.stderr
    assert "knee-coach sandbox" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_run_with_malformed_token_says_so(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "run", TELEGRAM_BOT_TOKEN="not-a-token")
    assert result.returncode == EXIT_CONFIG
    assert "does not look like a BotFather token" in result.stderr
    assert "not-a-token" not in result.stderr  # never echo the secret
    assert "Traceback" not in result.stderr


def test_token_is_read_from_dot_env(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=bad\nDATABASE_URL=mysql://x/y\n")
    result = run_cli(tmp_path, "run")
    assert result.returncode == EXIT_CONFIG
    assert "does not look like a BotFather token" in result.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://user@host/db", "supports only sqlite and postgresql"),
        ("this is not a url", "not a database URL"),
        (
            "postgresql://nobody:wrong-pw-77@127.0.0.1:1/none",
            "Cannot reach PostgreSQL at 127.0.0.1:1 (connection refused)",
        ),
    ],
)
def test_wrong_database_url_gets_one_clear_line(tmp_path: Path, url: str, expected: str) -> None:
    token = "123456789:AAEvalid-shaped-token-abcdefghijklmnopq"
    result = run_cli(tmp_path, "run", TELEGRAM_BOT_TOKEN=token, DATABASE_URL=url)
    assert result.returncode == EXIT_CONFIG
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert "wrong-pw-77" not in result.stderr + result.stdout


def test_db_upgrade_creates_the_sqlite_file_and_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'kc.db'}"
    first = run_cli(tmp_path, "db", "upgrade", DATABASE_URL=url)
    second = run_cli(tmp_path, "db", "upgrade", DATABASE_URL=url)
    assert first.returncode == second.returncode == 0, first.stderr
    assert "up to date" in second.stdout
    assert (tmp_path / "nested" / "kc.db").exists()


def test_bad_admin_ids_setting_is_named(tmp_path: Path) -> None:
    result = run_cli(
        tmp_path,
        "db",
        "upgrade",
        ADMIN_USER_IDS="abc",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
    )
    assert result.returncode == EXIT_CONFIG
    assert "ADMIN_USER_IDS" in result.stderr
    assert "Traceback" not in result.stderr


# --- each database start-up failure has its own line ---------------------------------------

TOKEN = "123456789:AAEvalid-shaped-token-abcdefghijklmnopq"


def run_with_database(tmp_path: Path, url: str) -> subprocess.CompletedProcess[str]:
    """`knee-coach run` against `url`; Telegram is never reached (the database comes first)."""
    return run_cli(
        tmp_path,
        "run",
        "--wait-for-telegram",
        "0",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL="http://127.0.0.1:1/bot",
        DATABASE_URL=url,
        LOG_LEVEL="WARNING",
    )


def assert_one_line(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == EXIT_CONFIG, result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_sqlite_file_that_is_not_a_database_is_named(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("these are not tables\n" * 200)
    result = run_with_database(tmp_path, f"sqlite:///{tmp_path / 'notes.txt'}")
    assert_one_line(result, "notes.txt is not a SQLite database file")


def test_sqlite_folder_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the folder should be")
    result = run_with_database(tmp_path, f"sqlite:///{tmp_path / 'data' / 'kc.db'}")
    assert_one_line(result, "Cannot create the folder for the SQLite database")


def _postgres_variant(url: str, **changes: str) -> str:
    """The test server's URL with one part changed (a wrong password, a missing database)."""
    variant = make_url(url).set(drivername="postgresql", **changes)
    return variant.render_as_string(hide_password=False)


@pytest.mark.postgres
def test_postgres_wrong_password_is_named_without_echoing_it(tmp_path: Path) -> None:
    url = _postgres_variant(require_postgres(), password="Wr0ng-Pa55word-kc")
    try:
        psycopg.connect(url, connect_timeout=10).close()
    except psycopg.OperationalError:
        pass
    else:
        pytest.skip("this PostgreSQL server does not check passwords (trust authentication)")
    result = run_with_database(tmp_path, url)
    assert_one_line(result, "rejected the password for user")
    assert "Wr0ng-Pa55word-kc" not in result.stderr + result.stdout


@pytest.mark.postgres
def test_postgres_missing_database_is_named(tmp_path: Path) -> None:
    url = _postgres_variant(require_postgres(), database="knee_coach_no_such_db")
    result = run_with_database(tmp_path, url)
    assert_one_line(result, "has no database named 'knee_coach_no_such_db'")
    assert "createdb" in result.stderr


def test_unknown_log_level_is_named(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "db", "upgrade", LOG_LEVEL="LOUD")
    assert result.returncode == EXIT_CONFIG
    assert "LOG_LEVEL" in result.stderr
    assert "Traceback" not in result.stderr


class _DriverError(Exception):
    """Stands in for a driver's exception: a message and, after connecting, a SQLSTATE."""

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


PG = "postgresql://kc:S3cret-pw-kc@db.example:6543/coach"


@pytest.mark.parametrize(
    ("url", "error", "expected"),
    [
        (
            PG,
            _DriverError('FATAL:  password authentication failed for user "kc"'),
            "rejected the password for user 'kc'",
        ),
        (PG, _DriverError("fe_sendauth: no password supplied"), "wants a password for user 'kc'"),
        (
            PG,
            _DriverError('no pg_hba.conf entry for host "10.0.0.9"'),
            "does not let user 'kc' connect to 'coach'",
        ),
        (
            PG,
            _DriverError('FATAL:  database "coach" does not exist'),
            "has no database named 'coach'",
        ),
        (
            PG,
            _DriverError("permission denied for schema public", "42501"),
            "may not create or change tables in 'coach'",
        ),
        (
            PG,
            _DriverError("Connection refused"),
            "Cannot reach PostgreSQL at db.example:6543 (connection refused)",
        ),
        (PG, _DriverError("failed to resolve host 'db.example'"), "(host name not found)"),
        (PG, _DriverError("connection timeout expired"), "(timed out)"),
        (
            PG,
            _DriverError("something else entirely"),
            "Cannot open the database at DATABASE_URL (PostgreSQL at db.example:6543",
        ),
        (
            "sqlite:///data/kc.db",
            _DriverError("database is locked"),
            "data/kc.db is locked by another process",
        ),
        (
            "sqlite:///data/kc.db",
            _DriverError("attempt to write a readonly database"),
            "data/kc.db is read-only",
        ),
        (
            "sqlite:///data/kc.db",
            _DriverError("unable to open database file"),
            "Cannot open the SQLite database data/kc.db",
        ),
        (
            "sqlite:///data/kc.db",
            PermissionError(13, "Permission denied"),
            "Cannot create the folder for the SQLite database data/kc.db (Permission denied)",
        ),
    ],
)
def test_each_database_failure_gets_its_own_line_without_the_password(
    url: str, error: BaseException, expected: str
) -> None:
    line = explain_database_failure(error, url)
    assert expected in line
    assert "\n" not in line
    assert "S3cret-pw-kc" not in line

"""What an operator sees from `knee-coach`: friendly failures with exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import EXIT_CONFIG


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
        ("postgresql://nobody:wrong@127.0.0.1:1/none", "Cannot open the database"),
    ],
)
def test_wrong_database_url_gets_one_clear_line(tmp_path: Path, url: str, expected: str) -> None:
    token = "123456789:AAEvalid-shaped-token-abcdefghijklmnopq"
    result = run_cli(tmp_path, "run", TELEGRAM_BOT_TOKEN=token, DATABASE_URL=url)
    assert result.returncode == EXIT_CONFIG
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


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

"""One active consumer per database: a standby takes over from a killed process and the
conversation carries on; SQLite refuses a second process; migrations run once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.sandbox.fake_telegram.server import FakeTelegram
from bot.storage.db import Database
from tests.conftest import require_postgres, truncate_all
from tests.ops.conftest import Cluster
from tests.ops.support import (
    SECRET,
    BotProcess,
    bot_env,
    polling_user,
    run_async,
    wait_for,
    webhook_user,
)
from tests.support.http_stub import FakeTelegramHttpServer

pytestmark = [pytest.mark.process, pytest.mark.slow]


def _role(bot: BotProcess) -> str | None:
    status, body = bot.get("/readyz")
    return json.loads(body)["role"] if status else None


def _labels(user: object) -> list[str]:
    messages = user.messages  # type: ignore[attr-defined]
    return list(messages[-1].button_labels) if messages else []


@pytest.fixture
def empty_postgres() -> str:
    url = require_postgres()
    db = Database.from_url(url)
    db.upgrade()
    truncate_all(db)
    db.dispose()
    return url


def _env(tmp_path: Path, base_url: str, database_url: str, mode: str) -> dict[str, str]:
    env = bot_env(tmp_path, base_url, database_url)
    if mode == "webhook":  # each behind its own address here; behind one proxy in production
        env["WEBHOOK_URL"] = f"http://127.0.0.1:{env['HTTP_PORT']}/telegram"
        env["WEBHOOK_SECRET"] = SECRET
    return env


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_a_standby_takes_over_a_killed_process_and_the_conversation_continues(
    tmp_path: Path, empty_postgres: str, mode: str
) -> None:
    telegram = FakeTelegram()
    server = FakeTelegramHttpServer(telegram).start()
    first = BotProcess(tmp_path, "first", _env(tmp_path, server.base_url, empty_postgres, mode))
    second: BotProcess | None = None
    try:
        assert wait_for(first.ready, timeout=60), first.output
        second = BotProcess(
            tmp_path, "second", _env(tmp_path, server.base_url, empty_postgres, mode)
        )
        assert wait_for(lambda: _role(second) == "standby", timeout=60), second.output
        assert second.get("/readyz")[0] == 503
        assert second.get("/healthz")[0] == 200

        user = (polling_user if mode == "polling" else webhook_user)(telegram, 800)
        run_async(user.send("/start"))
        assert wait_for(lambda: "I agree" in _labels(user)), first.output
        run_async(user.press("I agree"))
        assert wait_for(lambda: "18-39" in _labels(user)), first.output
        run_async(user.press("18-39"))
        assert wait_for(lambda: "London" in _labels(user)), first.output
        # The question waits for a typed city; the 1 s persistence flush records that, as it
        # would within any second of real use.
        db = Database.from_url(empty_postgres)
        with db.engine.connect() as connection:
            query = text("SELECT state FROM conversation_states WHERE name = 'onboarding'")
            assert wait_for(lambda: connection.execute(query).scalar() == "onboarding.time_zone"), (
                first.output
            )
        db.dispose()
        polls_before = telegram.call_count("getUpdates")
        hooks_before = telegram.call_count("setWebhook")

        first.kill()
        killed = time.monotonic()
        assert wait_for(second.ready, timeout=30), second.output
        takeover = time.monotonic() - killed
        if mode == "polling":
            assert wait_for(lambda: telegram.call_count("getUpdates") > polls_before)
        else:  # the new active process registered its webhook (the same URL behind a proxy)
            assert telegram.call_count("setWebhook") == hooks_before + 1
            assert (
                telegram.calls_of("setWebhook")[-1]
                .params["url"]
                .endswith(f":{second.port}/telegram")
            )

        # The typed answer to the question the killed process asked reaches the same flow.
        run_async(user.send("london"))
        assert wait_for(lambda: "Europe/London" in (user.messages[-1].text or "")), second.output
        print(f"\n{mode}: standby ready {takeover:.2f} s after the active process was killed")
        assert takeover < 30
    finally:
        first.kill()
        if second is not None:
            assert second.stop() == 0, second.output
        server.stop()
    assert "waiting as a standby" in second.output


def test_a_second_process_on_one_sqlite_file_refuses_in_one_line(tmp_path: Path) -> None:
    telegram = FakeTelegram()
    server = FakeTelegramHttpServer(telegram).start()
    database_url = f"sqlite:///{tmp_path / 'bot.db'}"
    first = BotProcess(tmp_path, "first", bot_env(tmp_path, server.base_url, database_url))
    try:
        assert wait_for(first.ready), first.output
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", "run"],
            cwd=tmp_path,
            env=bot_env(tmp_path, server.base_url, database_url, LOG_LEVEL="WARNING"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert first.ready(), "the first process is undisturbed"
    finally:
        assert first.stop() == 0, first.output
        server.stop()
    assert result.returncode == 2
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    assert "already running on the SQLite database" in lines[0]
    assert str(first.process.pid) in lines[0]


@pytest.mark.postgres
def test_two_processes_started_together_apply_the_migrations_once(
    tmp_path: Path, throwaway_postgres: Cluster
) -> None:
    env = bot_env(tmp_path, "http://127.0.0.1:9/bot", throwaway_postgres.url)
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "db", "upgrade"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    applied = [line for out in outputs for line in out.splitlines() if "Running upgrade" in line]
    migrations = sorted(Path("migrations/versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    assert len(applied) == len(migrations), applied
    assert sum(1 for out in outputs if "Running upgrade" in out) == 1

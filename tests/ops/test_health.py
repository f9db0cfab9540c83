"""/healthz, /readyz and /metrics of a real `knee-coach run` in polling mode."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.sandbox.fake_telegram.server import FakeTelegram
from tests.ops.conftest import Cluster
from tests.ops.support import BotProcess, bot_env, polling_user, run_async, wait_for
from tests.support.http_stub import FakeTelegramHttpServer

pytestmark = [pytest.mark.process, pytest.mark.slow]


def _updates_counted(bot: BotProcess) -> float:
    status, body = bot.get("/metrics")
    assert status == 200
    total = 0.0
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            if sample.name == "knee_coach_updates_total":
                assert set(sample.labels) == {"handler", "outcome"}  # no user ids
                total += sample.value
    return total


def test_polling_bot_is_alive_ready_and_counts_a_handled_update(tmp_path: Path) -> None:
    telegram = FakeTelegram()
    server = FakeTelegramHttpServer(telegram).start()
    env = bot_env(tmp_path, server.base_url, f"sqlite:///{tmp_path / 'bot.db'}")
    bot = BotProcess(tmp_path, "polling", env)
    try:
        assert wait_for(bot.ready), bot.output
        assert json.loads(bot.get("/healthz")[1])["status"] == "alive"
        ready = json.loads(bot.get("/readyz")[1])
        assert ready == {"ready": True, "role": "active", "database": "ok", "dispatcher": "ok"}
        assert _updates_counted(bot) == 0
        run_async(polling_user(telegram, 700).send("/start"))
        assert wait_for(lambda: telegram.messages_in(700)), bot.output
        assert wait_for(lambda: _updates_counted(bot) == 1)
        assert "webhook" not in bot.get("/readyz")[1].decode()
    finally:
        assert bot.stop() == 0, bot.output
        server.stop()
    assert "handler=onboarding." in bot.output
    assert "outcome=ok" in bot.output


@pytest.mark.postgres
def test_readyz_turns_unready_when_the_database_stops_and_ready_when_it_returns(
    tmp_path: Path, throwaway_postgres: Cluster
) -> None:
    telegram = FakeTelegram()
    server = FakeTelegramHttpServer(telegram).start()
    env = bot_env(tmp_path, server.base_url, throwaway_postgres.url, DB_CONNECT_TIMEOUT="2")
    bot = BotProcess(tmp_path, "pg", env)
    try:
        assert wait_for(bot.ready, timeout=60), bot.output
        throwaway_postgres.stop()
        stopped = time.monotonic()
        assert wait_for(lambda: not bot.ready(), timeout=30), bot.output
        unready_after = time.monotonic() - stopped
        assert bot.alive(), "liveness does not depend on the database"
        body = json.loads(bot.get("/readyz")[1])
        assert body["ready"] is False
        assert body["database"] == "unreachable"
        # Its lock went with the database session: it stops taking updates until it has it again.
        assert wait_for(lambda: b'"role": "standby"' in bot.get("/readyz")[1], timeout=30)

        throwaway_postgres.start()
        started = time.monotonic()
        assert wait_for(bot.ready, timeout=60), bot.output
        ready_after = time.monotonic() - started
        # Still answering after the outage.
        run_async(polling_user(telegram, 701).send("/start"))
        assert wait_for(lambda: telegram.messages_in(701)), bot.output
        print(f"\nunready {unready_after:.1f} s after the stop, ready {ready_after:.1f} s after")
    finally:
        assert bot.stop() == 0, bot.output
        server.stop()
    assert "Traceback" not in bot.output


def test_a_port_in_use_ends_the_start_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = bot_env(
            tmp_path,
            "http://127.0.0.1:9/bot",
            f"sqlite:///{tmp_path / 'bot.db'}",
            HTTP_PORT=str(port),
            LOG_LEVEL="WARNING",
        )
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", "run"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"Cannot listen on 127.0.0.1:{port}")
    assert "HTTP_PORT" in lines[0]

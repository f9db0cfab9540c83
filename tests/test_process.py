"""`knee-coach run` as a real process: long polling against the HTTP stand-in, /start, SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import select

from bot.sandbox.fake_telegram.server import FakeTelegram
from bot.storage.db import Database
from bot.storage.models import User
from tests.support.http_stub import FakeTelegramHttpServer

pytestmark = pytest.mark.process

TOKEN = "123456789:AAEprocess-test-token-abcdefghijklmnopq"


def _wait_for(condition, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    """Poll a condition on another process's progress (not waiting for time to pass)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _start_update(telegram: FakeTelegram, user_id: int) -> dict:  # type: ignore[type-arg]
    return {
        "update_id": telegram.next_update_id(),
        "message": {
            "message_id": telegram.next_message_id(),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Pat"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Pat"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


def test_run_long_polls_answers_start_and_stops_on_sigterm(tmp_path: Path) -> None:
    telegram = FakeTelegram()
    server = FakeTelegramHttpServer(telegram).start()
    database_url = f"sqlite:///{tmp_path / 'run.db'}"
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "INFO",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert _wait_for(lambda: telegram.calls_of("getUpdates")), "the bot never polled"
        telegram.enqueue_update(_start_update(telegram, 555))
        assert _wait_for(lambda: telegram.messages_in(555)), "no reply to /start"
        assert "Knee Coach" in (telegram.messages_in(555)[0].text or "")
        assert telegram.commands, "the command menu was not set on start"

        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        server.stop()

    assert process.returncode == 0, output
    assert "stopped cleanly" in output
    assert TOKEN.split(":")[1] not in output
    assert "Traceback" not in output
    db = Database.from_url(database_url)
    with db.session() as session:
        assert [u.id for u in session.exec(select(User))] == [555]
    db.dispose()

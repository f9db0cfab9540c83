"""`knee-coach run` as a real process: long polling against the HTTP stand-in, /start, SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
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
        "HTTP_PORT": "0",  # any free port: tests run side by side
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


# --- start-up failures: one line, exit 2, no token, no traceback ------------------------------


def _env(tmp_path: Path, base_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "LOG_LEVEL": "INFO",
        "HTTP_PORT": "0",  # any free port: tests run side by side
        **extra,
    }


def _run(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _assert_one_clean_line(result: subprocess.CompletedProcess[str], expected: str) -> None:
    """Exit 2; at LOG_LEVEL=WARNING the whole output is the one line; no token, no traceback."""
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert output.strip().splitlines() == [result.stderr.strip()], output
    assert expected in result.stderr
    assert TOKEN.split(":")[1] not in output
    assert "Traceback" not in output


def _closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_token_telegram_rejects_ends_in_one_line_and_exit_2(tmp_path: Path) -> None:
    server = FakeTelegramHttpServer(
        FakeTelegram(), token="111111111:AAEtheBotsRealTokenIsAnother0000"
    ).start()
    try:
        quiet = _run(tmp_path, _env(tmp_path, server.base_url, LOG_LEVEL="WARNING"))
        chatty = _run(tmp_path, _env(tmp_path, server.base_url, LOG_LEVEL="DEBUG"))
    finally:
        server.stop()
    _assert_one_clean_line(quiet, "Telegram rejected the token in TELEGRAM_BOT_TOKEN (127.0.0.1:")
    assert "@BotFather" in quiet.stderr
    # At DEBUG the start-up is logged too, still without the token or a traceback.
    assert chatty.returncode == 2
    assert chatty.stderr.strip().splitlines()[-1] == quiet.stderr.strip()
    assert TOKEN.split(":")[1] not in chatty.stdout + chatty.stderr
    assert "Traceback" not in chatty.stderr


def test_telegram_unreachable_ends_in_one_line_and_exit_2(tmp_path: Path) -> None:
    base_url = f"http://127.0.0.1:{_closed_port()}/bot"
    result = _run(
        tmp_path, _env(tmp_path, base_url, LOG_LEVEL="WARNING"), "--wait-for-telegram", "0"
    )
    _assert_one_clean_line(result, "Could not reach Telegram at 127.0.0.1:")


def test_telegram_unreachable_for_a_moment_at_start_up_is_retried(tmp_path: Path) -> None:
    telegram = FakeTelegram()
    telegram.fail_next("getMe", "server_error")
    server = FakeTelegramHttpServer(telegram).start()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=_env(tmp_path, server.base_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert _wait_for(lambda: telegram.calls_of("getUpdates")), "the bot never polled"
        assert len(telegram.calls_of("getMe")) >= 2
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        server.stop()
    assert process.returncode == 0, output
    assert "not reachable" in output
    assert "retrying in" in output


def _stop_and_time(process: subprocess.Popen[str]) -> tuple[float, str]:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    return time.monotonic() - started, output


def test_sigterm_between_start_up_retries_stops_at_once(tmp_path: Path) -> None:
    telegram = FakeTelegram()
    telegram.fail_next("getMe", "server_error", times=1000)
    server = FakeTelegramHttpServer(telegram).start()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--wait-for-telegram", "300"],
        cwd=tmp_path,
        env=_env(tmp_path, server.base_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # The second failure starts a 2 s pause: the stop must not wait for it to end.
        assert _wait_for(lambda: len(telegram.calls_of("getMe")) >= 2), "no retry"
        tries = len(telegram.calls_of("getMe"))
        elapsed, output = _stop_and_time(process)
    finally:
        if process.poll() is None:
            process.kill()
        server.stop()
    # Not timed against the clock (a loaded machine is slow): it stopped without waiting out
    # the pause, so no further try was made, and well before a 300 s wait would have ended.
    assert len(telegram.calls_of("getMe")) == tries, "it waited and tried again"
    assert elapsed < 30, f"took {elapsed:.1f} s to stop"
    assert process.returncode == 0, output
    assert "stopped cleanly" in output
    assert "Traceback" not in output


def test_sigterm_while_telegram_does_not_answer_stops_at_once(tmp_path: Path) -> None:
    """A Bot API that accepts the connection and never answers (read timeout: 5 s)."""
    connected = threading.Event()
    held: list[socket.socket] = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        def accept() -> None:
            held.append(listener.accept()[0])
            connected.set()

        threading.Thread(target=accept, daemon=True).start()
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            cwd=tmp_path,
            env=_env(tmp_path, f"http://127.0.0.1:{port}/bot"),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            assert connected.wait(timeout=30), "the bot never called getMe"
            elapsed, output = _stop_and_time(process)
        finally:
            if process.poll() is None:
                process.kill()
            for connection in held:
                connection.close()
    # It did not wait out the unanswered call (read timeout 5 s, then retries).
    assert elapsed < 5, f"took {elapsed:.1f} s to stop"
    assert process.returncode == 0, output
    assert "Traceback" not in output


HANGING_RESOLVER = """
import os, socket, time
_resolve = socket.getaddrinfo
def _hang(host, *args, **kwargs):
    if host in ("telegram.hangs.test", b"telegram.hangs.test"):
        open(os.environ["KC_TEST_RESOLVING"], "w").close()
        time.sleep(60)  # a resolver that never answers
    return _resolve(host, *args, **kwargs)
socket.getaddrinfo = _hang
"""


def test_sigterm_while_a_dns_lookup_hangs_stops_at_once(tmp_path: Path) -> None:
    """The lookup blocks a worker thread that cannot be cancelled; the exit must not wait
    for it (the issue saw SIGTERM take 25 s with Telegram unreachable)."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(HANGING_RESOLVER)
    resolving = tmp_path / "resolving"
    env = _env(
        tmp_path,
        "http://telegram.hangs.test/bot",
        PYTHONPATH=str(hooks),
        KC_TEST_RESOLVING=str(resolving),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert _wait_for(resolving.exists), "the bot never looked Telegram up"
        elapsed, output = _stop_and_time(process)
    finally:
        if process.poll() is None:
            process.kill()
    # It did not wait for the lookup, which hangs for 60 s.
    assert elapsed < 30, f"took {elapsed:.1f} s to stop"
    assert process.returncode == 0, output
    assert "stopped cleanly" in output

"""Helpers for process-level tests of `knee-coach run`: start it, talk HTTP to it, wait on it.

Waiting is always polling a condition with a deadline, never sleeping for time to pass.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.sandbox.fake_telegram.server import FakeTelegram
from bot.sandbox.fake_telegram.users import FakeUser

TOKEN = "123456789:AAEops-test-token-abcdefghijklmnopqrstu"
SECRET = "s3cret-webhook-token-of-forty-characters-x"  # 42 characters


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def http(
    port: int,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> tuple[int, bytes]:
    """(status, body) of one request to 127.0.0.1:port; (0, b"") if nothing answers."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body,
        headers=headers or {},
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0, b""


class BotProcess:
    """`knee-coach run` (or another subcommand) as a subprocess, its output in a file."""

    def __init__(self, tmp_path: Path, name: str, env: dict[str, str], *args: str) -> None:
        self.port = int(env["HTTP_PORT"])
        self.log_path = tmp_path / f"{name}.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *(args or ("run",))],
            cwd=tmp_path,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            text=True,
        )

    @property
    def output(self) -> str:
        return self.log_path.read_text()

    def get(self, path: str) -> tuple[int, bytes]:
        return http(self.port, path)

    def ready(self) -> bool:
        return self.get("/readyz")[0] == 200

    def alive(self) -> bool:
        return self.get("/healthz")[0] == 200

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()
        return self.process.returncode


def bot_env(tmp_path: Path, base_url: str, database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": base_url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "INFO",
        "HTTP_PORT": str(free_port()),
        "STANDBY_POLL_SECONDS": "0.5",
        **extra,
    }


def polling_user(telegram: FakeTelegram, user_id: int) -> FakeUser:
    """A user whose updates wait in the stand-in for getUpdates."""

    async def deliver(update: dict[str, Any]) -> None:
        telegram.enqueue_update(update)

    return FakeUser(telegram, deliver, user_id, "Pat")


def webhook_user(telegram: FakeTelegram, user_id: int) -> FakeUser:
    """A user whose updates the stand-in posts to the webhook the bot registered, with the
    secret the bot registered it with - as Telegram does."""

    async def deliver(update: dict[str, Any]) -> None:
        status = await asyncio.to_thread(post_to_registered_webhook, telegram, update)
        assert status == 200, status

    return FakeUser(telegram, deliver, user_id, "Pat")


def post_to_registered_webhook(telegram: FakeTelegram, update: dict[str, Any]) -> int:
    registered = telegram.calls_of("setWebhook")[-1].params
    request = urllib.request.Request(
        str(registered["url"]),
        data=json.dumps(update).encode(),
        headers={
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": str(registered["secret_token"]),
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        status: int = response.status
    return status


def run_async(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def post_announcing(port: int, path: str, length: int, headers: dict[str, str]) -> int:
    """POST that announces a `length`-byte body and sends only its start, then reads the
    answer: how a server refuses an oversized body without reading it (0 if none came)."""
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {length}"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + b"{" * 1024)
        answer = connection.recv(64)
    if not answer.startswith(b"HTTP/1.1 "):
        return 0
    return int(answer.split()[1])

"""Webhook mode as a real process against the Bot API stand-in: the secret is checked before
anything else, bad bodies are refused, good updates are answered; /metrics counts them."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import select

from bot.sandbox.fake_telegram.server import FakeTelegram
from bot.storage.db import Database
from bot.storage.models import User
from tests.ops.support import (
    SECRET,
    TOKEN,
    BotProcess,
    bot_env,
    http,
    post_announcing,
    run_async,
    wait_for,
    webhook_user,
)
from tests.support.http_stub import FakeTelegramHttpServer

pytestmark = [pytest.mark.process, pytest.mark.slow]


def _start_update(update_id: int, user_id: int) -> bytes:
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private", "first_name": "Pat"},
                "from": {"id": user_id, "is_bot": False, "first_name": "Pat"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
    ).encode()


def _users(database_url: str) -> list[int]:
    db = Database.from_url(database_url)
    try:
        with db.session() as session:
            return [user.id for user in session.exec(select(User))]
    finally:
        db.dispose()


def _samples(metrics_text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    found = {}
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def test_webhook_checks_the_secret_refuses_bad_bodies_and_answers_updates(tmp_path: Path) -> None:
    telegram = FakeTelegram()
    server = FakeTelegramHttpServer(telegram).start()
    database_url = f"sqlite:///{tmp_path / 'bot.db'}"
    env = bot_env(tmp_path, server.base_url, database_url, WEBHOOK_SECRET=SECRET, LOG_FORMAT="json")
    port = int(env["HTTP_PORT"])
    env["WEBHOOK_URL"] = f"http://127.0.0.1:{port}/telegram/hook"
    bot = BotProcess(tmp_path, "webhook", env, "run", "--webhook")
    hook = "/telegram/hook"
    json_header = {"Content-Type": "application/json"}
    try:
        assert wait_for(bot.ready), bot.output
        registered = telegram.calls_of("setWebhook")[-1].params
        assert registered["url"] == env["WEBHOOK_URL"]
        assert registered["secret_token"] == SECRET
        assert set(registered["allowed_updates"]) >= {"message", "callback_query"}
        assert not telegram.calls_of("getUpdates"), "webhook mode must not poll"

        # Wrong or missing secret: 403, and nothing happens.
        wrong = {**json_header, "X-Telegram-Bot-Api-Secret-Token": "x" * 40}
        assert http(port, hook, body=_start_update(1, 501), headers=wrong)[0] == 403
        assert http(port, hook, body=_start_update(2, 502), headers=json_header)[0] == 403
        # Oversized, malformed, or not an update: 400 before any handler.
        right = {**json_header, "X-Telegram-Bot-Api-Secret-Token": SECRET}
        assert post_announcing(port, hook, 2_000_000, right) == 400
        assert http(port, hook, body=b"{not json", headers=right)[0] == 400
        assert http(port, hook, body=b"[1, 2]", headers=right)[0] == 400
        assert http(port, hook, body=b'{"update_id": "x"}', headers=right)[0] == 400
        text_plain = {**right, "Content-Type": "text/plain"}
        assert http(port, hook, body=_start_update(3, 503), headers=text_plain)[0] == 400
        assert bot.alive()
        assert _users(database_url) == []
        assert telegram.messages == []

        # The right secret: handled. Then the stand-in posts a button press as Telegram would.
        timings = []
        for index in range(20):
            started = time.perf_counter()
            status, _ = http(port, hook, body=_start_update(10 + index, 600 + index), headers=right)
            timings.append((time.perf_counter() - started) * 1000)
            assert status == 200
        assert wait_for(lambda: all(telegram.messages_in(600 + i) for i in range(20))), bot.output
        user = webhook_user(telegram, 600)
        run_async(user.press("I agree"))
        assert wait_for(lambda: len(telegram.messages_in(600)) >= 2), bot.output
        assert sorted(_users(database_url)) == [600 + i for i in range(20)]

        def counted() -> float:
            return sum(
                _samples(bot.get("/metrics")[1].decode(), "knee_coach_updates_total").values()
            )

        # The update is counted when its last handler returns, just after its reply went out.
        assert wait_for(lambda: counted() == 21), counted()
        status, body = bot.get("/metrics")
        assert status == 200
        metrics_text = body.decode()
        updates = _samples(metrics_text, "knee_coach_updates_total")
        assert any(dict(labels)["outcome"] == "ok" for labels in updates)
        requests = _samples(metrics_text, "knee_coach_webhook_requests_total")
        assert requests[(("result", "forbidden"),)] == 2
        assert requests[(("result", "malformed"),)] == 4
        assert _samples(metrics_text, "knee_coach_active") == {(): 1.0}
        print(
            f"\nwebhook POST answered in median {statistics.median(timings):.1f} ms, "
            f"max {max(timings):.1f} ms over {len(timings)} requests"
        )
    finally:
        code = bot.stop()
        server.stop()
    output = bot.output
    assert code == 0, output
    assert TOKEN.split(":")[1] not in output
    assert SECRET not in output
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    per_update = [line for line in lines if line["logger"] == "bot.updates"]
    assert len(per_update) >= 21
    assert {"update_id", "user_id", "handler", "outcome", "ms"} <= set(per_update[0])
    assert "/start" not in output  # what users send is never logged
    refusals = [line for line in lines if "refused" in line["message"]]
    # The first refusal at once; more within 10 s are counted into the next line.
    assert len(refusals) == 1


@pytest.mark.parametrize(
    "secret", ["", "short-secret", "contains spaces and is long enough, really it is"]
)
def test_webhook_mode_refuses_to_start_without_a_good_secret(tmp_path: Path, secret: str) -> None:
    env = bot_env(
        tmp_path,
        "http://127.0.0.1:9/bot",
        f"sqlite:///{tmp_path / 'bot.db'}",
        WEBHOOK_URL="https://bot.example.org/telegram",
        WEBHOOK_SECRET=secret,
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
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "WEBHOOK_SECRET" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "bot.db").exists(), "nothing may start before the secret is checked"


def test_run_webhook_without_a_webhook_url_refuses_in_one_line(tmp_path: Path) -> None:
    env = bot_env(tmp_path, "http://127.0.0.1:9/bot", f"sqlite:///{tmp_path / 'bot.db'}")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--webhook"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("--webhook needs WEBHOOK_URL")
    assert len(result.stderr.strip().splitlines()) == 1

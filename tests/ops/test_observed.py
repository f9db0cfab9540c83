"""In process: the per-update line and metrics, the HTTP endpoints in each role, the
dispatcher's tick on the readiness check, 429s counted, PostgreSQL's time limits."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from telegram.ext import AIORateLimiter

from bot import metrics
from bot.app import build_application
from bot.ops.http import (
    OpsState,
    WebhookEndpoint,
    bound_port,
    dispatcher_lag_seconds,
    readiness,
    start_http_server,
)
from bot.sandbox.fake_telegram.harness import SANDBOX_TOKEN, BotHarness
from bot.services.reminders.dispatcher import TickReport
from bot.settings import Settings
from bot.storage.db import Database, EngineOptions
from bot.storage.models import Reminder, User
from bot.telegram.observed import CountingRateLimiter, _traced
from tests.conftest import require_postgres
from tests.ops.support import SECRET


def _value(name: str, **labels: str) -> float:
    value = metrics.REGISTRY.get_sample_value(name, labels or None)
    return value or 0.0


async def test_each_update_is_one_line_with_its_handler_and_outcome(harness, caplog) -> None:
    before = _value("knee_coach_updates_total", handler="common.help_command", outcome="ok")
    caplog.set_level(logging.INFO, logger="bot.updates")
    user = harness.user(900)
    await user.send("/help")
    await user.send("Zanzibar-4411 hello")
    lines = [r for r in caplog.records if r.name == "bot.updates"]
    assert len(lines) == 2
    help_line = lines[0].getMessage()
    assert help_line.startswith("update=")
    assert "user=900 handler=common.help_command outcome=ok ms=" in help_line
    assert lines[0].fields["handler"] == "common.help_command"  # type: ignore[attr-defined]
    assert "Zanzibar" not in caplog.text
    after = _value("knee_coach_updates_total", handler="common.help_command", outcome="ok")
    assert after == before + 1


async def test_a_failing_handler_is_counted_as_an_error(harness, caplog) -> None:
    async def broken(*_args: object) -> None:
        raise RuntimeError("boom")

    handler = next(
        h
        for group in harness.app.handlers.values()
        for h in group
        if getattr(h, "commands", None) == frozenset({"help"})
    )
    handler.callback = _traced(broken, "common.help_command")
    caplog.set_level(logging.INFO, logger="bot.updates")
    await harness.user(901).send("/help")
    line = next(r for r in caplog.records if r.name == "bot.updates").getMessage()
    assert "handler=common.help_command outcome=error" in line


async def test_429s_from_telegram_are_counted(settings, db, clock) -> None:
    limiter = CountingRateLimiter(
        AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=0)
    )
    async with BotHarness(settings, db=db, clock=clock, rate_limiter=limiter) as harness:  # type: ignore[arg-type]
        before = _value("knee_coach_telegram_429_total")
        harness.telegram.fail_next("sendMessage", "retry_after", retry_after=3)
        await harness.user(902).send("/help")
        assert _value("knee_coach_telegram_429_total") == before + 1


def test_a_self_hosted_bot_api_gets_its_file_url_and_local_mode(database_url: str) -> None:
    settings = Settings(
        database_url=database_url,
        telegram_api_base_url="http://bot-api:8081/bot",
        telegram_file_base_url="http://bot-api:8081/file/bot",
        telegram_local_mode=True,
        telegram_bot_token=SANDBOX_TOKEN,
        _env_file=None,  # type: ignore[call-arg]
    )
    app = build_application(settings)
    assert app.bot.base_url.startswith("http://bot-api:8081/bot")
    assert app.bot.base_file_url.startswith("http://bot-api:8081/file/bot")
    assert app.bot.local_mode is True


@pytest.fixture
async def listener(db: Database):  # type: ignore[no-untyped-def]
    state = OpsState(db=db)
    server = start_http_server(
        state,
        "127.0.0.1",
        0,
        webhook=WebhookEndpoint("/telegram", SECRET),
        max_body_bytes=4096,
    )
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{bound_port(server)}") as client:
        yield state, client
    server.stop()


async def test_a_standby_is_alive_not_ready_and_turns_webhook_updates_away(listener) -> None:
    state, client = listener
    state.become("standby")
    assert (await client.get("/healthz")).json() == {"status": "alive", "role": "standby"}
    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["role"] == "standby"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    answer = await client.post("/telegram", json={"update_id": 1}, headers=headers)
    assert answer.status_code == 503, "Telegram retries; the active process will take it"
    refused = await client.post("/telegram", json={"update_id": 1})
    assert refused.status_code == 403, "the secret is checked before anything else"


async def test_readiness_needs_a_recent_dispatcher_tick(listener, monkeypatch) -> None:
    state, client = listener
    state.become_active(None)
    assert (await client.get("/readyz")).status_code == 200
    # Three ticks without one finishing: not ready.
    state.active_since = time.monotonic() - 100
    monkeypatch.setattr(metrics, "_last_tick_monotonic", None)
    ready, report = await readiness(state)
    assert not ready
    assert report["dispatcher"] == "late"

    async def tick() -> TickReport:
        return TickReport(claimed=2, outcomes=Counter(sent=2))

    await metrics.observe_tick(tick())
    ready, report = await readiness(state)
    assert ready

    # A long tick (a wave paced by Telegram) counts as a working dispatcher while it runs.
    monkeypatch.setattr(metrics, "_last_tick_monotonic", time.monotonic() - 1000)
    assert not (await readiness(state))[0]
    release = asyncio.Event()

    async def long_tick() -> TickReport:
        await release.wait()
        return TickReport()

    running = asyncio.ensure_future(metrics.observe_tick(long_tick()))
    await asyncio.sleep(0)  # let it start
    ready, report = await readiness(state)
    release.set()
    await running
    assert ready
    assert report == {"role": "active", "database": "ok", "dispatcher": "ok"}
    scraped = (await client.get("/metrics")).text
    families = {f.name for f in text_string_to_metric_families(scraped)}
    assert {"knee_coach_dispatcher_lag_seconds", "knee_coach_dispatcher_outcomes"} <= families


@pytest.mark.postgres
def test_postgresql_statements_and_connections_have_time_limits() -> None:
    url = require_postgres()
    db = Database.from_url(url, EngineOptions(statement_timeout=0.2, connect_timeout=1))
    try:
        with db.engine.connect() as connection:
            started = time.monotonic()
            with pytest.raises(OperationalError, match="statement timeout"):
                connection.execute(text("SELECT pg_sleep(5)"))
            assert time.monotonic() - started < 2
    finally:
        db.dispose()


async def test_the_readiness_check_of_a_frozen_database_is_bounded(listener, monkeypatch) -> None:
    state, client = listener
    state.become_active(None)
    monkeypatch.setattr("bot.ops.http.DATABASE_CHECK_SECONDS", 0.2)

    def frozen(_db: Database) -> bool:
        time.sleep(0.5)  # a server that stopped answering
        return True

    monkeypatch.setattr("bot.ops.http._ping", frozen)
    answer = await client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["database"] == "unreachable"


def test_dispatcher_lag_is_how_overdue_the_oldest_due_reminder_is(db: Database) -> None:
    assert dispatcher_lag_seconds(db) == 0.0  # nothing scheduled: nothing late
    now = datetime.now(UTC)
    with db.session() as session:
        session.add(User(id=77, first_name="Pat", time_zone="UTC", created_at=now))
        session.flush()
        for minutes_late in (10, 3):
            session.add(
                Reminder(
                    user_id=77,
                    kind="icing",
                    slot=minutes_late,
                    local_time=dt_time(8, 0),
                    time_zone="UTC",
                    next_fire_at=now - timedelta(minutes=minutes_late),
                    updated_at=now,
                )
            )
    lag = dispatcher_lag_seconds(db)
    assert lag is not None
    assert 600 <= lag < 660

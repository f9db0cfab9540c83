"""PostgreSQL stopped and started again while people keep writing: each update is answered
(its answer, or the apology while the database is away), /help never waits for the database,
and everyone carries on once it is back - in one Application that was never restarted.

(The process test in tests/ops/test_health.py shows `knee-coach run` turning unready, stepping
back and answering again after an outage; this one shows what each person sees under load.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from telegram import Update

from bot.clock import ManualClock
from bot.content.texts import get_texts
from bot.sandbox.fake_telegram.harness import BotHarness
from bot.sandbox.fake_telegram.users import FakeUser
from bot.settings import Settings
from bot.storage.db import Database, EngineOptions
from tests.conftest import require_postgres
from tests.ops.conftest import PG_BIN, Cluster

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WRITERS = range(7101, 7121)  # /assess reads their consent: it needs the database
HELPERS = range(7201, 7211)  # /help needs none
HELP = "Here is what I can do"


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    require_postgres()
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL 15 binaries not found in {PG_BIN}")
    running = Cluster()
    running.start()
    try:
        yield running
    finally:
        running.remove()


def _queued(harness: BotHarness, user_id: int) -> FakeUser:
    app = harness.app

    async def enqueue(data: dict[str, Any]) -> None:
        await app.update_queue.put(Update.de_json(data, app.bot))

    return FakeUser(harness.telegram, enqueue, user_id, f"Runner{user_id}")


async def test_postgres_stopped_and_started_under_load_answers_everyone_throughout(
    cluster: Cluster, clock: ManualClock
) -> None:
    db = Database.from_url(cluster.url, EngineOptions(connect_timeout=2))
    db.upgrade()
    settings = Settings(database_url=cluster.url, telegram_bot_token=None, _env_file=None)  # type: ignore[call-arg]
    harness = BotHarness(settings, db=db, clock=clock)
    await harness.start()
    texts = get_texts()
    needs_consent = texts.flows.assessment.needs_consent
    try:
        writers = [_queued(harness, uid) for uid in WRITERS]
        helpers = [_queued(harness, uid) for uid in HELPERS]

        async def wave() -> None:
            for writer, helper in zip(writers, helpers * 2, strict=False):
                await writer.send("/assess")
                await helper.send("/help")

        await wave()  # in flight while the database stops
        await asyncio.to_thread(cluster.stop)
        await wave()  # arrives while it is away
        await harness.app.update_queue.join()
        for helper in helpers:  # help never needed the database
            answers = [m.text for m in helper.messages]
            assert len(answers) == 4
            assert all(HELP in (a or "") for a in answers)
        for writer in writers:  # each /assess answered: its answer, or the apology
            answers = [m.text for m in writer.messages]
            assert len(answers) == 2, answers
            assert set(answers) <= {needs_consent, texts.ui.error}
        assert any(w.last_text == texts.ui.error for w in writers)  # the outage was felt

        await asyncio.to_thread(cluster.start)
        for writer in writers:
            await writer.send("/assess")
        await harness.app.update_queue.join()
        assert all(w.last_text == needs_consent for w in writers)  # everyone carries on
    finally:
        await harness.stop()
        db.dispose()

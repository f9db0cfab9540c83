"""PostgreSQL stopped and started again while people keep writing: each update is answered
(its answer, or the apology while the database is away), /help never waits for the database,
and everyone carries on once it is back - in one Application that was never restarted.

(The process test in tests/ops/test_health.py shows `knee-coach run` turning unready, stepping
back and answering again after an outage; this one shows what each person sees under load.)
"""

from __future__ import annotations

import asyncio

import pytest

from bot.clock import ManualClock
from bot.content.texts import get_texts
from bot.sandbox.fake_telegram.harness import BotHarness
from bot.settings import Settings
from bot.storage.db import Database, EngineOptions
from tests.ops.conftest import Cluster, throwaway_postgres  # noqa: F401  (the fixture)
from tests.reliability.outbox import queued_user

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WRITERS = range(7101, 7121)  # /assess reads their consent: it needs the database
HELPERS = range(7201, 7211)  # /help needs none
HELP = "Here is what I can do"


async def test_postgres_stopped_and_started_under_load_answers_everyone_throughout(
    throwaway_postgres: Cluster,  # noqa: F811  (the fixture imported above)
    clock: ManualClock,
) -> None:
    cluster = throwaway_postgres
    db = Database.from_url(cluster.url, EngineOptions(connect_timeout=2))
    db.upgrade()
    settings = Settings(database_url=cluster.url, telegram_bot_token=None, _env_file=None)  # type: ignore[call-arg]
    harness = BotHarness(settings, db=db, clock=clock)
    await harness.start()
    texts = get_texts()
    needs_consent = texts.flows.assessment.needs_consent
    try:
        writers = [queued_user(harness, uid) for uid in WRITERS]
        helpers = [queued_user(harness, uid) for uid in HELPERS]

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

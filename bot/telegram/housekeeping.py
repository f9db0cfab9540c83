"""The daily housekeeping job: forget people who blocked the bot longer ago than the retention
period (BLOCKED_USER_RETENTION_DAYS, default 180).

`start_housekeeping(app)` is called from `_post_init`; `run_housekeeping(app)` is the job's
body, also callable by hand (tests, the sandbox). The decision is
`bot.services.privacy.purge_expired`; this module only schedules it and drops what PTB
still holds in memory about the people purged.
"""

from __future__ import annotations

import logging
from datetime import UTC, time
from typing import Any

from telegram.ext import Application, CallbackContext

from bot.services.privacy import purge_expired
from bot.telegram.context import services_in
from bot.telegram.persistence import forget_in_memory, writes_held

log = logging.getLogger(__name__)

JOB_NAME = "housekeeping"
# A quiet hour for most of Europe and the Americas; the purge is idempotent, so the exact
# time does not matter, only that it runs every day.
RUNS_AT = time(3, 30, tzinfo=UTC)


def start_housekeeping(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Schedule the purge once a day."""
    if app.job_queue is None:
        log.warning("no JobQueue (install python-telegram-bot[job-queue]); housekeeping is off")
        return
    app.job_queue.run_daily(
        _daily,
        time=RUNS_AT,
        name=JOB_NAME,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": 3600},
    )


async def run_housekeeping(app: Application[Any, Any, Any, Any, Any, Any]) -> list[int]:
    """Purge every expired blocked user now; the ids purged."""
    svc = services_in(app.bot_data)
    now, retention = svc.clock.now(), svc.settings.blocked_user_retention
    async with writes_held(app):  # no write of theirs lands after the purge
        purged = await svc.db.run(lambda session: purge_expired(session, now, retention))
        for user_id in purged:
            forget_in_memory(app, user_id)
    log.info("housekeeping purged=%s", len(purged))
    return purged


async def _daily(context: CallbackContext[Any, Any, Any, Any]) -> None:
    await run_housekeeping(context.application)

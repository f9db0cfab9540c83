"""The one repeating job that runs the reminder dispatcher, and helpers to run it by hand.

Wires the Telegram-free dispatcher (bot/services/reminders/dispatcher.py) to the Telegram
nudge sender (bot/telegram/sender.py).

`start_dispatcher(app)` is called from `_post_init`; the sandbox calls `replay` after `/clock`
so the nudges of the skipped time appear as they would have, in order.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import Application, CallbackContext

from bot.metrics import observe_tick
from bot.services.reminders.dispatcher import Dispatcher, TickReport
from bot.telegram.context import services, services_in
from bot.telegram.nudges import PhotoSource
from bot.telegram.sender import TelegramNudgeSender

log = logging.getLogger(__name__)

TICK_SECONDS = 30
_DISPATCHER_KEY = "reminder_dispatcher"
JOB_NAME = "reminder-dispatcher"


def start_dispatcher(
    app: Application[Any, Any, Any, Any, Any, Any], photos: PhotoSource | None = None
) -> Dispatcher:
    """Create this process's dispatcher and schedule its tick every ~30 s; `photos` draws
    the nudges sent as pictures (the weekly summary's chart)."""
    svc = services_in(app.bot_data)
    dispatcher = Dispatcher(svc.db, TelegramNudgeSender(app.bot, photos=photos))
    app.bot_data[_DISPATCHER_KEY] = dispatcher
    if app.job_queue is None:
        log.warning("no JobQueue (install python-telegram-bot[job-queue]); reminders are off")
        return dispatcher
    app.job_queue.run_repeating(
        _tick,
        interval=TICK_SECONDS,
        first=TICK_SECONDS,
        name=JOB_NAME,
        # One tick at a time; a tick missed while the loop was busy is simply dropped, since
        # the next one picks up everything still due.
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": TICK_SECONDS},
    )
    return dispatcher


def dispatcher_in(bot_data: Mapping[Any, Any]) -> Dispatcher:
    dispatcher = bot_data[_DISPATCHER_KEY]
    assert isinstance(dispatcher, Dispatcher)
    return dispatcher


async def _tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    await observe_tick(dispatcher_in(context.bot_data).tick(services(context).clock.now()))


async def replay(
    app: Application[Any, Any, Any, Any, Any, Any],
    start: datetime,
    end: datetime,
    step: timedelta = timedelta(minutes=1),
) -> TickReport:
    """Tick from `start` to `end` in `step`s, as if the bot had been running all along
    (the sandbox's `/clock +8h`). Returns the combined report."""
    dispatcher = dispatcher_in(app.bot_data)
    total = TickReport()
    instant = start
    while True:
        instant = min(instant + step, end)
        report = await dispatcher.tick(instant)
        total.claimed += report.claimed
        total.outcomes.update(report.outcomes)
        if instant >= end:
            return total

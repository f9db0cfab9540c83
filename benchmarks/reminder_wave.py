"""How long a wave of reminders due at the same minute takes to go out.

Two runs over the same N due reminders, in one process: the dispatcher with Telegram's pacing
switched off (the bot's own cost: claim, decide, record, send to the fake Bot API) and with the
production `AIORateLimiter` (Telegram's ~30 messages/s cap). The ratio says which one is the
bottleneck; the wave table follows from the paced rate.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as wall_time
from pathlib import Path

from sqlmodel import select

from bot.app import telegram_rate_limiter
from bot.clock import ManualClock, utc
from bot.sandbox.fake_telegram.harness import BotHarness
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.models import PlanStateRecord, Profile, Reminder, User
from bot.telegram.jobs import dispatcher_in


@dataclass(frozen=True)
class Wave:
    reminders: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.reminders / self.seconds


def _add_runners(db: Database, count: int, due: datetime) -> None:
    """`count` runners in phase 1 whose check-in reminder is due at `due`."""
    setup = due - timedelta(hours=6)
    with db.session() as session:
        for user_id in range(1, count + 1):
            session.add(
                User(id=user_id, first_name="Runner", time_zone="Europe/London", created_at=setup)
            )
        session.flush()  # the users first: the other rows point at them
        for user_id in range(1, count + 1):
            session.add(
                Profile(
                    user_id=user_id,
                    consented_at=setup,
                    wake_time=wall_time(7),
                    sleep_time=wall_time(23),
                    exercise_time=wall_time(18),
                    updated_at=setup,
                )
            )
        session.flush()  # the profile before the plan: planning reminders reads it
        for user_id in range(1, count + 1):
            session.add(
                PlanStateRecord(
                    user_id=user_id, stage="phase1", started_on=setup.date(), updated_at=setup
                )
            )
    with db.session() as session:
        for row in session.exec(select(Reminder).where(Reminder.kind == "checkin")):
            row.next_fire_at, row.occurrence_date = due, due.date()
            session.add(row)


async def measure_wave(count: int, *, paced: bool, database_url: str | None = None) -> Wave:
    due = utc(2026, 3, 4, 12, 0)
    with tempfile.TemporaryDirectory() as scratch:
        url = database_url or f"sqlite:///{Path(scratch) / 'wave.db'}"
        db = Database.from_url(url)
        db.upgrade()
        _add_runners(db, count, due)
        harness = BotHarness(
            Settings(database_url=url, telegram_bot_token=None),
            db=db,
            clock=ManualClock(due),
            rate_limiter=telegram_rate_limiter() if paced else None,
        )
        await harness.start()
        try:
            began = time.perf_counter()
            await dispatcher_in(harness.app.bot_data).tick(due)
            seconds = time.perf_counter() - began
            sent = harness.telegram.call_count("sendMessage")
        finally:
            await harness.stop()
            db.dispose()
    assert sent == count, f"expected {count} nudges, the fake received {sent}"
    return Wave(count, seconds)


def render(unpaced: Wave, paced: Wave) -> str:
    ratio = unpaced.per_second / paced.per_second
    rows = "".join(
        f"| {n:,} | {n / paced.per_second / 60:.1f} min |\n" for n in (1_000, 10_000, 100_000)
    )
    return (
        "### A wave of reminders due at one minute\n\n"
        "| measure | value |\n|---|---|\n"
        f"| dispatcher alone, pacing off (baseline), {unpaced.reminders} due | "
        f"{unpaced.per_second:.0f} reminders/s |\n"
        f"| with the production rate limiter, {paced.reminders} due | "
        f"{paced.per_second:.1f} reminders/s |\n"
        f"| bot's own capacity / Telegram's pace | {ratio:.1f}x |\n\n"
        "So Telegram's cap, not the bot, sets the pace. Time to send the last nudge of a wave "
        "at the measured paced rate:\n\n"
        "| reminders due at one minute | last one sent after |\n|---|---|\n" + rows
    )

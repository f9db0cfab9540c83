"""Start-up time and memory against the number of stored users, and the per-user JobQueue peer.

A SQLite database is filled with N runners in the programme (user, profile, plan, `user_data`,
a conversation in progress, and the four reminders the planner gives such a runner: the daily
check-in and exercise session, the weekly summary and the knee score, which falls due every 14
days). Then a fresh process (so its memory is its own) starts the bot on it -
`build_application`, initialize, post_init, start, as `knee-coach run` does - and reports the
seconds that took and its resident memory once started. The peer is the common design this bot
does not use: the same process start, then one JobQueue job per stored reminder, read from the
same table (`run_daily`, on the reminder's weekdays for the weekly summary; `run_repeating`
every 14 days for the knee score).

    python -m benchmarks.scale [--users 1000 100000] [--peer-users 1000 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from benchmarks.reminder_wave import DUE, _add_runners
from bot.content import get_content
from bot.services.reminders.rules import ALL_WEEKDAYS
from bot.storage.db import Database
from bot.storage.models import ConversationState, Reminder, UserData
from bot.storage.models.reminders import ReminderKind


@dataclass(frozen=True)
class Start:
    design: str
    users: int
    seconds: float
    rss_mb: float  # resident memory once started
    reminders: int  # rows in the reminder table (the peer's jobs)


def _fill(url: str, users: int) -> None:
    db = Database.from_url(url)
    db.upgrade()
    # Due from tomorrow: the first tick at start has nothing to send.
    _add_runners(db, users, DUE + timedelta(days=1), programme=True)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    with db.session() as session:
        session.execute(
            insert(UserData),
            [{"user_id": i, "data": {"draft": i}, "updated_at": now} for i in range(1, users + 1)],
        )
        session.execute(
            insert(ConversationState),
            [
                {
                    "name": "checkin",
                    "key": f"[{i}, {i}]",
                    "state": "ANSWERING",
                    "user_id": i,
                    "updated_at": now,
                }
                for i in range(1, users + 1)
            ],
        )
    db.dispose()


def _ptb_days(weekdays: int) -> tuple[int, ...]:
    """Our weekday bitmask (bit 0 = Monday) as JobQueue's days (0 = Sunday)."""
    return tuple(sorted((bit + 1) % 7 for bit in range(7) if weekdays >> bit & 1))


async def _start(url: str, design: str) -> tuple[float, float, int]:
    from telegram.ext import Application, ContextTypes

    from bot.clock import ManualClock
    from bot.sandbox.fake_telegram.harness import BotHarness
    from bot.settings import Settings

    began = time.perf_counter()
    harness = BotHarness(
        Settings(database_url=url, telegram_bot_token=None), clock=ManualClock(DUE)
    )
    await harness.start()
    if design == "peer":
        app: Application[Any, Any, Any, Any, Any, Any] = harness.app
        assert app.job_queue is not None

        async def nudge(_context: ContextTypes.DEFAULT_TYPE) -> None:
            return None

        every = timedelta(days=int(get_content().thresholds.kujala_every_days.value))
        with harness.db.session() as session:
            rows = session.execute(
                select(
                    Reminder.id,  # type: ignore[call-overload]
                    Reminder.user_id,
                    Reminder.kind,
                    Reminder.local_time,
                    Reminder.weekdays,
                    Reminder.time_zone,
                    Reminder.next_fire_at,
                )
            ).all()
        for reminder_id, user_id, kind, local_time, weekdays, zone, next_fire_at in rows:
            at = local_time.replace(tzinfo=ZoneInfo(zone))
            where = {"chat_id": user_id, "user_id": user_id, "data": reminder_id}
            if kind == ReminderKind.KUJALA:
                app.job_queue.run_repeating(nudge, every, first=next_fire_at, **where)
            elif weekdays == ALL_WEEKDAYS:
                app.job_queue.run_daily(nudge, at, **where)
            else:
                app.job_queue.run_daily(nudge, at, days=_ptb_days(weekdays), **where)
    seconds = time.perf_counter() - began
    gc.collect()
    rss = _rss_mb()
    with harness.db.session() as session:
        reminders = session.execute(select(func.count()).select_from(Reminder)).scalar_one()
    await harness.stop()
    return seconds, rss, reminders


def _rss_mb() -> float:
    """The process's resident memory now (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: the peak


def _child(url: str, design: str) -> None:
    seconds, rss, reminders = asyncio.run(_start(url, design))
    print(json.dumps({"seconds": seconds, "rss_mb": rss, "reminders": reminders}))


def measure(users: int, design: str = "lazy") -> Start:
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'scale.db'}"
        _fill(url, users)
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.scale", "--child", url, design],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    return Start(design, users, figures["seconds"], figures["rss_mb"], figures["reminders"])


def render(ours: list[Start], peer: list[Start]) -> str:
    small, large = ours[0], ours[-1]
    rows = "".join(
        f"| this bot (lazy persistence, one dispatcher) | {s.users:,} | {s.reminders:,} | "
        f"{s.seconds:.2f} s | {s.seconds / small.seconds:.2f}x | {s.rss_mb:.0f} MB | "
        f"{s.rss_mb / small.rss_mb:.2f}x |\n"
        for s in ours
    )
    rows += "".join(
        f"| peer: one JobQueue job per reminder | {p.users:,} | {p.reminders:,} | "
        f"{p.seconds:.2f} s | {p.seconds / small.seconds:.2f}x | {p.rss_mb:.0f} MB | "
        f"{p.rss_mb / small.rss_mb:.2f}x |\n"
        for p in peer
    )
    per_runner = small.reminders / small.users
    return (
        "## Scale: start-up and memory against stored users\n\n"
        "Each runner stored is in the programme, with a profile, a plan, `user_data`, a "
        f"conversation in progress and {per_runner:g} reminders, as the planner gives them "
        "(the daily check-in and exercise session, the weekly summary, the knee score every "
        "14 days). The peer schedules one JobQueue job per reminder (`run_daily`, on its "
        "weekday for the weekly summary; `run_repeating` for the knee score). A fresh process "
        "starts the bot on the database (build, initialize, "
        "post_init, start) and reports the time that took and its resident memory once "
        "started (after a garbage collection); baseline: this "
        f"bot with {small.users:,} users. Target: {large.users:,} users within 1.2x of "
        f"{small.users:,}, and at least 10x lighter than the peer at the same size. Both "
        "designs carry the same base (content, the screening pipeline, the zone index), so "
        "the memory the stored users cost is the RSS above the baseline's.\n\n"
        "| design | users | reminders | start-up | / baseline | RSS once started | / baseline |\n"
        "|---|---|---|---|---|---|---|\n" + rows + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--peer-users", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--child", nargs=2, metavar=("URL", "DESIGN"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    ours = [measure(n) for n in args.users]
    peer = [measure(n, "peer") for n in args.peer_users]
    print(render(ours, peer))


if __name__ == "__main__":
    main()

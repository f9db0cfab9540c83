"""How long a handler keeps the event loop on the database.

Runs the real Application against the fake Bot API and processes N `/start` updates from new
users (one user row written each) and N `/help` updates (no database) as the in-run baseline.
Database time is the wall time spent inside `Database.session()` units of work. Prints a
Markdown section for docs/performance.md; figures are ratios against the baseline of the same
run, plus absolute medians for orientation.

    python -m benchmarks.handler_db_time [--n 300] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlmodel import Session

from bot.sandbox.fake_telegram.harness import BotHarness
from bot.settings import Settings
from bot.storage.db import Database


class TimedDatabase(Database):
    """A Database that adds up the time spent inside each unit of work."""

    spent: float = 0.0

    @contextmanager
    def session(self) -> Iterator[Session]:
        began = time.perf_counter()
        try:
            with super().session() as session:
                yield session
        finally:
            self.spent += time.perf_counter() - began


async def measure(database_url: str, n: int) -> dict[str, float]:
    db = TimedDatabase.from_url(database_url)
    assert isinstance(db, TimedDatabase)
    db.upgrade()
    harness = BotHarness(Settings(database_url=database_url, telegram_bot_token=None), db=db)
    await harness.start()
    help_times, start_times, start_db = [], [], []
    try:
        for i in range(n):
            user = harness.user(10_000 + i)
            began = time.perf_counter()
            await user.send("/help")
            help_times.append(time.perf_counter() - began)

            db.spent = 0.0
            began = time.perf_counter()
            await user.send("/start")
            start_times.append(time.perf_counter() - began)
            start_db.append(db.spent)
    finally:
        await harness.stop()
    return {
        "help_median_ms": statistics.median(help_times) * 1000,
        "start_median_ms": statistics.median(start_times) * 1000,
        "start_db_median_ms": statistics.median(start_db) * 1000,
        "start_db_p99_ms": sorted(start_db)[int(len(start_db) * 0.99) - 1] * 1000,
    }


def render(dialect: str, n: int, figures: dict[str, float]) -> str:
    ratio = figures["start_median_ms"] / figures["help_median_ms"]
    share = figures["start_db_median_ms"] / figures["start_median_ms"]
    return (
        f"### Handler database time ({dialect}, n={n})\n\n"
        "| measure | value |\n|---|---|\n"
        f"| `/help` median (baseline, no database) | {figures['help_median_ms']:.2f} ms |\n"
        f"| `/start` median (user upsert + onboarding step) | "
        f"{figures['start_median_ms']:.2f} ms |\n"
        f"| `/start` / `/help` | {ratio:.2f}x |\n"
        f"| database share of `/start` | {share:.0%} |\n"
        f"| `/start` database time, median / p99 | {figures['start_db_median_ms']:.2f} / "
        f"{figures['start_db_p99_ms']:.2f} ms |\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{Path(scratch) / 'bench.db'}"
        figures = asyncio.run(measure(url, args.n))
        dialect = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        print(render(dialect, args.n, figures))


if __name__ == "__main__":
    main()

"""Update handling through the fake Bot API: the realistic mix against a bare echo bot.

N simulated runners go, side by side, through onboarding, the knee check and two days of daily
check-ins (taps and typed text, as the conversation tests drive them), against the real bot
built by `build_application`. Every update is recorded; the same updates are then replayed,
each runner's in order and the runners side by side, into a bare echo bot: the same
Application class and the same fake transport, one handler that answers a press and echoes a
message. The echo bot is the same-run baseline: what python-telegram-bot and the transport
cost before the bot does anything.

Persistence is flushed once a second, as in production (PTB's `update_interval`), not after
every update as the test harness does.

    python -m benchmarks.update_handling [--users 200] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import pstats
import resource
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from unittest import mock

from sqlalchemy import event
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from benchmarks.reminder_wave import _database
from bot.clock import ManualClock, utc
from bot.sandbox.fake_telegram.harness import SANDBOX_TOKEN, BotHarness
from bot.sandbox.fake_telegram.request import FakeRequest
from bot.sandbox.fake_telegram.server import FakeTelegram
from bot.sandbox.fake_telegram.users import FakeUser
from bot.settings import Settings
from bot.telegram.observed import ObservedApplication
from tests.conversations.checkin.journeys import GOOD_DAY, PHASE1, check_in, runner_with_plan

START = utc(2026, 3, 2, 8, 0)
JSON = dict[str, Any]


@dataclass(frozen=True)
class Run:
    updates: int
    seconds: float
    latencies: list[float]  # seconds per update, from delivery to the end of its handling

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass(frozen=True)
class Handling:
    database: str
    users: int
    bot: Run
    echo: Run
    peak_rss_mb: float
    statements: int = 0  # SQL statements the bot ran for the mix

    @property
    def statements_per_update(self) -> float:
        return self.statements / self.bot.updates

    @property
    def ratio(self) -> float:
        return self.bot.per_second / self.echo.per_second


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _flushing(app: Application[Any, Any, Any, Any, Any, Any], stop: asyncio.Event) -> None:
    """PTB's periodic persistence flush, once a second."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=1.0)
        await app.update_persistence()


async def _drive(
    app: Application[Any, Any, Any, Any, Any, Any],
    journeys: list[Callable[[], Awaitable[None]]],
    latencies: list[float],
    profiler: cProfile.Profile | None = None,
) -> float:
    stop = asyncio.Event()
    flusher = asyncio.get_running_loop().create_task(_flushing(app, stop))
    began = time.perf_counter()
    with profiler or contextlib.nullcontext():
        await asyncio.gather(*(journey() for journey in journeys))
    seconds = time.perf_counter() - began
    stop.set()
    await flusher
    return seconds


async def measure(
    users: int, database_url: str | None = None, profiler: cProfile.Profile | None = None
) -> Handling:
    """The realistic mix for `users` runners, then the echo bot over the same updates."""
    recorded: dict[int, list[JSON]] = {}
    latencies: list[float] = []
    with _database(database_url) as db:
        clock = ManualClock(START)
        url = db.engine.url.render_as_string(hide_password=False)
        telegram = FakeTelegram()
        harness = BotHarness(
            Settings(database_url=url, telegram_bot_token=None),
            db=db,
            clock=clock,
            telegram=telegram,
        )
        await harness.start()
        app = harness.app

        def runner(user_id: int) -> FakeUser:
            log = recorded.setdefault(user_id, [])

            async def deliver(data: JSON) -> None:
                # The in-process fake answers without yielding to the loop; a person's next
                # update comes later, so each runner lets the others go between updates.
                await asyncio.sleep(0)
                log.append(data)
                began = time.perf_counter()
                await app.process_update(Update.de_json(data, app.bot))
                latencies.append(time.perf_counter() - began)

            return FakeUser(telegram, deliver, user_id)

        people = [runner(100_000 + i) for i in range(users)]
        statements = 0

        def count(*_: Any) -> None:
            nonlocal statements
            statements += 1

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            seconds = await _drive(
                app, [lambda u=u: runner_with_plan(u, PHASE1) for u in people], latencies, profiler
            )
            for _day in range(2):
                clock.advance(timedelta(days=1))
                seconds += await _drive(
                    app, [lambda u=u: check_in(u, GOOD_DAY) for u in people], latencies, profiler
                )
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
            await harness.stop()
        dialect = db.dialect
    bot = Run(len(latencies), seconds, latencies)
    # A fresh fake of the same class: the recorded presses were answered on the first one.
    echo = await _echo(FakeTelegram(), list(recorded.values()))
    return Handling(dialect, users, bot, echo, _peak_rss_mb(), statements)


async def _echo(telegram: FakeTelegram, streams: list[list[JSON]]) -> Run:
    """Replay the recorded updates into a bare echo bot on the same Application class and
    transport."""

    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is not None and update.effective_chat is not None:
            await update.effective_chat.send_message(update.effective_message.text or "echo")

    async def pressed(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()
        if update.effective_chat is not None:
            await update.effective_chat.send_message(update.callback_query.data or "pressed")

    app = (
        Application.builder()
        .application_class(ObservedApplication)
        .token(SANDBOX_TOKEN)
        .request(FakeRequest(telegram))
        .get_updates_request(FakeRequest(telegram))
        .updater(None)
        .build()
    )
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(MessageHandler(filters.ALL, echo))
    latencies: list[float] = []
    await app.initialize()
    try:

        def replay(stream: list[JSON]) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                for data in stream:
                    await asyncio.sleep(0)
                    began = time.perf_counter()
                    await app.process_update(Update.de_json(data, app.bot))
                    latencies.append(time.perf_counter() - began)

            return run

        seconds = await _drive(app, [replay(stream) for stream in streams], latencies)
    finally:
        await app.shutdown()
    return Run(len(latencies), seconds, latencies)


# Where a profiled function's own time is counted, by the file it is in (first match wins).
_PARTS = (
    ("python-telegram-bot (parsing, building and sending Bot API objects)", ("/telegram/",)),
    ("SQLAlchemy and SQLModel", ("/sqlalchemy/", "/sqlmodel/")),
    ("the database driver (sqlite3)", ("sqlite3",)),
    ("the fake Bot API and the simulated runners", ("/sandbox/", "/tests/")),
    ("the bot's own code", ("/bot/", "/conversations/")),
    ("JSON", ("/json/",)),
    ("asyncio", ("/asyncio/",)),
)


async def where_time_goes(users: int) -> dict[str, float]:
    """Share of the mix's time per part (cProfile's own time per function, by file), with each
    unit of work run inline so one profiler sees it all (profiling slows everything, so only
    the shares mean anything)."""

    async def inline(work: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return work(*args, **kwargs)

    profiler = cProfile.Profile()
    with mock.patch("asyncio.to_thread", inline):
        await measure(users, profiler=profiler)
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    shares: dict[str, float] = dict.fromkeys([name for name, _ in _PARTS] + ["other"], 0.0)
    for (filename, _line, function), (_cc, _nc, own, _cum, callers) in stats.items():
        if filename != "~" or "sqlite3" in function:
            shares[_part_of(filename, function)] += own
            continue
        # A built-in (dict.get, isinstance, ...): its time goes to the files that called it.
        for (caller_file, _caller_line, caller), figures in callers.items():
            shares[_part_of(caller_file, caller)] += figures[2]
    total = sum(shares.values())
    return {part: own / total for part, own in shares.items()}


def _part_of(filename: str, function: str) -> str:
    where = f"{filename} {function}"
    return next((name for name, marks in _PARTS if any(m in where for m in marks)), "other")


def render_shares(shares: dict[str, float], users: int) -> str:
    rows = "".join(
        f"| {part} | {share:.0%} |\n"
        for part, share in sorted(shares.items(), key=lambda item: -item[1])
    )
    return (
        f"### Where the bot's time goes (SQLite, {users} runners, profiled)\n\n"
        "The same mix under cProfile with every unit of work run inline, each function's own "
        "time counted by the file it is in. Profiling slows everything, so only the shares "
        "mean anything.\n\n| part | share of the time |\n|---|---|\n" + rows + "\n"
    )


def render(figures: list[Handling]) -> str:
    rows = "".join(
        f"| {h.database} | {h.users} | {h.bot.updates:,} | {h.bot.per_second:,.0f}/s | "
        f"{h.echo.per_second:,.0f}/s | {h.ratio:.2f} | "
        f"{h.bot.percentile(0.5) * 1000:.1f} / {h.bot.percentile(0.99) * 1000:.1f} ms | "
        f"{h.echo.percentile(0.5) * 1000:.1f} / {h.echo.percentile(0.99) * 1000:.1f} ms | "
        f"{h.statements_per_update:.1f} | {h.peak_rss_mb:.0f} MB |\n"
        for h in figures
    )
    return (
        "## Update handling through the fake Bot API\n\n"
        "Runners side by side through onboarding, the knee check and two days of daily "
        "check-ins (taps and typed text), against the real bot; then the same updates, each "
        "runner's in order, replayed into a bare echo bot on the same Application class and "
        "fake transport (the baseline). Persistence flushes once a second, as in production. "
        "Targets: at least 0.30 of echo, at least 1,000 updates/s on SQLite.\n\n"
        "| database | runners | updates | bot | echo (baseline) | bot / echo | "
        "bot p50 / p99 | echo p50 / p99 | SQL statements per update | peak RSS of the process |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n" + rows + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--profile", action="store_true", help="also where the time goes")
    args = parser.parse_args()
    urls: list[str | None] = [None] + ([args.postgres_url] if args.postgres_url else [])
    print(render([asyncio.run(measure(args.users, url)) for url in urls]))
    if args.profile:
        print(render_shares(asyncio.run(where_time_goes(args.users)), args.users))


if __name__ == "__main__":
    main()

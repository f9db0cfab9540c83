"""Concurrency: many people at once, and one person's slow unit of work, against baselines
measured in the same run.

1. **Many at once.** N people send /start together to the real Application; the fake Bot API
   takes 60 ms per call (Telegram's pacing off, so only the bot's own order counts). Handled as
   in production (the update queue and the per-user processor) against one update at a time
   (what `concurrent_updates(False)` did): updates/s and the last person's wait.
2. **The thread hop.** A handler with a unit of work (/assess of someone not yet onboarded: a
   read and a reply) through `Database.run` (a worker thread) against the same unit of work run
   on the event loop; per-update time, no Bot API latency.
3. **A held-up unit of work.** One person's query is held up for H seconds (10 s, 2 s in quick
   mode; held at the driver, as a lock another connection holds would), and meanwhile someone
   else sends /help. With the worker thread against the unit of work on the loop: how long the
   other person waited.

    python -m benchmarks.concurrency [--quick]

`run(quick)` returns the tables; `render(tables)` the Markdown section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlmodel import Session
from telegram import Update

from bot.sandbox.fake_telegram.harness import BotHarness
from bot.sandbox.fake_telegram.users import FakeUser
from bot.settings import Settings
from bot.storage.db import Database

T = TypeVar("T")
LATENCY = 0.060  # seconds per Bot API call


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


class OnTheLoop(Database):
    """The baseline: each unit of work runs on the event loop, as handlers did before."""

    async def run(self, work: Callable[[Session], T]) -> T:
        with self.session() as session:
            return work(session)


def _database(scratch: Path, name: str, inline: bool) -> Database:
    url = f"sqlite:///{scratch / name}"
    db = (OnTheLoop if inline else Database).from_url(url)
    db.upgrade()
    return db


def _harness(db: Database) -> BotHarness:
    url = db.engine.url.render_as_string(hide_password=False)
    return BotHarness(Settings(database_url=url, telegram_bot_token=None), db=db)  # type: ignore[call-arg]


class ReplyTimes:
    """When each chat first got a message from the bot (perf_counter), as the fake records it."""

    def __init__(self, harness: BotHarness) -> None:
        self.first: dict[int, float] = {}
        handle = harness.telegram.handle

        def recording(method: str, params: Any, files: Any) -> tuple[int, Any]:
            if method == "sendMessage":
                self.first.setdefault(int(params["chat_id"]), time.perf_counter())
            return handle(method, params, files)

        harness.telegram.handle = recording  # type: ignore[method-assign]


def _queued(harness: BotHarness, user_id: int) -> FakeUser:
    app = harness.app

    async def enqueue(data: dict[str, Any]) -> None:
        await app.update_queue.put(Update.de_json(data, app.bot))

    return FakeUser(harness.telegram, enqueue, user_id, f"Runner{user_id}")


async def _many_at_once(scratch: Path, n: int, serial: bool) -> tuple[float, float]:
    """(updates/s, the last person's wait in s) for n people sending /start together."""
    db = _database(scratch, f"many-{serial}.db", inline=False)
    harness = _harness(db)
    await harness.start()
    try:
        harness.telegram.latency = LATENCY
        replies = ReplyTimes(harness)
        people = [20_000 + i for i in range(n)]
        began = time.perf_counter()
        if serial:  # one update at a time for the whole bot
            for uid in people:
                await harness.user(uid).send("/start")
        else:
            for uid in people:
                await _queued(harness, uid).send("/start")
            await harness.app.update_queue.join()
        elapsed = time.perf_counter() - began
        assert len(replies.first) == n, "someone was not answered"
        return n / elapsed, max(replies.first.values()) - began
    finally:
        await harness.stop()
        db.dispose()


async def _hop_cost(scratch: Path, n: int, inline: bool) -> float:
    """Median ms per /assess (a read and a reply) from n people not yet onboarded."""
    db = _database(scratch, f"hop-{inline}.db", inline=inline)
    harness = _harness(db)
    await harness.start()
    times = []
    try:
        for i in range(n):
            user = harness.user(30_000 + i)
            began = time.perf_counter()
            await user.send("/assess")
            times.append(time.perf_counter() - began)
    finally:
        await harness.stop()
        db.dispose()
    return statistics.median(times) * 1000


async def _held_up(scratch: Path, hold: float, inline: bool) -> float:
    """Seconds someone's /help waited while another person's unit of work was held `hold` s."""
    db = _database(scratch, f"held-{inline}.db", inline=inline)
    slow_user = 40_001
    holding = threading.Event()

    def hold_the_query(_conn: Any, _cursor: Any, _statement: str, params: Any, *_: Any) -> None:
        # The slow person's first statement (their user id is a parameter) is held up.
        values = params.values() if isinstance(params, dict) else params or ()
        if slow_user in tuple(values) and not holding.is_set():
            holding.set()
            time.sleep(hold)  # in whichever thread runs the unit of work

    harness = _harness(db)
    await harness.start()
    try:
        replies = ReplyTimes(harness)
        event.listen(db.engine, "before_cursor_execute", hold_the_query)
        await _queued(harness, slow_user).send("/assess")
        await asyncio.sleep(0)  # the slow person's update is under way first
        sent = time.perf_counter()
        await _queued(harness, 40_002).send("/help")
        await harness.app.update_queue.join()
        return replies.first[40_002] - sent
    finally:
        event.remove(db.engine, "before_cursor_execute", hold_the_query)
        await harness.stop()
        db.dispose()


async def _measure(quick: bool) -> list[Table]:
    many = 100 if quick else 1000
    hops = 50 if quick else 300
    hold = 2.0 if quick else 10.0
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        concurrent = await _many_at_once(scratch, many, serial=False)
        serial = await _many_at_once(scratch, many, serial=True)
        hop = await _hop_cost(scratch, hops, inline=False)
        loop = await _hop_cost(scratch, hops, inline=True)
        held_thread = await _held_up(scratch, hold, inline=False)
        held_loop = await _held_up(scratch, hold, inline=True)
    return [
        Table(
            f"{many:,} people send /start at once (Bot API {LATENCY * 1000:.0f} ms per call)",
            ("processing", "updates/s", "last person's wait (s)"),
            (
                ("one update at a time (before)", f"{serial[0]:.1f}", f"{serial[1]:.1f}"),
                ("per person, side by side (now)", f"{concurrent[0]:.1f}", f"{concurrent[1]:.1f}"),
            ),
            f"{concurrent[0] / serial[0]:.0f}x the updates/s of serial processing in this run.",
        ),
        Table(
            f"The thread hop: median per /assess ({hops} people, no Bot API latency)",
            ("unit of work", "ms per update"),
            (("on the event loop", f"{loop:.2f}"), ("in a worker thread (now)", f"{hop:.2f}")),
            f"The hop costs {hop - loop:+.2f} ms per update.",
        ),
        Table(
            f"Someone's /help while another person's query is held up {hold:.0f} s",
            ("unit of work", "/help answered after (s)"),
            (
                ("on the event loop (before)", f"{held_loop:.2f}"),
                ("in a worker thread (now)", f"{held_thread:.3f}"),
            ),
        ),
    ]


def run(quick: bool) -> list[Table]:
    """Measure everything above; quick mode uses 100 people and a 2 s hold."""
    return asyncio.run(_measure(quick))


def render(tables: list[Table]) -> str:
    """The Markdown section for docs/performance.md."""
    lines = ["## Concurrency: many people at once, one held-up query", ""]
    for table in tables:
        lines += [f"**{table.title}**", ""]
        lines.append("| " + " | ".join(table.columns) + " |")
        lines.append("|" + "---|" * len(table.columns))
        lines += ["| " + " | ".join(row) + " |" for row in table.rows]
        lines.append("")
        if table.note:
            lines += [table.note, ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    print(render(run(parser.parse_args().quick)))


if __name__ == "__main__":
    main()

"""Nudges under Telegram faults and a dispatcher killed mid-dispatch: never twice, nothing that
was certainly unsent lost, the daily cap counted once.

The real bot against the fake Bot API; every failure is injected into the `sendMessage` of one
dispatch. A killed process is a tick cancelled while its sends are in flight: it writes nothing
more, and leaves its rows as a SIGKILL would (delivery rows `sending` and `queued`, reminder
rows leased); the next dispatcher ticks after the 2-minute lease has run out.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.clock import utc
from bot.sandbox.fake_telegram.harness import BotHarness
from bot.sandbox.fake_telegram.server import FailureKind
from bot.services.reminders.dispatcher import Dispatcher
from bot.services.reminders.nudge import Nudge, SendResult
from bot.storage.db import Database
from bot.storage.models import Delivery, Reminder
from bot.storage.models.reminders import DeliveryOutcome, ReminderKind
from bot.telegram.sender import TelegramNudgeSender
from tests.services.reminders.conftest import deliveries_of, make_runner, nudges

NOW = utc(2026, 3, 4, 12, 0)  # London, winter: local noon


def only_due(db: Database, user_ids: range, kind: str, at: timedelta) -> None:
    """Nothing scheduled but `kind` of `user_ids`, due `at` before NOW (today)."""
    with db.session() as s:
        s.execute(update(Reminder).values(next_fire_at=None, occurrence_date=None))
        s.execute(
            update(Reminder)
            .where(col(Reminder.user_id).in_(user_ids), col(Reminder.kind) == kind)
            .values(next_fire_at=NOW - at, occurrence_date=NOW.date())
        )


# What each fault leaves, ticking again 3 and 6 minutes later: (nudges the user got, outcome).
FAULTS: list[tuple[FailureKind, int, str]] = [
    ("retry_after", 1, DeliveryOutcome.SENT),  # nothing sent; waits, then sent once
    ("bad_request", 1, DeliveryOutcome.SENT),  # refused: tried again after 2 minutes
    ("server_error", 1, DeliveryOutcome.SENT),  # Telegram's own 5xx answer: not carried out
    ("unreachable", 1, DeliveryOutcome.SENT),  # connection refused: the request never left
    ("forbidden", 0, DeliveryOutcome.INACTIVE),  # blocked: the user's reminders stop
    ("timeout", 0, DeliveryOutcome.UNCERTAIN),  # no answer; it never arrived, and is not repeated
    ("timeout_after_send", 1, DeliveryOutcome.UNCERTAIN),  # arrived; the answer timed out
    ("lost_response", 1, DeliveryOutcome.UNCERTAIN),  # arrived; the connection dropped
]


@pytest.mark.parametrize(("fault", "received", "outcome"), FAULTS)
async def test_a_fault_during_a_dispatch_never_sends_a_nudge_twice(
    harness: BotHarness, db: Database, fault: FailureKind, received: int, outcome: str
) -> None:
    for user_id in (201, 202):
        make_runner(db, user_id, NOW - timedelta(days=1), stage="phase1")
    only_due(db, range(201, 203), ReminderKind.CHECKIN, timedelta(minutes=1))
    harness.telegram.fail_next("sendMessage", fault, chat_id=201, retry_after=30)
    dispatcher = Dispatcher(db, TelegramNudgeSender(harness.app.bot), concurrency=1)
    for minutes in (0, 3, 6):
        await dispatcher.tick(NOW + timedelta(minutes=minutes))
    assert len(nudges(harness, 201)) == received
    assert [d.outcome for d in deliveries_of(db, 201)] == [outcome]
    # The other runner's nudge is untouched by the fault (sent once, whatever came first).
    assert len(nudges(harness, 202)) == 1
    assert [d.outcome for d in deliveries_of(db, 202)] == [DeliveryOutcome.SENT]


class DyingSender:
    """The bot's sender until the `dies_at`-th send; from then on every send hangs, as a process
    killed mid-request would. Of the hung sends, those in `arrives` reach Telegram first (the
    process died waiting for the answer); the others die before their request is written."""

    def __init__(self, inner: TelegramNudgeSender, dies_at: int, arrives: set[int]) -> None:
        self.inner, self.dies_at, self.arrives = inner, dies_at, arrives
        self.calls = 0
        self.hung = asyncio.Event()

    async def send(self, nudge: Nudge) -> SendResult:
        self.calls += 1
        if self.calls >= self.dies_at:
            if nudge.chat_id in self.arrives:
                await self.inner.send(nudge)
            self.hung.set()
            await asyncio.Event().wait()  # never answers
        return await self.inner.send(nudge)


async def kill_mid_dispatch(dispatcher: Dispatcher, sender: DyingSender) -> None:
    tick = asyncio.create_task(dispatcher.tick(NOW))
    await sender.hung.wait()
    await asyncio.sleep(0.05)  # let the whole group get stuck in flight
    tick.cancel()
    with pytest.raises(asyncio.CancelledError):
        await tick


async def test_a_dispatcher_killed_mid_dispatch_is_reconciled_by_the_next_tick(
    harness: BotHarness, db: Database
) -> None:
    users = range(301, 326)  # 25 check-ins due at once, daily cap 1
    for user_id in users:
        make_runner(db, user_id, NOW - timedelta(days=1), stage="phase1", cap=1)
    only_due(db, users, ReminderKind.CHECKIN, timedelta(minutes=1))
    # Groups of 10: the first is sent and recorded; the process dies during the second, after
    # users 311-315's requests reached Telegram; the third was never handed over.
    arrived = set(range(311, 316))
    dying = DyingSender(TelegramNudgeSender(harness.app.bot), dies_at=11, arrives=arrived)
    dead = Dispatcher(db, dying, owner="dead", concurrency=10)
    await kill_mid_dispatch(dead, dying)

    with db.session() as s:
        left = {d.user_id: d.outcome for d in s.exec(select(Delivery))}
    assert sorted(set(left.values())) == ["queued", "sending", "sent"]
    assert [u for u in users if left[u] == DeliveryOutcome.SENDING] == list(range(311, 321))

    # The next process, once the dead one's 2-minute leases have run out.
    later = NOW + timedelta(minutes=3)
    report = await Dispatcher(db, TelegramNudgeSender(harness.app.bot), owner="next").tick(later)
    assert report.outcomes["reconciled_uncertain"] == 10  # in flight at the kill
    assert report.outcomes["reconciled_queued"] == 5  # never handed over: sent now
    assert report.outcomes[DeliveryOutcome.SENT] == 5
    assert report.outcomes[DeliveryOutcome.CAPPED] == 0  # their own row holds their place

    received = {user_id: len(nudges(harness, user_id)) for user_id in users}
    assert max(received.values()) == 1  # no duplicate
    lost = [user_id for user_id, n in received.items() if n == 0]
    assert lost == list(range(316, 321))  # only requests cut off in flight, at most one group
    with db.session() as s:
        outcomes = {d.user_id: d.outcome for d in s.exec(select(Delivery))}
        rows = s.exec(select(Reminder).where(col(Reminder.user_id).in_(users))).all()
    assert len(outcomes) == len(users)  # one delivery row per occurrence
    for user_id in users:
        expected = DeliveryOutcome.UNCERTAIN if 311 <= user_id <= 320 else DeliveryOutcome.SENT
        assert outcomes[user_id] == expected, user_id
    assert all(row.lease_owner is None for row in rows)

    # The cap counts each of those occurrences once: the day's exercise nudge (cap 1) is capped
    # for everyone, uncertain or sent alike.
    only_due(db, users, ReminderKind.EXERCISE, timedelta(minutes=1))
    report = await Dispatcher(db, TelegramNudgeSender(harness.app.bot)).tick(later)
    assert report.outcomes[DeliveryOutcome.CAPPED] == len(users)
    assert max(len(nudges(harness, user_id)) for user_id in users) == 1


async def test_a_kill_after_every_send_arrived_loses_nothing(
    harness: BotHarness, db: Database
) -> None:
    """The issue's "6 sent but never recorded": all in flight had reached Telegram."""
    users = range(401, 416)
    for user_id in users:
        make_runner(db, user_id, NOW - timedelta(days=1), stage="phase1")
    only_due(db, users, ReminderKind.CHECKIN, timedelta(minutes=1))
    dying = DyingSender(TelegramNudgeSender(harness.app.bot), dies_at=6, arrives=set(users))
    await kill_mid_dispatch(Dispatcher(db, dying, owner="dead", concurrency=5), dying)
    await Dispatcher(db, TelegramNudgeSender(harness.app.bot)).tick(NOW + timedelta(minutes=3))
    assert [len(nudges(harness, user_id)) for user_id in users] == [1] * len(users)

"""Exactly one delivery per occurrence: two dispatchers on one database, and a dispatcher whose
lease ran out mid-send. The sender is a stand-in that counts what would reach Telegram."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import datetime, time, timedelta

from sqlalchemy import update
from sqlmodel import col, select

from bot.clock import utc
from bot.services.reminders.dispatcher import Dispatcher, TickReport
from bot.services.reminders.nudge import Nudge, SendResult
from bot.storage.db import Database
from bot.storage.models import Delivery, Reminder
from bot.storage.models.reminders import DeliveryOutcome
from tests.conftest import require_postgres, truncate_all

from .conftest import make_runner

NOW = utc(2026, 3, 4, 12, 0)


class CountingSender:
    """Records each send instead of calling Telegram (thread-safe)."""

    def __init__(self, record: list[int], lock: threading.Lock) -> None:
        self._record, self._lock = record, lock

    async def send(self, nudge: Nudge) -> SendResult:
        await asyncio.sleep(0)  # let the other sends of this tick interleave
        with self._lock:
            self._record.append(nudge.chat_id)
            return SendResult.sent(len(self._record))


def seed(db: Database, users: int) -> int:
    """`users` runners in phase 2 (check-in and exercise reminders), all due now."""
    for user_id in range(1, users + 1):
        make_runner(
            db,
            10_000 + user_id,
            NOW - timedelta(days=1),
            stage="phase2",
            wake=time(6, 0),
            sleep=time(23, 30),
        )
    with db.session() as s:
        s.execute(
            update(Reminder)
            .where(col(Reminder.enabled).is_(True))
            .values(next_fire_at=NOW - timedelta(minutes=1), occurrence_date=NOW.date())
        )
        return len(s.exec(select(Reminder.id).where(col(Reminder.enabled).is_(True))).all())


def run_two_dispatchers(url: str, now: datetime) -> tuple[list[int], list[TickReport]]:
    sent: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(2)
    reports: list[TickReport] = []

    def worker(name: str) -> None:
        db = Database.from_url(url)  # a process of its own: its own engine and pool
        dispatcher = Dispatcher(db, CountingSender(sent, lock), owner=name, batch_size=10)
        barrier.wait()
        reports.append(asyncio.run(dispatcher.tick(now)))
        db.dispose()

    threads = [threading.Thread(target=worker, args=(f"d{i}",)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sent, reports


def assert_each_once(db: Database, due: int, sent: list[int], reports: list[TickReport]) -> None:
    assert len(sent) == due
    assert set(Counter(sent).values()) == {2}  # two reminders per user, each sent once
    with db.session() as s:
        rows = s.exec(select(Delivery.reminder_id, Delivery.local_date, Delivery.outcome)).all()
    assert len(rows) == due
    assert len({(r[0], r[1]) for r in rows}) == due
    assert {r[2] for r in rows} == {DeliveryOutcome.SENT}
    assert sum(r.claimed for r in reports) == due


def test_two_dispatchers_on_postgresql_deliver_each_occurrence_once():
    url = require_postgres()
    db = Database.from_url(url)
    db.upgrade()
    truncate_all(db)
    try:
        due = seed(db, 150)
        sent, reports = run_two_dispatchers(url, NOW)
        assert_each_once(db, due, sent, reports)
        assert all(r.claimed > 0 for r in reports), "both dispatchers should have taken a share"
    finally:
        truncate_all(db)
        db.dispose()


def test_two_dispatchers_on_sqlite_deliver_each_occurrence_once(database_url, db):
    due = seed(db, 40)
    sent, reports = run_two_dispatchers(database_url, NOW)
    assert_each_once(db, due, sent, reports)


def outcomes_of(db: Database, reminder_id: int) -> list[str]:
    with db.session() as s:
        return list(s.exec(select(Delivery.outcome).where(Delivery.reminder_id == reminder_id)))


async def test_an_expired_lease_never_leads_to_a_second_send(db):
    """A dispatcher claims a row and commits its delivery row (`queued`), then stalls past its
    lease before handing it to Telegram. Another dispatcher takes the row over and sends it -
    it was certainly not sent - and the stalled one, waking up, must not send it again."""
    seed(db, 1)
    sent: list[int] = []
    lock = threading.Lock()
    stalled = Dispatcher(db, CountingSender(sent, lock), owner="stalled")
    other = Dispatcher(db, CountingSender(sent, lock), owner="other")
    claimed = stalled.claim(NOW)
    assert len(claimed) == 2
    (pending,) = stalled.prepare([claimed[0]], NOW, TickReport())  # delivery row committed
    assert outcomes_of(db, claimed[0]) == [DeliveryOutcome.QUEUED]

    report = await other.tick(NOW + timedelta(minutes=3))  # the 2-minute lease ran out
    assert report.outcomes["reconciled_queued"] == 1
    assert report.outcomes[DeliveryOutcome.SENT] == 2  # that one, and the second reminder
    assert len(sent) == 2

    late = TickReport()
    await stalled._send_and_record([pending], NOW + timedelta(minutes=3), late)
    assert late.outcomes["taken_over"] == 1
    assert len(sent) == 2  # not a second time
    assert outcomes_of(db, claimed[0]) == [DeliveryOutcome.SENT]
    with db.session() as s:
        first = s.get(Reminder, claimed[0])
        assert first is not None
        assert first.next_fire_at is not None
        assert first.next_fire_at > NOW + timedelta(hours=12)  # moved on to tomorrow
        assert first.lease_owner is None


async def test_a_send_in_flight_past_the_lease_is_uncertain_and_never_repeated(db):
    """The stalled dispatcher had handed the nudge to Telegram (`sending`) when its lease ran
    out: the other records it as uncertain and does not send it; when the stalled send finally
    returns, its answer is kept."""
    seed(db, 1)
    sent: list[int] = []
    lock = threading.Lock()
    stalled = Dispatcher(db, CountingSender(sent, lock), owner="stalled")
    other = Dispatcher(db, CountingSender(sent, lock), owner="other")
    claimed = stalled.claim(NOW)
    (pending,) = stalled.prepare([claimed[0]], NOW, TickReport())
    assert stalled._mark_sending([pending]) == {pending.delivery_id}

    report = await other.tick(NOW + timedelta(minutes=3))
    assert report.outcomes["reconciled_uncertain"] == 1
    assert len(sent) == 1  # only the second reminder
    assert outcomes_of(db, claimed[0]) == [DeliveryOutcome.UNCERTAIN]

    stalled._record([pending], {pending.delivery_id: SendResult.sent(99)}, NOW, TickReport())
    assert outcomes_of(db, claimed[0]) == [DeliveryOutcome.SENT]
    with db.session() as s:
        first = s.get(Reminder, claimed[0])
        assert first is not None
        assert first.lease_owner is None  # the stalled write-back of the row was refused
        assert first.next_fire_at is not None
        assert first.next_fire_at > NOW + timedelta(hours=12)

"""The dispatcher works set by set: a batch costs a fixed number of SQL statements whatever its
size, decisions inside one batch see each other (the daily cap), and a zone written without
re-planning is still followed when a reminder of that user is claimed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, event, update
from sqlmodel import col

from bot.clock import utc
from bot.services.reminders.dispatcher import Dispatcher
from bot.services.reminders.nudge import Nudge, SendResult
from bot.storage.db import Database
from bot.storage.models import Delivery, Reminder, User
from bot.storage.models.reminders import DeliveryOutcome, ReminderKind

from .conftest import deliveries_of, make_runner, reminders_of

NOW = utc(2026, 3, 4, 12, 0)


class Accepting:
    """A sender that accepts everything and remembers what it got."""

    def __init__(self) -> None:
        self.nudges: list[Nudge] = []

    async def send(self, nudge: Nudge) -> SendResult:
        self.nudges.append(nudge)
        return SendResult.sent(len(self.nudges))


def _all_due(db: Database, kind: str | None = None) -> int:
    """Make every enabled reminder (of `kind`) due a minute ago; how many there are."""
    with db.session() as s:
        where = [col(Reminder.enabled).is_(True)]
        if kind is not None:
            where.append(col(Reminder.kind) == kind)
        result = s.execute(
            update(Reminder)
            .where(*where)
            .values(next_fire_at=NOW - timedelta(minutes=1), occurrence_date=NOW.date())
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def _only_checkins_due(db: Database, user_ids: range) -> None:
    """Nothing scheduled but the check-ins of `user_ids`, due a minute ago."""
    with db.session() as s:
        s.execute(update(Reminder).values(next_fire_at=None, occurrence_date=None))
        s.execute(
            update(Reminder)
            .where(col(Reminder.user_id).in_(user_ids), col(Reminder.kind) == ReminderKind.CHECKIN)
            .values(next_fire_at=NOW - timedelta(minutes=1), occurrence_date=NOW.date())
        )


async def _counted_tick(db: Database, concurrency: int = 30) -> tuple[int, int]:
    """One tick with a sender that accepts everything; (SQL statements, nudges sent)."""
    sender = Accepting()
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        await Dispatcher(db, sender, batch_size=100, concurrency=concurrency).tick(NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return statements, len(sender.nudges)


async def test_a_batch_costs_the_same_few_statements_whatever_its_size(db):
    for user_id in range(1, 44):
        make_runner(db, 500 + user_id, NOW - timedelta(days=1), stage="phase1")
    _only_checkins_due(db, range(501, 504))
    few, sent_few = await _counted_tick(db, concurrency=50)
    _only_checkins_due(db, range(504, 544))
    many, sent_many = await _counted_tick(db, concurrency=50)
    assert (sent_few, sent_many) == (3, 40)
    assert many == few  # per batch, not per reminder
    # claim; reminders, users, profiles, logs, deliveries; insert; mark sending; 2 writes
    assert few <= 10


async def test_each_group_of_sends_in_flight_costs_three_statements(db):
    """Sends are marked `sending` and recorded a group (`concurrency`) at a time, so a process
    that dies leaves at most one group in flight."""
    for user_id in range(1, 41):
        make_runner(db, 600 + user_id, NOW - timedelta(days=1), stage="phase1")
    _only_checkins_due(db, range(601, 641))
    one_group, sent = await _counted_tick(db, concurrency=40)
    _only_checkins_due(db, range(601, 641))
    with db.session() as s:  # forget today's deliveries, so the same 40 are due again
        s.execute(delete(Delivery))
    four_groups, sent_again = await _counted_tick(db, concurrency=10)
    assert sent == sent_again == 40
    assert four_groups == one_group + 3 * 3  # mark sending; outcomes; rows moved on


async def test_the_daily_cap_counts_what_the_same_batch_sends(db):
    make_runner(db, 140, NOW - timedelta(days=1), stage="price", cap=2)
    assert _all_due(db) == 4  # three icing nudges and the check-in, all at once
    sender = Accepting()
    report = await Dispatcher(db, sender).tick(NOW)
    assert len(sender.nudges) == 2
    assert report.outcomes[DeliveryOutcome.CAPPED] == 2
    outcomes = sorted(d.outcome for d in deliveries_of(db, 140))
    assert outcomes == sorted([DeliveryOutcome.SENT] * 2 + [DeliveryOutcome.CAPPED] * 2)
    # Every row moved on to tomorrow, capped or sent.
    assert all(
        r.next_fire_at is not None and r.next_fire_at > NOW + timedelta(hours=12)
        for r in reminders_of(db, 140)
        if r.enabled
    )


async def test_a_zone_written_without_replanning_is_followed_when_claimed(db):
    make_runner(db, 141, NOW - timedelta(days=1), stage="phase1")
    _all_due(db, ReminderKind.CHECKIN)
    with db.session() as s:
        user = s.get(User, 141)
        assert user is not None
        user.time_zone = "Asia/Tokyo"  # a raw write, bypassing set_time_zone
        s.add(user)
    sender = Accepting()
    report = await Dispatcher(db, sender).tick(NOW)
    assert sender.nudges == []  # not sent at the old zone's wall time
    # The check-in, and yesterday's exercise session (due since 18:00) that was never sent.
    assert report.outcomes["moved_zone"] == report.claimed == 2
    for row in reminders_of(db, 141):
        assert row.time_zone == "Asia/Tokyo"
        assert row.lease_owner is None
        assert row.next_fire_at is not None
        assert row.next_fire_at > NOW
        local = row.next_fire_at.astimezone(ZoneInfo("Asia/Tokyo"))
        assert local.time() == row.local_time  # the same wall time, in the new zone

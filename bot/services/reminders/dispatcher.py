"""The reminder dispatcher: one tick claims the due reminder rows, decides, sends, reschedules.

Called every ~30 s by the one JobQueue job (bot/telegram/jobs.py), after `/clock` in the
sandbox, and directly by tests with an injected `now`. It knows nothing of Telegram: each
message goes out as a plain `Nudge` through a `NudgeSender` (bot/services/reminders/nudge.py),
which bot/telegram/sender.py implements. Several dispatchers (processes) may run against one
PostgreSQL database:

- claiming takes a lease on each row (PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, then the
  lease; SQLite: one atomic UPDATE ... RETURNING), so two dispatchers never work on one row;
- before anything is sent, a `deliveries` row keyed (reminder, local date, slot) is committed,
  so an occurrence is sent at most once even if a lease expires mid-send or a process dies;
- an occurrence later than its kind's grace window is recorded as late and never sent.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.content import Content, get_content
from bot.services.reminders.nudge import Nudge, NudgeSender, SendOutcome, nudge_text
from bot.services.reminders.planner import (
    quiet_hours,
    reminded_task_done,
    schedule_from,
    stop_reminders,
)
from bot.services.reminders.rules import resolve
from bot.services.users import set_blocked
from bot.storage.db import Database
from bot.storage.models import Delivery, Profile, Reminder, User
from bot.storage.models.reminders import DeliveryOutcome, ReminderKind

log = logging.getLogger(__name__)

# How late an occurrence may still be sent; later ones are skipped (downtime, outages).
GRACE: dict[str, timedelta] = {
    ReminderKind.ICING: timedelta(hours=1),
    ReminderKind.EXERCISE: timedelta(hours=2),
    ReminderKind.CHECKIN: timedelta(hours=4),
    ReminderKind.WEEKLY_SUMMARY: timedelta(hours=12),
}
DEFAULT_GRACE = timedelta(hours=1)
# Occurrences that count toward the daily cap (a sent or possibly sent scheduled nudge).
_COUNTED = (DeliveryOutcome.SENT, DeliveryOutcome.SENDING, DeliveryOutcome.UNCERTAIN)


@dataclass
class TickReport:
    """What one tick did, for logs and tests."""

    claimed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    held_by_flood_control: bool = False


@dataclass(frozen=True)
class _Pending:
    """A claimed occurrence whose delivery row is committed and whose message is due out."""

    reminder_id: int
    user_id: int
    kind: str
    day: date
    slot: int
    delivery_id: int


class Dispatcher:
    """Dispatches due reminders; safe to run in several processes at once."""

    def __init__(
        self,
        db: Database,
        sender: NudgeSender,
        *,
        content: Content | None = None,
        owner: str | None = None,
        batch_size: int = 100,
        max_batches: int = 100,
        lease: timedelta = timedelta(minutes=2),
        retry_delay: timedelta = timedelta(minutes=2),
        concurrency: int = 30,
    ) -> None:
        self.db = db
        self.sender = sender
        self.content = content or get_content()
        self.owner = owner or f"dispatcher-{uuid.uuid4().hex[:12]}"
        self.batch_size = batch_size
        self.max_batches = max_batches
        self.lease = lease
        self.retry_delay = retry_delay
        self._slots = asyncio.Semaphore(concurrency)
        # Flood control: Telegram asked us to send nothing before this instant.
        self.not_before: datetime | None = None

    def may_send(self, now: datetime) -> bool:
        return self.not_before is None or now >= self.not_before

    # --- the tick --------------------------------------------------------------------------

    async def tick(self, now: datetime) -> TickReport:
        """Dispatch everything due at `now`, batch by batch, until nothing is due."""
        report = TickReport()
        if not self.may_send(now):
            report.held_by_flood_control = True
            return report
        for _ in range(self.max_batches):
            claimed = self.claim(now)
            if not claimed:
                break
            report.claimed += len(claimed)
            stopped = await self._process(claimed, now, report)
            if stopped:
                report.held_by_flood_control = True
                break
            if len(claimed) < self.batch_size:
                break
        if report.claimed:
            log.info(
                "tick owner=%s claimed=%s %s", self.owner, report.claimed, dict(report.outcomes)
            )
        return report

    def claim(self, now: datetime) -> list[int]:
        """Lease up to `batch_size` due rows to this dispatcher; return their ids."""
        due = (
            col(Reminder.enabled).is_(True),
            col(Reminder.next_fire_at).is_not(None),
            col(Reminder.next_fire_at) <= now,
            or_(col(Reminder.lease_until).is_(None), col(Reminder.lease_until) <= now),
        )
        lease = {"lease_owner": self.owner, "lease_until": now + self.lease}
        with self.db.session() as session:
            if self.db.dialect == "postgresql":
                ids = list(
                    session.exec(
                        select(Reminder.id)
                        .where(*due)
                        .order_by(col(Reminder.next_fire_at))
                        .limit(self.batch_size)
                        .with_for_update(skip_locked=True)
                    ).all()
                )
                if ids:
                    session.execute(
                        update(Reminder).where(col(Reminder.id).in_(ids)).values(**lease)
                    )
                return [i for i in ids if i is not None]
            # SQLite: one statement under the database's write lock is atomic.
            chosen = (
                select(Reminder.id)
                .where(*due)
                .order_by(col(Reminder.next_fire_at))
                .limit(self.batch_size)
                .scalar_subquery()
            )
            result = session.execute(
                update(Reminder)
                .where(col(Reminder.id).in_(chosen), *due)
                .values(**lease)
                .returning(col(Reminder.id))
            )
            return [int(row[0]) for row in result]

    async def _process(self, ids: Sequence[int], now: datetime, report: TickReport) -> bool:
        """Work through claimed rows concurrently (the rate limiter paces the sends); True if
        flood control stopped the tick."""
        stop = asyncio.Event()

        async def one(reminder_id: int) -> None:
            async with self._slots:
                if stop.is_set() or not self.may_send(now):
                    self._release([reminder_id])
                    report.outcomes["released"] += 1
                    return
                pending = self._prepare(reminder_id, now, report)
                if pending is None:
                    return
                await self._send(pending, now, report, stop)

        await asyncio.gather(*(one(i) for i in ids))
        return stop.is_set()

    # --- deciding ---------------------------------------------------------------------------

    def _prepare(self, reminder_id: int, now: datetime, report: TickReport) -> _Pending | None:
        """Decide one claimed row. Either settle it (skip and reschedule) or commit its
        `sending` delivery row and return what to send."""
        try:
            decided = self._decide(reminder_id, now, report)
        except IntegrityError:
            # Another dispatcher recorded this occurrence first (its lease had run out).
            self._settle(reminder_id, now)
            report.outcomes["duplicate_prevented"] += 1
            return None
        if decided is None:
            return None
        user_id, kind, day, slot, due = decided
        delivery = Delivery(
            reminder_id=reminder_id,
            user_id=user_id,
            kind=kind,
            local_date=day,
            slot=slot,
            outcome=DeliveryOutcome.SENDING,
            due_at=due,
            decided_at=now,
        )
        try:
            with self.db.session() as session:
                session.add(delivery)
        except IntegrityError:
            # Another dispatcher already owns this occurrence: never a second send.
            self._settle(reminder_id, now)
            report.outcomes["duplicate_prevented"] += 1
            return None
        assert delivery.id is not None
        return _Pending(reminder_id, user_id, kind, day, slot, delivery.id)

    def _decide(
        self, reminder_id: int, now: datetime, report: TickReport
    ) -> tuple[int, str, date, int, datetime] | None:
        """Settle a row that must not be sent now; else return (user, kind, day, slot, due)."""
        with self.db.session() as session:
            row = session.get(Reminder, reminder_id)
            if row is None or row.lease_owner != self.owner or row.next_fire_at is None:
                return None  # gone, or our lease ran out and another dispatcher has it
            user = session.get(User, row.user_id)
            profile = session.get(Profile, row.user_id)
            if user is None or not user.is_active or not user.time_zone:
                stop_reminders(session, row.user_id, now)
                report.outcomes[DeliveryOutcome.INACTIVE] += 1
                return None
            if profile is None or not profile.reminders_enabled or not row.enabled:
                row.enabled, row.next_fire_at, row.occurrence_date = False, None, None
                _unlease(row)
                session.add(row)
                report.outcomes["disabled"] += 1
                return None
            if row.time_zone != user.time_zone:
                # A zone written without re-planning (`set_time_zone` re-plans; a raw write
                # does not): follow the new zone's wall clock rather than fire at the old one.
                row.time_zone = user.time_zone
                if row.send_slot == 0:
                    schedule_from(row, now)
                _unlease(row)
                session.add(row)
                report.outcomes["moved_zone"] += 1
                return None
            due = row.next_fire_at
            day = row.occurrence_date or due.date()
            slot = row.send_slot
            outcome = self._skip_reason(session, row, user.time_zone, profile, due, day, now)
            if outcome is not None:
                _record(session, row, day, slot, outcome, due, now)
                _advance(row, now)
                session.add(row)
                report.outcomes[outcome] += 1
                return None
            return row.user_id, row.kind, day, slot, due

    def _skip_reason(
        self,
        session: Session,
        row: Reminder,
        zone: str,
        profile: Profile,
        due: datetime,
        day: date,
        now: datetime,
    ) -> DeliveryOutcome | None:
        if profile.paused_indefinitely or (
            profile.paused_until is not None and now < profile.paused_until
        ):
            return DeliveryOutcome.PAUSED
        if now - due > GRACE.get(row.kind, DEFAULT_GRACE):
            return DeliveryOutcome.LATE
        if reminded_task_done(session, row, day):
            return DeliveryOutcome.DONE
        quiet = quiet_hours(profile)
        if quiet.contains_instant(due, zone) or quiet.contains_instant(now, zone):
            return DeliveryOutcome.QUIET
        if row.send_slot == 0:
            # Snoozed repeats were asked for, so only scheduled nudges count toward the cap.
            sent_today = session.exec(
                select(func.count())
                .select_from(Delivery)
                .where(
                    Delivery.user_id == row.user_id,
                    Delivery.local_date == day,
                    Delivery.slot == 0,
                    col(Delivery.outcome).in_(_COUNTED),
                )
            ).one()
            if sent_today >= profile.daily_nudge_cap:
                return DeliveryOutcome.CAPPED
        return None

    # --- sending ----------------------------------------------------------------------------

    async def _send(
        self, pending: _Pending, now: datetime, report: TickReport, stop: asyncio.Event
    ) -> None:
        nudge = Nudge(
            chat_id=pending.user_id,
            reminder_id=pending.reminder_id,
            kind=pending.kind,
            slot=pending.slot,
            local_date=pending.day,
            text=nudge_text(pending.kind, pending.day, self.content),
        )
        result = await self.sender.send(nudge)
        with self.db.session() as session:
            delivery = session.get(Delivery, pending.delivery_id)
            row = session.get(Reminder, pending.reminder_id)
            if delivery is None or row is None:
                return  # the user deleted their data meanwhile
            if result.outcome in (SendOutcome.RETRY_AFTER, SendOutcome.FAILED):
                # Nothing was sent: forget the claim on the occurrence so it can go later.
                session.delete(delivery)
                _unlease(row)
                if result.outcome == SendOutcome.FAILED:
                    row.lease_until = now + self.retry_delay  # a "not before" for this row
                else:
                    self._hold_until(now + timedelta(seconds=result.retry_after))
                    stop.set()
                session.add(row)
                report.outcomes[result.outcome] += 1
                return
            if result.outcome == SendOutcome.BLOCKED:
                delivery.outcome = DeliveryOutcome.INACTIVE
                session.add(delivery)
                set_blocked(session, pending.user_id, True, now)
                report.outcomes[DeliveryOutcome.INACTIVE] += 1
                return
            delivery.outcome = (
                DeliveryOutcome.SENT
                if result.outcome == SendOutcome.SENT
                else DeliveryOutcome.UNCERTAIN
            )
            delivery.message_id = result.message_id
            session.add(delivery)
            _advance(row, now)
            session.add(row)
            report.outcomes[delivery.outcome] += 1

    def _hold_until(self, until: datetime) -> None:
        if self.not_before is None or until > self.not_before:
            self.not_before = until

    # --- small steps ------------------------------------------------------------------------

    def _settle(self, reminder_id: int, now: datetime) -> None:
        with self.db.session() as session:
            row = session.get(Reminder, reminder_id)
            if row is not None and row.lease_owner == self.owner:
                _advance(row, now)
                session.add(row)

    def _release(self, ids: Sequence[int]) -> None:
        with self.db.session() as session:
            session.execute(
                update(Reminder)
                .where(col(Reminder.id).in_(ids), col(Reminder.lease_owner) == self.owner)
                .values(lease_owner=None, lease_until=None)
            )


def _unlease(row: Reminder) -> None:
    row.lease_owner, row.lease_until = None, None


def _advance(row: Reminder, now: datetime) -> None:
    """Move past the current occurrence to the first regular one after it (and after now)."""
    after = now
    if row.occurrence_date is not None:
        after = max(now, resolve(row.occurrence_date, row.local_time, row.time_zone))
    schedule_from(row, after)
    _unlease(row)


def _record(
    session: Session,
    row: Reminder,
    day: date,
    slot: int,
    outcome: DeliveryOutcome,
    due: datetime,
    now: datetime,
) -> None:
    """Record a skipped occurrence (history, and a key no other dispatcher can send under)."""
    assert row.id is not None
    exists = session.exec(
        select(Delivery.id).where(
            Delivery.reminder_id == row.id, Delivery.local_date == day, Delivery.slot == slot
        )
    ).first()
    if exists is None:
        session.add(
            Delivery(
                reminder_id=row.id,
                user_id=row.user_id,
                kind=row.kind,
                local_date=day,
                slot=slot,
                outcome=outcome,
                due_at=due,
                decided_at=now,
            )
        )

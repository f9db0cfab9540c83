"""The reminder dispatcher: one tick claims the due reminder rows, decides, sends, reschedules.

Called every ~30 s by the one JobQueue job (bot/telegram/jobs.py), after `/clock` in the
sandbox, and directly by tests with an injected `now`. It knows nothing of Telegram: each
message goes out as a plain `Nudge` through a `NudgeSender` (bot/services/reminders/nudge.py),
which bot/telegram/sender.py implements.

It works set by set, not row by row: a batch of up to `batch_size` rows is claimed in one
statement, decided with the batch's reminders, users and profiles, today's task logs and
daily-cap counts loaded in one query each, recorded with one multi-row insert of delivery
rows, and after the sends its outcomes and next occurrences (computed in memory) are written
back in one statement per table (on PostgreSQL, lists travel as array parameters: `= ANY`,
and inserts and updates joined to `unnest`, so a statement's text does not grow with the
batch). The database work runs in a worker thread, so the event loop
keeps serving updates during a wave. Several dispatchers (processes) may run against one
PostgreSQL database:

- claiming takes a lease on each row (one `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP
  LOCKED) RETURNING` the whole rows; SQLite runs the same statement atomically under its write
  lock), so two dispatchers never work on one row, and every later write of the row checks the
  lease;
- before anything is sent, a `deliveries` row keyed (reminder, local date, slot) is committed
  as `queued` (`INSERT ... ON CONFLICT DO NOTHING RETURNING`: an occurrence another dispatcher
  already recorded comes back missing and is not sent);
- just before a group of sends is handed to the sender, their rows move `queued` -> `sending`
  in one compare-and-set `UPDATE ... RETURNING`: only the dispatcher whose update moved a row
  sends it, so an occurrence is sent at most once even if a lease expires mid-send;
- the outcomes are recorded group by group, so a process that dies leaves at most one
  group in `sending`. The next dispatcher to claim such a row reconciles it: `queued` was
  certainly not sent and goes out if still wanted and within its grace window (it already
  holds its place under the daily cap); `sending` may have arrived and is recorded as
  `uncertain`, never sent again, counted once;
- an occurrence later than its kind's grace window is recorded as late and never sent.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, any_, bindparam, delete, or_, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel import Session, col, select

from bot import metrics
from bot.content import Content, get_content
from bot.services.plan_state import tasks_for_day
from bot.services.reminders.nudge import (
    Nudge,
    NudgeSender,
    SendOutcome,
    SendResult,
    nudge_text,
)
from bot.services.reminders.planner import (
    quiet_hours,
    reminded_task_done,
    schedule_from,
    stop_reminders,
)
from bot.services.reminders.rules import resolve
from bot.services.users import set_blocked
from bot.storage.db import Database
from bot.storage.models import (
    Delivery,
    KujalaRun,
    KujalaStatus,
    PlanStateRecord,
    Profile,
    Reminder,
    TaskLog,
    User,
)
from bot.storage.models.reminders import DeliveryOutcome, ReminderKind
from bot.storage.upsert import insert_for

log = logging.getLogger(__name__)

# How late an occurrence may still be sent; later ones are skipped (downtime, outages).
GRACE: dict[str, timedelta] = {
    ReminderKind.ICING: timedelta(hours=1),
    ReminderKind.EXERCISE: timedelta(hours=2),
    ReminderKind.CHECKIN: timedelta(hours=4),
    ReminderKind.WEEKLY_SUMMARY: timedelta(hours=12),
}
DEFAULT_GRACE = timedelta(hours=1)
# Occurrences that count toward the daily cap (a sent, possibly sent or about to be sent
# scheduled nudge).
_COUNTED = frozenset(
    {
        DeliveryOutcome.SENT,
        DeliveryOutcome.QUEUED,
        DeliveryOutcome.SENDING,
        DeliveryOutcome.UNCERTAIN,
    }
)
# Reasons not to send an occurrence that are recorded as its delivery row (history, and a key
# no other dispatcher can send under); the others only reschedule the row.
_RECORDED = frozenset(
    {
        DeliveryOutcome.PAUSED,
        DeliveryOutcome.LATE,
        DeliveryOutcome.DONE,
        DeliveryOutcome.ANSWERING,
        DeliveryOutcome.QUIET,
        DeliveryOutcome.CAPPED,
    }
)

_REMINDERS: Table = Reminder.__table__  # type: ignore[attr-defined]
_DELIVERIES: Table = Delivery.__table__  # type: ignore[attr-defined]
# The columns a dispatcher writes back to a claimed row (all of them, every time, so a batch
# is one executemany), guarded by its lease.
_WRITE_BACK = update(_REMINDERS).where(
    _REMINDERS.c.id == bindparam("row_id"),
    _REMINDERS.c.lease_owner == bindparam("owner"),
)
_WRITTEN = ("enabled", "time_zone", "next_fire_at", "occurrence_date", "send_slot")
# PostgreSQL: a batch's delivery rows as one INSERT from arrays (every row of a batch is
# decided at the same instant).
_UNNESTED = (
    ("reminder_id", "integer"),
    ("user_id", "bigint"),
    ("kind", "varchar"),
    ("local_date", "date"),
    ("slot", "integer"),
    ("outcome", "varchar"),
    ("due_at", "timestamptz"),
)
_WRITE_BACK_UNNESTED = text(
    "UPDATE reminders SET enabled = v.enabled, time_zone = v.time_zone,"
    " next_fire_at = v.next_fire_at, occurrence_date = v.occurrence_date,"
    " send_slot = v.send_slot, lease_owner = NULL, lease_until = v.not_before,"
    " updated_at = CAST(:now AS timestamptz)"
    " FROM unnest(CAST(:row_id AS integer[]), CAST(:enabled AS boolean[]),"
    " CAST(:time_zone AS varchar[]), CAST(:next_fire_at AS timestamptz[]),"
    " CAST(:occurrence_date AS date[]), CAST(:send_slot AS integer[]),"
    " CAST(:not_before AS timestamptz[]))"
    " AS v(row_id, enabled, time_zone, next_fire_at, occurrence_date, send_slot, not_before)"
    " WHERE reminders.id = v.row_id AND reminders.lease_owner = :owner"
)
_OUTCOMES_UNNESTED = text(
    "UPDATE deliveries SET outcome = v.outcome, message_id = v.message_id"
    " FROM unnest(CAST(:delivery_id AS integer[]), CAST(:new_outcome AS varchar[]),"
    " CAST(:sent_id AS bigint[])) AS v(delivery_id, outcome, message_id)"
    " WHERE deliveries.id = v.delivery_id"
)
_INSERT_UNNESTED = text(
    "INSERT INTO deliveries ("
    + ", ".join(name for name, _ in _UNNESTED)
    + ", decided_at) SELECT *, CAST(:decided_at AS timestamptz) FROM unnest("
    + ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in _UNNESTED)
    + ") ON CONFLICT (reminder_id, local_date, slot) DO NOTHING"
    " RETURNING reminder_id, id, outcome"
)


@dataclass
class TickReport:
    """What one tick did, for logs and tests."""

    claimed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    held_by_flood_control: bool = False


@dataclass(frozen=True)
class Pending:
    """A claimed occurrence whose `sending` delivery row is committed: the nudge to send."""

    nudge: Nudge
    delivery_id: int
    row: Reminder  # detached; its next occurrence is computed in memory after the send


@dataclass
class _Batch:
    """What deciding a batch loads: one query per table, for every row of the batch."""

    rows: list[Reminder]
    users: dict[int, User]
    profiles: dict[int, Profile]
    logged: dict[tuple[int, date], set[str]]
    counted: Counter[tuple[int, date]]
    # Delivery rows already recorded for the rows' current occurrences (a dispatcher died or
    # its lease ran out before it moved the row on): (reminder, day, slot) -> (id, outcome).
    recorded: dict[tuple[int, date, int], tuple[int, str]]
    # Users of the batch's knee-score reminders who are answering a knee score right now.
    scoring: set[int] = field(default_factory=set)


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
        # How many sends are in flight at once; also the group recorded together, so at most
        # this many are left `sending` (and become `uncertain`) if the process dies.
        self.concurrency = concurrency
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
            # The database work of a batch runs in a worker thread: the loop stays free.
            pending, claimed = await asyncio.to_thread(self._claim_and_prepare, now, report)
            if not claimed:
                break
            report.claimed += claimed
            await self._send_and_record(pending, now, report)
            if not self.may_send(now):
                report.held_by_flood_control = True
                break
            if claimed < self.batch_size:
                break
        if report.claimed:
            log.info(
                "tick owner=%s claimed=%s %s", self.owner, report.claimed, dict(report.outcomes)
            )
        return report

    def _claim_and_prepare(self, now: datetime, report: TickReport) -> tuple[list[Pending], int]:
        rows = self._claim_rows(now)
        ids = [row.id for row in rows if row.id is not None]
        return (self.prepare(ids, now, report, claimed=rows) if rows else []), len(rows)

    # --- claiming ---------------------------------------------------------------------------

    def claim(self, now: datetime) -> list[int]:
        """Lease up to `batch_size` due rows to this dispatcher (one statement); their ids."""
        return [row.id for row in self._claim_rows(now) if row.id is not None]

    def _claim_rows(self, now: datetime) -> list[Reminder]:
        """Lease up to `batch_size` due rows (one statement that returns them whole, so
        deciding does not read them again); detached, in due order."""
        with self.db.session() as session:
            rows = list(session.scalars(self.claim_statement(now)))
            session.expunge_all()  # worked on in memory, written back in one statement
        rows.sort(key=lambda row: (row.next_fire_at, row.id))
        return rows

    def claim_statement(self, now: datetime) -> Any:
        """The claim: lease the first `batch_size` due rows, returning them (also EXPLAINed by
        benchmarks/reminder_wave.py)."""
        due = (
            col(Reminder.enabled).is_(True),
            col(Reminder.next_fire_at).is_not(None),
            col(Reminder.next_fire_at) <= now,
            or_(col(Reminder.lease_until).is_(None), col(Reminder.lease_until) <= now),
        )
        # PostgreSQL locks the chosen rows and skips those another dispatcher is claiming;
        # SQLite renders no FOR UPDATE and runs the statement under its write lock.
        chosen = (
            select(Reminder.id)
            .where(*due)
            .order_by(col(Reminder.next_fire_at))
            .limit(self.batch_size)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        return (
            update(Reminder)
            .where(col(Reminder.id).in_(chosen), *due)
            .values(lease_owner=self.owner, lease_until=now + self.lease)
            .returning(Reminder)
            .execution_options(synchronize_session=False)
        )

    # --- deciding ---------------------------------------------------------------------------

    def prepare(
        self,
        ids: Sequence[int],
        now: datetime,
        report: TickReport,
        claimed: list[Reminder] | None = None,
    ) -> list[Pending]:
        """Decide a claimed batch in one unit of work. Rows that must not be sent now are
        settled (recorded and rescheduled); for the rest a `sending` delivery row is committed,
        and they are returned, to be sent. `claimed`: the rows as the claim returned them."""
        with self.db.session() as session:
            batch = self._load(session, ids, claimed)
            settled: list[Reminder] = []
            records: list[dict[str, Any]] = []  # delivery rows to insert
            relabels: list[dict[str, Any]] = []  # delivery rows left by an earlier claim
            dropped: list[int] = []  # `queued` rows of occurrences no longer sent or recorded
            to_send: list[Reminder] = []
            resumed: dict[int, int] = {}  # reminder id -> its `queued` delivery row
            stopped: set[int] = set()
            for row in batch.rows:
                assert row.id is not None
                left = batch.recorded.get((row.id, _day(row), row.send_slot))
                if left is not None and left[1] != DeliveryOutcome.QUEUED:
                    # Handed to Telegram (`sending`) by a dispatcher that died or stalled past
                    # its lease: it may have arrived, so it is never sent again. Any other
                    # outcome: already settled. Either way the row moves on.
                    if left[1] == DeliveryOutcome.SENDING:
                        relabels.append(
                            _relabel(left[0], DeliveryOutcome.SENDING, DeliveryOutcome.UNCERTAIN)
                        )
                        _count(report, row, "reconciled_uncertain")
                    else:
                        _count(report, row, "duplicate_prevented")
                    _advance(row, now)
                    settled.append(row)
                    continue
                outcome = self._decide(session, batch, row, now, stopped, left is not None)
                if outcome is None:
                    if left is not None:
                        # Recorded but never handed to Telegram: send it under the same row.
                        resumed[row.id] = left[0]
                        report.outcomes["reconciled_queued"] += 1
                    to_send.append(row)
                    continue
                _count(report, row, outcome)
                if left is not None:
                    if outcome in _RECORDED:
                        relabels.append(
                            _relabel(left[0], DeliveryOutcome.QUEUED, DeliveryOutcome(outcome))
                        )
                    else:
                        dropped.append(left[0])
                if outcome == DeliveryOutcome.INACTIVE:
                    continue  # stop_reminders unscheduled every row of the user
                if outcome in _RECORDED:
                    if left is None:
                        records.append(_delivery(row, DeliveryOutcome(outcome), now))
                    _advance(row, now)
                settled.append(row)
            records += [
                _delivery(row, DeliveryOutcome.QUEUED, now)
                for row in to_send
                if row.id not in resumed
            ]
            recorded = self._insert_deliveries(session, records) | resumed
            self._reconcile(session, relabels, dropped, now)
            pending: list[Pending] = []
            for row in to_send:
                assert row.id is not None
                delivery_id = recorded.get(row.id)
                if delivery_id is None:
                    # Another dispatcher recorded this occurrence first (its lease had run
                    # out): never a second send; move on to the next occurrence.
                    _advance(row, now)
                    settled.append(row)
                    _count(report, row, "duplicate_prevented")
                    continue
                pending.append(Pending(self._nudge(row), delivery_id, row))
            self._write_back(session, settled, now)
        return pending

    def _load(
        self, session: Session, ids: Sequence[int], claimed: list[Reminder] | None = None
    ) -> _Batch:
        if claimed is None:
            claimed = list(
                session.exec(
                    select(Reminder)
                    .where(self._among(Reminder.id, ids), Reminder.lease_owner == self.owner)
                    .order_by(col(Reminder.next_fire_at), col(Reminder.id))
                ).all()
            )
            for row in claimed:
                session.expunge(row)  # worked on in memory, written back in one statement
        rows = claimed
        user_ids = sorted({row.user_id for row in rows})
        days = sorted(
            {row.occurrence_date or row.next_fire_at.date() for row in rows if row.next_fire_at}
        )
        users: dict[int, User] = {}
        profiles: dict[int, Profile] = {}
        # Users and their profiles in one query (a user without a profile comes back alone).
        for user, profile in session.exec(
            select(User, Profile)
            .outerjoin(Profile, col(Profile.user_id) == col(User.id))
            .where(self._among(User.id, user_ids))
        ):
            users[user.id] = user
            if profile is not None:
                profiles[profile.user_id] = profile
        logged: dict[tuple[int, date], set[str]] = defaultdict(set)
        counted: Counter[tuple[int, date]] = Counter()
        recorded: dict[tuple[int, date, int], tuple[int, str]] = {}
        row_ids = {row.id for row in rows}
        if rows:
            for user_id, day, task_id in session.exec(
                select(col(TaskLog.user_id), col(TaskLog.local_date), col(TaskLog.task_id)).where(
                    self._among(TaskLog.user_id, user_ids), self._among(TaskLog.local_date, days)
                )
            ):
                logged[(user_id, day)].add(task_id)
            # The users' deliveries of those days (a few each): the daily-cap counts, and the
            # rows a dead or stalled dispatcher left for the batch's occurrences.
            for d in session.exec(
                select(Delivery).where(
                    self._among(Delivery.user_id, user_ids),
                    self._among(Delivery.local_date, days),
                )
            ):
                if d.slot == 0 and d.outcome in _COUNTED:
                    counted[(d.user_id, d.local_date)] += 1
                if d.reminder_id in row_ids:
                    assert d.id is not None
                    recorded[(d.reminder_id, d.local_date, d.slot)] = (d.id, d.outcome)
        scoring: set[int] = set()
        offered = sorted({row.user_id for row in rows if row.kind == ReminderKind.KUJALA})
        if offered:
            # A knee-score nudge in the middle of answering one would start it afresh (and
            # drop the answers so far) if pressed: not sent. One query, only when the batch
            # offers the score to anyone.
            scoring = set(
                session.exec(
                    select(col(KujalaRun.user_id)).where(
                        self._among(KujalaRun.user_id, offered),
                        col(KujalaRun.status) == KujalaStatus.IN_PROGRESS,
                    )
                )
            )
        if logged:
            # Whose plan is needed to tell whether the reminded task is done: load their plan
            # states in one query, so building each day's plan reads the session, not the
            # database.
            planned = {user_id for user_id, _ in logged}
            session.exec(
                select(PlanStateRecord).where(self._among(PlanStateRecord.user_id, sorted(planned)))
            ).all()
        return _Batch(rows, users, profiles, logged, counted, recorded, scoring)

    def _among(self, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
        """`column` is one of `values`. PostgreSQL gets one array parameter (`= ANY(:values)`):
        the same statement text for any batch, so psycopg converts it once and the server plans
        it once, where an IN list would render a new statement per length."""
        if isinstance(column, InstrumentedAttribute):
            column = column.expression
        if self.db.dialect == "postgresql":
            return column == any_(  # type: ignore[no-any-return]
                bindparam(None, list(values), type_=postgresql.ARRAY(column.type))
            )
        return column.in_(list(values))  # type: ignore[no-any-return]

    def _decide(
        self,
        session: Session,
        batch: _Batch,
        row: Reminder,
        now: datetime,
        stopped: set[int],
        holds_place: bool = False,
    ) -> str | None:
        """Why `row` is not sent now (and settle it in memory), or None: send it.

        `holds_place`: the occurrence already has a `queued` delivery row, which the daily cap
        counted when it was recorded; it is not counted again."""
        assert row.next_fire_at is not None
        user = batch.users.get(row.user_id)
        profile = batch.profiles.get(row.user_id)
        if user is None or not user.is_active or not user.time_zone:
            if row.user_id not in stopped:
                stop_reminders(session, row.user_id, now)
                stopped.add(row.user_id)
            return DeliveryOutcome.INACTIVE
        if profile is None or not profile.reminders_enabled or not row.enabled:
            row.enabled, row.next_fire_at, row.occurrence_date = False, None, None
            _unlease(row)
            return "disabled"
        if row.time_zone != user.time_zone:
            # A zone written without re-planning (`set_time_zone` re-plans; a raw write does
            # not): follow the new zone's wall clock rather than fire at the old one.
            row.time_zone = user.time_zone
            if row.send_slot == 0:
                schedule_from(row, now)
            _unlease(row)
            return "moved_zone"
        due = row.next_fire_at
        day = row.occurrence_date or due.date()
        if profile.paused_indefinitely or (
            profile.paused_until is not None and now < profile.paused_until
        ):
            return DeliveryOutcome.PAUSED
        if now - due > GRACE.get(row.kind, DEFAULT_GRACE):
            return DeliveryOutcome.LATE
        logged = batch.logged.get((row.user_id, day), set())
        if logged and reminded_task_done(
            row.kind, row.slot, logged, tasks_for_day(session, row.user_id, day)
        ):
            return DeliveryOutcome.DONE
        if row.kind == ReminderKind.KUJALA and row.user_id in batch.scoring:
            return DeliveryOutcome.ANSWERING
        quiet = quiet_hours(profile)
        if quiet.contains_instant(due, user.time_zone) or quiet.contains_instant(
            now, user.time_zone
        ):
            return DeliveryOutcome.QUIET
        if row.send_slot == 0 and not holds_place:
            # Snoozed repeats were asked for, so only scheduled nudges count toward the cap;
            # the nudges this batch is about to send count too.
            if batch.counted[(row.user_id, day)] >= profile.daily_nudge_cap:
                return DeliveryOutcome.CAPPED
            batch.counted[(row.user_id, day)] += 1
        return None

    def _nudge(self, row: Reminder) -> Nudge:
        assert row.id is not None
        assert row.next_fire_at is not None
        day = row.occurrence_date or row.next_fire_at.date()
        return Nudge(
            chat_id=row.user_id,
            reminder_id=row.id,
            kind=row.kind,
            slot=row.send_slot,
            local_date=day,
            text=nudge_text(row.kind, day, self.content),
        )

    def _insert_deliveries(self, session: Session, records: list[dict[str, Any]]) -> dict[int, int]:
        """Insert the batch's delivery rows in one statement, skipping occurrences that are
        already recorded; {reminder id: delivery id} of the rows inserted."""
        if not records:
            return {}
        if self.db.dialect == "postgresql":
            # One array per column, unnested server-side: a short statement whatever the batch
            # size (a multi-row VALUES list is long, and psycopg re-parses it on every call).
            result = session.execute(
                _INSERT_UNNESTED,
                {
                    **{name: [r[name] for r in records] for name, _ in _UNNESTED},
                    "decided_at": records[0]["decided_at"],
                },
            )
            return {
                int(reminder_id): int(delivery_id)
                for reminder_id, delivery_id, outcome in result
                if outcome == DeliveryOutcome.QUEUED
            }
        statement = (
            insert_for(session)(_DELIVERIES)
            .on_conflict_do_nothing(index_elements=["reminder_id", "local_date", "slot"])
            .returning(_DELIVERIES.c.reminder_id, _DELIVERIES.c.id, _DELIVERIES.c.outcome)
        )
        # Many parameter sets with RETURNING: SQLAlchemy sends them as one multi-row INSERT
        # ("insertmanyvalues"), compiled once and cached, not one statement per row.
        return {
            int(reminder_id): int(delivery_id)
            for reminder_id, delivery_id, outcome in session.execute(statement, records)
            if outcome == DeliveryOutcome.QUEUED
        }

    def _reconcile(
        self,
        session: Session,
        relabels: list[dict[str, Any]],
        dropped: list[int],
        now: datetime,
    ) -> None:
        """Settle delivery rows an earlier claim left behind: each update only if the row is
        still as it was loaded (a stalled dispatcher may be writing it too)."""
        if relabels:
            session.execute(
                update(_DELIVERIES)
                .where(
                    _DELIVERIES.c.id == bindparam("delivery_id"),
                    _DELIVERIES.c.outcome == bindparam("old_outcome"),
                )
                .values(outcome=bindparam("new_outcome"), decided_at=now),
                relabels,
            )
        if dropped:
            session.execute(
                delete(_DELIVERIES).where(
                    self._among(_DELIVERIES.c.id, dropped),
                    _DELIVERIES.c.outcome == DeliveryOutcome.QUEUED,
                )
            )

    def _write_back(self, session: Session, rows: Sequence[Reminder], now: datetime) -> None:
        """Write the rows' new state (computed in memory, lease released) in one statement;
        a row whose lease another dispatcher took over meanwhile is left alone."""
        if not rows:
            return
        if self.db.dialect == "postgresql":
            # One UPDATE joined to the rows' new values as arrays, not one per row.
            session.execute(
                _WRITE_BACK_UNNESTED,
                {
                    "row_id": [row.id for row in rows],
                    **{name: [getattr(row, name) for row in rows] for name in _WRITTEN},
                    "not_before": [row.lease_until for row in rows],
                    "owner": self.owner,
                    "now": now,
                },
            )
            return
        session.execute(
            _WRITE_BACK.values(
                **{name: bindparam(f"new_{name}") for name in _WRITTEN},
                lease_owner=None,
                lease_until=bindparam("not_before"),  # a "not before" after a failed send
                updated_at=bindparam("now"),
            ),
            [
                {
                    "row_id": row.id,
                    "owner": self.owner,
                    **{f"new_{name}": getattr(row, name) for name in _WRITTEN},
                    "not_before": row.lease_until,
                    "now": now,
                }
                for row in rows
            ],
        )

    @contextmanager
    def _unit(self, within: Session | None) -> Iterator[Session]:
        """`within` if given (the caller commits), else a new unit of work."""
        if within is not None:
            yield within
            return
        with self.db.session() as session:
            yield session

    # --- sending ----------------------------------------------------------------------------

    async def _send_and_record(
        self, pending: Sequence[Pending], now: datetime, report: TickReport
    ) -> None:
        """Send the batch group by group (`concurrency` at a time): mark the group `sending`,
        send it, record its outcomes. What flood control stops is released unsent.

        A group's outcomes and the next group's move to `sending` are committed together (one
        unit of work per group, not two): still at most one group is ever `sending`."""
        groups = [
            pending[start : start + self.concurrency]
            for start in range(0, len(pending), self.concurrency)
        ]
        if not groups:
            return
        if not self.may_send(now):
            await asyncio.to_thread(self._record, pending, {}, now, report)
            return
        ours = await asyncio.to_thread(self._mark_sending, groups[0])
        for index, group in enumerate(groups):
            if len(ours) < len(group):
                # Another dispatcher took these occurrences over after our lease ran out; it
                # sends or settles them, and our write-back of their rows would be refused.
                report.outcomes["taken_over"] += len(group) - len(ours)
                group = [item for item in group if item.delivery_id in ours]
            results = await self._send_all(group, now)
            rest = [item for later in groups[index + 1 :] for item in later]
            if rest and not self.may_send(now):
                # Flood control: record this group and release the rest unsent.
                await asyncio.to_thread(self._record, [*group, *rest], results, now, report)
                return
            following = groups[index + 1] if index + 1 < len(groups) else []
            ours = await asyncio.to_thread(
                self._record_and_mark, group, results, following, now, report
            )

    def _record_and_mark(
        self,
        group: Sequence[Pending],
        results: dict[int, SendResult | None],
        following: Sequence[Pending],
        now: datetime,
        report: TickReport,
    ) -> set[int]:
        """Record `group`'s outcomes and move `following` to `sending`, in one unit of work."""
        with self.db.session() as session:
            self._record(group, results, now, report, session)
            return self._mark_sending(following, session) if following else set()

    def _mark_sending(self, group: Sequence[Pending], within: Session | None = None) -> set[int]:
        """Move the group's delivery rows `queued` -> `sending` (one compare-and-set); the ids
        this dispatcher moved, and so may send. `within`: a unit of work to do it in."""
        with self._unit(within) as session:
            result = session.execute(
                update(_DELIVERIES)
                .where(
                    self._among(_DELIVERIES.c.id, [item.delivery_id for item in group]),
                    _DELIVERIES.c.outcome == DeliveryOutcome.QUEUED,
                )
                .values(outcome=DeliveryOutcome.SENDING)
                .returning(_DELIVERIES.c.id)
            )
            return {int(row[0]) for row in result}

    async def _send_all(
        self, group: Sequence[Pending], now: datetime
    ) -> dict[int, SendResult | None]:
        """Send a group concurrently (the sender paces itself); {delivery id: result}, None
        for a nudge not sent because flood control stopped the group."""
        results: dict[int, SendResult | None] = {}

        async def one(item: Pending) -> None:
            if not self.may_send(now):
                results[item.delivery_id] = None
                return
            result = await self.sender.send(item.nudge)
            if result.outcome == SendOutcome.RETRY_AFTER:
                until = now + timedelta(seconds=result.retry_after)
                if self.not_before is None or until > self.not_before:
                    self.not_before = until
            results[item.delivery_id] = result

        await asyncio.gather(*(one(item) for item in group))
        return results

    def _record(
        self,
        pending: Sequence[Pending],
        results: dict[int, SendResult | None],
        now: datetime,
        report: TickReport,
        within: Session | None = None,
    ) -> None:
        """Record what the sends did in one unit of work (`within`, or a new one): a statement
        per table."""
        if not pending:
            return
        outcomes: list[dict[str, Any]] = []
        unsent: list[int] = []
        rows: list[Reminder] = []
        blocked: set[int] = set()
        for item in pending:
            result = results.get(item.delivery_id)
            row = item.row
            if result is None or result.outcome in (SendOutcome.RETRY_AFTER, SendOutcome.FAILED):
                # Nothing was sent: forget the claim on the occurrence so it can go later.
                unsent.append(item.delivery_id)
                _unlease(row)
                if result is not None and result.outcome == SendOutcome.FAILED:
                    row.lease_until = now + self.retry_delay  # a "not before" for this row
                _count(report, row, "released" if result is None else result.outcome)
                rows.append(row)
                continue
            if result.outcome == SendOutcome.BLOCKED:
                outcomes.append(_outcome(item, DeliveryOutcome.INACTIVE, None))
                blocked.add(row.user_id)
                _count(report, row, DeliveryOutcome.INACTIVE)
                continue  # set_blocked unschedules every row of the user
            outcome = (
                DeliveryOutcome.SENT
                if result.outcome == SendOutcome.SENT
                else DeliveryOutcome.UNCERTAIN
            )
            outcomes.append(_outcome(item, outcome, result.message_id))
            _advance(row, now)
            rows.append(row)
            _count(report, row, outcome)
        with self._unit(within) as session:
            if outcomes and self.db.dialect == "postgresql":
                session.execute(
                    _OUTCOMES_UNNESTED,
                    {
                        "delivery_id": [o["delivery_id"] for o in outcomes],
                        "new_outcome": [o["new_outcome"] for o in outcomes],
                        "sent_id": [o["sent_id"] for o in outcomes],
                    },
                )
            elif outcomes:
                session.execute(
                    update(_DELIVERIES)
                    .where(_DELIVERIES.c.id == bindparam("delivery_id"))
                    .values(outcome=bindparam("new_outcome"), message_id=bindparam("sent_id")),
                    outcomes,
                )
            if unsent:
                # Only rows still in flight: one another dispatcher reconciled meanwhile stays.
                session.execute(
                    delete(_DELIVERIES).where(
                        self._among(_DELIVERIES.c.id, unsent),
                        _DELIVERIES.c.outcome.in_(
                            (DeliveryOutcome.QUEUED, DeliveryOutcome.SENDING)
                        ),
                    )
                )
            self._write_back(session, rows, now)
            for user_id in blocked:
                set_blocked(session, user_id, True, now)


def _delivery(row: Reminder, outcome: DeliveryOutcome, now: datetime) -> dict[str, Any]:
    """A delivery row for the occurrence `row` points at (before it moves on)."""
    due = row.next_fire_at
    assert due is not None
    return {
        "reminder_id": row.id,
        "user_id": row.user_id,
        "kind": row.kind,
        "local_date": row.occurrence_date or due.date(),
        "slot": row.send_slot,
        "outcome": outcome.value,
        "due_at": due,
        "decided_at": now,
        "message_id": None,
    }


def _relabel(delivery_id: int, old: DeliveryOutcome, new: DeliveryOutcome) -> dict[str, Any]:
    return {"delivery_id": delivery_id, "old_outcome": old.value, "new_outcome": new.value}


def _day(row: Reminder) -> date:
    """The local date of the occurrence `row` points at."""
    assert row.next_fire_at is not None
    return row.occurrence_date or row.next_fire_at.date()


def _outcome(item: Pending, outcome: DeliveryOutcome, message_id: int | None) -> dict[str, Any]:
    return {"delivery_id": item.delivery_id, "new_outcome": outcome.value, "sent_id": message_id}


def _unlease(row: Reminder) -> None:
    row.lease_owner, row.lease_until = None, None


def _advance(row: Reminder, now: datetime) -> None:
    """Move past the current occurrence to the first regular one after it (and after now)."""
    after = now
    if row.occurrence_date is not None:
        after = max(now, resolve(row.occurrence_date, row.local_time, row.time_zone))
    schedule_from(row, after)
    _unlease(row)


def _count(report: TickReport, row: Reminder, outcome: str) -> None:
    """One occurrence ended as `outcome`: in this tick's report and, by kind, in /metrics."""
    report.outcomes[outcome] += 1
    metrics.reminder_settled(row.kind, str(outcome))

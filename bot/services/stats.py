"""The operators' view (/stats): counts over everyone, never a row about anyone.

Every number is a count of people, and any count under `SMALL_GROUP` is shown as "<5", so no
one can be picked out (a group of one runner in phase 3 is somebody). No breakdown shows its
own total, so a hidden group is not simply one figure minus the others. Called by
conversations/admin.py for the ids in ADMIN_USER_IDS only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import distinct, func, union
from sqlmodel import Session, col, select

from bot.content.kinds import Stage, Tier
from bot.storage.models import Assessment, CheckinRecord, PlanStateRecord, Referral, TaskLog, User

SMALL_GROUP = 5
WINDOW_DAYS = 7


@dataclass(frozen=True)
class Count:
    """A number of people, as it may be shown."""

    value: int

    @property
    def shown(self) -> str:
        return str(self.value) if self.value >= SMALL_GROUP else f"<{SMALL_GROUP}"


@dataclass(frozen=True)
class Stats:
    users: Count  # everyone we hold, blocked or not
    active: Count  # checked in, marked a task done or took the knee check in the window
    runners: Count  # people with a plan (not referred), over whom adherence is measured
    # Checked-in days / days they had the plan, in the window; None when `runners` is hidden.
    adherence_percent: int | None
    per_stage: dict[Stage, Count]
    referred_by_tier: dict[Tier, Count]  # people referred in the window, by tier


def collect(session: Session, now: datetime) -> Stats:
    """Count everyone, over the last `WINDOW_DAYS` days up to `now`."""
    since = now - timedelta(days=WINDOW_DAYS)
    users = session.exec(select(func.count()).select_from(User)).one()
    active_ids = union(
        select(col(CheckinRecord.user_id)).where(col(CheckinRecord.completed_at) >= since),
        select(col(TaskLog.user_id)).where(col(TaskLog.done_at) >= since),
        select(col(Assessment.user_id)).where(col(Assessment.started_at) >= since),
    ).subquery()
    active = session.exec(select(func.count()).select_from(active_ids)).one()

    per_stage = dict.fromkeys(Stage, 0)
    by_stage = select(col(PlanStateRecord.stage), func.count()).group_by(col(PlanStateRecord.stage))
    for stage, count in session.exec(by_stage):
        if stage in per_stage:
            per_stage[Stage(stage)] = count

    referred = dict.fromkeys(Tier, 0)
    by_tier = (
        select(col(Referral.tier), func.count(distinct(col(Referral.user_id))))
        .where(col(Referral.created_at) >= since)
        .group_by(col(Referral.tier))
    )
    for tier, count in session.exec(by_tier):
        if tier in referred:
            referred[Tier(tier)] = count

    runners, percent = _adherence(session, now)
    return Stats(
        users=Count(users),
        active=Count(active),
        runners=Count(runners),
        adherence_percent=percent if runners >= SMALL_GROUP else None,
        per_stage={stage: Count(n) for stage, n in per_stage.items()},
        referred_by_tier={tier: Count(n) for tier, n in referred.items()},
    )


def _adherence(session: Session, now: datetime) -> tuple[int, int]:
    """(runners with a plan, % of their days in the window with a completed check-in).

    A runner's days are the window's days since they first talked to the bot, so someone who
    joined yesterday is not counted as missing five days. Days are UTC days: close enough for
    a weekly figure across time zones.
    """
    today = now.date()
    first_day = today - timedelta(days=WINDOW_DAYS - 1)
    plans = session.exec(
        select(col(PlanStateRecord.user_id), col(User.created_at))
        .join(User, col(User.id) == col(PlanStateRecord.user_id))
        .where(col(PlanStateRecord.stage) != Stage.REFERRED)
    ).all()
    if not plans:
        return 0, 0
    possible = sum((today - max(first_day, joined.date())).days + 1 for _uid, joined in plans)
    done = session.exec(
        select(func.count())
        .select_from(CheckinRecord)
        .join(PlanStateRecord, col(PlanStateRecord.user_id) == col(CheckinRecord.user_id))
        .where(
            col(PlanStateRecord.stage) != Stage.REFERRED,
            col(CheckinRecord.completed_at).is_not(None),
            col(CheckinRecord.local_date) >= first_day,
        )
    ).one()
    return len(plans), round(100 * min(done, possible) / possible)

"""The retention purge: people who blocked the bot are forgotten once the retention period has
passed, by a daily job; everyone else is kept. The clock is the test's; nothing sleeps."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.clock import utc
from bot.services.privacy import purge_expired
from bot.storage.models import User
from bot.telegram.housekeeping import JOB_NAME, RUNS_AT, run_housekeeping
from tests.conversations.journeys import TYPICAL, assess, onboard
from tests.support.rows import holds_nothing, rows_of

LONG_GONE, RECENTLY_GONE, STAYED, CAME_BACK = (7_000_000_000 + n for n in range(1, 5))


async def test_the_purge_forgets_only_people_blocked_longer_than_the_retention(harness, db, clock):
    users = {uid: harness.user(uid) for uid in (LONG_GONE, RECENTLY_GONE, STAYED, CAME_BACK)}
    for user in users.values():
        await onboard(user)
        await assess(user, TYPICAL)
    await users[LONG_GONE].block()
    await users[CAME_BACK].block()
    clock.advance(timedelta(days=10))
    await users[RECENTLY_GONE].block()
    clock.advance(timedelta(days=170))  # 180 days since the first blocks, 170 since the last
    await users[CAME_BACK].unblock()
    kept = {uid: rows_of(db, uid) for uid in (RECENTLY_GONE, STAYED, CAME_BACK)}

    assert await run_housekeeping(harness.app) == [LONG_GONE]

    assert holds_nothing(db, LONG_GONE)
    assert {uid: rows_of(db, uid) for uid in kept} == kept
    assert await run_housekeeping(harness.app) == []  # idempotent


def test_the_retention_period_is_measured_from_the_block(db):
    now = utc(2026, 9, 1, 3, 30)
    retention = timedelta(days=180)
    with db.session() as session:
        for uid, blocked_for in (
            (LONG_GONE, retention),
            (RECENTLY_GONE, retention - timedelta(minutes=1)),
        ):
            blocked_at = now - blocked_for
            session.add(
                User(
                    id=uid,
                    first_name="R",
                    created_at=blocked_at,
                    is_active=False,
                    blocked_at=blocked_at,
                )
            )
        session.add(User(id=STAYED, first_name="S", created_at=now - 2 * retention))
    with db.session() as session:
        assert purge_expired(session, now, retention) == [LONG_GONE]
    with db.session() as session:
        assert set(session.exec(select(User.id))) == {RECENTLY_GONE, STAYED}


async def test_housekeeping_runs_daily_from_start_up(harness, db, clock):
    (job,) = harness.app.job_queue.get_jobs_by_name(JOB_NAME)
    trigger = str(job.job.trigger)  # APScheduler's cron trigger, every day of the week
    assert "day_of_week='sun,mon,tue,wed,thu,fri,sat'" in trigger
    assert f"hour='{RUNS_AT.hour}', minute='{RUNS_AT.minute}'" in trigger

    long_ago = clock.now() - timedelta(days=365)
    with db.session() as session:
        session.add(
            User(
                id=LONG_GONE,
                first_name="R",
                created_at=long_ago,
                is_active=False,
                blocked_at=long_ago,
            )
        )
    await job.run(harness.app)  # what the scheduler does at 03:30
    assert holds_nothing(db, LONG_GONE)


def test_the_retention_period_is_a_setting_with_a_180_day_default(settings):
    assert settings.blocked_user_retention_days == 180
    assert settings.blocked_user_retention == timedelta(days=180)

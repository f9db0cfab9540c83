"""/stats: aggregates for the operators in ADMIN_USER_IDS, every group under 5 shown as "<5";
anyone else gets the ordinary reply to an unknown command."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.content.kinds import Stage, Tier
from bot.content.texts import get_texts
from bot.sandbox.fake_telegram.harness import BotHarness
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.models import CheckinRecord, PlanStateRecord, Referral, TaskLog, User

OPERATOR = 9_000_000_009


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        database_url=database_url,
        telegram_bot_token=None,
        admin_user_ids=[OPERATOR],
        _env_file=None,
    )


def seed(db: Database, now, stages: dict[int, Stage]) -> None:  # type: ignore[no-untyped-def]
    """People who joined a month ago, each at `stages[id]` of the plan."""
    joined = now - timedelta(days=30)
    with db.session() as s:
        for uid, stage in stages.items():
            s.add(User(id=uid, first_name="Runner", created_at=joined))
            s.flush()
            s.add(
                PlanStateRecord(
                    user_id=uid, stage=stage, started_on=joined.date(), updated_at=joined
                )
            )


def checked_in(db: Database, uid: int, now, days: int) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        for back in range(days):
            s.add(
                CheckinRecord(
                    user_id=uid,
                    local_date=(now - timedelta(days=back)).date(),
                    pain_now=2,
                    completed_at=now - timedelta(days=back),
                    created_at=now,
                    updated_at=now,
                )
            )


def referred(db: Database, uid: int, tier: Tier, at) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        s.add(Referral(user_id=uid, tier=tier, source="assessment", created_at=at))


async def test_stats_counts_people_and_hides_every_group_under_five(harness, db, clock):
    now = clock.now()
    phase1 = list(range(7_000_000_001, 7_000_000_007))  # six
    phase3 = [7_000_000_011, 7_000_000_012]
    seed(db, now, {**dict.fromkeys(phase1, Stage.PHASE1), **dict.fromkeys(phase3, Stage.PHASE3)})
    seed(db, now, {7_000_000_021: Stage.REFERRED})
    for uid in phase1[:3]:
        checked_in(db, uid, now, days=7)  # 21 of the 8 runners' 56 days: 38%
    with db.session() as s:
        for uid in phase1[3:]:
            s.add(TaskLog(user_id=uid, local_date=now.date(), task_id="ice", done_at=now))
    referred(db, 7_000_000_021, Tier.EMERGENCY, now - timedelta(days=2))
    for uid in phase1[:5]:
        referred(db, uid, Tier.CLINICIAN_SOON, now - timedelta(days=1))
    for uid in phase1[:5]:
        referred(db, uid, Tier.OUTSIDE_PATHWAY, now - timedelta(days=8))  # before the week

    operator = harness.user(OPERATOR)
    await operator.send("/stats")

    lines = operator.last_text.splitlines()
    for expected in (
        "- People: 9",
        "- Active (checked in, ticked a task or took the knee check): 6",
        "- Check-in adherence (8 runners with a plan): 38% of their days",
        "- PRICE (settling a flare): <5",
        "- Phase 1 - settle and mobilise: 6",
        "- Phase 2 - build strength: <5",
        "- Phase 3 - return to running: <5",
        "- Paused - see a clinician: <5",
    ):
        assert expected in lines
    referrals = lines[lines.index("Referred, by tier:") + 1 :]
    # emergency, same day (its own tier since issue 9), clinician soon, outside the pathway
    assert [line.rsplit(": ", 1)[1] for line in referrals] == ["<5", "<5", "5", "<5"]
    assert not any(line.endswith((": 1", ": 2", ": 3", ": 4", ": 0")) for line in lines)


async def test_adherence_over_fewer_than_five_runners_is_hidden(harness, db, clock):
    now = clock.now()
    seed(db, now, dict.fromkeys(range(7_000_000_001, 7_000_000_004), Stage.PHASE2))
    checked_in(db, 7_000_000_001, now, days=7)
    operator = harness.user(OPERATOR)
    await operator.send("/stats")
    assert "- Check-in adherence (<5 runners with a plan): hidden" in operator.last_text
    assert "- People: <5" in operator.last_text


async def test_stats_is_an_unknown_command_to_anyone_but_an_operator(harness, db, clock):
    seed(db, clock.now(), dict.fromkeys(range(7_000_000_001, 7_000_000_007), Stage.PHASE1))
    runner = harness.user(7_000_000_001)
    await runner.send("/stats")
    # Unknown like any mistyped command: the nearest public one is offered, nothing of /stats.
    assert runner.last_text.startswith("There's no /stats. Did you mean /start")
    assert "/stats" not in get_texts().ui.command_list()


async def test_with_no_operators_configured_stats_answers_no_one(database_url, db, clock):
    plain = Settings(database_url=database_url, telegram_bot_token=None, _env_file=None)  # type: ignore[call-arg]
    async with BotHarness(plain, db=db, clock=clock) as bot:
        user = bot.user(OPERATOR)
        await user.send("/stats")
        assert user.last_text.startswith("There's no /stats.")

"""Check-in builders shared by the coaching tests."""

from __future__ import annotations

from datetime import date, timedelta

from bot.coaching.progression import CheckIn, Morning

DAY0 = date(2025, 3, 3)


def day(n: int) -> date:
    return DAY0 + timedelta(days=n)


def ci(
    n: int,
    *,
    pain_now: int = 1,
    worst: int = 2,
    activity: int | None = 2,
    morning: Morning = Morning.SAME,
    swelling: bool = False,
    run: int = 0,
    flags: tuple[str, ...] = (),
    gate: bool | None = None,
) -> CheckIn:
    """A check-in on day `n`; the defaults are a quiet, clean day."""
    return CheckIn(
        local_date=day(n),
        pain_now=pain_now,
        worst_pain_24h=worst,
        activity_pain=activity,
        morning_vs_usual=morning,
        swelling=swelling,
        exercises_done=True,
        running_minutes=run,
        red_flag_ids=flags,
        run_gate_passed=gate,
    )

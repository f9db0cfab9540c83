"""What /progress shows, as plain data: the days to chart (pain now and worst, exercises,
runs), the plan's stages as bands, the knee scores, this week against last, the streak of
check-ins in the user's local days, and the education card the day calls for. No drawing and
no Telegram here: bot/services/charts.py draws the chart from `ChartData`,
conversations/progress.py sends it and the words under it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.coaching.kujala import score_change
from bot.coaching.progression import describe_progress
from bot.content import EducationCard
from bot.content.kinds import Stage
from bot.services import education, kujala
from bot.services.checkins import history
from bot.services.onboarding import has_consented
from bot.services.users import today_for
from bot.storage.models import CheckinRecord, PlanStateRecord

# Fewer check-ins than this make a chart of dots, not a picture: say so instead.
MIN_CHECKINS = 3
# The chart covers the last eight weeks, so a phone can still tell the days apart.
WINDOW_DAYS = 56


@dataclass(frozen=True)
class DayPoint:
    """One local day's check-in, as charted."""

    day: date
    pain_now: int
    worst_pain: int
    exercises_done: bool
    running_minutes: int


@dataclass(frozen=True)
class StageBand:
    """Consecutive days spent in one stage of the plan (inclusive)."""

    stage: Stage
    first: date
    last: date


@dataclass(frozen=True)
class ChartData:
    """Everything the chart draws, from `first` to `last` (the user's local today)."""

    first: date
    last: date
    days: list[DayPoint]
    bands: list[StageBand]
    kujala: list[kujala.Score]


@dataclass(frozen=True)
class Report:
    """The chart and the words under it."""

    chart: ChartData
    trend: str  # this week against last, worded with the meaningful change (the engine's)
    streak: int  # local days in a row with a check-in, ending today or yesterday
    kujala: kujala.Scored | None  # the latest knee score against the one before, if any
    card: EducationCard | None = None  # the education card today calls for, if not shown yet


@dataclass(frozen=True)
class TooFew:
    """Not enough check-ins for a chart yet."""

    count: int
    needed: int = MIN_CHECKINS


@dataclass(frozen=True)
class NeedsConsent:
    """Nothing is kept before consent, so there is nothing to show."""


def _stage_of(state: dict[str, Any] | None) -> Stage | None:
    value = (state or {}).get("stage")
    return Stage(value) if value in {s.value for s in Stage} else None


@dataclass(frozen=True)
class Since:
    """The plan's current stage and the day it began (the plan state's own record)."""

    stage: Stage
    day: date


def stage_bands(
    rows: list[CheckinRecord], first: date, last: date, current: Since | None = None
) -> list[StageBand]:
    """The stage of each day from `first` to `last`: the stage a day's check-in started from
    (`state_before`), and on days without one the stage the last check-in left (`state_after`);
    after the last check-in, the plan's current stage from the day it began (a referral from
    the knee score or free text leaves no check-in behind). Consecutive days in the same stage
    make one band."""
    by_day = {row.local_date: row for row in rows}
    latest = max(by_day, default=None)
    carried = next((_stage_of(r.state_after) for r in reversed(rows) if r.local_date < first), None)
    bands: list[StageBand] = []
    day = first
    while day <= last:
        row = by_day.get(day)
        stage = (_stage_of(row.state_before) if row else None) or carried
        after_last = latest is None or day > latest
        if row is None and after_last and current is not None and day >= current.day:
            stage = current.stage
        if stage is not None:
            if bands and bands[-1].stage is stage and bands[-1].last == day - timedelta(days=1):
                bands[-1] = StageBand(stage, bands[-1].first, day)
            else:
                bands.append(StageBand(stage, day, day))
        if row is not None:
            carried = _stage_of(row.state_after) or stage
        day += timedelta(days=1)
    return bands


def streak(days: set[date], today: date) -> int:
    """Local days in a row with a check-in, ending today (or yesterday, when today's check-in
    is still to come: the streak is not broken until the day is over)."""
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def _complete_checkins(session: Session, user_id: int) -> list[CheckinRecord]:
    statement = (
        select(CheckinRecord)
        .where(CheckinRecord.user_id == user_id, col(CheckinRecord.pain_now).is_not(None))
        .order_by(col(CheckinRecord.local_date))
    )
    return list(session.exec(statement))


def chart_data(
    rows: list[CheckinRecord],
    scores: list[kujala.Score],
    today: date,
    current: Since | None = None,
) -> ChartData:
    """The last `WINDOW_DAYS` of check-ins and knee scores, up to `today` (at least one
    check-in falls in that window)."""
    start = today - timedelta(days=WINDOW_DAYS - 1)
    shown = [r for r in rows if start <= r.local_date <= today]
    first = min([r.local_date for r in shown] + [s.day for s in scores if s.day >= start])
    days = [
        DayPoint(
            day=r.local_date,
            pain_now=r.pain_now if r.pain_now is not None else 0,
            worst_pain=r.worst_pain_24h if r.worst_pain_24h is not None else 0,
            exercises_done=bool(r.exercises_done),
            running_minutes=r.running_minutes or 0,
        )
        for r in shown
    ]
    return ChartData(
        first=first,
        last=today,
        days=days,
        bands=stage_bands(rows, first, today, current),
        kujala=[s for s in scores if first <= s.day <= today],
    )


def progress_report(
    session: Session, user_id: int, now: datetime, on: date | None = None
) -> Report | TooFew | NeedsConsent:
    """The user's progress on their local today (or on the local day `on`, the day a weekly
    summary is for): the chart's data and the words under it - and, on /progress itself, the
    education card the day calls for, which is handed out (logged) here. The weekly summary
    (`on` given) hands out no card: it arrives unasked, and a card is one message too many."""
    if not has_consented(session, user_id):
        return NeedsConsent()
    today = on if on is not None else today_for(session, user_id, now)[0]
    rows = [r for r in _complete_checkins(session, user_id) if r.local_date <= today]
    recent = [r for r in rows if r.local_date > today - timedelta(days=WINDOW_DAYS)]
    if len(recent) < MIN_CHECKINS:
        return TooFew(len(recent))
    scores = kujala.scores(session, user_id)
    latest: kujala.Scored | None = None
    if scores:
        previous = scores[-2] if len(scores) > 1 else None
        latest = kujala.Scored(
            latest=scores[-1],
            previous=previous,
            change=score_change(previous.score if previous else None, scores[-1].score),
            offers_on=kujala.offers_on(session, user_id),
        )
    record = session.get(PlanStateRecord, user_id)
    current = Since(Stage(record.stage), record.started_on) if record is not None else None
    return Report(
        chart=chart_data(rows, scores, today, current),
        trend=describe_progress(history(session, user_id), today),
        streak=streak({r.local_date for r in rows}, today),
        kujala=latest,
        card=education.card_for_today(session, user_id, now) if on is None else None,
    )

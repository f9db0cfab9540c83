"""The weekly summary: a reminder on the runner's chosen weekday and local time (default
Sunday 19:00), sent once per week through the dispatcher - across the spring-forward Sunday
too - as the /progress chart itself (a photo whose drawn points are the stored check-ins, the
summary as its caption); before there are enough check-ins for a chart, as words with "See my
week"; it can be moved or switched off in /settings."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import utc
from bot.content.kinds import Stage
from bot.content.texts import get_texts
from bot.services import charts
from bot.services import settings as settings_service
from bot.services.progress import Report, progress_report
from bot.services.reminders.planner import jitter_minutes, wanted_reminders
from bot.storage.models import CheckinRecord, Profile
from bot.storage.models.reminders import DeliveryOutcome, ReminderKind
from bot.telegram.jobs import replay
from conversations.progress import chart_labels
from tests.conversations.test_progress import days_of, drawn

from .conftest import (
    deliveries_of,
    finish_onboarding,
    make_runner,
    nudge_kind,
    nudges,
    the_reminder,
)

LONDON = ZoneInfo("Europe/London")


def store_checkins(db, user_id: int, first: date, last: date) -> dict[date, tuple[int, int]]:  # type: ignore[no-untyped-def]
    """A check-in on every local day from `first` to `last`; {day: (pain now, worst)}."""
    pains = {}
    day = first
    with db.session() as s:
        while day <= last:
            now_pain = day.toordinal() % 4
            pains[day] = (now_pain, now_pain + 2)
            stamp = utc(day.year, day.month, day.day, 20, 0)
            s.add(
                CheckinRecord(
                    user_id=user_id,
                    local_date=day,
                    pain_now=now_pain,
                    worst_pain_24h=now_pain + 2,
                    exercises_done=day.day % 2 == 0,
                    running_minutes=0,
                    completed_at=stamp,
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
            day += timedelta(days=1)
    return pains


def sent_weekly_days(db, user_id: int) -> list[date]:  # type: ignore[no-untyped-def]
    return sorted(
        d.local_date
        for d in deliveries_of(db, user_id)
        if d.kind == ReminderKind.WEEKLY_SUMMARY and d.outcome == DeliveryOutcome.SENT
    )


async def test_the_weekly_summary_arrives_once_a_week_at_19_local_across_the_clock_change(
    harness, db, clock
):
    # London springs forward on Sunday 29 March 2026 (01:00 UTC): 19:00 is 19:00 UTC the
    # Sunday before and 18:00 UTC from that Sunday on.
    start = utc(2026, 3, 20, 9, 0)
    clock.set(start)
    make_runner(db, 301, start, stage="phase1", weekly_summary=True)
    pains = store_checkins(db, 301, date(2026, 3, 16), date(2026, 4, 5))
    await replay(harness.app, start, utc(2026, 4, 6, 9, 0), timedelta(minutes=10))

    sent = [
        d
        for d in deliveries_of(db, 301)
        if d.kind == ReminderKind.WEEKLY_SUMMARY and d.outcome == DeliveryOutcome.SENT
    ]
    sundays = [date(2026, 3, 22), date(2026, 3, 29), date(2026, 4, 5)]
    assert sorted(d.local_date for d in sent) == sundays
    jitter = jitter_minutes(301)
    for delivery in sent:
        local = delivery.due_at.astimezone(LONDON)
        assert (local.hour, local.minute) == (19, jitter)
    assert [d.due_at.hour for d in sorted(sent, key=lambda d: d.due_at)] == [19, 18, 18]

    weekly = [m for m in nudges(harness, 301) if nudge_kind(m) == "weekly_summary"]
    assert [m.kind for m in weekly] == ["photo"] * 3
    assert weekly[0].reply_markup is None  # the chart is the summary: nothing to press for it
    for sunday, photo in zip(sundays, weekly, strict=True):
        with db.session() as s:
            report = progress_report(s, 301, clock.now(), on=sunday)
        assert isinstance(report, Report)
        figure = charts.progress_figure(report.chart, chart_labels(get_texts()))
        assert charts.to_png(figure) == photo.photo  # the photo is this week's figure
        shown = sorted(d for d in pains if d <= sunday)
        pain_now, worst = drawn(figure, "pain_now"), drawn(figure, "worst_pain")
        assert days_of(pain_now.get_xdata()) == shown
        assert list(pain_now.get_ydata()) == [pains[d][0] for d in shown]
        assert list(worst.get_ydata()) == [pains[d][1] for d in shown]
        assert photo.text is not None
        assert f"to {sunday:%a %d %b}" in photo.text
        assert f"Check-in streak: {len(shown)} days in a row." in photo.text
        assert len(photo.text) <= 1024
    assert len(shown) == 21


async def test_see_my_week_sends_the_progress_reply(harness, db, clock):
    start = utc(2026, 3, 22, 9, 0)  # a Sunday
    clock.set(start)
    make_runner(db, 302, start, stage="phase1", weekly_summary=True)
    await replay(harness.app, start, utc(2026, 3, 22, 20, 0), timedelta(minutes=10))
    user = harness.user(302)
    weekly = [m for m in nudges(harness, 302) if nudge_kind(m) == "weekly_summary"]
    assert len(weekly) == 1
    await user.press("See my week", weekly[0])
    # Too few check-ins for a chart yet: /progress says so, and so does the button.
    assert user.last_text.startswith("The chart starts once there are")


async def test_moving_the_summary_moves_its_reminder_and_switching_it_off_disables_it(
    harness, db, clock
):
    start = utc(2026, 3, 20, 9, 0)  # a Friday
    make_runner(db, 303, start, stage="phase1", weekly_summary=True)
    finish_onboarding(db, 303)
    before = the_reminder(db, 303, ReminderKind.WEEKLY_SUMMARY).next_fire_at
    assert before is not None
    assert before.astimezone(LONDON).date() == date(2026, 3, 22)
    with db.session() as s:
        outcome = settings_service.change_weekly(s, 303, start, day=0, at=time(8, 30))
    assert isinstance(outcome, settings_service.Saved)
    after = the_reminder(db, 303, ReminderKind.WEEKLY_SUMMARY).next_fire_at
    assert after is not None
    local = after.astimezone(LONDON)
    assert local.date() == date(2026, 3, 23)
    assert (local.hour, local.minute) == (8, 30 + jitter_minutes(303))
    with db.session() as s:
        refused = settings_service.change_weekly(s, 303, start, at=time(3, 0))
    assert isinstance(refused, settings_service.WhileAsleep)
    assert the_reminder(db, 303, ReminderKind.WEEKLY_SUMMARY).next_fire_at == after
    with db.session() as s:
        settings_service.switch(s, 303, settings_service.Switch.WEEKLY, False, start)
    row = the_reminder(db, 303, ReminderKind.WEEKLY_SUMMARY)
    assert not row.enabled
    assert row.next_fire_at is None


def test_the_jitter_never_carries_the_summary_past_midnight() -> None:
    user_id = next(u for u in range(1, 100) if jitter_minutes(u) == 4)
    profile = Profile(
        user_id=user_id,
        wake_time=time(7, 0),
        sleep_time=time(0, 30),
        weekly_summary_day=6,
        weekly_summary_time=time(23, 58),
        updated_at=utc(2026, 3, 20, 9, 0),
    )
    [weekly] = [
        w
        for w in wanted_reminders(user_id, profile, Stage.PHASE1)
        if w.kind == ReminderKind.WEEKLY_SUMMARY
    ]
    assert weekly.at == time(23, 58)
    assert weekly.weekdays == 1 << 6


async def test_a_chart_that_cannot_be_drawn_still_leaves_the_summary_as_words(
    harness, db, clock, monkeypatch
):
    def broken(*_args: object) -> bytes:
        raise RuntimeError("no canvas")

    monkeypatch.setattr("conversations.progress.progress_png", broken)
    start = utc(2026, 3, 22, 9, 0)  # a Sunday
    clock.set(start)
    make_runner(db, 304, start, stage="phase1", weekly_summary=True)
    store_checkins(db, 304, date(2026, 3, 16), date(2026, 3, 22))
    await replay(harness.app, start, utc(2026, 3, 22, 20, 0), timedelta(minutes=10))
    weekly = [m for m in nudges(harness, 304) if nudge_kind(m) == "weekly_summary"]
    assert [m.kind for m in weekly] == ["text"]
    assert weekly[0].button_labels[0] == "See my week"
    assert sent_weekly_days(db, 304) == [date(2026, 3, 22)]

"""The fortnightly knee-score nudge: a reminder kind the planner keeps for every runner on a
plan whose offer is on. The first comes the day after consent, midway through the waking day;
"Score my knee" opens the /kujala flow; a finished score moves the next one a fortnight on; an
ignored one comes back a week later, not every day; /settings switches it off."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import utc
from bot.services import settings as settings_service
from bot.services.reminders.planner import jitter_minutes
from bot.storage.models.reminders import DeliveryOutcome, ReminderKind
from bot.telegram.jobs import replay
from tests.conversations.test_kujala import KNOWN, tap

from .conftest import (
    deliveries_of,
    finish_onboarding,
    make_runner,
    nudge_kind,
    nudges,
    reminders_of,
    the_reminder,
)

LONDON = ZoneInfo("Europe/London")


def sent_days(db, user_id: int) -> list[date]:  # type: ignore[no-untyped-def]
    return sorted(
        d.local_date
        for d in deliveries_of(db, user_id)
        if d.kind == ReminderKind.KUJALA and d.outcome == DeliveryOutcome.SENT
    )


async def test_the_first_comes_the_day_after_consent_and_opens_the_knee_score(harness, db, clock):
    start = utc(2026, 3, 20, 9, 0)  # a Friday
    clock.set(start)
    make_runner(db, 401, start, stage="phase1", kujala=True)
    await replay(harness.app, start, utc(2026, 3, 21, 20, 0), timedelta(minutes=10))
    assert sent_days(db, 401) == [date(2026, 3, 21)]
    [delivery] = [d for d in deliveries_of(db, 401) if d.kind == ReminderKind.KUJALA]
    # Midway through a 07:00-23:00 day, plus the runner's stable jitter.
    local = delivery.due_at.astimezone(LONDON)
    assert (local.hour, local.minute) == (15, jitter_minutes(401))

    [nudge] = [m for m in nudges(harness, 401) if nudge_kind(m) == "kujala"]
    assert nudge.button_labels[0] == "Score my knee"
    user = harness.user(401)
    clock.set(utc(2026, 3, 21, 20, 0))
    await user.press("Score my knee", nudge)
    assert "Thirteen quick questions" in user.messages[-2].text
    for item_id, value in KNOWN.items():
        await tap(user, item_id, value)
    assert "Knee score: 80/100" in user.last_text
    # Scored on Saturday 21 March: the next one is due a fortnight on, on Saturday 4 April.
    row = the_reminder(db, 401, ReminderKind.KUJALA)
    assert row.enabled
    assert row.next_fire_at is not None
    assert row.next_fire_at.astimezone(LONDON).date() == date(2026, 4, 4)


async def test_an_ignored_nudge_comes_back_a_week_later_not_every_day(harness, db, clock):
    start = utc(2026, 3, 20, 9, 0)
    clock.set(start)
    make_runner(db, 402, start, stage="phase1", kujala=True)
    await replay(harness.app, start, utc(2026, 4, 5, 9, 0), timedelta(minutes=10))
    # 29 March is the spring-forward Sunday in London; Saturdays are unaffected but still local.
    assert sent_days(db, 402) == [date(2026, 3, 21), date(2026, 3, 28), date(2026, 4, 4)]


async def test_settings_switch_it_off_and_on(harness, db, clock):
    start = utc(2026, 3, 20, 9, 0)
    make_runner(db, 403, start, stage="phase1", kujala=True)
    finish_onboarding(db, 403)
    assert the_reminder(db, 403, ReminderKind.KUJALA).next_fire_at is not None
    with db.session() as s:
        settings_service.switch(s, 403, settings_service.Switch.KUJALA, False, start)
    row = the_reminder(db, 403, ReminderKind.KUJALA)
    assert not row.enabled
    assert row.next_fire_at is None
    with db.session() as s:
        settings_service.switch(s, 403, settings_service.Switch.KUJALA, True, start)
    row = the_reminder(db, 403, ReminderKind.KUJALA)
    assert row.enabled
    assert row.next_fire_at is not None
    assert row.next_fire_at.astimezone(LONDON).date() == date(2026, 3, 21)
    assert row.local_time == time(15, jitter_minutes(403))


async def test_no_knee_score_nudge_while_referred(harness, db, clock):
    start = utc(2026, 3, 20, 9, 0)
    make_runner(db, 404, start, stage="referred", kujala=True)
    assert all(r.kind != ReminderKind.KUJALA for r in reminders_of(db, 404) if r.enabled)


async def test_no_nudge_while_a_knee_score_is_being_answered_and_the_answers_are_kept(
    harness, db, clock
):
    start = utc(2026, 3, 20, 9, 0)  # a Friday; the first nudge is due on Saturday afternoon
    clock.set(start)
    make_runner(db, 405, start, stage="phase1", kujala=True)
    user = harness.user(405)
    clock.set(utc(2026, 3, 21, 9, 0))
    await user.send("/kujala")  # they score their knee on their own that morning ...
    first, second = list(KNOWN.items())[:2]
    await tap(user, *first)
    await tap(user, *second)
    await replay(harness.app, clock.now(), utc(2026, 3, 21, 20, 0), timedelta(minutes=10))
    # ... and are still on the third question when the nudge falls due: it is not sent (its
    # "Score my knee" would start afresh and drop their answers); next Saturday it comes.
    assert [m for m in nudges(harness, 405) if nudge_kind(m) == "kujala"] == []
    [skipped] = [d for d in deliveries_of(db, 405) if d.kind == ReminderKind.KUJALA]
    assert skipped.outcome == DeliveryOutcome.ANSWERING
    for item_id, value in list(KNOWN.items())[2:]:  # the third question is still on screen
        await tap(user, item_id, value)
    assert "Knee score: 80/100" in user.last_text  # every answer kept

"""The dispatcher end to end: the real bot, the fake Bot API, an injected clock, no sleeping.

Each test sets a runner up in the database, ticks the dispatcher at chosen instants and looks
at what the user received and what the database holds.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.clock import utc
from bot.sandbox.fake_telegram.pacing import Pacing
from bot.services.onboarding import set_time_zone
from bot.services.reminders.planner import jitter_minutes
from bot.storage.models import Profile, Reminder, TaskLog, User
from bot.storage.models.reminders import DeliveryOutcome, ReminderKind
from bot.telegram.jobs import dispatcher_in, replay

from .conftest import (
    deliveries_of,
    make_runner,
    nudge_kind,
    nudges,
    reminders_of,
    set_stage,
)

LONDON = "Europe/London"
NUDGE_BUTTONS = [
    "Done ✓",
    "Today's plan",
    "15 min later",
    "30 min later",
    "60 min later",
    "Skip today",
]


def at(day: datetime, hh: int, mm: int, user_id: int) -> datetime:
    """`hh:mm` plus the user's jitter, as UTC (London in winter = UTC)."""
    return day.replace(hour=hh, minute=mm) + timedelta(minutes=jitter_minutes(user_id))


async def test_a_price_day_brings_three_icing_nudges_and_a_checkin(harness, db, clock):
    start = utc(2026, 3, 4, 0, 5)
    clock.set(start)
    make_runner(db, 101, start)
    await replay(harness.app, start, utc(2026, 3, 4, 23, 59), timedelta(minutes=1))

    sent = nudges(harness, 101)
    assert len(sent) == 4
    assert [nudge_kind(m) for m in sent].count("icing") == 3
    assert nudge_kind(sent[2]) == "checkin"  # 20:55, before the last icing at 21:30
    assert sent[0].button_labels == NUDGE_BUTTONS
    assert sent[2].button_labels[0] == "Check in now"
    rows = {d.kind: d for d in deliveries_of(db, 101) if d.slot == 0}
    sent_at = sorted(d.decided_at for d in deliveries_of(db, 101))
    j = jitter_minutes(101)
    expected = [
        utc(2026, 3, 4, 8, 30 + j),
        utc(2026, 3, 4, 15, j),
        utc(2026, 3, 4, 20, 55 + j),
        utc(2026, 3, 4, 21, 30 + j),
    ]
    assert sent_at == expected  # each at its minute, in local (= UTC in a London March) time
    assert rows[ReminderKind.CHECKIN].outcome == DeliveryOutcome.SENT


async def test_leaving_price_removes_icing_and_adds_the_exercise_session(harness, db, clock):
    now = utc(2026, 3, 4, 6, 0)
    make_runner(db, 102, now, stage="price")
    kinds = {(r.kind, r.enabled) for r in reminders_of(db, 102)}
    assert (ReminderKind.ICING, True) in kinds
    assert (ReminderKind.EXERCISE, True) not in kinds

    set_stage(db, 102, "phase1", now)
    enabled = sorted(r.kind for r in reminders_of(db, 102) if r.enabled)
    assert enabled == [ReminderKind.CHECKIN, ReminderKind.EXERCISE]
    await replay(harness.app, now, utc(2026, 3, 4, 23, 0), timedelta(minutes=5))
    kinds = [nudge_kind(m) for m in nudges(harness, 102)]
    assert "icing" not in kinds
    assert "exercise" in kinds

    set_stage(db, 102, "price", utc(2026, 3, 4, 23, 0))  # a flare: icing is back
    assert sum(r.enabled for r in reminders_of(db, 102) if r.kind == ReminderKind.ICING) == 3


async def test_six_hours_of_downtime_send_no_stale_nudges(harness, db, clock, dispatcher):
    start = utc(2026, 3, 4, 7, 0)
    make_runner(db, 103, start)
    await dispatcher.tick(start)
    assert nudges(harness, 103) == []

    # The bot is down 07:00-13:00 and missed the 08:30 icing nudge.
    await harness.restart()
    back = utc(2026, 3, 4, 13, 0)
    report = await harness_dispatcher(harness).tick(back)
    assert nudges(harness, 103) == []
    assert report.outcomes[DeliveryOutcome.LATE] == 1
    late = [d for d in deliveries_of(db, 103) if d.outcome == DeliveryOutcome.LATE]
    assert [d.kind for d in late] == [ReminderKind.ICING]
    # Rows point to the future, nothing is due any more.
    assert all(r.next_fire_at is None or r.next_fire_at > back for r in reminders_of(db, 103))
    # The next nudge comes on time.
    await harness_dispatcher(harness).tick(at(back, 15, 0, 103))
    assert len(nudges(harness, 103)) == 1


def harness_dispatcher(harness):
    """The dispatcher of the bot process running now (a restart makes a new one)."""
    return dispatcher_in(harness.app.bot_data)


async def test_a_checkin_inside_its_grace_window_is_still_sent_after_downtime(
    harness, db, clock, dispatcher
):
    start = utc(2026, 3, 4, 20, 0)
    make_runner(db, 104, start, stage="phase2")
    # Check-in due 20:55+j; back at 22:30: late but inside the 4 h window, and before sleep.
    await dispatcher.tick(utc(2026, 3, 4, 22, 30))
    assert [nudge_kind(m) for m in nudges(harness, 104)] == ["checkin"]


async def test_snooze_repeats_the_nudge_later_and_only_then(harness, db, clock, dispatcher):
    due = at(utc(2026, 3, 4), 8, 30, 105)
    make_runner(db, 105, due - timedelta(hours=2))
    await dispatcher.tick(due)
    user = harness.user(105)
    clock.set(due + timedelta(minutes=1))
    await user.press("15 min later")
    assert "remind you again at" in user.last_text
    assert user.last.button_labels == []

    await dispatcher.tick(due + timedelta(minutes=15))
    assert len(nudges(harness, 105)) == 1  # not yet
    await dispatcher.tick(due + timedelta(minutes=16))
    assert len(nudges(harness, 105)) == 2
    slots = sorted((d.slot, d.outcome) for d in deliveries_of(db, 105))
    assert slots == [(0, DeliveryOutcome.SENT), (1, DeliveryOutcome.SENT)]
    # After the repeat, the reminder goes back to its regular rule: tomorrow 08:30.
    icing0 = next(r for r in reminders_of(db, 105) if r.kind == ReminderKind.ICING and r.slot == 0)
    assert icing0.next_fire_at == at(utc(2026, 3, 5), 8, 30, 105)


async def test_done_logs_the_task_and_silences_a_snoozed_repeat(harness, db, clock, dispatcher):
    due = at(utc(2026, 3, 4), 8, 30, 106)
    make_runner(db, 106, due - timedelta(hours=2))
    await dispatcher.tick(due)
    user = harness.user(106)
    clock.set(due + timedelta(minutes=1))
    await user.press("Done ✓")
    assert user.last_text.endswith("Logged - nice work. No more reminders for this today.")
    with db.session() as s:
        assert s.exec(select(TaskLog.task_id)).all() == ["ice#1"]

    # The afternoon nudge is snoozed, then the second icing is logged in /plan: no repeat.
    second = at(utc(2026, 3, 4), 15, 0, 106)
    await dispatcher.tick(second)
    clock.set(second + timedelta(minutes=1))
    await user.press("30 min later")
    clock.set(second + timedelta(minutes=10))
    await user.send("/plan")
    assert "Ice the knee (1/3 today)" in user.last_text
    await user.press("Ice the knee")
    await user.press("Done ✓")
    with db.session() as s:
        assert sorted(s.exec(select(TaskLog.task_id)).all()) == ["ice#1", "ice#2"]
    await dispatcher.tick(second + timedelta(minutes=32))
    assert len(nudges(harness, 106)) == 2
    assert (1, DeliveryOutcome.DONE) in {(d.slot, d.outcome) for d in deliveries_of(db, 106)}


async def _press_done_in_plan(user, limit: int | None = None) -> int:  # type: ignore[no-untyped-def]
    """Open /plan, then each task's page, and press "Done" there (all, or the first `limit`)."""
    await user.send("/plan")
    pressed = 0
    while limit is None or pressed < limit:
        offered = [label for label in user.last.button_labels if not label.startswith("✅")]
        if not offered:
            break
        await user.press(offered[0])
        await user.press("Done ✓")
        await user.press("« Today's plan")
        pressed += 1
    return pressed


async def test_a_task_logged_earlier_today_suppresses_its_nudge(harness, db, clock, dispatcher):
    morning = utc(2026, 3, 4, 10, 0)
    make_runner(db, 107, morning, stage="phase1")
    user = harness.user(107)
    clock.set(morning)
    assert await _press_done_in_plan(user) >= 5  # every exercise of the day, in /plan
    await dispatcher.tick(at(morning, 18, 0, 107))
    assert nudges(harness, 107) == []
    assert [d.outcome for d in deliveries_of(db, 107)] == [DeliveryOutcome.DONE]

    # The next day only part of the session is done, so the nudge still comes.
    clock.set(utc(2026, 3, 5, 10, 0))
    assert await _press_done_in_plan(user, limit=2) == 2
    await dispatcher.tick(at(utc(2026, 3, 5), 18, 0, 107))
    assert [nudge_kind(m) for m in nudges(harness, 107)] == ["exercise"]


async def test_the_exercise_nudge_opens_todays_plan_and_marks_nothing(
    harness, db, clock, dispatcher
):
    due = at(utc(2026, 3, 4), 18, 0, 109)
    make_runner(db, 109, due - timedelta(hours=8), stage="phase1")
    await dispatcher.tick(due)
    user = harness.user(109)
    clock.set(due + timedelta(minutes=1))
    assert "Done ✓" not in user.last.button_labels  # it is about several tasks
    await user.press("Today's plan")
    assert user.last_text.startswith("Today, Wed 04 Mar")
    with db.session() as s:
        assert s.exec(select(TaskLog.task_id)).all() == []
    # Done on an exercise nudge sent before this change opens the plan too, marking nothing.
    (nudge,) = nudges(harness, 109)
    reminder_id, day = nudge.inline_buttons[-1]["callback_data"].split(":")[2:]
    await user.press_data(f"nudge:done:{reminder_id}:{day}", nudge)
    assert "Tick each exercise" in harness.telegram.callback_answers[-1].text
    assert user.last_text.startswith("Today, Wed 04 Mar")
    with db.session() as s:
        assert s.exec(select(TaskLog.task_id)).all() == []


async def test_skip_today_silences_the_rest_of_todays_icing(harness, db, clock, dispatcher):
    due = at(utc(2026, 3, 4), 8, 30, 108)
    make_runner(db, 108, due - timedelta(hours=1))
    await dispatcher.tick(due)
    user = harness.user(108)
    clock.set(due + timedelta(minutes=2))
    await user.press("Skip today")
    assert "no more reminders for this today" in user.last_text
    await replay(harness.app, due, utc(2026, 3, 4, 22, 0), timedelta(minutes=5))
    kinds = [nudge_kind(m) for m in nudges(harness, 108)]
    assert kinds.count("icing") == 1  # only the one skipped
    assert kinds.count("checkin") == 1  # other kinds still come
    await dispatcher.tick(at(utc(2026, 3, 5), 8, 30, 108))
    assert [nudge_kind(m) for m in nudges(harness, 108)].count("icing") == 2


async def test_pause_for_three_days_then_resume(harness, db, clock, dispatcher):
    now = utc(2026, 3, 4, 7, 0)
    clock.set(now)
    make_runner(db, 109, now)
    user = harness.user(109)
    await user.send("/pause")
    assert user.last.button_labels == ["1 day", "3 days", "7 days", "Until I send /resume"]
    await user.press("3 days")
    assert "paused until Sat 07 Mar, 07:00" in user.last_text
    await replay(harness.app, now, utc(2026, 3, 6, 23, 0), timedelta(minutes=10))
    assert nudges(harness, 109) == []
    with db.session() as s:
        profile = s.get(Profile, 109)
        assert profile is not None
        assert profile.paused_until == utc(2026, 3, 7, 7, 0)  # progress untouched, only a date
    # On its own, the pause ends: Saturday's nudges come.
    await replay(harness.app, utc(2026, 3, 7, 7, 0), utc(2026, 3, 7, 9, 0), timedelta(minutes=5))
    assert len(nudges(harness, 109)) == 1

    # Pause until /resume, then resume.
    clock.set(utc(2026, 3, 7, 9, 0))
    await user.send("/pause")
    await user.press("Until I send /resume")
    assert "until you send /resume" in user.last_text
    await replay(harness.app, utc(2026, 3, 7, 9, 0), utc(2026, 3, 9, 9, 0), timedelta(minutes=10))
    assert len(nudges(harness, 109)) == 1
    clock.set(utc(2026, 3, 9, 9, 0))
    await user.send("/resume")
    assert "back on" in user.last_text
    assert "15:0" in user.last_text  # the next one: this afternoon's icing
    await dispatcher.tick(at(utc(2026, 3, 9), 15, 0, 109))
    assert len(nudges(harness, 109)) == 2
    await user.send("/resume")
    assert user.last_text == "Reminders are already on."


async def test_the_daily_cap_holds(harness, db, clock, dispatcher):
    start = utc(2026, 3, 4, 6, 0)
    make_runner(db, 110, start, cap=2)
    await replay(harness.app, start, utc(2026, 3, 4, 22, 50), timedelta(minutes=5))
    assert len(nudges(harness, 110)) == 2
    outcomes = sorted(d.outcome for d in deliveries_of(db, 110))
    assert outcomes == sorted(
        [DeliveryOutcome.SENT, DeliveryOutcome.SENT, DeliveryOutcome.CAPPED, DeliveryOutcome.CAPPED]
    )


async def test_quiet_hours_hold_back_a_snooze_into_the_night(harness, db, clock, dispatcher):
    start = utc(2026, 3, 4, 20, 0)
    make_runner(db, 111, start, sleep=time(22, 0), wake=time(7, 0))
    # Last icing nudge at 20:30+j (sleep 22:00 - 90 min); snoozed 60 min -> into quiet hours.
    due = at(utc(2026, 3, 4), 20, 30, 111)
    await dispatcher.tick(due)
    user = harness.user(111)
    clock.set(due + timedelta(minutes=40))
    await user.press("60 min later")  # due at 22:10 or so: after bedtime
    await dispatcher.tick(due + timedelta(minutes=101))
    assert [nudge_kind(m) for m in nudges(harness, 111)].count("icing") == 1
    assert DeliveryOutcome.QUIET in {d.outcome for d in deliveries_of(db, 111)}


async def test_a_stale_button_is_answered_gracefully(harness, db, clock, dispatcher):
    due = at(utc(2026, 3, 4), 8, 30, 112)
    make_runner(db, 112, due - timedelta(hours=1))
    await dispatcher.tick(due)
    user = harness.user(112)
    clock.set(due + timedelta(days=1))
    await user.press("15 min later", nudges(harness, 112)[0])
    answer = harness.telegram.callback_answers[-1]
    assert answer.text == "That reminder is from an earlier day, so it no longer does anything."
    assert nudges(harness, 112)[0].button_labels == []  # its buttons are gone
    await user.press_data("nudge:done:99999:20260305")
    assert harness.telegram.callback_answers[-1].text == "That reminder is switched off now."


async def test_forbidden_marks_the_user_inactive_until_they_unblock(harness, db, clock, dispatcher):
    due = at(utc(2026, 3, 4), 8, 30, 113)
    make_runner(db, 113, due - timedelta(hours=1))
    harness.telegram.fail_next("sendMessage", "forbidden", chat_id=113)
    report = await dispatcher.tick(due)
    assert report.outcomes[DeliveryOutcome.INACTIVE] == 1
    with db.session() as s:
        user_row = s.get(User, 113)
        assert user_row is not None
        assert user_row.is_active is False
    assert all(r.next_fire_at is None for r in reminders_of(db, 113))
    await replay(harness.app, due, due + timedelta(days=1), timedelta(minutes=30))
    assert nudges(harness, 113) == []

    clock.set(due + timedelta(days=1, minutes=1))
    await harness.user(113).unblock()
    assert all(r.next_fire_at is not None for r in reminders_of(db, 113) if r.enabled)
    await dispatcher.tick(at(utc(2026, 3, 5), 15, 0, 113))
    assert len(nudges(harness, 113)) == 1


async def test_blocking_through_my_chat_member_stops_reminders(harness, db, clock, dispatcher):
    now = utc(2026, 3, 4, 7, 0)
    clock.set(now)
    make_runner(db, 114, now)
    await harness.user(114).block()
    await replay(harness.app, now, utc(2026, 3, 4, 22, 0), timedelta(minutes=10))
    assert nudges(harness, 114) == []
    assert harness.telegram.calls_of("sendMessage") == []  # not even tried


async def test_retry_after_pauses_sending_and_loses_nothing(harness, db, clock, dispatcher):
    due = at(utc(2026, 3, 4), 8, 30, 115)
    for user_id in (115, 116, 117):
        make_runner(db, user_id, due - timedelta(hours=1))
    latest = max(at(utc(2026, 3, 4), 8, 30, u) for u in (115, 116, 117))
    harness.telegram.fail_next("sendMessage", "retry_after", retry_after=30)
    first = await dispatcher.tick(latest)
    assert first.held_by_flood_control
    assert first.outcomes["retry_after"] == 1
    assert sum(len(nudges(harness, u)) for u in (115, 116, 117)) < 3
    held = await dispatcher.tick(latest + timedelta(seconds=10))
    assert held.held_by_flood_control
    assert held.claimed == 0
    await dispatcher.tick(latest + timedelta(seconds=31))
    for user_id in (115, 116, 117):
        assert len(nudges(harness, user_id)) == 1, user_id  # each exactly once
        assert [d.outcome for d in deliveries_of(db, user_id)] == [DeliveryOutcome.SENT]


async def test_other_errors_are_retried_within_the_grace_window(harness, db, clock, dispatcher):
    due = at(utc(2026, 3, 4), 8, 30, 118)
    make_runner(db, 118, due - timedelta(hours=1))
    harness.telegram.fail_next("sendMessage", "server_error", chat_id=118, times=2)
    await dispatcher.tick(due)
    await dispatcher.tick(due + timedelta(seconds=30))  # backing off: not retried yet
    assert len(harness.telegram.calls_of("sendMessage")) == 1
    await dispatcher.tick(due + timedelta(minutes=2))
    await dispatcher.tick(due + timedelta(minutes=4))
    assert len(nudges(harness, 118)) == 1
    # A send that keeps failing is dropped once its grace window (1 h for icing) has passed.
    harness.telegram.fail_next("sendMessage", "bad_request", chat_id=118, times=1000)
    second = at(utc(2026, 3, 4), 15, 0, 118)
    await replay(harness.app, second, second + timedelta(hours=2), timedelta(minutes=2))
    assert len(nudges(harness, 118)) == 1
    assert DeliveryOutcome.LATE in {d.outcome for d in deliveries_of(db, 118)}


async def test_a_timed_out_send_is_never_repeated(harness, db, clock, dispatcher):
    due = at(utc(2026, 3, 4), 8, 30, 119)
    make_runner(db, 119, due - timedelta(hours=1))
    harness.telegram.fail_next("sendMessage", "timeout", chat_id=119)
    await dispatcher.tick(due)
    await dispatcher.tick(due + timedelta(minutes=5))
    assert len(harness.telegram.calls_of("sendMessage")) == 1
    assert [d.outcome for d in deliveries_of(db, 119)] == [DeliveryOutcome.UNCERTAIN]


async def test_changing_time_zone_moves_every_reminder(harness, db, clock, dispatcher):
    now = utc(2026, 3, 4, 6, 0)
    make_runner(db, 120, now)
    with db.session() as s:
        set_time_zone(s, 120, "Asia/Tokyo", now)  # what the onboarding and settings flows call
    # The move happens on write now (it was the tick's per-tick scan, reported as moved_zone).
    moved = [r for r in reminders_of(db, 120) if r.enabled and r.time_zone == "Asia/Tokyo"]
    assert len(moved) == 4  # three icing nudges and the check-in
    report = await dispatcher.tick(now)
    assert report.outcomes["moved_zone"] == 0  # nothing left for a tick to move
    rows = [r for r in reminders_of(db, 120) if r.enabled]
    assert {r.time_zone for r in rows} == {"Asia/Tokyo"}
    icing0 = next(r for r in rows if r.kind == ReminderKind.ICING and r.slot == 0)
    assert icing0.next_fire_at is not None
    tokyo = icing0.next_fire_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert (tokyo.hour, tokyo.minute) == (8, 30 + jitter_minutes(120))


async def test_reminders_survive_a_restart(harness, db, clock):
    now = utc(2026, 3, 4, 7, 0)
    make_runner(db, 121, now)
    await harness.restart()
    await harness_dispatcher(harness).tick(at(utc(2026, 3, 4), 8, 30, 121))
    assert len(nudges(harness, 121)) == 1


async def test_the_sandbox_clock_shows_a_day_of_nudges(harness, db, clock):
    """`/clock +8h` in the sandbox replays the skipped time, so its nudges appear in order."""
    start = utc(2026, 3, 4, 6, 0)
    make_runner(db, 122, start)
    await replay(harness.app, start, start + timedelta(hours=8))
    kinds = [nudge_kind(m) for m in nudges(harness, 122)]
    assert kinds == ["icing"]  # 08:30 icing; the 15:00 one is still ahead


async def test_a_wave_beyond_telegrams_pace_goes_out_in_paced_ticks(harness, db, clock, dispatcher):
    # Telegram's own pacing (about 30 messages/s) on the fake, timed by the test's clock.
    harness.telegram.pacing = Pacing(clock=lambda: clock.now().timestamp())
    due = utc(2026, 3, 4, 12, 0)
    users = range(500, 540)
    for user_id in users:
        make_runner(db, user_id, due - timedelta(hours=6), stage="phase1")
    with db.session() as s:
        for row in s.exec(select(Reminder).where(Reminder.kind == ReminderKind.CHECKIN)):
            row.next_fire_at, row.occurrence_date = due, due.date()
            s.add(row)
    clock.set(due)
    first = await dispatcher.tick(due)
    assert first.held_by_flood_control
    assert first.outcomes["sent"] == 30
    clock.advance(timedelta(seconds=1))  # Telegram said "retry after 1"
    await dispatcher.tick(clock.now())
    for user_id in users:
        assert [d.outcome for d in deliveries_of(db, user_id)] == [DeliveryOutcome.SENT], user_id
        assert len(nudges(harness, user_id)) == 1, user_id  # each exactly once

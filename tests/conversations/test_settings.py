"""/settings through the fake Bot API: every change is validated, confirmed in one line and
moves the reminders at once (the rows' `next_fire_at` are compared before and after); a kind
switched off keeps no enabled reminder; /cancel leaves a setting being typed."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.content.texts import get_texts
from bot.sandbox.fake_telegram.harness import BotHarness
from bot.sandbox.fake_telegram.users import FakeUser
from bot.storage.db import Database
from bot.storage.models import Profile, Reminder
from bot.storage.models.reminders import ReminderKind
from conversations.settings_menu import SettingsState
from tests.conversations.journeys import TYPICAL, assess, conversation_state, onboard

COPY = get_texts().settings


async def runner(harness: BotHarness, user_id: int = 501) -> FakeUser:
    """Onboarded (London, wake 07:00, sleep 23:00, exercise 18:00) with a plan and reminders."""
    user = harness.user(user_id)
    await onboard(user)
    await assess(user, TYPICAL)
    return user


def reminders(db: Database, user_id: int) -> dict[tuple[str, int], Reminder]:
    with db.session() as s:
        rows = s.exec(select(Reminder).where(Reminder.user_id == user_id)).all()
        return {(r.kind, r.slot): r for r in rows}


def enabled_kinds(db: Database, user_id: int) -> set[str]:
    return {kind for (kind, _slot), r in reminders(db, user_id).items() if r.enabled}


def profile(db: Database, user_id: int) -> Profile:
    with db.session() as s:
        found = s.get(Profile, user_id)
        assert found is not None
        return found


async def test_settings_before_start_asks_to_finish_setting_up(harness: BotHarness) -> None:
    user = harness.user(500)
    await user.send("/settings")
    assert user.last_text == COPY.not_set_up


async def test_the_menu_shows_the_current_values(harness: BotHarness) -> None:
    user = await runner(harness)
    await user.send("/settings")
    assert "Time zone: Europe/London" in user.last_text
    assert "Wake-up 07:00, bedtime 23:00, exercise 18:00" in user.last_text
    labels = user.last.button_labels
    assert "Icing nudges: on" in labels
    assert "Check-in nudges: on" in labels
    assert "Daily limit: 5" in labels
    assert all(len(label) < 30 for label in labels)


async def test_a_new_bedtime_moves_the_check_in_reminder_at_once(
    harness: BotHarness, db: Database
) -> None:
    user = await runner(harness)
    before = reminders(db, 501)[(ReminderKind.CHECKIN, 0)]
    assert before.enabled
    assert before.next_fire_at is not None
    await user.send("/settings")
    await user.press("Bedtime")
    assert conversation_state(db, "settings", 501) == SettingsState.SLEEP
    await user.send("10pm")
    after = reminders(db, 501)[(ReminderKind.CHECKIN, 0)]
    assert after.next_fire_at is not None
    # The check-in comes 2 h before bedtime: an hour earlier bedtime, an hour earlier nudge.
    assert after.next_fire_at == before.next_fire_at - timedelta(hours=1)
    assert profile(db, 501).sleep_time is not None
    assert user.last_text.startswith("Bedtime: 22:00. Next reminder: ")
    assert "\n" not in user.last_text
    assert conversation_state(db, "settings", 501) is None


async def test_a_time_button_saves_like_a_typed_time(harness: BotHarness, db: Database) -> None:
    user = await runner(harness)
    before = reminders(db, 501)[(ReminderKind.EXERCISE, 0)]
    assert before.enabled
    assert before.next_fire_at is not None
    await user.send("/settings")
    await user.press("Exercise time")
    await user.press("12:00")
    assert user.last_text.startswith("Exercise time: 12:00.")
    after = reminders(db, 501)[(ReminderKind.EXERCISE, 0)]
    assert after.next_fire_at is not None
    # 18:00 -> 12:00 (same jitter): six hours earlier, or eighteen later if noon has passed.
    assert (after.next_fire_at - before.next_fire_at) % timedelta(days=1) == timedelta(hours=18)


async def test_a_day_that_cannot_work_is_refused_and_nothing_moves(
    harness: BotHarness, db: Database
) -> None:
    user = await runner(harness)
    before = {k: r.next_fire_at for k, r in reminders(db, 501).items()}
    await user.send("/settings")
    await user.press("Wake-up time")
    await user.send("21:00")  # two hours before bedtime
    assert "nothing changed" in user.last_text
    assert {k: r.next_fire_at for k, r in reminders(db, 501).items()} == before
    # Still asking: the next try is read as the wake time.
    await user.send("6:30")
    assert user.last_text.startswith("Wake-up time: 06:30.")


async def test_an_exercise_time_in_the_night_is_refused(harness: BotHarness, db: Database) -> None:
    user = await runner(harness)
    await user.send("/settings")
    await user.press("Exercise time")
    await user.send("03:00")
    assert user.last_text.startswith("Exercise at 03:00 would fall outside your waking day")
    assert str(profile(db, 501).exercise_time) == "18:00:00"


async def test_a_typed_time_zone_moves_every_reminder_to_the_same_wall_time_there(
    harness: BotHarness, db: Database
) -> None:
    user = await runner(harness)
    before = reminders(db, 501)
    await user.send("/settings")
    await user.press("Time zone")
    await user.send("New York")
    assert user.last_text.startswith("Time zone: America/New_York. Next reminder: ")
    after = reminders(db, 501)
    for key, row in after.items():
        if not row.enabled:
            continue
        assert row.time_zone == "America/New_York"
        assert row.local_time == before[key].local_time
        assert row.next_fire_at != before[key].next_fire_at


async def test_an_ambiguous_place_offers_its_zones(harness: BotHarness, db: Database) -> None:
    user = await runner(harness)
    await user.send("/settings")
    await user.press("Time zone")
    await user.send("Springfield")
    assert user.last_text == COPY.zone_which
    first = user.last.button_labels[0]
    await user.press(first)
    assert user.last_text.startswith("Time zone: America/")
    assert all(r.time_zone.startswith("America/") for r in reminders(db, 501).values())


async def test_an_unknown_place_keeps_the_zone(harness: BotHarness, db: Database) -> None:
    user = await runner(harness)
    await user.send("/settings")
    await user.press("Time zone")
    await user.send("qqqzzzxx")
    assert "keep Europe/London" in user.last_text
    assert conversation_state(db, "settings", 501) == SettingsState.TIME_ZONE


async def test_switching_a_kind_off_leaves_no_enabled_reminder_of_it_and_on_brings_it_back(
    harness: BotHarness, db: Database
) -> None:
    user = await runner(harness)
    assert ReminderKind.CHECKIN in enabled_kinds(db, 501)
    await user.send("/settings")
    menu = user.last
    await user.press("Check-in nudges: on")
    assert ReminderKind.CHECKIN not in enabled_kinds(db, 501)
    assert user.last_text.startswith("Check-in nudges: off.")
    # The menu is redrawn in place with the new state.
    redrawn = next(m for m in user.messages if m.message_id == menu.message_id)
    assert "Check-in nudges: off" in redrawn.button_labels
    await user.press("Check-in nudges: off")
    assert ReminderKind.CHECKIN in enabled_kinds(db, 501)
    assert user.last_text.startswith("Check-in nudges: on. Next reminder: ")


async def test_icing_nudges_can_be_switched_off(harness: BotHarness, db: Database) -> None:
    user = harness.user(501)
    await onboard(user)
    await assess(user, {**TYPICAL, "flare": "flared"})  # a flare: PRICE, with icing
    assert ReminderKind.ICING in enabled_kinds(db, 501)
    await user.send("/settings")
    await user.press("Icing nudges: on")
    assert ReminderKind.ICING not in enabled_kinds(db, 501)
    assert not profile(db, 501).icing_reminders_enabled
    assert user.last_text.startswith("Icing nudges: off.")


async def test_exercise_nudges_switch_and_the_knee_score_offer(
    harness: BotHarness, db: Database
) -> None:
    user = await runner(harness)
    await user.send("/settings")
    await user.press("Exercise nudges: on")
    assert ReminderKind.EXERCISE not in enabled_kinds(db, 501)
    assert not profile(db, 501).exercise_reminders_enabled
    await user.press("Knee score offer: on")
    assert not profile(db, 501).kujala_enabled
    assert user.last_text.startswith("Knee score offer: off.")


async def test_the_daily_limit_is_chosen_from_buttons(harness: BotHarness, db: Database) -> None:
    user = await runner(harness)
    await user.send("/settings")
    await user.press("Daily limit: 5")
    await user.press("3")
    assert profile(db, 501).daily_nudge_cap == 3
    assert user.last_text.startswith("Daily nudge limit: 3.")
    await user.press(COPY.buttons.back)
    assert "At most 3 nudges a day" in user.last_text


async def test_cancel_leaves_the_setting_being_typed(harness: BotHarness, db: Database) -> None:
    user = await runner(harness)
    await user.send("/settings")
    await user.press("Wake-up time")
    await user.send("/cancel")
    assert user.last_text == COPY.cancelled
    assert conversation_state(db, "settings", 501) is None
    await user.send("6:30")
    assert str(profile(db, 501).wake_time) == "07:00:00"


async def test_an_unreadable_settings_press_is_a_stale_button(
    harness: BotHarness, db: Database
) -> None:
    user = await runner(harness)
    await user.press_data("set:switch:everything:on")
    await user.press_data("set:cap:99")
    answers = [a.text for a in harness.telegram.callback_answers]
    assert answers[-2:] == [get_texts().ui.stale_button] * 2
    assert profile(db, 501).daily_nudge_cap == 5


async def test_the_weekly_summary_gets_a_new_day_and_time_and_its_reminder_moves(
    harness: BotHarness, db: Database
) -> None:
    user = await runner(harness)
    before = reminders(db, 501)[(ReminderKind.WEEKLY_SUMMARY, 0)]
    assert before.next_fire_at is not None
    await user.send("/settings")
    assert "Weekly summary: Sunday 19:00" in user.last_text
    await user.press("Summary day and time")
    assert conversation_state(db, "settings", 501) == SettingsState.WEEKLY
    await user.press("Monday")
    assert user.last_text.startswith("Weekly summary: Monday 19:00. Next reminder: ")
    await user.press("Summary day and time")
    await user.send("8am")
    assert user.last_text.startswith("Weekly summary: Monday 08:00.")
    after = reminders(db, 501)[(ReminderKind.WEEKLY_SUMMARY, 0)]
    assert after.next_fire_at is not None
    assert after.next_fire_at != before.next_fire_at
    assert after.weekdays == 1  # Monday only
    await user.press("Weekly summary: on")
    assert ReminderKind.WEEKLY_SUMMARY not in enabled_kinds(db, 501)


async def test_a_change_while_paused_says_the_reminders_stay_paused(
    harness: BotHarness, db: Database
) -> None:
    user = await runner(harness)
    await user.send("/pause")
    await user.press("Until I send /resume")
    await user.send("/settings")
    await user.press("Exercise time")
    await user.press("17:00")
    assert user.last_text.startswith("Exercise time: 17:00. Reminders stay paused")

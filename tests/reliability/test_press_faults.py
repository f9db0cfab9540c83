"""Button presses when Telegram refuses part of the answer: a press whose answerCallbackQuery
comes too late is still carried out, a double tap is not an error, and the apology never
depends on answering the press."""

from __future__ import annotations

import copy

from bot.clock import ManualClock, utc
from bot.content.texts import get_texts
from bot.sandbox.fake_telegram.harness import BotHarness
from bot.sandbox.fake_telegram.server import BotMessage
from bot.storage.db import Database
from bot.storage.models import Profile
from tests.services.reminders.conftest import make_runner

NOW = utc(2026, 3, 4, 8, 0)


def paused_until(db: Database, user_id: int) -> object:
    with db.session() as s:
        profile = s.get(Profile, user_id)
        assert profile is not None
        return profile.paused_until


async def offer_pause(harness: BotHarness, db: Database, clock: ManualClock) -> BotMessage:
    clock.set(NOW)
    make_runner(db, 701, NOW)
    user = harness.user(701)
    await user.send("/pause")
    return user.last


async def test_a_press_answered_too_late_is_still_carried_out(
    harness: BotHarness, db: Database, clock: ManualClock
) -> None:
    """After downtime Telegram refuses to answer old presses ("query is too old"); the pause
    is applied and shown all the same, with no apology."""
    offer = await offer_pause(harness, db, clock)
    user = harness.user(701)
    harness.telegram.fail_next("answerCallbackQuery", "query_too_old")
    await user.press("3 days", offer)
    assert paused_until(db, 701) is not None
    assert user.last.text is not None
    assert user.last.text.startswith("Reminders paused until")
    assert all(m.text != get_texts().ui.error for m in user.messages)


async def test_a_double_tap_on_pause_is_not_an_error(
    harness: BotHarness, db: Database, clock: ManualClock
) -> None:
    """Both presses arrive before the first edit removed the buttons; the second edit would
    change nothing, which Telegram refuses as "message is not modified"."""
    offer = await offer_pause(harness, db, clock)
    as_shown = copy.deepcopy(offer)  # the buttons the user saw, before the first edit
    user = harness.user(701)
    await user.press("3 days", offer)
    await user.press("3 days", as_shown)
    assert paused_until(db, 701) is not None
    assert all(m.text != get_texts().ui.error for m in user.messages)
    assert len(harness.telegram.callback_answers) == 2  # each press answered once


async def test_the_apology_does_not_depend_on_answering_the_press(
    harness: BotHarness, db: Database, clock: ManualClock
) -> None:
    """A press fails after it was answered (the edit is refused); the error handler's own
    answer is then refused too (a press is answered once), but the apology still goes out."""
    offer = await offer_pause(harness, db, clock)
    user = harness.user(701)
    harness.telegram.fail_next("editMessageText", "bad_request")
    await user.press("3 days", offer)
    assert user.last_text == get_texts().ui.error


async def test_the_apology_goes_out_when_answering_times_out(
    harness: BotHarness, db: Database, clock: ManualClock
) -> None:
    offer = await offer_pause(harness, db, clock)
    user = harness.user(701)
    harness.telegram.fail_next("answerCallbackQuery", "timeout", times=2)
    await user.press("3 days", offer)
    assert user.last_text == get_texts().ui.error

"""Presses on nudge and /pause buttons whose data cannot be read - empty, a month 13, an id past
PostgreSQL's integer range, an unknown action - get the stale-button answer: no apology, no
error logged, nothing changed."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.clock import utc
from bot.content.texts import get_texts
from bot.storage.models import Profile

from .conftest import deliveries_of, make_runner, nudges, reminders_of

MALFORMED = [
    pytest.param("", id="empty"),
    pytest.param("nudge:done:1:20261304", id="nudge-month-13"),
    pytest.param("nudge:snooze15:1:20260230", id="nudge-february-30"),
    pytest.param("nudge:done:2147483648:20260304", id="nudge-id-past-2^31"),
    pytest.param("nudge:skip:99999999999999:20260304", id="nudge-id-far-past-2^31"),
    pytest.param("nudge:done", id="nudge-no-arguments"),
    pytest.param("nudge:done:1", id="nudge-no-date"),
    pytest.param("nudge:snooze20:1:20260304", id="nudge-unknown-snooze"),
    pytest.param("nudge:explode:1:20260304", id="nudge-unknown-action"),
    pytest.param("nudge:done:-1:20260304", id="nudge-negative-id"),
    pytest.param("pause:days:2147483648", id="pause-days-past-2^31"),
    pytest.param("pause:days:2", id="pause-days-not-offered"),
    pytest.param("pause:days", id="pause-no-days"),
    pytest.param("pause:days:20261304", id="pause-a-date"),
    pytest.param("pause:forever:1", id="pause-forever-with-argument"),
    pytest.param("pause:1", id="pause-old-shape"),
]


@pytest.mark.parametrize("data", MALFORMED)
async def test_an_unreadable_press_is_answered_as_a_stale_button(harness, db, clock, caplog, data):
    now = utc(2026, 3, 4, 8, 0)
    clock.set(now)
    make_runner(db, 130, now)
    user = harness.user(130)
    before = [(r.id, r.next_fire_at, r.enabled) for r in reminders_of(db, 130)]
    caplog.set_level(logging.INFO)

    await user.press_data(data)

    texts = get_texts().ui
    assert harness.telegram.callback_answers[-1].text == texts.stale_button
    assert all(m.text != texts.error for m in user.messages)  # no apology
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [(r.id, r.next_fire_at, r.enabled) for r in reminders_of(db, 130)] == before
    with db.session() as s:
        profile = s.get(Profile, 130)
        assert profile is not None
        assert (profile.paused_until, profile.paused_indefinitely) == (None, False)


async def test_a_real_nudge_button_still_works_after_the_malformed_ones(
    harness, db, clock, dispatcher
):
    """The same handler that rejects bad data applies a good press."""
    due = utc(2026, 3, 4, 8, 35)
    make_runner(db, 131, due - timedelta(hours=1))
    await dispatcher.tick(due)
    (nudge,) = nudges(harness, 131)
    user = harness.user(131)
    clock.set(due + timedelta(minutes=1))
    await user.press_data("nudge:done:2147483648:20260304", nudge)
    assert harness.telegram.callback_answers[-1].text == get_texts().ui.stale_button
    await user.press("Skip today", nudge)
    assert "no more reminders for this today" in user.last_text
    assert [d.slot for d in deliveries_of(db, 131)] == [0]

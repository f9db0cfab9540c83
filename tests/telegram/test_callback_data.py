"""The one way to build and read callback data: Telegram's limit is checked when building, and
anything unreadable is a stale button - through the real Application, no apology, no change."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from bot.content.texts import get_texts
from bot.storage.models import Assessment, Profile
from bot.telegram.callback_data import MAX_ID, CallbackData, StaleButtonError, callback, pattern
from tests.conversations.journeys import conversation_state, onboard


def test_built_data_reads_back_with_its_types() -> None:
    data = callback("nudge", "done", 42, date(2026, 3, 4))
    assert data == "nudge:done:42:20260304"
    press = CallbackData.parse(data)
    assert (press.flow, press.action) == ("nudge", "done")
    assert press.number(0) == 42
    assert press.day(1) == date(2026, 3, 4)


def test_building_refuses_what_telegram_would_refuse() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        callback("assess", "answer", "q" * 60, "yes")
    with pytest.raises(ValueError, match="forbidden character"):
        callback("assess", "answer", "a:b")
    with pytest.raises(ValueError, match="empty"):
        callback("assess", "")


@pytest.mark.parametrize(
    ("data", "read"),
    [
        (None, lambda p: p),
        ("", lambda p: p),
        ("nudge", lambda p: p),
        ("nudge:done:12:20261304", lambda p: p.day(1)),  # month 13
        ("nudge:done:12:20260230", lambda p: p.day(1)),  # 30 February
        (f"nudge:done:{MAX_ID + 1}:20260304", lambda p: p.number(0)),  # past PostgreSQL's int
        ("nudge:done:-3:20260304", lambda p: p.number(0)),
        ("nudge:done", lambda p: p.text(0)),  # an argument missing
        ("onb:consent:maybe", lambda p: p.text(0, choices=frozenset({"yes", "no"}))),
        ("x" * 65, lambda p: p),
        ("assess:answer:a b:1", lambda p: p),
    ],
)
def test_unreadable_data_is_a_stale_button(data, read) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StaleButtonError):
        read(CallbackData.parse(data))


def test_patterns_are_anchored_on_the_prefix() -> None:
    import re

    assert re.match(pattern("assess", "answer"), "assess:answer:age:18_39")
    assert re.match(pattern("assess", "answer"), "assess:answer")
    assert not re.match(pattern("assess", "answer"), "assess:answers:x")
    assert not re.match(pattern("assess"), "assessment:start")


@pytest.mark.parametrize(
    "data",
    [
        "assess:answer",  # no question, no value
        "assess:answer:injury",  # no value
        "assess:back",
        "checkin:answer:pain_now",
        "onb:consent:maybe",
        "onb:tzok:yes",  # confirmed with no zone
        "onb:age",
    ],
)
async def test_a_malformed_press_gets_the_stale_answer_and_changes_nothing(harness, db, data):
    user = harness.user(801)
    await onboard(user)
    await user.press("Start the knee check")
    state_before = conversation_state(db, "assessment", 801)
    with db.session() as s:
        before = [(a.current_question, dict(a.answers)) for a in s.exec(select(Assessment))]
    sent_before = len(user.messages)

    await user.press_data(data)

    assert harness.telegram.callback_answers[-1].text == get_texts().ui.stale_button
    assert len(user.messages) == sent_before  # no apology, no message at all
    assert conversation_state(db, "assessment", 801) == state_before
    with db.session() as s:
        after = [(a.current_question, dict(a.answers)) for a in s.exec(select(Assessment))]
        assert after == before
        assert s.get(Profile, 801) is not None

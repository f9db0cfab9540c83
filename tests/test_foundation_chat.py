"""What a user sees from the foundation: /start, /help, groups, odd input, errors."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from bot.content.texts import get_texts
from bot.storage.models import ConversationState, User, UserData


def _users(db) -> list[User]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return list(session.exec(select(User)))


async def test_start_twice_and_after_restart_stores_one_user(harness, db):
    user = harness.user(42, first_name="Ann")
    await user.send("/start")
    assert "Knee Coach" in user.messages[0].text
    assert "not a doctor" in user.messages[0].text
    await user.send("/start")
    await harness.restart()
    await user.send("/start")

    stored = _users(db)
    assert [(u.id, u.first_name) for u in stored] == [(42, "Ann")]
    assert stored[0].created_at.tzinfo is not None


async def test_help_lists_every_command_in_the_menu(harness):
    user = harness.user(7)
    await user.send("/help")
    for command in get_texts().ui.commands:
        assert f"/{command.command}" in user.last_text
    menu = [c["command"] for c in harness.telegram.commands]
    assert menu == [c.command for c in get_texts().ui.commands]


@pytest.mark.parametrize("action", ["/start", "hello", "/help"])
async def test_group_chat_gets_one_line_redirect_and_nothing_is_stored(harness, db, action):
    member = harness.user(77, chat_id=-100123, chat_type="supergroup")
    await member.send(action)

    replies = harness.telegram.messages_in(-100123)
    assert len(replies) == 1
    assert "\n" not in replies[0].text
    assert "private" in replies[0].text
    assert "@KneeCoachBot" in replies[0].text
    assert _users(db) == []
    with db.session() as session:
        assert list(session.exec(select(UserData))) == []
        assert list(session.exec(select(ConversationState))) == []


async def test_group_button_press_is_answered_without_a_message(harness, db):
    member = harness.user(77, chat_id=-100123, chat_type="group")
    await member.press_data("anything:at:all")
    assert harness.telegram.messages_in(-100123) == []
    assert len(harness.telegram.callback_answers) == 1
    assert _users(db) == []


@pytest.mark.parametrize("action", ["send_sticker", "send_photo", "send_voice"])
async def test_media_gets_a_friendly_way_forward(harness, action):
    user = harness.user(8)
    await getattr(user, action)()
    assert user.last_text == get_texts().ui.unsupported_media
    assert "/help" in user.last_text


async def test_unknown_text_and_very_long_text_get_a_short_reply(harness):
    user = harness.user(9)
    await user.send("x" * 5000)
    await user.send("/nonsense")
    ui = get_texts().ui
    assert [m.text for m in user.messages] == [
        ui.unknown_input,
        ui.unknown_command_no_match.format(typed="nonsense"),
    ]


async def test_edited_message_is_explained(harness):
    user = harness.user(10)
    await user.send("/help")
    await user.edit(message_id=1, text="/start")
    assert user.last_text == get_texts().ui.edited_message


async def test_old_button_is_answered_gracefully(harness):
    user = harness.user(11)
    await user.press_data("from:a:long:gone:flow")
    answer = harness.telegram.callback_answers[-1]
    assert answer.text == get_texts().ui.stale_button
    assert user.messages == []


async def test_a_crashing_handler_apologises_and_logs_no_text(harness, caplog, monkeypatch):
    from conversations import onboarding

    secret = "my knee secret 123"

    def explode(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise ValueError(f"could not parse {secret}")

    monkeypatch.setattr(onboarding, "ensure_user", explode)
    user = harness.user(12)
    with caplog.at_level(logging.DEBUG):
        await user.send("/start")

    assert user.last_text == get_texts().ui.error
    error_logs = [r for r in caplog.records if r.name == "bot.telegram.errors"]
    assert error_logs, "the failure was not logged"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "ValueError" in logged
    assert "user=12" in logged
    assert secret not in logged


async def test_blocking_and_unblocking_is_tracked(harness, db):
    user = harness.user(13)
    await user.send("/start")
    await user.block()
    assert _users(db)[0].is_active is False
    assert _users(db)[0].blocked_at is not None
    await user.unblock()
    assert _users(db)[0].is_active is True

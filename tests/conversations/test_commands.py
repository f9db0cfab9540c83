"""The command menu in order of daily use, and a mistyped command pointed to the real one."""

from __future__ import annotations

import pytest
from telegram.ext import CommandHandler, ConversationHandler

from bot.content.texts import get_texts


async def test_the_menu_starts_with_what_a_runner_uses_every_day(harness):
    menu = [c["command"] for c in harness.telegram.commands]
    assert menu[:3] == ["plan", "checkin", "progress"]
    assert menu.index("settings") > menu.index("pause")
    assert menu[-3:] == ["privacy", "export", "delete"]  # data rights last


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("/chekin", "checkin"), ("/plans", "plan"), ("/Progres", "progress"), ("/paus 3", "pause")],
)
async def test_a_mistyped_command_points_to_the_nearest_real_one(harness, typed, meant):
    user = harness.user(401)
    await user.send(typed)
    description = next(c.description for c in get_texts().ui.commands if c.command == meant)
    word = typed[1:].split()[0].lower()
    assert user.last_text == f"There's no /{word}. Did you mean /{meant} - {description}?"


async def test_a_command_like_nothing_real_points_to_help(harness):
    user = harness.user(402)
    await user.send("/xyzzy")
    assert user.last_text == "There's no /xyzzy. Send /help to see every command."


async def test_every_command_a_user_can_send_is_in_the_menu(harness):
    def commands(handlers):  # type: ignore[no-untyped-def]
        for handler in handlers:
            if isinstance(handler, CommandHandler):
                yield from handler.commands
            elif isinstance(handler, ConversationHandler):
                yield from commands(handler.entry_points)

    registered = {c for group in harness.app.handlers.values() for c in commands(group)}
    menu = {c["command"] for c in harness.telegram.commands}
    assert "drills" in registered
    assert registered - menu == {"stats"}  # operators only: hidden from everyone else

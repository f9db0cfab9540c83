"""`knee-coach sandbox`: chat with the real bot in a terminal, with no token and no network.

The real Application and a real (separate) SQLite database run behind the fake Bot API. Bot
messages are printed as text; inline buttons are numbered and pressed by typing the number.
Sandbox-only commands: /quit, /location LAT LON (share a location), /clock +8h (move time).
"""

from __future__ import annotations

import asyncio
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol, TextIO, runtime_checkable

from bot.clock import ShiftedClock
from bot.sandbox.fake_telegram.harness import BotHarness
from bot.sandbox.fake_telegram.server import BotMessage
from bot.sandbox.fake_telegram.users import FakeUser
from bot.settings import Settings
from bot.storage.db import Database
from bot.telegram.jobs import replay

INTRO = """\
Knee Coach sandbox - you are chatting with the real bot, offline.
Type as you would in Telegram. A number presses that button on the last message with buttons.
Extras: /location LAT LON shares a location, /clock +2h moves time, /quit leaves."""

_CLOCK_STEP = re.compile(r"^/clock\s+\+?(\d+)\s*([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class SandboxScreen:
    """Prints what the bot sent since the last look, each message once (edits shown again)."""

    def __init__(self, out: TextIO, images_dir: Path) -> None:
        self._out = out
        self._images_dir = images_dir
        self._seen: dict[int, tuple[str | None, object]] = {}
        self.buttons: list[tuple[str, BotMessage]] = []

    def show_new(self, messages: list[BotMessage]) -> None:
        for message in messages:
            version = (message.text, message.reply_markup)
            if self._seen.get(message.message_id) == version:
                continue
            previous = self._seen.get(message.message_id)
            self._seen[message.message_id] = version
            if previous is not None and previous[0] == message.text:
                self._print_buttons_only(message)  # same words, new buttons: don't repeat them
            else:
                self._print(message, edited=previous is not None)
        self._out.flush()

    def _print_buttons_only(self, message: BotMessage) -> None:
        if not message.inline_buttons:
            return
        print("bot (buttons changed):", file=self._out)
        self._print_buttons(message)
        print(file=self._out)

    def _print_buttons(self, message: BotMessage) -> None:
        self.buttons = [(b, message) for b in message.button_labels]
        for number, button_label in enumerate(message.button_labels, start=1):
            print(f"  [{number}] {button_label}", file=self._out)

    def _print(self, message: BotMessage, edited: bool) -> None:
        label = "bot (edited)" if edited else "bot"
        if message.photo is not None:
            self._images_dir.mkdir(parents=True, exist_ok=True)
            path = self._images_dir / f"image-{message.message_id}.png"
            path.write_bytes(message.photo)
            print(f"{label}: [image saved to {path}]", file=self._out)
        if message.document is not None:
            self._images_dir.mkdir(parents=True, exist_ok=True)
            path = self._images_dir / (message.document_name or f"file-{message.message_id}")
            path.write_bytes(message.document)
            print(f"{label}: [file saved to {path}]", file=self._out)
        if message.text:
            print(f"{label}: " + message.text.replace("\n", "\n     "), file=self._out)
        if message.inline_buttons:
            self._print_buttons(message)
        if message.keyboard_labels:
            print("  keyboard: " + " | ".join(message.keyboard_labels), file=self._out)
        print(file=self._out)


@runtime_checkable
class MovableClock(Protocol):
    """A clock the sandbox user can move: `ShiftedClock` here, `ManualClock` in tests."""

    def now(self) -> datetime: ...

    def advance(self, delta: timedelta) -> datetime: ...


async def act(harness: BotHarness, user: FakeUser, screen: SandboxScreen, line: str) -> str:
    """Turn one typed line into what it means; return a note for the terminal, if any."""
    if line.isdigit() and screen.buttons:
        index = int(line) - 1
        if 0 <= index < len(screen.buttons):
            label, message = screen.buttons[index]
            await user.press(label, message)
            return ""
        return f"(no button {line}; pick 1-{len(screen.buttons)})"
    if line.startswith("/location"):
        parts = line.split()
        try:
            await user.share_location(float(parts[1]), float(parts[2]))
        except (IndexError, ValueError):
            return "(usage: /location 51.5 -0.12)"
        return ""
    if line.startswith("/clock"):
        match = _CLOCK_STEP.match(line)
        if match is None:
            return "(usage: /clock +30m, /clock +8h or /clock +1d)"
        amount, unit = int(match.group(1)), _UNITS[match.group(2)]
        clock = harness.clock
        assert isinstance(clock, MovableClock)
        before = clock.now()
        now = clock.advance(timedelta(**{unit: amount}))
        # Tick through the skipped time, so its nudges appear in order as they would have.
        await replay(harness.app, before, now)
        return f"(the sandbox clock is now {now:%Y-%m-%d %H:%M} UTC)"
    await user.send(line)
    return ""


async def _sandbox(database_url: str, user_id: int, stdin: TextIO, out: TextIO) -> int:
    settings = Settings(database_url=database_url, telegram_bot_token=None)
    db = Database.from_url(database_url)
    db.upgrade()
    clock = ShiftedClock()
    harness = BotHarness(settings, db=db, clock=clock)
    await harness.start()
    user = harness.user(user_id, first_name="Runner")
    screen = SandboxScreen(out, Path("data") / "sandbox-files")
    print(INTRO + "\n", file=out, flush=True)
    try:
        while True:
            print("you> ", end="", file=out, flush=True)
            line = await asyncio.to_thread(stdin.readline)
            if not line:  # end of input
                break
            line = line.strip()
            if line == "/quit":
                break
            if not line:
                continue
            note = await act(harness, user, screen, line)
            if note:
                print(note, file=out)
            screen.show_new(user.messages)
    finally:
        await harness.stop()
    print("Bye! Your sandbox data stays in " + database_url, file=out, flush=True)
    return 0


def run_sandbox(database_url: str, user_id: int) -> int:
    """Run the interactive sandbox on this terminal."""
    try:
        return asyncio.run(_sandbox(database_url, user_id, sys.stdin, sys.stdout))
    except KeyboardInterrupt:
        return 0

"""`knee-coach sandbox`: chat with the real bot in a terminal, with no token and no network.

The real Application and a real (separate) SQLite database run behind the fake Bot API. Bot
messages are printed as text; the buttons of the newest few messages are numbered and pressed
by typing the number (a keypad's digits are their own numbers), and pop-up answers are printed.
Nothing typed ends the session with a traceback: a bad number gets a one-line hint.
Sandbox-only commands: /quit, /location LAT LON (share a location), /clock +8h (move time; the
offset is kept beside the sandbox database, so a restart does not jump back).
"""

from __future__ import annotations

import asyncio
import logging
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
Type as you would in Telegram. A number presses the button shown with it: the newest
message's buttons come first, and on a 0-10 keypad the number is the button's own value.
Extras: /location LAT LON shares a location, /clock +2h moves time (kept across restarts),
/quit leaves."""

_CLOCK_STEP = re.compile(r"^/clock\s+\+?(\d+)\s*([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
# Buttons on this many of the newest messages with buttons can be pressed by number.
RECENT_MESSAGES = 3

log = logging.getLogger(__name__)


def _pressable(message: BotMessage) -> list[str]:
    """The labels of the message's buttons that send a press (not links)."""
    return [str(b["text"]) for b in message.inline_buttons if "callback_data" in b]


def number_buttons(messages: list[BotMessage]) -> dict[int, tuple[int, str]]:
    """Number the buttons of the newest `RECENT_MESSAGES` messages that have any:
    number -> (message id, label).

    The newest message's buttons come first, from 1; a button labelled with a bare number
    (the 0-10 keypad) gets that number, so typing 7 presses "7". Older messages' buttons
    follow.
    """
    recent = [m for m in reversed(messages) if _pressable(m)][:RECENT_MESSAGES]
    numbers: dict[int, tuple[int, str]] = {}
    if not recent:
        return numbers
    newest = recent[0]
    for label in _pressable(newest):
        if label.isdigit() and int(label) not in numbers:
            numbers[int(label)] = (newest.message_id, label)
    taken = {(mid, label) for mid, label in numbers.values()}
    free = 1
    for message in recent:
        for label in _pressable(message):
            if (message.message_id, label) in taken:
                continue
            while free in numbers:
                free += 1
            numbers[free] = (message.message_id, label)
            taken.add((message.message_id, label))
    return numbers


class SandboxScreen:
    """Prints what the bot sent since the last look, each message once (edits shown again),
    with every pressable button numbered (`number_buttons`)."""

    def __init__(self, out: TextIO, images_dir: Path) -> None:
        self._out = out
        self._images_dir = images_dir
        self._seen: dict[int, tuple[str | None, object]] = {}
        self.numbers: dict[int, tuple[int, str]] = {}

    def note(self, text: str) -> None:
        print(text, file=self._out)

    def show_new(self, messages: list[BotMessage]) -> None:
        before = self.numbers
        self.numbers = number_buttons(messages)
        shown: set[int] = set()
        for message in messages:
            version = (message.text, message.reply_markup)
            if self._seen.get(message.message_id) == version:
                continue
            previous = self._seen.get(message.message_id)
            self._seen[message.message_id] = version
            shown.add(message.message_id)
            if previous is not None and previous[0] == message.text:
                self._print_buttons_only(message)  # same words, new buttons: don't repeat them
            else:
                self._print(message, edited=previous is not None)
        self._print_renumbered(before, shown)
        self._out.flush()

    def _print_renumbered(self, before: dict[int, tuple[int, str]], shown: set[int]) -> None:
        """List buttons of older messages whose numbers changed, so every number on screen is
        the one to type."""
        moved = [
            (number, label)
            for number, (message_id, label) in sorted(self.numbers.items())
            if message_id not in shown and before.get(number) != (message_id, label)
        ]
        if moved:
            listed = " · ".join(f"[{number}] {label}" for number, label in moved)
            print(f"  earlier buttons: {listed}\n", file=self._out)

    def _print_buttons_only(self, message: BotMessage) -> None:
        if not message.inline_buttons:
            return
        print("bot (buttons changed):", file=self._out)
        self._print_buttons(message)
        print(file=self._out)

    def _print_buttons(self, message: BotMessage) -> None:
        by_label = {
            label: number
            for number, (message_id, label) in self.numbers.items()
            if message_id == message.message_id
        }
        for button_label in message.button_labels:
            number = by_label.get(button_label)
            mark = f"[{number}]" if number is not None else "[-]"
            print(f"  {mark} {button_label}", file=self._out)

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
    """Turn one typed line into what it means; return a note for the terminal, if any.

    Never raises: anything that goes wrong is one line of hint (a sandbox session is for
    trying things, and a traceback ends it).
    """
    answers_before = harness.telegram.call_count("answerCallbackQuery")
    try:
        note = await _act(harness, user, screen, line)
    except Exception as exc:  # the sandbox never shows a traceback
        log.debug("sandbox input failed", exc_info=True)
        return f"(that didn't work: {type(exc).__name__}; try again, or /quit)"
    popups = _popups(harness, answers_before)
    return "\n".join(part for part in (*popups, note) if part)


def _popups(harness: BotHarness, answers_before: int) -> list[str]:
    """The pop-up texts (notifications and alerts) of the presses answered since."""
    new = harness.telegram.call_count("answerCallbackQuery") - answers_before
    if new <= 0:
        return []
    answers = list(harness.telegram.callback_answers)[-new:]
    return [f"({'alert' if a.show_alert else 'pop-up'}: {a.text})" for a in answers if a.text]


async def _act(harness: BotHarness, user: FakeUser, screen: SandboxScreen, line: str) -> str:
    if line.isdigit() and screen.numbers:
        return await _press_number(user, screen, int(line))
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


async def _press_number(user: FakeUser, screen: SandboxScreen, number: int) -> str:
    """Press the button shown with `number`, if it is still there."""
    if number not in screen.numbers:
        shown = ", ".join(str(n) for n in sorted(screen.numbers))
        return f"(no button {number} on screen; the numbers shown are {shown})"
    message_id, label = screen.numbers[number]
    message = next((m for m in user.messages if m.message_id == message_id), None)
    if message is None or label not in _pressable(message):
        return f"(button {number} is gone now - that step is done; type a number shown below)"
    await user.press(label, message)
    return ""


def clock_file_for(database_url: str) -> Path:
    """Where the sandbox keeps how far its clock was moved: beside its SQLite file, or in
    data/ for any other database."""
    prefix = "sqlite:///"
    if database_url.startswith(prefix) and ":memory:" not in database_url:
        return Path(database_url.removeprefix(prefix)).with_suffix(".clock")
    return Path("data") / "sandbox.clock"


def load_clock_offset(path: Path) -> timedelta:
    """How far /clock had moved the sandbox's time (none if never, or unreadable)."""
    try:
        return timedelta(seconds=float(path.read_text(encoding="utf-8").strip()))
    except (OSError, ValueError, OverflowError):
        return timedelta(0)


def save_clock_offset(path: Path, offset: timedelta) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{offset.total_seconds()}\n", encoding="utf-8")


async def _sandbox(database_url: str, user_id: int, stdin: TextIO, out: TextIO) -> int:
    settings = Settings(database_url=database_url, telegram_bot_token=None)
    db = Database.from_url(database_url)
    db.upgrade()
    clock_file = clock_file_for(database_url)
    clock = ShiftedClock()
    clock.offset = load_clock_offset(clock_file)  # the sandbox's time survives a restart
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
            offset = clock.offset
            note = await act(harness, user, screen, line)
            if clock.offset != offset:
                save_clock_offset(clock_file, clock.offset)
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

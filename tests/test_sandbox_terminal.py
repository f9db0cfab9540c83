"""The sandbox terminal as a person types into it: numbers press the buttons shown with them,
nothing typed ends in a traceback, pop-ups are printed, and the clock survives a restart."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.sandbox.terminal import SandboxScreen, _sandbox, act, clock_file_for
from tests.conversations.journeys import ASKED, TYPICAL, answer, current, on_screen, onboard


def _screen(tmp_path: Path) -> tuple[SandboxScreen, io.StringIO]:
    out = io.StringIO()
    return SandboxScreen(out, tmp_path), out


async def test_a_number_whose_button_is_gone_is_a_one_line_hint(harness, tmp_path) -> None:
    user = harness.user(5101)
    screen, _out = _screen(tmp_path)
    await user.send("/start")
    screen.show_new(user.messages)
    assert await act(harness, user, screen, "1") == ""  # "I agree"
    # Typed again before the screen was redrawn: the consent buttons are gone by now.
    note = await act(harness, user, screen, "1")
    assert note.startswith("(button 1 is gone now")
    assert "\n" not in note
    screen.show_new(user.messages)
    note = await act(harness, user, screen, "99")
    assert note.startswith("(no button 99 on screen; the numbers shown are 1")


async def test_anything_that_fails_is_a_hint_not_a_traceback(harness, tmp_path, monkeypatch):
    user = harness.user(5102)
    screen, _out = _screen(tmp_path)

    async def broken(*_args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(user, "share_location", broken)
    note = await act(harness, user, screen, "/location 51.5 -0.1")
    assert note == "(that didn't work: RuntimeError; try again, or /quit)"


async def test_typing_7_on_the_keypad_presses_the_button_7(harness, db, tmp_path) -> None:
    user = harness.user(5103)
    screen, out = _screen(tmp_path)
    await onboard(user)
    await user.press("Start the knee check")
    for _ in ASKED:  # answer the question on screen until a 0-10 keypad is shown
        if "7" in user.last.button_labels:
            break
        on = on_screen(user)
        assert on is not None
        await answer(user, on, TYPICAL[on])
    keypad = str(user.last.inline_buttons[0]["callback_data"])
    question_id = keypad.split(":")[2]
    screen.show_new(user.messages)
    assert "  [7] 7\n" in out.getvalue()
    assert "  [0] 0\n" in out.getvalue()
    assert await act(harness, user, screen, "7") == ""
    running = current(db, 5103)
    assert running is not None
    assert running.answers[question_id] == "7"


async def test_pop_ups_are_printed_and_earlier_buttons_stay_pressable(harness, tmp_path) -> None:
    user = harness.user(5104)
    screen, out = _screen(tmp_path)
    await onboard(user)
    await user.press("Start the knee check")
    for question_id in ASKED:
        if question_id in TYPICAL:
            await answer(user, question_id, TYPICAL[question_id])
    screen.show_new(user.messages)
    numbers = {label: n for n, (_id, label) in screen.numbers.items()}
    await act(harness, user, screen, str(numbers["Hamstring stretch on a step"]))
    out.truncate(0)
    out.seek(0)
    screen.show_new(user.messages)  # the task page: its buttons first, the plan's after them
    shown = out.getvalue()
    assert "[1] Easier" in shown
    assert "[3] Done ✓" in shown
    assert "earlier buttons: " in shown
    numbers = {label: n for n, (_id, label) in screen.numbers.items()}
    note = await act(harness, user, screen, str(numbers["Done ✓"]))
    assert note == "(pop-up: Marked done: Hamstring stretch on a step)"
    # A button of the plan, one message up, still works by its number.
    assert await act(harness, user, screen, str(numbers["Wall squat with a physioball"])) == ""
    assert user.last_text.startswith("Wall squat with a physioball")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///data/sandbox.db", Path("data/sandbox.clock")),
        ("sqlite:///:memory:", Path("data/sandbox.clock")),
        ("postgresql+psycopg://localhost/coach", Path("data/sandbox.clock")),
    ],
)
def test_the_clock_file_sits_beside_the_sandbox_database(url: str, expected: Path) -> None:
    assert clock_file_for(url) == expected


async def test_the_sandbox_clock_survives_a_restart(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'sandbox.db'}"
    out = io.StringIO()
    assert await _sandbox(url, 1001, io.StringIO("/clock +1d\n/quit\n"), out) == 0
    clock_file = tmp_path / "sandbox.clock"
    assert float(clock_file.read_text()) == 86_400
    # A second session starts where the first left the clock, and moves on from there.
    assert await _sandbox(url, 1001, io.StringIO("/clock +1h\n/quit\n"), out) == 0
    assert float(clock_file.read_text()) == 90_000
    assert "Traceback" not in out.getvalue()

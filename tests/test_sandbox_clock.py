"""The sandbox's `/clock` lets a person watch a day of nudges in a minute."""

from __future__ import annotations

import io
from pathlib import Path

from bot.clock import utc
from bot.sandbox.terminal import SandboxScreen, act
from tests.conversations.journeys import TYPICAL, assess, onboard


async def test_clock_forward_shows_the_days_nudges_and_their_buttons_work(
    harness, clock, tmp_path: Path
) -> None:
    clock.set(utc(2026, 3, 4, 7, 0))  # 07:00 in London
    user = harness.user(5001)
    await onboard(user)
    await assess(user, TYPICAL)
    out = io.StringIO()
    screen = SandboxScreen(out, tmp_path)
    screen.show_new(user.messages)
    out.truncate(0)

    note = await act(harness, user, screen, "/clock +12h")
    screen.show_new(user.messages)
    shown = out.getvalue()

    assert note == "(the sandbox clock is now 2026-03-04 19:00 UTC)"
    assert clock.now() == utc(2026, 3, 4, 19, 0)
    assert "bot: " in shown
    assert "[1] Today's plan" in shown  # the 18:00 exercise nudge, with its numbered buttons
    assert "[5] Skip today" in shown

    await act(harness, user, screen, "1")  # open today's plan by its number
    screen.show_new(user.messages)
    assert "Today, Wed 04 Mar" in out.getvalue()


async def test_clock_usage_is_explained(harness) -> None:
    user = harness.user(5002)
    screen = SandboxScreen(io.StringIO(), Path("unused"))
    assert (await act(harness, user, screen, "/clock soon")).startswith("(usage: /clock")
    assert user.messages == []

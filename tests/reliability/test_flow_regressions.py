"""The issue's "coroutine raised StopIteration": opening consent, /cancel, /assess, /start and
"Start the knee check" raised `RuntimeError: coroutine raised StopIteration` and left the knee
check stuck on its first question. Reproduced through the real Application after the flows
were rewritten: it no longer happens; these sequences keep it that way."""

from __future__ import annotations

import copy
import logging

import pytest

from bot.sandbox.fake_telegram.harness import BotHarness
from bot.sandbox.fake_telegram.users import FakeUser
from tests.conversations.journeys import onboard


async def finish_onboarding(user: FakeUser) -> None:
    await user.press("I agree")
    await user.press("18-39")
    await user.send("London")
    await user.press("Yes, that's right")
    await user.press("07:00-23:00")


async def check_moves_on(user: FakeUser) -> None:
    """The knee check is on its first question, and answering it brings the second."""
    assert user.last_text.startswith("Question 1 of ")
    await user.press(user.last.button_labels[1])  # "Yes, one of these"
    assert user.last_text.startswith("Question 2 of ")


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    caplog.set_level(logging.INFO)
    return caplog.records


def failures(records: list[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records if r.levelno >= logging.ERROR]


async def test_consent_cancel_assess_start_then_the_knee_check(
    harness: BotHarness, errors: list[logging.LogRecord]
) -> None:
    user = harness.user(801)
    await user.send("/start")  # consent is asked
    await user.send("/cancel")
    await user.send("/assess")  # no consent yet: refused politely
    await user.send("/start")  # consent again
    await finish_onboarding(user)
    await user.press("Start the knee check")
    await check_moves_on(user)
    assert failures(errors) == []


async def test_an_old_start_button_after_cancel_assess_and_start_mid_check(
    harness: BotHarness, errors: list[logging.LogRecord]
) -> None:
    user = harness.user(802)
    await onboard(user)
    offer = copy.deepcopy(user.last)  # "Start the knee check", as first shown
    await user.press("Start the knee check")
    await user.send("/cancel")
    await user.send("/assess")
    await user.send("/start")  # mid-check: "welcome back"
    await user.press("Start the knee check", offer)
    await check_moves_on(user)
    assert failures(errors) == []

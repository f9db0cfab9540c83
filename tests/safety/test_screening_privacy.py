"""Message text never reaches a log: not through loguru (PyRuSH) nor the standard library."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from loguru import logger

from bot.coaching.screening import screen
from bot.coaching.screening.language import is_probably_english

SECRET = "my knee zqxwv locked and the calf zqxwv is swollen"


@pytest.fixture
def loguru_lines() -> Iterator[list[str]]:
    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(str(message)), level=0)
    try:
        yield lines
    finally:
        logger.remove(sink)


def test_screening_logs_no_message_text(
    loguru_lines: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    screen(SECRET)
    is_probably_english(SECRET)
    logged = loguru_lines + [r.getMessage() for r in caplog.records]
    assert not [line for line in logged if "zqxwv" in line]


def test_the_splitter_would_log_the_text_if_it_were_not_silenced(
    loguru_lines: list[str],
) -> None:
    # Proves the check above can fail: PyRuSH really does quote messages at DEBUG.
    screen("warm up")
    logger.enable("PyRuSH")
    try:
        screen(SECRET)
    finally:
        logger.disable("PyRuSH")
    assert [line for line in loguru_lines if "zqxwv" in line]

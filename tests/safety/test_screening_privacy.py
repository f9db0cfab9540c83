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


def test_medspacys_sentence_splitter_is_silenced(loguru_lines: list[str]) -> None:
    # PyRuSH (medspacy.load()'s default splitter) quotes each sentence at DEBUG; the engine
    # disables its logger on import. Enabling it shows the check above could fail.
    import spacy

    import bot.coaching.screening.engine  # noqa: F401  (disables the PyRuSH logger)

    nlp = spacy.blank("en")
    nlp.add_pipe("medspacy_pyrush")
    nlp(SECRET)
    assert not [line for line in loguru_lines if "zqxwv" in line]
    logger.enable("PyRuSH")
    try:
        nlp(SECRET)
    finally:
        logger.disable("PyRuSH")
    assert [line for line in loguru_lines if "zqxwv" in line]

"""Privacy in logs: at LOG_LEVEL=DEBUG, a whole conversation through the real Application
leaves neither the bot token nor anything the user typed, tapped or was told in any record."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from telegram.error import InvalidToken

from bot.clock import ManualClock
from bot.logging_setup import CAPPED_LOGGERS, REDACTED, configure_logging
from bot.sandbox.fake_telegram.harness import BotHarness
from bot.settings import Settings
from bot.storage.db import Database

TOKEN = "987654321:AAHprivacyProbeTokenQuokka0123456789xyz"
SECRET = TOKEN.split(":")[1]
# Distinctive enough that no log line can contain it by chance.
TYPED = "Zanzibar-7781 says my knee locked yesterday"
UNKNOWN = "Okapi-5512 what is this bot"
ZONE = "Timbuktu-3390"

_WATCHED = ("", *CAPPED_LOGGERS, "telegram.ext", "telegram.ext.ExtBot", "telegram.ext.Application")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Undo configure_logging's global changes so other tests see logging as it was."""
    root = logging.getLogger()
    handlers = list(root.handlers)
    filters = {handler: list(handler.filters) for handler in handlers}
    levels = {name: logging.getLogger(name).level for name in _WATCHED}
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for handler, kept in filters.items():
        handler.filters[:] = kept
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


class Capture(logging.Handler):
    """Every record that reaches the root, formatted with its traceback and stack."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.stream = io.StringIO()
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.stream.write(self.format(record) + "\n")

    @property
    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def captured(restore_logging: None, caplog: pytest.LogCaptureFixture) -> Iterator[Capture]:
    """LOG_LEVEL=DEBUG as `knee-coach run` configures it, with a handler added afterwards
    (so it has no filter of its own) and pytest's caplog, both at DEBUG."""
    caplog.set_level(logging.DEBUG)
    configure_logging("DEBUG", secrets=[TOKEN])
    capture = Capture()
    logging.getLogger().addHandler(capture)
    yield capture
    logging.getLogger().removeHandler(capture)


def everything_logged(capture: Capture, caplog: pytest.LogCaptureFixture) -> str:
    records = "\n".join(
        f"{r.getMessage()} {r.args!r} {r.exc_text or ''} {r.stack_info or ''}"
        for r in caplog.records
    )
    return "\n".join((capture.text, caplog.text, records))


async def test_debug_logs_of_a_whole_conversation_hold_no_token_texts_or_answers(
    captured: Capture,
    caplog: pytest.LogCaptureFixture,
    database_url: str,
    db: Database,
    clock: ManualClock,
) -> None:
    settings = Settings(database_url=database_url, telegram_bot_token=TOKEN, _env_file=None)  # type: ignore[call-arg]
    async with BotHarness(settings, db=db, clock=clock) as harness:
        user = harness.user(4242, first_name="Quentin")
        await user.send("/start")
        await user.press("I agree")
        await user.press("18-39")
        await user.send(ZONE)  # not a place: asked again, and the text must not be logged
        await user.send("London")
        await user.press("Yes, that's right")
        await user.press("07:00-23:00")
        await user.send(TYPED)  # a red flag in free text
        harness.telegram.fail_next("sendMessage", "bad_request")
        await user.send(UNKNOWN)  # the reply fails: the error path logs too
        replies = [m.text or "" for m in user.messages]
        offered = [str(b.get("callback_data")) for m in user.messages for b in m.inline_buttons]

    logged = everything_logged(captured, caplog)
    assert caplog.records, "nothing was logged at all: the test would prove nothing"
    assert "update=" in logged  # the error handler's line is there, with ids only
    for secret in (TOKEN, SECRET):
        assert secret not in logged
    for typed in (TYPED, "Zanzibar-7781", UNKNOWN, "Okapi-5512", ZONE):
        assert typed not in logged
    for reply in replies:
        for line in reply.splitlines():
            if len(line) >= 25:  # short lines ("Yes") could appear by chance
                assert line not in logged, f"a reply was logged: {line!r}"
    assert "I agree" not in logged
    assert "18-39" not in logged
    for data in offered:  # what a tap carries is an answer too
        assert data not in logged


def test_token_is_redacted_from_message_arguments_and_traceback(
    captured: Capture, caplog: pytest.LogCaptureFixture
) -> None:
    log = logging.getLogger("bot.anything")
    try:
        raise InvalidToken(f"The token `{TOKEN}` was rejected by the server.")
    except InvalidToken:
        log.exception("GET https://api.telegram.org/bot%s/getMe failed (%s)", TOKEN, TOKEN)
    log.warning(f"token in the message itself: {TOKEN}", stack_info=True)

    logged = everything_logged(captured, caplog)
    assert SECRET not in logged
    assert f"bot987654321:{REDACTED}/getMe" in logged
    assert "InvalidToken" in logged
    assert "Traceback" in logged  # our own tracebacks stay, redacted


def test_any_token_shaped_string_and_url_password_is_redacted(
    captured: Capture, caplog: pytest.LogCaptureFixture
) -> None:
    other = "555555555:AAAanotherBotsTokenThatWasNeverConfigured1"
    logging.getLogger("bot.anything").warning(
        "two secrets: %s and %s", other, "postgresql://kc:hunter2secret@db:5432/kc"
    )
    logged = everything_logged(captured, caplog)
    assert other.split(":")[1] not in logged
    assert "hunter2secret" not in logged
    assert f"postgresql://kc:{REDACTED}@db:5432/kc" in logged


def test_library_records_keep_numbers_and_exception_types_only(
    captured: Capture, caplog: pytest.LogCaptureFixture
) -> None:
    update = {"message": {"text": TYPED}}
    try:
        raise ValueError(f"cannot parse {TYPED}")
    except ValueError:
        logging.getLogger("telegram.ext.Updater").critical(
            "Error while parsing updates! Received data was %r (%s of %d)",
            update,
            "attempt",
            3,
            exc_info=True,
        )
    logging.getLogger("telegram.ext.Application").error(update)  # an object as the message
    logged = everything_logged(captured, caplog)
    assert "Zanzibar" not in logged
    assert "Received data was <dict> (<str> of 3)" in logged
    assert "ERROR telegram.ext.Application: <dict>" in logged
    assert "builtins.ValueError" in logged  # the type and frames are kept for the operator


@pytest.mark.parametrize(
    "name", ["telegram.ext.ExtBot", "telegram.ext.Application", "httpx", "sqlalchemy.engine"]
)
def test_library_loggers_stay_quiet_below_warning_even_if_lowered_later(
    captured: Capture, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    library = logging.getLogger(name)
    assert not library.isEnabledFor(logging.INFO)
    library.setLevel(logging.DEBUG)  # a later change must not reopen the leak
    library.debug("Calling Bot API endpoint `sendMessage` with parameters %s", {"text": TYPED})
    assert "Zanzibar" not in captured.text
    assert "Zanzibar" not in caplog.text


def test_an_unexpected_error_is_logged_with_types_and_frames_only(
    restore_logging: None,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Python's own traceback would bypass the filter and print the exception's message."""
    from bot import cli

    def broken(_url: str) -> None:
        raise RuntimeError(f"stored answer {TYPED} with {TOKEN}")

    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'kc.db'}")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setattr(cli, "_open_database", broken)

    assert cli.main(["db", "upgrade"]) == cli.EXIT_BUG
    assert "knee-coach db failed" in caplog.text
    assert "builtins.RuntimeError" in caplog.text
    assert "Zanzibar" not in caplog.text
    assert SECRET not in caplog.text

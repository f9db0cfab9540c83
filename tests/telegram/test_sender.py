"""How the nudge sender classifies Telegram's errors: `failed` (certainly not sent, may be
tried again) or `uncertain` (may have arrived, never repeated). The errors are built as
python-telegram-bot's HTTPXRequest raises them: the PTB error from the httpx one."""

from __future__ import annotations

import httpx
import pytest
from telegram.error import BadRequest, ChatMigrated, NetworkError, TelegramError, TimedOut

from bot.services.reminders.nudge import SendOutcome
from bot.telegram.sender import outcome_of


def raised(error: TelegramError, cause: BaseException | None) -> TelegramError:
    try:
        raise error from cause
    except TelegramError as exc:
        return exc


CASES = [
    pytest.param(TimedOut(), httpx.ReadTimeout("read"), SendOutcome.UNCERTAIN, id="read-timeout"),
    pytest.param(TimedOut(), httpx.WriteTimeout("w"), SendOutcome.UNCERTAIN, id="write-timeout"),
    pytest.param(TimedOut(), None, SendOutcome.UNCERTAIN, id="timeout-no-cause"),
    pytest.param(TimedOut(), httpx.PoolTimeout("pool"), SendOutcome.FAILED, id="pool-timeout"),
    pytest.param(TimedOut(), httpx.ConnectTimeout("c"), SendOutcome.FAILED, id="connect-timeout"),
    pytest.param(
        NetworkError("httpx.ConnectError: refused"),
        httpx.ConnectError("refused"),
        SendOutcome.FAILED,
        id="connection-refused",
    ),
    pytest.param(
        NetworkError("httpx.ReadError: reset"),
        httpx.ReadError("reset"),
        SendOutcome.UNCERTAIN,
        id="connection-reset-mid-response",
    ),
    pytest.param(
        NetworkError("httpx.RemoteProtocolError: disconnected"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        SendOutcome.UNCERTAIN,
        id="server-disconnected",
    ),
    pytest.param(
        NetworkError("Unknown error in HTTP implementation: OSError()"),
        OSError("?"),
        SendOutcome.UNCERTAIN,
        id="unknown-transport-error",
    ),
    pytest.param(
        NetworkError("Internal Server Error"), None, SendOutcome.FAILED, id="telegram-5xx"
    ),
    pytest.param(
        NetworkError("Bad Gateway (502)"),
        TelegramError("Invalid server response"),
        SendOutcome.FAILED,
        id="5xx-unparsable-body",
    ),
    pytest.param(BadRequest("chat not found"), None, SendOutcome.FAILED, id="bad-request"),
    pytest.param(ChatMigrated(42), None, SendOutcome.FAILED, id="chat-migrated"),
]


@pytest.mark.parametrize(("error", "cause", "expected"), CASES)
def test_an_error_is_uncertain_only_if_telegram_may_have_sent(
    error: TelegramError, cause: BaseException | None, expected: SendOutcome
) -> None:
    assert outcome_of(raised(error, cause)) == expected

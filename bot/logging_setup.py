"""Logging for operators: ids and outcomes only, never message texts, answers or the token.

`knee-coach` calls `configure_logging` once at start. Two layers keep private data out of
every log line, at any LOG_LEVEL including DEBUG:

- Libraries that log what passes through them (python-telegram-bot logs every API call with
  its parameters and results, httpx every URL, which carries the token, SQLAlchemy the bound
  parameters, i.e. the answers) are capped at WARNING, so their chatty records are never made.
- A `PrivacyFilter` on every root handler rewrites each record before it is written: the bot
  token and database passwords are redacted everywhere (message, arguments, traceback), and
  what a capped library still logs at WARNING and above keeps only numbers from its arguments
  and only exception types from its tracebacks, because those arguments and messages can hold
  a whole update (what a user typed) or a response body.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterable
from types import TracebackType

# Third-party loggers that see message texts, answers or the token when they log below
# WARNING. Children ("telegram.ext.ExtBot", "sqlalchemy.engine.Engine", ...) inherit the cap.
CAPPED_LOGGERS = (
    "telegram",
    "httpx",
    "httpcore",
    "apscheduler",
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "psycopg",
)
# The loggers the issue saw leak, named so a level set on one of them cannot undo the cap.
_KNOWN_CHATTY_CHILDREN = (
    "telegram.Bot",
    "telegram.ext",
    "telegram.ext.ExtBot",
    "telegram.ext.Application",
    "telegram.ext.Updater",
    "telegram.ext.ConversationHandler",
    "telegram.ext.JobQueue",
    "telegram.ext.AIORateLimiter",
    "telegram.request",
    "sqlalchemy.engine",
    "sqlalchemy.pool",
)
CAP = logging.WARNING

REDACTED = "[REDACTED]"
# Anything shaped like a BotFather token ("<bot id>:<secret>"), also inside ".../bot<token>/".
_TOKEN_SHAPE = re.compile(r"(\d{5,}):[A-Za-z0-9_-]{30,}")
# The password in a URL's user info: "postgresql://user:password@host".
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s/]+@")
# Argument types a capped library may keep: they cannot carry text.
_PLAIN_ARGS = (int, float, bool, type(None))

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


class Redactor:
    """Replace secrets in text: configured ones verbatim, and anything token-shaped."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        parts: set[str] = set()
        for secret in secrets:
            if not secret:
                continue
            secret = secret.strip()
            # The part after the colon is the secret; the bot id before it is public. Redacting
            # the part alone also covers the full token and the ".../bot<token>/method" URL.
            _bot_id, colon, key = secret.partition(":")
            parts.add(key if colon and key else secret)
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted((p for p in parts if p), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        text = _TOKEN_SHAPE.sub(rf"\1:{REDACTED}", text)
        return _URL_PASSWORD.sub(rf"\1{REDACTED}@", text)


def is_capped(logger_name: str) -> bool:
    """Tell whether `logger_name` belongs to a library capped at WARNING."""
    return any(logger_name == name or logger_name.startswith(name + ".") for name in CAPPED_LOGGERS)


class _Withheld(str):
    """Stands in for a library's argument: its type's name, alike under %s and %r."""

    def __repr__(self) -> str:
        return str(self)


def _scrub_arg(value: object) -> object:
    return value if isinstance(value, _PLAIN_ARGS) else _Withheld(f"<{type(value).__name__}>")


def describe_exception_types(exc_info: _ExcInfo) -> str:
    """A traceback with every exception's type and frames but no exception message.

    Messages of exceptions raised inside libraries can quote the data they choked on (an
    update, a response body). Telegram's own errors are the exception: their messages are
    Telegram's descriptions ("Forbidden: bot was blocked by the user"), which an operator
    needs, and they pass through the token redaction like everything else.
    """
    chain: list[BaseException] = []
    error: BaseException | None = exc_info[1]
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    blocks = []
    for error in reversed(chain):
        name = f"{type(error).__module__}.{type(error).__qualname__}"
        if type(error).__module__ == "telegram.error":
            name = f"{name}: {error}"
        frames = "".join(traceback.format_tb(error.__traceback__))
        blocks.append(f"Traceback (most recent call last):\n{frames}{name}")
    return "\n\nwhich led to:\n\n".join(blocks)


class PrivacyFilter(logging.Filter):
    """Rewrites records in place so every handler after it sees only redacted text.

    Installed on the root handlers. A record is rendered once (message with its arguments,
    traceback to text), redacted, and stored back with no arguments and no live exception, so
    nothing downstream can format the original again. Records of capped libraries below the
    cap, possible only if a library logger was given a lower level after start-up, are emptied
    and dropped.
    """

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        capped = is_capped(record.name)
        if capped and record.levelno < CAP:
            # Emptied as well as dropped: a handler added after this one still sees the record.
            record.msg, record.args = "(withheld: library detail below WARNING)", None
            record.exc_info, record.exc_text, record.stack_info = None, None, None
            return False
        if capped and not isinstance(record.msg, str):  # an object logged as the message
            record.msg = _scrub_arg(record.msg)
        try:
            if capped and record.args:
                args = record.args
                record.args = (
                    {key: _scrub_arg(value) for key, value in args.items()}
                    if isinstance(args, dict)
                    else tuple(_scrub_arg(value) for value in args)
                )
            message = record.getMessage()
        except Exception:  # a malformed call must not raise at the call site
            message = f"{record.msg!s} <arguments could not be formatted>"
        record.msg, record.args = self._redact(message), None
        if record.exc_info and record.exc_info[1] is not None:
            exc_info: _ExcInfo = record.exc_info
            text = (
                describe_exception_types(exc_info)
                if capped
                else "".join(traceback.format_exception(*exc_info)).rstrip("\n")
            )
            record.exc_text = self._redact(text)
        elif record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        record.exc_info = None
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True


def configure_logging(level: str, *, secrets: Iterable[str | None] = ()) -> None:
    """Log to stderr at `level`, with libraries capped and every root handler filtered.

    `secrets` are redacted verbatim (the bot token); token-shaped strings and passwords in
    URLs are redacted whatever is passed. Root handlers that already exist (a test runner's)
    get the filter too.
    """
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.setLevel(level)
    cap = max(CAP, root.level)
    for name in (*CAPPED_LOGGERS, *_KNOWN_CHATTY_CHILDREN):
        logging.getLogger(name).setLevel(cap)
    privacy = PrivacyFilter(Redactor(secrets))
    for handler in root.handlers:
        for old in [f for f in handler.filters if isinstance(f, PrivacyFilter)]:
            handler.removeFilter(old)  # configuring twice must not stack stale secrets
        handler.addFilter(privacy)

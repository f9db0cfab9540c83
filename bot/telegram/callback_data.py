"""The one way to build and read a button's callback data: `flow:action:arg:...`.

Every inline button in the bot is made with `callback()` and every press read with `pressed()`,
so the namespacing (`checkin:answer:pain_now:7`), Telegram's 1-64 byte limit and the reading of
numbers and dates live in one place. Building checks the limit (a programming error if broken);
reading never trusts the data: anything it cannot make sense of - empty data, a foreign shape,
a month 13 in a date, an id past PostgreSQL's integer range - raises `StaleButtonError`, which
the error handler answers like any other stale button ("that button is from an earlier step").

Handlers are routed with `pattern(flow, action)`, an anchored regular expression on the prefix
only; the arguments are checked when read, so a malformed press still reaches its flow's
handler and gets a graceful answer instead of falling through to the catch-all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from telegram import Update

SEPARATOR = ":"
MAX_BYTES = 64  # Telegram refuses callback data outside 1-64 bytes
MAX_ID = 2**31 - 1  # ids are PostgreSQL `integer`s; a larger number cannot name a row
_PART = re.compile(r"^[A-Za-z0-9_+\-/.]+$")  # no separator, nothing Telegram would mangle
_DAY = re.compile(r"^\d{8}$")

Arg = str | int | date


class StaleButtonError(Exception):
    """A press whose callback data cannot be read: from an old version, forged, or damaged."""


def _encode(value: Arg) -> str:
    if isinstance(value, date):
        return f"{value:%Y%m%d}"
    return str(value)


def callback(flow: str, action: str, *args: Arg) -> str:
    """Build `flow:action:arg...`; raise ValueError if a part is unusable or the whole is
    over Telegram's 64 bytes (caught by the tests that render every keyboard)."""
    parts = [flow, action, *(_encode(a) for a in args)]
    for part in parts:
        if not _PART.match(part):
            raise ValueError(f"callback data part {part!r} is empty or has a forbidden character")
    data = SEPARATOR.join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def pattern(flow: str, *actions: str) -> str:
    """An anchored pattern matching presses of `flow` (any of `actions`, or all of them)."""
    if not actions:
        return rf"^{re.escape(flow)}(:|$)"
    names = "|".join(re.escape(a) for a in actions)
    return rf"^{re.escape(flow)}:({names})(:|$)"


@dataclass(frozen=True)
class CallbackData:
    """A press, read: its flow, action and raw arguments, with typed readers."""

    flow: str
    action: str
    args: tuple[str, ...]

    @classmethod
    def parse(cls, data: str | None) -> CallbackData:
        if not data or len(data.encode()) > MAX_BYTES:
            raise StaleButtonError
        parts = data.split(SEPARATOR)
        if len(parts) < 2 or not all(_PART.match(p) for p in parts):
            raise StaleButtonError
        return cls(parts[0], parts[1], tuple(parts[2:]))

    def _arg(self, index: int) -> str:
        if index >= len(self.args):
            raise StaleButtonError
        return self.args[index]

    def text(self, index: int, *, choices: frozenset[str] | None = None) -> str:
        """Argument `index` as text, optionally one of `choices`."""
        value = self._arg(index)
        if choices is not None and value not in choices:
            raise StaleButtonError
        return value

    def number(self, index: int, *, low: int = 0, high: int = MAX_ID) -> int:
        """Argument `index` as a whole number in [low, high]."""
        value = self._arg(index)
        if not value.isdigit() or not low <= int(value) <= high:
            raise StaleButtonError
        return int(value)

    def day(self, index: int) -> date:
        """Argument `index` as a date written YYYYMMDD."""
        value = self._arg(index)
        if not _DAY.match(value):
            raise StaleButtonError
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:  # month 13, February 30th
            raise StaleButtonError from None


def pressed(update: Update) -> CallbackData:
    """The press in `update`, read (StaleButtonError if it cannot be)."""
    query = update.callback_query
    if query is None:
        raise StaleButtonError
    return CallbackData.parse(query.data)

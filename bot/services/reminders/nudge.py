"""What the dispatcher hands over for delivery, and what it gets back: plain values, no Telegram.

For every occurrence it decides to send, the dispatcher builds a frozen `Nudge` (who, which
reminder and occurrence, and the words from content) and awaits `NudgeSender.send(nudge)`.
bot/telegram/sender.py implements the protocol (renders the text and buttons, turns Telegram's
exceptions into a `SendResult`); benchmarks and tests pass stand-ins that do no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from bot.content import Content, get_content

# The snoozes a nudge offers, in minutes.
SNOOZE_MINUTES = (15, 30, 60)


class NudgeAction(StrEnum):
    """What a press on a nudge asks for."""

    DONE = "done"
    SNOOZE = "snooze"
    SKIP = "skip"  # skip today: this reminder and its siblings of the same kind


@dataclass(frozen=True)
class Nudge:
    """One occurrence of a reminder, ready to be delivered."""

    chat_id: int  # users talk to the bot in private chats: the user's id
    reminder_id: int
    kind: str  # a ReminderKind value
    slot: int  # 0 = the scheduled nudge, n = the n-th snoozed repeat
    local_date: date  # the user's local date the occurrence belongs to
    text: str  # the words, from content (see `nudge_text`)


class SendOutcome(StrEnum):
    SENT = "sent"
    RETRY_AFTER = "retry_after"  # flood control: nothing was sent; wait `retry_after` seconds
    BLOCKED = "blocked"  # the user blocked the bot
    FAILED = "failed"  # refused; nothing was sent, so it may be tried again later
    UNCERTAIN = "uncertain"  # timed out: it may have arrived, so it is never sent again


@dataclass(frozen=True)
class SendResult:
    outcome: SendOutcome
    message_id: int | None = None
    retry_after: float = 0.0  # seconds, for RETRY_AFTER

    @classmethod
    def sent(cls, message_id: int) -> SendResult:
        return cls(SendOutcome.SENT, message_id=message_id)

    @classmethod
    def wait(cls, seconds: float) -> SendResult:
        return cls(SendOutcome.RETRY_AFTER, retry_after=seconds)


class NudgeSender(Protocol):
    """Delivers one nudge and says what became of it; never raises for a refused send."""

    async def send(self, nudge: Nudge) -> SendResult: ...


def nudge_text(kind: str, day: date, content: Content | None = None) -> str:
    """The nudge's words, from the clinical messages (dosages filled from thresholds).

    Each kind has a few wordings; they take turns by local date so a daily nudge does not
    read the same every morning.
    """
    variants: list[str] = getattr((content or get_content()).messages.nudges, kind)
    return variants[day.toordinal() % len(variants)]

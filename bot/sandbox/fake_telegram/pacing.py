"""Telegram's flood control, for tests and benchmarks that ask the fake Bot API for it.

Telegram lets a bot send about 30 messages a second overall and about one a second to one chat,
with short bursts tolerated; beyond that it answers 429 "Too Many Requests: retry after N". Two
token buckets reproduce that: one for the bot, one per chat. Time comes from an injectable
monotonic clock (seconds as a float), so a test moves time instead of sleeping.

Every message sent (sendMessage, sendPhoto, sendDocument) counts against both buckets; edits,
answers to button presses and polling are not paced.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Pacing:
    """How fast the fake lets the bot send. The defaults are Telegram's published limits."""

    overall_per_second: float = 30.0
    overall_burst: int = 30
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3  # a reply of a few messages at once is fine, a flood is not
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class Pacer:
    """Token buckets for the whole bot and for each chat, refilled by `pacing.clock`."""

    def __init__(self, pacing: Pacing) -> None:
        self.pacing = pacing
        now = pacing.clock()
        self._overall = _Bucket(float(pacing.overall_burst), now)
        self._chats: dict[int, _Bucket] = {}

    def take(self, chat_id: int | None) -> int | None:
        """Spend one message for `chat_id`; return None if allowed, or the whole seconds to
        wait (Telegram's retry_after, at least 1) if not, spending nothing."""
        now = self.pacing.clock()
        overall = self._refill(
            self._overall, now, self.pacing.overall_per_second, self.pacing.overall_burst
        )
        waits = [_wait(overall, self.pacing.overall_per_second)]
        chat: _Bucket | None = None
        if chat_id is not None:
            chat = self._chats.setdefault(chat_id, _Bucket(float(self.pacing.per_chat_burst), now))
            self._refill(chat, now, self.pacing.per_chat_per_second, self.pacing.per_chat_burst)
            waits.append(_wait(chat, self.pacing.per_chat_per_second))
        longest = max(waits)
        if longest > 0:
            return max(1, math.ceil(longest))
        overall.tokens -= 1
        if chat is not None:
            chat.tokens -= 1
        return None

    @staticmethod
    def _refill(bucket: _Bucket, now: float, rate: float, burst: int) -> _Bucket:
        elapsed = max(0.0, now - bucket.updated)  # a clock that steps back refills nothing
        bucket.tokens = min(float(burst), bucket.tokens + elapsed * rate)
        bucket.updated = max(bucket.updated, now)
        return bucket


def _wait(bucket: _Bucket, rate: float) -> float:
    """Seconds until the bucket holds one whole token."""
    missing = 1 - bucket.tokens
    return 0.0 if missing <= 1e-9 else missing / rate  # tolerate float dust from refills

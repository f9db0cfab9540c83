"""Prometheus metrics of this process, served at /metrics by bot/ops/http.py.

Everything that counts calls a function here, so the names and labels live in one place:
the update loop (bot/telegram/observed.py), the dispatcher's job (bot/telegram/jobs.py), and
the rate limiter (429s). Labels carry handler names, outcomes and reminder kinds - never a user
id, a text or a health fact - so their number stays small and fixed.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Mapping
from typing import TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# One registry per process, not the library's global one: tests build several applications.
REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES = Counter(
    "knee_coach_updates",
    "Updates handled, by the handler that took them and how it ended",
    ["handler", "outcome"],
    registry=REGISTRY,
)
UPDATE_SECONDS = Histogram(
    "knee_coach_update_seconds",
    "Time from an update's start to its last handler's end",
    ["handler"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
FLOOD_SKIPPED = Counter(
    "knee_coach_updates_skipped",
    "Updates skipped because one sender flooded the bot (each flood also gets one reply)",
    registry=REGISTRY,
)
WEBHOOK_REQUESTS = Counter(
    "knee_coach_webhook_requests",
    "Requests to the webhook path, by answer (accepted, forbidden, malformed, standby)",
    ["result"],
    registry=REGISTRY,
)
REMINDERS = Counter(
    "knee_coach_reminders",
    "Reminder occurrences settled, by kind and outcome (sent, late, uncertain, ...)",
    ["kind", "outcome"],
    registry=REGISTRY,
)
DISPATCHER_OUTCOMES = Counter(
    "knee_coach_dispatcher_outcomes",
    "What the dispatcher's ticks did with the rows they claimed, by outcome",
    ["outcome"],
    registry=REGISTRY,
)
DISPATCHER_TICK_SECONDS = Histogram(
    "knee_coach_dispatcher_tick_seconds",
    "Duration of one dispatcher tick",
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 300.0),
    registry=REGISTRY,
)
DISPATCHER_LAG = Gauge(
    "knee_coach_dispatcher_lag_seconds",
    "How overdue the most overdue enabled reminder is (0 when the dispatcher keeps up)",
    registry=REGISTRY,
)
DISPATCHER_LAST_TICK = Gauge(
    "knee_coach_dispatcher_last_tick_timestamp_seconds",
    "When this process's dispatcher last finished a tick (Unix time)",
    registry=REGISTRY,
)
RETRY_AFTER = Counter(
    "knee_coach_telegram_429",
    "Telegram answers 429 Too Many Requests (flood control)",
    registry=REGISTRY,
)
ACTIVE = Gauge(
    "knee_coach_active",
    "1 while this process is the one consuming updates, 0 while it waits as a standby",
    registry=REGISTRY,
)

_last_tick_monotonic: float | None = None
_ticks_running = 0
_Report = TypeVar("_Report")


def update_handled(handler: str, outcome: str, seconds: float) -> None:
    UPDATES.labels(handler=handler, outcome=outcome).inc()
    UPDATE_SECONDS.labels(handler=handler).observe(seconds)


def update_skipped() -> None:
    FLOOD_SKIPPED.inc()


def webhook_request(result: str) -> None:
    WEBHOOK_REQUESTS.labels(result=result).inc()


def reminder_settled(kind: str, outcome: str, count: int = 1) -> None:
    """For the dispatcher: one reminder occurrence of `kind` ended as `outcome`."""
    REMINDERS.labels(kind=kind, outcome=outcome).inc(count)


def tick_finished(outcomes: Mapping[str, int], seconds: float) -> None:
    """For the dispatcher's job: a tick ended, having done `outcomes`, in `seconds`."""
    global _last_tick_monotonic
    _last_tick_monotonic = time.monotonic()
    DISPATCHER_LAST_TICK.set(time.time())
    DISPATCHER_TICK_SECONDS.observe(seconds)
    for outcome, count in outcomes.items():
        DISPATCHER_OUTCOMES.labels(outcome=str(outcome)).inc(count)


async def observe_tick(tick: Awaitable[_Report]) -> _Report:
    """Await a dispatcher tick and record it (its report's `outcomes`, its duration)."""
    global _ticks_running
    started = time.monotonic()
    _ticks_running += 1
    try:
        report = await tick
    finally:
        _ticks_running -= 1
    tick_finished(getattr(report, "outcomes", {}), time.monotonic() - started)
    return report


def seconds_since_last_tick() -> float | None:
    """How long ago this process's dispatcher finished a tick (0 while one is running: a wave
    under Telegram's pace keeps a tick busy for minutes); None if it never has."""
    if _ticks_running:
        return 0.0
    if _last_tick_monotonic is None:
        return None
    return time.monotonic() - _last_tick_monotonic


def retry_after_received() -> None:
    RETRY_AFTER.inc()


def set_active(active: bool) -> None:
    ACTIVE.set(1 if active else 0)

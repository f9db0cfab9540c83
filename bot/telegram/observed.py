"""What operators see of each update: one log line and the update metrics.

`ObservedApplication` (the class `build_application` builds) times every update from its start
to the end of its last handler and logs one line - update id, user id, the handler that took
it, the outcome, milliseconds - and counts it in bot/metrics.py. Each handler's callback is
wrapped when it is added, so the line can name the handler; names are module and function
(`common.help_command`, `assessment.answer_pressed`), never anything a user sent.

`CountingRateLimiter` wraps the rate limiter to count Telegram's 429 answers.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.error import RetryAfter
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    BaseRateLimiter,
    ConversationHandler,
)
from telegram.ext._utils.types import RLARGS

from bot import metrics
from bot.telegram.callback_data import StaleButtonError
from bot.telegram.persistence import SqlPersistence

log = logging.getLogger("bot.updates")

_Callback = Callable[[Any, Any], Coroutine[Any, Any, Any]]


@dataclass
class _Trace:
    """Filled in by the wrapped callbacks while one update is processed."""

    handler: str = "none"
    outcome: str = "unhandled"  # until a handler runs


_TRACE: contextvars.ContextVar[_Trace] = contextvars.ContextVar("knee_coach_update_trace")


class ObservedApplication(Application[Any, Any, Any, Any, Any, Any]):
    """A PTB Application that logs and counts each update it processes."""

    async def process_update(self, update: object) -> None:
        trace = _Trace()
        reset = _TRACE.set(trace)
        started = time.perf_counter()
        try:
            user = update.effective_user if isinstance(update, Update) else None
            if user is not None and isinstance(self.persistence, SqlPersistence):
                await self.persistence.load_user(self, user.id)  # read lazily, once
            await super().process_update(update)
        finally:
            _TRACE.reset(reset)
            seconds = time.perf_counter() - started
            metrics.update_handled(trace.handler, trace.outcome, seconds)
            update_id = update.update_id if isinstance(update, Update) else None
            user = update.effective_user if isinstance(update, Update) else None
            fields = {
                "update_id": update_id,
                "user_id": user.id if user else None,
                "handler": trace.handler,
                "outcome": trace.outcome,
                "ms": round(seconds * 1000, 1),
            }
            log.info(
                "update=%s user=%s handler=%s outcome=%s ms=%.1f",
                *fields.values(),
                extra={"fields": fields},
            )

    def add_handler(self, handler: BaseHandler[Any, Any, Any], group: int = 0) -> None:
        name_callbacks(handler)
        super().add_handler(handler, group)


def name_callbacks(handler: BaseHandler[Any, Any, Any], prefix: str | None = None) -> None:
    """Wrap the callbacks of `handler` (and of a conversation's inner handlers) to trace them."""
    if isinstance(handler, ConversationHandler):
        inner = [*handler.entry_points, *handler.fallbacks]
        for handlers in handler.states.values():
            inner.extend(handlers)
        for each in inner:
            name_callbacks(each, prefix=handler.name or "conversation")
        return
    callback = handler.callback
    if getattr(callback, "_knee_coach_traced", False):
        return
    own = getattr(callback, "__name__", type(callback).__name__)
    if prefix is None:
        module = getattr(callback, "__module__", "") or ""
        prefix = module.rsplit(".", 1)[-1]
    handler.callback = _traced(callback, f"{prefix}.{own}" if prefix else own)


def _traced(callback: _Callback, name: str) -> _Callback:
    @functools.wraps(callback)
    async def traced(update: Any, context: Any) -> Any:
        trace = _TRACE.get(None)
        if trace is not None:
            trace.handler = name
        try:
            result = await callback(update, context)
        except ApplicationHandlerStop:
            _settle(trace, "ok")
            raise
        except StaleButtonError:
            _settle(trace, "stale_button")
            raise
        except Exception:
            _settle(trace, "error")
            raise
        _settle(trace, "ok")
        return result

    traced._knee_coach_traced = True  # type: ignore[attr-defined]
    return traced


def _settle(trace: _Trace | None, outcome: str) -> None:
    # A failure in one handler group is not hidden by a later group's success.
    if trace is not None and trace.outcome in ("unhandled", "ok"):
        trace.outcome = outcome


class CountingRateLimiter(BaseRateLimiter[Any]):
    """Delegates to another rate limiter and counts the 429s that come back through it."""

    def __init__(self, inner: BaseRateLimiter[Any]) -> None:
        self._inner = inner

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: RLARGS | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        try:
            return await self._inner.process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        except RetryAfter:
            metrics.retry_after_received()
            raise

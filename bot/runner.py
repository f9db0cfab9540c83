"""`knee-coach run`: long polling against Telegram (or TELEGRAM_API_BASE_URL) until a signal.

The CLI calls `run_polling`. Start-up is done here rather than by python-telegram-bot's own
`Application.run_polling`, for three reasons:
- a Telegram that cannot be reached is retried for a while (`wait_for_telegram` seconds),
  because a bot started with its host often comes up before the network does;
- every way start-up can fail ends in a `StartupError` whose message is one line an operator
  can act on, without the token (the CLI prints it and exits 2) instead of a traceback;
- SIGINT or SIGTERM stops the bot at once at any moment, even mid-request or between retries.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Coroutine
from typing import Any
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.app import BotApplication, build_application
from bot.logging_setup import Redactor
from bot.settings import Settings
from bot.storage.db import Database

log = logging.getLogger(__name__)

# Seconds between attempts to reach Telegram at start-up: doubling, then steady.
FIRST_RETRY_DELAY = 1.0
MAX_RETRY_DELAY = 15.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StartupError(Exception):
    """The bot cannot start; the message is one line for the operator, free of secrets."""


def run_polling(settings: Settings, db: Database, *, wait_for_telegram: float = 30.0) -> None:
    """Block until SIGINT or SIGTERM; then stop polling, flush persistence and return.

    Raises `StartupError` when Telegram rejects the token, cannot be reached within
    `wait_for_telegram` seconds, or refuses a start-up call. A signal during start-up returns
    normally: the operator asked for a stop and got one.
    """
    application = build_application(settings, db=db)
    # Not asyncio.run: at the end it waits for the loop's worker threads, and a DNS lookup of
    # an unreachable Telegram can sit in one for ~25 s after the stop signal (see
    # `exit_without_stuck_threads`).
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(_serve(application, settings, wait_for_telegram))
    finally:
        leftovers = asyncio.all_tasks(loop)
        for task in leftovers:
            task.cancel()
        if leftovers:
            loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def exit_without_stuck_threads(status: int, grace: float = 0.5) -> int:
    """Return `status`, or end the process with it at once if a worker thread is stuck.

    A DNS lookup runs in a worker thread that cannot be cancelled; with a resolver that does
    not answer it blocks for tens of seconds, and Python waits for it before exiting. Called
    by `knee-coach run` once the bot has stopped, so persistence is flushed and the database
    released already; only logs and stdio are left to flush.
    """
    me = threading.current_thread()
    deadline = time.monotonic() + grace
    others = [t for t in threading.enumerate() if t is not me and not t.daemon]
    for thread in others:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in others):
        log.info("a worker thread is still blocked (a DNS lookup?); exiting without it")
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    return status


async def _serve(application: BotApplication, settings: Settings, wait_for_telegram: float) -> None:
    """Start, poll until a stop signal, and always shut down whatever was started."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    log.info("starting long polling")
    try:
        started = await _unless_stopped(stop, _start(application, settings, wait_for_telegram))
        if started:
            log.info("polling for updates")
            await stop.wait()
        else:
            log.info("stop requested during start-up")
    finally:
        await _shut_down(application)
    log.info("stopped cleanly")


async def _unless_stopped(stop: asyncio.Event, work: Coroutine[Any, Any, None]) -> bool:
    """Run `work` to completion, or cancel it as soon as `stop` is set; tell which happened."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        stopped.cancel()
        await asyncio.gather(stopped, return_exceptions=True)
        task.result()  # raises what start-up raised
        return True
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return False


async def _start(application: BotApplication, settings: Settings, wait_for_telegram: float) -> None:
    """What `Application.run_polling` does before it idles, with failures made operator-readable."""
    host = telegram_host(settings)
    token = settings.telegram_bot_token
    redact = Redactor([token.get_secret_value()] if token else [])
    try:
        await _initialize(application, host, wait_for_telegram)
        if application.post_init is not None:
            await application.post_init(application)
        updater = application.updater
        assert updater is not None  # built with the default Updater
        await updater.start_polling(
            allowed_updates=Update.ALL_TYPES,
            # Updates that arrived while the bot was down are still answered.
            drop_pending_updates=False,
        )
        await application.start()
    except _UnreachableError as exc:
        raise StartupError(explain_telegram_failure(exc.error, host, redact, exc.waited)) from None
    except TelegramError as exc:
        raise StartupError(explain_telegram_failure(exc, host, redact)) from None


class _UnreachableError(Exception):
    """Telegram could not be reached within the start-up window."""

    def __init__(self, error: NetworkError, waited: float) -> None:
        super().__init__(type(error).__name__)
        self.error, self.waited = error, waited


async def _initialize(application: BotApplication, host: str, wait_for_telegram: float) -> None:
    """`Application.initialize` (getMe, persistence), retrying network failures for a while."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    delay = FIRST_RETRY_DELAY
    while True:
        try:
            await application.initialize()
            return
        except NetworkError as exc:  # TimedOut and 5xx answers included
            remaining = started + wait_for_telegram - loop.time()
            if remaining <= 0:
                raise _UnreachableError(exc, loop.time() - started) from None
            pause = min(delay, remaining)
            log.warning("Telegram at %s not reachable (%s); retrying in %.1f s", host, exc, pause)
            await asyncio.sleep(pause)
            delay = min(delay * 2, MAX_RETRY_DELAY)


async def _shut_down(application: BotApplication) -> None:
    """Undo whatever part of start-up happened, in reverse order; safe after any failure."""
    updater = application.updater
    if updater is not None and updater.running:
        await updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()  # flushes persistence; a no-op if never initialized
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


def telegram_host(settings: Settings) -> str:
    """The Bot API's host (and port, if one is given), for messages: never the token path."""
    parts = urlsplit(settings.telegram_api_base_url)
    host = parts.hostname or settings.telegram_api_base_url
    return f"{host}:{parts.port}" if parts.port else host


def explain_telegram_failure(
    error: TelegramError, host: str, redact: Redactor, waited: float = 0.0
) -> str:
    """One line saying why Telegram stopped the start and what the operator can do."""
    if isinstance(error, InvalidToken):
        # getMe answered 401 or 404: no bot has (or has any longer) this token.
        message = (
            f"Telegram rejected the token in TELEGRAM_BOT_TOKEN ({host}): it was revoked or "
            "mistyped. Copy the current one from @BotFather (/mybots, API Token)."
        )
    elif isinstance(error, NetworkError):
        tried = f", trying for {waited:.0f} s" if waited >= 1 else ""
        message = (
            f"Could not reach Telegram at {host} ({error}{tried}). Check the network, firewall "
            "or proxy, and TELEGRAM_API_BASE_URL."
        )
    else:
        message = f"Telegram ({host}) refused a start-up call ({type(error).__name__}: {error})."
    return " ".join(redact(message).split())

"""`knee-coach run`: take updates from Telegram (long polling or a webhook) until a signal.

The CLI calls `run`. Start-up is done here rather than by python-telegram-bot's own
`Application.run_polling` / `run_webhook`, because:
- a Telegram that cannot be reached is retried for a while (`wait_for_telegram` seconds),
  because a bot started with its host often comes up before the network does;
- every way start-up can fail ends in a `StartupError` whose message is one line an operator
  can act on, without the token (the CLI prints it and exits 2) instead of a traceback;
- SIGINT or SIGTERM stops the bot at once at any moment, even mid-request or between retries;
- only one process per database takes updates (bot/ops/standby.py): the others wait as
  standbys, each with its HTTP listener (health, metrics) up, and the first to get the lock
  when the active one dies builds a fresh Application, which reads every conversation from the
  database, and carries on. An active process whose lock connection breaks steps back to standby;
- the one HTTP listener (bot/ops/http.py) serves /healthz, /readyz and /metrics in both modes,
  and in webhook mode the webhook, checked against WEBHOOK_SECRET.
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
from tornado.httpserver import HTTPServer

from bot.app import BotApplication, build_application, telegram_rate_limiter
from bot.logging_setup import Redactor
from bot.ops.http import OpsState, WebhookEndpoint, bound_port, start_http_server
from bot.ops.standby import ConsumerLock, LockRefusedError, consumer_lock, wait_for_lock, watch_lock
from bot.settings import Settings
from bot.storage.db import Database
from bot.telegram.observed import CountingRateLimiter

log = logging.getLogger(__name__)

# Seconds between attempts to reach Telegram at start-up: doubling, then steady.
FIRST_RETRY_DELAY = 1.0
MAX_RETRY_DELAY = 15.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# The update types the handlers of bot/app.py use; Telegram sends no others (both modes).
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
]


class StartupError(Exception):
    """The bot cannot start; the message is one line for the operator, free of secrets."""


def run(settings: Settings, db: Database, *, wait_for_telegram: float = 30.0) -> None:
    """Block until SIGINT or SIGTERM; then stop taking updates, flush persistence and return.

    Raises `StartupError` when the HTTP port cannot be bound, another process holds a SQLite
    database, or Telegram rejects the token, cannot be reached within `wait_for_telegram`
    seconds, or refuses a start-up call. A signal during start-up returns normally: the
    operator asked for a stop and got one.
    """
    # Not asyncio.run: at the end it waits for the loop's worker threads, and a DNS lookup of
    # an unreachable Telegram can sit in one for ~25 s after the stop signal (see
    # `exit_without_stuck_threads`).
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(_serve(settings, db, wait_for_telegram))
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


async def _serve(settings: Settings, db: Database, wait_for_telegram: float) -> None:
    """Listen, take the consumer lock (waiting as a standby), consume until a stop signal."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    state = OpsState(db=db)
    lock = consumer_lock(settings)
    try:
        if not lock.can_wait:  # SQLite: refuse at once, before anything else starts
            await asyncio.to_thread(lock.try_acquire)
        server = _listen(settings, state)
    except LockRefusedError as exc:
        lock.release()
        raise StartupError(str(exc)) from None
    try:
        while not stop.is_set():
            state.become("standby")
            if not await wait_for_lock(lock, stop, settings.standby_poll_seconds):
                break
            state.become("starting")
            if not await _consume(settings, db, state, lock, stop, wait_for_telegram):
                break
            log.warning(
                "lost the consumer lock (its database connection broke); stopped taking "
                "updates and waiting as a standby"
            )
    finally:
        state.become("stopping")
        server.stop()
        lock.release()
    log.info("stopped cleanly")


def _listen(settings: Settings, state: OpsState) -> HTTPServer:
    webhook = None
    if settings.webhook_mode:
        assert settings.webhook_secret is not None  # the CLI refuses webhook mode without one
        webhook = WebhookEndpoint(settings.webhook_path, settings.webhook_secret.get_secret_value())
    try:
        server = start_http_server(
            state,
            settings.http_host,
            settings.http_port,
            webhook=webhook,
            max_body_bytes=settings.webhook_max_body_bytes,
        )
    except OSError as exc:
        raise StartupError(
            f"Cannot listen on {settings.http_host}:{settings.http_port} "
            f"({exc.strerror or type(exc).__name__}): set HTTP_HOST and HTTP_PORT to a free "
            "address (the listener serves /healthz, /readyz, /metrics and the webhook)."
        ) from None
    where = f"http://{settings.http_host}:{bound_port(server)}"
    paths = "/healthz /readyz /metrics" + (f" and the webhook {webhook.path}" if webhook else "")
    log.info("listening on %s: %s", where, paths)
    return server


async def _consume(
    settings: Settings,
    db: Database,
    state: OpsState,
    lock: ConsumerLock,
    stop: asyncio.Event,
    wait_for_telegram: float,
) -> bool:
    """Be the active process until a stop signal (False) or until the lock is lost (True)."""
    application = build_application(
        settings, db=db, rate_limiter=CountingRateLimiter(telegram_rate_limiter())
    )
    mode = "webhook" if settings.webhook_mode else "long polling"
    log.info("starting %s", mode)
    lost = False
    try:
        started = await _unless_stopped(stop, _start(application, settings, wait_for_telegram))
        if not started:
            log.info("stop requested during start-up")
            return False
        state.become_active(application if settings.webhook_mode else None)
        log.info("receiving updates by webhook" if settings.webhook_mode else "polling for updates")
        lost = await _until_stopped_or_lost(stop, lock, settings.standby_poll_seconds)
        return lost
    finally:
        state.become("stopping")
        try:
            await _shut_down(application)
        except Exception as exc:
            if not lost:
                raise
            # The database is gone with the lock: the last flush of state cannot land.
            log.warning("could not flush state while stepping back (%s)", type(exc).__name__)


async def _until_stopped_or_lost(stop: asyncio.Event, lock: ConsumerLock, poll: float) -> bool:
    stopped = asyncio.ensure_future(stop.wait())
    lost = asyncio.ensure_future(watch_lock(lock, poll))
    await asyncio.wait({stopped, lost}, return_when=asyncio.FIRST_COMPLETED)
    for task in (stopped, lost):
        task.cancel()
    await asyncio.gather(stopped, lost, return_exceptions=True)
    return not stop.is_set()


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
    """What `Application.run_polling` (or `run_webhook`) does before it idles, with failures
    made operator-readable."""
    host = telegram_host(settings)
    token = settings.telegram_bot_token
    redact = Redactor([token.get_secret_value()] if token else [])
    try:
        await _initialize(application, host, wait_for_telegram)
        if application.post_init is not None:
            await application.post_init(application)
        if settings.webhook_mode:
            assert settings.webhook_url is not None
            assert settings.webhook_secret is not None
            await application.bot.set_webhook(
                url=settings.webhook_url,
                secret_token=settings.webhook_secret.get_secret_value(),
                allowed_updates=ALLOWED_UPDATES,
                # Updates that arrived while the bot was down are still answered.
                drop_pending_updates=False,
            )
            await application.start()
            return
        updater = application.updater
        assert updater is not None  # built with the default Updater
        await updater.start_polling(
            allowed_updates=ALLOWED_UPDATES,
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

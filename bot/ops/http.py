"""The one HTTP listener of `knee-coach run`: the webhook, /healthz, /readyz and /metrics.

Served by tornado (python-telegram-bot's webhooks extra) on the bot's event loop, in both
modes and in every role, so a standby answers its health checks too. The webhook path exists
only in webhook mode and takes updates only while this process is the active one:

- a request without Telegram's secret header, or with another secret, gets 403 and is
  dropped: nothing is parsed, processed or logged but one refusal line;
- a body over WEBHOOK_MAX_BODY_BYTES is refused by tornado with 400 before any handler; a body
  that is not a JSON update gets 400;
- a standby answers 503, so Telegram retries the update later (at the new active process).

Accepted updates go to the Application's update queue and are answered 200 at once.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from telegram import Update
from tornado.httpserver import HTTPServer
from tornado.web import Application as WebApplication
from tornado.web import RequestHandler

from bot import metrics
from bot.app import BotApplication
from bot.storage.db import Database
from bot.telegram.jobs import TICK_SECONDS

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# /readyz gives the database this long to answer `SELECT 1`.
DATABASE_CHECK_SECONDS = 2.0
# Refusals of the webhook's secret are logged at most this often (a flood must not flood logs).
REFUSAL_LOG_SECONDS = 10.0
# The dispatcher is late when it has not finished a tick for this long (three ticks).
DISPATCHER_LATE_SECONDS = 3 * TICK_SECONDS


@dataclass
class OpsState:
    """What the endpoints report on; the runner updates it as the process changes role."""

    db: Database
    role: str = "starting"  # starting, standby, active, stopping
    application: BotApplication | None = None  # set while active in webhook mode
    active_since: float | None = None  # time.monotonic() when this process became active
    _database_check: asyncio.Task[bool] | None = field(default=None, repr=False)
    _refusals: int = field(default=0, repr=False)  # not yet logged
    _refusal_logged_at: float | None = field(default=None, repr=False)

    def refused(self) -> None:
        """Log a refused webhook request: the first at once, then one line per interval."""
        self._refusals += 1
        now = time.monotonic()
        if self._refusal_logged_at is None or now - self._refusal_logged_at >= REFUSAL_LOG_SECONDS:
            log.warning(
                "webhook request refused: missing or wrong secret token (%d since the last line)",
                self._refusals,
            )
            self._refusals, self._refusal_logged_at = 0, now

    def become_active(self, webhook_application: BotApplication | None) -> None:
        """Started and taking updates (in webhook mode, through `webhook_application`)."""
        self.role, self.active_since = "active", time.monotonic()
        self.application = webhook_application
        metrics.set_active(True)

    def become(self, role: str) -> None:
        self.role, self.active_since, self.application = role, None, None
        metrics.set_active(False)


@dataclass(frozen=True)
class WebhookEndpoint:
    path: str
    secret: str


# --- checks ----------------------------------------------------------------------------------


async def database_reachable(state: OpsState) -> bool:
    """`SELECT 1` in a worker thread within DATABASE_CHECK_SECONDS. A check still stuck from
    before (a frozen server) counts as unreachable instead of piling up threads."""
    if state._database_check is None or state._database_check.done():
        state._database_check = asyncio.ensure_future(asyncio.to_thread(_ping, state.db))
    try:
        return await asyncio.wait_for(
            asyncio.shield(state._database_check), timeout=DATABASE_CHECK_SECONDS
        )
    except TimeoutError:
        return False


def _ping(db: Database) -> bool:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


def dispatcher_status(state: OpsState) -> str:
    """The dispatcher's state for /readyz: "ok"; "late" when no tick is running and none
    finished for three ticks; "off" when this process is not the active one."""
    if state.role != "active" or state.active_since is None:
        return "off"
    since = metrics.seconds_since_last_tick()
    running_for = time.monotonic() - state.active_since
    if since is None:  # the first tick comes TICK_SECONDS after start
        return "late" if running_for > DISPATCHER_LATE_SECONDS else "ok"
    return "late" if min(since, running_for) > DISPATCHER_LATE_SECONDS else "ok"


async def readiness(state: OpsState) -> tuple[bool, dict[str, str]]:
    """Ready: the active consumer, its database answering, its dispatcher ticking."""
    database = "ok" if await database_reachable(state) else "unreachable"
    dispatcher = dispatcher_status(state)
    report = {"role": state.role, "database": database, "dispatcher": dispatcher}
    return state.role == "active" and database == "ok" and dispatcher == "ok", report


def dispatcher_lag_seconds(db: Database) -> float | None:
    """How overdue the most overdue enabled reminder is, by the database (every process)."""
    query = text(
        "SELECT min(next_fire_at) FROM reminders WHERE enabled AND next_fire_at IS NOT NULL"
    )
    try:
        with db.engine.connect() as connection:
            oldest = connection.execute(query).scalar()
    except Exception:
        return None
    if oldest is None:
        return 0.0
    if isinstance(oldest, str):  # SQLite hands back text for a raw query
        oldest = datetime.fromisoformat(oldest)
    if oldest.tzinfo is None:  # stored as naive UTC on SQLite
        oldest = oldest.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - oldest).total_seconds())


# --- handlers --------------------------------------------------------------------------------


class _Quiet(RequestHandler):
    """Answers errors with a status and nothing else, and logs exceptions by type only (a
    request's repr carries its headers, the webhook secret among them)."""

    def initialize(self, **kwargs: Any) -> None:
        self.ops: OpsState = kwargs["state"]

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        log.error("HTTP handler failed: %s", getattr(typ, "__name__", typ))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish()

    def _json(self, status: int, body: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))


class HealthHandler(_Quiet):
    async def get(self) -> None:
        """Liveness: the event loop answers."""
        self._json(200, {"status": "alive", "role": self.ops.role})


class ReadyHandler(_Quiet):
    async def get(self) -> None:
        ready, report = await readiness(self.ops)
        self._json(200 if ready else 503, {"ready": ready, **report})


class MetricsHandler(_Quiet):
    async def get(self) -> None:
        lag = await asyncio.to_thread(dispatcher_lag_seconds, self.ops.db)
        if lag is not None:
            metrics.DISPATCHER_LAG.set(lag)
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(generate_latest(metrics.REGISTRY))


class WebhookHandler(_Quiet):
    def initialize(self, **kwargs: Any) -> None:
        super().initialize(**kwargs)
        self.secret: bytes = kwargs["secret"].encode()

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            metrics.webhook_request("forbidden")
            self.ops.refused()
            self.set_status(403)
            self.finish()
            return
        application = self.ops.application
        if application is None:
            metrics.webhook_request("standby")
            self.set_status(503)  # Telegram retries; by then another process may be active
            self.finish()
            return
        update = self._parse(application)
        if update is None:
            metrics.webhook_request("malformed")
            self.set_status(400)
            self.finish()
            return
        await application.update_queue.put(update)
        metrics.webhook_request("accepted")
        self.set_status(200)
        self.finish()

    def _parse(self, application: BotApplication) -> Update | None:
        content_type = self.request.headers.get("Content-Type", "")
        if not content_type.lower().startswith("application/json"):
            return None
        try:
            data = json.loads(self.request.body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                return None
            return Update.de_json(data, application.bot)
        except Exception:  # not JSON, or not shaped like an update: say 400, log nothing
            return None


# --- the server ------------------------------------------------------------------------------


def build_web_application(state: OpsState, webhook: WebhookEndpoint | None) -> WebApplication:
    routes: list[Any] = [
        (r"/healthz", HealthHandler, {"state": state}),
        (r"/readyz", ReadyHandler, {"state": state}),
        (r"/metrics", MetricsHandler, {"state": state}),
    ]
    if webhook is not None:
        routes.append(
            (rf"{webhook.path}/?", WebhookHandler, {"state": state, "secret": webhook.secret})
        )
    # No access log: every webhook request would add a line to the per-update one.
    return WebApplication(routes, log_function=lambda _handler: None)


def start_http_server(
    state: OpsState,
    host: str,
    port: int,
    *,
    webhook: WebhookEndpoint | None,
    max_body_bytes: int,
) -> HTTPServer:
    """Listen on host:port on the running loop. Raises OSError if the port cannot be bound."""
    server = HTTPServer(
        build_web_application(state, webhook),
        max_body_size=max_body_bytes,
        idle_connection_timeout=60,
        body_timeout=10,
    )
    server.listen(port, address=host)
    return server


def bound_port(server: HTTPServer) -> int:
    """The port actually bound (HTTP_PORT=0 picks a free one)."""
    for sock in server._sockets.values():
        port: int = sock.getsockname()[1]
        return port
    raise RuntimeError("the HTTP server is not listening")

"""Builds the Telegram `Application`: every handler is registered here, in one place.

Every handler group sees each update, in order; inside a group the first matching handler
wins. So:
  -20  membership: block / unblock of the bot (my_chat_member)
  -10  guard: group chats get a one-line redirect and nothing else runs
    0  conversations, then commands, then - registered last - the fallbacks, which therefore
       answer only what nothing before them claimed
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.clock import Clock, SystemClock
from bot.content.texts import get_texts
from bot.settings import Settings
from bot.storage.db import Database
from bot.telegram.context import Services, attach_services, services_in
from bot.telegram.errors import on_error
from bot.telegram.jobs import start_dispatcher
from bot.telegram.observed import ObservedApplication
from bot.telegram.persistence import SqlPersistence
from conversations import (
    assessment,
    checkin,
    common,
    info,
    onboarding,
    plan,
    reminders,
    safety,
)

log = logging.getLogger(__name__)

MEMBERSHIP, GUARDS, MAIN = -20, -10, 0

BotApplication = Application[Any, Any, Any, Any, Any, Any]

# Used only with the fake transport (sandbox, tests), which never sends it anywhere.
SANDBOX_TOKEN = "123456789:SANDBOX-no-network-fake-token-0000000"


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    db: Database | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
) -> BotApplication:
    """Wire settings, database, clock and handlers into a ready-to-start Application.

    `request` replaces the HTTP transport (the fake Bot API); `rate_limiter` replaces
    Telegram's pacing, which only the fake can do without being throttled.
    """
    clock = clock or SystemClock()
    db = db or Database.from_url(settings.database_url)
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else None
    builder = (
        ApplicationBuilder()
        # Logs one line per update and counts it (bot/telegram/observed.py).
        .application_class(ObservedApplication)
        .token(token or SANDBOX_TOKEN)
        .base_url(settings.telegram_api_base_url)
        .rate_limiter(rate_limiter or telegram_rate_limiter())
        .persistence(SqlPersistence(db, clock))
        # Conversations need one update per user at a time, in order.
        .concurrent_updates(False)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.telegram_file_base_url:  # a self-hosted Bot API server
        builder = builder.base_file_url(settings.telegram_file_base_url)
    if settings.telegram_local_mode:
        builder = builder.local_mode(True)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application: BotApplication = builder.build()
    attach_services(application, Services(settings=settings, db=db, clock=clock, texts=get_texts()))
    _register_handlers(application)
    return application


def telegram_rate_limiter() -> AIORateLimiter:
    """Pacing under Telegram's caps: ~30 messages/s overall, 20/min per group. Retries are
    ours to decide (the reminder dispatcher releases rows on RetryAfter), so none here."""
    return AIORateLimiter(max_retries=0)


def _register_handlers(app: BotApplication) -> None:
    app.add_handler(
        ChatMemberHandler(common.track_block, ChatMemberHandler.MY_CHAT_MEMBER), MEMBERSHIP
    )
    # Nothing about a group chat reaches the flows, and nothing is stored for it.
    app.add_handler(TypeHandler(Update, common.guard_group_chats), GUARDS)

    # Commands and conversations.
    # Conversations first: while one runs, it answers that user's text, buttons and /cancel.
    app.add_handler(onboarding.build(), MAIN)  # /start: consent, age, time zone, the day
    app.add_handler(assessment.build(), MAIN)  # /assess and "Start the knee check"
    app.add_handler(checkin.build(), MAIN)  # /checkin and the nudge's "Check in now"
    app.add_handler(CommandHandler("help", common.help_command), MAIN)
    for handler in (*plan.handlers(), *info.handlers()):  # /plan and its buttons; /about, /cancel
        app.add_handler(handler, MAIN)
    # Reminders: nudge buttons (Done, Snooze, Skip today), /pause and /resume.
    for reminder_handler in reminders.handlers():
        app.add_handler(reminder_handler, MAIN)
    # Red flags win: free text no flow claimed is still screened before the fallbacks.
    app.add_handler(safety.stray_text_handler(), MAIN)

    # Fallbacks: a short, friendly way forward for anything unexpected.
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, common.edited_message), MAIN)
    app.add_handler(MessageHandler(filters.TEXT | filters.COMMAND, common.unknown_input), MAIN)
    app.add_handler(MessageHandler(filters.ALL, common.unsupported_media), MAIN)
    app.add_handler(CallbackQueryHandler(common.stale_button), MAIN)

    app.add_error_handler(on_error)


async def _post_init(app: BotApplication) -> None:
    """Publish the command menu once the bot is connected."""
    texts = services_in(app.bot_data).texts.ui
    await app.bot.set_my_commands([BotCommand(c.command, c.description) for c in texts.commands])
    start_dispatcher(app)  # the one repeating reminder job
    log.info("bot ready as @%s", app.bot.username)


async def _post_shutdown(app: BotApplication) -> None:
    services_in(app.bot_data).db.dispose()

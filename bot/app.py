"""Builds the Telegram `Application`: every handler is registered here, in one place.

Every handler group sees each update, in order; inside a group the first matching handler
wins. So:
  -20  membership: block / unblock of the bot (my_chat_member)
  -10  guard: group chats get a one-line redirect and nothing else runs
   -7  guard: a button press without data is answered as stale and nothing else runs
   -5  data rights: /privacy, /export, /delete answer at any step, even mid-flow, and stop
    0  conversations, then commands, then - registered last - the fallbacks, which therefore
       answer only what nothing before them claimed
"""

from __future__ import annotations

import asyncio
import gc
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
from telegram.request import BaseRequest, HTTPXRequest

from bot.clock import Clock, SystemClock
from bot.coaching import screening
from bot.content.texts import get_texts
from bot.services import time_zones
from bot.settings import Settings
from bot.storage.db import Database
from bot.telegram.bot import CoachBot
from bot.telegram.context import Services, attach_services, services_in
from bot.telegram.errors import on_error
from bot.telegram.housekeeping import start_housekeeping
from bot.telegram.jobs import start_dispatcher
from bot.telegram.observed import ObservedApplication
from bot.telegram.persistence import SqlPersistence
from bot.telegram.update_processor import PerUserUpdateProcessor
from conversations import (
    admin,
    assessment,
    checkin,
    clearance,
    common,
    drills_screen,
    info,
    kujala,
    learn,
    onboarding,
    plan,
    privacy,
    progress,
    reminders,
    safety,
    safety_confirm,
    settings_menu,
)

log = logging.getLogger(__name__)

MEMBERSHIP, GUARDS, PRESS_GUARDS, DATA_RIGHTS, MAIN = -20, -10, -7, -5, 0

BotApplication = Application[Any, Any, Any, Any, Any, Any]


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
    if settings.telegram_bot_token is None:
        raise ValueError("a bot token is required (the sandbox's harness supplies its own)")
    token = settings.telegram_bot_token.get_secret_value()
    # Built here rather than by the builder, which always makes a plain ExtBot: CoachBot lets a
    # press answered too late be carried out. The requests are the builder's defaults.
    bot = CoachBot(
        token,
        base_url=settings.telegram_api_base_url,
        request=request or HTTPXRequest(connection_pool_size=256),
        get_updates_request=request or HTTPXRequest(connection_pool_size=1),
        rate_limiter=rate_limiter or telegram_rate_limiter(),
        # A self-hosted Bot API server: its file address, and local mode if it runs with it.
        base_file_url=settings.telegram_file_base_url or "https://api.telegram.org/file/bot",
        local_mode=settings.telegram_local_mode,
    )
    builder = (
        ApplicationBuilder()
        # Logs one line per update and counts it (bot/telegram/observed.py).
        .application_class(ObservedApplication)
        .bot(bot)
        .persistence(SqlPersistence(db, clock))
        # Conversations need one update per user at a time, in order; different users'
        # updates run side by side (bot/telegram/update_processor.py).
        .concurrent_updates(PerUserUpdateProcessor(slow_down=get_texts().ui.slow_down))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    application: BotApplication = builder.build()
    attach_services(application, Services(settings=settings, db=db, clock=clock, texts=get_texts()))
    _register_handlers(application)
    return application


def telegram_rate_limiter() -> AIORateLimiter:
    """Pacing under Telegram's caps: 30 messages/s overall, 20/min per group. Retries are
    ours to decide (the reminder dispatcher releases rows on RetryAfter), so none here.

    Bursts of 3 at 30/s rather than bursts of 30 then 30/s: with a full burst, a request
    granted late in the burst can reach Telegram before an earlier one has aged out of its
    window and earn a 429 (benchmarks/reminder_wave.py, against the fake enforcing the caps)."""
    return AIORateLimiter(overall_max_rate=3, overall_time_period=0.1, max_retries=0)


def _register_handlers(app: BotApplication) -> None:
    app.add_handler(
        ChatMemberHandler(common.track_block, ChatMemberHandler.MY_CHAT_MEMBER), MEMBERSHIP
    )
    # Nothing about a group chat reaches the flows, and nothing is stored for it.
    app.add_handler(TypeHandler(Update, common.guard_group_chats), GUARDS)
    # A press without data would match every button handler below (a PTB rule).
    app.add_handler(TypeHandler(Update, common.refuse_empty_presses), PRESS_GUARDS)
    # Data the user controls: /privacy, /export, /delete and its confirmation. Before the
    # conversations, whose fallbacks would otherwise answer "finish this first" - and someone
    # asked for consent may well want /privacy first. Each stops the update once answered.
    for data_handler in privacy.handlers():
        app.add_handler(data_handler, DATA_RIGHTS)

    # Commands and conversations.
    # Conversations first: while one runs, it answers that user's text, buttons and /cancel.
    app.add_handler(onboarding.build(), MAIN)  # /start: consent, age, time zone, the day
    app.add_handler(assessment.build(), MAIN)  # /assess and "Start the knee check"
    app.add_handler(checkin.build(), MAIN)  # /checkin and the nudge's "Check in now"
    app.add_handler(kujala.build(), MAIN)  # /kujala: the optional knee score
    # /settings and its buttons; its state is only "which setting is being typed", so it comes
    # after the flows that ask questions (their typed answers win while one runs).
    app.add_handler(settings_menu.build(), MAIN)
    app.add_handler(CommandHandler("help", common.help_command), MAIN)
    for handler in (*plan.handlers(), *info.handlers()):  # /plan and its buttons; /about, /cancel
        app.add_handler(handler, MAIN)
    # Reminders: nudge buttons (Done, Snooze, Skip today), /pause and /resume.
    for reminder_handler in reminders.handlers():
        app.add_handler(reminder_handler, MAIN)
    # /stats matches operators only, so anyone else's falls through to the fallbacks like any
    # unknown command.
    for admin_handler in admin.handlers(services_in(app.bot_data).settings.admin_user_ids):
        app.add_handler(admin_handler, MAIN)
    # Progress: /progress (the chart), the knee score's offer switch, /learn and its cards.
    for progress_handler in (*progress.handlers(), *kujala.handlers(), *learn.handlers()):
        app.add_handler(progress_handler, MAIN)
    # Red flags win: free text no flow claimed is still screened before the fallbacks.
    app.add_handler(safety.stray_text_handler(), MAIN)
    # The answer to the screen's confirming question, whichever flow (or none) is running.
    app.add_handler(safety_confirm.handler(), MAIN)
    # "A clinician has checked it": a referral is not a dead end.
    app.add_handler(clearance.handler(), MAIN)
    # Barefoot strides and ladder drills: opt-in after a short screen (/drills).
    for drills_handler in drills_screen.handlers():
        app.add_handler(drills_handler, MAIN)

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
    # The one repeating reminder job; the weekly summary goes out as /progress's chart.
    start_dispatcher(app, photos=progress.weekly_summary_photos(services_in(app.bot_data)))
    start_housekeeping(app)  # daily: forget people blocked longer than the retention period
    # Compile the safety screen and index the world's places now, off the event loop, rather
    # than making the first person who types wait (about a second each, once per process).
    await asyncio.to_thread(screening.warm_up)
    await asyncio.to_thread(time_zones.prepare)
    _freeze_start_up_objects()
    log.info("bot ready as @%s", app.bot.username)


_frozen = False


def _freeze_start_up_objects() -> None:
    """Hide what start-up loaded (modules, content) from the garbage collector, once per
    process: it lives as long as the process, and a full collection walking it blocked the
    event loop for ~100 ms in the middle of a reminder wave (benchmarks/reminder_wave.py)."""
    global _frozen
    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True


async def _post_shutdown(app: BotApplication) -> None:
    services_in(app.bot_data).db.dispose()

"""`knee-coach run`: long polling against Telegram (or TELEGRAM_API_BASE_URL) until a signal."""

from __future__ import annotations

import logging
import signal

from telegram import Update

from bot.app import build_application
from bot.settings import Settings
from bot.storage.db import Database

log = logging.getLogger(__name__)


def run_polling(settings: Settings, db: Database) -> None:
    """Block until SIGINT or SIGTERM; PTB then stops polling, flushes persistence and exits."""
    application = build_application(settings, db=db)
    log.info("starting long polling")
    application.run_polling(
        allowed_updates=Update.ALL_TYPES,
        stop_signals=(signal.SIGINT, signal.SIGTERM),
        # Updates that arrived while the bot was down are still answered.
        drop_pending_updates=False,
    )
    log.info("stopped cleanly")

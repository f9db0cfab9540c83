"""What every handler can reach: settings, the database, the clock and the content.

Stored once in `application.bot_data` by `build_application`; handlers call
`services(context)` rather than reaching for globals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes

from bot.clock import Clock
from bot.content.texts import Texts
from bot.settings import Settings
from bot.storage.db import Database

_SERVICES_KEY = "services"

Context = ContextTypes.DEFAULT_TYPE


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    texts: Texts  # every text file: texts.ui, texts.flows, texts.checkin, ...


def attach_services(application: Application[Any, Any, Any, Any, Any, Any], svc: Services) -> None:
    application.bot_data[_SERVICES_KEY] = svc


def services_in(bot_data: Mapping[Any, Any]) -> Services:
    """Return the services stored in an application's `bot_data`."""
    svc = bot_data[_SERVICES_KEY]
    assert isinstance(svc, Services)
    return svc


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    """Return the services of the application this callback runs in."""
    return services_in(context.bot_data)

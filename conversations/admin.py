"""/stats for the operators in ADMIN_USER_IDS: counts of people, never anyone's rows.

The command only matches those ids (a filter built from the settings), so anyone else's
/stats falls through to the ordinary "I didn't catch that", as for any unknown command.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.content import Content, get_content
from bot.content.schema import unwrap
from bot.content.texts import StatsCopy
from bot.services import stats as stats_service
from bot.services.stats import Stats
from bot.telegram.context import Context, services

log = logging.getLogger(__name__)


def stats_text(stats: Stats, copy: StatsCopy, content: Content) -> str:
    """The operators' summary: small groups arrive already hidden as "<5"."""
    stages = [
        copy.line.format(name=content.messages.stage_names[stage], count=count.shown)
        for stage, count in stats.per_stage.items()
    ]
    tiers = [
        copy.line.format(name=unwrap(content.tiers[tier].title), count=count.shown)
        for tier, count in stats.referred_by_tier.items()
    ]
    percent = stats.adherence_percent
    adherence = copy.hidden if percent is None else copy.adherence.format(percent=percent)
    return copy.layout.format(
        days=stats_service.WINDOW_DAYS,
        users=stats.users.shown,
        active=stats.active.shown,
        adherence=adherence,
        runners=stats.runners.shown,
        stages="\n".join(stages),
        tiers="\n".join(tiers),
    )


async def stats_command(update: Update, context: Context) -> None:
    """Show the aggregate figures (the handler's filter admits operators only)."""
    assert update.effective_user is not None
    assert update.effective_message is not None
    svc = services(context)
    now = svc.clock.now()
    figures = await svc.db.run(lambda session: stats_service.collect(session, now))
    await update.effective_message.reply_text(
        stats_text(figures, svc.texts.privacy.stats, get_content())
    )
    log.info("stats shown to admin=%s", update.effective_user.id)


def handlers(admin_user_ids: Sequence[int]) -> list[BaseHandler[Update, Context, None]]:
    """/stats for `admin_user_ids` only (none configured: no one)."""
    operators = filters.User(user_id=list(admin_user_ids))
    return [CommandHandler("stats", stats_command, filters=operators)]

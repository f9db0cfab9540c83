"""Red flags win: the one place a flow turns a red flag into a referral message.

Every flow screens free text through the engine's `screen_free_text` before anything else;
a match stops self-management, is recorded (only with consent) and says where to go.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Message, ReplyKeyboardRemove, Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.coaching.triage import screen_free_text
from bot.content import Content, RedFlag, get_content
from bot.content.texts import get_texts
from bot.services.onboarding import has_consented
from bot.services.plans import refer
from bot.telegram.context import Context, services

log = logging.getLogger(__name__)


def sources_line(reference_ids: Iterable[str], content: Content | None = None) -> str:
    """Reference short names, unique, in first-cited order."""
    content = content or get_content()
    seen: dict[str, None] = {}
    for ref in reference_ids:
        if ref in content.references:
            seen.setdefault(content.references[ref].short, None)
    return "; ".join(seen)


def referral_text(flag: RedFlag, content: Content | None = None) -> str:
    """What to tell someone whose free text raised `flag`: why, where to go, sources."""
    content = content or get_content()
    copy = get_texts().flows
    tier = content.tiers[flag.tier]
    sources = sources_line([*flag.references, *tier.references], content)
    return "\n\n".join(
        [
            copy.referral.free_text_intro,
            tier.title,
            content.render(flag.message),
            copy.outcome.referral.format(where_to_go=tier.where_to_go, action=tier.action),
            copy.referral.source_line.format(sources=sources),
        ]
    )


async def stop_for_red_flag(update: Update, context: Context, text: str) -> bool:
    """Screen `text`; on a red flag, answer with the referral and record it. True if stopped."""
    flag = screen_free_text(text)
    if flag is None:
        return False
    user = update.effective_user
    message = update.effective_message
    assert user is not None
    assert message is not None
    svc = services(context)
    with svc.db.session() as session:
        # Without consent nothing about their health is stored; the advice is given anyway.
        if has_consented(session, user.id):
            refer(session, user.id, flag.tier, [flag.id], "free_text", svc.clock.now())
    await _reply(message, referral_text(flag))
    # A health fact: logged as an event to count, never next to who it was.
    log.info("red flag in free text tier=%s", flag.tier.value)
    return True


async def _reply(message: Message, text: str) -> None:
    await message.reply_text(text, reply_markup=ReplyKeyboardRemove())


async def screen_stray_text(update: Update, context: Context) -> None:
    """Outside any flow: a message that mentions a red flag gets the referral."""
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    await stop_for_red_flag(update, context, message.text)


class _MentionsRedFlag(filters.MessageFilter):
    """Text (new or edited) that matches a red-flag pattern."""

    def filter(self, message: Message) -> bool:
        return bool(message.text) and screen_free_text(message.text or "") is not None


MENTIONS_RED_FLAG = _MentionsRedFlag(name="MentionsRedFlag")


def stray_text_handler() -> BaseHandler[Update, Context, None]:
    """Catch red flags in text no flow claimed; registered before the generic fallbacks."""
    return MessageHandler(MENTIONS_RED_FLAG & ~filters.COMMAND, screen_stray_text)

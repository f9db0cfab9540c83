"""The knee score (/kujala, optional, offered every 2 weeks): the 13 items of the Kujala
Anterior Knee Pain Scale (content/kujala.yaml, in the project's own words) one per message,
"Back", /cancel; at the end the score (0-100) against the last one - or, when an answer raises
a red flag, the referral instead.

A `QuestionFlow` (conversations/question_flow.py) over bot/services/kujala.py, which saves
every answer as it comes (a restart resumes at the same item), scores the run and applies the
red-flag rules. What is particular here: the intro, how the ending is shown, and the switch for
the fortnightly offer (`kujala_offers:set:on|off`, a button under the score).
Diagram: docs/conversations/kujala.mmd.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, ConversationHandler

from bot.coaching.screening import Route, Urgency
from bot.content import RedFlag, get_content
from bot.content.kinds import Tier
from bot.content.texts import KujalaCopy, Texts, get_texts
from bot.services import kujala as knee_score
from bot.storage.models import KujalaRun
from bot.telegram.callback_data import callback, pattern, pressed
from bot.telegram.context import Context, Services, services
from bot.telegram.keyboards import inline
from conversations import safety
from conversations.question_flow import QuestionFlow, user_id_of
from conversations.safety import sources_line

log = logging.getLogger(__name__)

OFFERS = "kujala_offers"  # callback namespace of the on/off switch (outside the flow's own)


class KujalaState(StrEnum):
    QUESTION = "kujala.question"


def _copy(texts: Texts | None = None) -> KujalaCopy:
    return (texts or get_texts()).progress.kujala


def _day_label(day: date) -> str:
    return day.strftime("%a %d %b")


def _intro(began: knee_score.Began) -> str:
    content = get_content()
    return f"{content.kujala.intro}\n\n{_copy().how.format(total=began.first.total)}"


def score_line(scored: knee_score.Scored, texts: Texts | None = None) -> str:
    """The score, against the last one, worded with the meaningful change in mind."""
    lines = (texts or get_texts()).progress.progress.kujala
    template = getattr(lines, scored.change.value)
    before = scored.previous.score if scored.previous else scored.latest.score
    return str(template).format(
        score=scored.latest.score,
        date=_day_label(scored.latest.day),
        change=abs(scored.latest.score - before),
        before=before,
    )


def result_text(scored: knee_score.Scored) -> str:
    """What the knee score came to, what the change means, and on what sources."""
    copy = _copy()
    content = get_content()
    references = [
        *content.kujala.references,
        *content.thresholds.kujala_meaningful_change_points.references,
    ]
    return "\n\n".join(
        [
            score_line(scored),
            copy.see_progress,
            copy.result_sources.format(sources=sources_line(references)),
        ]
    )


def offers_keyboard(offers_on: bool) -> InlineKeyboardMarkup:
    """The one button that switches the fortnightly offer the other way."""
    copy = _copy()
    if offers_on:
        return inline([[(copy.turn_off, callback(OFFERS, "set", "off"))]])
    return inline([[(copy.turn_on, callback(OFFERS, "set", "on"))]])


def referral_text(flags: list[RedFlag], tier: Tier, route: Route) -> str:
    """Why the knee score stopped, where to go (in the user's country) and what to do now."""
    return safety.referral_text(flags, Urgency.of(tier), route, intro=_copy().referral_intro)


class KneeScoreFlow(QuestionFlow[KujalaRun, knee_score.Ending, knee_score.Began]):
    """The knee score: its words, how it begins, and how the score (or a referral) is shown."""

    name = "kujala"
    state = KujalaState.QUESTION
    command = "kujala"

    def copy(self, texts: Texts) -> KujalaCopy:
        return _copy(texts)

    def start(self, session: Session, user_id: int, now: datetime) -> knee_score.Began | str:
        began = knee_score.begin(session, user_id, now)
        if isinstance(began, knee_score.NeedsConsent):
            return _copy().needs_consent
        return began

    def intro(self, began: knee_score.Began) -> str:
        return _intro(began)

    async def show_result(
        self, message: Message, svc: Services, user_id: int, result: knee_score.Ending
    ) -> None:
        if isinstance(result, knee_score.Flagged):
            route = await safety.route_of(svc, user_id)
            await message.reply_text(referral_text(result.flags, result.tier, route))
            return
        await message.reply_text(
            result_text(result), reply_markup=offers_keyboard(result.offers_on)
        )


FLOW = KneeScoreFlow(knee_score.KNEE_SCORE)


def build() -> ConversationHandler[Context]:
    """The knee-score conversation."""
    return FLOW.build()


async def set_offers(update: Update, context: Context) -> None:
    """Switch the fortnightly offer on or off, and flip the button."""
    enabled = pressed(update).text(0, choices=frozenset({"on", "off"})) == "on"
    query = update.callback_query
    assert query is not None
    svc = services(context)
    user_id, now = user_id_of(update), svc.clock.now()
    saved = await svc.db.run(lambda session: knee_score.set_offers(session, user_id, enabled, now))
    copy = _copy(svc.texts)
    if not saved:
        await query.answer(copy.no_profile)
        return
    await query.answer(copy.offers_on if enabled else copy.offers_off)
    try:
        await query.edit_message_reply_markup(reply_markup=offers_keyboard(enabled))
    except BadRequest:  # cosmetic: a double tap (nothing to change) or an old message
        log.debug("could not flip the knee-score offer button")


def handlers() -> list[CallbackQueryHandler[Context, None]]:
    """The switch under a score (a plain button: it works after the flow has ended)."""
    return [CallbackQueryHandler(set_offers, pattern=pattern(OFFERS, "set"))]

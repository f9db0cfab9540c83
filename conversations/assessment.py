"""The knee check (/assess, or the button at the end of onboarding): the questionnaire from
content, one question per message, red-flag questions first, a 0-10 keypad for pain, "Back".

A `QuestionFlow` (conversations/question_flow.py) over bot/services/assessment.py, which saves
every answer as it comes (a restart resumes at the same question) and applies the engine's
triage. What is particular here: the intro, and how the outcome is shown - what was concluded,
why and from which sources, then today's plan or, for a referral, where to go instead.
Diagram: docs/conversations/assessment.mmd.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Session
from telegram import Message
from telegram.ext import ConversationHandler

from bot.coaching.screening import Route, Urgency
from bot.coaching.triage import Outcome, tier_of
from bot.content.texts import AssessmentCopy, Texts, get_texts
from bot.services import assessment as knee_check
from bot.storage.models import Assessment
from bot.telegram.context import Context, Services
from conversations.learn import send_card_for_today
from conversations.plan import clearance_keyboard, today_view
from conversations.question_flow import QuestionFlow
from conversations.safety import referral_text, route_of, sources_line


class AssessmentState(StrEnum):
    QUESTION = "assessment.question"


def _copy(texts: Texts) -> AssessmentCopy:
    return texts.flows.assessment


def outcome_text(outcome: Outcome, route: Route) -> str:
    """Conclusion, why, and on what sources; a referral is the one referral message, with
    where to go in the user's country (`route`)."""
    copy = get_texts().flows.outcome
    references = [ref for reason in outcome.reasons for ref in reason.references]
    why = "\n".join(copy.why_line.format(text=reason.text) for reason in outcome.reasons)
    tier = tier_of(outcome)
    if tier is not None:
        return referral_text(
            [],
            Urgency.of(tier),
            route,
            intro=outcome.summary,
            reason=copy.why.format(why=why),
            references=references,
        )
    return copy.layout.format(
        title=outcome.title,
        summary=outcome.summary,
        why=why,
        sources=sources_line(references),
    )


class KneeCheckFlow(QuestionFlow[Assessment, knee_check.Conclusion, knee_check.Began]):
    """The knee check: its words, how it begins and how its conclusion is shown."""

    name = "assessment"
    state = AssessmentState.QUESTION
    command = "assess"

    def copy(self, texts: Texts) -> AssessmentCopy:
        return _copy(texts)

    def start(self, session: Session, user_id: int, now: datetime) -> knee_check.Began | str:
        began = knee_check.begin(session, user_id, now)
        if isinstance(began, knee_check.NeedsConsent):
            return _copy(get_texts()).needs_consent
        return began

    def intro(self, began: knee_check.Began) -> str:
        return _copy(get_texts()).intro.format(total=began.first.total)

    async def show_result(
        self, message: Message, svc: Services, user_id: int, result: knee_check.Conclusion
    ) -> None:
        route = await route_of(svc, user_id)
        await message.reply_text(
            outcome_text(result.outcome, route),
            reply_markup=clearance_keyboard() if result.referred else None,
        )
        if not result.referred:
            text, markup = await today_view(svc, user_id)
            await message.reply_text(text, reply_markup=markup)
            await send_card_for_today(message, svc, user_id)  # the first day's card


FLOW = KneeCheckFlow(knee_check.KNEE_CHECK)


def build() -> ConversationHandler[Context]:
    """The knee-check conversation."""
    return FLOW.build()

"""The daily check-in (/checkin, or "Check in now" on the check-in nudge): the questions from
content/checkin.yaml one per message, the red-flag re-screen first, a 0-10 keypad for pain,
"Back"; in phase 2, once a step up could be due, the return-to-running gate as well.

A `QuestionFlow` (conversations/question_flow.py) over bot/services/checkins.py, which saves
every answer as it comes (a restart resumes at the same question), asks the engine for the
day's decision and applies it. What is particular here: why a check-in cannot start, the intro,
and how the day's result is shown - what changed and why, or the referral. One check-in per
local day: a second one updates it.
Diagram: docs/conversations/checkin.mmd.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session
from telegram import Message, Update
from telegram.ext import ConversationHandler

from bot.coaching.progression import PlanState, describe_progress
from bot.coaching.screening import Route, Urgency, care_route
from bot.content import RedFlag, get_content
from bot.content.kinds import RuleId, Stage, Tier
from bot.content.texts import CheckinCopy, Texts, get_texts
from bot.services import checkins as daily_checkin
from bot.services.onboarding import zone_of
from bot.services.plans import paused_by
from bot.storage.models import CheckinRecord
from bot.telegram.context import Context, Services, services
from conversations.learn import send_card_for_today
from conversations.plan import today_view
from conversations.question_flow import QuestionFlow, user_id_of
from conversations.safety import referral_text, route_of, sources_line, where_to_go


class CheckinState(StrEnum):
    QUESTION = "checkin.question"


def _copy(texts: Texts | None = None) -> CheckinCopy:
    return (texts or get_texts()).checkin


def _day_label(day: date) -> str:
    return day.strftime("%a %d %b")


# --- beginning ---------------------------------------------------------------------------------


def _refusal_text(refused: daily_checkin.Refused, route: Route) -> str:
    copy = _copy()
    if refused.reason is daily_checkin.Refusal.NO_CONSENT:
        return copy.needs_start
    if refused.reason is daily_checkin.Refusal.NO_PLAN:
        return copy.needs_assessment
    if refused.tier is None:
        return copy.referred
    return f"{copy.referred}\n\n{where_to_go(Urgency.of(refused.tier), route)}"


def _intro(began: daily_checkin.Began) -> str:
    copy = _copy()
    intro = copy.intro.format(total=began.first.total)
    if began.updating:
        intro = f"{copy.updating.format(date=_day_label(began.day))}\n\n{intro}"
    return intro


# --- what the user is told ---------------------------------------------------------------------


def _stage_name(state: PlanState) -> str:
    content = get_content()
    name = content.messages.stage_names[state.stage]
    if state.stage is Stage.PHASE3:
        name = f"{name} ({content.return_to_running.stages[state.run_stage].name})"
    return name


def _result_text(result: daily_checkin.Result) -> str:
    """What changed, why, how the weeks compare, and on what sources."""
    copy = _copy()
    decision = result.decision
    saved = copy.updated if result.updated else copy.saved
    text = copy.layout.format(
        saved=saved.format(date=_day_label(result.day)),
        change=copy.changes.for_kind(decision.kind).format(
            stage_name=_stage_name(decision.new_state)
        ),
        reason=decision.reason,
        progress=describe_progress(result.history, result.day),
        sources=sources_line(decision.references),
    )
    if decision.suggestion is not None:
        # A clinician suggested while the programme carries on (issue 9 item 6).
        text = f"{text}\n\n{decision.suggestion}"
    if decision.new_state.stage is result.stage_before:
        # Unchanged stage: no new plan follows, so say where to find it.
        text = f"{text}\n\n{copy.see_plan}"
    return text


def _referral_text(tier: Tier, reason: str, references: list[str], route: Route) -> str:
    """Why the check-in stopped, where to go (in the user's country) and what to do now."""
    return referral_text(
        [],
        Urgency.of(tier),
        route,
        intro=_copy().referral_intro,
        reason=reason,
        references=references,
    )


def _red_flag_text(flags: list[RedFlag], tier: Tier, route: Route) -> str:
    content = get_content()
    rule = content.rules[RuleId.RED_FLAG_IN_CHECKIN]
    reason = content.render(rule.reason, flags="; ".join(f.label for f in flags))
    details = "\n\n".join(content.render(f.message) for f in flags)
    references = [*rule.references, *(r for f in flags for r in f.references)]
    return _referral_text(tier, f"{reason}\n\n{details}", references, route)


class DailyCheckinFlow(QuestionFlow[CheckinRecord, daily_checkin.Ending, daily_checkin.Began]):
    """The daily check-in: its words, why it may not start, and how the day's result is shown."""

    name = "checkin"
    state = CheckinState.QUESTION
    command = "checkin"

    async def finished_text(self, update: Update, context: Context) -> str:
        """An old check-in button: after a referral, say the programme is paused (never invite
        a check-in or exercise)."""
        svc = services(context)
        user_id = user_id_of(update)

        def work(session: Session) -> Tier | None:
            return paused_by(session, user_id)

        if await svc.db.run(work) is not None:
            return _copy(svc.texts).referred_button
        return _copy(svc.texts).finished_button

    def copy(self, texts: Texts) -> CheckinCopy:
        return _copy(texts)

    def start(self, session: Session, user_id: int, now: datetime) -> daily_checkin.Began | str:
        began = daily_checkin.begin(session, user_id, now)
        if isinstance(began, daily_checkin.Refused):
            return _refusal_text(began, care_route(zone_of(session, user_id)))
        return began

    def intro(self, began: daily_checkin.Began) -> str:
        return _intro(began)

    async def show_result(
        self, message: Message, svc: Services, user_id: int, result: daily_checkin.Ending
    ) -> None:
        if isinstance(result, daily_checkin.FlaggedStop):
            route = await route_of(svc, user_id)
            await message.reply_text(_red_flag_text(result.flags, result.tier, route))
            return
        if isinstance(result, daily_checkin.NoPlan):
            await message.reply_text(_copy().referred)
            return
        decision = result.decision
        if result.tier is not None:
            route = await route_of(svc, user_id)
            await message.reply_text(
                _referral_text(result.tier, decision.reason, decision.references, route)
            )
            return
        await message.reply_text(_result_text(result))
        if decision.new_state.stage is not result.stage_before:
            text, markup = await today_view(svc, user_id)
            await message.reply_text(text, reply_markup=markup)
        # The card the day calls for: the pain rules when the plan holds for pain, the load
        # card on the day the return-to-running gate is asked, a first-days card.
        await send_card_for_today(message, svc, user_id)


FLOW = DailyCheckinFlow(daily_checkin.DAILY_CHECKIN)


def build() -> ConversationHandler[Context]:
    """The check-in conversation."""
    return FLOW.build()

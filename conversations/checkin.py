"""The daily check-in (/checkin, or "Check in now" on the check-in nudge): the questions from
content/checkin.yaml one per message, the red-flag re-screen first, a 0-10 keypad for pain,
"Back"; in phase 2, once a step up could be due, the return-to-running gate as well.

Every answer is saved as it comes (bot/services/checkins.py), so a restart resumes at the same
question. The engine decides stay / progress / regress / back to PRICE / refer; this module
asks, then tells the user what changed and why. A red flag - an answer or typed text - ends the
check-in with the referral and no plan. One check-in per local day: a second one updates it.
Diagram: docs/conversations/checkin.mmd.
"""

from __future__ import annotations

import logging
from datetime import date
from enum import StrEnum

from sqlmodel import Session
from telegram import Message, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.coaching.kinds import RuleId, Stage, Tier
from bot.coaching.progression import PlanState, describe_progress
from bot.content import Question, QuestionKind, RedFlag, get_content
from bot.content.checkin_copy import CheckinCopy, checkin_copy
from bot.services import checkins as checkin_service
from bot.services.onboarding import has_consented
from bot.services.plan_state import load_state
from bot.services.plans import latest_referral
from bot.services.users import today_for
from bot.storage.models import CheckinRecord
from bot.telegram.context import Context, services
from bot.telegram.keyboards import EDITED, NEW_NON_TEXT, NEW_TEXT, inline
from conversations.plan import today_view
from conversations.question_flow import (
    MidFlowReplies,
    drop_buttons,
    message_of,
    per_user_conversation,
    question_keyboard,
    question_text,
    read_typed_answer,
    show_choice,
    user_id_of,
)
from conversations.safety import sources_line, stop_for_red_flag

log = logging.getLogger(__name__)

END = ConversationHandler.END
START_PATTERN = r"^checkin:start$"  # the check-in nudge's "Check in now" (bot/scheduling)
ANSWER_PATTERN = r"^checkin:answer:[a-z0-9_]+:\w+$"
BACK_PATTERN = r"^checkin:back:[a-z0-9_]+$"


class CheckinState(StrEnum):
    QUESTION = "checkin.question"


def _copy() -> CheckinCopy:
    return checkin_copy()


_replies = MidFlowReplies(_copy, checkin_service.abandon)


def _day_label(day: date) -> str:
    return day.strftime("%a %d %b")


# --- the questions -----------------------------------------------------------------------------


def _question(question_id: str) -> Question:
    """A check-in question, or the return-to-running gate asked as one."""
    content = get_content()
    if question_id == checkin_service.RUN_GATE:
        gate = content.return_to_running.gate
        return Question(
            id=question_id,
            text=gate.question,
            kind=QuestionKind.YES_NO,
            options=gate.options,
            references=gate.references,
        )
    return next(q for q in content.checkin if q.id == question_id)


async def _ask(message: Message, asked: list[str], question_id: str) -> None:
    index = asked.index(question_id)
    question = _question(question_id)
    await message.reply_text(
        question_text(question, index + 1, len(asked), _copy()),
        reply_markup=inline(
            question_keyboard(question, "checkin", _copy().back, with_back=index > 0)
        ),
    )


# --- where the user stands ---------------------------------------------------------------------


def _current(update: Update, context: Context) -> tuple[CheckinRecord, PlanState] | None:
    """The check-in being answered and the plan state it is decided from, if any."""
    svc = services(context)
    user_id = user_id_of(update)
    now = svc.clock.now()
    with svc.db.session() as session:
        today, _zone = today_for(session, user_id, now)
        checkin = checkin_service.in_progress(session, user_id, today, now)
        state = checkin_service.basis(session, user_id, checkin) if checkin else None
    if checkin is None or state is None:
        return None
    return checkin, state


def _asked(checkin: CheckinRecord, state: PlanState) -> list[str]:
    return checkin_service.questions_for(state, checkin.local_date, checkin.draft or {})


# --- entry -------------------------------------------------------------------------------------


def _refusal(session: Session, user_id: int) -> str | None:
    """Why no check-in can be taken now (no consent, no plan, referred), or None."""
    copy = _copy()
    if not has_consented(session, user_id):
        return copy.needs_start
    state = load_state(session, user_id)
    if state is None:
        return copy.needs_assessment
    if state.stage is Stage.REFERRED:
        referral = latest_referral(session, user_id)
        if referral is None:
            return copy.referred
        return f"{copy.referred}\n\n{get_content().tiers[Tier(referral.tier)].where_to_go}"
    return None


async def begin(update: Update, context: Context) -> str | int:
    """Start today's check-in (consent, a plan and no referral first)."""
    if update.callback_query is not None:
        await update.callback_query.answer()
        await drop_buttons(update.callback_query.message)
    svc = services(context)
    user_id = user_id_of(update)
    now = svc.clock.now()
    with svc.db.session() as session:
        refusal = _refusal(session, user_id)
        if refusal is None:
            today, _zone = today_for(session, user_id, now)
            first = get_content().checkin[0].id  # the red-flag re-screen, always asked
            checkin, updating = checkin_service.start(session, user_id, today, first, now)
            state = checkin_service.basis(session, user_id, checkin)
            assert state is not None
            asked = checkin_service.questions_for(state, today, {})
    if refusal is not None:
        await message_of(update).reply_text(refusal)
        return END
    log.info("checkin started user=%s updating=%s", user_id, updating)
    message = message_of(update)
    copy = _copy()
    intro = copy.intro.format(total=len(asked))
    if updating:
        intro = f"{copy.updating.format(date=_day_label(today))}\n\n{intro}"
    await message.reply_text(intro)
    await _ask(message, asked, asked[0])
    return CheckinState.QUESTION


async def start_pressed_again(update: Update, context: Context) -> str | int | None:
    """ "Check in now" tapped while a check-in is running: show the current question again;
    if that check-in has gone stale (an earlier day), start today's."""
    query = update.callback_query
    assert query is not None
    current = _current(update, context)
    if current is None or current[0].current_question is None:
        return await begin(update, context)
    await query.answer(_copy().already_answered)
    await drop_buttons(query.message)
    checkin, state = current
    assert checkin.current_question is not None
    await _ask(message_of(update), _asked(checkin, state), checkin.current_question)
    return None


# --- answers -----------------------------------------------------------------------------------


async def answer_pressed(update: Update, context: Context) -> str | int | None:
    """Record a tapped answer for the current question; ignore taps on earlier ones."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    _, _, question_id, value = query.data.split(":", 3)
    current = _current(update, context)
    if current is None:
        await query.answer(_copy().finished_button)
        return END
    checkin, state = current
    if checkin.current_question != question_id:
        # A double tap, or a button on an earlier question: recorded once already.
        await query.answer(_copy().already_answered)
        return CheckinState.QUESTION
    option = _question(question_id).option(value)
    if option is None:
        await query.answer(_copy().already_answered)
        return CheckinState.QUESTION
    await query.answer()
    await show_choice(query.message, get_content().render(option.label))
    return await _record(update, context, checkin, state, question_id, value)


async def answer_typed(update: Update, context: Context) -> str | int | None:
    """Typed text: red flags first; a number for the pain keypad; otherwise ask for a tap."""
    text = message_of(update).text or ""
    if await stop_for_red_flag(update, context, text):
        _replies.abandon(update, context)
        return END
    copy = _copy()
    current = _current(update, context)
    if current is None or current[0].current_question is None:
        await message_of(update).reply_text(copy.finished_button)
        return END
    checkin, state = current
    assert checkin.current_question is not None
    question = _question(checkin.current_question)
    value = await read_typed_answer(message_of(update), question, text, copy)
    if value is None:
        return None
    return await _record(update, context, checkin, state, question.id, str(value))


async def _record(
    update: Update,
    context: Context,
    checkin: CheckinRecord,
    state: PlanState,
    question_id: str,
    value: str,
) -> str | int | None:
    """Save the answer; stop on a red flag, else ask the next question or finish."""
    answers = {**(checkin.draft or {}), question_id: value}
    flags = checkin_service.red_flags(answers)
    asked = checkin_service.questions_for(state, checkin.local_date, answers)
    index = asked.index(question_id)
    next_id = None if flags or index + 1 >= len(asked) else asked[index + 1]
    svc = services(context)
    user_id = user_id_of(update)
    now = svc.clock.now()
    tier: Tier | None = None
    result: checkin_service.Result | None = None
    with svc.db.session() as session:
        row = session.get(CheckinRecord, checkin.id)
        assert row is not None
        if flags:
            tier = checkin_service.stop_for_red_flags(session, user_id, row, flags, now)
        elif next_id is not None:
            checkin_service.record_answer(session, row, question_id, value, next_id, now)
        else:
            result = checkin_service.finish(session, user_id, row, answers, now)
    message = message_of(update)
    if tier is not None:
        log.info("red flag in checkin user=%s tier=%s", user_id, tier.value)
        await message.reply_text(_red_flag_text(flags, tier))
        return END
    if next_id is not None:
        await _ask(message, asked, next_id)
        return CheckinState.QUESTION
    if result is None:
        await message.reply_text(_copy().referred)
        return END
    log.info(
        "checkin done user=%s decision=%s rule=%s",
        user_id,
        result.decision.kind.value,
        result.decision.rule_id,
    )
    if result.tier is not None:
        decision = result.decision
        await message.reply_text(_referral_text(result.tier, decision.reason, decision.references))
        return END
    await message.reply_text(_result_text(result))
    if result.decision.new_state.stage is not result.stage_before:
        text, markup = today_view(svc, user_id)
        await message.reply_text(text, reply_markup=markup)
    return END


async def back(update: Update, context: Context) -> str | int | None:
    """Go back one question (its answer and later ones are forgotten)."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    question_id = query.data.removeprefix("checkin:back:")
    current = _current(update, context)
    if current is None:
        await query.answer(_copy().finished_button)
        return END
    checkin, state = current
    asked = _asked(checkin, state)
    if (
        checkin.current_question != question_id
        or question_id not in asked
        or asked.index(question_id) == 0
    ):
        await query.answer(_copy().already_answered)
        return CheckinState.QUESTION
    await query.answer()
    await drop_buttons(query.message)
    previous = asked[asked.index(question_id) - 1]
    svc = services(context)
    with svc.db.session() as session:
        row = session.get(CheckinRecord, checkin.id)
        assert row is not None
        dropped = asked[asked.index(previous) :]
        checkin_service.go_back(session, row, previous, dropped, svc.clock.now())
        asked = _asked(row, state)
    await _ask(message_of(update), asked, previous)
    return CheckinState.QUESTION


# --- what the user is told ---------------------------------------------------------------------


def _stage_name(state: PlanState) -> str:
    content = get_content()
    name = content.messages.stage_names[state.stage]
    if state.stage is Stage.PHASE3:
        name = f"{name} ({content.return_to_running.stages[state.run_stage].name})"
    return name


def _result_text(result: checkin_service.Result) -> str:
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
    if decision.new_state.stage is result.stage_before:
        # Unchanged stage: no new plan follows, so say where to find it.
        text = f"{text}\n\n{copy.see_plan}"
    return text


def _referral_text(tier: Tier, reason: str, references: list[str]) -> str:
    """Why the check-in stopped, where to go and what to do now."""
    content = get_content()
    info = content.tiers[tier]
    return _copy().referral.format(
        intro=_copy().referral_intro,
        title=info.title,
        reason=reason,
        where_to_go=info.where_to_go,
        action=info.action,
        sources=sources_line([*references, *info.references]),
    )


def _red_flag_text(flags: list[RedFlag], tier: Tier) -> str:
    content = get_content()
    rule = content.rules[RuleId.RED_FLAG_IN_CHECKIN]
    reason = content.render(rule.reason, flags="; ".join(f.label for f in flags))
    details = "\n\n".join(content.render(f.message) for f in flags)
    references = [*rule.references, *(r for f in flags for r in f.references)]
    return _referral_text(tier, f"{reason}\n\n{details}", references)


# --- anything else -----------------------------------------------------------------------------


def build() -> ConversationHandler[Context]:
    """The check-in conversation, in one literal."""
    return per_user_conversation(_conversation)


def _conversation() -> ConversationHandler[Context]:
    return ConversationHandler(
        name="checkin",
        persistent=True,
        entry_points=[
            CommandHandler("checkin", begin),
            CallbackQueryHandler(begin, pattern=START_PATTERN),
            # An answer while no conversation is recorded (a crash before the state was
            # flushed, or an old message): continue an unfinished check-in, else say it is over.
            CallbackQueryHandler(answer_pressed, pattern=ANSWER_PATTERN),
            CallbackQueryHandler(back, pattern=BACK_PATTERN),
        ],
        states={
            CheckinState.QUESTION: [
                CallbackQueryHandler(answer_pressed, pattern=ANSWER_PATTERN),
                CallbackQueryHandler(back, pattern=BACK_PATTERN),
                MessageHandler(NEW_TEXT, answer_typed),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", _replies.cancel),
            CommandHandler("checkin", begin),
            CommandHandler("help", _replies.help_mid_flow),
            MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND, _replies.other_command),
            MessageHandler(EDITED, _replies.edited),
            MessageHandler(NEW_NON_TEXT, _replies.media),
            CallbackQueryHandler(start_pressed_again, pattern=START_PATTERN),
            CallbackQueryHandler(_replies.stale_button, pattern=r"^checkin:"),
        ],
    )

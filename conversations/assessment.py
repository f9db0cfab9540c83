"""The knee check (/assess, or the button at the end of onboarding): the questionnaire from
content, one question per message, red-flag questions first, a 0-10 keypad for pain, "Back".

Every answer is saved as it comes (bot/services/assessment.py), so a restart resumes at the
same question. The engine decides; this module only asks and shows. A red flag - in an answer
or in typed text - ends the check with the referral and no plan.
Diagram: docs/conversations/assessment.mmd.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from telegram import Message, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.coaching.progression import initial_state
from bot.coaching.triage import Outcome, red_flags_in, tier_of, triage
from bot.content import AssessmentQuestion, get_content
from bot.content.flow_copy import AssessmentCopy, flow_copy
from bot.services import assessment as assessment_service
from bot.services.onboarding import has_consented
from bot.services.plans import change_plan, refer
from bot.services.users import today_for
from bot.storage.models import Assessment
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
# Asked in onboarding and kept in user_data (after consent), so not asked twice.
PREFILLED_FROM_USER_DATA = {"age": "age_band"}
ANSWER_PATTERN = r"^assess:answer:[a-z0-9_]+:\w+$"
BACK_PATTERN = r"^assess:back:[a-z0-9_]+$"


class AssessmentState(StrEnum):
    QUESTION = "assessment.question"


def _copy() -> AssessmentCopy:
    return flow_copy().flows.assessment


_replies = MidFlowReplies(_copy, assessment_service.abandon)


def _prefilled(context: Context) -> dict[str, str]:
    data = context.user_data or {}
    return {qid: str(data[key]) for qid, key in PREFILLED_FROM_USER_DATA.items() if key in data}


def _questions(context: Context) -> list[AssessmentQuestion]:
    """The questions this user is asked, in content order (red flags first)."""
    skip = _prefilled(context)
    return [q for q in get_content().assessment if q.id not in skip]


async def _ask(message: Message, context: Context, question_id: str) -> None:
    questions = _questions(context)
    index = next(i for i, q in enumerate(questions) if q.id == question_id)
    question = questions[index]
    await message.reply_text(
        question_text(question, index + 1, len(questions), _copy()),
        reply_markup=inline(
            question_keyboard(question, "assess", _copy().back, with_back=index > 0)
        ),
    )


# --- entry -----------------------------------------------------------------------------------


async def begin(update: Update, context: Context) -> str | int:
    """Start a fresh knee check (consent first)."""
    if update.callback_query is not None:
        await update.callback_query.answer()
        await drop_buttons(update.callback_query.message)
    svc = services(context)
    user_id = user_id_of(update)
    questions = _questions(context)
    with svc.db.session() as session:
        if not has_consented(session, user_id):
            consented = False
        else:
            consented = True
            assessment_service.start(
                session, user_id, questions[0].id, svc.clock.now(), prefilled=_prefilled(context)
            )
    if not consented:
        await message_of(update).reply_text(_copy().needs_consent)
        return END
    log.info("assessment started user=%s", user_id)
    await message_of(update).reply_text(_copy().intro.format(total=len(questions)))
    await _ask(message_of(update), context, questions[0].id)
    return AssessmentState.QUESTION


async def start_pressed_again(update: Update, context: Context) -> None:
    """ "Start" tapped while a check is running: show the current question again."""
    query = update.callback_query
    assert query is not None
    await query.answer(_copy().already_answered)
    current = _current(update, context)
    if current is not None and current.current_question is not None:
        await _ask(message_of(update), context, current.current_question)


def _current(update: Update, context: Context) -> Assessment | None:
    with services(context).db.session() as session:
        return assessment_service.in_progress(session, user_id_of(update))


# --- answers ---------------------------------------------------------------------------------


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
    if current.current_question != question_id:
        # A double tap, or a button on an earlier question: recorded once already.
        await query.answer(_copy().already_answered)
        return AssessmentState.QUESTION
    option = get_content().question(question_id).option(value)
    if option is None:
        await query.answer(_copy().already_answered)
        return AssessmentState.QUESTION
    await query.answer()
    await show_choice(query.message, get_content().render(option.label))
    return await _record(update, context, current, question_id, value)


async def answer_typed(update: Update, context: Context) -> str | int | None:
    """Typed text: red flags first; a number for the pain keypad; otherwise ask for a tap."""
    text = message_of(update).text or ""
    current = _current(update, context)
    if await stop_for_red_flag(update, context, text):
        _replies.abandon(update, context)
        return END
    copy = _copy()
    if current is None or current.current_question is None:
        await message_of(update).reply_text(copy.finished_button)
        return END
    question = get_content().question(current.current_question)
    value = await read_typed_answer(message_of(update), question, text, copy)
    if value is None:
        return None
    return await _record(update, context, current, question.id, str(value))


async def _record(
    update: Update, context: Context, current: Assessment, question_id: str, value: str
) -> str | int | None:
    """Save the answer; stop on a red flag, else ask the next question or conclude."""
    questions = _questions(context)
    ids = [q.id for q in questions]
    index = ids.index(question_id)
    answers = {**current.answers, question_id: value}
    flagged = bool(red_flags_in(answers))
    next_id = None if flagged or index + 1 >= len(ids) else ids[index + 1]
    svc = services(context)
    with svc.db.session() as session:
        assessment = session.get(Assessment, current.id)
        assert assessment is not None
        assessment_service.record_answer(session, assessment, question_id, value, next_id)
    if next_id is not None:
        await _ask(message_of(update), context, next_id)
        return AssessmentState.QUESTION
    await _conclude(update, context, current.id, answers)
    return END


async def back(update: Update, context: Context) -> str | int | None:
    """Go back one question (its answer and later ones are forgotten)."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    question_id = query.data.removeprefix("assess:back:")
    current = _current(update, context)
    if current is None:
        await query.answer(_copy().finished_button)
        return END
    ids = [q.id for q in _questions(context)]
    if current.current_question != question_id or ids.index(question_id) == 0:
        await query.answer(_copy().already_answered)
        return AssessmentState.QUESTION
    await query.answer()
    await drop_buttons(query.message)
    previous = ids[ids.index(question_id) - 1]
    with services(context).db.session() as session:
        assessment = session.get(Assessment, current.id)
        assert assessment is not None
        assessment_service.go_back(session, assessment, previous, ids[ids.index(previous) :])
    await _ask(message_of(update), context, previous)
    return AssessmentState.QUESTION


# --- the outcome -----------------------------------------------------------------------------


def outcome_text(outcome: Outcome) -> str:
    """Conclusion, why, and on what sources; then where to go, for a referral."""
    copy = flow_copy().flows.outcome
    references = [ref for reason in outcome.reasons for ref in reason.references]
    text = copy.layout.format(
        title=outcome.title,
        summary=outcome.summary,
        why="\n".join(copy.why_line.format(text=reason.text) for reason in outcome.reasons),
        sources=sources_line(references),
    )
    if outcome.where_to_go is not None and outcome.action is not None:
        text += "\n\n" + copy.referral.format(
            where_to_go=outcome.where_to_go, action=outcome.action
        )
    return text


async def _conclude(
    update: Update, context: Context, assessment_id: int | None, answers: dict[str, str]
) -> None:
    outcome = triage(answers)
    svc = services(context)
    user_id = user_id_of(update)
    now = svc.clock.now()
    tier = tier_of(outcome)
    with svc.db.session() as session:
        assessment = session.get(Assessment, assessment_id)
        assert assessment is not None
        assessment_service.finish(session, assessment, outcome.kind.value, outcome.red_flags, now)
        if tier is not None:
            refer(session, user_id, tier, outcome.red_flags, "assessment", now, assessment_id)
        else:
            today, _zone = today_for(session, user_id, now)
            change_plan(session, user_id, initial_state(outcome, today), now)
    log.info("assessment done user=%s outcome=%s", user_id, outcome.kind.value)
    message = message_of(update)
    await message.reply_text(outcome_text(outcome))
    if tier is None:
        text, markup = today_view(svc, user_id)
        await message.reply_text(text, reply_markup=markup)


# --- anything else ---------------------------------------------------------------------------


def build() -> ConversationHandler[Context]:
    """The assessment conversation, in one literal."""
    return per_user_conversation(_conversation)


def _conversation() -> ConversationHandler[Context]:
    return ConversationHandler(
        name="assessment",
        persistent=True,
        entry_points=[
            CommandHandler("assess", begin),
            CallbackQueryHandler(begin, pattern=r"^assess:start$"),
            # An answer while no conversation is recorded (a crash before the state was
            # flushed, or an old message): continue an unfinished check, else say it is over.
            CallbackQueryHandler(answer_pressed, pattern=ANSWER_PATTERN),
            CallbackQueryHandler(back, pattern=BACK_PATTERN),
        ],
        states={
            AssessmentState.QUESTION: [
                CallbackQueryHandler(answer_pressed, pattern=ANSWER_PATTERN),
                CallbackQueryHandler(back, pattern=BACK_PATTERN),
                MessageHandler(NEW_TEXT, answer_typed),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", _replies.cancel),
            CommandHandler("assess", begin),
            CommandHandler("help", _replies.help_mid_flow),
            MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND, _replies.other_command),
            MessageHandler(EDITED, _replies.edited),
            MessageHandler(NEW_NON_TEXT, _replies.media),
            CallbackQueryHandler(start_pressed_again, pattern=r"^assess:start$"),
            CallbackQueryHandler(_replies.stale_button, pattern=r"^assess:"),
        ],
    )

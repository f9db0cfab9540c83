"""Onboarding on /start: what the coach is and is not, consent to store health answers, an
age check, the time zone and the runner's day. Ends by offering the knee check (assessment).

Where the user is comes from what is stored (bot/services/onboarding.py `next_step`): each answer
is saved as it is given, so /start - after /cancel, a restart or a week away - carries on at the
first unanswered step, and a press is checked against that step (an earlier step's button
changes nothing). The ConversationHandler's state only routes typed text. Nothing about health
is stored before consent; a decline leaves no trace but the user row.
Diagram: docs/conversations/onboarding.mmd.
"""

from __future__ import annotations

import logging
import re
from datetime import time
from enum import StrEnum

from sqlmodel import Session
from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.content import get_content
from bot.content.texts import OnboardingCopy, Texts, get_texts
from bot.services import onboarding as onboarding_service
from bot.services import questionnaire, time_zones
from bot.services.answers import answer_for, clean, parse_yes_no
from bot.services.onboarding import (
    AGE_QUESTION,
    AGE_STEP,
    DAY_STEPS,
    MIN_WAKING_HOURS,
    AgeKept,
    AgeReferred,
    DayProblem,
    Step,
)
from bot.services.questionnaire import Finished
from bot.services.users import ensure_user
from bot.telegram.callback_data import callback, pattern, pressed
from bot.telegram.context import Context, services
from bot.telegram.keyboards import NEW_TEXT, column, drop_buttons, in_rows, inline
from conversations.common import person_of
from conversations.input_checks import (
    TimeRole,
    format_clock_time,
    parse_clock_time,
    read_clock_time,
    too_long,
)
from conversations.question_flow import (
    MidFlowReplies,
    message_of,
    per_user_conversation,
    user_id_of,
)
from conversations.safety import Screened, screen_text
from conversations.typed_times import read_typed_time

log = logging.getLogger(__name__)

END = ConversationHandler.END
FLOW = "onb"  # callback data namespace
LOCATION = filters.UpdateType.MESSAGE & filters.LOCATION


class OnboardingState(StrEnum):
    CONSENT = "onboarding.consent"
    AGE = "onboarding.age"
    TIME_ZONE = "onboarding.time_zone"
    TIME_ZONE_CONFIRM = "onboarding.time_zone_confirm"
    WAKE = "onboarding.wake"
    SLEEP = "onboarding.sleep"
    EXERCISE = "onboarding.exercise"


_STATE_OF_STEP = {
    Step.CONSENT: OnboardingState.CONSENT,
    Step.AGE: OnboardingState.AGE,
    Step.TIME_ZONE: OnboardingState.TIME_ZONE,
    Step.WAKE: OnboardingState.WAKE,
    Step.SLEEP: OnboardingState.SLEEP,
    Step.EXERCISE: OnboardingState.EXERCISE,
}


def _copy() -> OnboardingCopy:
    return get_texts().onboarding


def _own(texts: Texts) -> OnboardingCopy:
    return texts.onboarding


async def _ask_current(update: Update, context: Context) -> None:
    """Show the current step's question again."""
    await _ask(message_of(update), await _step(update, context))


# What was confirmed is kept: nothing to abandon.
_replies = MidFlowReplies(_own, _own, abandon=None, resume=_ask_current)


async def _step(update: Update, context: Context) -> Step:
    """The first unanswered step, read off the event loop."""
    user_id = user_id_of(update)

    def work(session: Session) -> Step:
        return onboarding_service.next_step(session, user_id)

    return await services(context).db.run(work)


# --- asking ----------------------------------------------------------------------------------


async def _ask(message: Message, step: Step, lead: str | None = None) -> str | int:
    """Ask the question of `step` (after `lead`, in the same message); return the conversation
    state that routes its typed answers."""
    copy = _copy()

    def text(question: str) -> str:
        return question if lead is None else f"{lead}\n\n{question}"

    if step is Step.CONSENT:
        await message.reply_text(
            text(copy.consent),
            reply_markup=inline(
                [
                    [
                        (copy.consent_agree, callback(FLOW, "consent", "yes")),
                        (copy.consent_decline, callback(FLOW, "consent", "no")),
                    ]
                ]
            ),
        )
    elif step is Step.AGE:
        content = get_content()
        buttons = [
            (content.render(o.label), callback(FLOW, "age", o.value))
            for o in content.question(AGE_QUESTION).options
        ]
        await message.reply_text(text(copy.age_question), reply_markup=inline(in_rows(buttons, 2)))
    elif step is Step.TIME_ZONE:
        location = ReplyKeyboardMarkup(
            [[KeyboardButton(copy.share_location, request_location=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
        await message.reply_text(
            text(copy.time_zone_question.format(share_location=copy.share_location)),
            reply_markup=location,
        )
        zones = [(choice.label, callback(FLOW, "tz", choice.zone)) for choice in copy.time_zones]
        await message.reply_text(copy.time_zone_pick, reply_markup=inline(in_rows(zones, 3)))
    elif step is Step.WAKE:
        # One tap for a common waking day; "07:00-23:00" travels as "07.00", "23.00".
        days = [
            (day, callback(FLOW, "day", *(t.replace(":", ".") for t in day.split("-"))))
            for day in copy.waking_days
        ]
        await message.reply_text(text(copy.day_question), reply_markup=inline(in_rows(days, 2)))
    elif step in DAY_STEPS:
        question, options = {
            Step.WAKE: (copy.wake_question, copy.wake_times),
            Step.SLEEP: (copy.sleep_question, copy.sleep_times),
            Step.EXERCISE: (copy.exercise_question, copy.exercise_times),
        }[step]
        # "07:00" travels as "07.00": the colon separates callback data's parts.
        buttons = [(t, callback(FLOW, step.value, t.replace(":", "."))) for t in options]
        await message.reply_text(text(question), reply_markup=inline(in_rows(buttons, 4)))
    else:
        return END
    return _STATE_OF_STEP[step]


async def _earlier_step(update: Update, context: Context) -> str | int:
    """A press for a step other than the current one: say so, change nothing."""
    query = update.callback_query
    assert query is not None
    await query.answer(_copy().earlier_step)
    step = await _step(update, context)
    return END if step is Step.DONE else _STATE_OF_STEP[step]


async def _take_press(update: Update) -> None:
    """A press on the step on screen is taken: answered, and its buttons dropped."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await drop_buttons(query.message)


# --- entry and consent -----------------------------------------------------------------------


async def start(update: Update, context: Context) -> str | int:
    """Introduce the coach and ask for consent; carry on where a returning user left off, or
    greet one who is set up."""
    svc = services(context)
    copy = _copy()
    person = person_of(update)

    def work(session: Session) -> tuple[int, bool, str | None, Step]:
        user, created = ensure_user(session, person, svc.clock.now())
        return user.id, created, user.first_name, onboarding_service.next_step(session, user.id)

    user_id, created, first_name, step = await svc.db.run(work)
    log.info("start user=%s new=%s step=%s", user_id, created, step.value)
    message = message_of(update)
    if step is Step.DONE:
        await message.reply_text(copy.already_set_up.format(first_name=first_name))
        return END
    lead = copy.intro if step is Step.CONSENT else copy.resumed
    return await _ask(message, step, lead.format(first_name=first_name))


async def consent(update: Update, context: Context) -> str | int:
    """Record consent and ask the age band, or accept a decline and store nothing."""
    choice = pressed(update).text(0, choices=frozenset({"yes", "no"}))
    if await _step(update, context) is not Step.CONSENT:
        return await _earlier_step(update, context)
    await _take_press(update)
    return await _consent_given(update, context, choice == "yes")


async def _consent_given(update: Update, context: Context, agreed: bool) -> str | int:
    message = message_of(update)
    if not agreed:
        await message.reply_text(_copy().consent_declined)
        return END
    svc = services(context)
    person = person_of(update)

    def work(session: Session) -> None:
        # A consent button from before /delete (or a restart of the database) finds no user
        # row: agreeing again starts them afresh, as /start would.
        user, _created = ensure_user(session, person, svc.clock.now())
        onboarding_service.record_consent(session, user.id, svc.clock.now())

    await svc.db.run(work)
    return await _ask(message, Step.AGE, _copy().consent_recorded)


async def age(update: Update, context: Context) -> str | int:
    """Under 18 leaves the pathway with a kind explanation; adults go on to the time zone."""
    step = await _answer_age(update, context, pressed(update).text(0))
    if not isinstance(step, Finished):  # not the step on screen, or not one of its answers
        return await _earlier_step(update, context)
    await _take_press(update)
    return await _age_given(update, step.result)


async def _answer_age(
    update: Update, context: Context, value: str
) -> questionnaire.Asked | questionnaire.NotCurrent | Finished[AgeKept | AgeReferred]:
    svc = services(context)
    user_id = user_id_of(update)

    def work(
        session: Session,
    ) -> questionnaire.Asked | questionnaire.NotCurrent | Finished[AgeKept | AgeReferred]:
        return questionnaire.answer(
            AGE_STEP, session, user_id, AGE_QUESTION, value, svc.clock.now()
        )

    return await svc.db.run(work)


async def _age_given(
    update: Update, result: AgeKept | AgeReferred, lead: str | None = None
) -> str | int:
    if isinstance(result, AgeReferred):
        content = get_content()
        flag = result.flag
        await message_of(update).reply_text(
            _copy().under_18.format(
                reason=content.render(flag.message),
                where_to_go=content.tiers[flag.tier].where_to_go,
            )
        )
        return END
    return await _ask(message_of(update), Step.TIME_ZONE, lead)


async def _typed_at_a_choice(
    update: Update, context: Context, step: Step, text: str
) -> str | int | None:
    """Consent and the age band typed ("yes", "I agree", "I'm 34"): taken when the meaning is
    clear, otherwise a short re-ask."""
    message = message_of(update)
    if step is Step.CONSENT:
        agreed = parse_yes_no(text)
        if agreed is None and clean(text) in {clean(_copy().consent_agree), "agree"}:
            agreed = True
        if agreed is not None:
            return await _consent_given(update, context, agreed)
    elif step is Step.AGE:
        question = get_content().question(AGE_QUESTION)
        value = answer_for(question, text)
        option = question.option(value) if value is not None else None
        if option is not None:
            answered = await _answer_age(update, context, option.value)
            if isinstance(answered, Finished):
                noted = get_texts().flows.question_flow.choice_noted
                return await _age_given(
                    update, answered.result, noted.format(label=get_content().render(option.label))
                )
    await message.reply_text(_copy().use_buttons)
    return None


# --- time zone -------------------------------------------------------------------------------

_PENDING_ZONE = "pending_zone"  # user_data: the zone on screen, for a typed "yes"


async def zone_picked(update: Update, context: Context) -> str | int:
    """Take a zone from a list (the common zones, or the candidates for what was typed)."""
    zone = pressed(update).text(0)
    if await _step(update, context) is not Step.TIME_ZONE or not onboarding_service.is_known_zone(
        zone
    ):
        return await _earlier_step(update, context)
    await _take_press(update)
    return await _confirm_zone(update, context, time_zones.zone_choice(zone))


async def zone_shared(update: Update, context: Context) -> str | int | None:
    """Find a zone from a shared location, offline; only the zone is kept."""
    location = message_of(update).location
    assert location is not None
    choice = onboarding_service.zone_from_location(location.latitude, location.longitude)
    if choice is None:
        await message_of(update).reply_text(_copy().time_zone_not_found)
        return None
    await message_of(update).reply_text(_copy().location_received)
    return await _confirm_zone(update, context, choice)


async def _zone_typed(update: Update, context: Context, text: str) -> str | int | None:
    """A typed "yes"/"no" to the zone on screen, or a place, country, abbreviation or offset:
    one zone is confirmed, several are offered as buttons."""
    pending = (context.user_data or {}).get(_PENDING_ZONE)
    answer = parse_yes_no(text) if isinstance(pending, str) else None
    if answer is not None:
        assert isinstance(pending, str)
        return await _zone_answer(update, context, pending if answer else None)
    found = time_zones.find_zone(text)
    message = message_of(update)
    if isinstance(found, time_zones.ZoneFound):
        return await _confirm_zone(update, context, found.choice)
    if isinstance(found, time_zones.ZoneAmbiguous):
        buttons = [
            (label, callback(FLOW, "tz", choice.zone))
            for label, choice in zip(found.short_labels(), found.choices, strict=True)
        ]
        await message.reply_text(_copy().time_zone_which, reply_markup=column(buttons))
        return OnboardingState.TIME_ZONE
    await message.reply_text(_copy().time_zone_not_found)
    return None


def _zone_shown(choice: time_zones.ZoneChoice) -> str:
    """How a zone is shown: the name people use, and the zone id unless it is an offset
    (whose POSIX id, "Etc/GMT-2" for UTC+2, reads as the wrong sign)."""
    return choice.name if choice.fixed_offset else f"{choice.name}, {choice.zone}"


async def _confirm_zone(update: Update, context: Context, choice: time_zones.ZoneChoice) -> str:
    """Show the zone and its local time; the Yes button carries the zone."""
    copy = _copy()
    message = message_of(update)
    if context.user_data is not None:
        context.user_data[_PENDING_ZONE] = choice.zone
    now = onboarding_service.local_clock(services(context).clock.now(), choice.zone)
    found = copy.time_zone_found.format(zone=_zone_shown(choice))
    if choice.fixed_offset:
        found += "\n\n" + copy.fixed_offset_note.format(offset=choice.name)
    await message.reply_text(found, reply_markup=ReplyKeyboardRemove())
    await message.reply_text(
        copy.time_zone_confirm.format(
            local_time=now.strftime("%H:%M"), weekday=now.strftime("%A"), zone=_zone_shown(choice)
        ),
        reply_markup=inline(
            [
                [
                    (copy.time_zone_yes, callback(FLOW, "tzok", "yes", choice.zone)),
                    (copy.time_zone_change, callback(FLOW, "tzok", "no")),
                ]
            ]
        ),
    )
    return OnboardingState.TIME_ZONE_CONFIRM


async def zone_confirmed(update: Update, context: Context) -> str | int:
    """Save the zone and ask about the day, or ask for the zone again."""
    press = pressed(update)
    answer = press.text(0, choices=frozenset({"yes", "no"}))
    zone = press.text(1) if answer == "yes" else None
    if await _step(update, context) is not Step.TIME_ZONE or (
        zone is not None and not onboarding_service.is_known_zone(zone)
    ):
        return await _earlier_step(update, context)
    await _take_press(update)
    return await _zone_answer(update, context, zone)


async def _zone_answer(update: Update, context: Context, zone: str | None) -> str | int:
    """Keep the confirmed zone and go on to the day, or (None) ask for the zone again."""
    if context.user_data is not None:
        context.user_data.pop(_PENDING_ZONE, None)
    message = message_of(update)
    if zone is None:
        return await _ask(message, Step.TIME_ZONE)
    svc = services(context)
    user_id = user_id_of(update)

    def work(session: Session) -> None:
        onboarding_service.set_time_zone(session, user_id, zone, svc.clock.now())

    await svc.db.run(work)
    return await _ask(message, Step.WAKE, _copy().time_zone_saved)


# --- the runner's day ------------------------------------------------------------------------

_ROLE = {Step.WAKE: TimeRole.WAKE, Step.SLEEP: TimeRole.SLEEP, Step.EXERCISE: TimeRole.EXERCISE}


async def time_pressed(update: Update, context: Context) -> str | int | None:
    """Take a time of the day from a button."""
    press = pressed(update)
    value = parse_clock_time(press.text(0))
    step = await _step(update, context)
    if value is None or step.value != press.action:
        return await _earlier_step(update, context)
    await _take_press(update)
    return await _time_given(update, context, step, value)


async def day_pressed(update: Update, context: Context) -> str | int | None:
    """Take a whole waking day (wake and sleep) from one button."""
    press = pressed(update)
    wake, sleep = parse_clock_time(press.text(0)), parse_clock_time(press.text(1))
    if wake is None or sleep is None or await _step(update, context) is not Step.WAKE:
        return await _earlier_step(update, context)
    await _take_press(update)
    return await _day_given(update, context, wake, sleep)


# "7-23", "6:45 to 22:30": a whole waking day typed at the wake-up question.
_DAY_RANGE = re.compile(r"^\s*(.+?)\s*(?:-|–|—|\bto\b|\buntil\b|\btill\b)\s*(.+?)\s*$", re.I)


def _typed_day(text: str) -> tuple[time, time] | None:
    """A waking day typed as a range whose two ends are clear, or None."""
    found = _DAY_RANGE.match(text)
    if found is None:
        return None
    wake = read_clock_time(found.group(1), TimeRole.WAKE)
    if not isinstance(wake, time):
        return None
    sleep = read_clock_time(found.group(2), TimeRole.SLEEP, wake=wake)
    return (wake, sleep) if isinstance(sleep, time) else None


async def _day_given(update: Update, context: Context, wake: time, sleep: time) -> str | int | None:
    """Keep a whole waking day: wake first, then sleep (checked against it)."""
    svc = services(context)
    user_id = user_id_of(update)

    def work(session: Session) -> DayProblem | None:
        problem = onboarding_service.validate_day(wake, sleep)
        if problem is not None:
            return problem
        now = svc.clock.now()
        onboarding_service.save_day_time(session, user_id, Step.WAKE, wake, now)
        return onboarding_service.save_day_time(session, user_id, Step.SLEEP, sleep, now)

    problem = await svc.db.run(work)
    if problem is not None:
        await message_of(update).reply_text(_day_problem_text(problem, sleep, wake, sleep))
        return None
    return await _finish(update, context)


async def _time_typed(update: Update, context: Context, step: Step, text: str) -> str | int | None:
    """A typed time, read for its role ("11" at bedtime is 23:00); ask when it could be
    either half of the day."""
    svc = services(context)
    user_id = user_id_of(update)

    def work(session: Session) -> tuple[time | None, time | None, time | None]:
        return onboarding_service.day_of(session, user_id)

    wake, sleep, _exercise = await svc.db.run(work)

    def buttons(times: list[str]) -> InlineKeyboardMarkup:
        return inline([[(t, callback(FLOW, step.value, t.replace(":", "."))) for t in times]])

    value = await read_typed_time(
        message_of(update), text, _ROLE[step], _copy(), buttons, wake=wake, sleep=sleep
    )
    if value is None:
        return None
    return await _time_given(update, context, step, value)


async def _time_given(
    update: Update, context: Context, step: Step, value: time
) -> str | int | None:
    svc = services(context)
    user_id = user_id_of(update)

    def work(session: Session) -> tuple[DayProblem | None, time | None, time | None]:
        problem = onboarding_service.save_day_time(session, user_id, step, value, svc.clock.now())
        wake, sleep, _exercise = onboarding_service.day_of(session, user_id)
        return problem, wake, sleep

    problem, wake, sleep = await svc.db.run(work)
    message = message_of(update)
    if problem is not None:
        await message.reply_text(_day_problem_text(problem, value, wake, sleep))
        return None
    if step is Step.WAKE:
        return await _ask(message, Step.SLEEP)
    return await _finish(update, context)


async def _finish(update: Update, context: Context) -> int:
    """The day is complete: say when exercise reminders come, and offer the knee check."""
    svc = services(context)
    user_id = user_id_of(update)

    def work(session: Session) -> time | None:
        return onboarding_service.day_of(session, user_id)[2]

    exercise = await svc.db.run(work)
    assert exercise is not None  # set with the bedtime
    copy = _copy()
    await message_of(update).reply_text(
        copy.done.format(exercise=format_clock_time(exercise)),
        reply_markup=column([(copy.start_assessment, callback("assess", "start"))]),
    )
    log.info("onboarding complete user=%s", user_id)
    return END


def _day_problem_text(
    problem: DayProblem, value: time, wake: time | None, sleep: time | None
) -> str:
    """Why a time cannot work, and what to do instead."""
    copy = _copy()
    assert wake is not None
    if problem is DayProblem.EXERCISE_WHILE_ASLEEP:
        assert sleep is not None
        return copy.exercise_outside_day.format(
            time=format_clock_time(value),
            wake=format_clock_time(wake),
            sleep=format_clock_time(sleep),
        )
    template = copy.day_same_time if problem is DayProblem.SAME_TIME else copy.day_too_short
    return template.format(
        sleep=format_clock_time(value), wake=format_clock_time(wake), hours=MIN_WAKING_HOURS
    )


# --- typed text, in any step -----------------------------------------------------------------


async def typed(update: Update, context: Context) -> str | int | None:
    """Typed text: red flags first, then read it as the answer to the current step."""
    text = message_of(update).text or ""
    screened = await screen_text(update, context, text)
    if screened is Screened.REFERRED:
        return END
    if screened is Screened.CONFIRMING:
        return None  # the answer to the confirming question decides
    copy = _copy()
    if too_long(text):
        await message_of(update).reply_text(copy.too_long)
        return None
    step = await _step(update, context)
    if step is Step.TIME_ZONE:
        return await _zone_typed(update, context, text)
    day = _typed_day(text) if step is Step.WAKE else None
    if day is not None:
        return await _day_given(update, context, *day)
    if step in DAY_STEPS:
        return await _time_typed(update, context, step, text)
    return await _typed_at_a_choice(update, context, step, text)


def build() -> ConversationHandler[Context]:
    """The onboarding conversation, in one literal."""
    return per_user_conversation(_conversation)


def _conversation() -> ConversationHandler[Context]:
    # Every press is checked against the stored step, so each state takes all of them.
    buttons: list[BaseHandler[Update, Context, object]] = [
        CallbackQueryHandler(consent, pattern=pattern(FLOW, "consent")),
        CallbackQueryHandler(age, pattern=pattern(FLOW, "age")),
        CallbackQueryHandler(zone_picked, pattern=pattern(FLOW, "tz")),
        CallbackQueryHandler(zone_confirmed, pattern=pattern(FLOW, "tzok")),
        CallbackQueryHandler(day_pressed, pattern=pattern(FLOW, "day")),
        CallbackQueryHandler(time_pressed, pattern=pattern(FLOW, *(s.value for s in DAY_STEPS))),
    ]
    presses: list[BaseHandler[Update, Context, object]] = [
        *buttons,
        MessageHandler(LOCATION, zone_shared),
        MessageHandler(NEW_TEXT, typed),
    ]
    return ConversationHandler(
        name="onboarding",
        persistent=True,
        allow_reentry=True,
        # Every press is checked against the stored step, so a button still leads on when the
        # conversation's state was lost (a restart before it was saved): presses are entries.
        entry_points=[CommandHandler("start", start), *buttons],
        states={state: presses for state in OnboardingState},
        fallbacks=[
            *_replies.fallbacks(),
            CallbackQueryHandler(_earlier_step, pattern=pattern(FLOW)),
        ],
    )

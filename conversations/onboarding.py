"""Onboarding on /start: what the coach is and is not, consent to store health answers, an
age check, the time zone and the runner's day. Ends by offering the knee check (assessment).

Nothing about health is stored before consent; a decline leaves no trace but the user row.
Diagram: docs/conversations/onboarding.mmd.
"""

from __future__ import annotations

import logging
from datetime import time
from enum import StrEnum
from typing import Any

from telegram import (
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.coaching.triage import red_flags_in
from bot.content import get_content
from bot.content.flow_copy import OnboardingCopy, flow_copy
from bot.services import onboarding as onboarding_service
from bot.services.plans import refer
from bot.services.users import ensure_user
from bot.telegram.context import Context, services
from bot.telegram.keyboards import EDITED, NEW_NON_TEXT, NEW_TEXT, column, in_rows, inline
from conversations.common import help_command, person_of
from conversations.input_checks import format_clock_time, parse_clock_time, too_long
from conversations.question_flow import (
    drop_buttons,
    message_of,
    per_user_conversation,
    user_id_of,
)
from conversations.safety import stop_for_red_flag

log = logging.getLogger(__name__)

END = ConversationHandler.END
AGE_QUESTION = "age"
_KEY = "onboarding"  # user_data key for answers not yet saved


class OnboardingState(StrEnum):
    CONSENT = "onboarding.consent"
    AGE = "onboarding.age"
    TIME_ZONE = "onboarding.time_zone"
    TIME_ZONE_CONFIRM = "onboarding.time_zone_confirm"
    WAKE = "onboarding.wake"
    SLEEP = "onboarding.sleep"
    EXERCISE = "onboarding.exercise"


def _copy() -> OnboardingCopy:
    return flow_copy().onboarding


def _pending(context: Context) -> dict[str, Any]:
    assert context.user_data is not None
    pending: dict[str, Any] = context.user_data.setdefault(_KEY, {})
    return pending


# --- entry and consent ---------------------------------------------------------------------


async def start(update: Update, context: Context) -> str | int:
    """Introduce the coach and ask for consent (or greet a user who is already set up)."""
    svc = services(context)
    copy = _copy()
    with svc.db.session() as session:
        user, created = ensure_user(session, person_of(update), svc.clock.now())
        first_name = user.first_name
        set_up = not created and onboarding_service.is_set_up(session, user.id)
    log.info("start user=%s new=%s set_up=%s", user.id, created, set_up)
    message = message_of(update)
    if set_up:
        await message.reply_text(copy.already_set_up.format(first_name=first_name))
        return END
    if context.user_data is not None:
        context.user_data.pop(_KEY, None)
    await message.reply_text(
        f"{copy.intro.format(first_name=first_name)}\n\n{copy.consent}",
        reply_markup=inline(
            [[(copy.consent_agree, "onb:consent:yes"), (copy.consent_decline, "onb:consent:no")]]
        ),
    )
    return OnboardingState.CONSENT


async def consent(update: Update, context: Context) -> str | int:
    """Record consent and ask the age band, or accept a decline and store nothing."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    await query.answer()
    copy = _copy()
    await drop_buttons(query.message)
    if query.data.endswith(":no"):
        await message_of(update).reply_text(copy.consent_declined)
        log.info("consent declined user=%s", user_id_of(update))
        return END
    svc = services(context)
    with svc.db.session() as session:
        onboarding_service.record_consent(session, user_id_of(update), svc.clock.now())
    log.info("consent given user=%s", user_id_of(update))
    await message_of(update).reply_text(copy.consent_recorded)
    await _ask_age(message_of(update))
    return OnboardingState.AGE


async def _ask_age(message: Message) -> None:
    content = get_content()
    question = content.question(AGE_QUESTION)
    buttons = [
        (content.render(option.label), f"onb:age:{option.value}") for option in question.options
    ]
    await message.reply_text(_copy().age_question, reply_markup=inline(in_rows(buttons, 2)))


async def age(update: Update, context: Context) -> str | int:
    """Under 18 leaves the pathway with a kind explanation; adults go on to the time zone."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    await query.answer()
    value = query.data.removeprefix("onb:age:")
    content = get_content()
    if content.question(AGE_QUESTION).option(value) is None:
        return OnboardingState.AGE
    await drop_buttons(query.message)
    flags = red_flags_in({AGE_QUESTION: value})
    if flags:
        flag = flags[0]
        tier = content.tiers[flag.tier]
        svc = services(context)
        with svc.db.session() as session:
            refer(session, user_id_of(update), flag.tier, [flag.id], "onboarding", svc.clock.now())
        await message_of(update).reply_text(
            _copy().under_18.format(
                reason=content.render(flag.message), where_to_go=tier.where_to_go
            )
        )
        log.info("onboarding referral user=%s flag=%s", user_id_of(update), flag.id)
        return END
    # Kept for the knee check, so it does not ask again.
    _pending(context)["age_band"] = value
    await _ask_time_zone(message_of(update))
    return OnboardingState.TIME_ZONE


# --- time zone -----------------------------------------------------------------------------


async def _ask_time_zone(message: Message) -> None:
    copy = _copy()
    location = ReplyKeyboardMarkup(
        [[KeyboardButton(copy.share_location, request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await message.reply_text(
        copy.time_zone_question.format(share_location=copy.share_location), reply_markup=location
    )
    zones = [(choice.label, f"onb:tz:{choice.zone}") for choice in copy.time_zones]
    await message.reply_text(copy.time_zone_pick, reply_markup=inline(in_rows(zones, 3)))


async def zone_picked(update: Update, context: Context) -> str | int | None:
    """Take a zone from the short list."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    await query.answer()
    zone = query.data.removeprefix("onb:tz:")
    if zone not in {choice.zone for choice in _copy().time_zones}:
        return None
    await drop_buttons(query.message)
    return await _confirm_zone(update, context, onboarding_service.ZoneMatch(zone))


async def zone_typed(update: Update, context: Context) -> str | int | None:
    """Find a zone from a typed city or UTC offset (a red flag in the text wins)."""
    text = message_of(update).text or ""
    if await _red_flag(update, context, text):
        return END
    if too_long(text):
        await message_of(update).reply_text(_copy().too_long)
        return None
    match = onboarding_service.zone_from_text(text)
    if match is None:
        await message_of(update).reply_text(_copy().time_zone_not_found)
        return None
    return await _confirm_zone(update, context, match)


async def zone_shared(update: Update, context: Context) -> str | int | None:
    """Find a zone from a shared location, offline; only the zone is kept."""
    location = message_of(update).location
    assert location is not None
    match = onboarding_service.zone_from_location(location.latitude, location.longitude)
    if match is None:
        await message_of(update).reply_text(_copy().time_zone_not_found)
        return None
    await message_of(update).reply_text(_copy().location_received)
    return await _confirm_zone(update, context, match)


async def _confirm_zone(
    update: Update, context: Context, match: onboarding_service.ZoneMatch
) -> str:
    copy = _copy()
    message = message_of(update)
    pending = _pending(context)
    pending["zone"] = match.zone
    now = onboarding_service.local_clock(services(context).clock.now(), match.zone)
    found = copy.time_zone_found.format(zone=match.zone)
    if match.fixed_offset is not None:
        found += "\n\n" + copy.fixed_offset_note.format(offset=match.fixed_offset)
    await message.reply_text(found, reply_markup=ReplyKeyboardRemove())
    await message.reply_text(
        copy.time_zone_confirm.format(
            local_time=now.strftime("%H:%M"), weekday=now.strftime("%A"), zone=match.zone
        ),
        reply_markup=inline(
            [[(copy.time_zone_yes, "onb:tzok:yes"), (copy.time_zone_change, "onb:tzok:no")]]
        ),
    )
    return OnboardingState.TIME_ZONE_CONFIRM


async def zone_confirmed(update: Update, context: Context) -> str:
    """Save the zone and ask about the day, or ask for the zone again."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    await query.answer()
    await drop_buttons(query.message)
    zone = _pending(context).get("zone")
    if query.data.endswith(":no") or not isinstance(zone, str):
        await _ask_time_zone(message_of(update))
        return OnboardingState.TIME_ZONE
    svc = services(context)
    with svc.db.session() as session:
        onboarding_service.set_time_zone(session, user_id_of(update), zone, svc.clock.now())
    await message_of(update).reply_text(_copy().time_zone_saved)
    await _ask_time(message_of(update), OnboardingState.WAKE)
    return OnboardingState.WAKE


# --- the runner's day ----------------------------------------------------------------------

_TIME_STEPS: dict[OnboardingState, tuple[str, OnboardingState | None]] = {
    OnboardingState.WAKE: ("wake", OnboardingState.SLEEP),
    OnboardingState.SLEEP: ("sleep", OnboardingState.EXERCISE),
    OnboardingState.EXERCISE: ("exercise", None),
}


async def _ask_time(message: Message, state: OnboardingState) -> None:
    copy = _copy()
    field = _TIME_STEPS[state][0]
    question, options = {
        "wake": (copy.wake_question, copy.wake_times),
        "sleep": (copy.sleep_question, copy.sleep_times),
        "exercise": (copy.exercise_question, copy.exercise_times),
    }[field]
    buttons = [(label, f"onb:{field}:{label}") for label in options]
    await message.reply_text(question, reply_markup=inline(in_rows(buttons, 4)))


def _time_handlers(state: OnboardingState) -> list[Any]:
    field = _TIME_STEPS[state][0]

    async def pressed(update: Update, context: Context) -> str | int | None:
        query = update.callback_query
        assert query is not None
        assert query.data is not None
        await query.answer()
        value = parse_clock_time(query.data.removeprefix(f"onb:{field}:"))
        if value is None:
            return None
        await drop_buttons(query.message)
        return await _time_given(update, context, state, value)

    async def typed(update: Update, context: Context) -> str | int | None:
        text = message_of(update).text or ""
        if await _red_flag(update, context, text):
            return END
        value = None if too_long(text) else parse_clock_time(text)
        if value is None:
            await message_of(update).reply_text(_copy().time_invalid)
            return None
        return await _time_given(update, context, state, value)

    pressed.__doc__ = f"Take the {field} time from a button."
    typed.__doc__ = f"Take a typed {field} time like 7:30."
    return [
        CallbackQueryHandler(pressed, pattern=rf"^onb:{field}:\d{{2}}:\d{{2}}$"),
        MessageHandler(NEW_TEXT, typed),
    ]


async def _time_given(
    update: Update, context: Context, state: OnboardingState, value: time
) -> str | int | None:
    field, next_state = _TIME_STEPS[state]
    pending = _pending(context)
    copy = _copy()
    if field == "exercise":
        wake, sleep = (parse_clock_time(str(pending.get(k, ""))) for k in ("wake", "sleep"))
        if wake is None or sleep is None:
            await _ask_time(message_of(update), OnboardingState.WAKE)
            return OnboardingState.WAKE
        if not onboarding_service.within_day(value, wake, sleep):
            await message_of(update).reply_text(
                copy.exercise_outside_day.format(
                    time=format_clock_time(value),
                    wake=format_clock_time(wake),
                    sleep=format_clock_time(sleep),
                )
            )
            return None
        return await _finish(update, context, wake, sleep, value)
    pending[field] = format_clock_time(value)
    assert next_state is not None
    await _ask_time(message_of(update), next_state)
    return next_state


async def _finish(update: Update, context: Context, wake: time, sleep: time, exercise: time) -> int:
    svc = services(context)
    user_id = user_id_of(update)
    with svc.db.session() as session:
        onboarding_service.save_day(session, user_id, wake, sleep, exercise, svc.clock.now())
        zone = onboarding_service.zone_of(session, user_id)
    pending = _pending(context)
    assert context.user_data is not None
    if "age_band" in pending:
        context.user_data["age_band"] = pending["age_band"]
    context.user_data.pop(_KEY, None)
    copy = _copy()
    await message_of(update).reply_text(
        copy.done.format(
            wake=format_clock_time(wake),
            sleep=format_clock_time(sleep),
            exercise=format_clock_time(exercise),
            zone=zone,
        ),
        reply_markup=column([(copy.start_assessment, "assess:start")]),
    )
    log.info("onboarding complete user=%s", user_id)
    return END


# --- anything else, in any state -----------------------------------------------------------


async def _red_flag(update: Update, context: Context, text: str) -> bool:
    """Red flags win: on a match the referral is sent and onboarding ends."""
    if not await stop_for_red_flag(update, context, text):
        return False
    if context.user_data is not None:
        context.user_data.pop(_KEY, None)
    return True


async def cancel(update: Update, context: Context) -> int:
    """Stop onboarding; what was already confirmed stays."""
    if context.user_data is not None:
        context.user_data.pop(_KEY, None)
    await message_of(update).reply_text(_copy().cancelled, reply_markup=ReplyKeyboardRemove())
    return END


async def help_mid_flow(update: Update, context: Context) -> None:
    """Show /help without leaving the step."""
    await help_command(update, context)


async def text_not_expected(update: Update, context: Context) -> int | None:
    """Text where a button is expected: screen it, then ask for a tap."""
    text = message_of(update).text or ""
    if await _red_flag(update, context, text):
        return END
    copy = _copy()
    await message_of(update).reply_text(copy.too_long if too_long(text) else copy.use_buttons)
    return None


async def other_command(update: Update, context: Context) -> None:
    """A command mid-flow: finish or /cancel first."""
    await message_of(update).reply_text(_copy().commands_mid_flow)


async def edited(update: Update, context: Context) -> int | None:
    """An edit: screened for red flags, otherwise not read."""
    message = message_of(update)
    if message.text and await stop_for_red_flag(update, context, message.text):
        return END
    await message.reply_text(_copy().edited)
    return None


async def media(update: Update, context: Context) -> None:
    """Stickers, photos, voice: ask for text or a tap."""
    await message_of(update).reply_text(_copy().media)


async def earlier_button(update: Update, context: Context) -> None:
    """A button from an earlier step: say so, change nothing."""
    query = update.callback_query
    assert query is not None
    await query.answer(_copy().earlier_step)


def build() -> ConversationHandler[Context]:
    """The onboarding conversation, in one literal."""
    return per_user_conversation(_conversation)


def _conversation() -> ConversationHandler[Context]:
    return ConversationHandler(
        name="onboarding",
        persistent=True,
        allow_reentry=True,
        entry_points=[CommandHandler("start", start)],
        states={
            OnboardingState.CONSENT: [
                CallbackQueryHandler(consent, pattern=r"^onb:consent:(yes|no)$"),
            ],
            OnboardingState.AGE: [
                CallbackQueryHandler(age, pattern=r"^onb:age:[a-z0-9_]+$"),
            ],
            OnboardingState.TIME_ZONE: [
                CallbackQueryHandler(zone_picked, pattern=r"^onb:tz:[A-Za-z0-9_+\-/]+$"),
                MessageHandler(filters.UpdateType.MESSAGE & filters.LOCATION, zone_shared),
                MessageHandler(NEW_TEXT, zone_typed),
            ],
            OnboardingState.TIME_ZONE_CONFIRM: [
                CallbackQueryHandler(zone_confirmed, pattern=r"^onb:tzok:(yes|no)$"),
                MessageHandler(filters.UpdateType.MESSAGE & filters.LOCATION, zone_shared),
                MessageHandler(NEW_TEXT, zone_typed),
            ],
            OnboardingState.WAKE: _time_handlers(OnboardingState.WAKE),
            OnboardingState.SLEEP: _time_handlers(OnboardingState.SLEEP),
            OnboardingState.EXERCISE: _time_handlers(OnboardingState.EXERCISE),
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            CommandHandler("help", help_mid_flow),
            MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND, other_command),
            MessageHandler(EDITED, edited),
            MessageHandler(NEW_TEXT, text_not_expected),
            MessageHandler(NEW_NON_TEXT, media),
            CallbackQueryHandler(earlier_button, pattern=r"^onb:"),
        ],
    )

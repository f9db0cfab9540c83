"""/settings: a menu of buttons to change the time zone, the times of the runner's day, each
nudge kind on or off, the daily limit, the knee-score offer, the units and the kit at hand.

Every press and every typed value calls one use case of bot/services/settings.py in one unit of
work (which validates, stores and re-plans the reminders) and renders its outcome: a one-line
confirmation naming the next reminder, or why nothing changed. Only typed input needs to know
which setting is being edited: that marker is this ConversationHandler's persisted state
(`settings.wake`, ...), entered by the setting's button and left by a saved value, any other
settings button, /settings or /cancel. Diagram: docs/conversations/settings.mmd.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import Session
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler

from bot.coaching.units import Units
from bot.content import Equipment
from bot.content.texts import SettingsCopy, Texts
from bot.services import settings as settings_service
from bot.services.onboarding import MIN_WAKING_HOURS, DayProblem, Step
from bot.services.settings import CAP_CHOICES, Saved, SettingsView, Switch
from bot.telegram.callback_data import CallbackData, StaleButtonError, callback, pattern, pressed
from bot.telegram.context import Context, services
from bot.telegram.keyboards import NEW_TEXT, Button, column, drop_buttons, in_rows, inline
from conversations.input_checks import (
    TimeRole,
    format_clock_time,
    parse_clock_time,
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
FLOW = "set"  # callback data namespace
ZONE = "zone"
CAP = "cap"
WEEK = "week"  # the weekly summary's day and time
TYPING_TIMEOUT = timedelta(minutes=15)


class SettingsState(StrEnum):
    """Which setting typed text is read as (the "editing" marker, persisted)."""

    TIME_ZONE = "settings.time_zone"
    WAKE = "settings.wake"
    SLEEP = "settings.sleep"
    EXERCISE = "settings.exercise"
    WEEKLY = "settings.weekly"


_TIME_STEPS = {step.value: step for step in (Step.WAKE, Step.SLEEP, Step.EXERCISE)}
_STATE_OF_STEP = {
    Step.WAKE: SettingsState.WAKE,
    Step.SLEEP: SettingsState.SLEEP,
    Step.EXERCISE: SettingsState.EXERCISE,
}
_ROLE = {Step.WAKE: TimeRole.WAKE, Step.SLEEP: TimeRole.SLEEP, Step.EXERCISE: TimeRole.EXERCISE}
# The Switch behind each switch button, and the name its confirmation uses (SettingNames).
_SWITCH_NAME = {
    Switch.ICING: "icing",
    Switch.EXERCISE: "exercise_nudges",
    Switch.CHECKIN: "checkin",
    Switch.WEEKLY: "weekly",
    Switch.KUJALA: "kujala",
}


def _own(texts: Texts) -> SettingsCopy:
    return texts.settings


def _copy(context: Context) -> SettingsCopy:
    return services(context).texts.settings


async def _type_again(update: Update, context: Context) -> None:
    """After "No" to a warning: the value is still awaited."""
    await message_of(update).reply_text(_copy(context).commands_mid_flow)


# Nothing half-done to throw away: a setting is saved whole or not at all.
_replies = MidFlowReplies(_own, _own, abandon=None, resume=_type_again)


# --- what the menu looks like ------------------------------------------------------------------


def _state_word(copy: SettingsCopy, on: bool) -> str:
    return copy.state_on if on else copy.state_off


def menu_text(view: SettingsView, copy: SettingsCopy) -> str:
    return copy.menu.format(
        zone=view.zone,
        wake=format_clock_time(view.wake),
        sleep=format_clock_time(view.sleep),
        exercise=format_clock_time(view.exercise),
        cap=view.daily_cap,
        weekday=copy.weekdays[view.weekly_day],
        week_time=format_clock_time(view.weekly_time),
        units=copy.units[view.units.value],
    )


def _kit_word(copy: SettingsCopy, have: bool) -> str:
    return copy.kit_yes if have else copy.kit_no


def _other_units(units: Units) -> Units:
    return Units.IMPERIAL if units is Units.METRIC else Units.METRIC


def menu_keyboard(view: SettingsView, copy: SettingsCopy) -> InlineKeyboardMarkup:
    """Every setting as a button; a switch's label shows its state, and its data the state a
    press sets (so a double tap changes nothing twice)."""
    buttons = copy.buttons
    names = copy.names
    switches: list[Button] = [
        (
            buttons.switch.format(
                setting=getattr(names, _SWITCH_NAME[which]), state=_state_word(copy, on)
            ),
            callback(FLOW, "switch", which.value, "off" if on else "on"),
        )
        for which, on in view.switches.items()
    ]
    kit: list[Button] = [
        (
            buttons.switch.format(setting=getattr(names, item.value), state=_kit_word(copy, have)),
            callback(FLOW, "kit", item.value, "off" if have else "on"),
        )
        for item, have in view.kit.items()
    ]
    units = (
        buttons.units.format(units=view.units.value),
        callback(FLOW, "units", _other_units(view.units).value),
    )
    rows: list[list[Button]] = [
        [(buttons.zone, callback(FLOW, "edit", ZONE))],
        [
            (buttons.wake, callback(FLOW, "edit", Step.WAKE.value)),
            (buttons.sleep, callback(FLOW, "edit", Step.SLEEP.value)),
        ],
        [(buttons.exercise, callback(FLOW, "edit", Step.EXERCISE.value))],
        *in_rows(switches, 2),
        [(buttons.cap.format(cap=view.daily_cap), callback(FLOW, "edit", CAP))],
        [(buttons.weekly, callback(FLOW, "edit", WEEK))],
        [units, *kit[:1]],
        kit[1:],
        [(buttons.done, callback(FLOW, "done"))],
    ]
    return inline(rows)


def back_keyboard(copy: SettingsCopy) -> InlineKeyboardMarkup:
    return column([(copy.buttons.back, callback(FLOW, "menu"))])


def time_keyboard(step: Step | str, options: list[str]) -> InlineKeyboardMarkup:
    """Quick times ("07:00" travels as "07.00": the colon separates callback data's parts)."""
    return inline(in_rows(_time_buttons(step, options), 4))


def _time_buttons(step: Step | str, options: list[str]) -> list[Button]:
    what = step.value if isinstance(step, Step) else step
    return [(t, callback(FLOW, "time", what, t.replace(":", "."))) for t in options]


def weekly_keyboard(copy: SettingsCopy) -> InlineKeyboardMarkup:
    """The seven days, then the quick times."""
    days = [(name, callback(FLOW, "weekday", n)) for n, name in enumerate(copy.weekdays)]
    times = _time_buttons(WEEK, copy.weekly_times)
    return inline([*in_rows(days, 4), *in_rows(times, 3)])


def cap_keyboard(copy: SettingsCopy) -> InlineKeyboardMarkup:
    buttons = [(str(n), callback(FLOW, "cap", n)) for n in CAP_CHOICES]
    return inline([*in_rows(buttons, 4), [(copy.buttons.back, callback(FLOW, "menu"))]])


def _local(instant: datetime) -> str:
    """An instant already in the user's zone, as the reminder replies show it."""
    return instant.strftime("%a %d %b, %H:%M")


def saved_text(copy: SettingsCopy, setting: str, choice: str, saved: Saved) -> str:
    """The one-line confirmation: what is set now, and when the next reminder comes."""
    if saved.paused:
        return copy.saved_paused.format(setting=setting, choice=choice)
    if saved.next_at is None:
        return copy.saved_nothing_planned.format(setting=setting, choice=choice)
    return copy.saved.format(setting=setting, choice=choice, next=_local(saved.next_at))


def refused_text(copy: SettingsCopy, refused: settings_service.Refused) -> str:
    wake, sleep = format_clock_time(refused.wake), format_clock_time(refused.sleep)
    if refused.problem is DayProblem.EXERCISE_WHILE_ASLEEP:
        return copy.exercise_outside.format(
            exercise=format_clock_time(refused.exercise), wake=wake, sleep=sleep
        )
    template = copy.same_time if refused.problem is DayProblem.SAME_TIME else copy.too_short
    return template.format(wake=wake, sleep=sleep, hours=MIN_WAKING_HOURS)


# --- the menu ---------------------------------------------------------------------------------


async def open_menu(update: Update, context: Context) -> int:
    """Show every setting with its current value; leaves any setting being typed."""
    svc = services(context)
    user_id = user_id_of(update)
    view = await svc.db.run(lambda session: settings_service.settings_of(session, user_id))
    copy = _copy(context)
    message = message_of(update)
    if view is None:
        await message.reply_text(copy.not_set_up)
    else:
        await message.reply_text(menu_text(view, copy), reply_markup=menu_keyboard(view, copy))
    log.info("settings menu user=%s set_up=%s", user_id_of(update), view is not None)
    return END


async def _show_menu_again(update: Update, context: Context) -> int:
    """Back: the ask (or confirmation) becomes the menu."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await drop_buttons(query.message)
    return await open_menu(update, context)


async def _close(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await drop_buttons(query.message)
    await message_of(update).reply_text(_copy(context).closed)
    return END


async def _not_set_up(update: Update, context: Context) -> int:
    await message_of(update).reply_text(_copy(context).not_set_up)
    return END


# --- asking for a new value --------------------------------------------------------------------


async def _edit(update: Update, context: Context, press: CallbackData) -> str | int:
    """Ask for the new value of one setting; typed text is read as it from now on."""
    what = press.text(0, choices=frozenset({ZONE, CAP, WEEK, *_TIME_STEPS}))
    query = update.callback_query
    assert query is not None
    svc = services(context)
    user_id = user_id_of(update)
    view = await svc.db.run(lambda session: settings_service.settings_of(session, user_id))
    await query.answer()
    if view is None:
        return await _not_set_up(update, context)
    copy = _copy(context)
    message = message_of(update)
    if what == ZONE:
        await message.reply_text(copy.ask_zone.format(zone=view.zone))
        return SettingsState.TIME_ZONE
    if what == WEEK:
        await message.reply_text(
            copy.ask_weekly.format(
                weekday=copy.weekdays[view.weekly_day],
                current=format_clock_time(view.weekly_time),
            ),
            reply_markup=weekly_keyboard(copy),
        )
        return SettingsState.WEEKLY
    if what == CAP:
        await message.reply_text(
            copy.ask_cap.format(cap=view.daily_cap), reply_markup=cap_keyboard(copy)
        )
        return END
    step = _TIME_STEPS[what]
    onboarding = svc.texts.onboarding
    current, options = {
        Step.WAKE: (view.wake, onboarding.wake_times),
        Step.SLEEP: (view.sleep, onboarding.sleep_times),
        Step.EXERCISE: (view.exercise, onboarding.exercise_times),
    }[step]
    await message.reply_text(
        copy.ask_time.format(
            setting=getattr(copy.names, step.value), current=format_clock_time(current)
        ),
        reply_markup=time_keyboard(step, options),
    )
    return _STATE_OF_STEP[step]


# --- saving -------------------------------------------------------------------------------------


async def _time_given(update: Update, context: Context, step: Step, value: time) -> str | int:
    svc = services(context)
    user_id, now = user_id_of(update), svc.clock.now()
    outcome = await svc.db.run(
        lambda session: settings_service.change_time(session, user_id, step, value, now)
    )
    copy = _copy(context)
    message = message_of(update)
    if isinstance(outcome, settings_service.NotSetUp):
        return await _not_set_up(update, context)
    if isinstance(outcome, settings_service.Refused):
        await message.reply_text(refused_text(copy, outcome))
        return _STATE_OF_STEP[step]
    log.info("settings user=%s changed=%s", user_id_of(update), step.value)
    setting = getattr(copy.names, step.value)
    await message.reply_text(
        saved_text(copy, setting, format_clock_time(value), outcome),
        reply_markup=back_keyboard(copy),
    )
    return END


async def _zone_outcome(
    update: Update, context: Context, outcome: settings_service.ZoneChange, current: str
) -> str | int:
    copy = _copy(context)
    message = message_of(update)
    if isinstance(outcome, settings_service.NotSetUp):
        return await _not_set_up(update, context)
    if isinstance(outcome, settings_service.ZoneOptions):
        buttons = [
            (label, callback(FLOW, "tz", choice.zone))
            for label, choice in zip(outcome.labels, outcome.choices, strict=True)
        ]
        await message.reply_text(copy.zone_which, reply_markup=column(buttons))
        return SettingsState.TIME_ZONE
    if isinstance(outcome, settings_service.ZoneUnknown):
        await message.reply_text(copy.zone_not_found.format(zone=current))
        return SettingsState.TIME_ZONE
    log.info("settings user=%s changed=zone", user_id_of(update))
    await message.reply_text(
        saved_text(copy, copy.names.zone, outcome.view.zone, outcome),
        reply_markup=back_keyboard(copy),
    )
    return END


async def _zone_picked(update: Update, context: Context, press: CallbackData) -> str | int:
    zone = press.text(0)
    query = update.callback_query
    assert query is not None
    await query.answer()
    await drop_buttons(query.message)
    svc = services(context)
    user_id, now = user_id_of(update), svc.clock.now()
    outcome = await svc.db.run(
        lambda session: settings_service.change_zone(session, user_id, zone, now)
    )
    return await _zone_outcome(update, context, outcome, zone)


async def _time_pressed(update: Update, context: Context, press: CallbackData) -> str | int:
    what = press.text(0)
    step = _TIME_STEPS.get(what)
    value = parse_clock_time(press.text(1))
    if (step is None and what != WEEK) or value is None:
        raise StaleButtonError
    query = update.callback_query
    assert query is not None
    await query.answer()
    await drop_buttons(query.message)
    if step is None:
        return await _weekly_given(update, context, at=value)
    return await _time_given(update, context, step, value)


async def _weekday_pressed(update: Update, context: Context, press: CallbackData) -> str | int:
    day = press.number(0, low=0, high=6)
    query = update.callback_query
    assert query is not None
    await query.answer()
    await drop_buttons(query.message)
    return await _weekly_given(update, context, day=day)


async def _weekly_given(
    update: Update, context: Context, *, day: int | None = None, at: time | None = None
) -> str | int:
    svc = services(context)
    user_id, now = user_id_of(update), svc.clock.now()
    outcome = await svc.db.run(
        lambda session: settings_service.change_weekly(session, user_id, now, day=day, at=at)
    )
    copy = _copy(context)
    message = message_of(update)
    if isinstance(outcome, settings_service.NotSetUp):
        return await _not_set_up(update, context)
    if isinstance(outcome, settings_service.WhileAsleep):
        await message.reply_text(
            copy.weekly_asleep.format(
                time=format_clock_time(outcome.at),
                wake=format_clock_time(outcome.wake),
                sleep=format_clock_time(outcome.sleep),
            )
        )
        return SettingsState.WEEKLY
    log.info("settings user=%s changed=weekly", user_id_of(update))
    view = outcome.view
    choice = f"{copy.weekdays[view.weekly_day]} {format_clock_time(view.weekly_time)}"
    await message.reply_text(
        saved_text(copy, copy.names.weekly, choice, outcome), reply_markup=back_keyboard(copy)
    )
    return END


async def _switched(update: Update, context: Context, press: CallbackData) -> int:
    which = Switch(press.text(0, choices=frozenset(s.value for s in Switch)))
    enabled = press.text(1, choices=frozenset({"on", "off"})) == "on"
    query = update.callback_query
    assert query is not None
    svc = services(context)
    user_id, now = user_id_of(update), svc.clock.now()
    outcome = await svc.db.run(
        lambda session: settings_service.switch(session, user_id, which, enabled, now)
    )
    await query.answer()
    if isinstance(outcome, settings_service.NotSetUp):
        return await _not_set_up(update, context)
    log.info("settings user=%s changed=%s on=%s", user_id_of(update), which.value, enabled)
    copy = _copy(context)
    await _refresh_menu(query.message, outcome.view, copy)
    setting = getattr(copy.names, _SWITCH_NAME[which])
    await message_of(update).reply_text(
        saved_text(copy, setting, _state_word(copy, enabled), outcome)
    )
    return END


async def _plan_setting_saved(
    update: Update, context: Context, outcome: settings_service.Change, setting: str, choice: str
) -> int:
    """Units or kit: the menu shows the new value in place, and one line confirms it."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    if isinstance(outcome, settings_service.NotSetUp):
        return await _not_set_up(update, context)
    copy = _copy(context)
    await _refresh_menu(query.message, outcome.view, copy)
    await message_of(update).reply_text(copy.saved_plan.format(setting=setting, choice=choice))
    return END


async def _units_pressed(update: Update, context: Context, press: CallbackData) -> int:
    units = Units(press.text(0, choices=frozenset(u.value for u in Units)))
    svc = services(context)
    user_id, now = user_id_of(update), svc.clock.now()
    outcome = await svc.db.run(
        lambda session: settings_service.change_units(session, user_id, units, now)
    )
    log.info("settings user=%s changed=units", user_id)
    copy = _copy(context)
    return await _plan_setting_saved(
        update, context, outcome, copy.names.units, copy.units[units.value]
    )


async def _kit_pressed(update: Update, context: Context, press: CallbackData) -> int:
    item = Equipment(press.text(0, choices=frozenset(e.value for e in Equipment)))
    have = press.text(1, choices=frozenset({"on", "off"})) == "on"
    svc = services(context)
    user_id, now = user_id_of(update), svc.clock.now()
    outcome = await svc.db.run(
        lambda session: settings_service.change_kit(session, user_id, item, have, now)
    )
    log.info("settings user=%s changed=kit", user_id)
    copy = _copy(context)
    return await _plan_setting_saved(
        update, context, outcome, getattr(copy.names, item.value), _kit_word(copy, have)
    )


async def _refresh_menu(message: object, view: SettingsView, copy: SettingsCopy) -> None:
    """The menu, pressed, shows the new values in place."""
    if not isinstance(message, Message):
        return
    try:
        await message.edit_text(menu_text(view, copy), reply_markup=menu_keyboard(view, copy))
    except BadRequest:  # cosmetic: an unchanged (double tap) or old message
        log.debug("could not refresh the settings menu")


async def _capped(update: Update, context: Context, press: CallbackData) -> int:
    cap = press.number(0, low=min(CAP_CHOICES), high=max(CAP_CHOICES))
    if cap not in CAP_CHOICES:
        raise StaleButtonError
    query = update.callback_query
    assert query is not None
    await query.answer()
    await drop_buttons(query.message)
    svc = services(context)
    user_id, now = user_id_of(update), svc.clock.now()
    outcome = await svc.db.run(
        lambda session: settings_service.change_cap(session, user_id, cap, now)
    )
    if isinstance(outcome, settings_service.NotSetUp):
        return await _not_set_up(update, context)
    log.info("settings user=%s changed=cap", user_id_of(update))
    copy = _copy(context)
    await message_of(update).reply_text(
        saved_text(copy, copy.names.cap, str(cap), outcome), reply_markup=back_keyboard(copy)
    )
    return END


async def setting_pressed(update: Update, context: Context) -> str | int:
    """Any settings button: read the press and hand it to its action."""
    press = pressed(update)
    actions: dict[str, Callable[[Update, Context, CallbackData], Awaitable[str | int]]] = {
        "edit": _edit,
        "time": _time_pressed,
        "tz": _zone_picked,
        "switch": _switched,
        "cap": _capped,
        "weekday": _weekday_pressed,
        "units": _units_pressed,
        "kit": _kit_pressed,
    }
    if press.action == "menu":
        return await _show_menu_again(update, context)
    if press.action == "done":
        return await _close(update, context)
    action = actions.get(press.action)
    if action is None:
        raise StaleButtonError
    return await action(update, context, press)


# --- typed values -----------------------------------------------------------------------------


async def _screened(update: Update, context: Context) -> str | None:
    """The typed text if it is to be read as a value; None when the safety screen took it
    over or it is too long (answered here)."""
    text = message_of(update).text or ""
    if await screen_text(update, context, text) is not Screened.CLEAR:
        return None
    if too_long(text):
        await message_of(update).reply_text(_copy(context).time_invalid)
        return None
    return text


async def zone_typed(update: Update, context: Context) -> str | int | None:
    """A typed place, country, abbreviation or offset for the new time zone."""
    text = await _screened(update, context)
    if text is None:
        return None
    svc = services(context)
    user_id, now = user_id_of(update), svc.clock.now()

    def work(
        session: Session,
    ) -> tuple[settings_service.SettingsView | None, settings_service.ZoneChange]:
        current = settings_service.settings_of(session, user_id)
        return current, settings_service.change_zone_typed(session, user_id, text, now)

    current, outcome = await svc.db.run(work)
    return await _zone_outcome(update, context, outcome, current.zone if current else "")


async def weekly_time_typed(update: Update, context: Context) -> str | int | None:
    """A typed time for the weekly summary (read like a daytime: "7" is 07:00, "7pm" 19:00)."""
    text = await _screened(update, context)
    if text is None:
        return None
    value = await read_typed_time(
        message_of(update),
        text,
        TimeRole.EXERCISE,
        _copy(context),
        lambda times: time_keyboard(WEEK, times),
    )
    if value is None:
        return None
    return await _weekly_given(update, context, at=value)


def _time_typed(step: Step) -> Callable[[Update, Context], Coroutine[Any, Any, str | int | None]]:
    async def time_typed(update: Update, context: Context) -> str | int | None:
        """A typed time, read for its role ("11" at bedtime is 23:00); asks when it could be
        either half of the day."""
        text = await _screened(update, context)
        if text is None:
            return None
        svc = services(context)
        user_id = user_id_of(update)
        view = await svc.db.run(lambda session: settings_service.settings_of(session, user_id))
        if view is None:
            return await _not_set_up(update, context)
        value = await read_typed_time(
            message_of(update),
            text,
            _ROLE[step],
            _copy(context),
            lambda times: time_keyboard(step, times),
            wake=view.wake,
            sleep=view.sleep,
        )
        if value is None:
            return None
        return await _time_given(update, context, step, value)

    return time_typed


def build() -> ConversationHandler[Context]:
    """The settings conversation, in one literal."""
    return per_user_conversation(_conversation)


def _conversation() -> ConversationHandler[Context]:
    typed = NEW_TEXT
    return ConversationHandler(
        name="settings",
        persistent=True,
        # Any settings button or /settings, in any state, starts over from what it does.
        allow_reentry=True,
        # A value not typed soon is not awaited any longer: another flow started meanwhile
        # (registered before this one, it takes the text while it runs) must not leave typed
        # text to be read as a setting after it ends.
        conversation_timeout=TYPING_TIMEOUT,
        entry_points=[
            CommandHandler("settings", open_menu),
            CallbackQueryHandler(setting_pressed, pattern=pattern(FLOW)),
        ],
        states={
            SettingsState.TIME_ZONE: [MessageHandler(typed, zone_typed)],
            SettingsState.WAKE: [MessageHandler(typed, _time_typed(Step.WAKE))],
            SettingsState.SLEEP: [MessageHandler(typed, _time_typed(Step.SLEEP))],
            SettingsState.EXERCISE: [MessageHandler(typed, _time_typed(Step.EXERCISE))],
            SettingsState.WEEKLY: [MessageHandler(typed, weekly_time_typed)],
        },
        fallbacks=_replies.fallbacks(),
    )

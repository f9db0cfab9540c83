"""/plan and /yesterday: the day's tasks with their dosages and the phase's running guidance;
one button per task opens its page (how to do it, what to watch, an easier or harder variant)
where it is marked done or undone. Tasks are logged per local day (a double tap records once);
yesterday stays open until bot/services/today.py's `YESTERDAY_OPEN_UNTIL`.

Not a conversation: every button carries what it needs (`plan:done:<task>:<yyyymmdd>`), so
buttons keep working after a restart and closed days' buttons are recognised. Callbacks read
the press (bot/telegram/callback_data.py: unreadable data is answered as a stale button), call
one use case of bot/services/today.py in one unit of work off the event loop, and render what
it returns.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date, datetime

from sqlmodel import Session
from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.coaching.drills import drills_screen_copy
from bot.coaching.plan import Task, describe_dosage
from bot.coaching.screening import Urgency, care_route
from bot.content import Exercise, get_content
from bot.content.kinds import Stage, TaskKind
from bot.content.texts import PlanCopy, get_texts
from bot.services.settings import plan_preferences
from bot.services.today import (
    TaskDone,
    TaskDoneResult,
    TodayPlan,
    mark_plan_task_done,
    plan_today,
    plan_yesterday,
    task_on,
    undo_plan_task,
)
from bot.telegram.callback_data import CallbackData, StaleButtonError, callback, pattern, pressed
from bot.telegram.context import Context, Services, services
from bot.telegram.keyboards import Button, inline
from conversations.drills_screen import offer_button
from conversations.learn import send_card_for_today
from conversations.safety import where_to_go

log = logging.getLogger(__name__)

FLOW = "plan"
_VARIANTS = frozenset({"easier", "harder"})
# Task and exercise ids are content ids (bot/content/schema.py `Id`), and names: a bare number
# or anything longer than the task log's column is a damaged or forged press.
_TASK_ID = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
# /plan shows at most this many buttons (a phone shows no more without scrolling).
MAX_PLAN_BUTTONS = 8


CLEARANCE = "clear"  # callback namespace of "A clinician has checked it"


def clearance_keyboard() -> InlineKeyboardMarkup:
    """The button that says a clinician has cleared the way (answered in clearance.py)."""
    return inline([[(get_texts().flows.referral.clear_button, callback(CLEARANCE, "ask"))]])


def _copy() -> PlanCopy:
    return get_texts().flows.plan


def _task_id(data: CallbackData, index: int) -> str:
    value = data.text(index)
    if not _TASK_ID.match(value) or value.isdigit():
        raise StaleButtonError
    return value


def _page_day(data: CallbackData) -> date | None:
    """The day a task page is for: the press's date, or today for older buttons without one."""
    return data.day(1) if len(data.args) > 1 else None


async def today_view(svc: Services, user_id: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """Today's plan as a message: heading, one line per task, and its buttons."""
    now = svc.clock.now()
    plan = await svc.db.run(lambda session: plan_today(session, user_id, now))
    return render_today(plan)


def render_today(plan: TodayPlan) -> tuple[str, InlineKeyboardMarkup | None]:
    """A day's plan as a message: heading, one line per task, the running guidance, and one
    button per task that opens its page."""
    copy = _copy()
    content = get_content()
    if plan.stage is None:
        return copy.needs_assessment, None
    if plan.stage is Stage.REFERRED:
        text = get_texts().flows.referral.no_plan
        if plan.referral_tier is not None:  # where to go, in the user's country
            route = care_route(plan.zone)
            text = f"{text}\n\n{where_to_go(Urgency.of(plan.referral_tier), route)}"
        return text, clearance_keyboard()  # not a dead end (conversations/clearance.py)
    if plan.is_yesterday and not plan.tasks:
        return copy.yesterday_empty, None
    day = plan.today
    heading = copy.yesterday_heading if plan.is_yesterday else copy.heading
    lines = [
        heading.format(
            date=day.strftime("%a %d %b"), stage_name=content.messages.stage_names[plan.stage]
        )
    ]
    rows: list[list[Button]] = []
    for task in plan.tasks:
        done = plan.progress.get(task.id, 0)
        finished = done >= task.times_per_day
        mark = copy.done_mark if finished else copy.todo_mark
        title = task.title
        if task.times_per_day > 1:
            title += copy.sessions_progress.format(done=done, total=task.times_per_day)
        lines.append(copy.task_line.format(mark=mark, title=title, dosage=task.dosage))
        if task.kind is not TaskKind.CHECKIN:
            label = (copy.task_button_done if finished else copy.task_button).format(
                title=task.title
            )
            rows.append([(label, _page_data(task, day))])
    paragraphs = [lines[0], "\n".join(lines[1:])]
    if plan.strength_rest:
        paragraphs.append(copy.strength_rest)
    if plan.phase is not None:
        running = content.render(content.phases[plan.phase].running)
        paragraphs.append(copy.running.format(advice=running))
    paragraphs.append(copy.footer)
    if plan.yesterday_open:
        paragraphs.append(copy.yesterday_hint)
    if plan.drills_offer:  # strides and drills are opt-in (conversations/drills_screen.py)
        paragraphs.append(drills_screen_copy().offer)
        rows.append([offer_button()])
    return "\n\n".join(paragraphs), inline(rows) if rows else None


def _page_data(task: Task, day: date) -> str:
    action = "ex" if task.exercise_id is not None else "task"
    return callback(FLOW, action, task.exercise_id or task.id, day)


def _variant_row(exercise_id: str) -> list[Button]:
    copy = _copy()
    return [
        (copy.easier_button, callback(FLOW, "var", exercise_id, "easier")),
        (copy.harder_button, callback(FLOW, "var", exercise_id, "harder")),
    ]


def page_rows(task: Task, day: date, done: int) -> list[list[Button]]:
    """A task page's buttons: easier/harder (exercises), Done while sessions are left, Undo
    once one is logged, and the way back to the plan."""
    copy = _copy()
    rows: list[list[Button]] = []
    if task.exercise_id is not None:
        rows.append(_variant_row(task.exercise_id))
    if task.kind is not TaskKind.CHECKIN:
        marks: list[Button] = []
        if done < task.times_per_day:
            marks.append((copy.done_button, callback(FLOW, "done", task.id, day)))
        if done > 0:
            marks.append((copy.undo_button, callback(FLOW, "undo", task.id, day)))
        rows.append(marks)
    rows.append([(copy.back_button, callback(FLOW, "today"))])
    return rows


async def show_plan(update: Update, context: Context) -> None:
    """Show today's plan, then the education card the day calls for (once a day)."""
    await _reply_with_plan(update, context, plan_today)
    assert update.effective_message is not None
    assert update.effective_user is not None
    await send_card_for_today(update.effective_message, services(context), update.effective_user.id)


async def show_yesterday(update: Update, context: Context) -> None:
    """Show yesterday's plan while it can still be logged."""
    await _reply_with_plan(update, context, plan_yesterday)


async def _reply_with_plan(
    update: Update,
    context: Context,
    load: Callable[[Session, int, datetime], TodayPlan | None],
) -> None:
    """Load a day's plan off the event loop and send it (None: yesterday has closed)."""
    assert update.effective_message is not None
    assert update.effective_user is not None
    svc = services(context)
    user_id, now = update.effective_user.id, svc.clock.now()
    plan = await svc.db.run(lambda session: load(session, user_id, now))
    if plan is None:
        await update.effective_message.reply_text(_copy().yesterday_closed)
        return
    text, markup = render_today(plan)
    await update.effective_message.reply_text(text, reply_markup=markup)


async def mark_task_done(update: Update, context: Context) -> None:
    """Mark a task done for its day (once, however often it is tapped), or undo it."""
    data = pressed(update)
    task_id, day = _task_id(data, 0), data.day(1)
    undo = data.action == "undo"
    query = update.callback_query
    assert query is not None
    assert update.effective_user is not None
    svc = services(context)
    user_id, now = update.effective_user.id, svc.clock.now()
    change = undo_plan_task if undo else mark_plan_task_done

    def work(session: Session) -> TaskDoneResult:
        return change(session, user_id, task_id, day, now)

    result = await svc.db.run(work)
    copy = _copy()
    if result.outcome in (TaskDone.OLD_DAY, TaskDone.UNKNOWN):
        await query.answer(
            copy.old_day if result.outcome is TaskDone.OLD_DAY else copy.unknown_task
        )
        await _show(query.message, result.plan, send_new=True)
        return
    assert result.task is not None
    if result.outcome in (TaskDone.ALREADY, TaskDone.NOT_DONE):
        await query.answer(copy.already_done if not undo else copy.not_done)
        return
    template = copy.marked_undone if undo else copy.marked_done
    await query.answer(template.format(title=result.task.title))
    log.info("task %s user=%s", "undone" if undo else "done", user_id)
    message = query.message
    if not isinstance(message, Message):
        return
    if _is_plan_message(message):  # a Done on a plan message sent before task pages
        await _show(message, result.plan, send_new=False)
        return
    done = result.plan.progress.get(result.task.id, 0)
    rows = page_rows(result.task, result.plan.today, done)
    try:
        await message.edit_reply_markup(reply_markup=inline(rows))
    except BadRequest:
        log.debug("task page %s could not be edited", message.message_id)


def _is_plan_message(message: Message) -> bool:
    """Whether `message` shows a whole plan (its buttons open task pages)."""
    markup = message.reply_markup
    return markup is not None and any(
        str(button.callback_data or "").startswith((f"{FLOW}:ex:", f"{FLOW}:task:"))
        for row in markup.inline_keyboard
        for button in row
    )


async def _show(message: object, plan: TodayPlan, *, send_new: bool) -> None:
    """Show a plan: edit the pressed message, or send a new one."""
    text, markup = render_today(plan)
    if isinstance(message, Message):
        if not send_new:
            try:
                await message.edit_text(text, reply_markup=markup)
                return
            except BadRequest:
                log.debug("plan message %s could not be edited", message.message_id)
        await message.reply_text(text, reply_markup=markup)


def exercise_text(
    exercise: Exercise, dosage: str, instructions: str, *, without_kit: bool = False
) -> str:
    """An exercise's page: what it is for, how to do it, what to watch, today's dosage and the
    task's own note (if any). `without_kit`: the runner has not got its kit, so the page is
    the alternative's (its title, and its how-to as the steps, not repeated in the note).
    Pure, so the message-limit tests can render every page."""
    content = get_content()
    name, steps = exercise.name, exercise.steps
    if without_kit and exercise.without is not None:
        name, steps = exercise.without.title, [exercise.without.how]
        instructions = instructions.removeprefix(exercise.without.how).strip()
    text = _copy().exercise_details.format(
        name=name,
        purpose=content.render(exercise.purpose),
        steps="\n".join(f"{n}. {content.render(s)}" for n, s in enumerate(steps, 1)),
        cautions="\n".join(f"- {content.render(c)}" for c in exercise.cautions),
        dosage=dosage,
    )
    return f"{text}\n\n{instructions}" if instructions else text


def variant_text(exercise: Exercise, which: str) -> str:
    """The easier or harder version of an exercise."""
    copy = _copy()
    template, body = (
        (copy.easier, exercise.easier) if which == "easier" else (copy.harder, exercise.harder)
    )
    return template.format(text=get_content().render(body))


async def show_exercise(update: Update, context: Context) -> None:
    """Open an exercise: how to do it, what to watch, the day's dosage, Done and Undo."""
    data = pressed(update)
    exercise_id, day = _task_id(data, 0), _page_day(data)
    query = update.callback_query
    assert query is not None
    assert update.effective_user is not None
    content = get_content()
    exercise = content.exercises.get(exercise_id)
    copy = _copy()
    if exercise is None:
        await query.answer(copy.unknown_task)
        return
    await query.answer()
    svc = services(context)
    user_id, now = update.effective_user.id, svc.clock.now()
    plan, task = await svc.db.run(lambda session: task_on(session, user_id, exercise_id, day, now))
    if task is None:
        units = await svc.db.run(lambda session: plan_preferences(session, user_id).units)
        dosage = describe_dosage(exercise.dosage, units=units)
        text = exercise_text(exercise, dosage, "")
        rows = [_variant_row(exercise.id), [(copy.back_button, callback(FLOW, "today"))]]
    else:
        text = exercise_text(exercise, task.dosage, task.instructions, without_kit=task.without_kit)
        rows = page_rows(task, plan.today, plan.progress.get(task.id, 0))
    await _reply(query, text, rows)


async def _reply(query: CallbackQuery, text: str, rows: list[list[Button]]) -> None:
    """Answer under the pressed message, with the buttons."""
    assert isinstance(query.message, Message)
    await query.message.reply_text(text, reply_markup=inline(rows))


async def show_task(update: Update, context: Context) -> None:
    """Open a task that is not an exercise (ice, rest, a run, ...): what to do and why."""
    data = pressed(update)
    task_id, day = _task_id(data, 0), _page_day(data)
    query = update.callback_query
    assert query is not None
    assert update.effective_user is not None
    svc = services(context)
    user_id, now = update.effective_user.id, svc.clock.now()
    plan, task = await svc.db.run(lambda session: task_on(session, user_id, task_id, day, now))
    copy = _copy()
    if task is None:
        await query.answer(copy.unknown_task)
        return
    await query.answer()
    text = copy.task_details.format(
        title=task.title, instructions=task.instructions, dosage=task.dosage
    )
    await _reply(query, text, page_rows(task, plan.today, plan.progress.get(task.id, 0)))


async def show_variant(update: Update, context: Context) -> None:
    """Show the easier or harder version of an exercise."""
    data = pressed(update)
    exercise_id, which = _task_id(data, 0), data.text(1, choices=_VARIANTS)
    query = update.callback_query
    assert query is not None
    content = get_content()
    exercise = content.exercises.get(exercise_id)
    copy = _copy()
    if exercise is None:
        await query.answer(copy.unknown_task)
        return
    await query.answer()
    await _reply(
        query, variant_text(exercise, which), [[(copy.back_button, callback(FLOW, "today"))]]
    )


async def show_today_button(update: Update, context: Context) -> None:
    """Show today's plan from a button (a task page's way back, or a nudge's)."""
    pressed(update)
    query = update.callback_query
    assert query is not None
    assert update.effective_user is not None
    await query.answer()
    svc = services(context)
    user_id, now = update.effective_user.id, svc.clock.now()
    plan = await svc.db.run(lambda session: plan_today(session, user_id, now))
    await _show(query.message, plan, send_new=True)


def handlers() -> list[CommandHandler[Context, None] | CallbackQueryHandler[Context, None]]:
    """/plan, /yesterday and their buttons, for the MAIN group."""
    return [
        CommandHandler("plan", show_plan),
        CommandHandler("yesterday", show_yesterday),
        CallbackQueryHandler(mark_task_done, pattern=pattern(FLOW, "done", "undo")),
        CallbackQueryHandler(show_exercise, pattern=pattern(FLOW, "ex")),
        CallbackQueryHandler(show_task, pattern=pattern(FLOW, "task")),
        CallbackQueryHandler(show_variant, pattern=pattern(FLOW, "var")),
        CallbackQueryHandler(show_today_button, pattern=pattern(FLOW, "today")),
    ]

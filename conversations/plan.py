"""/plan: today's tasks with their dosages; each exercise opens its instructions, cautions and
an easier or harder variant; tasks are marked done per local day (a double tap records once).

Not a conversation: every button carries what it needs (`plan:done:<task>:<yyyymmdd>`), so
buttons keep working after a restart and old days' buttons are recognised. Callbacks read the
press (bot/telegram/callback_data.py: unreadable data is answered as a stale button), call one
use case of bot/services/today.py in one unit of work, and render what it returns.
"""

from __future__ import annotations

import logging
import re
from datetime import date

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.coaching.drills import drills_screen_copy
from bot.coaching.plan import Task, describe_dosage
from bot.content import Exercise, get_content
from bot.content.kinds import Stage, TaskKind
from bot.content.texts import PlanCopy, get_texts
from bot.services.today import TaskDone, TodayPlan, mark_plan_task_done, plan_today, task_today
from bot.telegram.callback_data import CallbackData, StaleButtonError, callback, pattern, pressed
from bot.telegram.context import Context, Services, services
from bot.telegram.keyboards import Button, inline
from conversations.drills_screen import offer_button

log = logging.getLogger(__name__)

FLOW = "plan"
_VARIANTS = frozenset({"easier", "harder"})
# Task and exercise ids are content ids (bot/content/schema.py `Id`), and names: a bare number
# or anything longer than the task log's column is a damaged or forged press.
_TASK_ID = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")


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


def _done_button(copy: PlanCopy, task: Task, today: date) -> Button:
    """ "Done" for one of today's tasks; the date in its data makes yesterday's button stale."""
    return (copy.done_button.format(title=task.title), callback(FLOW, "done", task.id, today))


def today_view(svc: Services, user_id: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """Today's plan as a message: heading, one line per task, and its buttons."""
    with svc.db.session() as session:
        plan = plan_today(session, user_id, svc.clock.now())
    return render_today(plan)


def render_today(plan: TodayPlan) -> tuple[str, InlineKeyboardMarkup | None]:
    """Today's plan as a message: heading, one line per task, and its buttons."""
    copy = _copy()
    content = get_content()
    if plan.stage is None:
        return copy.needs_assessment, None
    if plan.stage is Stage.REFERRED:
        text = get_texts().flows.referral.no_plan
        if plan.referral_tier is not None:
            text = f"{text}\n\n{content.tiers[plan.referral_tier].where_to_go}"
        return text, clearance_keyboard()  # not a dead end (conversations/clearance.py)
    today = plan.today
    lines = [
        copy.heading.format(
            date=today.strftime("%a %d %b"), stage_name=content.messages.stage_names[plan.stage]
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
        row: list[Button] = []
        if task.exercise_id is not None:
            row.append(
                (copy.details_button.format(title=task.title), callback(FLOW, "ex", task.id))
            )
        elif task.instructions:
            row.append(
                (copy.details_button.format(title=task.title), callback(FLOW, "task", task.id))
            )
        if task.kind is not TaskKind.CHECKIN and not finished:
            row.append(_done_button(copy, task, today))
        if row:
            rows.append(row)
    text = "\n\n".join([lines[0], "\n".join(lines[1:]), copy.footer])
    if plan.drills_offer:  # strides and drills are opt-in (conversations/drills_screen.py)
        text = f"{text}\n\n{drills_screen_copy().offer}"
        rows.append([offer_button()])
    return text, inline(rows) if rows else None


async def show_plan(update: Update, context: Context) -> None:
    """Show today's plan."""
    assert update.effective_message is not None
    assert update.effective_user is not None
    text, markup = today_view(services(context), update.effective_user.id)
    await update.effective_message.reply_text(text, reply_markup=markup)


async def mark_task_done(update: Update, context: Context) -> None:
    """Mark a task done for the user's local today (once, however often it is tapped)."""
    data = pressed(update)
    task_id, day = _task_id(data, 0), data.day(1)
    query = update.callback_query
    assert query is not None
    assert update.effective_user is not None
    svc = services(context)
    user_id = update.effective_user.id
    with svc.db.session() as session:
        result = mark_plan_task_done(session, user_id, task_id, day, svc.clock.now())
    copy = _copy()
    if result.outcome in (TaskDone.OLD_DAY, TaskDone.UNKNOWN):
        await query.answer(
            copy.old_day if result.outcome is TaskDone.OLD_DAY else copy.unknown_task
        )
        await _show(query.message, result.plan, send_new=True)
        return
    if result.outcome is TaskDone.ALREADY:
        await query.answer(copy.already_done)
        return
    assert result.task is not None
    await query.answer(copy.marked_done.format(title=result.task.title))
    log.info("task done user=%s", user_id)
    await _show(query.message, result.plan, send_new=False)


async def _show(message: object, plan: TodayPlan, *, send_new: bool) -> None:
    """Show today's plan: edit the pressed message, or send a new one."""
    text, markup = render_today(plan)
    if isinstance(message, Message):
        if not send_new:
            try:
                await message.edit_text(text, reply_markup=markup)
                return
            except BadRequest:
                log.debug("plan message %s could not be edited", message.message_id)
        await message.reply_text(text, reply_markup=markup)


def exercise_text(exercise: Exercise, dosage: str, instructions: str) -> str:
    """An exercise's page: what it is for, how to do it, what to watch, today's dosage and the
    task's own note (if any). Pure, so the message-limit tests can render every page."""
    content = get_content()
    text = _copy().exercise_details.format(
        name=exercise.name,
        purpose=content.render(exercise.purpose),
        steps="\n".join(f"{n}. {content.render(s)}" for n, s in enumerate(exercise.steps, 1)),
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
    """Open an exercise: how to do it, what to watch, and today's dosage."""
    exercise_id = _task_id(pressed(update), 0)
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
    with svc.db.session() as session:
        today, task = task_today(session, update.effective_user.id, exercise_id, svc.clock.now())
    dosage = task.dosage if task is not None else describe_dosage(exercise.dosage)
    text = exercise_text(exercise, dosage, task.instructions if task is not None else "")
    rows: list[list[Button]] = [
        [
            (copy.easier_button, callback(FLOW, "var", exercise.id, "easier")),
            (copy.harder_button, callback(FLOW, "var", exercise.id, "harder")),
        ]
    ]
    if task is not None:
        rows.append([_done_button(copy, task, today)])
    await _reply_with_way_back(query, text, rows)


async def _reply_with_way_back(query: CallbackQuery, text: str, rows: list[list[Button]]) -> None:
    """Answer under the pressed message, with the buttons and a way back to today's plan."""
    rows.append([(_copy().back_button, callback(FLOW, "today"))])
    assert isinstance(query.message, Message)
    await query.message.reply_text(text, reply_markup=inline(rows))


async def show_task(update: Update, context: Context) -> None:
    """Open a task that is not an exercise (ice, rest, ...): what to do and why."""
    task_id = _task_id(pressed(update), 0)
    query = update.callback_query
    assert query is not None
    assert update.effective_user is not None
    svc = services(context)
    with svc.db.session() as session:
        today, task = task_today(session, update.effective_user.id, task_id, svc.clock.now())
    copy = _copy()
    if task is None:
        await query.answer(copy.unknown_task)
        return
    await query.answer()
    text = copy.task_details.format(
        title=task.title, instructions=task.instructions, dosage=task.dosage
    )
    rows: list[list[Button]] = []
    if task.kind is not TaskKind.CHECKIN:
        rows.append([_done_button(copy, task, today)])
    await _reply_with_way_back(query, text, rows)


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
    await _reply_with_way_back(query, variant_text(exercise, which), [])


async def show_today_button(update: Update, context: Context) -> None:
    """Show today's plan from a button."""
    pressed(update)
    query = update.callback_query
    assert query is not None
    assert update.effective_user is not None
    await query.answer()
    svc = services(context)
    with svc.db.session() as session:
        plan = plan_today(session, update.effective_user.id, svc.clock.now())
    await _show(query.message, plan, send_new=True)


def handlers() -> list[CommandHandler[Context, None] | CallbackQueryHandler[Context, None]]:
    """/plan and its buttons, for the MAIN group."""
    return [
        CommandHandler("plan", show_plan),
        CallbackQueryHandler(mark_task_done, pattern=pattern(FLOW, "done")),
        CallbackQueryHandler(show_exercise, pattern=pattern(FLOW, "ex")),
        CallbackQueryHandler(show_task, pattern=pattern(FLOW, "task")),
        CallbackQueryHandler(show_variant, pattern=pattern(FLOW, "var")),
        CallbackQueryHandler(show_today_button, pattern=pattern(FLOW, "today")),
    ]

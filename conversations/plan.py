"""/plan: today's tasks with their dosages; each exercise opens its instructions, cautions and
an easier or harder variant; tasks are marked done per local day (a double tap records once).

Not a conversation: every button carries what it needs (`plan:done:<task>:<yyyymmdd>`), so
buttons keep working after a restart and old days' buttons are recognised.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.coaching.plan import Task, describe_dosage, plan_for
from bot.content import Exercise, get_content
from bot.content.kinds import Stage, TaskKind, Tier
from bot.content.texts import PlanCopy, get_texts
from bot.services import tasks as task_log
from bot.services.onboarding import has_consented
from bot.services.plan_state import load_state
from bot.services.plans import latest_referral
from bot.services.users import today_for
from bot.telegram.context import Context, Services, services
from bot.telegram.keyboards import Button, inline

log = logging.getLogger(__name__)


def _copy() -> PlanCopy:
    return get_texts().flows.plan


def _day_code(day: date) -> str:
    return day.strftime("%Y%m%d")


def _done_button(copy: PlanCopy, task: Task, today: date) -> Button:
    """ "Done" for one of today's tasks; the date in its data makes yesterday's button stale."""
    return (copy.done_button.format(title=task.title), f"plan:done:{task.id}:{_day_code(today)}")


def today_view(svc: Services, user_id: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """Today's plan as a message: heading, one line per task, and its buttons."""
    copy = _copy()
    content = get_content()
    with svc.db.session() as session:
        state = load_state(session, user_id) if has_consented(session, user_id) else None
        today, _zone = today_for(session, user_id, svc.clock.now())
        tasks = plan_for(state, today) if state is not None else []
        progress = task_log.progress_today(session, user_id, tasks, today)
        referral = latest_referral(session, user_id)
    if state is None:
        return copy.needs_assessment, None
    if state.stage is Stage.REFERRED:
        text = get_texts().flows.referral.no_plan
        if referral is not None:
            tier = content.tiers[Tier(referral.tier)]
            text = f"{text}\n\n{tier.where_to_go}"
        return text, None
    return plan_message(state.stage, today, tasks, progress)


def plan_message(
    stage: Stage, today: date, tasks: Sequence[Task], progress: Mapping[str, int]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The plan of a day that has one: the tasks with their done marks, and the buttons to open
    or tick each (pure, so the message-limit tests can render every stage's plan)."""
    copy = _copy()
    content = get_content()
    lines = [
        copy.heading.format(
            date=today.strftime("%a %d %b"), stage_name=content.messages.stage_names[stage]
        )
    ]
    rows: list[list[Button]] = []
    for task in tasks:
        finished = progress[task.id] >= task.times_per_day
        mark = copy.done_mark if finished else copy.todo_mark
        title = task.title
        if task.times_per_day > 1:
            title += copy.sessions_progress.format(done=progress[task.id], total=task.times_per_day)
        lines.append(copy.task_line.format(mark=mark, title=title, dosage=task.dosage))
        row: list[Button] = []
        if task.exercise_id is not None:
            row.append((copy.details_button.format(title=task.title), f"plan:ex:{task.id}"))
        elif task.instructions:
            row.append((copy.details_button.format(title=task.title), f"plan:task:{task.id}"))
        if task.kind is not TaskKind.CHECKIN and not finished:
            row.append(_done_button(copy, task, today))
        if row:
            rows.append(row)
    text = "\n\n".join([lines[0], "\n".join(lines[1:]), copy.footer])
    return text, inline(rows) if rows else None


async def show_plan(update: Update, context: Context) -> None:
    """Show today's plan."""
    assert update.effective_message is not None
    assert update.effective_user is not None
    text, markup = today_view(services(context), update.effective_user.id)
    await update.effective_message.reply_text(text, reply_markup=markup)


def _today_tasks(svc: Services, user_id: int) -> tuple[date, list[Task]]:
    with svc.db.session() as session:
        state = load_state(session, user_id) if has_consented(session, user_id) else None
        today, _zone = today_for(session, user_id, svc.clock.now())
    if state is None:
        return today, []
    return today, plan_for(state, today)


async def mark_task_done(update: Update, context: Context) -> None:
    """Mark a task done for the user's local today (once, however often it is tapped)."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    assert update.effective_user is not None
    _, _, task_id, day_code = query.data.split(":")
    svc = services(context)
    user_id = update.effective_user.id
    today, tasks = _today_tasks(svc, user_id)
    copy = _copy()
    task = next((t for t in tasks if t.id == task_id), None)
    if day_code != _day_code(today) or task is None:
        await query.answer(copy.old_day if task is not None else copy.unknown_task)
        await _refresh(query.message, svc, user_id, send_new=True)
        return
    with svc.db.session() as session:
        newly = task_log.mark_task_done(session, user_id, task, today, svc.clock.now())
    if not newly:
        await query.answer(copy.already_done)
        return
    await query.answer(copy.marked_done.format(title=task.title))
    log.info("task done user=%s task=%s", user_id, task_id)
    await _refresh(query.message, svc, user_id, send_new=False)


async def _refresh(message: object, svc: Services, user_id: int, *, send_new: bool) -> None:
    """Show today's plan: edit the pressed message, or send a new one."""
    text, markup = today_view(svc, user_id)
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
    task's own note (if any)."""
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
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    assert update.effective_user is not None
    exercise_id = query.data.removeprefix("plan:ex:")
    content = get_content()
    exercise = content.exercises.get(exercise_id)
    copy = _copy()
    if exercise is None:
        await query.answer(copy.unknown_task)
        return
    await query.answer()
    svc = services(context)
    today, tasks = _today_tasks(svc, update.effective_user.id)
    task = next((t for t in tasks if t.id == exercise_id), None)
    dosage = task.dosage if task is not None else describe_dosage(exercise.dosage)
    text = exercise_text(exercise, dosage, task.instructions if task is not None else "")
    rows: list[list[Button]] = [
        [
            (copy.easier_button, f"plan:var:{exercise.id}:easier"),
            (copy.harder_button, f"plan:var:{exercise.id}:harder"),
        ]
    ]
    if task is not None:
        rows.append([_done_button(copy, task, today)])
    await _reply_with_way_back(query, text, rows)


async def _reply_with_way_back(query: CallbackQuery, text: str, rows: list[list[Button]]) -> None:
    """Answer under the pressed message, with the buttons and a way back to today's plan."""
    rows.append([(_copy().back_button, "plan:today")])
    assert isinstance(query.message, Message)
    await query.message.reply_text(text, reply_markup=inline(rows))


async def show_task(update: Update, context: Context) -> None:
    """Open a task that is not an exercise (ice, rest, ...): what to do and why."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    assert update.effective_user is not None
    task_id = query.data.removeprefix("plan:task:")
    today, tasks = _today_tasks(services(context), update.effective_user.id)
    task = next((t for t in tasks if t.id == task_id), None)
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
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    _, _, exercise_id, which = query.data.split(":")
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
    query = update.callback_query
    assert query is not None
    assert update.effective_user is not None
    await query.answer()
    await _refresh(query.message, services(context), update.effective_user.id, send_new=True)


def handlers() -> list[CommandHandler[Context, None] | CallbackQueryHandler[Context, None]]:
    """/plan and its buttons, for the MAIN group."""
    return [
        CommandHandler("plan", show_plan),
        CallbackQueryHandler(mark_task_done, pattern=r"^plan:done:[a-z0-9_]+:\d{8}$"),
        CallbackQueryHandler(show_exercise, pattern=r"^plan:ex:[a-z0-9_]+$"),
        CallbackQueryHandler(show_task, pattern=r"^plan:task:[a-z0-9_]+$"),
        CallbackQueryHandler(show_variant, pattern=r"^plan:var:[a-z0-9_]+:(easier|harder)$"),
        CallbackQueryHandler(show_today_button, pattern=r"^plan:today$"),
    ]

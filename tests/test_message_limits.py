"""Every message the content can produce fits Telegram's limits, rendered with worst-case values.

The stricter fake Bot API refuses an over-long text, but only on the paths a journey test
happens to walk. Here every message family is rendered with the longest values its content can
give (the longest exercise page with the longest dosage and note, outcomes with every reason,
referrals for every red flag, /about, /help, every nudge wording, check-in results over a grid
of states and days) and measured with the fake's own checks (`bot/fake_telegram/limits.py`), so
a content edit that would fail on real Telegram fails here first, naming the message.
"""

from __future__ import annotations

import string
import zoneinfo
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, time, timedelta
from itertools import product
from typing import Any
from zoneinfo import available_timezones

from pydantic import BaseModel
from telegram import InlineKeyboardMarkup

from bot.coaching.kujala import ScoreChange, kujala_questions
from bot.coaching.plan import Task, describe_dosage, plan_for
from bot.coaching.progression import (
    CheckIn,
    PlanState,
    describe_progress,
    next_step,
    weekly_summary,
)
from bot.coaching.screening import Route, Urgency
from bot.coaching.screening.countries import countries_content
from bot.coaching.triage import AnswerError, Outcome, triage
from bot.content import Content, Question, QuestionKind, Signal, get_content
from bot.content.kinds import TIER_SEVERITY, DecisionKind, Morning, Stage, Tier
from bot.content.texts import get_texts, load_texts
from bot.sandbox.fake_telegram.limits import (
    CALLBACK_DATA_LIMIT,
    INLINE_KEYBOARD_BUTTON_LIMIT,
    MESSAGE_TEXT_LIMIT,
    TelegramRefusalError,
    check_callback_answer,
    check_caption,
    check_message_text,
    check_reply_markup,
    utf16_length,
)
from bot.services.checkins import Result
from bot.services.kujala import Score, Scored
from bot.services.onboarding import Step
from bot.services.progress import ChartData, Report
from bot.services.reminders.nudge import Nudge
from bot.services.settings import SettingsView, Switch
from bot.services.stats import Count, Stats
from bot.services.today import TodayPlan
from bot.settings import MAX_RETENTION_DAYS
from bot.storage.models.reminders import ReminderKind
from bot.telegram.callback_data import callback
from bot.telegram.keyboards import in_rows, inline
from bot.telegram.nudges import nudge_keyboard
from conversations.admin import stats_text
from conversations.assessment import outcome_text
from conversations.checkin import _red_flag_text, _referral_text, _result_text
from conversations.info import _fit, about_texts
from conversations.kujala import offers_keyboard
from conversations.kujala import referral_text as kujala_referral_text
from conversations.kujala import result_text as kujala_result_text
from conversations.learn import card_keyboard, card_text, list_keyboard
from conversations.plan import (
    MAX_PLAN_BUTTONS,
    exercise_text,
    page_rows,
    render_today,
    variant_text,
)
from conversations.privacy import delete_keyboard
from conversations.progress import caption as progress_caption
from conversations.progress import summary_text as progress_summary
from conversations.question_flow import question_keyboard, question_text
from conversations.reminders import pause_keyboard
from conversations.safety import referral_text, sources_line
from conversations.settings_menu import (
    back_keyboard,
    cap_keyboard,
    menu_keyboard,
    menu_text,
    time_keyboard,
    weekly_keyboard,
)

# Button labels Telegram shows in full on a phone (issue 10, item 8, asks for about 30).
PHONE_LABEL = 30
# Beyond this every client cuts a label; the content has no reason to come near it.
LABEL_LIMIT = 64
TELEGRAM_NAME = 64  # the longest first name Telegram allows
DAY = date(2026, 9, 30)  # "%a %d %b" renders every day at the same width
MAX_REMINDER_ID = 10**12 - 1  # the nudge callback pattern allows 12 digits


def longest(texts: Iterator[str] | list[str]) -> str:
    return max(texts, key=utf16_length)


# --- worst-case values from the content -------------------------------------------------------


def every_state(content: Content) -> Iterator[PlanState]:
    """Every stage a plan can be in, every walk/run stage of phase 3, drills locked or not."""
    for stage in (Stage.PRICE, Stage.PHASE1, Stage.PHASE2):
        yield PlanState(stage=stage, stage_since=DAY - timedelta(days=20))
    for run_stage, drills in product(range(len(content.return_to_running.stages)), (False, True)):
        yield PlanState(
            stage=Stage.PHASE3,
            stage_since=DAY - timedelta(days=20),
            run_stage=run_stage,
            drills_unlocked=drills,
        )


def every_task(content: Content) -> list[Task]:
    """Every task any plan can hold, over a week (strength days alternate)."""
    return [
        task
        for state in every_state(content)
        for offset in range(7)
        for task in plan_for(state, DAY + timedelta(days=offset), content)
    ]


def reasons(content: Content) -> list[str]:
    """Every reason the engine gave over the outcome and check-in grids below: the rules'
    reasons as users read them, with their details filled in."""
    return [r.text for o in outcomes(content) for r in o.reasons] + [
        result.decision.reason for result in checkin_results(content)
    ]


def stage_names(content: Content) -> list[str]:
    names = list(content.messages.stage_names.values())
    phase3 = content.messages.stage_names[Stage.PHASE3]
    names += [f"{phase3} ({run.name})" for run in content.return_to_running.stages]
    return names


def worst_values(content: Content) -> dict[str, str]:
    """The longest value each copy placeholder can take (composite ones have their own tests)."""
    tasks = every_task(content)
    exercises = list(content.exercises.values())
    references = list(content.references.values())
    tiers = list(content.tiers.values())
    times = "23:59"
    return {
        "first_name": "W" * TELEGRAM_NAME,
        "bot_username": "b" * 32,
        "date": DAY.strftime("%a %d %b"),
        "weekday": "Wednesday",
        "units": max(get_texts().settings.units.values(), key=len),
        "time": times,
        "local_time": times,
        "wake": times,
        "sleep": times,
        "exercise": times,
        "until": DAY.strftime("%a %d %b, 23:59"),
        "next": DAY.strftime("%a %d %b, 23:59"),
        "zone": longest(sorted(zoneinfo.available_timezones())),
        "offset": "UTC-12:30",
        "minutes": "999",
        "number": "99",
        "total": "99",
        "value": "10",
        "pain_now": "10",
        "worst": "10",
        "done": "99",
        "mark": longest([get_texts().flows.plan.done_mark, get_texts().flows.plan.todo_mark]),
        "title": longest(
            [t.title for t in tasks]
            + [e.name for e in exercises]
            + [t.title for t in tiers]
            + [o.title for o in content.messages.outcomes.values()]
        ),
        "dosage": longest(
            [t.dosage for t in tasks] + [describe_dosage(e.dosage) for e in exercises]
        ),
        "instructions": longest([t.instructions for t in tasks]),
        "name": longest([e.name for e in exercises]),
        "advice": longest([content.render(p.running) for p in content.phases.values()]),
        "typed": "c" * 32,  # a command word is read to at most 32 characters
        "command": longest([c.command for c in get_texts().ui.commands]),
        "description": longest([c.description for c in get_texts().ui.commands]),
        "purpose": longest([content.render(e.purpose) for e in exercises]),
        "text": longest(
            [content.render(e.easier) for e in exercises]
            + [content.render(e.harder) for e in exercises]
            + reasons(content)
        ),
        "message": longest([content.render(f.message) for f in content.red_flags.values()]),
        "reason": longest([content.render(f.message) for f in content.red_flags.values()]),
        "where_to_go": longest([t.where_to_go for t in tiers]),
        "action": longest([t.action for t in tiers]),
        "sources": sources_line(content.references),
        "stage_name": longest(stage_names(content)),
        "short": longest([r.short for r in references]),
        "citation": longest([" ".join(r.citation.split()) for r in references]),
        "share_location": get_texts().onboarding.share_location,
        "intro": get_texts().checkin.referral_intro,
        "commands": get_texts().ui.command_list(),
        "second": "23:59",
        "hours": 24,
        "label": longest(
            [
                content.render(o.label)
                for q in [*content.assessment, *content.checkin]
                for o in q.options
            ]
        ),
        "retention_days": str(MAX_RETENTION_DAYS),
        "count": "9999999",
        "percent": "100",
        # /progress, the knee score and /learn
        "needed": "99",
        "first": DAY.strftime("%a %d %b"),
        "last": DAY.strftime("%a %d %b"),
        "days": "9999",
        "score": "100",
        "change": "100",
        "before": "100",
        "body": longest([c.body for c in content.education]),
        # /settings
        "setting": longest(list(get_texts().settings.names.model_dump().values())),
        "choice": longest(sorted(zoneinfo.available_timezones())),
        "current": times,
        "cap": "8",
        "week_time": times,
        "state": longest([get_texts().settings.state_on, get_texts().settings.state_off]),
    }


# The longest IANA zone name: it travels in the time-zone confirmation's callback data.
LONGEST_ZONE = max(available_timezones(), key=len)


# Templates that assemble other rendered parts; each has a test of the whole message below.
COMPOSITES = {
    "flows.yaml.outcome.layout",
    "flows.yaml.outcome.why",
    "flows.yaml.plan.exercise_details",
    "flows.yaml.about.layout",
    "flows.yaml.about.sources",
    "checkin_flow.yaml.layout",
    "privacy.yaml.stats.layout",
}


def copy_strings() -> Iterator[tuple[str, str]]:
    """(where, text) for every string of every copy file."""

    def walk(node: Any, where: str) -> Iterator[tuple[str, str]]:
        if isinstance(node, BaseModel):
            for name in type(node).model_fields:
                yield from walk(getattr(node, name), f"{where}.{name}")
        elif isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, f"{where}.{key}")
        elif isinstance(node, list | tuple):
            for index, value in enumerate(node):
                yield from walk(value, f"{where}[{index}]")
        elif isinstance(node, str):
            yield where, node

    for file, model in load_texts().by_file().items():
        yield from walk(model, file)


def every_route() -> list[Route]:
    """Every row of the country table, the default included."""
    table = countries_content()
    return [Route(None, table.default), *(Route(c, r) for c, r in table.countries.items())]


def plan_message(
    stage: Stage, today: date, tasks: list[Task], done: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """/plan for `tasks` with every task done `done` times (0: nothing yet)."""
    progress = dict.fromkeys((t.id for t in tasks), done)
    # Every optional paragraph at once: the strength rest day and the /yesterday hint.
    plan = TodayPlan(today, stage, tasks, progress, strength_rest=True, yesterday_open=True)
    return render_today(plan)


# --- every message, every keyboard, every button-press answer ---------------------------------


def outcomes(content: Content) -> Iterator[Outcome]:
    """Outcomes with as many reasons as the answers can give: for each tier every red flag of
    that tier or a milder one, and the non-flag outcomes over every rest and running pain."""
    for tier in Tier:
        answers: dict[str, str] = {}
        for question in content.assessment:
            flagged = [
                (content.red_flags[o.red_flag], o.value)
                for o in question.options
                if o.red_flag is not None
                and TIER_SEVERITY[content.red_flags[o.red_flag].tier] >= TIER_SEVERITY[tier]
            ]
            if flagged:
                answers[question.id] = max(flagged, key=lambda f: len(f[0].message))[1]
        if answers:
            yield triage(answers, content)
    for with_signals in (False, True):
        base = _calm_answers(content, with_signals)
        scales = [q for q in content.assessment if q.kind is QuestionKind.SCALE]
        for values in product(*([o.value for o in q.options] for q in scales)):
            answers = {**base, **{q.id: v for q, v in zip(scales, values, strict=True)}}
            try:
                outcome = triage(answers, content)
            except AnswerError:
                continue
            yield outcome


def _calm_answers(content: Content, with_signals: bool) -> dict[str, str]:
    """An answer without a red flag for every question; with the flare signals if asked."""
    answers = {}
    for question in content.assessment:
        options = [o for o in question.options if o.red_flag is None]
        signalled = [o for o in options if o.signal in (Signal.SWELLING, Signal.RECENT_FLARE)]
        plain = [o for o in options if o.signal is None] or options
        answers[question.id] = ((signalled if with_signals and signalled else plain)[0]).value
    return answers


def checkin_results(content: Content) -> Iterator[Result]:
    """Decisions over a grid of plan states, histories and today's check-ins."""

    def day(n: int, pain: int, worst: int, **kw: Any) -> CheckIn:
        return CheckIn(
            local_date=DAY - timedelta(days=n),
            pain_now=pain,
            worst_pain_24h=worst,
            activity_pain=kw.pop("activity", worst),
            morning_vs_usual=kw.pop("morning", Morning.SAME),
            swelling=kw.pop("swelling", False),
            exercises_done=True,
            running_minutes=kw.pop("run", 0),
            **kw,
        )

    histories = {
        "quiet": [day(n, 1, 2) for n in range(1, 15)],
        "better": [day(n, 1 if n < 7 else 7, 2 if n < 7 else 8) for n in range(1, 15)],
        "worse": [
            day(n, 7 if n < 7 else 1, 9 if n < 7 else 2, swelling=n < 3) for n in range(1, 15)
        ],
    }
    todays = [
        day(0, 1, 2),
        day(0, 3, 5, activity=4, run=30, run_gate_passed=True),
        day(0, 3, 5, activity=4, run=30, run_gate_passed=False),
        day(0, 10, 10, activity=10, run=90, morning=Morning.WORSE, swelling=True),
        day(0, 6, 8, activity=7, morning=Morning.WORSE, swelling=True),
        day(0, 2, 4, activity=8),
        day(0, 2, 3, activity=3, morning=Morning.WORSE),
        day(0, 2, 3, red_flag_ids=tuple(content.red_flags)),
    ]
    for state, history, today, updated in product(
        every_state(content), histories.values(), todays, (False, True)
    ):
        if state.stage is Stage.PRICE:
            state = PlanState(stage=state.stage, stage_since=state.stage_since, flare_on=DAY)
        checkins = [*history, today]
        decision = next_step(state, checkins, DAY, content)
        tier = Tier.CLINICIAN_SOON if decision.kind is DecisionKind.REFER else None
        yield Result(DAY, decision, updated, state.stage, checkins, tier)


def every_message() -> Iterator[tuple[str, str]]:
    """(what, text) for every message the bot can send, with worst-case values."""
    content = get_content()
    values = worst_values(content)
    formatter = string.Formatter()
    for where, template in copy_strings():
        if where in COMPOSITES:
            continue
        names = [field for _, field, _, _ in formatter.parse(template) if field is not None]
        missing = [name for name in names if name not in values]
        assert not missing, f"{where}: give {missing} a worst-case value in worst_values()"
        yield where, template.format(**{name: values[name] for name in names})

    ui = get_texts().ui
    yield "/help", ui.help.format(commands=ui.command_list())
    for index, text in enumerate(about_texts(), 1):
        yield f"/about message {index}", text

    onboarding = get_texts().onboarding
    yield (
        "/start intro and consent",
        (f"{onboarding.intro.format(first_name=values['first_name'])}\n\n{onboarding.consent}"),
    )
    found = onboarding.time_zone_found.format(zone=values["zone"])
    yield (
        "time zone found, fixed offset",
        (f"{found}\n\n{onboarding.fixed_offset_note.format(offset=values['offset'])}"),
    )

    flows = get_texts().flows
    shared = flows.question_flow
    for questions in (content.assessment, content.checkin, kujala_questions(content)):
        for question in questions:
            text = question_text(question, 99, 99, shared)
            yield f"question {question.id}", text
            label = longest([content.render(o.label) for o in question.options])
            yield f"question {question.id} answered", f"{text}\n\n✓ {label}"

    for outcome, route in product(outcomes(content), every_route()):
        name = f"outcome {outcome.kind} ({len(outcome.reasons)} reasons) {route.country}"
        yield name, outcome_text(outcome, route)
    referral = get_texts().flows.referral
    for flag in content.red_flags.values():
        for urgency, route in product(Urgency, every_route()):
            name = f"free-text referral {flag.id} {urgency} {route.country}"
            yield (
                name,
                referral_text(
                    [flag], urgency, route, intro=referral.free_text_intro, content=content
                ),
            )
    # A sign pressed on an old message: every flag of a question flow, its own tier.
    for flag, route in product(content.red_flags.values(), every_route()):
        yield (
            f"pressed referral {flag.id} {route.country}",
            referral_text(
                [flag],
                Urgency.of(flag.tier),
                route,
                intro=referral.pressed_intro,
                content=content,
            ),
        )
    # Every red flag the check-in's questions can raise, all at once (one is the most today).
    checkin_flags = [
        content.red_flags[o.red_flag]
        for q in content.checkin
        for o in q.options
        if o.red_flag is not None
    ]
    for tier, route in product(Tier, every_route()):
        yield f"check-in red flags, {tier}", _red_flag_text(checkin_flags, tier, route)
        reason = longest(reasons(content))
        yield (
            f"check-in referral, {tier}",
            _referral_text(tier, reason, list(content.references), route),
        )

    tasks = every_task(content)
    for exercise in content.exercises.values():
        own = [t for t in tasks if t.exercise_id == exercise.id]
        dosage = longest([describe_dosage(exercise.dosage), *(t.dosage for t in own)])
        note = longest(["", *(t.instructions for t in own)])
        yield f"exercise page {exercise.id}", exercise_text(exercise, dosage, note)
        if exercise.without is not None:
            yield (
                f"exercise page {exercise.id} without its kit",
                exercise_text(exercise, dosage, f"{exercise.without.how} {note}", without_kit=True),
            )
        for which in ("easier", "harder"):
            yield f"{which} {exercise.id}", variant_text(exercise, which)
    for task in tasks:
        yield (
            f"task page {task.id}",
            flows.plan.task_details.format(
                title=task.title, instructions=task.instructions, dosage=task.dosage
            ),
        )
    for state, offset in product(every_state(content), range(7)):
        today = DAY + timedelta(days=offset)
        day_tasks = plan_for(state, today, content)
        for done in (0, 99):
            text, _markup = plan_message(state.stage, today, day_tasks, done)
            yield f"plan {state.stage} run stage {state.run_stage}", text

    for kind, variants in content.messages.nudges.model_dump().items():
        for index, text in enumerate(variants):
            yield f"nudge {kind} #{index}", text

    checkin = get_texts().checkin
    yield (
        "check-in intro when updating",
        (f"{checkin.updating.format(date=values['date'])}\n\n{checkin.intro.format(total=99)}"),
    )
    for result in checkin_results(content):
        decision = result.decision
        name = f"check-in {decision.kind} from {result.stage_before}"
        if decision.kind is DecisionKind.REFER:
            assert result.tier is not None
            for route in every_route():
                text = _referral_text(result.tier, decision.reason, decision.references, route)
                yield name, text
        else:
            yield name, _result_text(result)
    history = [
        CheckIn(DAY - timedelta(days=n), 9, 10, 10, Morning.WORSE, True, True, 999)
        for n in range(14)
    ]
    for state in every_state(content):
        yield f"weekly summary {state.stage}", weekly_summary(state, history, DAY, content)

    many = Count(9_999_999)
    figures = Stats(
        users=many,
        active=many,
        runners=many,
        adherence_percent=100,
        per_stage=dict.fromkeys(Stage, many),
        referred_by_tier=dict.fromkeys(Tier, many),
    )
    yield "/stats", stats_text(figures, get_texts().privacy.stats, content)
    trends = [
        describe_progress(h, DAY, content)
        for h in (history, [replace(c, worst_pain_24h=0) for c in history[:7]] + history[7:])
    ]
    chart = ChartData(DAY, DAY, [], [], [])
    for change, days, trend in product(ScoreChange, (0, 1, 9999), trends):
        kujala = Scored(Score(DAY, 100), Score(DAY, 0), change, offers_on=True)
        for with_kujala in (kujala, None):
            report = Report(chart, trend, days, with_kujala)
            yield f"progress summary {change}", progress_summary(report, get_texts())
    yield "progress caption", progress_caption(Report(chart, "", 0, None), get_texts())
    yield "settings menu", menu_text(settings_view(True), get_texts().settings)

    for card in content.education:
        yield f"education card {card.id}", card_text(card, get_texts())
    yield "/learn", get_texts().progress.learn.intro

    kujala_copy = get_texts().progress.kujala
    yield "knee score intro", f"{content.kujala.intro}\n\n{kujala_copy.how.format(total=99)}"
    for change in ScoreChange:
        scored = Scored(Score(DAY, 100), Score(DAY, 0), change, offers_on=True)
        yield f"knee score result {change}", kujala_result_text(scored)
    kujala_flags = [
        content.red_flags[o.red_flag]
        for item in content.kujala.items
        for o in item.options
        if o.red_flag is not None
    ]
    for tier, route in product(Tier, every_route()):
        yield f"knee score referral, {tier}", kujala_referral_text(kujala_flags, tier, route)


def every_keyboard() -> Iterator[tuple[str, InlineKeyboardMarkup]]:
    """(what, keyboard) for every inline keyboard, with the longest ids and labels."""
    content = get_content()
    flows = get_texts().flows
    onboarding = get_texts().onboarding
    yield "consent", inline([[(onboarding.consent_agree, "onb:consent:yes"),
                              (onboarding.consent_decline, "onb:consent:no")]])  # fmt: skip
    age = (
        next(q for q in content.assessment if q.id == "age_band")
        if any(q.id == "age_band" for q in content.assessment)
        else None
    )
    if age is not None:
        yield (
            "age",
            inline([[(content.render(o.label), f"onb:age:{o.value}")] for o in age.options]),
        )
    zones = [(choice.label, f"onb:tz:{choice.zone}") for choice in onboarding.time_zones]
    yield "time zones", inline([[zone] for zone in zones])
    yield (
        "time zone confirm",
        inline(
            [
                [
                    (onboarding.time_zone_yes, callback("onb", "tzok", "yes", LONGEST_ZONE)),
                    (onboarding.time_zone_change, "onb:tzok:no"),
                ]
            ]
        ),
    )
    for field, labels in (
        ("wake", onboarding.wake_times),
        ("sleep", onboarding.sleep_times),
        ("exercise", onboarding.exercise_times),
    ):
        yield (
            f"{field} times",
            inline(in_rows([(t, callback("onb", field, t.replace(":", "."))) for t in labels], 4)),
        )
    yield "start the knee check", inline([[(onboarding.start_assessment, "assess:start")]])

    questions: list[tuple[str, Question, str]] = [
        ("assess", q, flows.question_flow.back) for q in content.assessment
    ]
    questions += [("checkin", q, get_texts().flows.question_flow.back) for q in content.checkin]
    questions += [("kujala", q, flows.question_flow.back) for q in kujala_questions(content)]
    for flow, question, back in questions:
        rows = question_keyboard(question, flow, back, with_back=True)
        yield f"{flow} question {question.id}", inline(rows)

    for state, offset in product(every_state(content), range(7)):
        today = DAY + timedelta(days=offset)
        tasks = plan_for(state, today, content)
        _text, markup = plan_message(state.stage, today, tasks, 0)
        if markup is not None:
            yield f"plan {state.stage} run stage {state.run_stage}", markup
    for task in every_task(content):
        for done in range(task.times_per_day + 1):
            page = "exercise page" if task.exercise_id is not None else "task page"
            yield f"{page} {task.id} done {done}", inline(page_rows(task, DAY, done))
    yield "delete confirmation", delete_keyboard(get_texts().privacy.delete)
    for offers_on in (True, False):
        yield f"knee score offer {offers_on}", offers_keyboard(offers_on)
    yield "/learn", list_keyboard()
    for on_its_own in (True, False):
        yield f"education card {on_its_own}", card_keyboard(get_texts(), on_its_own=on_its_own)
    for kind in ReminderKind:
        nudge = Nudge(
            chat_id=MAX_REMINDER_ID,
            reminder_id=MAX_REMINDER_ID,
            kind=kind,
            slot=0,
            local_date=DAY,
            text="",
        )
        yield f"nudge {kind}", nudge_keyboard(get_texts().nudges, nudge)
    yield "pause", pause_keyboard()
    settings = get_texts().settings
    for on in (True, False):
        yield f"settings menu {on}", menu_keyboard(settings_view(on), settings)
    yield "settings cap", cap_keyboard(settings)
    yield "settings back", back_keyboard(settings)
    yield "settings weekly summary", weekly_keyboard(settings)
    for step, times in (
        (Step.WAKE, onboarding.wake_times),
        (Step.SLEEP, onboarding.sleep_times),
        (Step.EXERCISE, onboarding.exercise_times),
    ):
        yield f"settings {step} times", time_keyboard(step, times)
    yield "settings zone choice", inline([[("x", callback("set", "tz", LONGEST_ZONE))]])


def settings_view(on: bool) -> SettingsView:
    """Settings with the longest values the menu can show."""
    late = time(23, 59)
    return SettingsView(LONGEST_ZONE, late, late, late, dict.fromkeys(Switch, on), 8, 2, late)


def every_callback_answer() -> Iterator[tuple[str, str]]:
    """(what, text) for every notification a button press can be answered with."""
    content = get_content()
    plan = get_texts().flows.plan
    title = longest([t.title for t in every_task(content)])
    yield "stale button", get_texts().ui.stale_button
    yield "onboarding earlier step", get_texts().onboarding.earlier_step
    yield "question already answered", get_texts().flows.question_flow.already_answered
    kujala_copy = get_texts().progress.kujala
    for name, copy in (
        ("assessment", get_texts().flows.assessment),
        ("check-in", get_texts().checkin),
        ("knee score", kujala_copy),
    ):
        yield f"{name} finished", copy.finished_button
    yield "plan marked done", plan.marked_done.format(title=title)
    yield "plan marked undone", plan.marked_undone.format(title=title)
    for field in ("already_done", "not_done", "old_day", "unknown_task"):
        yield f"plan {field}", getattr(plan, field)
    yield "education card gone", get_texts().progress.learn.unknown
    for field in ("offers_on", "offers_off", "no_profile"):
        yield f"knee score {field}", getattr(kujala_copy, field)
    replies = get_texts().nudges.replies
    yield "nudge snoozed", replies.snoozed.format(time="23:59")
    for field in ("done", "skipped", "stale", "gone"):
        yield f"nudge {field}", getattr(replies, field)


# --- the checks -------------------------------------------------------------------------------


def test_every_message_fits_in_one_telegram_message():
    too_long = []
    for what, text in every_message():
        try:
            check_message_text(text, None)
        except TelegramRefusalError as refusal:
            too_long.append(f"{what}: {utf16_length(text)} characters ({refusal.description})")
    assert not too_long, "\n".join(too_long)


def test_every_keyboard_is_one_telegram_accepts():
    refused = []
    for what, markup in every_keyboard():
        buttons = [button for row in markup.inline_keyboard for button in row]
        try:
            check_reply_markup(markup.to_dict())
        except TelegramRefusalError as refusal:
            refused.append(f"{what}: {refusal.description}")
        refused += [
            f"{what}: {b.callback_data!r} is {len(str(b.callback_data).encode())} bytes"
            for b in buttons
            if len(str(b.callback_data).encode()) > CALLBACK_DATA_LIMIT
        ]
        if len(buttons) > INLINE_KEYBOARD_BUTTON_LIMIT:
            refused.append(f"{what}: {len(buttons)} buttons")
    assert not refused, "\n".join(refused)


def test_every_button_label_is_shown_whole():
    cut = [
        f"{what}: {b.text!r} ({len(b.text)} characters)"
        for what, markup in every_keyboard()
        for row in markup.inline_keyboard
        for b in row
        if not b.text.strip() or len(b.text) > LABEL_LIMIT
    ]
    assert not cut, "\n".join(cut)


def test_every_button_label_fits_a_phone():
    long_labels = sorted(
        {
            b.text
            for _what, markup in every_keyboard()
            for row in markup.inline_keyboard
            for b in row
            if len(b.text) > PHONE_LABEL
        }
    )
    assert not long_labels, "\n".join(long_labels)


def test_every_plan_keyboard_fits_a_phone_screen():
    counts = {
        what: sum(len(row) for row in markup.inline_keyboard)
        for what, markup in every_keyboard()
        if what.startswith("plan ")
    }
    assert counts, "the plan keyboards are rendered"
    assert max(counts.values()) <= MAX_PLAN_BUTTONS, counts


def test_every_button_press_answer_fits_a_notification():
    too_long = []
    for what, text in every_callback_answer():
        try:
            check_callback_answer(text)
        except TelegramRefusalError:
            too_long.append(f"{what}: {utf16_length(text)} characters")
    assert not too_long, "\n".join(too_long)


def test_the_worst_cases_cover_every_message_family():
    """Guards the generators themselves: each family renders, and the worst cases are real."""
    whats = [what for what, _text in every_message()]
    for family in ("/help", "/about", "outcome", "referral", "exercise page", "plan", "nudge",
                   "check-in", "weekly summary", "question", "knee score", "progress",
                   "education card", "settings menu"):  # fmt: skip
        assert any(what.startswith(family) or family in what for what in whats), family
    kinds = {what.split()[1] for what in whats if what.startswith("check-in ") and " from " in what}
    assert {"stay", "progress", "regress"} <= kinds


def test_about_sources_move_to_another_message_when_they_outgrow_one():
    lines = [f"- Source {n}: " + "c" * 990 for n in range(9)]  # about 9,000 characters
    texts = _fit("Sources:\n{references}", lines)
    assert len(texts) == 3
    assert all(utf16_length(text) <= MESSAGE_TEXT_LIMIT for text in texts)
    assert "\n".join(texts).count("- Source") == 9


def test_the_progress_caption_fits_under_a_photo():
    chart = ChartData(DAY, DAY, [], [], [])
    check_caption(progress_caption(Report(chart, "", 0, None), get_texts()), None)

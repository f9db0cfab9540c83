"""The daily check-in as use cases: begin, answer, go back, abandon, and finish by asking the
engine for the day's decision and applying it. The steps are the shared question-flow mechanism
(bot/services/questionnaire.py); this module says which questions, where the draft is kept and
what finishing means. No Telegram here; conversations/checkin.py renders what these return.

What the bot already knows is not asked (`Known`): a settled day after a settled check-in is
one tap ("about the same"), exercises logged today through /plan or a nudge are done, and the
run question is only for those who run. A stable day is then at most four taps.

One row per user and local day: a second check-in that day keeps its draft beside the first
one's answers and, once complete, replaces them and decides again from the plan state the day
started with (so a corrected answer does not step twice).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from bot.coaching.plan import plan_for
from bot.coaching.progression import (
    CheckIn,
    Decision,
    PlanState,
    checkin_from_answers,
    next_step,
    run_gate_answer,
)
from bot.coaching.triage import most_serious, red_flags_in
from bot.content import (
    CheckinField,
    Content,
    Option,
    Question,
    QuestionKind,
    RedFlag,
    get_content,
)
from bot.content.kinds import DecisionKind, Morning, RuleId, Stage, TaskKind, Tier
from bot.content.texts import get_texts
from bot.services import questionnaire
from bot.services.onboarding import has_consented
from bot.services.plan_state import load_state, state_from_json, state_to_json
from bot.services.plans import change_plan, latest_referral, refer
from bot.services.questionnaire import Asked, QuestionsGiven
from bot.services.tasks import EXERCISE_SESSION, done_on, mark_done, sessions_done
from bot.services.users import today_for
from bot.storage.models import Assessment, AssessmentStatus, CheckinRecord

# The task id the reminder dispatcher looks for: logged, the day's check-in nudge stops.
CHECKIN_TASK = "checkin"
# The return-to-running gate (content/phases.yaml) asked as one more question in phase 2.
RUN_GATE = "run_gate"
# "I didn't exercise or run": the exercise and running questions answer themselves.
NO_ACTIVITY = "none"
# A check-in started just before midnight may still be finished just after it.
DRAFT_GRACE = timedelta(hours=1)
# "About the same as last time?", asked after the re-screen when the last check-in was settled.
STEADY = "steady"
STEADY_WITHIN = timedelta(days=2)
# Someone who logged a run this recently (or is in phase 3, or ran before the knee check) runs.
RUNNER_WITHIN = timedelta(days=14)
# Where the referral was caught (referrals.source).
SOURCE = "checkin"


# --- which questions ---------------------------------------------------------------------------


def gate_due(state: PlanState, day: date, content: Content | None = None) -> bool:
    """Ask the return-to-running gate in phase 2 once a step up could be due."""
    content = content or get_content()
    min_days = content.thresholds.progress_min_days.value
    return state.stage is Stage.PHASE2 and (day - state.stage_since).days >= min_days


@dataclass(frozen=True)
class Known:
    """What the bot knows before asking: the last check-in if it was settled (recent, no
    swelling, no worse morning, no red flag), whether exercises are logged today, and whether
    this runner runs."""

    last: CheckIn | None = None
    exercised: bool = False
    runs: bool = True


def known(session: Session, user_id: int, day: date, state: PlanState) -> Known:
    """What the day's check-in need not ask (see `Known`)."""
    earlier = [c for c in history(session, user_id) if c.local_date < day]
    last = earlier[-1] if earlier else None
    settled = (
        last is not None
        and day - last.local_date <= STEADY_WITHIN
        and not last.swelling
        and last.morning_vs_usual is not Morning.WORSE
        and not last.red_flag_ids
    )
    logged = done_on(session, user_id, day)
    exercised = any(
        sessions_done(task, logged) > 0
        for task in plan_for(state, day)
        if task.kind is TaskKind.EXERCISE
    )
    ran = any(c.running_minutes > 0 for c in earlier if day - c.local_date <= RUNNER_WITHIN)
    return Known(
        last=last if settled else None,
        exercised=exercised,
        runs=state.stage is Stage.PHASE3 or ran or _ran_before_the_knee_check(session, user_id),
    )


def known_when_begun(session: Session, row: CheckinRecord, state: PlanState) -> Known:
    """What the bot knew when this check-in began: worked out by its first question and kept
    with the draft, so each later tap reads the one row it answers instead of the user's whole
    history, today's tasks and their knee checks again (three SELECTs a tap). It keeps the
    questions the same from the first tap to the last, too."""
    if row.known is not None:
        return _known_from_json(row.known)
    facts = known(session, row.user_id, row.local_date, state)
    row.known = _known_to_json(facts)
    session.add(row)
    return facts


def _known_to_json(facts: Known) -> dict[str, Any]:
    last = None
    if facts.last is not None:
        last = dataclasses.asdict(facts.last)
        last["local_date"] = facts.last.local_date.isoformat()
        last["red_flag_ids"] = list(facts.last.red_flag_ids)
    return {"last": last, "exercised": facts.exercised, "runs": facts.runs}


def _known_from_json(data: Mapping[str, Any]) -> Known:
    last = data.get("last")
    return Known(
        last=None
        if last is None
        else CheckIn(
            **{
                **last,
                "local_date": date.fromisoformat(last["local_date"]),
                "morning_vs_usual": Morning(last["morning_vs_usual"]),
                "red_flag_ids": tuple(last["red_flag_ids"]),
            }
        ),
        exercised=bool(data.get("exercised")),
        runs=bool(data.get("runs", True)),
    )


def _stop_answering(checkin: CheckinRecord) -> None:
    """The check-in is no longer being answered: its draft, its place and what it knew go."""
    checkin.draft, checkin.current_question, checkin.known = None, None, None


def _ran_before_the_knee_check(session: Session, user_id: int) -> bool:
    """Whether the latest knee check gave a pain score for recent runs (so they run)."""
    statement = (
        select(Assessment)
        .where(Assessment.user_id == user_id, Assessment.status == AssessmentStatus.COMPLETE)
        .order_by(col(Assessment.id).desc())
    )
    latest = session.exec(statement).first()
    return latest is not None and str(latest.answers.get("running_pain", "")).isdigit()


def _implied(
    answers: Mapping[str, str],
    content: Content,
    known: Known | None = None,
    *,
    expected: bool = False,
) -> dict[str, str]:
    """Answers that follow from earlier ones or from what the bot knows: "about the same" keeps
    the last check-in's pain, a usual morning and no swelling; exercises logged today are done;
    no run for someone who does not run; no activity means no exercises and no run."""
    known = known or Known()
    by_field = {q.field: q.id for q in content.checkin}
    found: dict[str, str] = {}
    # `expected`: "about the same" not yet answered counts as given, so the count shown is the
    # stable day's; "Something changed" adds the questions as soon as it is tapped.
    if known.last is not None and answers.get(STEADY, "yes" if expected else None) == "yes":
        found[by_field[CheckinField.PAIN_NOW]] = str(known.last.pain_now)
        found[by_field[CheckinField.WORST_PAIN_24H]] = str(known.last.worst_pain_24h)
        found[by_field[CheckinField.MORNING_VS_USUAL]] = Morning.SAME.value
        found[by_field[CheckinField.SWELLING]] = "no"
    if known.exercised:
        found[by_field[CheckinField.EXERCISES_DONE]] = "yes"
    if not known.runs:
        found[by_field[CheckinField.RUNNING_MINUTES]] = "0"
    if answers.get(by_field[CheckinField.ACTIVITY_PAIN]) == NO_ACTIVITY:
        found[by_field[CheckinField.EXERCISES_DONE]] = "no"
        found[by_field[CheckinField.RUNNING_MINUTES]] = "0"
    return found


def questions_for(
    state: PlanState,
    day: date,
    answers: Mapping[str, str],
    content: Content | None = None,
    known: Known | None = None,
) -> list[str]:
    """The question ids to ask, in order (red-flag re-screen first), given the answers so far
    and what the bot knows."""
    content = content or get_content()
    implied = _implied(answers, content, known, expected=True)
    ids = [q.id for q in content.checkin if q.id not in implied]
    if known is not None and known.last is not None:
        ids.insert(1, STEADY)  # right after the re-screen
    if gate_due(state, day, content):
        ids.append(RUN_GATE)
    return ids


def red_flags(answers: Mapping[str, str], content: Content | None = None) -> list[RedFlag]:
    """Red flags among the answers so far (the re-screen question)."""
    content = content or get_content()
    known = {q.id for q in content.checkin}
    return red_flags_in({k: v for k, v in answers.items() if k in known}, content, content.checkin)


# --- the row of the day ------------------------------------------------------------------------


def for_day(session: Session, user_id: int, day: date) -> CheckinRecord | None:
    statement = select(CheckinRecord).where(
        CheckinRecord.user_id == user_id, CheckinRecord.local_date == day
    )
    return session.exec(statement).first()


def is_complete(checkin: CheckinRecord) -> bool:
    return checkin.pain_now is not None


def in_progress(session: Session, user_id: int, today: date, now: datetime) -> CheckinRecord | None:
    """The check-in being answered: started today, or just before midnight."""
    statement = (
        select(CheckinRecord)
        .where(CheckinRecord.user_id == user_id, col(CheckinRecord.current_question).is_not(None))
        .order_by(col(CheckinRecord.local_date).desc())
    )
    for checkin in session.exec(statement):
        if checkin.local_date == today or now - checkin.updated_at <= DRAFT_GRACE:
            return checkin
    return None


def start(session: Session, user_id: int, day: date, now: datetime) -> tuple[CheckinRecord, bool]:
    """Open the day's check-in (dropping any unfinished one); True if it updates today's."""
    abandon(session, user_id, now)
    checkin = for_day(session, user_id, day)
    updating = checkin is not None and is_complete(checkin)
    if checkin is None:
        checkin = CheckinRecord(user_id=user_id, local_date=day, created_at=now, updated_at=now)
    checkin.draft, checkin.current_question, checkin.updated_at = {}, None, now
    checkin.known = None  # worked out afresh by the first question
    session.add(checkin)
    session.flush()
    return checkin, updating


def abandon(session: Session, user_id: int, now: datetime) -> None:
    """Drop unfinished check-ins; a day's earlier, complete check-in is kept as it was."""
    statement = select(CheckinRecord).where(
        CheckinRecord.user_id == user_id, col(CheckinRecord.current_question).is_not(None)
    )
    for checkin in session.exec(statement).all():
        if checkin.completed_at is None:
            session.delete(checkin)
            continue
        _stop_answering(checkin)
        checkin.updated_at = now
        session.add(checkin)
    session.flush()


# --- history for the engine --------------------------------------------------------------------


def _as_checkin(row: CheckinRecord) -> CheckIn:
    assert row.pain_now is not None
    assert row.worst_pain_24h is not None
    return CheckIn(
        local_date=row.local_date,
        pain_now=row.pain_now,
        worst_pain_24h=row.worst_pain_24h,
        activity_pain=row.activity_pain,
        morning_vs_usual=Morning(row.morning_vs_usual or Morning.SAME),
        swelling=bool(row.swelling),
        exercises_done=bool(row.exercises_done),
        running_minutes=row.running_minutes or 0,
        red_flag_ids=tuple(row.red_flags),
        run_gate_passed=row.run_gate_passed,
    )


def history(session: Session, user_id: int) -> list[CheckIn]:
    """Every complete check-in of the user, oldest first (the engine's history)."""
    statement = (
        select(CheckinRecord)
        .where(CheckinRecord.user_id == user_id, col(CheckinRecord.pain_now).is_not(None))
        .order_by(col(CheckinRecord.local_date))
    )
    return [_as_checkin(row) for row in session.exec(statement)]


# --- finishing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """What a finished check-in led to, for the flow to tell the user."""

    day: date
    decision: Decision
    updated: bool  # it replaced an earlier check-in of the same day
    stage_before: Stage
    history: list[CheckIn]
    tier: Tier | None = None  # set when the decision is a referral


def _state_to_decide_from(checkin: CheckinRecord, current: PlanState) -> PlanState:
    """The state the day started with, if the plan is still where today's decision left it."""
    if (
        checkin.state_before is not None
        and checkin.state_after is not None
        and state_to_json(current) == checkin.state_after
    ):
        return state_from_json(checkin.state_before)
    return current


def basis(session: Session, user_id: int, checkin: CheckinRecord) -> PlanState | None:
    """The plan state this check-in is decided from (and its questions chosen by); None when
    there is no plan to adjust (never assessed, or referred)."""
    current = load_state(session, user_id)
    if current is None or current.stage is Stage.REFERRED:
        return None
    return _state_to_decide_from(checkin, current)


def finish(
    session: Session,
    user_id: int,
    checkin: CheckinRecord,
    answers: Mapping[str, str],
    now: datetime,
) -> Result | None:
    """Store the day's answers, decide, apply the decision and log the task; None when the
    user has no plan to adjust any more (referred meanwhile, or never assessed)."""
    content = get_content()
    current = load_state(session, user_id)
    if current is None or current.stage is Stage.REFERRED:
        abandon(session, user_id, now)
        return None
    day = checkin.local_date
    exercises_id = next(q.id for q in content.checkin if q.field is CheckinField.EXERCISES_DONE)
    # "Yes" typed or tapped here (not implied from ticks already logged) logs today's exercise
    # session, so /plan and the check-in agree on what was done.
    said_exercised = answers.get(exercises_id) == "yes"
    # What the questions were chosen by, so the answers implied match the ones not asked.
    facts = known_when_begun(session, checkin, current)
    answers = {**answers, **_implied(answers, content, facts)}
    asked_here = {RUN_GATE, STEADY}  # the flow's own questions, not the engine's
    today = checkin_from_answers(
        day, {k: v for k, v in answers.items() if k not in asked_here}, content
    )
    if RUN_GATE in answers:
        today = dataclasses.replace(today, run_gate_passed=run_gate_answer(answers[RUN_GATE]))
    before = _state_to_decide_from(checkin, current)
    past = [c for c in history(session, user_id) if c.local_date != day]
    decision = next_step(before, [*past, today], day, content)
    updated = is_complete(checkin)

    checkin.pain_now, checkin.worst_pain_24h = today.pain_now, today.worst_pain_24h
    checkin.activity_pain, checkin.morning_vs_usual = today.activity_pain, today.morning_vs_usual
    checkin.swelling, checkin.exercises_done = today.swelling, today.exercises_done
    checkin.running_minutes, checkin.red_flags = today.running_minutes, list(today.red_flag_ids)
    checkin.run_gate_passed = today.run_gate_passed
    checkin.decision, checkin.rule_id = decision.kind.value, decision.rule_id
    checkin.state_before = state_to_json(before)
    checkin.state_after = state_to_json(decision.new_state)
    _stop_answering(checkin)
    checkin.completed_at = checkin.updated_at = now
    session.add(checkin)

    tier = None
    if decision.kind is DecisionKind.REFER:
        flags = [content.red_flags[f] for f in today.red_flag_ids if f in content.red_flags]
        worst = most_serious(flags)
        tier = worst.tier if worst is not None else Tier.CLINICIAN_SOON
        refer(session, user_id, tier, list(today.red_flag_ids), SOURCE, now)
    else:
        change_plan(session, user_id, decision.new_state, now)
    mark_done(session, user_id, CHECKIN_TASK, day, now)
    if said_exercised and tier is None:
        mark_done(session, user_id, EXERCISE_SESSION, day, now)
    session.flush()
    return Result(
        day=day,
        decision=decision,
        updated=updated,
        stage_before=current.stage,
        history=[*past, today],
        tier=tier,
    )


def stop_for_red_flags(
    session: Session, user_id: int, checkin: CheckinRecord, flags: Sequence[RedFlag], now: datetime
) -> Tier:
    """A red flag in the re-screen: record it on the day, refer, and end the check-in."""
    worst = most_serious(flags)
    assert worst is not None
    checkin.red_flags = [f.id for f in flags]
    checkin.decision, checkin.rule_id = DecisionKind.REFER.value, RuleId.RED_FLAG_IN_CHECKIN.value
    _stop_answering(checkin)
    checkin.completed_at = checkin.updated_at = now
    session.add(checkin)
    refer(session, user_id, worst.tier, [f.id for f in flags], SOURCE, now)
    return worst.tier


# --- the question flow ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FlaggedStop:
    """The re-screen found a red flag: the check-in stopped with a referral."""

    tier: Tier
    flags: list[RedFlag]


@dataclass(frozen=True)
class NoPlan:
    """The user has no plan to adjust any more (referred meanwhile)."""


Ending = Result | FlaggedStop | NoPlan


def gate_question(content: Content) -> Question:
    """The return-to-running gate, asked as one more yes/no question."""
    gate = content.return_to_running.gate
    return Question(
        id=RUN_GATE,
        text=gate.question,
        kind=QuestionKind.YES_NO,
        options=gate.options,
        references=gate.references,
    )


def steady_question(last: CheckIn) -> Question:
    """ "About the same as at the last check-in?", with its pain scores."""
    copy = get_texts().checkin
    return Question(
        id=STEADY,
        text=copy.steady_question.format(pain_now=last.pain_now, worst=last.worst_pain_24h),
        kind=QuestionKind.YES_NO,
        options=[
            Option(value="yes", label=copy.steady_same, meaning="The last check-in's answers."),
            Option(value="no", label=copy.steady_changed, meaning="Each question is asked."),
        ],
        references=["silbernagel2007"],
    )


def question(
    question_id: str, content: Content | None = None, known: Known | None = None
) -> Question:
    """A check-in question by id (the run gate and "about the same" included)."""
    content = content or get_content()
    if question_id == RUN_GATE:
        return gate_question(content)
    if question_id == STEADY and known is not None and known.last is not None:
        return steady_question(known.last)
    return next(q for q in content.checkin if q.id == question_id)


class DailyCheckin:
    """The daily check-in's part of the shared question-flow mechanism."""

    def running(self, session: Session, user_id: int, now: datetime) -> CheckinRecord | None:
        today, _zone = today_for(session, user_id, now)
        return in_progress(session, user_id, today, now)

    def answers(self, row: CheckinRecord) -> dict[str, str]:
        return {k: str(v) for k, v in (row.draft or {}).items()}

    def questions(self, session: Session, row: CheckinRecord) -> QuestionsGiven:
        state = basis(session, row.user_id, row)
        if state is None:
            return lambda _answers: []  # referred meanwhile: nothing left to ask
        facts = known_when_begun(session, row, state)

        def given(answers: Mapping[str, str]) -> list[Question]:
            ids = questions_for(state, row.local_date, answers, known=facts)
            return [question(qid, known=facts) for qid in ids]

        return given

    def red_flags(self, answers: Mapping[str, str]) -> list[RedFlag]:
        return red_flags(answers)

    def record(
        self,
        session: Session,
        row: CheckinRecord,
        answers: Mapping[str, str],
        current: str,
        now: datetime,
    ) -> None:
        # A fresh dict, so SQLAlchemy sees the JSON change.
        row.draft, row.current_question, row.updated_at = dict(answers), current, now
        session.add(row)

    def finish(
        self,
        session: Session,
        user_id: int,
        row: CheckinRecord,
        answers: Mapping[str, str],
        now: datetime,
    ) -> Ending:
        flags = red_flags(answers)
        if flags:
            return FlaggedStop(stop_for_red_flags(session, user_id, row, flags, now), flags)
        result = finish(session, user_id, row, answers, now)
        return NoPlan() if result is None else result

    def abandon(self, session: Session, user_id: int, now: datetime) -> None:
        abandon(session, user_id, now)


DAILY_CHECKIN = DailyCheckin()


@dataclass(frozen=True)
class Began:
    first: Asked
    day: date
    updating: bool  # today's check-in is done already; this one will replace it


class Refusal(StrEnum):
    NO_CONSENT = "no_consent"
    NO_PLAN = "no_plan"
    REFERRED = "referred"


@dataclass(frozen=True)
class Refused:
    """Why no check-in can be taken now; `tier` of the referral, when there is one."""

    reason: Refusal
    tier: Tier | None = None


def begin(session: Session, user_id: int, now: datetime) -> Began | Refused:
    """Start today's check-in (consent, a plan and no referral first)."""
    if not has_consented(session, user_id):
        return Refused(Refusal.NO_CONSENT)
    state = load_state(session, user_id)
    if state is None:
        return Refused(Refusal.NO_PLAN)
    if state.stage is Stage.REFERRED:
        referral = latest_referral(session, user_id)
        return Refused(Refusal.REFERRED, Tier(referral.tier) if referral else None)
    today, _zone = today_for(session, user_id, now)
    row, updating = start(session, user_id, today, now)
    return Began(questionnaire.ask_first(DAILY_CHECKIN, session, row, now), today, updating)

"""Daily progression: the pain-monitoring model applied to a user's check-ins.

The check-in flow stores a `CheckIn`, then calls `next_step(state, history, today)` and saves
`decision.new_state`. Rules are checked most serious first (red flag, flare, too much pain, a
worse morning, a worse week, worst pain that holds, hold, then progress), so the engine never
steps up on a day a rule was broken. Beside the day's decision the engine may suggest a
clinician while the programme carries on (PRICE past its limit, worse weeks, swelling on
several check-ins in a row, repeated flares, a stalled course): `decision.suggestion`.
Every number comes from content/thresholds.yaml and every reason from content/rules.yaml.
The model comes from Achilles tendinopathy (Silbernagel 2007);
its use for runner's knee is an extrapolation, as the docs say.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from bot.coaching.triage import AnswerError, Outcome, red_flags_in
from bot.content import PAIN_MAX, PAIN_MIN, CheckinField, Content, get_content
from bot.content.kinds import (
    PHASE_STAGES,
    DecisionKind,
    Morning,
    OutcomeKind,
    RuleId,
    Stage,
)

__all__ = [
    "CheckIn",
    "Decision",
    "DecisionKind",
    "Morning",
    "PlanState",
    "Stage",
    "WeekTrend",
    "broken_rules",
    "checkin_from_answers",
    "describe_progress",
    "initial_state",
    "next_step",
    "run_gate_answer",
    "week_trend",
    "weekly_summary",
]


@dataclass(frozen=True)
class CheckIn:
    """One day's check-in. `activity_pain` is None when the user did no exercise or run."""

    local_date: date
    pain_now: int
    worst_pain_24h: int
    activity_pain: int | None
    morning_vs_usual: Morning
    swelling: bool
    exercises_done: bool
    running_minutes: int
    red_flag_ids: tuple[str, ...] = ()
    run_gate_passed: bool | None = None  # the return-to-running gate, when it was asked

    def __post_init__(self) -> None:
        for name in ("pain_now", "worst_pain_24h", "activity_pain"):
            value = getattr(self, name)
            if value is not None and not PAIN_MIN <= value <= PAIN_MAX:
                raise ValueError(f"{name} must be 0-10, got {value}")
        if self.running_minutes < 0:
            raise ValueError("running_minutes cannot be negative")
        if self.running_minutes > 0 and self.activity_pain is None:
            raise ValueError("a check-in with running needs activity_pain")


@dataclass(frozen=True)
class PlanState:
    """Where a user stands. `run_stage` indexes the walk/run stages (phase 3 only);
    `run_sessions` counts sessions done cleanly at that stage."""

    stage: Stage
    stage_since: date
    run_stage: int = 0
    run_sessions: int = 0
    drills_unlocked: bool = False
    flare_on: date | None = None


@dataclass(frozen=True)
class Decision:
    """What to do after today's check-in, why (user-readable), and which rule said so."""

    kind: DecisionKind
    new_state: PlanState
    reason: str
    references: list[str]
    rule_id: str
    broken_rules: tuple[str, ...] = ()
    # A clinician suggested beside the day's decision (the programme carries on): the rule
    # that suggested it and what the user reads.
    suggestion_rule: str | None = None
    suggestion: str | None = None


def initial_state(outcome: Outcome, today: date) -> PlanState:
    """The plan state a triage outcome starts: PRICE, a phase, or referred."""
    if outcome.kind is OutcomeKind.PRICE:
        return PlanState(stage=Stage.PRICE, stage_since=today, flare_on=today)
    if outcome.kind is OutcomeKind.PROGRAMME and outcome.phase is not None:
        return PlanState(stage=PHASE_STAGES[outcome.phase], stage_since=today)
    return PlanState(stage=Stage.REFERRED, stage_since=today)


# --- reading a check-in ---------------------------------------------------------------------


def broken_rules(checkin: CheckIn, content: Content | None = None) -> tuple[RuleId, ...]:
    """The rules a check-in breaks (red flag, flare, worst pain that holds, too much pain,
    worse morning)."""
    content = content or get_content()
    th = content.thresholds
    broken = []
    if checkin.red_flag_ids:
        broken.append(RuleId.RED_FLAG_IN_CHECKIN)
    flare_min = th.flare_rest_pain_min.value
    if checkin.swelling or checkin.pain_now >= flare_min or checkin.worst_pain_24h >= flare_min:
        broken.append(RuleId.FLARE)
    elif checkin.worst_pain_24h > th.worst_pain_hold_above.value:
        broken.append(RuleId.WORST_PAIN_HOLD)
    if checkin.activity_pain is not None and (
        checkin.activity_pain > th.activity_pain_acceptable_max.value
    ):
        broken.append(RuleId.ACTIVITY_PAIN_TOO_MUCH)
    if checkin.morning_vs_usual is Morning.WORSE:
        broken.append(RuleId.MORNING_WORSE)
    return tuple(broken)


def checkin_from_answers(
    local_date: date, answers: Mapping[str, str], content: Content | None = None
) -> CheckIn:
    """Build a CheckIn from the check-in flow's answers (question id -> option value)."""
    content = content or get_content()
    flags = red_flags_in(answers, content, questions=content.checkin)
    values: dict[CheckinField, str] = {}
    for question in content.checkin:
        if question.id not in answers:
            raise AnswerError(f"missing answer: {question.id}")
        values[question.field] = answers[question.id]

    def scale(field: CheckinField) -> int | None:
        raw = values[field]
        return int(raw) if raw.isdigit() else None

    pain_now = scale(CheckinField.PAIN_NOW)
    worst = scale(CheckinField.WORST_PAIN_24H)
    if pain_now is None or worst is None:
        raise AnswerError("pain_now and worst_pain_24h need a number 0-10")
    running = int(values[CheckinField.RUNNING_MINUTES])
    activity = scale(CheckinField.ACTIVITY_PAIN)
    if running > 0 and activity is None:
        raise AnswerError("a run was recorded, so the activity pain question needs a number")
    return CheckIn(
        local_date=local_date,
        pain_now=pain_now,
        worst_pain_24h=worst,
        activity_pain=activity,
        morning_vs_usual=Morning(values[CheckinField.MORNING_VS_USUAL]),
        swelling=values[CheckinField.SWELLING] == "yes",
        exercises_done=values[CheckinField.EXERCISES_DONE] == "yes",
        running_minutes=running,
        red_flag_ids=tuple(f.id for f in flags),
    )


def run_gate_answer(value: str, content: Content | None = None) -> bool:
    """Turn the gate question's answer ("yes"/"no") into passed / not passed."""
    content = content or get_content()
    if value not in {o.value for o in content.return_to_running.gate.options}:
        raise AnswerError(f"the gate question has no option '{value}'")
    return value == "yes"


# --- history helpers --------------------------------------------------------------------------


def _by_date(history: Sequence[CheckIn], today: date) -> dict[date, CheckIn]:
    """One check-in per day (the last one given for that day), none after today."""
    days: dict[date, CheckIn] = {}
    for checkin in history:
        if checkin.local_date <= today:
            days[checkin.local_date] = checkin
    return dict(sorted(days.items()))


def _between(days: dict[date, CheckIn], first: date, last: date) -> list[CheckIn]:
    return [c for d, c in days.items() if first <= d <= last]


@dataclass(frozen=True)
class WeekTrend:
    """Average worst pain this week and last week (None when too few check-ins)."""

    this_week: float | None
    last_week: float | None
    worse_streak: int  # consecutive weeks, ending now, each worse than the one before


def _week_average(days: dict[date, CheckIn], end: date, content: Content) -> float | None:
    week = _between(days, end - timedelta(days=6), end)
    if len(week) < content.thresholds.week_min_checkins.value:
        return None
    return sum(c.worst_pain_24h for c in week) / len(week)


def week_trend(
    history: Sequence[CheckIn], today: date, content: Content | None = None
) -> WeekTrend:
    """Compare rolling 7-day averages of the worst pain in 24 h."""
    content = content or get_content()
    days = _by_date(history, today)
    th = content.thresholds
    averages = [
        _week_average(days, today - timedelta(days=7 * k), content)
        for k in range(int(th.worse_weeks_to_refer.value) + 1)
    ]
    streak = 0
    for k in range(len(averages) - 1):
        now, before = averages[k], averages[k + 1]
        if now is None or before is None:
            break
        rise = now - before
        if rise > 0 and rise >= th.weekly_worse_min_increase.value:
            streak += 1
        else:
            break
    return WeekTrend(this_week=averages[0], last_week=averages[1], worse_streak=streak)


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def _improvement(days: dict[date, CheckIn], today: date, content: Content) -> str:
    """A sentence on how far pain has come since the first week, or ''."""
    texts = content.messages.improvement
    if not days:
        return texts.none
    first = next(iter(days))
    baseline = _week_average(days, first + timedelta(days=6), content)
    current = _week_average(days, today, content)
    if baseline is None or current is None or today - first < timedelta(days=7):
        return texts.none
    drop = baseline - current
    if drop >= content.thresholds.meaningful_change_points.value:
        return content.render(texts.meaningful, drop=_fmt(drop))
    if drop > 0:
        return content.render(texts.small, drop=_fmt(drop))
    return texts.none


# --- the decision -----------------------------------------------------------------------------


class _Decider:
    def __init__(self, state: PlanState, history: Sequence[CheckIn], today: date, content: Content):
        self.state = state
        self.today = today
        self.content = content
        self.th = content.thresholds
        self.days = _by_date(history, today)
        self.now = self.days.get(today)
        self.broken: tuple[RuleId, ...] = (
            broken_rules(self.now, content) if self.now is not None else ()
        )

    def decide(
        self, kind: DecisionKind, rule_id: RuleId, new_state: PlanState, **params: object
    ) -> Decision:
        rule = self.content.rules[rule_id]
        return Decision(
            kind=kind,
            new_state=new_state,
            reason=self.content.render(rule.reason, **params),
            references=list(rule.references),
            rule_id=rule.id,
            broken_rules=tuple(str(r) for r in self.broken),
        )

    def stay(self, rule_id: RuleId, **params: object) -> Decision:
        return self.decide(DecisionKind.STAY, rule_id, self.state, **params)

    def refer(self, rule_id: RuleId, **params: object) -> Decision:
        referred = PlanState(stage=Stage.REFERRED, stage_since=self.today)
        return self.decide(DecisionKind.REFER, rule_id, referred, **params)

    def stage_name(self, index: int) -> str:
        return self.content.return_to_running.stages[index].name

    # -- the order of the rules is the clinical priority --

    def run(self) -> Decision:
        decision = self.day()
        if decision.kind is DecisionKind.REFER or self.state.stage is Stage.REFERRED:
            return decision
        suggested = self.suggestion()
        if suggested is None:
            return decision
        rule_id, params = suggested
        rule = self.content.rules[rule_id]
        return replace(
            decision,
            suggestion_rule=rule.id,
            suggestion=self.content.render(rule.reason, **params),
            references=list(dict.fromkeys([*decision.references, *rule.references])),
        )

    def day(self) -> Decision:
        state, now = self.state, self.now
        if state.stage is Stage.REFERRED:
            return self.stay(RuleId.ALREADY_REFERRED)
        if now is not None and now.red_flag_ids:
            labels = [
                self.content.red_flags[f].label
                for f in now.red_flag_ids
                if f in self.content.red_flags
            ]
            decision = self.refer(
                RuleId.RED_FLAG_IN_CHECKIN, flags="; ".join(labels) or ", ".join(now.red_flag_ids)
            )
            refs = [
                r
                for f in now.red_flag_ids
                if f in self.content.red_flags
                for r in self.content.red_flags[f].references
            ]
            return replace(decision, references=list(dict.fromkeys(decision.references + refs)))
        if state.stage is Stage.PRICE:
            if now is not None and RuleId.ACTIVITY_PAIN_TOO_MUCH in self.broken:
                # A run (or exercise) over the pain limit gets the rule, never "keep going".
                target = self.content.render(self.content.messages.regress_to.price)
                return self.stay(
                    RuleId.ACTIVITY_PAIN_TOO_MUCH,
                    activity_pain=now.activity_pain,
                    regress_to=target,
                )
            return self.price()
        if now is None:
            return self.stay(RuleId.NO_CHECKIN_TODAY)
        if RuleId.FLARE in self.broken:
            return self.flare(now)
        trend = week_trend(list(self.days.values()), self.today, self.content)
        if RuleId.ACTIVITY_PAIN_TOO_MUCH in self.broken:
            return self.regress(RuleId.ACTIVITY_PAIN_TOO_MUCH, activity_pain=now.activity_pain)
        if RuleId.MORNING_WORSE in self.broken:
            return self.regress(RuleId.MORNING_WORSE)
        if state.stage is Stage.PHASE3 and now.running_minutes > 0:
            # Counting a clean session is not a step up, so a worse week does not block it.
            return self.run_session(now)
        if trend.worse_streak >= 1:
            assert trend.this_week is not None
            assert trend.last_week is not None
            return self.stay(
                RuleId.WORSE_WEEK_HOLD,
                this_week=_fmt(trend.this_week),
                last_week=_fmt(trend.last_week),
            )
        if RuleId.WORST_PAIN_HOLD in self.broken:
            return self.stay(RuleId.WORST_PAIN_HOLD, worst=now.worst_pain_24h)
        if state.stage is Stage.PHASE3:
            return self.phase3_rest_day(now)
        if self.holding(now):
            return self.stay(RuleId.ACTIVITY_PAIN_HOLD, activity_pain=now.activity_pain)
        return self.phase_progress()

    def holding(self, checkin: CheckIn) -> bool:
        pain = checkin.activity_pain
        return pain is not None and pain > self.th.activity_pain_safe_max.value

    def settled(self, checkin: CheckIn) -> bool:
        return (
            not checkin.swelling
            and checkin.pain_now <= self.th.price_exit_rest_pain_max.value
            and not broken_rules(checkin, self.content)
        )

    def price(self) -> Decision:
        needed = self.th.price_exit_consecutive_checkins.value
        in_price = _between(self.days, self.state.stage_since, self.today)
        streak = 0
        for checkin in reversed(in_price):
            if not self.settled(checkin):
                break
            streak += 1
        if streak >= needed:
            new = PlanState(stage=Stage.PHASE1, stage_since=self.today)
            return self.decide(DecisionKind.LEAVE_PRICE, RuleId.PRICE_EXIT, new)
        return self.stay(RuleId.PRICE_CONTINUE, settled=streak)

    def flare(self, now: CheckIn) -> Decision:
        texts = self.content.messages.flare_detail
        high = now.pain_now >= self.th.flare_rest_pain_min.value
        new = PlanState(stage=Stage.PRICE, stage_since=self.today, flare_on=self.today)
        if not high and not now.swelling:  # a flare by the worst pain of the last 24 hours
            return self.decide(
                DecisionKind.BACK_TO_PRICE, RuleId.FLARE_WORST_PAIN, new, worst=now.worst_pain_24h
            )
        template = texts.both if now.swelling and high else texts.swelling
        if high and not now.swelling:
            template = texts.rest_pain
        detail = self.content.render(template, rest_pain=now.pain_now)
        return self.decide(DecisionKind.BACK_TO_PRICE, RuleId.FLARE, new, flare_detail=detail)

    # -- suggestions: a clinician is suggested, the programme carries on --

    def suggestion(self) -> tuple[RuleId, dict[str, object]] | None:
        """The first reason to suggest a clinician today, most telling first, or None."""
        th, state = self.th, self.state
        if state.stage is Stage.PRICE:
            days = (self.today - state.stage_since).days
            if days >= th.price_max_days.value:
                return RuleId.PRICE_NO_PROGRESS, {"days": days}
        trend = week_trend(list(self.days.values()), self.today, self.content)
        if trend.worse_streak >= th.worse_weeks_to_refer.value:
            return RuleId.WORSE_WEEKS_REFER, {"week_averages": self.week_averages()}
        in_a_row = int(th.swelling_checkins_in_a_row.value)
        latest = list(self.days.values())[-in_a_row:]
        if self.now is not None and len(latest) == in_a_row and all(c.swelling for c in latest):
            return RuleId.SWELLING_IN_A_ROW, {}
        flares = self.flares_in_window()
        if flares >= th.flares_to_suggest.value:
            return RuleId.REPEATED_FLARES, {"flares": flares}
        if self.stalled():
            return RuleId.STALLED_COURSE, {}
        return None

    def flares_in_window(self) -> int:
        """Flares begun inside the flare window: flare check-ins whose previous check-in was
        not one."""
        first = self.today - timedelta(days=7 * int(self.th.flare_window_weeks.value) - 1)
        flares, before = 0, False
        for day, checkin in self.days.items():
            flare = RuleId.FLARE in broken_rules(checkin, self.content)
            if flare and not before and day >= first:
                flares += 1
            before = flare
        return flares

    def stalled(self) -> bool:
        """No step up (same stage, no walk/run stage reached) and no meaningful fall in the
        weekly worst pain across the stalled window."""
        state, weeks = self.state, int(self.th.stalled_weeks.value)
        if state.stage is Stage.PRICE or state.run_stage > 0:
            return False
        if (self.today - state.stage_since).days < 7 * weeks:
            return False
        first_week_end = self.today - timedelta(days=7 * (weeks - 1))
        before = _week_average(self.days, first_week_end, self.content)
        now = _week_average(self.days, self.today, self.content)
        if before is None or now is None:
            return False
        return before - now < self.th.meaningful_change_points.value

    def week_averages(self) -> str:
        averages = [
            _week_average(self.days, self.today - timedelta(days=7 * k), self.content)
            for k in range(int(self.th.worse_weeks_to_refer.value), -1, -1)
        ]
        return " -> ".join(_fmt(a) for a in averages if a is not None)

    def regress(self, rule_id: RuleId, **params: object) -> Decision:
        state, texts = self.state, self.content.messages.regress_to
        if state.stage is Stage.PHASE3 and state.run_stage > 0:
            new = replace(
                state, run_stage=state.run_stage - 1, run_sessions=0, drills_unlocked=False
            )
            target = self.content.render(texts.run_stage, stage_name=self.stage_name(new.run_stage))
        elif state.stage in (Stage.PHASE2, Stage.PHASE3):
            lower = 1 if state.stage is Stage.PHASE2 else 2
            new = PlanState(stage=PHASE_STAGES[lower], stage_since=self.today)
            target = self.content.render(
                texts.phase, phase=lower, phase_name=self.content.phases[lower].name
            )
        else:
            new = PlanState(stage=Stage.PHASE1, stage_since=self.today)
            target = self.content.render(texts.same_phase, phase=1)
        return self.decide(DecisionKind.REGRESS, rule_id, new, regress_to=target, **params)

    def phase_progress(self) -> Decision:
        state = self.state
        min_days = int(self.th.progress_min_days.value)
        days = (self.today - state.stage_since).days
        window_start = max(state.stage_since, self.today - timedelta(days=min_days - 1))
        window = _between(self.days, window_start, self.today)
        clean = [c for c in window if not broken_rules(c, self.content)]
        ready = (
            days >= min_days
            and len(clean) == len(window)
            and len(clean) >= self.th.progress_min_checkins.value
        )
        if not ready:
            return self.stay(RuleId.PROGRESS_TOO_SOON, days=days, checkins=len(clean))
        improvement = _improvement(self.days, self.today, self.content)
        if state.stage is Stage.PHASE1:
            new = PlanState(stage=Stage.PHASE2, stage_since=self.today)
            return self.decide(
                DecisionKind.PROGRESS,
                RuleId.PROGRESS_PHASE,
                new,
                next_phase=2,
                next_phase_name=self.content.phases[2].name,
                improvement=improvement,
            )
        gate = [c.run_gate_passed for c in window if c.run_gate_passed is not None]
        if not gate or not gate[-1]:
            return self.stay(RuleId.RUN_GATE_DUE)
        start, minutes = self.running_start(window)
        new = PlanState(stage=Stage.PHASE3, stage_since=self.today, run_stage=start)
        note = ""
        if start > 0:
            text = self.content.messages.tasks.run_start_note
            note = " " + self.content.render(text, running_minutes=minutes)
        return self.decide(
            DecisionKind.PROGRESS,
            RuleId.PROGRESS_TO_RUNNING,
            new,
            stage_name=self.stage_name(start),
            start_note=note,
            improvement=improvement,
        )

    def running_start(self, window: Sequence[CheckIn]) -> tuple[int, int]:
        """Where phase 3 starts: the longest continuous-run stage the runner already managed
        inside the run pain rule during `window` (stage, minutes), else the first stage."""
        limit = self.th.run_pain_max.value
        managed = max(
            (
                c.running_minutes
                for c in window
                if c.activity_pain is not None and c.activity_pain <= limit
            ),
            default=0,
        )
        stages = self.content.return_to_running.stages
        fitting = [i for i, s in enumerate(stages) if s.continuous and s.run_minutes <= managed]
        return (fitting[-1], managed) if fitting else (0, managed)

    def run_session(self, now: CheckIn) -> Decision:
        state = self.state
        assert now.activity_pain is not None
        if now.activity_pain > self.th.run_pain_max.value:
            return self.stay(RuleId.RUN_SESSION_NOT_COUNTED, activity_pain=now.activity_pain)
        new = replace(state, run_sessions=state.run_sessions + 1)
        return self.decide(
            DecisionKind.STAY,
            RuleId.RUN_SESSION_COUNTED,
            new,
            sessions=new.run_sessions,
            stage_name=self.stage_name(state.run_stage),
        )

    def phase3_rest_day(self, now: CheckIn) -> Decision:
        state, th = self.state, self.th
        stage_name = self.stage_name(state.run_stage)
        if self.holding(now):
            return self.stay(RuleId.ACTIVITY_PAIN_HOLD, activity_pain=now.activity_pain)
        hold = self.stay(RuleId.RUN_STAGE_HOLD, sessions=state.run_sessions, stage_name=stage_name)
        last_run = self.last_run()
        if last_run is None or not self.quiet_after(last_run):
            return hold
        stages = self.content.return_to_running.stages
        if (
            not state.drills_unlocked
            and stages[state.run_stage].continuous
            and last_run.running_minutes >= th.drills_continuous_run_minutes_min.value
            and last_run.activity_pain is not None
            and last_run.activity_pain <= th.drills_pain_max.value
        ):
            return self.decide(
                DecisionKind.PROGRESS,
                RuleId.DRILLS_UNLOCKED,
                replace(state, drills_unlocked=True),
                running_minutes=last_run.running_minutes,
                activity_pain=last_run.activity_pain,
            )
        if state.run_sessions < th.run_stage_min_sessions.value:
            return hold
        if state.run_stage + 1 >= len(stages):
            return self.stay(RuleId.RUN_FINAL_STAGE, stage_name=stage_name)
        new = replace(state, run_stage=state.run_stage + 1, run_sessions=0)
        return self.decide(
            DecisionKind.PROGRESS,
            RuleId.RUN_STAGE_UP,
            new,
            stage_name=stage_name,
            next_stage_name=self.stage_name(new.run_stage),
        )

    def last_run(self) -> CheckIn | None:
        runs = [
            c
            for c in _between(self.days, self.state.stage_since, self.today - timedelta(days=1))
            if c.running_minutes > 0
        ]
        return runs[-1] if runs else None

    def quiet_after(self, run: CheckIn) -> bool:
        """The run and every check-in since were free of extra pain, swelling and stiffness,
        and the day after the run was checked in."""
        if run.activity_pain is None or run.activity_pain > self.th.run_pain_max.value:
            return False
        since = _between(self.days, run.local_date, self.today)
        if any(broken_rules(c, self.content) for c in since):
            return False
        return run.local_date + timedelta(days=1) in self.days


def next_step(
    state: PlanState,
    history: Sequence[CheckIn],
    today: date,
    content: Content | None = None,
) -> Decision:
    """Decide today's step from the plan state and the check-ins so far (any order)."""
    return _Decider(state, history, today, content or get_content()).run()


# --- progress wording --------------------------------------------------------------------------


def describe_progress(
    history: Sequence[CheckIn], today: date, content: Content | None = None
) -> str:
    """This week against last week, worded with the 1.2-point meaningful change in mind."""
    content = content or get_content()
    trend = week_trend(history, today, content)
    texts = content.messages.progress
    if trend.this_week is None or trend.last_week is None:
        return content.render(texts.not_enough)
    before, after = trend.last_week, trend.this_week
    change = round(before - after, 1)  # compare what the user sees (one decimal)
    params = {"before": _fmt(before), "after": _fmt(after)}
    if change >= content.thresholds.meaningful_change_points.value:
        return content.render(texts.meaningful, drop=_fmt(change), **params)
    if change > 0:
        return content.render(texts.small, drop=_fmt(change), **params)
    if change < 0:
        return content.render(texts.worse, rise=_fmt(-change), **params)
    return content.render(texts.steady, **params)


def weekly_summary(
    state: PlanState, history: Sequence[CheckIn], today: date, content: Content | None = None
) -> str:
    """The weekly summary message: check-ins, exercise days, running minutes, trend, stage."""
    content = content or get_content()
    days = _by_date(history, today)
    week = _between(days, today - timedelta(days=6), today)
    stage_name = content.messages.stage_names[state.stage]
    if state.stage is Stage.PHASE3:
        stage_name = f"{stage_name} ({content.return_to_running.stages[state.run_stage].name})"
    return content.render(
        content.messages.weekly_summary,
        checkins=len(week),
        exercise_days=sum(1 for c in week if c.exercises_done),
        running_minutes=sum(c.running_minutes for c in week),
        trend=describe_progress(history, today, content),
        stage_name=stage_name,
    )

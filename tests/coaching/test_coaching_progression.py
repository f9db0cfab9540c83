"""The pain-monitoring model: one table test per rule, then properties over random histories
(the engine never progresses on a day a rule was broken; a red flag always refers)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.coaching.progression import (
    CheckIn,
    Morning,
    PlanState,
    Stage,
    broken_rules,
    checkin_from_answers,
    describe_progress,
    initial_state,
    next_step,
    run_gate_answer,
    week_trend,
    weekly_summary,
)
from bot.coaching.triage import AnswerError, triage
from bot.content import Content, get_content
from bot.content.kinds import DecisionKind, OutcomeKind
from tests.coaching.checkins import ci, day

PHASES = [Stage.PHASE1, Stage.PHASE2, Stage.PHASE3]


def clean_days(first: int, last: int, **kwargs: object) -> list[CheckIn]:
    return [ci(n, **kwargs) for n in range(first, last + 1)]  # type: ignore[arg-type]


# --- safety first ---------------------------------------------------------------------------


def test_referred_is_terminal() -> None:
    state = PlanState(Stage.REFERRED, day(0))
    decision = next_step(state, clean_days(0, 20), day(20))
    assert decision.kind is DecisionKind.STAY
    assert decision.rule_id == "already_referred"
    assert decision.new_state == state


@pytest.mark.parametrize("stage", [Stage.PRICE, *PHASES])
def test_red_flag_in_checkin_refers(content: Content, stage: Stage) -> None:
    state = PlanState(stage, day(0))
    history = [*clean_days(0, 9), ci(10, flags=("locking",))]
    decision = next_step(state, history, day(10))
    assert decision.kind is DecisionKind.REFER
    assert decision.rule_id == "red_flag_in_checkin"
    assert decision.new_state.stage is Stage.REFERRED
    assert content.red_flags["locking"].label in decision.reason
    assert set(content.red_flags["locking"].references) <= set(decision.references)


@pytest.mark.parametrize("stage", PHASES)
@pytest.mark.parametrize(("swelling", "pain_now"), [(True, 0), (False, 6), (True, 9)])
def test_flare_goes_back_to_price(stage: Stage, swelling: bool, pain_now: int) -> None:
    state = PlanState(stage, day(0), run_stage=2 if stage is Stage.PHASE3 else 0)
    history = [*clean_days(0, 9), ci(10, swelling=swelling, pain_now=pain_now)]
    decision = next_step(state, history, day(10))
    assert decision.kind is DecisionKind.BACK_TO_PRICE
    assert decision.rule_id == "flare"
    assert decision.new_state == PlanState(Stage.PRICE, day(10), flare_on=day(10))
    if pain_now >= 6:
        assert f"{pain_now}/10" in decision.reason


def test_rest_pain_below_flare_is_not_a_flare(content: Content) -> None:
    below = int(content.thresholds.flare_rest_pain_min.value) - 1
    decision = next_step(PlanState(Stage.PHASE1, day(0)), [ci(3, pain_now=below)], day(3))
    assert decision.kind is not DecisionKind.BACK_TO_PRICE


# --- PRICE ---------------------------------------------------------------------------------


def test_leave_price_after_three_settled_checkins() -> None:
    state = PlanState(Stage.PRICE, day(0), flare_on=day(0))
    history = [ci(0, pain_now=7, swelling=True), ci(1, pain_now=4), *clean_days(2, 4, pain_now=3)]
    decision = next_step(state, history, day(4))
    assert decision.kind is DecisionKind.LEAVE_PRICE
    assert decision.rule_id == "price_exit"
    assert decision.new_state == PlanState(Stage.PHASE1, day(4))


def test_price_continues_until_three_in_a_row() -> None:
    state = PlanState(Stage.PRICE, day(0))
    history = [ci(0, pain_now=7), ci(1, pain_now=2), ci(2, pain_now=2, swelling=True),
               ci(3, pain_now=2), ci(4, pain_now=3)]  # fmt: skip
    decision = next_step(state, history, day(4))
    assert decision.kind is DecisionKind.STAY
    assert decision.rule_id == "price_continue"
    assert "2 of 3" in decision.reason


def test_checkins_before_price_began_do_not_count() -> None:
    state = PlanState(Stage.PRICE, day(5))
    history = [*clean_days(0, 4, pain_now=1), ci(5, pain_now=2)]
    assert next_step(state, history, day(5)).rule_id == "price_continue"


def test_price_without_progress_suggests_a_clinician_after_14_days_and_carries_on() -> None:
    state = PlanState(Stage.PRICE, day(0))
    history = [ci(n, pain_now=5) for n in range(0, 15)]
    before = next_step(state, history, day(13))
    assert (before.rule_id, before.suggestion_rule) == ("price_continue", None)
    decision = next_step(state, history, day(14))
    assert decision.kind is DecisionKind.STAY  # a suggestion, not a stop
    assert decision.new_state == state
    assert decision.rule_id == "price_continue"
    assert decision.suggestion_rule == "price_no_progress"
    assert decision.suggestion is not None
    assert "14 days" in decision.suggestion


def test_settling_on_day_14_still_leaves_price() -> None:
    state = PlanState(Stage.PRICE, day(0))
    history = [*(ci(n, pain_now=5) for n in range(0, 12)), *clean_days(12, 14, pain_now=2)]
    assert next_step(state, history, day(14)).kind is DecisionKind.LEAVE_PRICE


# --- the pain-monitoring rules -------------------------------------------------------------


def test_no_checkin_today_keeps_the_plan() -> None:
    state = PlanState(Stage.PHASE1, day(0))
    decision = next_step(state, clean_days(0, 9), day(10))
    assert decision.kind is DecisionKind.STAY
    assert decision.rule_id == "no_checkin_today"


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (PlanState(Stage.PHASE1, day(0)), PlanState(Stage.PHASE1, day(10))),
        (PlanState(Stage.PHASE2, day(0)), PlanState(Stage.PHASE1, day(10))),
        (PlanState(Stage.PHASE3, day(0)), PlanState(Stage.PHASE2, day(10))),
        (
            PlanState(Stage.PHASE3, day(0), run_stage=3, run_sessions=1, drills_unlocked=True),
            PlanState(Stage.PHASE3, day(0), run_stage=2),
        ),
    ],
)
@pytest.mark.parametrize(
    ("today", "rule"),
    [
        ({"activity": 6}, "activity_pain_too_much"),
        ({"activity": 10}, "activity_pain_too_much"),
        ({"morning": Morning.WORSE}, "morning_worse"),
    ],
)
def test_regress(
    state: PlanState, expected: PlanState, today: dict[str, object], rule: str
) -> None:
    history = [*clean_days(0, 9), ci(10, **today)]  # type: ignore[arg-type]
    decision = next_step(state, history, day(10))
    assert decision.kind is DecisionKind.REGRESS
    assert decision.rule_id == rule
    assert decision.new_state == expected


@pytest.mark.parametrize("activity", [4, 5])
def test_activity_pain_four_or_five_holds(activity: int) -> None:
    state = PlanState(Stage.PHASE1, day(0))
    history = [*clean_days(0, 9), ci(10, activity=activity)]
    decision = next_step(state, history, day(10))
    assert decision.kind is DecisionKind.STAY
    assert decision.rule_id == "activity_pain_hold"
    assert f"{activity}/10" in decision.reason


def test_progress_after_a_clean_week(content: Content) -> None:
    state = PlanState(Stage.PHASE1, day(0))
    decision = next_step(state, clean_days(0, 7), day(7))
    assert decision.kind is DecisionKind.PROGRESS
    assert decision.rule_id == "progress_phase"
    assert decision.new_state == PlanState(Stage.PHASE2, day(7))
    assert content.phases[2].name in decision.reason


def test_not_before_seven_days() -> None:
    state = PlanState(Stage.PHASE1, day(0))
    decision = next_step(state, clean_days(0, 6), day(6))
    assert decision.kind is DecisionKind.STAY
    assert decision.rule_id == "progress_too_soon"
    assert "6 days" in decision.reason


def test_not_without_enough_checkins() -> None:
    state = PlanState(Stage.PHASE1, day(0))
    history = [ci(n) for n in (0, 1, 4, 6, 7)]  # 4 check-ins in the last 7 days
    decision = next_step(state, history, day(7))
    assert decision.rule_id == "progress_too_soon"


def test_a_hold_day_inside_the_week_does_not_block_progress() -> None:
    state = PlanState(Stage.PHASE1, day(0))
    history = [*clean_days(0, 7)]
    history[3] = ci(3, activity=5)
    assert next_step(state, history, day(7)).kind is DecisionKind.PROGRESS


def test_a_broken_rule_inside_the_week_blocks_progress() -> None:
    # The state ignored the regress (e.g. stored late); the engine must still not progress.
    state = PlanState(Stage.PHASE1, day(0))
    history = [*clean_days(0, 7)]
    history[4] = ci(4, morning=Morning.WORSE)
    assert next_step(state, history, day(7)).rule_id == "progress_too_soon"


def weeks(*averages: int, days_per_week: int = 7) -> list[CheckIn]:
    """Check-ins for consecutive weeks ending on day 20, oldest week first."""
    history = []
    end = 20
    for k, worst in enumerate(reversed(averages)):
        for n in range(end - 7 * k - days_per_week + 1, end - 7 * k + 1):
            history.append(ci(n, worst=worst))
    return sorted(history, key=lambda c: c.local_date)


def test_one_worse_week_holds(content: Content) -> None:
    state = PlanState(Stage.PHASE1, day(0))
    decision = next_step(state, weeks(2, 3), day(20))
    assert decision.kind is DecisionKind.STAY
    assert decision.rule_id == "worse_week_hold"
    assert "3.0" in decision.reason
    assert "2.0" in decision.reason


def test_two_worse_weeks_suggest_a_clinician_and_hold_without_stopping() -> None:
    state = PlanState(Stage.PHASE2, day(0))
    decision = next_step(state, weeks(2, 3, 4), day(20))
    assert decision.kind is DecisionKind.STAY
    assert decision.new_state == state
    assert decision.rule_id == "worse_week_hold"
    assert decision.suggestion_rule == "worse_weeks_refer"


def test_a_small_rise_is_not_a_worse_week(content: Content) -> None:
    margin = content.thresholds.weekly_worse_min_increase.value
    assert margin > 0
    history = weeks(2, 2)
    # Raise this week by less than the margin: 3 of 7 days one point higher = +0.43.
    history = [replace(c, worst_pain_24h=3) if c.local_date >= day(18) else c for c in history]
    assert week_trend(history, day(20)).worse_streak == (1 if margin <= 3 / 7 else 0)


def test_better_weeks_progress() -> None:
    state = PlanState(Stage.PHASE1, day(0))
    decision = next_step(state, weeks(5, 4, 2), day(20))
    assert decision.kind is DecisionKind.PROGRESS
    assert "real improvement" in decision.reason
    assert "Build strength. Your average worst pain is down" in decision.reason


# --- phase 2 -> 3: the return-to-running gate ------------------------------------------------


def test_gate_due_before_phase3() -> None:
    state = PlanState(Stage.PHASE2, day(0))
    decision = next_step(state, clean_days(0, 7), day(7))
    assert decision.kind is DecisionKind.STAY
    assert decision.rule_id == "run_gate_due"


def test_failed_gate_keeps_phase2() -> None:
    state = PlanState(Stage.PHASE2, day(0))
    history = [*clean_days(0, 6), ci(7, gate=False)]
    assert next_step(state, history, day(7)).rule_id == "run_gate_due"


def test_passed_gate_starts_phase3() -> None:
    state = PlanState(Stage.PHASE2, day(0))
    history = [*clean_days(0, 6), ci(7, gate=True)]
    decision = next_step(state, history, day(7))
    assert decision.kind is DecisionKind.PROGRESS
    assert decision.rule_id == "progress_to_running"
    assert decision.new_state == PlanState(Stage.PHASE3, day(7))


def test_a_painful_run_during_price_gets_the_pain_rule_not_keep_going() -> None:
    state = PlanState(Stage.PRICE, day(0), flare_on=day(0))
    decision = next_step(state, [ci(1, run=30, activity=7)], day(1))
    assert decision.kind is DecisionKind.STAY
    assert decision.rule_id == "activity_pain_too_much"
    assert decision.reason.startswith("Pain reached 7/10 during activity, above the 5/10 limit.")
    assert "no running until the flare settles" in decision.reason
    assert decision.new_state == state


def test_phase_3_starts_from_the_running_the_runner_already_manages() -> None:
    state = PlanState(Stage.PHASE2, day(0))
    history = [*clean_days(0, 5), ci(6, run=30, activity=2), ci(7, gate=True)]
    decision = next_step(state, history, day(7))
    assert decision.rule_id == "progress_to_running"
    assert decision.new_state == PlanState(Stage.PHASE3, day(7), run_stage=6)
    assert "starting with Easy run, 30 min" in decision.reason
    assert "You already ran 30 minutes at 3/10 pain or less" in decision.reason


def test_a_painful_long_run_does_not_skip_the_walk_run_stages() -> None:
    state = PlanState(Stage.PHASE2, day(0))
    history = [*clean_days(0, 5), ci(6, run=30, activity=4), ci(7, gate=True)]
    decision = next_step(state, history, day(7))
    assert decision.new_state.run_stage == 0
    assert "You already ran" not in decision.reason


# --- phase 3: walk/run stages ----------------------------------------------------------------


def test_clean_run_session_counts() -> None:
    state = PlanState(Stage.PHASE3, day(0), run_stage=1, run_sessions=0)
    decision = next_step(state, [ci(0), ci(1), ci(2, run=10, activity=3)], day(2))
    assert decision.kind is DecisionKind.STAY
    assert decision.rule_id == "run_session_counted"
    assert decision.new_state.run_sessions == 1


def test_painful_run_session_does_not_count() -> None:
    state = PlanState(Stage.PHASE3, day(0), run_stage=1, run_sessions=1)
    decision = next_step(state, [ci(2, run=10, activity=4)], day(2))
    assert decision.rule_id == "run_session_not_counted"
    assert decision.new_state == state


def test_step_up_after_two_sessions_and_a_quiet_day(content: Content) -> None:
    state = PlanState(Stage.PHASE3, day(0), run_stage=1, run_sessions=2)
    history = [ci(0, run=8, activity=2), ci(1), ci(2, run=8, activity=3), ci(3)]
    decision = next_step(state, history, day(3))
    assert decision.kind is DecisionKind.PROGRESS
    assert decision.rule_id == "run_stage_up"
    assert decision.new_state == replace(state, run_stage=2, run_sessions=0)
    assert content.return_to_running.stages[2].name in decision.reason


def test_no_step_up_after_one_session() -> None:
    state = PlanState(Stage.PHASE3, day(0), run_stage=1, run_sessions=1)
    history = [ci(2, run=8, activity=2), ci(3)]
    decision = next_step(state, history, day(3))
    assert decision.rule_id == "run_stage_hold"


def test_no_step_up_without_the_day_after() -> None:
    state = PlanState(Stage.PHASE3, day(0), run_stage=1, run_sessions=2)
    history = [ci(0, run=8, activity=2), ci(2, run=8, activity=2), ci(4)]
    assert next_step(state, history, day(4)).rule_id == "run_stage_hold"


def test_no_step_up_after_extra_pain_in_the_last_run() -> None:
    state = PlanState(Stage.PHASE3, day(0), run_stage=1, run_sessions=2)
    history = [ci(2, run=8, activity=4), ci(3)]
    assert next_step(state, history, day(3)).rule_id == "run_stage_hold"


def test_no_step_up_on_a_stiff_morning() -> None:
    state = PlanState(Stage.PHASE3, day(0), run_stage=1, run_sessions=2)
    history = [ci(2, run=8, activity=2), ci(3, morning=Morning.WORSE)]
    decision = next_step(state, history, day(3))
    assert decision.kind is DecisionKind.REGRESS


def test_drills_unlock_after_continuous_easy_run(content: Content) -> None:
    stages = content.return_to_running.stages
    index = next(i for i, s in enumerate(stages) if s.continuous)
    minutes = int(content.thresholds.drills_continuous_run_minutes_min.value)
    state = PlanState(Stage.PHASE3, day(0), run_stage=index, run_sessions=1)
    history = [ci(2, run=minutes, activity=3), ci(3)]
    decision = next_step(state, history, day(3))
    assert decision.kind is DecisionKind.PROGRESS
    assert decision.rule_id == "drills_unlocked"
    assert decision.new_state.drills_unlocked
    too_short = [ci(2, run=minutes - 5, activity=1), ci(3)]
    assert next_step(state, too_short, day(3)).rule_id != "drills_unlocked"
    walk_run = replace(state, run_stage=index - 1)
    assert next_step(walk_run, history, day(3)).rule_id != "drills_unlocked"


def test_final_stage_stays(content: Content) -> None:
    last = len(content.return_to_running.stages) - 1
    state = PlanState(Stage.PHASE3, day(0), run_stage=last, run_sessions=2, drills_unlocked=True)
    history = [ci(2, run=30, activity=1), ci(3)]
    decision = next_step(state, history, day(3))
    assert decision.kind is DecisionKind.STAY
    assert decision.rule_id == "run_final_stage"


# --- properties ------------------------------------------------------------------------------

TODAY = day(30)


def checkins() -> st.SearchStrategy[CheckIn]:
    content = get_content()
    flags = sorted(content.red_flags)
    pain = st.integers(0, 10)

    def build(
        n: int, now: int, worst: int, activity: int | None, morning: Morning, swelling: bool,
        run: int, flagged: list[str], gate: bool | None,
    ) -> CheckIn:  # fmt: skip
        if run and activity is None:
            activity = 0
        return CheckIn(day(n), now, worst, activity, morning, swelling, True, run,
                       tuple(flagged), gate)  # fmt: skip

    return st.builds(
        build,
        st.integers(0, 30),
        pain,
        pain,
        st.none() | pain,
        st.sampled_from(list(Morning)),
        st.booleans(),
        st.sampled_from([0, 0, 0, 10, 20, 30]),
        st.lists(st.sampled_from(flags), max_size=1),
        st.none() | st.booleans(),
    )


def plan_states() -> st.SearchStrategy[PlanState]:
    stages = len(get_content().return_to_running.stages)
    return st.builds(
        lambda stage, since, run_stage, sessions, drills: PlanState(
            stage,
            day(since),
            run_stage if stage is Stage.PHASE3 else 0,
            sessions if stage is Stage.PHASE3 else 0,
            drills and stage is Stage.PHASE3,
        ),
        st.sampled_from(list(Stage)),
        st.integers(0, 30),
        st.integers(0, stages - 1),
        st.integers(0, 3),
        st.booleans(),
    )


def level(state: PlanState) -> tuple[int, int, int]:
    order = {Stage.PRICE: 0, Stage.PHASE1: 1, Stage.PHASE2: 2, Stage.PHASE3: 3}
    return (order.get(state.stage, -1), state.run_stage, int(state.drills_unlocked))


def broken_independently(content: Content, c: CheckIn) -> bool:
    th = content.thresholds
    return bool(
        c.red_flag_ids
        or c.swelling
        or c.pain_now >= th.flare_rest_pain_min.value
        # Issue 9 item 6: worst pain in the last 24 h above the hold level holds progression
        # (and at the flare level is a flare).
        or c.worst_pain_24h > th.worst_pain_hold_above.value
        or (c.activity_pain is not None and c.activity_pain > th.activity_pain_acceptable_max.value)
        or c.morning_vs_usual is Morning.WORSE
    )


@settings(max_examples=300, deadline=None)
@given(plan_states(), st.lists(checkins(), max_size=30), checkins())
def test_never_progresses_on_a_day_a_rule_was_broken(
    state: PlanState, history: list[CheckIn], today_checkin: CheckIn
) -> None:
    content = get_content()
    today_checkin = replace(today_checkin, local_date=TODAY)
    decision = next_step(state, [*history, today_checkin], TODAY)
    assert decision.rule_id in content.rules
    assert "{" not in decision.reason
    assert decision.reason
    assert set(decision.references) <= set(content.references)
    assert bool(broken_rules(today_checkin)) == broken_independently(content, today_checkin)
    if broken_independently(content, today_checkin):
        assert decision.kind not in (DecisionKind.PROGRESS, DecisionKind.LEAVE_PRICE)
        if state.stage is not Stage.REFERRED:
            assert level(decision.new_state) <= level(state) or state.stage is Stage.PRICE
    if today_checkin.red_flag_ids and state.stage is not Stage.REFERRED:
        assert decision.kind is DecisionKind.REFER
        assert decision.new_state.stage is Stage.REFERRED


@settings(max_examples=200, deadline=None)
@given(plan_states(), st.lists(checkins(), max_size=30))
def test_decisions_are_consistent(state: PlanState, history: list[CheckIn]) -> None:
    content = get_content()
    decision = next_step(state, history, TODAY)
    new = decision.new_state
    assert 0 <= new.run_stage < len(content.return_to_running.stages)
    if new.stage is not Stage.PHASE3:
        assert new.run_stage == 0
        assert not new.drills_unlocked
    has_today = any(c.local_date == TODAY for c in history)
    if decision.kind is DecisionKind.PROGRESS:
        assert has_today
        assert level(new) > level(state)
        assert state.stage in (Stage.PHASE1, Stage.PHASE2, Stage.PHASE3)
    if decision.kind is DecisionKind.REGRESS:
        assert level(new) <= level(state)
    if decision.kind is DecisionKind.LEAVE_PRICE:
        assert state.stage is Stage.PRICE
        assert new.stage is Stage.PHASE1
    if decision.kind is DecisionKind.STAY and decision.rule_id != "run_session_counted":
        assert new == state
    if decision.kind is DecisionKind.REFER:
        assert new.stage is Stage.REFERRED
    # Order does not matter once there is one check-in per day (the last one given wins).
    one_a_day = list({c.local_date: c for c in history}.values())
    assert next_step(state, one_a_day[::-1], TODAY) == next_step(state, one_a_day, TODAY)


# --- helpers for the flows -------------------------------------------------------------------


def test_initial_state_follows_triage() -> None:
    clean = {
        "age": "18_39", "urgent_signs": "no", "emergency_knee": "none", "emergency_body": "none",
        "clinician_signs": "none", "course": "new_or_improving", "typical": "no",
        "location": "kneecap", "onset": "gradual", "aggravating": "running", "rest_pain": "1",
        "flare": "no", "running_pain": "2",
    }  # fmt: skip
    today = date(2025, 5, 1)
    assert initial_state(triage(clean), today) == PlanState(Stage.PHASE2, today)
    price = triage({**clean, "flare": "swollen"})
    assert price.kind is OutcomeKind.PRICE
    assert initial_state(price, today) == PlanState(Stage.PRICE, today, flare_on=today)
    assert initial_state(triage({"age": "under_18"}), today).stage is Stage.REFERRED


def checkin_answers(**changes: str) -> dict[str, str]:
    base = {
        "red_flags": "none", "pain_now": "2", "worst_pain_24h": "3", "activity_pain": "2",
        "morning": "same", "swelling": "no", "exercises_done": "yes", "running_minutes": "20",
    }  # fmt: skip
    return {**base, **changes}


def test_checkin_from_answers() -> None:
    checkin = checkin_from_answers(day(1), checkin_answers())
    assert checkin == CheckIn(day(1), 2, 3, 2, Morning.SAME, False, True, 20, ())
    flagged = checkin_from_answers(day(1), checkin_answers(red_flags="giving_way"))
    assert flagged.red_flag_ids == ("giving_way",)
    rest = checkin_from_answers(day(1), checkin_answers(activity_pain="none", running_minutes="0"))
    assert rest.activity_pain is None


@pytest.mark.parametrize(
    "bad",
    [
        {"activity_pain": "none"},  # a run with no pain answer
        {"pain_now": "eleven"},
        {"morning": "awful"},
    ],
)
def test_checkin_from_bad_answers(bad: dict[str, str]) -> None:
    with pytest.raises(AnswerError):
        checkin_from_answers(day(1), checkin_answers(**bad))


def test_checkin_validates_ranges() -> None:
    with pytest.raises(ValueError, match="pain_now"):
        ci(0, pain_now=11)
    with pytest.raises(ValueError, match="activity_pain"):
        ci(0, run=10, activity=None)


def test_run_gate_answer() -> None:
    assert run_gate_answer("yes") is True
    assert run_gate_answer("no") is False
    with pytest.raises(AnswerError):
        run_gate_answer("maybe")


# --- progress wording --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "phrase"),
    [
        (5, 3, "real improvement"),
        (4, 3, "still under the 1.2-point change"),
        (3, 3, "about the same"),
        (2, 4, "up 2.0 points"),
    ],
)
def test_progress_wording_uses_the_meaningful_change(
    content: Content, before: int, after: int, phrase: str
) -> None:
    assert content.thresholds.meaningful_change_points.value == 1.2
    text = describe_progress(weeks(before, after), day(20))
    assert phrase in text
    assert f"{before}.0" in text
    assert f"{after}.0" in text


def test_progress_wording_needs_data() -> None:
    assert "Not enough check-ins" in describe_progress([ci(20)], day(20))


def test_weekly_summary() -> None:
    history = [*clean_days(7, 13), ci(14, run=20, activity=2), *clean_days(15, 20)]
    state = PlanState(Stage.PHASE3, day(0), run_stage=4)
    text = weekly_summary(state, history, day(20))
    assert "7 check-ins" in text
    assert "20 minutes of running" in text
    assert "Easy run, 20 min" in text


BREAKS = st.sampled_from(
    [
        {"swelling": True},
        {"pain_now": 6},
        {"pain_now": 10},
        {"activity": 6},
        {"activity": 9, "run": 20},
        {"morning": Morning.WORSE},
        {"flags": ("giving_way",)},
        {"flags": ("night_rest_pain",)},
    ]
)


@settings(max_examples=200, deadline=None)
@given(plan_states(), st.integers(0, 29), BREAKS, st.booleans())
def test_a_ready_plan_still_never_progresses_on_a_broken_day(
    state: PlanState, first: int, breaking: dict[str, object], ran: bool
) -> None:
    """Histories that would progress on a clean day must not progress when today breaks."""
    history = [ci(n, run=10 * ran * (n % 2), activity=2) for n in range(first, 30)]
    history.append(ci(30, **breaking))  # type: ignore[arg-type]
    state = replace(state, stage_since=day(first))
    decision = next_step(state, history, TODAY)
    assert decision.kind not in (DecisionKind.PROGRESS, DecisionKind.LEAVE_PRICE)
    if state.stage is not Stage.REFERRED:
        assert decision.broken_rules

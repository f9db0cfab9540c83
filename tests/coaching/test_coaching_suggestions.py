"""Issue 9 item 6: worst pain in the last 24 hours holds progression or counts as a flare, and
a stalled course suggests a clinician while the programme carries on."""

from __future__ import annotations

from dataclasses import replace

from bot.coaching.progression import PlanState, Stage, next_step
from bot.content import Content, get_content
from bot.content.kinds import DecisionKind
from tests.coaching.checkins import ci, day


def _with_flare_at(content: Content, value: int) -> Content:
    th = content.thresholds
    flare = th.flare_rest_pain_min.model_copy(update={"value": value})
    return replace(content, thresholds=th.model_copy(update={"flare_rest_pain_min": flare}))


def _ready_to_step_up(**today: object) -> list:  # type: ignore[type-arg]
    """Seven clean days in phase 1, then today's check-in."""
    return [*(ci(n) for n in range(0, 7)), ci(7, **today)]  # type: ignore[arg-type]


def test_a_clean_week_steps_up_but_worst_pain_above_5_holds(content: Content) -> None:
    state = PlanState(Stage.PHASE1, day(0))
    assert next_step(state, _ready_to_step_up(), day(7)).kind is DecisionKind.PROGRESS
    assert next_step(state, _ready_to_step_up(worst=5), day(7)).kind is DecisionKind.PROGRESS
    # With the flare level at 7, a worst pain of 6 holds: no step up, no flare.
    tuned = _with_flare_at(content, 7)
    held = next_step(state, _ready_to_step_up(worst=6), day(7), tuned)
    assert (held.kind, held.rule_id) == (DecisionKind.STAY, "worst_pain_hold")
    assert held.new_state == state
    assert "6/10" in held.reason


def test_worst_pain_at_the_flare_level_is_a_flare(content: Content) -> None:
    state = PlanState(Stage.PHASE2, day(0))
    decision = next_step(state, _ready_to_step_up(worst=6), day(7))
    assert (decision.kind, decision.rule_id) == (DecisionKind.BACK_TO_PRICE, "flare_worst_pain")
    assert decision.new_state.stage is Stage.PRICE
    assert "worst pain in the last 24 hours was 6/10" in decision.reason
    tuned = _with_flare_at(content, 7)
    assert next_step(state, _ready_to_step_up(worst=7), day(7), tuned).rule_id == (
        "flare_worst_pain"
    )


def test_four_weeks_without_a_step_up_or_improvement_suggest_a_clinician() -> None:
    state = PlanState(Stage.PHASE1, day(0))
    # Activity pain 4 holds every day, and the worst pain barely moves (3 -> 2.5).
    history = [ci(n, activity=4, worst=3 if n < 14 else 2) for n in range(0, 29)]
    early = next_step(state, history, day(26))
    assert early.suggestion_rule is None  # not yet four weeks
    decision = next_step(state, history, day(28))
    assert (decision.kind, decision.rule_id) == (DecisionKind.STAY, "activity_pain_hold")
    assert decision.new_state == state  # the programme carries on
    assert decision.suggestion_rule == "stalled_course"
    assert decision.suggestion is not None
    assert "4 weeks" in decision.suggestion


def test_a_meaningful_improvement_is_not_a_stalled_course() -> None:
    state = PlanState(Stage.PHASE1, day(0))
    history = [ci(n, activity=4, worst=4 if n < 7 else 2) for n in range(0, 29)]
    assert next_step(state, history, day(28)).suggestion_rule is None


def test_three_flares_in_six_weeks_suggest_a_clinician() -> None:
    state = PlanState(Stage.PHASE1, day(30))
    flares = {0, 12, 24}
    history = [ci(n, swelling=n in flares) for n in range(0, 33)]
    decision = next_step(state, history, day(32))
    assert decision.suggestion_rule == "repeated_flares"
    assert decision.suggestion is not None
    assert "3 flares" in decision.suggestion
    # Two in the window (the first one is older than six weeks): no suggestion.
    later = [ci(n, swelling=n in {0, 12, 24}) for n in range(0, 44)]
    assert next_step(replace(state, stage_since=day(40)), later, day(43)).suggestion_rule is None


def test_swelling_on_three_check_ins_in_a_row_suggests_a_clinician() -> None:
    state = PlanState(Stage.PRICE, day(0), flare_on=day(0))
    history = [ci(n, swelling=True, pain_now=2) for n in range(0, 3)]
    assert next_step(state, history[:2], day(1)).suggestion_rule is None
    decision = next_step(state, history, day(2))
    assert (decision.rule_id, decision.suggestion_rule) == ("price_continue", "swelling_in_a_row")
    assert decision.new_state == state


def test_a_referral_is_never_softened_into_a_suggestion() -> None:
    state = PlanState(Stage.PHASE1, day(0))
    history = [ci(n, swelling=True) for n in range(0, 3)] + [ci(3, flags=("locking",))]
    decision = next_step(state, history, day(3))
    assert decision.kind is DecisionKind.REFER
    assert decision.suggestion_rule is None


def test_every_suggestion_reads_without_placeholders(content: Content) -> None:
    for rule_id in ("stalled_course", "repeated_flares", "swelling_in_a_row"):
        assert rule_id in get_content().rules
    state = PlanState(Stage.PRICE, day(0), flare_on=day(0))
    decision = next_step(state, [ci(n, swelling=True) for n in range(0, 15)], day(14))
    assert decision.suggestion is not None
    assert "{" not in decision.suggestion

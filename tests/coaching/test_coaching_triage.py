"""Triage and red-flag screening: every red flag, the flare rules, phase choice, and the
properties that every answer set gives exactly one outcome and a red flag always wins."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.coaching.triage import (
    AnswerError,
    Outcome,
    red_flags_in,
    triage,
)
from bot.content import Content, get_content
from bot.content.kinds import TIER_SEVERITY, OutcomeKind, Tier

CLEAN = {
    "age": "18_39",
    "urgent_signs": "no",
    "emergency_knee": "none",
    "emergency_body": "none",
    "clinician_signs": "none",
    "course": "new_or_improving",
    "typical": "yes",
    "onset": "gradual",
    "location": "kneecap",
    "aggravating": "squat_stairs",
    "rest_pain": "2",
    "flare": "no",
    "running_pain": "3",
}


def answers(**changes: str) -> dict[str, str]:
    return {**CLEAN, **changes}


def flagged_options(content: Content) -> list[tuple[str, str, str]]:
    return [
        (q.id, o.value, o.red_flag)
        for q in content.assessment
        for o in q.options
        if o.red_flag is not None
    ]


def test_clean_answers_give_a_programme(content: Content) -> None:
    outcome = triage(CLEAN)
    assert outcome.kind is OutcomeKind.PROGRAMME
    assert outcome.phase in (1, 2)
    assert outcome.red_flags == []
    assert all(r.references for r in outcome.reasons)
    assert outcome.reasons[0].rule_id == "triage_pfp_pattern"


@pytest.mark.parametrize(
    ("question", "value", "flag"), flagged_options(get_content()), ids=lambda x: str(x)
)
def test_every_red_flag_answer_wins(content: Content, question: str, value: str, flag: str) -> None:
    outcome = triage(answers(**{question: value}))
    tier = content.red_flags[flag].tier
    assert outcome.kind.value == tier.value
    assert outcome.red_flags == [flag]
    assert outcome.where_to_go == content.tiers[tier].where_to_go
    assert outcome.pauses_reminders
    assert outcome.phase is None
    assert content.red_flags[flag].message in outcome.reasons[0].text


@pytest.mark.parametrize(
    ("question", "value", "flag"), flagged_options(get_content()), ids=lambda x: str(x)
)
def test_red_flag_wins_from_a_partial_answer_set(
    content: Content, question: str, value: str, flag: str
) -> None:
    outcome = triage({question: value})
    assert outcome.red_flags == [flag]
    assert [f.id for f in red_flags_in({question: value})] == [flag]


def test_emergency_beats_other_tiers(content: Content) -> None:
    outcome = triage(
        answers(
            age="under_18",
            clinician_signs="night_rest_pain",
            emergency_knee="locking",
            emergency_body="hot_swollen_fever",
        )
    )
    assert outcome.kind is OutcomeKind.EMERGENCY
    assert outcome.red_flags == ["hot_swollen_fever", "locking", "night_rest_pain", "under_18"]
    outcome = triage(
        answers(age="under_18", clinician_signs="night_rest_pain", emergency_knee="locking")
    )
    assert outcome.kind is OutcomeKind.SAME_DAY
    assert outcome.title == "Please get your knee seen today"
    assert outcome.red_flags == ["locking", "night_rest_pain", "under_18"]
    outcome = triage(answers(age="under_18", course="no_improvement", rest_pain="9"))
    assert outcome.kind is OutcomeKind.CLINICIAN_SOON
    assert outcome.red_flags[0] == "no_improvement"


def test_red_flag_beats_a_flare() -> None:
    outcome = triage(answers(location="outer", flare="swollen", rest_pain="8"))
    assert outcome.kind is OutcomeKind.OUTSIDE_PATHWAY


def test_flare_by_swelling() -> None:
    outcome = triage(answers(flare="swollen", rest_pain="0"))
    assert outcome.kind is OutcomeKind.PRICE
    assert outcome.reasons[0].rule_id == "triage_flare_swelling"


def test_flare_by_recent_flare() -> None:
    outcome = triage(answers(flare="flared", rest_pain="0"))
    assert outcome.kind is OutcomeKind.PRICE
    assert outcome.reasons[0].rule_id == "triage_flare_recent"


def test_flare_boundary_on_rest_pain(content: Content) -> None:
    flare = int(content.thresholds.flare_rest_pain_min.value)
    assert triage(answers(rest_pain=str(flare))).kind is OutcomeKind.PRICE
    below = triage(answers(rest_pain=str(flare - 1)))
    assert below.kind is OutcomeKind.PROGRAMME
    reason = triage(answers(rest_pain=str(flare))).reasons[0]
    assert reason.rule_id == "triage_flare_rest_pain"
    assert f"{flare}/10" in reason.text


@pytest.mark.parametrize(
    ("rest", "running", "phase"),
    [("0", "0", 2), ("2", "3", 2), ("3", "0", 1), ("2", "4", 1), ("5", "9", 1), ("1", None, 2)],
)
def test_phase_choice(content: Content, rest: str, running: str | None, phase: int) -> None:
    # The table assumes the shipped thresholds; fail loudly if they change.
    assert content.thresholds.triage_phase2_rest_pain_max.value == 2
    assert content.thresholds.activity_pain_safe_max.value == 3
    outcome = triage(answers(rest_pain=rest, running_pain=running or "no_recent_run"))
    assert outcome.kind is OutcomeKind.PROGRAMME
    assert outcome.phase == phase
    assert outcome.reasons[-1].rule_id == f"triage_phase{phase}"
    assert f"{rest}/10" in outcome.reasons[-1].text


def test_missing_answers_without_red_flag() -> None:
    partial = dict(CLEAN)
    del partial["running_pain"]
    with pytest.raises(AnswerError, match="running_pain"):
        triage(partial)


@pytest.mark.parametrize(
    "bad", [{"age": "12"}, {"rest_pain": "11"}, {"rest_pain": "-1"}, {"shoe_size": "9"}]
)
def test_unknown_answers_are_rejected(bad: Mapping[str, str]) -> None:
    with pytest.raises(AnswerError):
        triage(answers(**bad))


# --- properties -------------------------------------------------------------------------------


def answer_sets() -> st.SearchStrategy[dict[str, str]]:
    content = get_content()
    return st.fixed_dictionaries(
        {q.id: st.sampled_from([o.value for o in q.options]) for q in content.assessment}
    )


def expected_kind(content: Content, given: Mapping[str, str]) -> OutcomeKind:
    """An independent statement of the priority: worst red-flag tier, then flare, else programme."""
    tiers = []
    for question in content.assessment:
        option = question.option(given[question.id])
        assert option is not None
        if option.red_flag:
            tiers.append(content.red_flags[option.red_flag].tier)
    if tiers:
        return OutcomeKind(min(tiers, key=lambda t: TIER_SEVERITY[t]).value)
    rest = int(given["rest_pain"])
    if given["flare"] != "no" or rest >= content.thresholds.flare_rest_pain_min.value:
        return OutcomeKind.PRICE
    return OutcomeKind.PROGRAMME


@settings(max_examples=300, deadline=None)
@given(answer_sets())
def test_every_answer_set_gives_exactly_one_outcome(given_answers: dict[str, str]) -> None:
    content = get_content()
    outcome = triage(given_answers)
    assert isinstance(outcome, Outcome)
    assert outcome.kind is expected_kind(content, given_answers)
    assert (outcome.phase is not None) == (outcome.kind is OutcomeKind.PROGRAMME)
    assert bool(outcome.red_flags) == (outcome.kind.value in set(Tier))
    assert outcome.title
    assert outcome.summary
    assert outcome.reasons
    for reason in outcome.reasons:
        assert "{" not in reason.text
        assert set(reason.references) <= set(content.references)


@settings(max_examples=200, deadline=None)
@given(answer_sets(), st.data())
def test_a_red_flag_always_wins(given_answers: dict[str, str], data: st.DataObject) -> None:
    content = get_content()
    question, value, flag = data.draw(st.sampled_from(flagged_options(content)))
    outcome = triage({**given_answers, question: value})
    assert outcome.kind.value in set(Tier)
    assert flag in outcome.red_flags
    assert TIER_SEVERITY[Tier(outcome.kind.value)] <= TIER_SEVERITY[content.red_flags[flag].tier]

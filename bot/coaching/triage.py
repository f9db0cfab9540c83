"""Onboarding triage and red-flag screening.

The assessment flow collects answers (question id -> option value; scales as "0".."10", age
as a band such as "18_39") and calls `triage()` once, or `red_flags_in()` after each answer
to stop early. Typed text is screened by bot/coaching/screening (conversations/safety.py).
A red flag always wins: emergency > same_day > clinician_soon > outside_pathway > price >
programme.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.content import (
    Content,
    Measure,
    Question,
    RedFlag,
    Signal,
    get_content,
)
from bot.content.kinds import TIER_SEVERITY, OutcomeKind, RuleId, Tier

__all__ = [
    "AnswerError",
    "Outcome",
    "OutcomeKind",
    "Reason",
    "RedFlag",
    "most_serious",
    "red_flags_in",
    "triage",
]


class AnswerError(ValueError):
    """Answers name an unknown question or option, or a needed answer is missing."""


@dataclass(frozen=True)
class Reason:
    """One reason behind an outcome, in words the user can read, with its sources."""

    text: str
    references: list[str]
    rule_id: str


@dataclass(frozen=True)
class Outcome:
    """What the assessment concludes.

    For red-flag outcomes `where_to_go` and `action` say what to do next and
    `pauses_reminders` tells the scheduler to stop; `phase` is set only for `programme`.
    """

    kind: OutcomeKind
    title: str
    summary: str
    reasons: list[Reason]
    red_flags: list[str]
    phase: int | None = None
    where_to_go: str | None = None
    action: str | None = None
    pauses_reminders: bool = False


def most_serious(flags: Sequence[RedFlag]) -> RedFlag | None:
    """The most serious flag (ties: the one listed first)."""
    if not flags:
        return None
    return min(flags, key=lambda f: TIER_SEVERITY[f.tier])


def _sorted_flags(flags: Sequence[RedFlag], content: Content) -> list[RedFlag]:
    order = {flag_id: i for i, flag_id in enumerate(content.red_flags)}
    unique = {f.id: f for f in flags}.values()
    return sorted(unique, key=lambda f: (TIER_SEVERITY[f.tier], order[f.id]))


def _check_answers(
    answers: Mapping[str, str], questions: Sequence[Question]
) -> dict[str, Question]:
    by_id = {q.id: q for q in questions}
    for question_id, value in answers.items():
        question = by_id.get(question_id)
        if question is None:
            raise AnswerError(f"unknown question '{question_id}'")
        if question.option(value) is None:
            raise AnswerError(f"question '{question_id}' has no option '{value}'")
    return by_id


def red_flags_in(
    answers: Mapping[str, str],
    content: Content | None = None,
    questions: Sequence[Question] | None = None,
) -> list[RedFlag]:
    """Red flags the given (possibly partial) answers raise, most serious first.

    `questions` defaults to the onboarding assessment; pass `content.checkin` to screen a
    check-in's answers.
    """
    content = content or get_content()
    questions = content.assessment if questions is None else questions
    by_id = _check_answers(answers, questions)
    flags = []
    for question_id, value in answers.items():
        option = by_id[question_id].option(value)
        if option is not None and option.red_flag is not None:
            flags.append(content.red_flags[option.red_flag])
    return _sorted_flags(flags, content)


def _flag_outcome(flags: list[RedFlag], content: Content) -> Outcome:
    top = flags[0]
    tier = content.tiers[top.tier]
    kind = OutcomeKind(top.tier.value)
    rule = content.rules[RuleId.TRIAGE_RED_FLAG]
    reasons = [
        Reason(
            text=content.render(rule.reason, flag_label=f.label, flag_message=f.message),
            references=list(f.references),
            rule_id=rule.id,
        )
        for f in flags
    ]
    return Outcome(
        kind=kind,
        title=tier.title,
        summary=content.render(content.messages.outcomes[kind].summary),
        reasons=reasons,
        red_flags=[f.id for f in flags],
        where_to_go=tier.where_to_go,
        action=tier.action,
        pauses_reminders=tier.pauses_reminders,
    )


def _reason(content: Content, rule_id: RuleId, **params: object) -> Reason:
    rule = content.rules[rule_id]
    return Reason(
        text=content.render(rule.reason, **params),
        references=list(rule.references),
        rule_id=rule.id,
    )


def triage(answers: Mapping[str, str], content: Content | None = None) -> Outcome:
    """Decide what a new user gets from their assessment answers.

    A red flag decides on its own, even from partial answers. Otherwise every assessment
    question must be answered (AnswerError names the missing ones).
    """
    content = content or get_content()
    flags = red_flags_in(answers, content)
    if flags:
        return _flag_outcome(flags, content)

    missing = [q.id for q in content.assessment if q.id not in answers]
    if missing:
        raise AnswerError(f"missing answers: {', '.join(missing)}")

    signals: set[Signal] = set()
    rest_pain: int | None = None
    running_pain: int | None = None
    for question in content.assessment:
        value = answers[question.id]
        option = question.option(value)
        if option is not None and option.signal is not None:
            signals.add(option.signal)
        if question.measures is Measure.REST_PAIN:
            rest_pain = question.scale_value(value)
        elif question.measures is Measure.RUNNING_PAIN:
            running_pain = question.scale_value(value)
    if rest_pain is None:
        raise AnswerError("the rest-pain question needs a number 0-10")

    th = content.thresholds
    msgs = content.messages
    running_pain_text = (
        content.render(msgs.running_pain_text.value, running_pain=running_pain)
        if running_pain is not None
        else msgs.running_pain_text.no_recent_run
    )
    pattern = _reason(content, RuleId.TRIAGE_PFP_PATTERN)

    flare_reasons = []
    if Signal.SWELLING in signals:
        flare_reasons.append(_reason(content, RuleId.TRIAGE_FLARE_SWELLING))
    if rest_pain >= th.flare_rest_pain_min.value:
        flare_reasons.append(_reason(content, RuleId.TRIAGE_FLARE_REST_PAIN, rest_pain=rest_pain))
    if Signal.RECENT_FLARE in signals:
        flare_reasons.append(_reason(content, RuleId.TRIAGE_FLARE_RECENT))
    if flare_reasons:
        text = msgs.outcomes[OutcomeKind.PRICE]
        return Outcome(
            kind=OutcomeKind.PRICE,
            title=content.render(text.title),
            summary=content.render(text.summary),
            reasons=[*flare_reasons, pattern],
            red_flags=[],
        )

    phase2 = rest_pain <= th.triage_phase2_rest_pain_max.value and (
        running_pain is None or running_pain <= th.activity_pain_safe_max.value
    )
    phase = 2 if phase2 else 1
    phase_rule = RuleId.TRIAGE_PHASE2 if phase2 else RuleId.TRIAGE_PHASE1
    phase_info = content.phases[phase]
    text = msgs.outcomes[OutcomeKind.PROGRAMME]
    return Outcome(
        kind=OutcomeKind.PROGRAMME,
        title=content.render(text.title, phase=phase, phase_name=phase_info.name),
        summary=content.render(text.summary, phase_goal=phase_info.goal),
        reasons=[
            pattern,
            _reason(content, phase_rule, rest_pain=rest_pain, running_pain_text=running_pain_text),
        ],
        red_flags=[],
        phase=phase,
    )


def tier_of(outcome: Outcome) -> Tier | None:
    """The red-flag tier behind an outcome, if any."""
    try:
        return Tier(outcome.kind.value)
    except ValueError:
        return None

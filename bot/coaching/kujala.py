"""The knee score (Kujala Anterior Knee Pain Scale, Kujala et al. 1993), pure: its 13 items as
questions for the shared question flow, the score of a set of answers, the red flags they
raise, and what a change between two scores means.

Every point value comes from content/kujala.yaml (the original's structure and points) and the
meaningful change from content/thresholds.yaml (`kujala_meaningful_change_points`).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from bot.coaching.triage import AnswerError, red_flags_in
from bot.content import Content, Option, Question, QuestionKind, RedFlag, get_content


def kujala_questions(content: Content | None = None) -> list[Question]:
    """The items as questions of the shared mechanism: one choice each, in content order."""
    content = content or get_content()
    kujala = content.kujala
    return [
        Question(
            id=item.id,
            text=item.text,
            kind=QuestionKind.CHOICE,
            options=[
                Option(value=o.value, label=o.label, red_flag=o.red_flag) for o in item.options
            ],
            references=list(kujala.references),
        )
        for item in kujala.items
    ]


def kujala_red_flags(answers: Mapping[str, str], content: Content | None = None) -> list[RedFlag]:
    """Red flags the (possibly partial) answers raise, most serious first."""
    content = content or get_content()
    return red_flags_in(answers, content, kujala_questions(content))


def kujala_score(answers: Mapping[str, str], content: Content | None = None) -> int:
    """The score of a complete set of answers: the points of each chosen option, added up and
    scaled to 0-100 (the content's `max_score` is 100, so the scaling is exact)."""
    content = content or get_content()
    kujala = content.kujala
    points = 0
    for item in kujala.items:
        if item.id not in answers:
            raise AnswerError(f"missing answer: {item.id}")
        chosen = next((o for o in item.options if o.value == answers[item.id]), None)
        if chosen is None:
            raise AnswerError(f"{item.id} has no option '{answers[item.id]}'")
        points += chosen.points
    return round(points * 100 / kujala.max_score)


class ScoreChange(StrEnum):
    """How a knee score compares with the one before (higher is better)."""

    FIRST = "first"
    UP_MEANINGFUL = "up_meaningful"  # up by at least the meaningful change
    UP_SMALL = "up_small"
    STEADY = "steady"
    DOWN_SMALL = "down_small"
    DOWN_MEANINGFUL = "down_meaningful"


def score_change(before: int | None, after: int, content: Content | None = None) -> ScoreChange:
    """Classify `after` against `before` with the meaningful change from content."""
    content = content or get_content()
    if before is None:
        return ScoreChange.FIRST
    meaningful = content.thresholds.kujala_meaningful_change_points.value
    change = after - before
    if change >= meaningful:
        return ScoreChange.UP_MEANINGFUL
    if change <= -meaningful:
        return ScoreChange.DOWN_MEANINGFUL
    if change > 0:
        return ScoreChange.UP_SMALL
    if change < 0:
        return ScoreChange.DOWN_SMALL
    return ScoreChange.STEADY

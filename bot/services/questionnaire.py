"""One mechanism for the flows that ask content questions one at a time (the knee check, the
daily check-in): where the user is, answering, going back, and finishing.

The database row of the running questionnaire is the one source of truth for "which question is
this user on" (`current_question`); every step reads it, checks a press against it (a double tap
or a button on an earlier question changes nothing) and writes the next position in the same unit
of work. What differs between flows - which questions, where answers are kept, what ends the flow
early and what finishing means - is a `Questionnaire` the flow's service module implements. No
Telegram here: the Telegram side (conversations/question_flow.py) renders what these return.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from sqlmodel import Session

from bot.content import Option, Question, RedFlag

RowT = TypeVar("RowT", bound="Running")
ResultT = TypeVar("ResultT", covariant=True)

# The questions asked, in order, given the answers so far.
QuestionsGiven = Callable[[Mapping[str, str]], list[Question]]


class Running(Protocol):
    """A stored questionnaire: the question on screen (None once it is over)."""

    current_question: str | None


class Questionnaire(Protocol[RowT, ResultT]):
    """What a question flow keeps to itself; the steps below are shared."""

    def running(self, session: Session, user_id: int, now: datetime) -> RowT | None:
        """The user's unfinished questionnaire of this kind, if any."""

    def answers(self, row: RowT) -> dict[str, str]:
        """The answers given so far."""

    def questions(self, session: Session, row: RowT) -> QuestionsGiven:
        """The questions asked, in order, as a function of the answers so far (some answers
        imply others). What they depend on besides the answers is read here, once per unit of
        work: a step asks for the list up to three times."""

    def red_flags(self, answers: Mapping[str, str]) -> list[RedFlag]:
        """The red flags these answers raise, most serious first: any ends the questionnaire
        now, and one pressed on an old message of it still counts."""

    def record(
        self,
        session: Session,
        row: RowT,
        answers: Mapping[str, str],
        current: str,
        now: datetime,
    ) -> None:
        """Store the answers and the question now on screen."""

    def finish(
        self, session: Session, user_id: int, row: RowT, answers: Mapping[str, str], now: datetime
    ) -> ResultT:
        """Close the questionnaire with all its answers and apply what follows from them."""

    def abandon(self, session: Session, user_id: int, now: datetime) -> None:
        """Drop the user's unfinished questionnaire of this kind (/cancel, a red flag)."""


@dataclass(frozen=True)
class Asked:
    """The question on screen, and where it stands ("Question 3 of 8")."""

    question: Question
    number: int
    total: int
    answered: Option | None = None  # the answer just recorded, when a step moved on

    @property
    def is_first(self) -> bool:
        return self.number == 1


class Began(Protocol):
    """A questionnaire just started: its first question is on screen."""

    @property
    def first(self) -> Asked: ...


@dataclass(frozen=True)
class NotCurrent:
    """A press for a question that is not the one on screen (a double tap, an earlier
    question, a finished flow): nothing changes; `current` is what is on screen, if anything."""

    current: Asked | None


@dataclass(frozen=True)
class Finished(Generic[ResultT]):
    """The last answer (or one that ends the flow early) is in; `result` is what followed."""

    result: ResultT
    answered: Option | None = None  # the answer that finished it


def _asked(questions: list[Question], question_id: str) -> Asked:
    ids = [q.id for q in questions]
    index = ids.index(question_id)
    return Asked(questions[index], index + 1, len(questions))


def _on_screen(
    flow: Questionnaire[RowT, ResultT], row: RowT, questions: QuestionsGiven
) -> Asked | None:
    """Where `row` stands, or None when it is over."""
    if row.current_question is None:
        return None
    asked = questions(flow.answers(row))
    if row.current_question not in {q.id for q in asked}:
        return None  # content changed under a running questionnaire: treat it as over
    return _asked(asked, row.current_question)


def position(
    flow: Questionnaire[RowT, ResultT], session: Session, user_id: int, now: datetime
) -> Asked | None:
    """The question this user is on, or None when no questionnaire of this kind is running."""
    row = flow.running(session, user_id, now)
    if row is None or row.current_question is None:
        return None
    return _on_screen(flow, row, flow.questions(session, row))


def ask_first(
    flow: Questionnaire[RowT, ResultT], session: Session, row: RowT, now: datetime
) -> Asked:
    """Put the first question of a freshly started questionnaire on screen."""
    answers = flow.answers(row)
    asked = flow.questions(session, row)(answers)
    flow.record(session, row, answers, asked[0].id, now)
    return _asked(asked, asked[0].id)


def answer(
    flow: Questionnaire[RowT, ResultT],
    session: Session,
    user_id: int,
    question_id: str,
    value: str,
    now: datetime,
) -> Asked | NotCurrent | Finished[ResultT]:
    """Record `value` for `question_id` if that is the question on screen; then the next
    question, or the end of the questionnaire."""
    row = flow.running(session, user_id, now)
    if row is None or row.current_question is None:
        return NotCurrent(None)
    questions = flow.questions(session, row)
    current = _on_screen(flow, row, questions)
    if current is None:
        return NotCurrent(None)
    if current.question.id != question_id or current.question.option(value) is None:
        return NotCurrent(current)
    option = current.question.option(value)
    answers = {**flow.answers(row), question_id: value}
    asked = questions(answers)
    ids = [q.id for q in asked]
    index = ids.index(question_id)
    if flow.red_flags(answers) or index + 1 >= len(ids):
        return Finished(flow.finish(session, user_id, row, answers, now), option)
    flow.record(session, row, answers, ids[index + 1], now)
    return dataclasses.replace(_asked(asked, ids[index + 1]), answered=option)


def back(
    flow: Questionnaire[RowT, ResultT],
    session: Session,
    user_id: int,
    question_id: str,
    now: datetime,
) -> Asked | NotCurrent:
    """Return from `question_id` (if on screen) to the one before it, forgetting that answer
    and every later one."""
    row = flow.running(session, user_id, now)
    if row is None or row.current_question is None:
        return NotCurrent(None)
    questions = flow.questions(session, row)
    current = _on_screen(flow, row, questions)
    if current is None:
        return NotCurrent(None)
    if current.question.id != question_id or current.is_first:
        return NotCurrent(current)
    answers = flow.answers(row)
    ids = [q.id for q in questions(answers)]
    dropped = set(ids[ids.index(question_id) - 1 :])
    kept = {k: v for k, v in answers.items() if k not in dropped}
    previous = ids[ids.index(question_id) - 1]
    flow.record(session, row, kept, previous, now)
    return _asked(questions(kept), previous)

"""When an education card (content/education.yaml) reaches a runner on its own, as pure rules
(`choose_card`) and the use case that applies them to what is stored (`card_for_today`).

Three moments, most pressing first:
- before the return to running: the load card, on the first day the return-to-running gate
  is due (phase 2) - what load management is, before running load goes up;
- the plan holds: the pain-rules card, the first time a check-in holds or steps the plan back
  because of pain (during exercise, the next morning, or a worse week);
- the first days: one short card a day with the plan, for the first `FIRST_DAYS` local days
  after the knee check that started it (the PRICE phase gets "ice is comfort" on day 2).
Each card is handed out at most once a local day (logged in the task log as `card:<id>`, so a
second /plan the same day does not repeat it). Every card is always in /learn. No Telegram
here: conversations/learn.py renders the card with its sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from bot.clock import local_date
from bot.content import EducationCard, get_content
from bot.content.kinds import OutcomeKind, RuleId, Stage
from bot.services.checkins import gate_due
from bot.services.onboarding import has_consented
from bot.services.plan_state import load_state
from bot.services.tasks import is_done, mark_done
from bot.services.users import today_for
from bot.storage.models import Assessment, AssessmentStatus, CheckinRecord

FIRST_DAYS = 3
FIRST_DAYS_CARDS = ("what_is_runners_knee", "sitting_and_glutes", "meaningful_change")
FIRST_DAYS_CARDS_IN_PRICE = ("what_is_runners_knee", "ice_is_comfort", "meaningful_change")
PAIN_RULES_CARD = "pain_rules"
LOAD_CARD = "evidence_update"  # "managing load ... is treatment in its own right"
# Check-in decisions that hold or step back because of pain: the pain rules at work.
PAIN_RULE_DECISIONS = frozenset(
    {
        RuleId.ACTIVITY_PAIN_HOLD,
        RuleId.ACTIVITY_PAIN_TOO_MUCH,
        RuleId.MORNING_WORSE,
        RuleId.WORSE_WEEK_HOLD,
    }
)
# The knee-check outcomes that start a plan.
PLAN_OUTCOMES = frozenset({OutcomeKind.PRICE.value, OutcomeKind.PROGRAMME.value})
SHOWN_PREFIX = "card:"


class Moment(StrEnum):
    BEFORE_RUNNING = "before_running"
    PLAN_HOLDS = "plan_holds"
    FIRST_DAYS = "first_days"


@dataclass(frozen=True)
class Situation:
    """What the rules look at, on the runner's local today."""

    stage: Stage
    plan_day: int | None  # local days since the knee check that started the plan (0 = that day)
    holds_today: bool  # today's check-in held or stepped back because of pain
    held_before: bool  # an earlier check-in did
    gate_due: bool  # the return-to-running gate is asked today
    gate_asked_before: bool  # an earlier check-in answered it


@dataclass(frozen=True)
class DueCard:
    moment: Moment
    card_id: str


def choose_card(situation: Situation) -> DueCard | None:
    """The card today calls for, if any (none while the programme is paused)."""
    if situation.stage is Stage.REFERRED:
        return None
    if situation.gate_due and not situation.gate_asked_before:
        return DueCard(Moment.BEFORE_RUNNING, LOAD_CARD)
    if situation.holds_today and not situation.held_before:
        return DueCard(Moment.PLAN_HOLDS, PAIN_RULES_CARD)
    day = situation.plan_day
    if day is not None and 0 <= day < FIRST_DAYS:
        cards = FIRST_DAYS_CARDS_IN_PRICE if situation.stage is Stage.PRICE else FIRST_DAYS_CARDS
        return DueCard(Moment.FIRST_DAYS, cards[day])
    return None


def card(card_id: str) -> EducationCard | None:
    """A card by id (None when content no longer has it)."""
    return next((c for c in get_content().education if c.id == card_id), None)


def _plan_began(session: Session, user_id: int, zone: str) -> date | None:
    statement = (
        select(Assessment.finished_at)
        .where(
            Assessment.user_id == user_id,
            Assessment.status == AssessmentStatus.COMPLETE,
            col(Assessment.outcome).in_(PLAN_OUTCOMES),
        )
        .order_by(col(Assessment.finished_at))
    )
    finished = session.exec(statement).first()
    return local_date(finished, zone) if finished is not None else None


def situation(session: Session, user_id: int, today: date, zone: str) -> Situation | None:
    """What the rules need, read from the plan, the knee checks and the check-ins."""
    state = load_state(session, user_id)
    if state is None:
        return None
    statement = select(CheckinRecord).where(
        CheckinRecord.user_id == user_id,
        col(CheckinRecord.completed_at).is_not(None),
        CheckinRecord.local_date <= today,
    )
    checkins = list(session.exec(statement))
    earlier = [c for c in checkins if c.local_date < today]
    todays = next((c for c in checkins if c.local_date == today), None)
    began = _plan_began(session, user_id, zone)
    return Situation(
        stage=state.stage,
        plan_day=(today - began).days if began is not None else None,
        holds_today=todays is not None and todays.rule_id in PAIN_RULE_DECISIONS,
        held_before=any(c.rule_id in PAIN_RULE_DECISIONS for c in earlier),
        gate_due=gate_due(state, today),
        gate_asked_before=any(c.run_gate_passed is not None for c in earlier),
    )


def card_for_today(session: Session, user_id: int, now: datetime) -> EducationCard | None:
    """The card to show with today's plan or check-in result, once a local day; None when
    there is none (or it was shown already today)."""
    if not has_consented(session, user_id):
        return None
    today, zone = today_for(session, user_id, now)
    found = situation(session, user_id, today, zone)
    due = choose_card(found) if found is not None else None
    chosen = card(due.card_id) if due is not None else None
    if chosen is None or is_done(session, user_id, SHOWN_PREFIX + chosen.id, today):
        return None
    mark_done(session, user_id, SHOWN_PREFIX + chosen.id, today, now)
    return chosen

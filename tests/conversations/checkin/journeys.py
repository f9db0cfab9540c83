"""Check-in journeys shared by the check-in tests: a runner brought to a plan through the real
onboarding and knee check, then check-ins answered with taps and typed numbers."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import col, select

from bot.content.texts import get_texts
from bot.sandbox.fake_telegram.users import FakeUser
from bot.services import education
from bot.services.education import SHOWN_PREFIX
from bot.storage.db import Database
from bot.storage.models import CheckinRecord, Delivery, Referral, Reminder, TaskLog
from bot.storage.models.reminders import ReminderKind
from conversations.learn import card_text
from tests.conversations.journeys import TYPICAL, assess, onboard

# The knee check answers that start PRICE (a visibly swollen knee), and phase 1.
FLARED = {**TYPICAL, "flare": "swollen"}
PHASE1 = {**TYPICAL, "rest_pain": "4"}

# A settled day: low pain, exercises done inside the safe zone, no run.
GOOD_DAY = {
    "red_flags": "none",
    "pain_now": "1",
    "worst_pain_24h": "2",
    "activity_pain": "2",
    "morning": "same",
    "swelling": "no",
    "exercises_done": "yes",
    "running_minutes": "0",
}
ORDER = list(GOOD_DAY)


async def runner_with_plan(user: FakeUser, answers: Mapping[str, str] = FLARED) -> None:
    """Onboarding and the knee check, through the chat."""
    await onboard(user)
    await assess(user, dict(answers))


async def tap(user: FakeUser, question_id: str, value: str) -> None:
    """Tap the answer `value` to `question_id` on the newest message that shows it."""
    wanted = f"checkin:answer:{question_id}:{value}"
    for message in reversed(user.messages):
        for button in message.inline_buttons:
            if button.get("callback_data") == wanted:
                await user.press_data(wanted, message)
                return
    raise AssertionError(f"{wanted} not on screen; last message: {user.last_text!r}")


async def answer_all(user: FakeUser, answers: Mapping[str, str] = GOOD_DAY) -> None:
    """Answer the questions the check-in asks while `answers` has the one on screen; "about
    the same as last time?" is answered "Something changed" unless `answers` says otherwise,
    so every answer given is asked."""
    answers = {"steady": "no", **answers}
    for _ in range(len(answers) + 2):
        question_id = on_screen(user)
        if question_id is None or question_id not in answers:
            return
        await tap(user, question_id, answers[question_id])


def on_screen(user: FakeUser) -> str | None:
    """The id of the check-in question whose buttons are on screen, if any."""
    for button in user.last.inline_buttons:
        parts = str(button.get("callback_data", "")).split(":")
        if parts[:2] == ["checkin", "answer"]:
            return parts[2]
    return None


def _on_screen(user: FakeUser) -> str:
    return " ".join(str(b.get("callback_data")) for b in user.last.inline_buttons)


async def check_in(user: FakeUser, answers: Mapping[str, str] = GOOD_DAY) -> None:
    """/checkin and every answer."""
    await user.send("/checkin")
    await answer_all(user, answers)


def checkins(db: Database, user_id: int) -> list[CheckinRecord]:
    with db.session() as s:
        statement = select(CheckinRecord).where(CheckinRecord.user_id == user_id)
        return list(s.exec(statement.order_by(col(CheckinRecord.local_date))))


def referrals(db: Database, user_id: int) -> list[Referral]:
    with db.session() as s:
        return list(s.exec(select(Referral).where(Referral.user_id == user_id)))


def tasks_done(db: Database, user_id: int) -> list[tuple[str, str]]:
    """The tasks marked done (the education cards handed out share the log as `card:<id>`:
    see `cards_shown`)."""
    with db.session() as s:
        rows = s.exec(select(TaskLog).where(TaskLog.user_id == user_id))
        return sorted(
            (row.local_date.isoformat(), row.task_id)
            for row in rows
            if not row.task_id.startswith(SHOWN_PREFIX)
        )


def cards_shown(db: Database, user_id: int) -> list[tuple[str, str]]:
    """The education cards handed out on their own: (local date, card id)."""
    with db.session() as s:
        rows = s.exec(select(TaskLog).where(TaskLog.user_id == user_id))
        return sorted(
            (row.local_date.isoformat(), row.task_id.removeprefix(SHOWN_PREFIX))
            for row in rows
            if row.task_id.startswith(SHOWN_PREFIX)
        )


def card_message(card_id: str) -> str:
    """An education card as it is sent on its own, with its sources."""
    card = education.card(card_id)
    assert card is not None
    return card_text(card, get_texts())


def checkin_reminder(db: Database, user_id: int) -> Reminder:
    """The user's check-in reminder row (planned from their day and plan stage)."""
    with db.session() as s:
        statement = select(Reminder).where(
            Reminder.user_id == user_id, Reminder.kind == ReminderKind.CHECKIN
        )
        row = s.exec(statement).first()
    assert row is not None
    return row


def enabled_reminders(db: Database, user_id: int) -> list[str]:
    with db.session() as s:
        rows = s.exec(select(Reminder).where(Reminder.user_id == user_id, Reminder.enabled))
        return sorted(str(row.kind) for row in rows)


def callback_answers(user: FakeUser) -> list[str | None]:
    return [a.text for a in user.telegram.callback_answers]


def checkin_nudge_outcomes(db: Database, user_id: int) -> list[str]:
    """What became of each check-in nudge occurrence (sent, done, ...), oldest first."""
    with db.session() as s:
        statement = select(Delivery).where(
            Delivery.user_id == user_id, Delivery.kind == ReminderKind.CHECKIN
        )
        return [str(d.outcome) for d in s.exec(statement.order_by(col(Delivery.id)))]

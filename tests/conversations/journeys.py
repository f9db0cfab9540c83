"""User journeys shared by the conversation tests: onboarding and the knee check, driven
through the fake Bot API like a person would (taps and typed text)."""

from __future__ import annotations

from sqlmodel import select

from bot.content import get_content
from bot.sandbox.fake_telegram.server import BotMessage
from bot.sandbox.fake_telegram.users import FakeUser
from bot.storage.models import (
    Assessment,
    AssessmentStatus,
    ConversationState,
    PlanStateRecord,
    Referral,
)

# A runner with gradual pain around the kneecap, no red flags, no flare: what they are asked.
TYPICAL = {
    "urgent_signs": "no",
    "typical": "yes",
    "rest_pain": "2",
    "flare": "no",
    "running_pain": "3",
}
# The same runner taking the long way: every sign question, and the picture piece by piece.
DETAILED = {
    "urgent_signs": "yes",
    "emergency_knee": "none",
    "emergency_body": "none",
    "clinician_signs": "none",
    "course": "new_or_improving",
    "typical": "no",
    "onset": "gradual",
    "location": "kneecap",
    "aggravating": "squat_stairs",
    "rest_pain": "2",
    "flare": "no",
    "running_pain": "3",
}
# What the knee check stores for TYPICAL: the gates' implied answers included.
TYPICAL_STORED = {
    **TYPICAL,
    "emergency_knee": "none",
    "emergency_body": "none",
    "clinician_signs": "none",
    "course": "new_or_improving",
    "onset": "gradual",
    "location": "kneecap",
    "aggravating": "typical",
}
# Every knee-check question after onboarding (age is asked there), in content order.
ASKED = [q.id for q in get_content().assessment if q.id != "age"]


async def onboard(user: FakeUser, *, zone: str = "London", age_label: str = "18-39") -> None:
    """/start through to the offer of the knee check."""
    await user.send("/start")
    await user.press("I agree")
    await user.press(age_label)
    await user.send(zone)
    await user.press("Yes, that's right")
    await user.press("07:00-23:00")


def plan_shown(user: FakeUser) -> BotMessage:
    """The newest plan message, today's or yesterday's: once a day an education card follows it."""
    return next(
        m for m in reversed(user.messages) if (m.text or "").startswith(("Today", "Yesterday"))
    )


def on_screen(user: FakeUser) -> str | None:
    """The id of the knee-check question whose buttons are on screen, if any."""
    for message in reversed(user.messages):
        for button in message.inline_buttons:
            parts = str(button.get("callback_data", "")).split(":")
            if parts[:2] == ["assess", "answer"]:
                return parts[2]
    return None


async def answer(user: FakeUser, question_id: str, value: str) -> None:
    """Tap the button for `value` on the newest message that shows it."""
    wanted = f"assess:answer:{question_id}:{value}"
    for message in reversed(user.messages):
        for button in message.inline_buttons:
            if button.get("callback_data") == wanted:
                await user.press(str(button["text"]), message)
                return
    raise AssertionError(f"{wanted} not on screen; last message: {user.last_text!r}")


async def assess(user: FakeUser, answers: dict[str, str], *, start: bool = True) -> None:
    """Answer the questions as they are asked, while `answers` has the one on screen."""
    if start:
        await user.press("Start the knee check")
    for _ in range(len(ASKED) + 1):
        question_id = on_screen(user)
        if question_id is None or question_id not in answers:
            return
        await answer(user, question_id, answers[question_id])


def assessments(db, user_id: int) -> list[Assessment]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return list(s.exec(select(Assessment).where(Assessment.user_id == user_id)))


def current(db, user_id: int) -> Assessment | None:  # type: ignore[no-untyped-def]
    rows = [a for a in assessments(db, user_id) if a.status == AssessmentStatus.IN_PROGRESS]
    return rows[-1] if rows else None


def plan_state(db, user_id: int) -> PlanStateRecord | None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return s.get(PlanStateRecord, user_id)


def referrals(db, user_id: int) -> list[Referral]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return list(s.exec(select(Referral).where(Referral.user_id == user_id)))


def conversation_state(db, name: str, user_id: int) -> str | None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        row = s.get(ConversationState, (name, f"[{user_id}, {user_id}]"))
        return row.state if row is not None else None

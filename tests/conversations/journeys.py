"""User journeys shared by the conversation tests: onboarding and the knee check, driven
through the fake Bot API like a person would (taps and typed text)."""

from __future__ import annotations

from sqlmodel import select

from bot.content import get_content
from bot.sandbox.fake_telegram.users import FakeUser
from bot.storage.models import (
    Assessment,
    AssessmentStatus,
    ConversationState,
    PlanStateRecord,
    Referral,
)

# A runner with gradual pain around the kneecap, no red flags, no flare.
TYPICAL = {
    "injury": "no",
    "emergency_knee": "none",
    "emergency_body": "none",
    "clinician_signs": "none",
    "course": "new_or_improving",
    "location": "kneecap",
    "onset": "gradual",
    "aggravating": "squat_stairs",
    "rest_pain": "2",
    "swelling": "no",
    "recent_flare": "no",
    "running_now": "reduced",
    "running_pain": "3",
}
# Questions asked after onboarding (age is asked there).
ASKED = [q.id for q in get_content().assessment if q.id != "age"]


async def onboard(user: FakeUser, *, zone: str = "London", age_label: str = "18-39") -> None:
    """/start through to the offer of the knee check."""
    await user.send("/start")
    await user.press("I agree")
    await user.press(age_label)
    await user.send(zone)
    await user.press("Yes, that's right")
    await user.press("07:00")
    await user.press("23:00")
    await user.press("18:00")


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
    """Answer the given questions in the order they are asked (skipping the others)."""
    if start:
        await user.press("Start the knee check")
    for question_id in ASKED:
        if question_id not in answers:
            continue
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

"""The drills screen's answer, stored on the profile (issue 9 item 9).

conversations/drills_screen.py records the runner's choice here; the day's plan reads
`drills_opted_in` so barefoot strides and ladder drills appear only after an opt-in.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.coaching.drills import DrillsChoice
from bot.storage.models import Profile


def drills_opted_in(session: Session, user_id: int) -> bool:
    """Whether the runner opted in to barefoot strides and ladder drills."""
    profile = session.get(Profile, user_id)
    return profile is not None and profile.drills_choice == DrillsChoice.OPTED_IN.value


def drills_offer_due(session: Session, user_id: int, unlocked: bool) -> bool:
    """Whether /plan should offer the screen: the drills are unlocked and it was never answered."""
    profile = session.get(Profile, user_id)
    return unlocked and profile is not None and profile.drills_choice is None


def record_drills_choice(
    session: Session, user_id: int, choice: DrillsChoice, now: datetime
) -> bool:
    """Store the answer; False when there is no profile (no consent yet, nothing stored)."""
    profile = session.get(Profile, user_id)
    if profile is None or profile.consented_at is None:
        return False
    profile.drills_choice = choice.value
    profile.updated_at = now
    session.add(profile)
    return True

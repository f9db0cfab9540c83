"""Storing and finding the people who talk to the bot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.clock import local_date
from bot.services.reminders.planner import replan_reminders, stop_reminders
from bot.storage.models import User


@dataclass(frozen=True)
class TelegramPerson:
    """The bits of a Telegram user we keep (no username, no phone)."""

    id: int
    first_name: str
    language_code: str | None


def ensure_user(session: Session, person: TelegramPerson, now: datetime) -> tuple[User, bool]:
    """Return the stored user, creating them on first contact; (user, created).

    Idempotent: /start twice leaves one row. A returning user who had blocked the bot is
    active again, because talking to us means they unblocked it.
    """
    user = session.get(User, person.id)
    if user is None:
        user = User(
            id=person.id,
            first_name=person.first_name[:128],
            language_code=person.language_code,
            created_at=now,
        )
        session.add(user)
        session.flush()
        return user, True
    user.first_name = person.first_name[:128]
    user.language_code = person.language_code
    session.add(user)
    if not user.is_active:
        set_blocked(session, user.id, False, now)
    return user, False


def set_blocked(session: Session, user_id: int, blocked: bool, now: datetime) -> None:
    """Record that the user blocked (or unblocked, or came back to) the bot.

    Blocking unschedules their reminders; coming back plans them again from `now`. Every
    path (a 403 when sending, a my_chat_member update, /start after a block) comes here.
    Unknown users are ignored.
    """
    user = session.get(User, user_id)
    if user is None:
        return
    was_active = user.is_active
    user.is_active = not blocked
    user.blocked_at = now if blocked else None
    session.add(user)
    if blocked:
        stop_reminders(session, user_id, now)
    elif not was_active:
        replan_reminders(session, user_id, now)


def today_for(session: Session, user_id: int, now: datetime) -> tuple[date, str]:
    """The user's local date and zone (UTC until they choose one)."""
    user = session.get(User, user_id)
    zone = (user.time_zone if user is not None else None) or "UTC"
    return local_date(now, zone), zone

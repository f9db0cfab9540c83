"""Helpers for the reminder tests: a runner set up straight in the database (as onboarding and
the assessment leave them), and the dispatcher of the running bot."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time

import pytest
from sqlmodel import select

from bot.clock import local_date
from bot.coaching.progression import PlanState
from bot.content import get_content
from bot.content.kinds import Stage
from bot.sandbox.fake_telegram.harness import BotHarness
from bot.sandbox.fake_telegram.server import BotMessage
from bot.services.plan_state import load_state
from bot.services.plans import change_plan
from bot.services.reminders.dispatcher import Dispatcher
from bot.storage.db import Database
from bot.storage.models import Delivery, Profile, Reminder, User
from bot.telegram.jobs import dispatcher_in


def make_runner(
    db: Database,
    user_id: int,
    now: datetime,
    *,
    zone: str = "Europe/London",
    stage: str = "price",
    wake: time = time(7, 0),
    sleep: time = time(23, 0),
    exercise: time = time(18, 0),
    cap: int = 5,
    weekly_summary: bool = False,
    kujala: bool = False,
) -> None:
    """A consented runner with a day, a time zone and a plan stage (reminders get planned).
    The weekly summary and the fortnightly knee-score nudge are off unless asked for, so the
    daily kinds are counted on their own."""
    with db.session() as s:
        s.add(User(id=user_id, first_name="Runner", time_zone=zone, created_at=now))
        s.flush()
        s.add(
            Profile(
                user_id=user_id,
                consented_at=now,
                wake_time=wake,
                sleep_time=sleep,
                exercise_time=exercise,
                daily_nudge_cap=cap,
                weekly_summary_enabled=weekly_summary,
                kujala_enabled=kujala,
                updated_at=now,
            )
        )
        s.flush()
        change_plan(s, user_id, PlanState(stage=Stage(stage), stage_since=now.date()), now)


def finish_onboarding(db: Database, user_id: int) -> None:
    """Onboarding's last answer (the age band), so the /settings use cases apply."""
    with db.session() as s:
        profile = s.get(Profile, user_id)
        assert profile is not None
        profile.age_band = "18_39"
        s.add(profile)


def set_stage(db: Database, user_id: int, stage: str, now: datetime) -> None:
    with db.session() as s:
        current = load_state(s, user_id)
        assert current is not None
        change_plan(s, user_id, dataclasses.replace(current, stage=Stage(stage)), now)


def reminders_of(db: Database, user_id: int) -> list[Reminder]:
    with db.session() as s:
        return list(
            s.exec(
                select(Reminder).where(Reminder.user_id == user_id).order_by(Reminder.kind)
            ).all()
        )


def the_reminder(db: Database, user_id: int, kind: str) -> Reminder:
    """The user's one reminder of `kind`."""
    (row,) = [r for r in reminders_of(db, user_id) if r.kind == kind]
    return row


def deliveries_of(db: Database, user_id: int) -> list[Delivery]:
    with db.session() as s:
        return list(s.exec(select(Delivery).where(Delivery.user_id == user_id)).all())


def nudges(harness: BotHarness, user_id: int) -> list[BotMessage]:
    """Nudges in the chat (in their latest version: buttons go once one is pressed)."""
    nudge_texts = get_content().messages.nudges.model_dump().values()
    texts = [text for variants in nudge_texts for text in variants]
    return [
        m
        for m in harness.telegram.messages_in(user_id)
        if any((m.text or "").startswith(t) for t in texts)
    ]


def nudge_kind(message: BotMessage) -> str:
    """Which kind of nudge a message is, by looking its words up in the content (a pressed
    nudge keeps its words and gets the reply added below them)."""
    words = (message.text or "").split("\n\n")[0]
    for kind, variants in get_content().messages.nudges.model_dump().items():
        if words in variants:
            return str(kind)
    raise AssertionError(f"not a nudge: {message.text!r}")


def local_day(instant: datetime, zone: str) -> date:
    return local_date(instant, zone)


@pytest.fixture
def dispatcher(harness: BotHarness) -> Dispatcher:
    return dispatcher_in(harness.app.bot_data)

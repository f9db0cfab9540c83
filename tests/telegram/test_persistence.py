"""Persistence reads a user's conversation and `user_data` when their update arrives, not all at
start, and writes only what changed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert

from bot.sandbox.fake_telegram.harness import BotHarness
from bot.storage.db import Database
from bot.storage.models import ConversationState, UserData
from tests.support.statements import statements_on

STORED_USERS = 300


def writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().split(" ", 1)[0].upper() != "SELECT"]


def store_many_users(db: Database, count: int) -> None:
    """`count` people with a conversation in progress and some `user_data`, as a busy bot
    leaves them."""
    now = datetime(2026, 3, 1, tzinfo=UTC)
    ids = range(900_000, 900_000 + count)
    with db.session() as session:
        session.execute(
            insert(UserData), [{"user_id": i, "data": {"draft": i}, "updated_at": now} for i in ids]
        )
        session.execute(
            insert(ConversationState),
            [
                {
                    "name": "onboarding",
                    "key": f"[{i}, {i}]",
                    "state": "AGE",
                    "user_id": i,
                    "updated_at": now,
                }
                for i in ids
            ],
        )


async def test_a_start_with_many_stored_users_reads_none_of_them(
    harness: BotHarness, db: Database
) -> None:
    store_many_users(db, STORED_USERS)
    await harness.stop()
    with statements_on(db, "user_data", "conversation_states") as seen:
        await harness.start()
    assert seen == []
    assert len(harness.app.user_data) == 0


async def test_a_user_is_read_once_when_their_first_update_arrives(
    harness: BotHarness, db: Database
) -> None:
    store_many_users(db, 3)
    await harness.restart()
    user = harness.user(900_001)
    with statements_on(db, "user_data", "conversation_states") as seen:
        await user.send("/help")
        await user.send("/help")
    reads = [s for s in seen if s not in writes(seen)]
    assert len(reads) == 2  # their user_data and their conversations, once
    assert harness.app.user_data[900_001] == {"draft": 900_001}
    assert 900_000 not in harness.app.user_data  # nobody else was read


async def test_an_update_that_changes_nothing_writes_nothing(
    harness: BotHarness, db: Database
) -> None:
    store_many_users(db, 1)  # someone with user_data and a conversation, from before
    await harness.restart()
    user = harness.user(900_000)
    with statements_on(db, "user_data", "conversation_states") as seen:
        await user.send("/help")
        await user.send("/help")
    assert writes(seen) == []

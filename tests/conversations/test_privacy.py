"""/privacy, /export and /delete, through the real bot and the fake Bot API.

Two runners go through everything the bot can store (onboarding, the knee check, a check-in, a
task done, a day of nudges, a referral, a knee check left half-way). Whose rows are whose is
found without the product's help (tests/support/rows.py), so the export and the deletion are
checked against every table of the schema, and a new table fails these tests until the
journey stores something in it.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from sqlmodel import SQLModel

from bot.content.texts import get_texts
from bot.sandbox.fake_telegram.harness import BotHarness
from bot.sandbox.fake_telegram.server import BotMessage
from bot.sandbox.fake_telegram.users import FakeUser
from bot.storage.db import Database
from bot.telegram.jobs import replay
from tests.conversations.checkin.journeys import check_in
from tests.conversations.journeys import TYPICAL, answer, assess, onboard
from tests.support.rows import holds_nothing, rows_of

# Ids no message id, row id or time can be mistaken for (both over 32 bits, as Telegram's are).
ALEX, BEA = 7_000_000_001, 8_000_000_002


def now_shows(user: FakeUser, message: BotMessage) -> str:
    """The text of `message` as it is now (answers to the ask replace it)."""
    return next(m.text or "" for m in user.messages if m.message_id == message.message_id)


def documents(user: FakeUser) -> dict[str, BotMessage]:
    return {m.document_name or "": m for m in user.messages if m.document is not None}


async def everything_stored(harness: BotHarness, db: Database, user: FakeUser) -> None:
    """A runner who has used every part of the bot (then `/assess` leaves a conversation
    state: commands other than /cancel wait until a flow is finished, so it comes last)."""
    await onboard(user)
    # No flow keeps user_data today; a value is put where a flow would, so it is covered too.
    harness.app.user_data[user.user_id]["note"] = "scratch"
    await assess(user, TYPICAL)
    await user.press("Hamstring stretch on a step")
    await user.press("Done ✓")
    await check_in(user)
    await user.send("/kujala")  # a knee score begun: its run is kept
    await user.send("/cancel")
    start = harness.clock.now()
    await replay(harness.app, start, start + timedelta(hours=14), timedelta(minutes=5))  # nudges
    await user.send("my knee locked and won't straighten")  # a red flag: a referral


async def two_runners(harness: BotHarness, db: Database) -> tuple[FakeUser, FakeUser]:
    alex, bea = harness.user(ALEX, "Alex"), harness.user(BEA, "Beatrix")
    await everything_stored(harness, db, alex)
    await everything_stored(harness, db, bea)
    await bea.send("/assess")  # Bea is half-way through a knee check
    return alex, bea


async def test_privacy_says_what_is_kept_why_for_how_long_who_sees_it_and_how_to_leave(harness):
    user = harness.user(ALEX)
    await user.send("/privacy")
    text = user.last_text
    for words in ("What I keep", "Why", "180 days", "Who can see it", "/export", "/delete"):
        assert words in text
    await user.send("/help")
    assert all(f"/{c}" in user.last_text for c in ("privacy", "export", "delete"))


async def test_every_table_of_the_schema_is_reached_by_the_journey(harness, db):
    alex, _bea = await two_runners(harness, db)
    await alex.send("/assess")
    empty = [table for table, rows in rows_of(db, ALEX).items() if not rows]
    assert not empty, f"extend everything_stored() so the runner has rows in {empty}"


async def test_export_holds_exactly_the_users_data_and_none_of_anothers(harness, db):
    alex, _bea = await two_runners(harness, db)
    held = rows_of(db, ALEX)
    await alex.send("/export")

    files = documents(alex)
    assert set(files) == {"knee-coach-data.json", "knee-coach-checkins.csv"}
    exported = json.loads(files["knee-coach-data.json"].document or b"")
    assert exported["user_id"] == ALEX
    assert set(exported["tables"]) == {t.name for t in SQLModel.metadata.sorted_tables}
    for table, rows in held.items():
        assert len(exported["tables"][table]) == len(rows), table
    raw = b"".join(m.document or b"" for m in files.values()).decode()
    assert str(BEA) not in raw
    assert "Beatrix" not in raw
    assert exported["tables"]["users"][0]["first_name"] == "Alex"

    checkins = list(csv.DictReader(io.StringIO(files["knee-coach-checkins.csv"].document.decode())))  # type: ignore[union-attr]
    assert [(r["local_date"], r["pain_now"], r["exercises_done"]) for r in checkins] == [
        ("2026-03-04", "1", "yes")
    ]


async def test_export_with_nothing_stored_says_so(harness):
    user = harness.user(ALEX)
    await user.send("/export")
    assert "nothing to export" in user.last_text
    assert not documents(user)


async def test_delete_leaves_nothing_of_the_user_in_any_table_and_everything_of_another(
    harness, db
):
    alex, _bea = await two_runners(harness, db)
    await alex.send("/delete")
    ask = alex.last
    assert ask.button_labels == ["Delete everything", "Keep my data"]
    assert "withdrawn" in ask.text  # type: ignore[operator]
    await alex.send("/assess")  # a flow in progress when the ask is tapped
    assert all(rows_of(db, ALEX).values())
    beas_rows = rows_of(db, BEA)

    await alex.press("Delete everything", ask)

    assert "everything I kept about you is deleted" in now_shows(alex, ask)
    assert holds_nothing(db, ALEX)
    assert rows_of(db, BEA) == beas_rows
    await harness.restart()  # nothing held in memory was written back either
    assert holds_nothing(db, ALEX)


async def test_after_delete_the_flow_in_progress_is_gone_and_start_asks_consent_again(harness, db):
    alex = harness.user(ALEX)
    await onboard(alex)
    await alex.send("/delete")
    ask = alex.last
    await alex.send("/assess")  # a flow in progress when the old ask is tapped
    await alex.press("Delete everything", ask)
    assert holds_nothing(db, ALEX)

    await alex.send("hello")  # the knee check no longer waits for an answer
    assert "I didn't catch that" in alex.last_text
    await alex.send("/start")
    assert alex.last.button_labels == ["I agree", "Not now"]


async def test_keep_my_data_deletes_nothing(harness, db):
    alex = harness.user(ALEX)
    await onboard(alex)
    before = rows_of(db, ALEX)
    await alex.send("/delete")
    await alex.press("Keep my data")
    assert "Nothing deleted" in alex.last_text
    assert alex.last.button_labels == []
    assert rows_of(db, ALEX) == before


async def test_a_malformed_delete_press_is_a_stale_button_and_deletes_nothing(harness, db):
    alex = harness.user(ALEX)
    await onboard(alex)
    before = rows_of(db, ALEX)
    await alex.press_data("delete:confirm:%%")
    answers = list(harness.telegram.callback_answers)
    assert answers[-1].text == get_texts().ui.stale_button
    assert len(answers) == len({a.callback_query_id for a in answers})  # answered once
    assert rows_of(db, ALEX) == before


async def test_privacy_and_export_answer_mid_flow_and_the_flow_carries_on(harness):
    alex = harness.user(ALEX)
    await alex.send("/start")  # asked for consent: the moment to read /privacy
    await alex.send("/privacy")
    assert "What I keep" in alex.last_text
    await alex.press("I agree")
    assert "How old are you?" in alex.last_text

    bea = harness.user(BEA, "Beatrix")
    await onboard(bea)
    await bea.send("/assess")
    await bea.send("/export")
    assert set(documents(bea)) == {"knee-coach-data.json", "knee-coach-checkins.csv"}
    await answer(bea, "urgent_signs", "no")  # the knee check goes on where it was
    assert "Question 2 of" in bea.last_text

"""Fuzzed updates through the real Application: whatever arrives, nothing breaks.

Hypothesis sends runs of updates of every kind - commands and free text (any Unicode), button
presses on what is on screen and arbitrary callback data, edits, stickers, photos, voice,
locations, group messages, channel posts and their edits, block and unblock - from a few people
whose state carries over between examples, so the flows are entered, left and re-entered in
orders no scripted test takes. After each update: no error reached the error handler, every
private message and edit was answered, every press was answered; after each run, the stored
state is consistent.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, text
from sqlmodel import select

from bot.content.texts import get_texts
from bot.sandbox.fake_telegram.harness import BotHarness
from bot.sandbox.fake_telegram.users import FakeUser
from bot.storage.models import Assessment
from bot.storage.models.assessment import AssessmentStatus

pytestmark = pytest.mark.slow

PEOPLE = (8101, 8102, 8103)
GROUP, CHANNEL = -100_8100, -100_8200
COMMANDS = ["/" + c.command for c in get_texts().ui.commands] + ["/stats", "/nonsense"]
TYPICAL = ["7", "yes", "no", "London", "07:00", "23:00", "a bit", "my chest hurts", "0", "11"]
CALLBACK_PREFIXES = ["assess:", "checkin:", "kujala:", "onboard:", "plan:", "nudge:", "privacy:"]

texts = st.one_of(
    st.sampled_from(COMMANDS),
    st.sampled_from(TYPICAL),
    st.text(min_size=1, max_size=200).filter(lambda t: t.strip() != ""),
    st.builds(lambda c, rest: f"{c} {rest}", st.sampled_from(COMMANDS), st.text(max_size=40)),
)
callback_data = st.one_of(
    st.builds(lambda p, rest: p + rest, st.sampled_from(CALLBACK_PREFIXES), st.text(max_size=20)),
    st.text(min_size=1, max_size=30),
).filter(lambda d: 0 < len(d.encode()) <= 64)
person = st.sampled_from(PEOPLE)
actions = st.one_of(
    st.tuples(st.just("text"), person, texts),
    st.tuples(st.just("tap"), person, st.integers(0, 20)),  # a button on screen
    st.tuples(st.just("tap"), person, st.integers(0, 20)),  # (twice as likely: flows go deep)
    st.tuples(st.just("data"), person, callback_data),  # any data on the newest message
    st.tuples(st.just("edit"), person, texts),
    st.tuples(st.just("media"), person, st.sampled_from(["sticker", "photo", "voice", "place"])),
    st.tuples(st.just("group"), person, texts),
    st.tuples(st.just("channel"), st.just(0), texts),
    st.tuples(st.just("block"), person, st.just("")),
)

_update_ids = itertools.count(1)


class Answers:
    """Bot API calls per chat and answered presses, recorded as the fake handles them."""

    def __init__(self, harness: BotHarness) -> None:
        self.to_chat: dict[int, int] = {}
        self.presses_answered = 0
        self._telegram = harness.telegram
        handle = self._handle = harness.telegram.handle

        def recording(method: str, params: Any, files: Any) -> tuple[int, Any]:
            if "chat_id" in params:
                chat = int(params["chat_id"])
                self.to_chat[chat] = self.to_chat.get(chat, 0) + 1
            if method == "answerCallbackQuery":
                self.presses_answered += 1
            return handle(method, params, files)

        harness.telegram.handle = recording  # type: ignore[method-assign]

    def restore(self) -> None:
        self._telegram.handle = self._handle  # type: ignore[method-assign]

    def count(self, chat: int) -> int:
        return self.to_chat.get(chat, 0)


def _channel_post(text_: str, edited: bool) -> dict[str, Any]:
    post: dict[str, Any] = {
        "message_id": next(_update_ids),
        "date": 0,
        "chat": {"id": CHANNEL, "type": "channel", "title": "club news"},
        "text": text_,
    }
    if edited:
        post["edit_date"] = 1
    key = "edited_channel_post" if edited else "channel_post"
    return {"update_id": 10_000_000 + next(_update_ids), key: post}


async def _act(harness: BotHarness, answers: Answers, action: tuple[str, int, Any]) -> None:
    kind, uid, arg = action
    user = harness.user(uid, f"Runner{uid}")
    before, presses = answers.count(uid), answers.presses_answered
    if kind == "text":
        await user.send(arg)
    elif kind == "tap":
        shown = [m for m in user.messages if m.inline_buttons]
        if not shown:
            await user.send("/start")
        else:
            message = shown[-1]
            buttons = [b for b in message.inline_buttons if "callback_data" in b]
            if not buttons:
                return
            await user.press_data(str(buttons[arg % len(buttons)]["callback_data"]), message)
            assert answers.presses_answered > presses, "a press was never answered"
            return  # the answer to a press may be only that (a stale button's note)
    elif kind == "data":
        if not user.messages:
            await user.send("/help")
        else:
            await user.press_data(arg, user.messages[-1])
            assert answers.presses_answered > presses, "a press was never answered"
            return  # the answer to a press may be only that (a stale button's note)
    elif kind == "edit":
        await user.edit(1, arg)
    elif kind == "media":
        if arg == "place":
            await user.share_location(51.5, -0.12)
        else:
            await getattr(user, f"send_{arg}")()
    elif kind == "group":
        member = FakeUser(harness.telegram, harness.deliver, uid, "Runner", chat_id=GROUP)
        member.chat_type = "group"
        await member.send(arg)
        return  # a group gets one line at most, or nothing: not required
    elif kind == "channel":
        await harness.deliver(_channel_post(arg, edited=False))
        await harness.deliver(_channel_post(arg, edited=True))
        return
    elif kind == "block":
        await user.block()
        await user.unblock()
        return
    assert answers.count(uid) > before, f"a private {kind} got no answer"


def _state_is_consistent(harness: BotHarness) -> None:
    with harness.db.session() as session:
        running = session.exec(
            select(Assessment.user_id, func.count())
            .where(Assessment.status == AssessmentStatus.IN_PROGRESS)
            .group_by(Assessment.user_id)
        ).all()
        assert all(count <= 1 for _uid, count in running), running
        if harness.db.dialect == "sqlite":
            assert session.exec(text("PRAGMA foreign_key_check")).all() == []  # type: ignore[call-overload]
            assert session.exec(text("PRAGMA integrity_check")).one()[0] == "ok"  # type: ignore[call-overload]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(run=st.lists(actions, min_size=1, max_size=25))
async def test_fuzzed_updates_are_all_answered_and_break_nothing(
    harness: BotHarness, caplog: pytest.LogCaptureFixture, run: list[tuple[str, int, Any]]
) -> None:
    answers = Answers(harness)
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        try:
            for action in run:
                await _act(harness, answers, action)
                errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
                assert errors == [], f"{action[0]}: {[r.getMessage() for r in errors]}"
        finally:
            answers.restore()
    _state_is_consistent(harness)

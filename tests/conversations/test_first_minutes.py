"""The first minutes, measured: a typical runner from /start to their first plan, counting what
they do (presses and typed messages) and what they read on the way (the words of every bot
message before the plan; the plan itself - the conclusion and today's tasks - is printed too).

Before issue 10: 22 inputs and 593 words before the plan (852 with it)."""

from __future__ import annotations

import re

from bot.sandbox.fake_telegram.server import BotMessage
from bot.sandbox.fake_telegram.users import FakeUser
from tests.conversations.journeys import TYPICAL, assess, onboard, plan_state

MAX_INPUTS = 12
MAX_WORDS = 350
_WORD = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")


class Counting(FakeUser):
    """A user who counts their presses and typed messages, and remembers how many messages
    they had before the latest one."""

    inputs = 0
    before_last_input = 0

    async def send(self, text: str) -> None:
        self._count()
        await super().send(text)

    async def press(self, label: str, message: BotMessage | None = None) -> None:
        self._count()
        await super().press(label, message)

    def _count(self) -> None:
        self.inputs += 1
        self.before_last_input = len(self.messages)


def words(text: str) -> int:
    return len(_WORD.findall(text))


async def test_a_typical_runner_reaches_a_plan_in_12_inputs_reading_under_350_words(harness, db):
    plain = harness.user(4100, first_name="Sam")
    user = Counting(plain.telegram, plain._deliver, plain.user_id, first_name="Sam")

    await onboard(user)
    await assess(user, TYPICAL)

    assert plan_state(db, user.user_id) is not None, user.last_text
    assert "not a doctor" in user.messages[0].text  # the coach-not-doctor line stays
    assert "Is that OK?" in user.messages[0].text  # and so does consent
    texts = [m.text or "" for m in user.messages]
    on_the_way, plan = texts[: user.before_last_input], texts[user.before_last_input :]
    assert any("Today" in text for text in plan)  # the last answer brought the plan
    read = sum(words(t) for t in on_the_way)
    print(f"\nfirst plan after {user.inputs} inputs and {len(on_the_way)} messages, {read} words")
    print(f"(the plan itself: {len(plan)} messages, {sum(words(t) for t in plan)} words)")
    for text in texts:
        print(f"  {words(text):4d}  {text[:70]!r}")
    assert user.inputs <= MAX_INPUTS
    assert read <= MAX_WORDS

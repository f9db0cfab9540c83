"""Different people's updates are handled side by side, each person's strictly in order -
through the real Application's update queue (the path polling and webhooks use), with the fake
Bot API taking its time to answer as Telegram does."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot import metrics
from bot.content.texts import get_texts
from bot.sandbox.fake_telegram.users import FakeUser
from bot.telegram.update_processor import (
    MAX_BACKLOG_PER_SENDER,
    PerUserUpdateProcessor,
    sender_key,
)

USERS = range(901, 911)


async def test_people_are_served_side_by_side_and_each_in_order(harness):
    app = harness.app
    assert isinstance(app.update_processor, PerUserUpdateProcessor)
    harness.telegram.latency = 0.02  # every Bot API call waits, as on the real network

    async def enqueue(data: dict[str, Any]) -> None:
        await app.update_queue.put(Update.de_json(data, app.bot))

    people = [FakeUser(harness.telegram, enqueue, uid, f"Runner{uid}") for uid in USERS]
    for person in people:
        await person.send("/start")
        await person.send("/help")
    await app.update_queue.join()

    sent = [
        (call.params["chat_id"], call.params["text"])
        for call in harness.telegram.calls_of("sendMessage")
    ]
    for uid in USERS:
        theirs = [text for chat, text in sent if chat == uid]
        assert len(theirs) == 2
        assert f"Runner{uid}" in theirs[0]  # the greeting to /start ...
        assert "/help" not in theirs[0]
        assert "Here is what I can do" in theirs[1]  # ... before the answer to /help
    # Nobody waited for everyone before them: replies to different people interleave.
    first_reply_to_last = next(i for i, (chat, _) in enumerate(sent) if chat == USERS[-1])
    last_reply_to_first = max(i for i, (chat, _) in enumerate(sent) if chat == USERS[0])
    assert first_reply_to_last < last_reply_to_first


def test_an_update_belongs_to_its_sender_else_its_chat(harness):
    bot = harness.app.bot
    from_user = Update.de_json(
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": -5, "type": "group", "title": "club"},
                "from": {"id": 7, "is_bot": False, "first_name": "A"},
                "text": "hi",
            },
        },
        bot,
    )
    channel_post = Update.de_json(
        {
            "update_id": 2,
            "channel_post": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": -100, "type": "channel", "title": "news"},
                "text": "hi",
            },
        },
        bot,
    )
    assert sender_key(from_user) == 7
    assert sender_key(channel_post) == -100
    assert sender_key(object()) is None


def _queue_sender(app: Any) -> Any:
    async def enqueue(data: dict[str, Any]) -> None:
        await app.update_queue.put(Update.de_json(data, app.bot))

    return enqueue


async def test_a_flood_is_answered_once_with_slow_down_and_never_delays_anyone_else(harness):
    app = harness.app
    harness.telegram.latency = 0.01  # replies take their time, so the flood queues up
    enqueue = _queue_sender(app)
    flooder = FakeUser(harness.telegram, enqueue, 950, "Flood")
    other = FakeUser(harness.telegram, enqueue, 951, "Calm")
    slow_down = get_texts().ui.slow_down
    skipped_before = metrics.REGISTRY.get_sample_value("knee_coach_updates_skipped_total") or 0

    for _ in range(100):  # a burst: all queued before the bot handles the first
        await flooder.send("/help")
    await other.send("/help")
    await app.update_queue.join()

    theirs = [m.text for m in flooder.messages]
    assert theirs.count(slow_down) == 1
    answered = [text for text in theirs if text != slow_down]
    assert 1 <= len(answered) <= 1 + MAX_BACKLOG_PER_SENDER  # not 100 replies
    assert all("Here is what I can do" in text for text in answered)
    assert len(other.messages) == 1
    assert "Here is what I can do" in other.last_text
    # The other person did not wait for the flood's backlog: answered before its last reply.
    order = [call.params["chat_id"] for call in harness.telegram.calls_of("sendMessage")]
    assert order.index(other.user_id) < len(order) - 1 - order[::-1].index(flooder.user_id)
    assert app.update_processor.skipped == 100 - len(answered)
    skipped = metrics.REGISTRY.get_sample_value("knee_coach_updates_skipped_total")
    assert skipped == skipped_before + 100 - len(answered)  # an operator sees floods on /metrics

    # Once the backlog has drained, the same person is answered as usual, and not told again.
    await flooder.send("/help")
    await app.update_queue.join()
    assert "Here is what I can do" in flooder.last_text
    assert [m.text for m in flooder.messages].count(slow_down) == 1


async def test_someone_typing_at_a_human_pace_is_never_told_to_slow_down(harness):
    app = harness.app
    enqueue = _queue_sender(app)
    person = FakeUser(harness.telegram, enqueue, 952, "Steady")
    for _ in range(30):
        await person.send("/help")
        await app.update_queue.join()  # each answered before the next is typed
    texts = [m.text for m in person.messages]
    assert len(texts) == 30
    assert get_texts().ui.slow_down not in texts

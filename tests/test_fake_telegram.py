"""The fake Bot API refuses what Telegram refuses, in Telegram's words, and paces when asked.

Most tests call `FakeTelegram.handle` and compare the whole answer with what the Bot API
sends; a few go through python-telegram-bot's `Bot` to show the bot sees the same exception it
would on real Telegram.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, RetryAfter

from bot.sandbox.fake_telegram.limits import CALLBACK_DATA_LIMIT, parse_text
from bot.sandbox.fake_telegram.pacing import Pacing
from bot.sandbox.fake_telegram.request import FakeRequest
from bot.sandbox.fake_telegram.server import CALL_LOG_LIMIT, FakeTelegram
from tests.support.http_stub import FakeTelegramHttpServer

CHAT = 42


def refused(description: str, status: int = 400) -> tuple[int, dict[str, Any]]:
    return status, {"ok": False, "error_code": status, "description": description}


def send(fake: FakeTelegram, text: str, **params: Any) -> tuple[int, dict[str, Any]]:
    return fake.handle("sendMessage", {"chat_id": CHAT, "text": text, **params}, {})


def keyboard(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"inline_keyboard": [[button] for button in buttons]}


def press(data: str, text: str = "Go") -> dict[str, Any]:
    return {"text": text, "callback_data": data}


class MonotonicClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram()


# --- message length, counted as Telegram counts it ------------------------------------------


def test_a_text_of_4096_characters_is_sent_and_4097_is_too_long(fake):
    assert send(fake, "a" * 4096)[0] == 200
    assert send(fake, "a" * 4097) == refused("Bad Request: message is too long")


def test_length_is_counted_in_utf16_code_units(fake):
    # An emoji outside the Basic Multilingual Plane is two code units, as on Telegram.
    assert send(fake, "🏃" * 2048)[0] == 200
    assert send(fake, "🏃" * 2048 + "a") == refused("Bad Request: message is too long")
    assert send(fake, "é" * 4096)[0] == 200  # one code unit each, though two UTF-8 bytes


def test_html_tags_do_not_count_and_an_entity_counts_once(fake):
    assert send(fake, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")[0] == 200
    assert send(fake, "&lt;" * 4096, parse_mode="HTML")[0] == 200
    assert send(fake, "&lt;" * 4097, parse_mode="HTML") == refused(
        "Bad Request: message is too long"
    )
    # Without parse_mode the same characters are text and count.
    assert send(fake, "<b>" + "a" * 4094 + "</b>") == refused("Bad Request: message is too long")


def test_the_user_sees_the_parsed_text_with_its_entities(fake):
    send(fake, "Do <b>3 sets</b> &amp; rest", parse_mode="HTML")
    message = fake.messages_in(CHAT)[-1]
    assert message.text == "Do 3 sets & rest"
    assert message.entities == [{"type": "bold", "offset": 3, "length": 6}]


def test_an_empty_text_is_refused(fake):
    assert send(fake, "") == refused("Bad Request: message text is empty")
    assert fake.handle("sendMessage", {"chat_id": CHAT}, {}) == refused(
        "Bad Request: message text is empty"
    )
    assert send(fake, "  \n ") == refused("Bad Request: message must be non-empty")
    assert send(fake, "<b> </b>", parse_mode="HTML") == refused(
        "Bad Request: message must be non-empty"
    )


def test_a_caption_over_1024_characters_is_too_long(fake):
    photo = {"chat_id": CHAT, "photo": "file-id"}
    assert fake.handle("sendPhoto", {**photo, "caption": "a" * 1024}, {})[0] == 200
    assert fake.handle("sendPhoto", {**photo, "caption": "a" * 1025}, {}) == refused(
        "Bad Request: message caption is too long"
    )
    document = {"chat_id": CHAT, "document": "file-id", "caption": "a" * 1025}
    assert fake.handle("sendDocument", document, {}) == refused(
        "Bad Request: message caption is too long"
    )


def test_an_edit_is_held_to_the_same_length(fake):
    _, sent = send(fake, "short")
    edit = {"chat_id": CHAT, "message_id": sent["result"]["message_id"], "text": "a" * 4097}
    assert fake.handle("editMessageText", edit, {}) == refused("Bad Request: message is too long")


# --- inline keyboards and button presses ----------------------------------------------------


def test_callback_data_is_one_to_64_bytes_of_utf8(fake):
    assert send(fake, "Pick", reply_markup=keyboard(press("x" * CALLBACK_DATA_LIMIT)))[0] == 200
    too_long = refused("Bad Request: BUTTON_DATA_INVALID")
    assert send(fake, "Pick", reply_markup=keyboard(press("x" * 65))) == too_long
    assert send(fake, "Pick", reply_markup=keyboard(press("é" * 33))) == too_long  # 66 bytes
    # An empty callback_data is no callback_data: a button with nothing to do.
    assert send(fake, "Pick", reply_markup=keyboard(press(""))) == refused(
        "Bad Request: can't parse inline keyboard button: "
        "Text buttons are unallowed in the inline keyboard"
    )


def test_a_button_needs_a_label(fake):
    assert send(fake, "Pick", reply_markup=keyboard(press("a", text=""))) == refused(
        "Bad Request: inline keyboard button text must be non-empty"
    )


def test_an_inline_keyboard_holds_at_most_100_buttons(fake):
    hundred = keyboard(*(press(f"n:{i}", str(i)) for i in range(100)))
    assert send(fake, "Pick", reply_markup=hundred)[0] == 200
    too_many = keyboard(*(press(f"n:{i}", str(i)) for i in range(101)))
    assert send(fake, "Pick", reply_markup=too_many) == refused(
        "Bad Request: reply markup is too long"
    )


def test_a_button_press_answer_is_at_most_200_characters(fake):
    answer = {"callback_query_id": "1", "text": "a" * 200}
    assert fake.handle("answerCallbackQuery", answer, {}) == (200, {"ok": True, "result": True})
    answer["text"] = "a" * 201
    assert fake.handle("answerCallbackQuery", answer, {}) == refused(
        "Bad Request: MESSAGE_TOO_LONG"
    )
    assert len(fake.callback_answers) == 1  # the refused answer never reached the user


def test_a_button_press_is_answered_once(fake):
    answer = {"callback_query_id": "7", "text": "Noted"}
    assert fake.handle("answerCallbackQuery", answer, {})[0] == 200
    assert fake.handle("answerCallbackQuery", answer, {}) == refused(
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )


# --- markup ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>bold</i>", 'Unmatched end tag at byte offset 7, expected "</b>", found "</i>"'),
        ("bold</b>", "Unexpected end tag at byte offset 4"),
        ("<p>text</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
        ("<!-- note -->", 'Unsupported start tag "!--" at byte offset 0'),
        ("3 < 5", 'Unsupported start tag "" at byte offset 2'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("🏃 <b>x</b", "Unclosed end tag at byte offset 9"),  # offsets are in UTF-8 bytes
    ],
)
def test_malformed_html_cannot_be_parsed(fake, markup, error):
    assert send(fake, markup, parse_mode="HTML") == refused(
        f"Bad Request: can't parse entities: {error}"
    )


@pytest.mark.parametrize(
    "markup",
    [
        "<b>b</b> <strong>b</strong> <i>i</i> <em>i</em> <u>u</u> <ins>u</ins>",
        "<s>s</s> <strike>s</strike> <del>s</del> <tg-spoiler>x</tg-spoiler>",
        '<span class="tg-spoiler">x</span> <a href="https://example.org">link</a>',
        '<code>c</code> <pre><code class="language-python">p</code></pre>',
        '<blockquote>q</blockquote> <tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
        "<B>case</b> &lt;tag&gt; &amp; &quot; &#8212; &unknown; a & b",
    ],
)
def test_every_telegram_tag_and_entity_is_accepted(fake, markup):
    assert send(fake, markup, parse_mode="HTML")[0] == 200


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("Done.", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("*bold", "Can't find end of Bold entity at byte offset 0"),
        # Telegram names the innermost open entity: the second "_" opens a new italic.
        ("_it *both_ x", "Can't find end of Italic entity at byte offset 9"),
        ("[link](https://example.org", "Can't find end of a URL at byte offset 7"),
    ],
)
def test_malformed_markdown_v2_cannot_be_parsed(fake, markup, error):
    assert send(fake, markup, parse_mode="MarkdownV2") == refused(
        f"Bad Request: can't parse entities: {error}"
    )


def test_well_formed_markdown_v2_is_parsed():
    parsed = parse_text("*3 sets* of _10_ \\- rest [here](https://e.org)", "MarkdownV2")
    assert parsed.text == "3 sets of 10 - rest here"
    assert [e["type"] for e in parsed.entities] == ["bold", "italic", "text_link"]


def test_legacy_markdown_and_unknown_parse_modes(fake):
    assert send(fake, "*bold", parse_mode="Markdown") == refused(
        "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 0"
    )
    assert send(fake, "text", parse_mode="BBCode") == refused("Bad Request: unsupported parse_mode")


# --- edits and deletes ----------------------------------------------------------------------


def test_an_edit_that_changes_nothing_is_not_modified(fake):
    markup = keyboard(press("a"))
    _, sent = send(fake, "Pick one", reply_markup=markup)
    edit = {"chat_id": CHAT, "message_id": sent["result"]["message_id"], "text": "Pick one"}
    not_modified = refused(
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )
    assert fake.handle("editMessageText", {**edit, "reply_markup": markup}, {}) == not_modified
    # Without reply_markup the keyboard goes: that is a change.
    assert fake.handle("editMessageText", edit, {})[0] == 200
    assert fake.handle("editMessageText", edit, {}) == not_modified
    assert fake.handle("editMessageReplyMarkup", edit, {}) == not_modified
    # The same words in bold are a change too.
    bold = {**edit, "text": "<b>Pick one</b>", "parse_mode": "HTML"}
    assert fake.handle("editMessageText", bold, {})[0] == 200


def test_editing_or_deleting_a_missing_message_is_refused(fake):
    missing = {"chat_id": CHAT, "message_id": 999}
    assert fake.handle("editMessageText", {**missing, "text": "x"}, {}) == refused(
        "Bad Request: message to edit not found"
    )
    assert fake.handle("editMessageReplyMarkup", missing, {}) == refused(
        "Bad Request: message to edit not found"
    )
    assert fake.handle("deleteMessage", missing, {}) == refused(
        "Bad Request: message to delete not found"
    )
    _, sent = send(fake, "gone soon")
    message = {"chat_id": CHAT, "message_id": sent["result"]["message_id"]}
    assert fake.handle("deleteMessage", message, {})[0] == 200
    assert fake.handle("deleteMessage", message, {}) == refused(
        "Bad Request: message to delete not found"
    )
    assert fake.messages_in(CHAT) == []


def test_a_photo_has_no_text_to_edit(fake):
    _, sent = fake.handle("sendPhoto", {"chat_id": CHAT, "photo": "id", "caption": "c"}, {})
    edit = {"chat_id": CHAT, "message_id": sent["result"]["message_id"], "text": "x"}
    assert fake.handle("editMessageText", edit, {}) == refused(
        "Bad Request: there is no text in the message to edit"
    )


async def test_the_bot_sees_telegrams_exception(fake):
    async with Bot("1:fake", request=FakeRequest(fake)) as bot:
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(CHAT, "a" * 4097)
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(
                CHAT, "Pick", reply_markup=InlineKeyboardMarkup([[press_button("x" * 65)]])
            )
        sent = await bot.send_message(CHAT, "same")
        with pytest.raises(BadRequest, match="Message is not modified"):
            await bot.edit_message_text("same", CHAT, sent.message_id)


def press_button(data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton("Go", callback_data=data)


# --- pacing and latency ---------------------------------------------------------------------


def test_no_pacing_unless_asked(fake):
    assert all(send(fake, f"message {n}")[0] == 200 for n in range(200))


def test_one_chat_gets_a_small_burst_then_about_one_message_a_second(fake):
    clock = MonotonicClock()
    fake.pacing = Pacing(clock=clock)
    assert [send(fake, "x")[0] for _ in range(3)] == [200, 200, 200]
    assert send(fake, "x") == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        },
    )
    assert fake.handle("sendMessage", {"chat_id": CHAT + 1, "text": "x"}, {})[0] == 200
    clock.now += 1.0
    assert send(fake, "x")[0] == 200
    assert send(fake, "x")[0] == 429  # the refused call spent nothing, the next second did


def test_about_30_messages_a_second_overall(fake):
    clock = MonotonicClock()
    fake.pacing = Pacing(clock=clock)
    statuses = [
        fake.handle("sendMessage", {"chat_id": chat, "text": "x"}, {})[0] for chat in range(31)
    ]
    assert statuses == [200] * 30 + [429]
    clock.now += 0.1  # three more messages' worth
    statuses = [
        fake.handle("sendMessage", {"chat_id": 100 + n, "text": "x"}, {})[0] for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_retry_after_says_how_long_the_chat_must_wait(fake):
    clock = MonotonicClock()
    fake.pacing = Pacing(per_chat_per_second=1 / 3, per_chat_burst=1, clock=clock)
    send(fake, "x")
    assert send(fake, "x")[1]["parameters"] == {"retry_after": 3}
    clock.now += 2.5
    assert send(fake, "x")[1]["parameters"] == {"retry_after": 1}


async def test_the_bot_sees_retry_after(fake):
    fake.pacing = Pacing(per_chat_burst=1, clock=MonotonicClock())
    async with Bot("1:fake", request=FakeRequest(fake)) as bot:
        await bot.send_message(CHAT, "first")
        with pytest.raises(RetryAfter, match="Retry in 1 second"):
            await bot.send_message(CHAT, "second")


async def test_latency_is_awaited_so_calls_overlap(fake):
    fake.latency = 0.1
    async with Bot("1:fake", request=FakeRequest(fake)) as bot:
        began = time.monotonic()
        await asyncio.gather(*(bot.send_message(CHAT, str(n)) for n in range(10)))
        elapsed = time.monotonic() - began
    assert 0.1 <= elapsed < 0.6  # ten calls one after another would take a second
    assert len(fake.messages_in(CHAT)) == 10


# --- record keeping -------------------------------------------------------------------------


def test_messages_are_looked_up_by_chat(fake):
    for chat in (1, 2, 1):
        fake.handle("sendMessage", {"chat_id": chat, "text": f"to {chat}"}, {})
    assert [m.text for m in fake.messages_in(1)] == ["to 1", "to 1"]
    first = fake.messages_in(1)[0]
    assert fake.message(1, first.message_id) is first
    assert fake.message(2, first.message_id) is None
    assert [m.chat_id for m in fake.messages] == [1, 2, 1]


def test_the_call_log_keeps_the_newest_calls_and_exact_counts(fake):
    for _ in range(CALL_LOG_LIMIT + 5):
        fake.handle("getMe", {}, {})
    send(fake, "last")
    assert len(fake.calls) == CALL_LOG_LIMIT
    assert fake.calls[-1].method == "sendMessage"
    assert fake.call_count("getMe") == CALL_LOG_LIMIT + 5
    assert len(fake.calls_of("sendMessage")) == fake.call_count("sendMessage") == 1


def test_the_http_stand_in_refuses_the_same_way(fake):
    server = FakeTelegramHttpServer(fake).start()
    try:
        body = urllib.parse.urlencode({"chat_id": CHAT, "text": "a" * 4097}).encode()
        request = urllib.request.Request(
            f"{server.base_url}1:fake/sendMessage",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(request, timeout=5)
        assert raised.value.code == 400
        assert json.loads(raised.value.read()) == refused("Bad Request: message is too long")[1]
    finally:
        server.stop()

"""A person in a chat with the bot, speaking in user actions.

Each action builds the Bot API update Telegram would send and hands it to `deliver`
(straight into `Application.process_update` in tests and the sandbox, or onto the fake's
getUpdates queue for a real polling process). Reading back goes through the fake's record.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.sandbox.fake_telegram.server import JSON, BotMessage, FakeTelegram

Deliver = Callable[[JSON], Awaitable[None]]
_callback_ids = itertools.count(1)


class NoSuchButtonError(AssertionError):
    """The user tried to press a button that is not on screen."""


class FakeUser:
    """One Telegram user; in a private chat their chat id equals their user id."""

    def __init__(
        self,
        telegram: FakeTelegram,
        deliver: Deliver,
        user_id: int,
        first_name: str = "Alex",
        language_code: str = "en",
        chat_id: int | None = None,
        chat_type: str = "private",
    ) -> None:
        self.telegram = telegram
        self._deliver = deliver
        self.user_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.chat_id = user_id if chat_id is None else chat_id
        self.chat_type = chat_type

    # --- what the user sees ------------------------------------------------------------

    @property
    def messages(self) -> list[BotMessage]:
        """Every message the bot has sent in this chat, oldest first, in its latest version."""
        return self.telegram.messages_in(self.chat_id)

    @property
    def last(self) -> BotMessage:
        messages = self.messages
        if not messages:
            raise AssertionError(f"the bot has sent nothing to chat {self.chat_id}")
        return messages[-1]

    @property
    def last_text(self) -> str:
        return self.last.text or ""

    def texts_since(self, count_before: int) -> list[str]:
        """Texts of the messages sent after the first `count_before` ones."""
        return [m.text or "" for m in self.messages[count_before:]]

    # --- what the user does ------------------------------------------------------------

    async def send(self, text: str) -> None:
        """Type `text` and send it (a leading /command becomes a bot_command entity)."""
        message = self._message()
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        await self._send_update({"message": message})

    async def edit(self, message_id: int, text: str) -> None:
        """Edit an earlier message of the user's."""
        message = self._message(message_id=message_id)
        message["text"] = text
        message["edit_date"] = int(time.time())
        await self._send_update({"edited_message": message})

    async def share_location(self, latitude: float, longitude: float) -> None:
        message = self._message()
        message["location"] = {"latitude": latitude, "longitude": longitude}
        await self._send_update({"message": message})

    async def send_sticker(self) -> None:
        message = self._message()
        message["sticker"] = {
            "file_id": "sticker",
            "file_unique_id": "s",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
            "emoji": "👍",
        }
        await self._send_update({"message": message})

    async def send_photo(self) -> None:
        message = self._message()
        message["photo"] = [{"file_id": "photo", "file_unique_id": "p", "width": 90, "height": 90}]
        await self._send_update({"message": message})

    async def send_voice(self) -> None:
        message = self._message()
        message["voice"] = {"file_id": "voice", "file_unique_id": "v", "duration": 3}
        await self._send_update({"message": message})

    async def press(self, label: str, message: BotMessage | None = None) -> None:
        """Press the inline button labelled `label` on the newest message that shows it."""
        candidates = [message] if message is not None else list(reversed(self.messages))
        for candidate in candidates:
            for button in candidate.inline_buttons:
                if button["text"] == label and "callback_data" in button:
                    await self.press_data(str(button["callback_data"]), candidate)
                    return
        on_screen = self.messages[-1].button_labels if self.messages else []
        raise NoSuchButtonError(f"no button {label!r}; the last message shows {on_screen}")

    async def press_data(self, data: str, message: BotMessage | None = None) -> None:
        """Press a button carrying `data` (also how a stale button from long ago is pressed)."""
        if message is None:
            message = BotMessage(
                chat_id=self.chat_id,
                message_id=self.telegram.next_message_id(),
                text="(an old message)",
            )
        shown = message.as_json(self.telegram.bot_user)
        shown["chat"] = self._chat()
        query: JSON = {
            "id": str(next(_callback_ids)),
            "from": self._user(),
            "message": shown,
            "chat_instance": f"instance-{self.chat_id}",
            "data": data,
        }
        await self._send_update({"callback_query": query})

    async def block(self) -> None:
        """Block the bot (Telegram sends a my_chat_member update)."""
        await self._member_change("member", "kicked")

    async def unblock(self) -> None:
        await self._member_change("kicked", "member")

    # --- building updates --------------------------------------------------------------

    def _user(self) -> JSON:
        return {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }

    def _chat(self) -> JSON:
        chat: JSON = {"id": self.chat_id, "type": self.chat_type}
        if self.chat_type == "private":
            chat["first_name"] = self.first_name
        else:
            chat["title"] = "Running club"
        return chat

    def _message(self, message_id: int | None = None) -> JSON:
        return {
            "message_id": message_id or self.telegram.next_message_id(),
            "date": int(time.time()),
            "chat": self._chat(),
            "from": self._user(),
        }

    async def _member_change(self, old: str, new: str) -> None:
        bot = self.telegram.bot_user
        change: dict[str, Any] = {
            "chat": self._chat(),
            "from": self._user(),
            "date": int(time.time()),
            "old_chat_member": {"user": bot, "status": old, **_member_extras(old)},
            "new_chat_member": {"user": bot, "status": new, **_member_extras(new)},
        }
        await self._send_update({"my_chat_member": change})

    async def _send_update(self, body: JSON) -> None:
        await self._deliver({"update_id": self.telegram.next_update_id(), **body})


def _member_extras(status: str) -> JSON:
    return {"until_date": 0} if status == "kicked" else {}

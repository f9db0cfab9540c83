"""The fake Bot API's state: messages, updates, recorded calls and injected failures.

Thread-safe, because the HTTP stand-in serves it from worker threads while tests read it.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

JSON = dict[str, Any]
# An uploaded multipart part: (file name, content).
Upload = tuple[str | None, bytes]
FailureKind = Literal["retry_after", "forbidden", "bad_request", "timeout", "server_error"]


@dataclass
class BotMessage:
    """One message the bot sent, in its latest version (edits replace text and buttons)."""

    chat_id: int
    message_id: int
    text: str | None = None
    reply_markup: JSON | None = None
    photo: bytes | None = None
    document: bytes | None = None
    document_name: str | None = None
    parse_mode: str | None = None
    edited: bool = False

    @property
    def kind(self) -> str:
        if self.photo is not None:
            return "photo"
        if self.document is not None:
            return "document"
        return "text"

    @property
    def inline_buttons(self) -> list[JSON]:
        """Every inline button, row by row, flattened."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    @property
    def button_labels(self) -> list[str]:
        return [str(button["text"]) for button in self.inline_buttons]

    @property
    def keyboard_labels(self) -> list[str]:
        """Labels of a reply keyboard (the buttons under the text field), if any."""
        rows = (self.reply_markup or {}).get("keyboard", [])
        return [str(b["text"] if isinstance(b, dict) else b) for row in rows for b in row]

    def as_json(self, bot_user: JSON) -> JSON:
        data: JSON = {
            "message_id": self.message_id,
            "date": int(time.time()),
            "chat": {"id": self.chat_id, "type": "private" if self.chat_id > 0 else "group"},
            "from": bot_user,
        }
        if self.text is not None:
            data["text"] = self.text
        if self.photo is not None:
            data["photo"] = [
                {
                    "file_id": f"photo-{self.message_id}",
                    "file_unique_id": "p",
                    "width": 1,
                    "height": 1,
                }
            ]
        if self.document is not None:
            data["document"] = {"file_id": f"doc-{self.message_id}", "file_unique_id": "d"}
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = self.reply_markup
        return data


@dataclass
class ApiCall:
    """A Bot API call as the bot made it (files reduced to their sizes)."""

    method: str
    params: JSON


@dataclass
class _Failure:
    method: str
    kind: FailureKind
    retry_after: int
    chat_id: int | None
    remaining: int


@dataclass
class CallbackAnswer:
    callback_query_id: str
    text: str | None
    show_alert: bool


class FakeTelegramError(Exception):
    """Raised to the transport when a call must fail as a timeout."""


@dataclass
class FakeTelegram:
    """The Bot API's behaviour, in memory."""

    bot_id: int = 7_000_000_001
    bot_username: str = "KneeCoachBot"
    calls: list[ApiCall] = field(default_factory=list)
    messages: list[BotMessage] = field(default_factory=list)
    callback_answers: list[CallbackAnswer] = field(default_factory=list)
    commands: list[JSON] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._updates: list[JSON] = []
        self._failures: list[_Failure] = []
        self._handlers: dict[str, Callable[[JSON, Mapping[str, Upload]], Any]] = {
            "getMe": lambda p, f: self.bot_user,
            "logOut": lambda p, f: True,
            "close": lambda p, f: True,
            "deleteWebhook": lambda p, f: True,
            "setWebhook": lambda p, f: True,
            "getWebhookInfo": lambda p, f: {
                "url": "",
                "has_custom_certificate": False,
                "pending_update_count": 0,
            },
            "setMyCommands": self._set_my_commands,
            "getMyCommands": lambda p, f: self.commands,
            "deleteMyCommands": lambda p, f: True,
            "setChatMenuButton": lambda p, f: True,
            "sendChatAction": lambda p, f: True,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "getUpdates": self._get_updates,
        }

    @property
    def bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Knee Coach",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    # --- what tests and the driver use -------------------------------------------------

    def next_message_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def next_update_id(self) -> int:
        with self._lock:
            return next(self._update_ids)

    def enqueue_update(self, update: JSON) -> None:
        """Queue an update for getUpdates (long polling by a real `knee-coach run`)."""
        with self._lock:
            self._updates.append(update)
            self._lock.notify_all()

    def fail_next(
        self,
        method: str,
        kind: FailureKind,
        *,
        retry_after: int = 1,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` (to `chat_id`, if given) fail as `kind`."""
        with self._lock:
            self._failures.append(_Failure(method, kind, retry_after, chat_id, times))

    def messages_in(self, chat_id: int) -> list[BotMessage]:
        with self._lock:
            return [m for m in self.messages if m.chat_id == chat_id]

    def message(self, chat_id: int, message_id: int) -> BotMessage | None:
        with self._lock:
            for candidate in self.messages:
                if candidate.chat_id == chat_id and candidate.message_id == message_id:
                    return candidate
        return None

    def calls_of(self, method: str) -> list[ApiCall]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    # --- the transport's entry point -------------------------------------------------

    def handle(self, method: str, params: JSON, files: Mapping[str, Upload]) -> tuple[int, JSON]:
        """Answer one Bot API call: (HTTP status, JSON body)."""
        with self._lock:
            recorded = dict(params)
            for name, (_filename, blob) in files.items():
                recorded[name] = f"<{len(blob)} bytes>"
            self.calls.append(ApiCall(method, recorded))
        if method == "getUpdates":
            # Long polling waits on the condition, which releases the lock meanwhile.
            return 200, {"ok": True, "result": self._get_updates(params, files)}
        with self._lock:
            failure = self._take_failure(method, params)
            if failure is not None:
                return self._failure_response(failure)
            handler = self._handlers.get(method)
            if handler is None:
                return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            try:
                result = handler(params, files)
            except LookupError as exc:
                return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
            return 200, {"ok": True, "result": result}

    # --- failure injection -------------------------------------------------------------

    def _take_failure(self, method: str, params: JSON) -> _Failure | None:
        for failure in self._failures:
            if failure.method != method:
                continue
            if failure.chat_id is not None and _as_int(params.get("chat_id")) != failure.chat_id:
                continue
            failure.remaining -= 1
            if failure.remaining <= 0:
                self._failures.remove(failure)
            return failure
        return None

    @staticmethod
    def _failure_response(failure: _Failure) -> tuple[int, JSON]:
        if failure.kind == "timeout":
            raise FakeTelegramError("timed out")
        if failure.kind == "retry_after":
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {failure.retry_after}",
                "parameters": {"retry_after": failure.retry_after},
            }
        if failure.kind == "forbidden":
            return 403, {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
        if failure.kind == "bad_request":
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: injected"}
        return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}

    # --- Bot API methods ---------------------------------------------------------------

    def _set_my_commands(self, params: JSON, _files: Mapping[str, Upload]) -> bool:
        self.commands = list(params.get("commands", []))
        return True

    def _store(self, message: BotMessage) -> JSON:
        self.messages.append(message)
        self._lock.notify_all()
        return message.as_json(self.bot_user)

    def _send_message(self, params: JSON, _files: Mapping[str, Upload]) -> JSON:
        return self._store(
            BotMessage(
                chat_id=_require_chat(params),
                message_id=next(self._ids),
                text=str(params["text"]),
                reply_markup=params.get("reply_markup"),
                parse_mode=params.get("parse_mode"),
            )
        )

    def _send_photo(self, params: JSON, files: Mapping[str, Upload]) -> JSON:
        return self._store(
            BotMessage(
                chat_id=_require_chat(params),
                message_id=next(self._ids),
                text=params.get("caption"),
                reply_markup=params.get("reply_markup"),
                photo=_upload(params, files, "photo")[1],
                parse_mode=params.get("parse_mode"),
            )
        )

    def _send_document(self, params: JSON, files: Mapping[str, Upload]) -> JSON:
        name, content = _upload(params, files, "document")
        return self._store(
            BotMessage(
                chat_id=_require_chat(params),
                message_id=next(self._ids),
                text=params.get("caption"),
                reply_markup=params.get("reply_markup"),
                document=content,
                document_name=name,
            )
        )

    def _find(self, params: JSON) -> BotMessage:
        chat_id, message_id = _require_chat(params), _as_int(params.get("message_id"))
        for candidate in self.messages:
            if candidate.chat_id == chat_id and candidate.message_id == message_id:
                return candidate
        raise LookupError("message to edit not found")

    def _edit_message_text(self, params: JSON, _files: Mapping[str, Upload]) -> JSON:
        target = self._find(params)
        new_markup = params.get("reply_markup")
        if target.text == params["text"] and target.reply_markup == new_markup:
            # Telegram refuses edits that change nothing; the bot must cope.
            raise LookupError("message is not modified")
        target.text, target.reply_markup, target.edited = str(params["text"]), new_markup, True
        return target.as_json(self.bot_user)

    def _edit_reply_markup(self, params: JSON, _files: Mapping[str, Upload]) -> JSON:
        target = self._find(params)
        new_markup = params.get("reply_markup")
        if target.reply_markup == new_markup:
            raise LookupError("message is not modified")
        target.reply_markup, target.edited = new_markup, True
        return target.as_json(self.bot_user)

    def _delete_message(self, params: JSON, _files: Mapping[str, Upload]) -> bool:
        self.messages.remove(self._find(params))
        return True

    def _answer_callback_query(self, params: JSON, _files: Mapping[str, Upload]) -> bool:
        self.callback_answers.append(
            CallbackAnswer(
                str(params["callback_query_id"]),
                params.get("text"),
                bool(params.get("show_alert")),
            )
        )
        return True

    def _get_updates(self, params: JSON, _files: Mapping[str, Upload]) -> list[JSON]:
        offset = _as_int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + min(timeout, 5.0)
        with self._lock:
            # Telegram forgets updates below the offset: that is how polling confirms them.
            self._updates = [u for u in self._updates if int(u["update_id"]) >= offset]
            while not self._updates and time.monotonic() < deadline:
                self._lock.wait(timeout=deadline - time.monotonic())
                self._updates = [u for u in self._updates if int(u["update_id"]) >= offset]
            return list(self._updates)


def _as_int(value: Any) -> int:
    return int(value)


def _require_chat(params: JSON) -> int:
    if "chat_id" not in params:
        raise LookupError("chat_id is required")
    return _as_int(params["chat_id"])


def _upload(params: JSON, files: Mapping[str, Upload], field_name: str) -> Upload:
    # PTB sends a new upload as a multipart part named after the field (or "attach://<part>"
    # for media groups); anything else is a file_id or URL string.
    if field_name in files:
        return files[field_name]
    value = params.get(field_name)
    if isinstance(value, str) and value.startswith("attach://"):
        return files[value.removeprefix("attach://")]
    if value is None:
        raise LookupError(f"{field_name} is required")
    return None, str(value).encode()

"""The fake Bot API's state: messages, updates, recorded calls and injected failures.

It refuses what Telegram refuses, with Telegram's status and description (`limits.py`): texts
and captions over the length limits, malformed markup, bad inline keyboards, edits that change
nothing or find no message. When a test asks, it also paces sends like Telegram (`pacing.py`)
and adds latency to every call (the transports wait it out).

Thread-safe, because the HTTP stand-in serves it from worker threads while tests read it.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.sandbox.fake_telegram.limits import (
    MESSAGE_NOT_MODIFIED,
    MESSAGE_TO_DELETE_NOT_FOUND,
    MESSAGE_TO_EDIT_NOT_FOUND,
    NO_TEXT_TO_EDIT,
    QUERY_ID_INVALID,
    TelegramRefusalError,
    check_callback_answer,
    check_caption,
    check_message_text,
    check_reply_markup,
)
from bot.sandbox.fake_telegram.pacing import Pacer, Pacing

JSON = dict[str, Any]
# An uploaded multipart part: (file name, content).
Upload = tuple[str | None, bytes]
FailureKind = Literal[
    "retry_after",
    "forbidden",
    "bad_request",
    "server_error",
    "query_too_old",  # answerCallbackQuery after Telegram's deadline (downtime, a slow bot)
    # Transport failures: the client gets no answer. `timeout` and `unreachable` happen before
    # Telegram sees the call (nothing is done); `lost_response` and `timeout_after_send` after
    # it (the call is carried out - a message is sent - but the answer never comes back, as
    # when a connection drops mid-response), so the client cannot tell them from the first two.
    "timeout",
    "unreachable",
    "lost_response",
    "timeout_after_send",
]
# The transport failures that happen after Telegram carried the call out.
_AFTER_THE_CALL = frozenset({"lost_response", "timeout_after_send"})

# The call log keeps the newest calls only, so a long benchmark or sandbox session stays small;
# `call_count` keeps exact totals per method.
CALL_LOG_LIMIT = 10_000


@dataclass
class BotMessage:
    """One message the bot sent, in its latest version (edits replace text and buttons).

    `text` is what the user sees (a caption for media), with any markup parsed into `entities`.
    """

    chat_id: int
    message_id: int
    text: str | None = None
    reply_markup: JSON | None = None
    photo: bytes | None = None
    document: bytes | None = None
    document_name: str | None = None
    parse_mode: str | None = None
    edited: bool = False
    entities: list[JSON] = field(default_factory=list)

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
        text_field = "text" if self.kind == "text" else "caption"
        if self.text is not None:
            data[text_field] = self.text
        if self.entities:
            data["entities" if self.kind == "text" else "caption_entities"] = self.entities
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
    """Raised to the transport when a call gets no answer: `kind` is a transport failure."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class FakeTelegram:
    """The Bot API's behaviour, in memory.

    `pacing` (off by default) makes sends answer 429 beyond Telegram's rates; `latency` (0 by
    default) is how many seconds each call takes, waited out by the transport.
    """

    def __init__(
        self,
        *,
        bot_id: int = 7_000_000_001,
        bot_username: str = "KneeCoachBot",
        pacing: Pacing | None = None,
        latency: float = 0.0,
    ) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.latency = latency
        self.commands: list[JSON] = []
        self.calls: deque[ApiCall] = deque(maxlen=CALL_LOG_LIMIT)
        self.callback_answers: deque[CallbackAnswer] = deque(maxlen=CALL_LOG_LIMIT)
        self._answered: dict[str, None] = {}  # query ids already answered, oldest first
        self._call_counts: Counter[str] = Counter()
        # HTTP statuses answered, by status (a benchmark checks there was no 429).
        self.statuses: Counter[int] = Counter()
        self._lock = threading.Condition()
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._updates: list[JSON] = []
        self._failures: list[_Failure] = []
        # chat id -> message id -> message; dicts keep sending order.
        self._chats: dict[int, dict[int, BotMessage]] = {}
        self._pacer: Pacer | None = None
        self.pacing = pacing
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

    @property
    def pacing(self) -> Pacing | None:
        """Telegram's flood control, or None (the default) to let everything through."""
        return self._pacer.pacing if self._pacer is not None else None

    @pacing.setter
    def pacing(self, pacing: Pacing | None) -> None:
        with self._lock:
            self._pacer = Pacer(pacing) if pacing is not None else None

    # --- what tests and the driver use -------------------------------------------------

    @property
    def messages(self) -> list[BotMessage]:
        """Every message still in any chat, in the order they were sent."""
        with self._lock:
            every = [m for chat in self._chats.values() for m in chat.values()]
        return sorted(every, key=lambda m: m.message_id)

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
            return list(self._chats.get(chat_id, {}).values())

    def message(self, chat_id: int, message_id: int) -> BotMessage | None:
        with self._lock:
            return self._chats.get(chat_id, {}).get(message_id)

    def calls_of(self, method: str) -> list[ApiCall]:
        """The recorded calls of `method` (the newest `CALL_LOG_LIMIT` calls are kept)."""
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def call_count(self, method: str) -> int:
        """How many times `method` was called, ever (not bounded like the call log)."""
        with self._lock:
            return self._call_counts[method]

    # --- the transport's entry point -------------------------------------------------

    def handle(self, method: str, params: JSON, files: Mapping[str, Upload]) -> tuple[int, JSON]:
        """Answer one Bot API call: (HTTP status, JSON body)."""
        with self._lock:
            recorded = dict(params)
            for name, (_filename, blob) in files.items():
                recorded[name] = f"<{len(blob)} bytes>"
            self.calls.append(ApiCall(method, recorded))
            self._call_counts[method] += 1
        if method == "getUpdates":
            # Long polling waits on the condition, which releases the lock meanwhile.
            return 200, {"ok": True, "result": self._get_updates(params, files)}
        with self._lock:
            failure = self._take_failure(method, params)
            if failure is not None and failure.kind not in _AFTER_THE_CALL:
                return self._failure_response(failure)
            handler = self._handlers.get(method)
            if handler is None:
                return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            try:
                result = handler(params, files)
            except TelegramRefusalError as refusal:
                return refusal.status, refusal.body()
            except LookupError as exc:
                return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
            if failure is not None:
                raise FakeTelegramError(failure.kind)  # done, but the answer is lost
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
        if failure.kind in ("timeout", "unreachable"):
            raise FakeTelegramError(failure.kind)
        if failure.kind == "retry_after":
            return _too_many_requests(failure.retry_after)
        if failure.kind == "forbidden":
            return 403, {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
        if failure.kind == "query_too_old":
            return 400, {"ok": False, "error_code": 400, "description": QUERY_ID_INVALID}
        if failure.kind == "bad_request":
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: injected"}
        return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}

    # --- Bot API methods ---------------------------------------------------------------

    def _set_my_commands(self, params: JSON, _files: Mapping[str, Upload]) -> bool:
        self.commands = list(params.get("commands", []))
        return True

    def _store(self, message: BotMessage) -> JSON:
        """Pace (when asked to) and keep a message the bot sent."""
        if self._pacer is not None:
            retry_after = self._pacer.take(message.chat_id)
            if retry_after is not None:
                raise _flood_refusal(retry_after)
        self._chats.setdefault(message.chat_id, {})[message.message_id] = message
        self._lock.notify_all()
        return message.as_json(self.bot_user)

    def _send_message(self, params: JSON, _files: Mapping[str, Upload]) -> JSON:
        chat_id = _require_chat(params)
        formatted = check_message_text(str(params.get("text") or ""), params.get("parse_mode"))
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        return self._store(
            BotMessage(
                chat_id=chat_id,
                message_id=next(self._ids),
                text=formatted.text,
                entities=formatted.entities,
                reply_markup=markup,
                parse_mode=params.get("parse_mode"),
            )
        )

    def _send_photo(self, params: JSON, files: Mapping[str, Upload]) -> JSON:
        chat_id = _require_chat(params)
        caption = check_caption(params.get("caption"), params.get("parse_mode"))
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        return self._store(
            BotMessage(
                chat_id=chat_id,
                message_id=next(self._ids),
                text=caption.text if caption else None,
                entities=caption.entities if caption else [],
                reply_markup=markup,
                photo=_upload(params, files, "photo")[1],
                parse_mode=params.get("parse_mode"),
            )
        )

    def _send_document(self, params: JSON, files: Mapping[str, Upload]) -> JSON:
        chat_id = _require_chat(params)
        caption = check_caption(params.get("caption"), params.get("parse_mode"))
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        name, content = _upload(params, files, "document")
        return self._store(
            BotMessage(
                chat_id=chat_id,
                message_id=next(self._ids),
                text=caption.text if caption else None,
                entities=caption.entities if caption else [],
                reply_markup=markup,
                document=content,
                document_name=name,
                parse_mode=params.get("parse_mode"),
            )
        )

    def _find(self, params: JSON, not_found: str) -> BotMessage:
        chat_id, message_id = _require_chat(params), _as_int(params.get("message_id"))
        target = self._chats.get(chat_id, {}).get(message_id)
        if target is None:
            raise TelegramRefusalError(not_found)
        return target

    def _edit_message_text(self, params: JSON, _files: Mapping[str, Upload]) -> JSON:
        # The Bot API parses the text and keyboard before it looks for the message.
        formatted = check_message_text(str(params.get("text") or ""), params.get("parse_mode"))
        new_markup = params.get("reply_markup")
        check_reply_markup(new_markup)
        target = self._find(params, MESSAGE_TO_EDIT_NOT_FOUND)
        if target.kind != "text":
            raise TelegramRefusalError(NO_TEXT_TO_EDIT)
        if (target.text, target.entities, target.reply_markup) == (
            formatted.text,
            formatted.entities,
            new_markup,
        ):
            # Telegram refuses edits that change nothing; the bot must cope.
            raise TelegramRefusalError(MESSAGE_NOT_MODIFIED)
        target.text, target.entities = formatted.text, formatted.entities
        target.reply_markup, target.edited = new_markup, True
        target.parse_mode = params.get("parse_mode")
        return target.as_json(self.bot_user)

    def _edit_reply_markup(self, params: JSON, _files: Mapping[str, Upload]) -> JSON:
        new_markup = params.get("reply_markup")
        check_reply_markup(new_markup)
        target = self._find(params, MESSAGE_TO_EDIT_NOT_FOUND)
        if target.reply_markup == new_markup:
            raise TelegramRefusalError(MESSAGE_NOT_MODIFIED)
        target.reply_markup, target.edited = new_markup, True
        return target.as_json(self.bot_user)

    def _delete_message(self, params: JSON, _files: Mapping[str, Upload]) -> bool:
        target = self._find(params, MESSAGE_TO_DELETE_NOT_FOUND)
        del self._chats[target.chat_id][target.message_id]
        return True

    def _answer_callback_query(self, params: JSON, _files: Mapping[str, Upload]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        text = params.get("text")
        check_callback_answer(text)
        if not query_id or query_id in self._answered:
            # A button press is answered once; Telegram refuses a second answer.
            raise TelegramRefusalError(QUERY_ID_INVALID)
        self._answered[query_id] = None
        if len(self._answered) > CALL_LOG_LIMIT:
            del self._answered[next(iter(self._answered))]
        self.callback_answers.append(CallbackAnswer(query_id, text, bool(params.get("show_alert"))))
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


def _too_many_requests(retry_after: int) -> tuple[int, JSON]:
    refusal = _flood_refusal(retry_after)
    return refusal.status, refusal.body()


def _flood_refusal(retry_after: int) -> TelegramRefusalError:
    return TelegramRefusalError(
        f"Too Many Requests: retry after {retry_after}",
        status=429,
        parameters={"retry_after": retry_after},
    )


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

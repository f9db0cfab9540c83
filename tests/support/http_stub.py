"""The fake Bot API served over HTTP on 127.0.0.1, for a real `knee-coach run` process.

Point TELEGRAM_API_BASE_URL at `stub.base_url` and the bot long-polls this instead of
Telegram. Same `FakeTelegram` as in-process tests, so behaviour cannot drift between them.
"""

from __future__ import annotations

import json
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from bot.sandbox.fake_telegram.server import FakeTelegram, FakeTelegramError, Upload

# PTB sends every non-string parameter JSON-encoded; these are the ones the fake reads as
# structured values (a message text that happens to look like JSON must stay a string).
_STRUCTURED = {
    "reply_markup",
    "commands",
    "chat_id",
    "message_id",
    "offset",
    "timeout",
    "limit",
    "allowed_updates",
    "show_alert",
    "entities",
    "drop_pending_updates",
}


def _decode(name: str, value: str) -> Any:
    if name in _STRUCTURED:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, Upload]]:
    params: dict[str, Any] = {}
    files: dict[str, Upload] = {}
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            raw = part.get_payload(decode=True)
            payload = raw if isinstance(raw, bytes) else b""
            if filename is not None:
                files[str(name)] = (filename, payload)
            else:
                params[str(name)] = _decode(str(name), payload.decode())
    elif body:
        for name, values in parse_qs(body.decode(), keep_blank_values=True).items():
            params[name] = _decode(name, values[-1])
    return params, files


class _Server(ThreadingHTTPServer):
    # The stdlib listens with a backlog of 5: a burst of sends (a dispatcher's group of 30)
    # would have connections reset, which Telegram does not do.
    request_queue_size = 128


class FakeTelegramHttpServer:
    """A background HTTP server answering `/bot<token>/<method>` from a `FakeTelegram`.

    With `token` given it checks the token as Telegram does: any other one gets
    401 Unauthorized, the answer a revoked or mistyped token gets.
    """

    def __init__(self, telegram: FakeTelegram, port: int = 0, *, token: str | None = None) -> None:
        self.telegram = telegram
        fake = telegram

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the stdlib's name
                length = int(self.headers.get("Content-Length") or 0)
                params, files = _parse_body(
                    self.headers.get("Content-Type", ""), self.rfile.read(length)
                )
                if token is not None and not self.path.startswith(f"/bot{token}/"):
                    self._answer(
                        401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
                    )
                    return
                method = self.path.rstrip("/").rsplit("/", 1)[-1]
                if fake.latency > 0:
                    time.sleep(fake.latency)  # a worker thread per request: only this one waits
                try:
                    status, body = fake.handle(method, params, files)
                except FakeTelegramError:
                    return  # a timeout: answer nothing and let the client give up
                self._answer(status, body)

            def _answer(self, status: int, body: Any) -> None:
                encoded = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(encoded)))
                    self.end_headers()
                    self.wfile.write(encoded)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the bot hung up mid long-poll (it is stopping): nothing to answer

            do_GET = do_POST  # noqa: N815  (the stdlib's name)

            def log_message(self, format: str, *args: Any) -> None:
                return  # URLs carry the token; keep them out of test output

        self._server = _Server(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/bot"

    def start(self) -> FakeTelegramHttpServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

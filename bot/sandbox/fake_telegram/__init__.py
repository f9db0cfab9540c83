"""An in-memory Telegram Bot API: the one fake used by tests, the sandbox and process tests.

- `server.FakeTelegram` answers Bot API methods and records what the bot sent.
- `request.FakeRequest` plugs it into python-telegram-bot as its HTTP transport.
- `tests/support/http_stub.py` serves the same fake over HTTP on 127.0.0.1, for a real
  `knee-coach run`.
- `users.FakeUser` speaks in user actions: send, press, share a location.
- `harness.BotHarness` runs the real Application against it.
"""

"""The sandbox: an in-memory Telegram Bot API (`fake_telegram/`) and the terminal screen
(`terminal.py`) that lets a person chat with the real bot without a token or a network."""

"""Operator settings, read once at start from the environment and `.env`.

Every key is documented in `.env.example`. The CLI turns a missing or malformed value into one
friendly paragraph; nothing else in the code reads the environment.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite:///data/knee-coach.db"

# Keeping a blocked user's data for more than ten years would not be a retention period.
MAX_RETENTION_DAYS = 3650

# BotFather tokens are "<bot id>:<35 url-safe characters>"; we accept a little more slack
# so a future change in length does not lock operators out.
_TOKEN_SHAPE = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$")
# Telegram accepts 1-256 of these characters as a webhook's secret token; we ask for 32 or more.
_WEBHOOK_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32,256}$")
MIN_WEBHOOK_SECRET = 32


class Settings(BaseSettings):
    """What an operator can configure."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = DEFAULT_API_BASE_URL
    database_url: str = DEFAULT_DATABASE_URL
    admin_user_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # How long the data of someone who blocked the bot is kept before housekeeping deletes it.
    blocked_user_retention_days: int = Field(default=180, ge=1, le=MAX_RETENTION_DAYS)
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    # A self-hosted Bot API server (tdlib/telegram-bot-api) serves files from its own URL, and
    # with --local it hands out file paths instead of download links.
    telegram_file_base_url: str | None = None
    telegram_local_mode: bool = False

    # Webhook mode: set WEBHOOK_URL (the public https address Telegram posts to) and a secret.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # The one HTTP listener: the webhook (in webhook mode), /healthz, /readyz and /metrics.
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)

    # PostgreSQL: the pool and how long to wait for a connection or a statement.
    db_pool_size: int = Field(default=5, ge=1)
    db_max_overflow: int = Field(default=5, ge=0)
    db_connect_timeout: float = Field(default=5.0, gt=0)
    db_statement_timeout: float = Field(default=15.0, ge=0)  # 0: no limit

    # Standby: how often a waiting process tries to become the active one.
    standby_poll_seconds: float = Field(default=2.0, gt=0, le=30)

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        # "123, 456" in an env file is friendlier than JSON.
        if isinstance(value, str):
            return [int(part) for part in value.replace(",", " ").split()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @property
    def blocked_user_retention(self) -> timedelta:
        return timedelta(days=self.blocked_user_retention_days)

    @field_validator("webhook_url", "telegram_file_base_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url_shape(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value.strip())
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("an https:// address")
            return value.strip()
        return value

    @property
    def webhook_mode(self) -> bool:
        return self.webhook_url is not None

    @property
    def webhook_path(self) -> str:
        """Where the listener accepts updates: WEBHOOK_URL's path (a proxy passes it through)."""
        path = urlsplit(self.webhook_url or "").path.rstrip("/")
        return path or "/telegram"

    def webhook_secret_problem(self) -> str | None:
        """Why the webhook secret cannot be used, or None if it can."""
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if len(secret) < MIN_WEBHOOK_SECRET:
            return f"WEBHOOK_SECRET must be at least {MIN_WEBHOOK_SECRET} characters"
        if not _WEBHOOK_SECRET_SHAPE.match(secret):
            return "WEBHOOK_SECRET may only hold A-Z, a-z, 0-9, _ and - (at most 256)"
        return None

    def token_is_well_formed(self) -> bool:
        """Tell whether the configured token has BotFather's shape (it may still be revoked)."""
        if self.telegram_bot_token is None:
            return False
        return bool(_TOKEN_SHAPE.match(self.telegram_bot_token.get_secret_value().strip()))

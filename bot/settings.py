"""Operator settings, read once at start from the environment and `.env`.

Every key is documented in `.env.example`. The CLI turns a missing or malformed value into one
friendly paragraph; nothing else in the code reads the environment.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite:///data/knee-coach.db"

# Keeping a blocked user's data for more than ten years would not be a retention period.
MAX_RETENTION_DAYS = 3650

# BotFather tokens are "<bot id>:<35 url-safe characters>"; we accept a little more slack
# so a future change in length does not lock operators out.
_TOKEN_SHAPE = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$")


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

    def token_is_well_formed(self) -> bool:
        """Tell whether the configured token has BotFather's shape (it may still be revoked)."""
        if self.telegram_bot_token is None:
            return False
        return bool(_TOKEN_SHAPE.match(self.telegram_bot_token.get_secret_value().strip()))

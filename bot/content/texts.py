"""Everyday bot copy from `content/ui.yaml`: greetings, help, errors, redirects."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from bot.content import load_copy


class BotCommandText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    command: str
    description: str


class UiTexts(BaseModel):
    """Messages that belong to no single conversation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    help: str
    group_redirect: str
    error: str
    stale_button: str
    unknown_input: str
    unsupported_media: str
    edited_message: str
    commands: list[BotCommandText]

    def command_list(self) -> str:
        return "\n".join(f"/{c.command} - {c.description}" for c in self.commands)


@cache
def ui_texts(directory: Path | None = None) -> UiTexts:
    """Load and validate `ui.yaml` (cached: content is read once per process)."""
    return load_copy(UiTexts, "ui.yaml", directory)

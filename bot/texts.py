"""Everyday bot copy from `content/ui.yaml`, loaded once and validated."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from bot.resources import content_dir


class BotCommandText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    command: str
    description: str


class UiTexts(BaseModel):
    """Messages that belong to no single conversation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    greeting: str
    greeting_back: str
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
    path = (directory or content_dir()) / "ui.yaml"
    with path.open(encoding="utf-8") as handle:
        return UiTexts.model_validate(yaml.safe_load(handle))

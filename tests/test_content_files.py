"""Every file in content/ is validated by the one loader: no YAML goes unchecked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.coaching.screening import content_files
from bot.content import ContentError, load_copy
from bot.content.loader import _FILES
from bot.content.texts import UiTexts, load_texts
from bot.resources import content_dir


def test_every_content_file_has_a_validator() -> None:
    on_disk = {path.name for path in content_dir().glob("*.yaml")}
    validated = set(_FILES) | set(load_texts().by_file()) | set(content_files())
    assert on_disk == validated


def test_a_broken_copy_file_names_file_and_field(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    shutil.copytree(content_dir(), folder)
    ui = folder / "ui.yaml"
    ui.write_text(ui.read_text().replace("stale_button:", "stale_buton:"))
    with pytest.raises(ContentError) as caught:
        load_copy(UiTexts, "ui.yaml", folder)
    line = str(caught.value)
    assert line.startswith("content/ui.yaml: ")
    assert "stale_button" in line
    assert "\n" not in line

"""Where the shipped data folders (`content/`, `migrations/`) live at run time.

In a wheel they ship inside the `bot` package (see `pyproject.toml`, force-include); in a source
checkout or an editable install they sit at the top of the repository. Callers ask here and
never build these paths themselves.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped_or_checkout(name: str) -> Path:
    packaged = _PACKAGE_DIR / f"_{name}"
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent / name


def content_dir() -> Path:
    """Return the folder holding the content YAML files."""
    return _shipped_or_checkout("content")


def migrations_dir() -> Path:
    """Return the Alembic migrations folder (env.py and versions/)."""
    return _shipped_or_checkout("migrations")

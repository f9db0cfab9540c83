"""Shared fixtures for the coaching engine tests."""

from __future__ import annotations

import pytest

from bot.content import Content, get_content


@pytest.fixture(scope="session")
def content() -> Content:
    return get_content()

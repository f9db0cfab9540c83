"""Each conversation's Mermaid diagram lists exactly the states its code declares."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import pytest

from conversations.assessment import AssessmentState
from conversations.checkin import CheckinState
from conversations.kujala import KujalaState
from conversations.onboarding import OnboardingState
from conversations.settings_menu import SettingsState

DOCS = Path(__file__).resolve().parents[2] / "docs" / "conversations"


def diagram_states(path: Path) -> set[str]:
    """State names used in a stateDiagram's transitions (`a --> b: label`)."""
    states: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*(\S+)\s*-->\s*([^\s:]+)", line)
        if match:
            states.update(s for s in match.groups() if s != "[*]")
    return states


@pytest.mark.parametrize(
    ("diagram", "states"),
    [
        ("onboarding.mmd", OnboardingState),
        ("assessment.mmd", AssessmentState),
        ("checkin.mmd", CheckinState),
        ("kujala.mmd", KujalaState),
        ("settings.mmd", SettingsState),
    ],
)
def test_diagram_matches_the_code(diagram: str, states: type[StrEnum]) -> None:
    assert diagram_states(DOCS / diagram) == {s.value for s in states}


def test_every_state_name_is_a_stable_namespaced_string() -> None:
    flows: tuple[tuple[type[StrEnum], str], ...] = (
        (OnboardingState, "onboarding."),
        (AssessmentState, "assessment."),
        (CheckinState, "checkin."),
        (KujalaState, "kujala."),
        (SettingsState, "settings."),
    )
    for states, prefix in flows:
        for state in states:
            assert state.value.startswith(prefix)
            assert len(state.value) <= 64  # conversation_states.state

"""Every copy file (the words around the flows), loaded through the one content loader.

`knee-coach content check` and the tests call `load_all_copy()`, so a file added to
`content/` without a model here is noticed (tests/test_content_files.py).
"""

from __future__ import annotations

from pydantic import BaseModel

from bot.content.checkin_copy import checkin_copy
from bot.content.flow_copy import flow_copy
from bot.content.nudge_copy import nudge_copy
from bot.content.texts import ui_texts


def load_all_copy() -> dict[str, BaseModel]:
    """Validate each copy file; raise `ContentError` (one line) on the first fault."""
    flows = flow_copy()
    return {
        "ui.yaml": ui_texts(),
        "onboarding.yaml": flows.onboarding,
        "flows.yaml": flows.flows,
        "checkin_flow.yaml": checkin_copy(),
        "nudges.yaml": nudge_copy(),
    }

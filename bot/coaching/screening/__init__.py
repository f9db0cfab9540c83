"""Free-text red-flag screening, the country care table and the language check (issue 9).

Pure: no Telegram, no database, no logging of message text. Conversations call
`is_probably_english()` and then `screen()` on anything a user types, and `care_route()` to
say where to go. Terms, context rules and countries live in `content/screening.yaml` and
`content/countries.yaml` so a clinician can tune them; tests/safety measures the result and
docs/screening.md reports it.
"""

from __future__ import annotations

from pydantic import BaseModel

from bot.coaching.screening.content import Urgency, load_screening
from bot.coaching.screening.countries import (
    CareRoute,
    Route,
    care_route,
    country_for_zone,
    load_countries,
)
from bot.coaching.screening.engine import Finding, Screening, finding_for, screen, warm_up
from bot.coaching.screening.language import is_probably_english


def content_files() -> dict[str, BaseModel]:
    """The safety content files outside the clinical set, validated, by file name (for
    `content check`)."""
    from bot.coaching.drills import FILE_NAME, load_drills_screen

    return {
        "screening.yaml": load_screening(),
        "countries.yaml": load_countries(),
        FILE_NAME: load_drills_screen(),
    }


__all__ = [
    "CareRoute",
    "Finding",
    "Route",
    "Screening",
    "Urgency",
    "care_route",
    "content_files",
    "country_for_zone",
    "finding_for",
    "is_probably_english",
    "screen",
    "warm_up",
]

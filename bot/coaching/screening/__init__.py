"""Free-text red-flag screening, the country care table and the language check (issue 9).

Pure: no Telegram, no database, no logging of message text. Conversations call `screen()` on
anything a user types, `care_route()` to say where to go, and `is_probably_english()` before
screening. Terms, context rules and countries live in `content/screening.yaml` and
`content/countries.yaml` so a clinician can tune them; tests/safety measures the result.
"""

from __future__ import annotations

from bot.coaching.screening.content import Urgency
from bot.coaching.screening.engine import Finding, Screening, screen, warm_up

__all__ = ["Finding", "Screening", "Urgency", "screen", "warm_up"]

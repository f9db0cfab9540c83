"""The typed form of `content/screening.yaml`: trigger terms, context rules and signs.

A clinician edits the YAML; this module validates it through the project's one loader
(`load_copy`), so a typo in a concept name or a rule fails at start-up with a one-line error
instead of silently screening less. The engine (`engine.py`) compiles it once.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.content import load_copy
from bot.content.kinds import Tier

FILE_NAME = "screening.yaml"


class Urgency(StrEnum):
    """How soon a sign needs a clinician, most urgent first (issue 9's four tiers)."""

    EMERGENCY = "emergency"
    SAME_DAY = "same_day"
    CLINICIAN_SOON = "clinician_soon"
    OUTSIDE_PATHWAY = "outside_pathway"

    @property
    def rank(self) -> int:
        """0 for the most urgent."""
        return list(Urgency).index(self)

    @property
    def tier(self) -> Tier:
        """The red-flag tier of content/red_flags.yaml this urgency falls under (the same
        four, one to one)."""
        return Tier(self.value)

    @classmethod
    def of(cls, tier: Tier) -> Urgency:
        """The urgency of a red-flag tier."""
        return cls(tier.value)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_ID = r"^[a-z0-9][a-z0-9_]*$"


class Concept(_Model):
    """Words for one idea ("swollen", "locked"); `except_` drops look-alike phrases."""

    terms: list[str] = Field(min_length=1)
    except_: list[str] = Field(default_factory=list, alias="except")


class Direction(StrEnum):
    FORWARD = "FORWARD"
    BACKWARD = "BACKWARD"
    BIDIRECTIONAL = "BIDIRECTIONAL"
    TERMINATE = "TERMINATE"
    PSEUDO = "PSEUDO"


class ContextRule(_Model):
    """A ConText modifier: the words, what they do, and how far they reach."""

    category: str = Field(pattern=r"^[A-Z_]+$")
    direction: Direction
    terms: list[str] = Field(min_length=1)
    scope: int | None = Field(default=None, ge=1)
    allowed: list[str] | None = None
    terminated_by: list[str] = Field(default_factory=list)


class ContextSection(_Model):
    cancelling: list[str]
    uncertain: list[str]
    rules: list[ContextRule]


class Sign(_Model):
    """One warning sign the screen can raise, tied to a red flag of content/red_flags.yaml."""

    id: str = Field(pattern=_ID)
    red_flag: str = Field(pattern=_ID)
    urgency: Urgency
    question: str = Field(min_length=1)
    explicit: list[list[str]] = Field(min_length=1)
    confirm: list[list[str]] = Field(default_factory=list)


class Fuzzy(_Model):
    min_length: int = Field(ge=3)
    two_typos_from: int = Field(ge=4)
    known_words: list[str]


class ScreeningFile(_Model):
    """content/screening.yaml."""

    spelling: dict[str, str]
    fuzzy: Fuzzy
    numbers: dict[str, list[tuple[float, float]]]
    concepts: dict[str, Concept]
    context: ContextSection
    signs: list[Sign]

    @model_validator(mode="after")
    def _names_exist(self) -> ScreeningFile:
        for name in self.concepts:
            if not name.replace("_", "").isalnum() or name != name.lower():
                raise ValueError(f"concept name '{name}' must be lower_case")
        categories = {rule.category for rule in self.context.rules}
        for category in [*self.context.cancelling, *self.context.uncertain]:
            if category not in categories:
                raise ValueError(f"context category '{category}' has no rule")
        for rule in self.context.rules:
            for concept in rule.allowed or []:
                if concept not in self.concepts:
                    raise ValueError(f"context rule names unknown concept '{concept}'")
            for category in rule.terminated_by:
                if category not in categories:
                    raise ValueError(f"terminated_by names unknown category '{category}'")
        seen: set[str] = set()
        for sign in self.signs:
            if sign.id in seen:
                raise ValueError(f"duplicate sign id '{sign.id}'")
            seen.add(sign.id)
            for combination in [*sign.explicit, *sign.confirm]:
                if not combination:
                    raise ValueError(f"sign '{sign.id}' has an empty combination")
                for concept in combination:
                    if concept not in self.concepts:
                        raise ValueError(f"sign '{sign.id}' names unknown concept '{concept}'")
        for name, ranges in self.numbers.items():
            for low, high in ranges:
                if low > high:
                    raise ValueError(f"number class '{name}' has a range {low} > {high}")
        return self


def load_screening(directory: Path | None = None) -> ScreeningFile:
    """Read and validate content/screening.yaml (ContentError, one line, on a fault)."""
    return load_copy(ScreeningFile, FILE_NAME, directory)


@cache
def screening_content() -> ScreeningFile:
    """The shipped screening content, loaded once per process."""
    return load_screening()

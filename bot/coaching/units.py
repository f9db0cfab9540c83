"""Lengths in the runner's units: the content states the article's imperial values (a 6-8 inch
step, 10-15 ft of band walking); metric users see them converted and rounded to what a person
would measure (15-20 cm, 3-4.5 m). Metric is the default except in countries that measure in
feet and inches, told from the IANA zone. Called by the plan (bot/coaching/plan.py) and the
settings use cases."""

from __future__ import annotations

from enum import StrEnum

from bot.coaching.screening.countries import country_for_zone

CM_PER_INCH = 2.54
M_PER_FOOT = 0.3048
# Where people measure in feet and inches (ISO 3166 alpha-2).
IMPERIAL_COUNTRIES = frozenset({"US", "LR", "MM"})


class Units(StrEnum):
    """A unit system; stable strings (stored in profiles.units, sent in callback data)."""

    METRIC = "metric"
    IMPERIAL = "imperial"


def default_units(zone: str | None) -> Units:
    """Imperial where the zone's country measures in feet, else metric (UTC: metric)."""
    return Units.IMPERIAL if country_for_zone(zone) in IMPERIAL_COUNTRIES else Units.METRIC


def units_of(chosen: str | None, zone: str | None) -> Units:
    """The runner's units: their own choice, else the default for their zone."""
    return Units(chosen) if chosen in {u.value for u in Units} else default_units(zone)


def _tidy(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def feet(value: int, units: Units) -> int | float:
    """A distance given in feet, in `units` (metres to the nearest half metre)."""
    if units is Units.IMPERIAL:
        return value
    return _tidy(round(value * M_PER_FOOT * 2) / 2)


def inches(value: int, units: Units) -> int | float:
    """A height given in inches, in `units` (centimetres to the nearest 5 cm)."""
    if units is Units.IMPERIAL:
        return value
    return _tidy(round(value * CM_PER_INCH / 5) * 5)

"""Where to send someone, by country: emergency number and care routes from their time zone.

The bot knows each user's IANA time zone (asked at onboarding for reminders), not their
country. tzdata's own zone tables map a zone to the country it is in, so "America/New_York"
gets 911 and urgent care while "Europe/London" gets 999 and NHS 111. The routes live in
content/countries.yaml; a country not listed there, or a zone such as UTC that belongs to no
country, falls back to 112 and "your local emergency number".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.content import load_copy

FILE_NAME = "countries.yaml"


class CareRoute(BaseModel):
    """One country's emergency number and routes, in the project's own short words."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    emergency_number: str = Field(pattern=r"^[0-9]{2,4}$")
    emergency: str = Field(min_length=1)
    same_day: str = Field(min_length=1)
    routine: str = Field(min_length=1)


class CountriesFile(BaseModel):
    """content/countries.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: CareRoute
    countries: dict[str, CareRoute]

    @field_validator("countries")
    @classmethod
    def _iso_codes(cls, value: dict[str, CareRoute]) -> dict[str, CareRoute]:
        for code in value:
            if len(code) != 2 or not code.isalpha() or not code.isupper():
                raise ValueError(f"'{code}' is not an ISO 3166 alpha-2 code")
        return value


@dataclass(frozen=True)
class Route:
    """The care route for one user: `country` is None when the default row applies."""

    country: str | None
    care: CareRoute


def load_countries(directory: Path | None = None) -> CountriesFile:
    """Read and validate content/countries.yaml (ContentError, one line, on a fault)."""
    return load_copy(CountriesFile, FILE_NAME, directory)


@cache
def countries_content() -> CountriesFile:
    """The shipped country table, loaded once per process."""
    return load_countries()


def _zone_file(name: str) -> str:
    return (resources.files("tzdata") / "zoneinfo" / name).read_text(encoding="utf-8")


@cache
def _zone_countries() -> dict[str, str]:
    """Zone name -> ISO country code, from zone.tab, zone1970.tab and tzdata's links."""
    countries: dict[str, str] = {}
    # zone1970.tab lists every country sharing a zone since 1970 ("DE,DK,NO,SE,SJ" for
    # Europe/Berlin); the first is the zone's own country. zone.tab then adds one zone per
    # country, including zones that are links elsewhere (Europe/Jersey -> JE).
    for name in ("zone1970.tab", "zone.tab"):
        for line in _zone_file(name).splitlines():
            if not line or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) >= 3:
                countries.setdefault(fields[2], fields[0].split(",")[0])
    # Old and alternative names ("Asia/Calcutta", "US/Eastern", "Europe/Belfast") are links
    # in tzdata.zi: "L <target> <alias>".
    for line in _zone_file("tzdata.zi").splitlines():
        if line.startswith("L "):
            _, target, alias = line.split()
            if alias not in countries and target in countries:
                countries[alias] = countries[target]
    return countries


def country_for_zone(zone: str | None) -> str | None:
    """The ISO 3166 alpha-2 code of the country an IANA zone is in; None for UTC and the like."""
    if not zone:
        return None
    return _zone_countries().get(zone.strip())


def care_route(zone: str | None) -> Route:
    """Where to go from this time zone; the default row (112) when the country is not listed."""
    table = countries_content()
    country = country_for_zone(zone)
    if country is not None and country in table.countries:
        return Route(country, table.countries[country])
    return Route(None, table.default)

"""Where to go depends on the country, taken from the user's IANA time zone."""

from __future__ import annotations

import pytest

from bot.coaching.screening.countries import care_route, countries_content, country_for_zone

EU = [
    "AT",
    "BE",
    "BG",
    "HR",
    "CY",
    "CZ",
    "DK",
    "EE",
    "FI",
    "FR",
    "DE",
    "GR",
    "HU",
    "IE",
    "IT",
    "LV",
    "LT",
    "LU",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SK",
    "SI",
    "ES",
    "SE",
]


@pytest.mark.parametrize(
    ("zone", "country", "number"),
    [
        ("Europe/London", "GB", "999"),
        ("Europe/Dublin", "IE", "112"),
        ("America/New_York", "US", "911"),
        ("America/Toronto", "CA", "911"),
        ("Australia/Sydney", "AU", "000"),
        ("Pacific/Auckland", "NZ", "111"),
        ("Asia/Kolkata", "IN", "112"),
        ("Europe/Berlin", "DE", "112"),
        ("Europe/Paris", "FR", "112"),
    ],
)
def test_listed_countries_get_their_own_numbers(zone: str, country: str, number: str) -> None:
    route = care_route(zone)
    assert route.country == country
    assert route.care.emergency_number == number


def test_the_uk_goes_to_nhs_111_and_the_us_to_urgent_care() -> None:
    assert "NHS 111" in care_route("Europe/London").care.same_day
    assert "999" in care_route("Europe/London").care.emergency
    assert "urgent care" in care_route("America/New_York").care.same_day
    assert "NHS" not in care_route("America/New_York").care.same_day


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "UTC", "Etc/UTC", "Not/AZone", "", None])
def test_elsewhere_falls_back_to_112_and_the_local_number(zone: str | None) -> None:
    route = care_route(zone)
    assert route.country is None
    assert route.care.emergency_number == "112"
    assert "your local emergency number" in route.care.emergency


@pytest.mark.parametrize(
    ("zone", "country"),
    [
        ("Asia/Tokyo", "JP"),
        ("Asia/Calcutta", "IN"),  # old name, a link in tzdata
        ("US/Eastern", "US"),
        ("Europe/Belfast", "GB"),
        ("Europe/Copenhagen", "DK"),  # a link to Europe/Berlin, still Denmark
        ("UTC", None),
    ],
)
def test_zones_map_to_countries_through_tzdata(zone: str, country: str | None) -> None:
    assert country_for_zone(zone) == country


def test_the_table_covers_the_uk_ireland_north_america_oceania_india_and_the_eu() -> None:
    listed = set(countries_content().countries)
    assert {"GB", "IE", "US", "CA", "AU", "NZ", "IN", *EU} <= listed

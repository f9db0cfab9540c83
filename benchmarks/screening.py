"""How long the free-text screen takes per message, and what it catches.

Screens every phrasing of the labelled corpus (tests/safety) with the medspacy screen. Prints
a Markdown section for docs/performance.md: mean and p99 time per message, build and import
costs, and the screen's recall and false alarms on the corpus. (The regular-expression screen
it replaced was removed in issue 9; docs/performance.md keeps its last measured figures.)

    python -m benchmarks.screening [--rounds 5]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from tests.safety import corpus


@dataclass(frozen=True)
class Timing:
    mean_ms: float
    p99_ms: float


@dataclass(frozen=True)
class Figures:
    import_s: float
    build_s: float
    language_first_s: float
    rss_mb: float
    screen: Timing
    language: Timing
    caught: dict[str, tuple[int, int]]
    false_alarms: tuple[int, int]
    messages: int


def _time(fn: Callable[[str], object], texts: list[str], rounds: int) -> Timing:
    samples: list[float] = []
    for _ in range(rounds):
        for text in texts:
            began = time.perf_counter()
            fn(text)
            samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return Timing(statistics.fmean(samples), samples[int(len(samples) * 0.99) - 1])


def _import_seconds() -> float:
    """Importing the screen (spaCy, medspacy, lingua, rapidfuzz) in a fresh interpreter."""
    code = (
        "import time; t = time.perf_counter(); "
        "import bot.coaching.screening.engine, bot.coaching.screening.language; "
        "print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def measure(rounds: int) -> Figures:
    """Screen the whole corpus `rounds` times with each screen, after a warm-up."""
    import_s = _import_seconds()
    from bot.coaching.screening import engine, language

    began = time.perf_counter()
    language.warm_up()
    language_first_s = time.perf_counter() - began
    began = time.perf_counter()
    engine.warm_up()  # the language part is loaded already: this is the screen's compile
    build_s = time.perf_counter() - began

    from bot.content import get_content

    get_content()
    cases = corpus.load(corpus.TUNING) + corpus.load(corpus.HELD_OUT)
    texts = [case.text for case in cases]
    screen_t = _time(engine.screen, texts, rounds)
    language_t = _time(language.is_probably_english, texts, rounds)

    score = corpus.score(cases, engine.screen)
    return Figures(
        import_s=import_s,
        build_s=build_s,
        language_first_s=language_first_s,
        rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        screen=screen_t,
        language=language_t,
        caught={u.value: (score.caught.get(u, 0), score.total.get(u, 0)) for u in score.total},
        false_alarms=(score.false_alarms, score.ordinary),
        messages=len(texts),
    )


def _pct(pair: tuple[int, int]) -> str:
    return f"{pair[0] / pair[1]:.1%} ({pair[0]}/{pair[1]})" if pair[1] else "-"


def render(figures: Figures, rounds: int) -> str:
    """The Markdown section for docs/performance.md."""
    f = figures
    rows = "\n".join(f"| {tier} | {_pct(f.caught[tier])} |" for tier in f.caught)
    return f"""## Free-text screening

`benchmarks/screening.py` screens the {f.messages} phrasings of the safety corpus
(tests/safety, tuning and held-out parts together) {rounds} times with the medspacy screen.

| per message | mean | p99 |
|---|---|---|
| medspacy screen | {f.screen.mean_ms:.2f} ms | {f.screen.p99_ms:.2f} ms |
| language check (lingua) | {f.language.mean_ms:.2f} ms | {f.language.p99_ms:.2f} ms |

One-off costs: importing the screen {f.import_s:.1f} s, compiling it {f.build_s:.1f} s (once
per process, `warm_up()`), loading the language detector {f.language_first_s:.2f} s; the
benchmark process peaked at {f.rss_mb:.0f} MB resident.

| recall (explicit or confirm) | medspacy screen |
|---|---|
{rows}
| false alarms on ordinary messages | {_pct(f.false_alarms)} |
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(render(measure(args.rounds), args.rounds))


if __name__ == "__main__":
    main()

"""Load the labelled screening corpus and score the screen on it.

Used by test_corpus.py and benchmarks/screening.py. The corpus files map a sign id (or
`none`) to an expected stage to texts; see their headers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.coaching.screening import Screening, Urgency
from bot.coaching.screening.content import screening_content

HERE = Path(__file__).resolve().parent
TUNING = HERE / "corpus.yaml"
HELD_OUT = HERE / "corpus_heldout.yaml"
STAGES = ("explicit", "confirm", "none")


@dataclass(frozen=True)
class Case:
    text: str
    sign: str | None
    stage: str


def load(path: Path) -> list[Case]:
    """Every phrasing of one corpus file."""
    return list(_cases(path.name, yaml.safe_load(path.read_text(encoding="utf-8"))))


def _cases(name: str, data: dict[str, Any]) -> Iterator[Case]:
    for key, value in data.items():
        if key.startswith("round_"):
            # A block of later phrasings (`round_two:`), laid out like the file itself.
            yield from _cases(name, value)
            continue
        for stage, texts in value.items():
            if stage not in STAGES:
                raise ValueError(f"{name}: {key}: unknown stage '{stage}'")
            for text in texts:
                yield Case(str(text), None if key == "none" else key, stage)


def stage_of(result: Screening, sign: str | None) -> str:
    """The stage the screen reached for `sign` (for None: for any sign)."""
    explicit = {f.sign for f in result.explicit}
    unclear = {f.sign for f in result.unclear}
    if sign is None:
        return "explicit" if explicit else "confirm" if unclear else "none"
    return "explicit" if sign in explicit else "confirm" if sign in unclear else "none"


@dataclass
class Score:
    """Recall per urgency, false alarms on ordinary messages, and every miss."""

    caught: dict[Urgency, int] = field(default_factory=dict)
    total: dict[Urgency, int] = field(default_factory=dict)
    stage_right: int = 0
    flagged_cases: int = 0
    ordinary: int = 0
    false_alarms: int = 0
    ordinary_confirms: int = 0
    misses: list[str] = field(default_factory=list)

    def recall(self, urgency: Urgency) -> float:
        total = self.total.get(urgency, 0)
        return self.caught.get(urgency, 0) / total if total else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.ordinary if self.ordinary else 0.0

    def lines(self, title: str) -> list[str]:
        out = [f"{title}: {self.flagged_cases} warning phrasings, {self.ordinary} ordinary"]
        for urgency in Urgency:
            out.append(
                f"  recall {urgency.value:<16} {self.recall(urgency):6.1%}"
                f"  ({self.caught.get(urgency, 0)}/{self.total.get(urgency, 0)})"
            )
        out.append(
            f"  false alarms (ordinary -> referral without confirming) "
            f"{self.false_alarm_rate:5.1%} ({self.false_alarms}/{self.ordinary})"
        )
        out.append(
            f"  ordinary -> one confirming question {self.ordinary_confirms}/{self.ordinary}"
        )
        out.append(
            f"  stage as labelled (explicit/confirm) {self.stage_right}/{self.flagged_cases}"
        )
        return out


def score(cases: Sequence[Case], screen: Callable[[str], Screening]) -> Score:
    """Run the screen over `cases`; explicit and confirm both count as caught."""
    urgency = {sign.id: sign.urgency for sign in screening_content().signs}
    result = Score()
    for case in cases:
        outcome = screen(case.text)
        if case.sign is None:
            result.ordinary += 1
            got = stage_of(outcome, None)
            if got == "explicit":
                result.false_alarms += 1
                result.misses.append(f"FALSE ALARM {case.text!r}: {_found(outcome)}")
            elif got == "confirm":
                result.ordinary_confirms += 1
                result.misses.append(f"confirm     {case.text!r}: {_found(outcome)}")
            continue
        tier = urgency[case.sign]
        result.flagged_cases += 1
        result.total[tier] = result.total.get(tier, 0) + 1
        got = stage_of(outcome, case.sign)
        if got == "none":
            result.misses.append(f"MISSED {case.sign} {case.text!r}: {_found(outcome)}")
            continue
        result.caught[tier] = result.caught.get(tier, 0) + 1
        if got == case.stage:
            result.stage_right += 1
        else:
            result.misses.append(f"stage {got}!={case.stage} {case.sign} {case.text!r}")
    return result


def _found(outcome: Screening) -> str:
    return (
        f"explicit={[f.sign for f in outcome.explicit]} unclear={[f.sign for f in outcome.unclear]}"
    )

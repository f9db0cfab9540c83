"""`knee-coach content check`: validate content/ and print what it holds.

The CLI calls `main_check()`; it prints a summary, or the one-line ContentError to stderr.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from bot.content import Content, ContentError, load_content
from bot.content.kinds import Tier

__all__ = ["content_summary", "main_check"]


def content_summary(content: Content) -> str:
    """Counts per file, exercises per phase, and which references are used or unused."""
    tiers = Counter(flag.tier for flag in content.red_flags.values())
    lines = [
        f"Content OK: {content.directory}",
        f"  references.yaml  {len(content.references)} references",
        f"  thresholds.yaml  {len(content.thresholds.values())} thresholds",
        f"  exercises.yaml   {len(content.exercises)} exercises",
        f"  protocols.yaml   {len(content.protocols)} protocol(s), "
        f"{sum(len(p.steps) for p in content.protocols.values())} steps",
        f"  phases.yaml      {len(content.phases)} phases, "
        f"{len(content.return_to_running.stages)} walk/run stages",
        f"  assessment.yaml  {len(content.assessment)} questions",
        f"  red_flags.yaml   {len(content.red_flags)} red flags ("
        + ", ".join(f"{tier}: {tiers.get(tier, 0)}" for tier in Tier)
        + ")",
        f"  checkin.yaml     {len(content.checkin)} questions",
        f"  education.yaml   {len(content.education)} cards",
        f"  rules.yaml       {len(content.rules)} rules",
        f"  messages.yaml    {len(content.messages.outcomes)} outcome texts, "
        f"{len(content.messages.stage_names)} stage names",
        f"  kujala.yaml      {len(content.kujala.items)} items, max {content.kujala.max_score}",
        "Phases:",
    ]
    for number, phase in content.phases.items():
        ids = ", ".join(entry.exercise for entry in phase.exercises)
        lines.append(f"  {number}. {phase.name} ({len(phase.exercises)} exercises): {ids}")
    used = content.all_cited()
    unused = [ref for ref in content.references if ref not in used]
    lines.append(f"References used ({len(used)}): " + ", ".join(sorted(used)))
    lines.append(f"References unused ({len(unused)}): " + (", ".join(unused) if unused else "none"))
    return "\n".join(lines)


def main_check(directory: Path | None = None) -> int:
    """Print the content summary and return 0, or print the error line and return 1."""
    try:
        content = load_content(directory)
    except ContentError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(content_summary(content))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main_check())

"""Generate docs/clinical-rules.md from the content, so the docs cannot drift from the rules.

Run `python -m bot.coaching.docs` after changing content/; a test fails while the file on
disk differs from `render_clinical_rules(get_content())`.
"""

from __future__ import annotations

from pathlib import Path

from bot.coaching.plan import describe_dosage, describe_run_stage
from bot.content import ClinicalRule, Content, RuleScope, get_content
from bot.content.kinds import Tier

__all__ = ["DOC_PATH", "main", "render_clinical_rules"]

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "clinical-rules.md"


def _refs(content: Content, ids: list[str]) -> str:
    return "; ".join(content.references[i].short for i in dict.fromkeys(ids))


def _rule_lines(content: Content, rule: ClinicalRule) -> list[str]:
    lines = [f"- **{rule.id}** - {rule.statement}"]
    if rule.thresholds:
        values = ", ".join(
            f"`{name}` = {content.render('{' + name + '}')}" for name in rule.thresholds
        )
        lines.append(f"  Thresholds: {values}.")
    lines.append(f"  Sources: {_refs(content, rule.references)}.")
    return lines


def render_clinical_rules(content: Content) -> str:
    """The whole of docs/clinical-rules.md as text."""
    out: list[str] = [
        "# Clinical rules",
        "",
        "<!-- Generated from content/ by `python -m bot.coaching.docs`; do not edit by hand. -->",
        "",
        "Knee Coach is a coach, not a doctor. This page lists, in plain language, every rule",
        "the coaching engine applies, the numbers it uses and where each comes from. All",
        "numbers live in `content/thresholds.yaml`, so a clinician can tune them without",
        "touching code.",
        "",
        "## About the pain-monitoring model",
        "",
        content.rules_note,
        "",
        "## 1. Red flags",
        "",
        "A red flag in any answer, check-in or free-text message wins over everything else.",
        "When several match, the most serious tier wins.",
        "",
    ]
    for tier in Tier:
        info = content.tiers[tier]
        out += [f"### {tier.value}: {info.title}", "", f"Where to go: {info.where_to_go}", ""]
        out.append(f"What happens: {info.action}")
        out.append("")
        for flag in content.red_flags.values():
            if flag.tier is tier:
                out.append(f"- **{flag.label}** (`{flag.id}`) - {flag.message}")
                out.append(f"  Sources: {_refs(content, flag.references)}.")
        out.append("")

    out += ["## 2. Who gets which plan (triage)", ""]
    for rule in content.rules.values():
        if rule.applies_to is RuleScope.TRIAGE:
            out += _rule_lines(content, rule)
    out += ["", "## 3. Short term: PRICE", "", content.price.summary, "", content.price.leave_when]
    out.append("")
    for step in content.price.steps:
        note = f" {step.note}" if step.note else ""
        out.append(f"- **{step.title}** - {step.instructions}{note}")
        out.append(f"  Sources: {_refs(content, step.references)}.")

    out += ["", "## 4. Long term: the phases", ""]
    for number, phase in content.phases.items():
        out += [f"### Phase {number}: {phase.name}", "", phase.goal, ""]
        out += [f"- Entry: {phase.entry}", f"- Exit: {phase.exit}", f"- Running: {phase.running}"]
        out.append(f"- Sources: {_refs(content, phase.references)}.")
        out += ["", "| Exercise | Dosage in this phase | Sources |", "|---|---|---|"]
        for exercise, dosage, _entry in content.phase_exercises(number):
            frequency = content.messages.dosage.frequency[dosage.frequency]
            out.append(
                f"| {exercise.name} | {describe_dosage(dosage, content)} ({frequency}) "
                f"| {_refs(content, exercise.references)} |"
            )
        out.append("")
    rtr = content.return_to_running
    out += ["### Return-to-running gate and walk/run stages", "", rtr.gate.question, ""]
    for index, stage in enumerate(rtr.stages, start=1):
        out.append(f"{index}. {stage.name}: {describe_run_stage(stage, content)}")
    out += ["", rtr.stages_basis, f"Sources: {_refs(content, rtr.references)}.", ""]

    out += ["## 5. Daily progression (pain-monitoring model)", ""]
    out.append("Checked in this order; the first rule that applies decides the day.")
    out.append("")
    for rule in content.rules.values():
        if rule.applies_to is RuleScope.PROGRESSION:
            out += _rule_lines(content, rule)

    out += ["", "## 6. Every threshold", "", "| Name | Value | Meaning | Sources |"]
    out.append("|---|---|---|---|")
    for name, threshold in content.thresholds.items():
        value = content.render("{" + name + "}")
        out.append(
            f"| `{name}` | {value} {threshold.unit} | {threshold.meaning} "
            f"| {_refs(content, threshold.references)} |"
        )

    out += ["", "## 7. References", ""]
    for ref in content.references.values():
        url = f" <{ref.url}>" if ref.url else ""
        out.append(f"- **{ref.short}** (`{ref.id}`): {ref.citation}{url}")
    out.append("")
    return "\n".join(out)


def main() -> int:
    """Write docs/clinical-rules.md from the shipped content."""
    DOC_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOC_PATH.write_text(render_clinical_rules(get_content()), encoding="utf-8")
    print(f"wrote {DOC_PATH}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

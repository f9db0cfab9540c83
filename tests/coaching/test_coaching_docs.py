"""docs/clinical-rules.md is generated from content/ and must match it."""

from __future__ import annotations

from bot.coaching.docs import DOC_PATH, render_clinical_rules
from bot.content import Content


def test_clinical_rules_doc_is_up_to_date(content: Content) -> None:
    expected = render_clinical_rules(content)
    on_disk = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
    assert on_disk == expected, (
        "docs/clinical-rules.md is out of date: run `python -m bot.coaching.docs`"
    )


def test_clinical_rules_doc_says_what_it_must(content: Content) -> None:
    text = render_clinical_rules(content)
    assert "Achilles tendinopathy" in text
    assert "Silbernagel" in text
    assert "extrapolation" in text
    assert "not a doctor" in text
    for rule in content.rules.values():
        assert f"**{rule.id}**" in text
    for flag in content.red_flags.values():
        assert flag.label in text
    for name in content.thresholds.values():
        assert f"`{name}`" in text
    for ref in content.references.values():
        assert ref.citation in text

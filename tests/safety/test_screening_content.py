"""content/screening.yaml is validated and compiles; mistakes fail with a one-line error."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.coaching.screening import Urgency
from bot.coaching.screening.content import load_screening, screening_content
from bot.coaching.screening.engine import build_engine
from bot.coaching.screening.patterns import TermError
from bot.content import ContentError, get_content
from bot.content.kinds import Tier
from bot.resources import content_dir


def test_every_sign_names_a_red_flag_of_red_flags_yaml() -> None:
    red_flags = set(get_content().red_flags)
    for sign in screening_content().signs:
        assert sign.red_flag in red_flags, sign.id


def test_every_red_flag_with_free_text_meaning_has_a_sign() -> None:
    covered = {sign.red_flag for sign in screening_content().signs}
    # Flags only asked as questions (the knee check, the knee score's "has it dislocated?"),
    # never typed as a sentence; a typed dislocation is the screen's kneecap_dislocation sign.
    assessment_only = {"sudden_onset", "atypical_pattern", "kneecap_instability"}
    assert set(get_content().red_flags) - assessment_only == covered


def test_no_term_is_cut_short_by_a_yaml_comment() -> None:
    # `- age #child_age` reads as "age" followed by a comment: such terms must be quoted.
    text = (content_dir() / "screening.yaml").read_text(encoding="utf-8")
    cut = [line for line in text.splitlines() if re.match(r"^\s*- [^\"'#].* #[a-z_]+", line)]
    assert cut == []


def test_urgencies_map_onto_the_red_flag_tiers() -> None:
    assert Urgency.EMERGENCY.tier is Tier.EMERGENCY
    assert Urgency.SAME_DAY.tier is Tier.SAME_DAY
    assert Urgency.CLINICIAN_SOON.tier is Tier.CLINICIAN_SOON
    assert Urgency.OUTSIDE_PATHWAY.tier is Tier.OUTSIDE_PATHWAY
    assert [u.rank for u in Urgency] == [0, 1, 2, 3]
    assert all(Urgency.of(tier).tier is tier for tier in Tier)


def test_every_sign_raises_a_flag_of_its_own_tier() -> None:
    """Same day has its own tier in red_flags.yaml: a sign's urgency is its flag's tier, so
    the knee check, the check-in and the free-text screen say the same thing about it."""
    content = get_content()
    for sign in screening_content().signs:
        assert content.red_flags[sign.red_flag].tier is sign.urgency.tier, sign.id


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(content_dir(), folder)
    path = folder / "screening.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def test_an_unknown_concept_in_a_sign_names_file_and_sign(tmp_path: Path) -> None:
    folder = _edited(tmp_path, "explicit: [[pale_leg]]", "explicit: [[pale_legs]]")
    with pytest.raises(ContentError) as caught:
        load_screening(folder)
    line = str(caught.value)
    assert line.startswith("content/screening.yaml: ")
    assert "pale_legs" in line
    assert "\n" not in line


def test_an_unknown_number_class_fails_when_compiled(tmp_path: Path) -> None:
    folder = _edited(tmp_path, '"age/aged/ages #child_age"', '"age/aged/ages #kid_age"')
    with pytest.raises(TermError, match="kid_age"):
        build_engine(load_screening(folder))


def test_an_edited_term_changes_what_the_screen_finds(tmp_path: Path) -> None:
    folder = _edited(tmp_path, "      - numb/numbness/numbed", "      - numb/numbness/numbed/fizzy")
    engine = build_engine(load_screening(folder))
    assert [f.sign for f in engine.screen("my foot feels fizzy").explicit] == ["new_numbness"]

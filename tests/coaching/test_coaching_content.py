"""Content integrity: the YAML holds what the article and the brief require, cross-references
resolve, and a broken file stops loading with one line naming file, entry and field."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot import resources
from bot.coaching.plan import describe_dosage
from bot.content import (
    BandPosition,
    Content,
    ContentError,
    ExerciseCategory,
    Frequency,
    QuestionKind,
    iter_text_fields,
    load_content,
)
from bot.content.check import content_summary, main_check
from bot.content.kinds import RuleId, Tier

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = Path("/work/shared/source/runners-knee-article.txt")


# --- the article's prescriptions -------------------------------------------------------------


def test_price_numbers_from_the_article(content: Content) -> None:
    th = content.thresholds
    assert (th.ice_times_per_day_min.value, th.ice_times_per_day_max.value) == (2, 3)
    assert (th.ice_minutes_min.value, th.ice_minutes_max.value) == (10, 20)
    ice = next(s for s in content.price.steps if s.id == "ice")
    assert "2-3 times a day" in ice.instructions
    assert "10-20 minutes" in ice.instructions
    kinds = {s.kind.value for s in content.price.steps}
    assert kinds == {"rest", "icing", "compression", "elevation"}
    compression = next(s for s in content.price.steps if s.kind.value == "compression")
    assert "elastic" in compression.instructions.lower()
    elevation = next(s for s in content.price.steps if s.kind.value == "elevation")
    assert "heart" in elevation.instructions
    assert elevation.time_of_day.value == "morning"


@pytest.mark.parametrize(
    "exercise_id", ["foam_roll_itb", "foam_roll_quads", "foam_roll_hamstrings", "foam_roll_calves"]
)
def test_foam_rolling_daily_with_ten_second_holds(content: Content, exercise_id: str) -> None:
    exercise = content.exercises[exercise_id]
    assert exercise.category is ExerciseCategory.RELEASE
    assert exercise.dosage.hold_seconds == 10
    assert exercise.dosage.frequency is Frequency.DAILY
    assert exercise.phases == [1, 2, 3]


def test_foam_roll_targets(content: Content) -> None:
    targets = {
        t for e in content.exercises.values() if e.id.startswith("foam_roll") for t in e.targets
    }
    joined = " ".join(targets).lower()
    for muscle in ("tensor fasciae latae", "iliotibial", "quadriceps", "hamstrings", "gastroc"):
        assert muscle in joined
    itb = content.exercises["foam_roll_itb"]
    assert "hip" in " ".join(itb.steps).lower()
    assert "knee" in " ".join(itb.steps).lower()


def test_hamstring_stretch_dosage(content: Content) -> None:
    dosage = content.exercises["hamstring_stretch"].dosage
    assert (dosage.sets, dosage.hold_seconds) == (3, 30)
    assert dosage.step_height_in is not None
    assert (dosage.step_height_in.min, dosage.step_height_in.max) == (6, 8)


def test_wall_squat_dosage(content: Content) -> None:
    squat = content.exercises["wall_squat"]
    assert squat.dosage.eccentric_seconds == 5
    assert squat.dosage.max_knee_flexion_deg == 75
    steps = " ".join(squat.steps).lower()
    assert "physioball" in steps
    assert "outwards" in steps
    assert "thighs-parallel" in " ".join(squat.cautions)  # one depth on the page (issue 10)
    assert "90 degrees" in squat.dosage_basis  # the article's limit, kept with its source


@pytest.mark.parametrize("exercise_id", ["band_lateral_walk", "monster_walk"])
def test_band_walk_distances_and_band_progression(content: Content, exercise_id: str) -> None:
    exercise = content.exercises[exercise_id]
    assert exercise.dosage.distance_ft is not None
    assert (exercise.dosage.distance_ft.min, exercise.dosage.distance_ft.max) == (10, 15)
    assert exercise.dosage.each_way
    assert exercise.band_positions == [
        BandPosition.ABOVE_KNEE,
        BandPosition.MID_SHIN,
        BandPosition.ANKLE,
    ]


def test_band_moves_lower_through_the_phases(content: Content) -> None:
    order = list(BandPosition)
    positions = []
    for number in (1, 2, 3):
        for exercise, dosage, _ in content.phase_exercises(number):
            if exercise.id == "band_lateral_walk":
                assert dosage.band_position is not None
                positions.append(order.index(dosage.band_position))
    assert positions == sorted(positions)
    assert positions[0] == 0
    assert positions[-1] == len(order) - 1


def test_phase1_squat_is_partial(content: Content) -> None:
    dosage = next(d for e, d, _ in content.phase_exercises(1) if e.id == "wall_squat")
    assert dosage.max_knee_flexion_deg is not None
    assert dosage.max_knee_flexion_deg < content.exercises["wall_squat"].dosage.max_knee_flexion_deg


def test_sprint_training_drills(content: Content) -> None:
    strides = content.exercises["barefoot_strides"]
    ladder = content.exercises["speed_ladder"]
    assert strides.phases == [3]
    assert ladder.phases == [3]
    assert "soft" in " ".join(strides.steps).lower()
    assert "ball of the foot" in (ladder.purpose + " ".join(ladder.steps)).lower()
    assert strides.category is ladder.category is ExerciseCategory.RUNNING_DRILL


def test_every_exercise_is_complete(content: Content) -> None:
    for exercise in content.exercises.values():
        assert exercise.steps
        assert exercise.cautions
        assert exercise.targets
        assert exercise.easier
        assert exercise.harder
        assert exercise.purpose
        assert exercise.references


def test_hip_and_knee_exercise_together_from_phase2(content: Content) -> None:
    for number in (2, 3):
        ids = {e.id for e, _, _ in content.phase_exercises(number)}
        assert "wall_squat" in ids  # knee
        assert {"band_lateral_walk", "monster_walk"} <= ids  # hip


@pytest.mark.parametrize(
    ("exercise_id", "phase", "expected"),
    [
        ("foam_roll_itb", 2, "hold about 10 s on each tender spot"),
        ("hamstring_stretch", 2, "3 x 30 s, foot on a 6-8 inch step"),
        ("wall_squat", 2, "5 s down, no deeper than about 75 degrees"),
        ("band_lateral_walk", 2, "10-15 ft each way, band at mid shin"),
        ("monster_walk", 3, "10-15 ft each way, band around the ankles"),
    ],
)
def test_article_numbers_reach_the_user(
    content: Content, exercise_id: str, phase: int, expected: str
) -> None:
    dosage = next(d for e, d, _ in content.phase_exercises(phase) if e.id == exercise_id)
    assert expected in describe_dosage(dosage, content)


# --- cross references ---------------------------------------------------------------------------


def test_every_phase_exercise_exists(content: Content) -> None:
    for phase in content.phases.values():
        for entry in phase.exercises:
            assert entry.exercise in content.exercises
            assert phase.number in content.exercises[entry.exercise].phases


def test_every_cited_reference_exists_and_every_reference_is_cited(content: Content) -> None:
    cited = content.all_cited()
    assert cited <= set(content.references)
    assert set(content.references) <= cited


def test_required_references_present(content: Content) -> None:
    required = {
        "article", "presswood2008", "collado2010", "lininger2009", "bolgla2008", "piva2005",
        "lieberman2012", "willy2019", "collins2018", "silbernagel2007", "piva2009",
        "esculier2020", "stiell1995", "matava1999", "nhs_knee_pain", "kujala1993",
    }  # fmt: skip
    assert required <= set(content.references)
    numbers = sorted(r.article_number for r in content.references.values() if r.article_number)
    assert numbers == [1, 2, 3, 4, 5, 6]


def test_every_advice_entry_cites_something(content: Content) -> None:
    entries = [
        *content.exercises.values(),
        *content.price.steps,
        *content.phases.values(),
        *content.red_flags.values(),
        *content.education,
        *content.rules.values(),
        *content.assessment,
        *content.checkin,
    ]
    for entry in entries:
        assert entry.references, entry


def test_answer_options_point_at_real_red_flags(content: Content) -> None:
    for question in [*content.assessment, *content.checkin]:
        for option in question.options:
            if option.red_flag is not None:
                assert option.red_flag in content.red_flags
    for item in content.kujala.items:
        for kujala_option in item.options:
            if kujala_option.red_flag is not None:
                assert kujala_option.red_flag in content.red_flags


def test_rules_match_the_engine(content: Content) -> None:
    assert set(content.rules) == set(RuleId)
    names = set(content.thresholds.values())
    for rule in content.rules.values():
        assert set(rule.thresholds) <= names


def test_no_placeholders_left_in_final_texts(content: Content) -> None:
    texts = [
        *(q.text for q in content.assessment),
        *(o.label for q in content.assessment for o in q.options),
        *(f.label + f.message for f in content.red_flags.values()),
        *(c.body for c in content.education),
        *(p.entry + p.exit + p.running for p in content.phases.values()),
        *(r.statement for r in content.rules.values()),
    ]
    for text in texts:
        assert "{" not in text, text


# --- the assessment and check-in questionnaires ---------------------------------------------


def test_assessment_shape(content: Content) -> None:
    questions = content.assessment
    assert 10 <= len(questions) <= 14
    flagged = [i for i, q in enumerate(questions) if any(o.red_flag for o in q.options)]
    scales = [i for i, q in enumerate(questions) if q.kind is QuestionKind.SCALE]
    # Red-flag questions come early: the emergency ones before any pain scale.
    emergency = [
        i
        for i, q in enumerate(questions)
        if any(
            o.red_flag and content.red_flags[o.red_flag].tier is Tier.EMERGENCY for o in q.options
        )
    ]
    assert max(emergency) < min(scales)
    assert flagged[0] <= 1
    for question in questions:
        assert question.kind in set(QuestionKind)
        for option in question.options:
            assert option.value
            assert option.label
        if question.kind is QuestionKind.SCALE:
            assert [o.value for o in question.options][:11] == [str(n) for n in range(11)]


def test_assessment_covers_the_brief(content: Content) -> None:
    flags = {o.red_flag for q in content.assessment for o in q.options if o.red_flag}
    assert {
        "under_18", "recent_trauma", "hot_swollen_fever", "cannot_bear_weight",
        "cannot_bend_straighten", "locking", "giving_way", "swelling_after_injury",
        "kneecap_dislocation", "numb_cold_leg", "calf_swelling_breathless", "night_rest_pain",
        "morning_stiffness", "weight_loss_fever", "persistent_swelling", "no_improvement",
        "worse_week_on_week", "outer_knee_pain", "pain_not_kneecap", "sudden_onset",
    } <= flags  # fmt: skip
    ids = {q.id for q in content.assessment}
    assert {"rest_pain", "running_pain", "flare"} <= ids


def test_checkin_rescreens_red_flags_first(content: Content) -> None:
    first = content.checkin[0]
    assert sum(1 for o in first.options if o.red_flag) >= 3


def test_kujala_structure(content: Content) -> None:
    kujala = content.kujala
    assert len(kujala.items) == 13
    assert sum(max(o.points for o in i.options) for i in kujala.items) == 100
    pain = next(i for i in kujala.items if i.id == "pain")
    assert any(o.red_flag and "sleep" in o.label.lower() for o in pain.options)
    swelling = next(i for i in kujala.items if i.id == "swelling")
    assert any(o.red_flag for o in swelling.options if o.value == "constant")


def test_education_has_the_evidence_update(content: Content) -> None:
    card = next(c for c in content.education if c.id == "evidence_update")
    assert "esculier2020" in card.references
    body = card.body.lower()
    assert "maltracking" in body
    assert "load" in body
    assert "education" in body
    pain_card = next(c for c in content.education if c.id == "pain_rules")
    assert "achilles" in pain_card.body.lower()


def test_disclaimer_and_about(content: Content) -> None:
    assert "not a doctor" in content.messages.disclaimer
    assert "not a doctor" in content.messages.about


def test_texts_are_in_the_projects_own_words(content: Content) -> None:
    """No run of 8 words from the article appears in the content (citations aside)."""

    def words(text: str) -> list[str]:
        return re.findall(r"[a-z0-9]+", text.lower())

    article = words(ARTICLE.read_text(encoding="utf-8")) if ARTICLE.exists() else []
    if not article:
        pytest.skip("source article not available")
    n = 8
    grams = {tuple(article[i : i + n]) for i in range(len(article) - n + 1)}
    for text in iter_text_fields(content, skip=["references.yaml"]):
        w = words(text)
        for i in range(len(w) - n + 1):
            assert tuple(w[i : i + n]) not in grams, f"copied from the article: {text!r}"


# --- the engine stays pure -----------------------------------------------------------------------


def test_coaching_package_imports_no_telegram() -> None:
    package = ROOT / "bot" / "coaching"
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith("telegram"), f"{path.name} imports {name}"


# --- broken content fails fast, on one line ---------------------------------------------------


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(resources.content_dir(), target)
    return target


def _edit(directory: Path, name: str, change: object) -> None:
    path = directory / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _entry(items: list[dict[str, object]], ident: str) -> dict[str, object]:
    return next(i for i in items if i.get("id") == ident)


BROKEN = [
    (
        "exercises.yaml",
        lambda d: _entry(d["exercises"], "wall_squat")["dosage"].update(sets="three"),
        "content/exercises.yaml: entry 'wall_squat': field 'dosage.sets': "
        "Input should be a valid integer",
    ),
    (
        "exercises.yaml",
        lambda d: _entry(d["exercises"], "monster_walk").update(colour="red"),
        "content/exercises.yaml: entry 'monster_walk': field 'colour': Extra inputs",
    ),
    (
        "exercises.yaml",
        lambda d: _entry(d["exercises"], "hamstring_stretch").update(references=["nobody2020"]),
        "content/exercises.yaml: entry 'hamstring_stretch': field 'references[0]': "
        "unknown reference 'nobody2020'",
    ),
    (
        "phases.yaml",
        lambda d: d["phases"][1]["exercises"].append({"exercise": "pogo_jumps"}),
        "content/phases.yaml: entry 'build': field 'exercises[8].exercise': "
        "unknown exercise 'pogo_jumps'",
    ),
    (
        "assessment.yaml",
        lambda d: _entry(d["questions"], "onset")["options"][0].update(red_flag="broken_leg"),
        "content/assessment.yaml: entry 'onset': field 'options[0].red_flag': "
        "unknown red flag 'broken_leg'",
    ),
    (
        "thresholds.yaml",
        lambda d: d["thresholds"]["ice_minutes_min"].update(value="ten"),
        "content/thresholds.yaml: entry 'ice_minutes_min': field 'value': "
        "Input should be a valid integer",
    ),
    (
        "thresholds.yaml",
        lambda d: d["thresholds"].pop("run_pain_max"),
        "content/thresholds.yaml: entry 'thresholds': field 'run_pain_max': Field required",
    ),
    (
        "red_flags.yaml",
        lambda d: _entry(d["red_flags"], "locking").update(tier="tomorrow"),
        "content/red_flags.yaml: entry 'locking': field 'tier'",
    ),
    (
        "education.yaml",
        lambda d: _entry(d["cards"], "q_angle").update(body="Hold {hold_secnds} seconds."),
        "content/education.yaml: entry 'q_angle': field 'body': unknown placeholder {hold_secnds}",
    ),
    (
        "rules.yaml",
        lambda d: d["rules"].pop(),
        "content/rules.yaml: rules missing: swelling_in_a_row",
    ),
    (
        "kujala.yaml",
        lambda d: d["items"][0]["options"][0].update(points=6),
        "content/kujala.yaml: Value error, best answers add up to 101, not max_score 100",
    ),
]


@pytest.mark.parametrize(("name", "change", "expected"), BROKEN)
def test_broken_content_gives_one_line(
    tmp_path: Path, name: str, change: object, expected: str
) -> None:
    directory = _copy(tmp_path)
    _edit(directory, name, change)
    with pytest.raises(ContentError) as info:
        load_content(directory)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(expected), message


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / "checkin.yaml").write_text("questions:\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"^content/checkin\.yaml: line \d+: YAML syntax"):
        load_content(directory)


def test_missing_file(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / "messages.yaml").unlink()
    with pytest.raises(ContentError, match=r"^content/messages\.yaml: file missing$"):
        load_content(directory)


def test_content_check_summary(content: Content, capsys: pytest.CaptureFixture[str]) -> None:
    summary = content_summary(content)
    assert f"{len(content.exercises)} exercises" in summary
    assert "References unused (0): none" in summary
    for phase in content.phases.values():
        assert phase.name in summary
    assert main_check() == 0
    assert "Content OK" in capsys.readouterr().out


def test_content_check_reports_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = _copy(tmp_path)
    (directory / "phases.yaml").unlink()
    assert main_check(directory) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == "content/phases.yaml: file missing"
    assert captured.out == ""

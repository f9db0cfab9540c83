"""Load and validate the clinical content and the copy in `content/*.yaml`.

`get_content()` is the one loader the rest of the bot uses; `load_copy()` reads one copy file
with the same reader. A broken file fails fast with a `ContentError` whose text is one line
naming the file, the entry and the field. The types live in `bot/content/schema.py`.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot import resources
from bot.content.kinds import RuleId
from bot.content.schema import (
    ENGINE_PARAMS,
    AssessmentFile,
    CheckinField,
    CheckinFile,
    Content,
    EducationFile,
    ExercisesFile,
    KujalaFile,
    Measure,
    Messages,
    PhasesFile,
    ProtocolsFile,
    RedFlagsFile,
    ReferencesFile,
    RulesFile,
    ThresholdsFile,
    _number,
)

# Keys whose values are not user text (regular expressions), so braces there are not
# placeholders.
_NOT_TEXT_KEYS = frozenset({"patterns", "gap"})

_FILES = (
    "references.yaml",
    "thresholds.yaml",
    "exercises.yaml",
    "protocols.yaml",
    "phases.yaml",
    "assessment.yaml",
    "red_flags.yaml",
    "checkin.yaml",
    "education.yaml",
    "rules.yaml",
    "messages.yaml",
    "kujala.yaml",
)


_M = TypeVar("_M", bound=BaseModel)


class ContentError(Exception):
    """A content file is missing, malformed or inconsistent; str() is one line."""


# --- loading -----------------------------------------------------------------------------------


# The C loader is much faster when PyYAML was built with libyaml; both are safe loaders.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(directory: Path, name: str) -> Any:
    path = directory / name
    label = _label(directory, name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(f"{label}: file missing") from None
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ContentError(f"{label}: {where}YAML syntax error: {problem}") from None
    if not isinstance(data, dict):
        raise ContentError(f"{label}: the file must hold a mapping at the top level")
    return data


def _label(directory: Path, name: str) -> str:
    return f"{directory.name}/{name}"


def _where(data: Any, loc: Sequence[str | int]) -> tuple[str | None, str]:
    """Split a location into the entry it belongs to and the field path inside it."""
    entry: str | None = None
    rest: Sequence[str | int] = loc
    node = data
    for i, part in enumerate(loc):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(part, int) and isinstance(node, dict) and "id" in node:
            entry = str(node["id"])
            rest = loc[i + 1 :]
            break
    if entry is None and len(loc) >= 2 and isinstance(data.get(loc[0]), dict):
        section = data[loc[0]]
        if isinstance(section.get(loc[1]), dict):
            entry, rest = str(loc[1]), loc[2:]
        else:
            entry, rest = str(loc[0]), loc[1:]
    path = ""
    for part in rest:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return entry, path


def _error(label: str, data: Any, loc: Sequence[str | int], message: str) -> ContentError:
    entry, path = _where(data, loc)
    parts = [label]
    if entry is not None:
        parts.append(f"entry '{entry}'")
    if path:
        parts.append(f"field '{path}'")
    parts.append(message)
    return ContentError(": ".join(parts))


def _validate(model: type[_M], directory: Path, name: str, data: Any) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        loc = [p for p in first["loc"] if isinstance(p, str | int)]
        message = first["msg"]
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more)"
        raise _error(_label(directory, name), data, loc, message) from None


def _walk(
    node: Any, loc: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    yield loc, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*loc, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*loc, index))


def _check_text(label: str, data: Any, allowed: frozenset[str]) -> None:
    """Every {placeholder} in user text must be a threshold or an engine value."""
    formatter = string.Formatter()
    for loc, node in _walk(data):
        if not isinstance(node, str) or any(k in _NOT_TEXT_KEYS for k in loc if isinstance(k, str)):
            continue
        try:
            names = [f for _, f, _, _ in formatter.parse(node) if f is not None]
        except ValueError as exc:
            raise _error(label, data, loc, f"bad braces in text: {exc}") from None
        for name in names:
            if name not in allowed:
                raise _error(label, data, loc, f"unknown placeholder {{{name}}}")


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _fill_thresholds(node: Any, values: dict[str, int | float], key: str = "") -> Any:
    """Write threshold values into every user text, leaving engine placeholders alone."""
    if isinstance(node, dict):
        return {k: _fill_thresholds(v, values, str(k)) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill_thresholds(v, values, key) for v in node]
    if isinstance(node, str) and key not in _NOT_TEXT_KEYS:
        return _PLACEHOLDER.sub(
            lambda m: str(_number(values[m[1]])) if m[1] in values else m[0], node
        )
    return node


def _check_references(label: str, data: Any, known: set[str]) -> list[str]:
    cited: list[str] = []
    for loc, node in _walk(data):
        if loc and loc[-1] == "references" and isinstance(node, list):
            for index, ref in enumerate(node):
                if ref not in known:
                    raise _error(label, data, (*loc, index), f"unknown reference '{ref}'")
                cited.append(str(ref))
    return cited


def _unique(label: str, data: Any, section: str, ids: Sequence[str]) -> None:
    seen: set[str] = set()
    for index, ident in enumerate(ids):
        if ident in seen:
            raise _error(label, data, (section, index), f"duplicate id '{ident}'")
        seen.add(ident)


def load_content(directory: Path | None = None) -> Content:
    """Read, validate and cross-check every content file; raise ContentError on the first fault."""
    directory = directory if directory is not None else resources.content_dir()
    raw = {name: _read(directory, name) for name in _FILES}

    def lab(name: str) -> str:
        return _label(directory, name)

    refs = _validate(ReferencesFile, directory, "references.yaml", raw["references.yaml"])
    _unique(
        lab("references.yaml"),
        raw["references.yaml"],
        "references",
        [r.id for r in refs.references],
    )
    thresholds = _validate(ThresholdsFile, directory, "thresholds.yaml", raw["thresholds.yaml"])

    # Placeholders and references everywhere; then threshold values are written into the
    # texts, so callers get final wording and only engine values remain as {placeholders}.
    threshold_values = thresholds.thresholds.values()
    threshold_names = frozenset(threshold_values)
    allowed = threshold_names | ENGINE_PARAMS
    known_refs = {r.id for r in refs.references}
    cited: dict[str, list[str]] = {}
    for name in _FILES:
        _check_text(lab(name), raw[name], allowed)
        if name != "references.yaml":
            cited[name] = _check_references(lab(name), raw[name], known_refs)
    texts = {name: _fill_thresholds(raw[name], threshold_values) for name in _FILES}

    exercises = _validate(ExercisesFile, directory, "exercises.yaml", texts["exercises.yaml"])
    protocols = _validate(ProtocolsFile, directory, "protocols.yaml", texts["protocols.yaml"])
    phases = _validate(PhasesFile, directory, "phases.yaml", texts["phases.yaml"])
    assessment = _validate(AssessmentFile, directory, "assessment.yaml", texts["assessment.yaml"])
    red_flags = _validate(RedFlagsFile, directory, "red_flags.yaml", texts["red_flags.yaml"])
    checkin = _validate(CheckinFile, directory, "checkin.yaml", texts["checkin.yaml"])
    education = _validate(EducationFile, directory, "education.yaml", texts["education.yaml"])
    rules = _validate(RulesFile, directory, "rules.yaml", texts["rules.yaml"])
    messages = _validate(Messages, directory, "messages.yaml", texts["messages.yaml"])
    kujala = _validate(KujalaFile, directory, "kujala.yaml", texts["kujala.yaml"])

    # Unique ids within each file.
    for name, section, ids in (
        ("exercises.yaml", "exercises", [e.id for e in exercises.exercises]),
        ("protocols.yaml", "protocols", [p.id for p in protocols.protocols]),
        ("assessment.yaml", "questions", [q.id for q in assessment.questions]),
        ("red_flags.yaml", "red_flags", [f.id for f in red_flags.red_flags]),
        ("checkin.yaml", "questions", [q.id for q in checkin.questions]),
        ("education.yaml", "cards", [c.id for c in education.cards]),
        ("rules.yaml", "rules", [r.id for r in rules.rules]),
        ("kujala.yaml", "items", [i.id for i in kujala.items]),
    ):
        _unique(lab(name), raw[name], section, ids)

    numbers = [r.article_number for r in refs.references if r.article_number is not None]
    if sorted(numbers) != list(range(1, len(numbers) + 1)):
        raise ContentError(f"{lab('references.yaml')}: article_number must run 1..n once each")

    flag_ids = {f.id for f in red_flags.red_flags}
    exercise_by_id = {e.id: e for e in exercises.exercises}

    # Red-flag ids named by answer options.
    for name, section in (
        ("assessment.yaml", "questions"),
        ("checkin.yaml", "questions"),
        ("kujala.yaml", "items"),
    ):
        for loc, node in _walk(raw[name][section], (section,)):
            if loc and loc[-1] == "red_flag" and node is not None and node not in flag_ids:
                raise _error(lab(name), raw[name], loc, f"unknown red flag '{node}'")

    # Phases name existing exercises, and exercises and phases agree on who is in which phase.
    for p_index, phase in enumerate(phases.phases):
        for e_index, entry in enumerate(phase.exercises):
            loc = ("phases", p_index, "exercises", e_index, "exercise")
            exercise = exercise_by_id.get(entry.exercise)
            if exercise is None:
                raise _error(
                    lab("phases.yaml"),
                    raw["phases.yaml"],
                    loc,
                    f"unknown exercise '{entry.exercise}'",
                )
            if phase.number not in exercise.phases:
                raise _error(
                    lab("phases.yaml"),
                    raw["phases.yaml"],
                    loc,
                    f"exercise '{exercise.id}' does not list phase {phase.number}",
                )
            override = entry.dosage
            if (
                override is not None
                and override.band_position is not None
                and (override.band_position not in exercise.band_positions)
            ):
                raise _error(
                    lab("phases.yaml"),
                    raw["phases.yaml"],
                    (*loc[:-1], "dosage", "band_position"),
                    f"'{exercise.id}' has no band position '{override.band_position}'",
                )
    for e_index, exercise in enumerate(exercises.exercises):
        for number in exercise.phases:
            listed = any(
                p.number == number and any(x.exercise == exercise.id for x in p.exercises)
                for p in phases.phases
            )
            if not listed:
                raise _error(
                    lab("exercises.yaml"),
                    raw["exercises.yaml"],
                    ("exercises", e_index, "phases"),
                    f"phase {number} in phases.yaml does not list this exercise",
                )

    if "price" not in {p.id for p in protocols.protocols}:
        raise ContentError(f"{lab('protocols.yaml')}: the 'price' protocol is missing")

    # Triage needs exactly one rest-pain and one running-pain question.
    for measure in Measure:
        count = sum(1 for q in assessment.questions if q.measures is measure)
        if count != 1:
            raise ContentError(
                f"{lab('assessment.yaml')}: exactly one question must measure '{measure}'"
                f" (found {count})"
            )

    # The check-in fills every CheckIn field exactly once.
    fields = [q.field for q in checkin.questions]
    for checkin_field in CheckinField:
        if fields.count(checkin_field) != 1:
            raise ContentError(
                f"{lab('checkin.yaml')}: exactly one question must fill '{checkin_field}'"
                f" (found {fields.count(checkin_field)})"
            )

    # Rules: exactly the engine's rule ids, using real thresholds.
    rule_ids = {r.id for r in rules.rules}
    missing_rules = set(RuleId) - rule_ids
    if missing_rules:
        raise ContentError(
            f"{lab('rules.yaml')}: rules missing: {', '.join(sorted(missing_rules))}"
        )
    for r_index, rule in enumerate(rules.rules):
        for t_index, name in enumerate(rule.thresholds):
            if name not in threshold_names:
                raise _error(
                    lab("rules.yaml"),
                    raw["rules.yaml"],
                    ("rules", r_index, "thresholds", t_index),
                    f"unknown threshold '{name}'",
                )

    return Content(
        directory=directory,
        references={r.id: r for r in refs.references},
        thresholds=thresholds.thresholds,
        exercises=exercise_by_id,
        protocols={p.id: p for p in protocols.protocols},
        phases={p.number: p for p in phases.phases},
        return_to_running=phases.return_to_running,
        assessment=list(assessment.questions),
        red_flags={f.id: f for f in red_flags.red_flags},
        tiers=dict(red_flags.tiers),
        checkin=list(checkin.questions),
        education=list(education.cards),
        rules={r.id: r for r in sorted(rules.rules, key=lambda r: r.order)},
        rules_note=rules.model_note,
        messages=messages,
        kujala=kujala,
        cited=cited,
    )


def load_copy(model: type[_M], name: str, directory: Path | None = None) -> _M:
    """Load one copy file (words around the flows: ui.yaml, onboarding.yaml, ...) with the
    same reader, one-line errors and threshold filling as the clinical content.

    The models live beside the code that shows the words; this is still the one loader.
    """
    directory = directory if directory is not None else resources.content_dir()
    thresholds = _validate(
        ThresholdsFile, directory, "thresholds.yaml", _read(directory, "thresholds.yaml")
    )
    filled = _fill_thresholds(_read(directory, name), thresholds.thresholds.values())
    return _validate(model, directory, name, filled)


@cache
def get_content() -> Content:
    """The shipped content, loaded once per process."""
    return load_content()


def iter_text_fields(content: Content, skip: Sequence[str] = ()) -> Iterator[str]:
    """Every stored string of the content files, except the files named in `skip`."""
    for name in _FILES:
        if name in skip:
            continue
        for _, node in _walk(_read(content.directory, name)):
            if isinstance(node, str):
                yield node

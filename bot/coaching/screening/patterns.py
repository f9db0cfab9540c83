"""Compile the term syntax of content/screening.yaml into spaCy token patterns.

Clinicians write terms as words ("can't/cannot ... bear/put ... weight"); spaCy's Matcher
wants lists of token dictionaries. Terms and messages pass through the same normaliser and
tokenizer and are compared on the token NORM, which already maps "can't", "cant" and "cannot"
to "can not", so a term written once matches every apostrophe habit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from itertools import product
from typing import Any

TokenSpec = dict[str, Any]
Pattern = list[TokenSpec]


def gap(stop_norms: Collection[str]) -> TokenSpec:
    """Up to four words in between, never across punctuation ("ran outside, knee fine" is not
    "outside ... knee") and never one of `stop_norms`: ConText cannot reach a word inside a
    match, so "it hasn't locked" must not match "it ... locked"."""
    return {"IS_PUNCT": False, "NORM": {"NOT_IN": sorted(stop_norms)}, "OP": "{0,4}"}


_MAX_EXPANSIONS = 512


class TermError(ValueError):
    """A term cannot be compiled; the message names the term."""


def number_extension(name: str) -> str:
    """The Token extension that is True for numbers in the class `name`."""
    return f"kc_num_{name}"


def compile_term(
    term: str,
    normalise: Callable[[str], str],
    norms: Callable[[str], list[str]],
    number_classes: Collection[str],
    gap_spec: TokenSpec,
) -> list[Pattern]:
    """Every token pattern `term` stands for (alternatives spanning several words expand)."""
    slots: list[list[Pattern]] = []
    for raw in term.split():
        if raw == "...":
            slots.append([[gap_spec]])
            continue
        optional = len(raw) > 1 and raw.endswith("?")
        word = raw[:-1] if optional else raw
        variants: list[Pattern] = []
        singles: list[str] = []
        prefixes: list[str] = []
        for alternative in word.split("/"):
            if not alternative:
                raise TermError(f"term '{term}': empty alternative in '{raw}'")
            if alternative.startswith("#") and len(alternative) > 1:
                name = alternative[1:]
                if name not in number_classes:
                    raise TermError(f"term '{term}': unknown number class '{name}'")
                variants.append([{"_": {number_extension(name): True}}])
            elif alternative.endswith("*") and len(alternative) > 1:
                stem = norms(normalise(alternative[:-1]))
                if len(stem) != 1:
                    raise TermError(f"term '{term}': '{alternative}' must be one word")
                prefixes.append(stem[0])
            else:
                tokens = norms(normalise(alternative.replace("_", " ")))
                if not tokens:
                    raise TermError(f"term '{term}': '{alternative}' has no words")
                if len(tokens) == 1:
                    singles.append(tokens[0])
                else:
                    variants.append([{"NORM": norm} for norm in tokens])
        if prefixes:
            parts = [re.escape(p) + ".*" for p in prefixes] + [re.escape(s) for s in singles]
            variants.append([{"NORM": {"REGEX": "^(?:" + "|".join(parts) + ")$"}}])
        elif singles:
            unique = sorted(set(singles))
            spec: TokenSpec = {"NORM": unique[0]} if len(unique) == 1 else {"NORM": {"IN": unique}}
            variants.append([spec])
        if optional:
            if len(variants) == 1 and len(variants[0]) == 1:
                variants = [[{**variants[0][0], "OP": "?"}]]
            else:
                variants.append([])
        slots.append(variants)
    patterns: list[Pattern] = []
    for combination in product(*slots):
        pattern = [spec for part in combination for spec in part]
        required = [s for s in pattern if s.get("OP") not in ("?", gap_spec["OP"])]
        if not required:
            continue
        if pattern[0] is gap_spec or pattern[-1] is gap_spec:
            raise TermError(f"term '{term}': '...' must stand between words")
        patterns.append(pattern)
        if len(patterns) > _MAX_EXPANSIONS:
            raise TermError(f"term '{term}': too many combinations, split it")
    if not patterns:
        raise TermError(f"term '{term}': matches nothing")
    return patterns


def term_words(term: str) -> list[str]:
    """The plain words of a term, for the spelling corrector's vocabulary."""
    words: list[str] = []
    for raw in term.split():
        for alternative in raw.rstrip("?").split("/"):
            if alternative.startswith("#"):
                continue
            words.extend(re.findall(r"[a-z]+", alternative.rstrip("*").lower()))
    return words

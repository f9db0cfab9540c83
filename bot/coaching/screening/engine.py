"""Screen one free-text message for red flags: explicit ones refer, unclear ones are confirmed.

Built on medspaCy over a blank English spaCy pipeline (no model download): TargetMatcher for
the concepts of content/screening.yaml and the ConText algorithm for negation, hedges, the
past, other people, and effects of our own advice or of training. Sentences are split by
spaCy's rule-based sentencizer: on the corpus it scores the same as medspaCy's PyRuSH and
takes half the time (benchmarks/screening.py). Everything is compiled once per process
(`warm_up()`); one message then takes about a millisecond.

Privacy: PyRuSH, which medspacy.load() puts in its default pipelines, logs every sentence it
splits through loguru at DEBUG. Its logger is disabled here on import, so message text
cannot reach a log even if the splitter is brought back; this module itself logs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any

import spacy
from loguru import logger
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from bot.coaching.screening.content import ScreeningFile, Sign, Urgency, screening_content
from bot.coaching.screening.patterns import compile_term, gap, number_extension, term_words
from bot.coaching.screening.text import Normaliser

# Silence PyRuSH's DEBUG lines (they quote the message) before medspacy can load it; medspacy
# itself logs through the standard library and says nothing per message.
logger.disable("PyRuSH")

from medspacy.context import ConText, ConTextRule  # noqa: E402
from medspacy.target_matcher import TargetMatcher, TargetRule  # noqa: E402

_GROUP = "knee_coach_concepts"
_WORD_NUMBERS = {
    w: float(i)
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
} | {"thirty": 30.0, "forty": 40.0, "fifty": 50.0, "sixty": 60.0, "ninety": 90.0}


@dataclass(frozen=True)
class Finding:
    """One warning sign found in a message."""

    sign: str
    red_flag: str
    urgency: Urgency
    question: str


@dataclass(frozen=True)
class Screening:
    """What one message says about red flags.

    `explicit`: refer at once. `unclear`: ask the finding's `question` (Yes / No / Not sure)
    before referring. Both most urgent first; a sign is never in both.
    """

    explicit: tuple[Finding, ...] = ()
    unclear: tuple[Finding, ...] = ()

    @property
    def refer_now(self) -> Finding | None:
        """The most urgent explicit finding, if any."""
        return self.explicit[0] if self.explicit else None

    @property
    def to_confirm(self) -> Finding | None:
        """The unclear finding to ask about, when nothing is explicit and more urgent."""
        if not self.unclear:
            return None
        if self.explicit and self.explicit[0].urgency.rank <= self.unclear[0].urgency.rank:
            return None
        return self.unclear[0]

    @property
    def clear(self) -> bool:
        """No warning sign at all."""
        return not self.explicit and not self.unclear


class _Status(Enum):
    CERTAIN = 2
    UNCERTAIN = 1


def _number(token: Token) -> float | None:
    text = token.norm_
    if text in _WORD_NUMBERS:
        return _WORD_NUMBERS[text]
    try:
        return float(text)
    except ValueError:
        return None


def _in_ranges(ranges: list[tuple[float, float]]) -> Callable[[Token], bool]:
    def getter(token: Token) -> bool:
        value = _number(token)
        return value is not None and any(low <= value <= high for low, high in ranges)

    return getter


class ScreenEngine:
    """The compiled screen: a tokenizer, matchers and ConText, built from the content."""

    def __init__(self, content: ScreeningFile) -> None:
        self._content = content
        for name, ranges in content.numbers.items():
            Token.set_extension(number_extension(name), getter=_in_ranges(ranges), force=True)

        self.nlp: Language = spacy.blank("en")
        # ConText's reach ends at a sentence boundary.
        self.nlp.add_pipe("sentencizer")
        vocabulary = [
            word
            for concept in content.concepts.values()
            for term in concept.terms
            for word in term_words(term)
        ]
        # Words of the context rules ("sure", "maybe") and common English words are real
        # words: they are never corrected towards a term ("sure" is not a typo of "sore").
        known = [
            *content.fuzzy.known_words,
            *STOP_WORDS,
            *(word for rule in content.context.rules for t in rule.terms for word in term_words(t)),
        ]
        self.normalise = Normaliser(
            content.spelling,
            vocabulary,
            known,
            content.fuzzy.min_length,
            content.fuzzy.two_typos_from,
        )

        # Single words that cancel what follows ("not", "no") may not sit inside a term's
        # "..." gap; single hedge words ("maybe", "think") may, and make the mention uncertain.
        self._cancelling = {c.upper() for c in content.context.cancelling}
        self._uncertain = {c.upper() for c in content.context.uncertain}
        self._gap = gap(self._single_words(content, self._cancelling, forward_only=True))
        self._hedges = frozenset(self._single_words(content, self._uncertain, forward_only=False))

        self._targets = TargetMatcher(self.nlp, result_type=None, prune=False)
        self._exceptions = TargetMatcher(self.nlp, result_type=None, prune=False)
        for name, concept in content.concepts.items():
            self._targets.add(self._target_rules(name.upper(), concept.terms))
            self._exceptions.add(self._target_rules(name.upper(), concept.except_))

        self._context = ConText(
            self.nlp,
            rules=None,
            phrase_matcher_attr="NORM",
            input_span_type="group",
            span_group_name=_GROUP,
            span_attrs=None,
            prune_on_target_overlap=True,
        )
        context_rules = []
        for rule in content.context.rules:
            allowed = {c.upper() for c in rule.allowed} if rule.allowed is not None else None
            for term in rule.terms:
                for pattern in self._patterns(term):
                    context_rules.append(
                        ConTextRule(
                            literal=term,
                            category=rule.category,
                            pattern=pattern,
                            direction=rule.direction.value,
                            allowed_types=allowed,
                            max_scope=rule.scope,
                            terminated_by=set(rule.terminated_by) or None,
                        )
                    )
        self._context.add(context_rules)
        alone = {
            c[0] for sign in content.signs for c in [*sign.explicit, *sign.confirm] if len(c) == 1
        }
        self._qualifiers = {name.upper() for name in content.concepts if name not in alone}

    def _single_words(
        self, content: ScreeningFile, categories: set[str], *, forward_only: bool
    ) -> set[str]:
        words: set[str] = set()
        for rule in content.context.rules:
            if rule.category.upper() not in categories:
                continue
            if forward_only and rule.direction.value not in ("FORWARD", "BIDIRECTIONAL"):
                continue
            for term in rule.terms:
                norms = self._norms(self.normalise.basic(term))
                if len(norms) == 1 and not term.startswith("#"):
                    words.add(norms[0])
        return words

    def _norms(self, text: str) -> list[str]:
        return [token.norm_ for token in self.nlp.tokenizer(text)]

    def _patterns(self, term: str) -> list[list[dict[str, Any]]]:
        return compile_term(
            term, self.normalise.basic, self._norms, self._content.numbers, self._gap
        )

    def _target_rules(self, label: str, terms: Iterable[str]) -> list[TargetRule]:
        return [
            TargetRule(literal=term, category=label, pattern=pattern)
            for term in terms
            for pattern in self._patterns(term)
        ]

    def concepts(self, text: str) -> dict[str, _Status]:
        """Each concept mentioned and not cancelled by its context, with its certainty."""
        doc: Doc = self.nlp(self.normalise(text))
        spans: list[Span] = self._targets(doc)
        if not spans:
            return {}
        excepted = [(s.label_, s.start, s.end) for s in self._exceptions(doc)]
        kept = [
            s
            for s in spans
            if not any(
                label == s.label_ and start < s.end and s.start < end
                for label, start, end in excepted
            )
        ]
        found: dict[str, _Status] = {}
        # Two ConText passes: medspacy drops every modifier that overlaps a target, which is
        # right for words inside a term ("can't" in "can't walk") but wrong when the target
        # is only a qualifier ("sat" in "my foot was asleep because I sat on it" must not
        # swallow "sat on it"). Qualifiers (concepts no sign accepts on their own) are left
        # out of the first pass, which reads the other concepts, and read in the second.
        main = [s for s in kept if s.label_ not in self._qualifiers]
        for group, read in ((main, False), (kept, True)):
            if not group or (read and len(group) == len(main)):
                continue
            doc.spans[_GROUP] = _longest_per_concept(group)
            self._context(doc)
            for span in doc.spans[_GROUP]:
                if (span.label_ in self._qualifiers) != read:
                    continue
                categories = {m.category.upper() for m in span._.modifiers}
                if categories & self._cancelling:
                    continue
                hedged = bool(categories & self._uncertain) or any(
                    token.norm_ in self._hedges for token in span
                )
                status = _Status.UNCERTAIN if hedged else _Status.CERTAIN
                name = span.label_.lower()
                if found.get(name) is not _Status.CERTAIN:
                    found[name] = status
        return found

    def screen(self, text: str) -> Screening:
        if not text.strip():
            return Screening()
        found = self.concepts(text)
        if not found:
            return Screening()
        explicit: list[Finding] = []
        unclear: list[Finding] = []
        for sign in self._content.signs:
            status = _sign_status(sign, found)
            if status is None:
                continue
            finding = Finding(sign.id, sign.red_flag, sign.urgency, sign.question)
            (explicit if status is _Status.CERTAIN else unclear).append(finding)
        # Stable sort: within one urgency, the order of content/screening.yaml decides.
        explicit.sort(key=lambda f: f.urgency.rank)
        unclear.sort(key=lambda f: f.urgency.rank)
        return Screening(tuple(explicit), tuple(unclear))


def _longest_per_concept(spans: list[Span]) -> list[Span]:
    """Where mentions of one concept overlap, the longest reads the context: in "worried my
    kneecap might dislocate" the hedge inside "kneecap ... dislocate" decides, not the bare
    "dislocate" inside it."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: s.end - s.start, reverse=True):
        if not any(
            k.label_ == span.label_ and k.start < span.end and span.start < k.end for k in kept
        ):
            kept.append(span)
    return sorted(kept, key=lambda s: (s.start, s.end))


def _sign_status(sign: Sign, found: dict[str, _Status]) -> _Status | None:
    best: _Status | None = None
    for combination in sign.explicit:
        if all(concept in found for concept in combination):
            if all(found[c] is _Status.CERTAIN for c in combination):
                return _Status.CERTAIN
            best = _Status.UNCERTAIN
    if best is None and any(all(c in found for c in combo) for combo in sign.confirm):
        best = _Status.UNCERTAIN
    return best


@cache
def _screen_engine() -> ScreenEngine:
    return ScreenEngine(screening_content())


def build_engine(content: ScreeningFile) -> ScreenEngine:
    """A screen compiled from other content (tests of edited YAML); production uses screen()."""
    return ScreenEngine(content)


def warm_up() -> None:
    """Compile the screen and load the language detector now (about a second, at start-up)
    rather than on the first user's message."""
    from bot.coaching.screening import language

    _screen_engine()
    language.warm_up()


def finding_for(sign_id: str) -> Finding | None:
    """The finding a sign of content/screening.yaml stands for (a confirming question's
    answer names its sign); None for a sign that no longer exists."""
    for sign in screening_content().signs:
        if sign.id == sign_id:
            return Finding(sign.id, sign.red_flag, sign.urgency, sign.question)
    return None


def screen(text: str) -> Screening:
    """Screen one free-text message for red flags. Pure: no I/O, no logging, no Telegram."""
    return _screen_engine().screen(text)

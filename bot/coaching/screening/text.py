"""Spelling clean-up before matching: shorthand, apostrophes, digits glued to units, typos.

Messages are typed on phones by tired runners: "cant bare weight", "knee gve way", "3am",
"swolen". The engine runs every message and every term of content/screening.yaml through the
same `Normaliser`, so a term and a message meet in one spelling. A word is corrected only
when it is not an English word (pyspellchecker's frequency list, used here as a lexicon
only) and only towards a word the screen looks for: "skipped" and "looked" stay as they are
while "lockd" becomes "locked".
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources

from rapidfuzz import process
from rapidfuzz.distance import OSA

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
# "3am" -> "3 am", "39.5c" -> "39.5 c", "16yo" -> "16 yo": units and ages become words.
_GLUED_UNIT = re.compile(r"(?<=\d)(?=[a-z°])")
_WORD = re.compile(r"[a-z]+")


# Words seen fewer times than this in the lexicon's source text are too rare to trust as
# real words: they are as likely to be common typos.
_LEXICON_MIN_COUNT = 50


@cache
def english_lexicon() -> frozenset[str]:
    """Common English words (about 100,000), loaded once from pyspellchecker's data."""
    data = (resources.files("spellchecker") / "resources" / "en.json.gz").read_bytes()
    counts: dict[str, int] = json.loads(gzip.decompress(data))
    return frozenset(word for word, count in counts.items() if count >= _LEXICON_MIN_COUNT)


class Normaliser:
    """Lower-cases, applies the spelling table and corrects near-miss spellings."""

    def __init__(
        self,
        spelling: dict[str, str],
        vocabulary: Iterable[str],
        known_words: Iterable[str],
        min_length: int,
        two_typos_from: int,
    ) -> None:
        self._spelling = {key.lower(): value.lower() for key, value in spelling.items()}
        keys = sorted(self._spelling, key=len, reverse=True)
        self._spelling_re = (
            re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(k) for k in keys) + r")(?![\w'])")
            if keys
            else None
        )
        words = {w for w in vocabulary if len(w) >= min_length and w.isalpha()}
        # Candidates share the first letter: people rarely mistype it, and this keeps both
        # the search small and "dumb" from turning into "numb".
        self._by_initial: dict[str, list[str]] = {}
        for word in sorted(words):
            self._by_initial.setdefault(word[0], []).append(word)
        self._known = (
            frozenset(words) | frozenset(w.lower() for w in known_words) | english_lexicon()
        )
        self._min_length = min_length
        self._two_typos_from = two_typos_from
        self.correct_word = lru_cache(maxsize=4096)(self._correct_word)

    def basic(self, text: str) -> str:
        """Everything but typo correction (terms are written correctly)."""
        text = _GLUED_UNIT.sub(" ", text.translate(_QUOTES).lower())
        if self._spelling_re is not None:
            text = self._spelling_re.sub(lambda m: self._spelling[m[0]], text)
        return text

    def __call__(self, text: str) -> str:
        """The message as the matcher should read it."""
        return _WORD.sub(lambda m: self.correct_word(m[0]), self.basic(text))

    def _correct_word(self, word: str) -> str:
        if len(word) < self._min_length or word in self._known:
            return word
        candidates = self._by_initial.get(word[0])
        if not candidates:
            return word
        allowed = 2 if len(word) >= self._two_typos_from else 1
        best = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=allowed)
        return word if best is None else str(best[0])

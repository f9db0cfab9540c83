"""Is a message English? The screen reads English only, so other languages get buttons.

lingua ships its language models inside the wheel (nothing is downloaded). Built for all 75
languages with preloaded models it takes seconds and over a gigabyte; built for the ~15
languages our users are likeliest to write in, in low-accuracy mode and lazily, it takes a
fraction of a second and tens of megabytes, built once per process on first use.

Short or misspelled English ("ok", "7", "knee gve way") is too short to judge and counts as
English: a wrong "not English" would hide the screen from someone reporting a warning sign,
while a wrong "English" only means the screen finds nothing and the flow asks again.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

LANGUAGES = (
    Language.ENGLISH,
    Language.SPANISH,
    Language.FRENCH,
    Language.GERMAN,
    Language.ITALIAN,
    Language.PORTUGUESE,
    Language.DUTCH,
    Language.POLISH,
    Language.SWEDISH,
    Language.RUSSIAN,
    Language.UKRAINIAN,
    Language.TURKISH,
    Language.ARABIC,
    Language.HINDI,
    Language.CHINESE,
    Language.JAPANESE,
)

# Fewer Latin letters or words than this: too short to judge, so English.
_MIN_LETTERS = 15
_MIN_WORDS = 4
# lingua's relative confidence that a message is English, at or above which it counts as
# English even when another language scores higher (typos pull English down).
_ENGLISH_CONFIDENCE = 0.25


@cache
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*LANGUAGES).with_low_accuracy_mode().build()


def _is_latin(char: str) -> bool:
    return unicodedata.name(char, "").startswith("LATIN")


def is_probably_english(text: str) -> bool:
    """False only when the message is clearly in another language."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True  # "7", "👍", "10/10"
    latin = sum(1 for c in letters if _is_latin(c))
    if latin * 2 < len(letters):
        return False  # mostly another script: Cyrillic, Arabic, Devanagari, CJK, ...
    if latin < _MIN_LETTERS or len(text.split()) < _MIN_WORDS:
        return True
    detector = _detector()
    if detector.detect_language_of(text) in (Language.ENGLISH, None):
        return True
    return detector.compute_language_confidence(text, Language.ENGLISH) >= _ENGLISH_CONFIDENCE


def warm_up() -> None:
    """Build the detector and load its models now rather than on the first long message."""
    _detector().detect_language_of("my knee hurts going down the stairs after a long run")

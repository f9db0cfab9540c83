"""Reading typed answers to the bot's questions: yes/no words, numbers, ages, minutes, pain.

A person may type instead of tapping: "yep", "I'm 34", "45 minutes", "about 3 out of 10",
"same as usual". `answer_for(question, text)` turns such text into the value of one of the
question's options (from content), or None when the meaning is not clear, so the flow re-asks.
The smaller parsers are public for the flows that ask outside content questions (the time
zone confirmation asks yes/no). Pure functions: no Telegram, no storage, and the text is
never logged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.content import KujalaItem, Question, QuestionKind

# Longer than any sensible answer; the flows cut off earlier (input_checks.MAX_ANSWER_CHARS).
_MAX_CHARS = 300

_YES = {
    "yes", "y", "yeah", "yea", "ya", "yah", "yep", "yup", "sure", "correct", "right",
    "thats right", "that is right", "thats correct", "that is correct", "ok", "okay", "k",
    "absolutely", "definitely", "indeed", "of course", "exactly", "true", "affirmative",
    "yes please", "sure thing", "it is", "spot on", "perfect", "👍", "✅", "✔", "👌",
}  # fmt: skip
_NO = {
    "no", "n", "nope", "nah", "na", "not really", "wrong", "incorrect", "thats wrong",
    "that is wrong", "not right", "thats not right", "that is not right", "no thanks",
    "not at all", "negative", "false", "no its not", "no it isnt", "it isnt", "not quite",
    "👎", "❌", "✖",
}  # fmt: skip

_UNITS = {
    "zero": 0, "none": 0, "nil": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_NUMBER_WORD = re.compile(
    rf"\b(?:({'|'.join(_TENS)})(?:[\s-]+({'|'.join(k for k in _UNITS if _UNITS[k] < 10)}))?"
    rf"|({'|'.join(_UNITS)}))\b"
)
# Words around a number that do not change it: "I'm about 34", "pain is maybe a 3".
_FILLER = re.compile(
    r"\b(?:i\s*m|i\s+am|im|am|about|around|roughly|approx|approximately|maybe|probably|"
    r"perhaps|like|just|only|say|id\s+say|i\s+would\s+say|its|it\s+s|it\s+is|is|was|a|an|"
    r"my|the|pain|knee|level|score|rating|today|now|right\s+now|at\s+rest|ish|age|aged|"
    r"years?|yrs?|old|of\s+age|y\s*o|i\s+ran|ran|run|running|for|did|i\s+did|of|ran\s+for)\b"
)
_PAIN = re.compile(r"^(\d{1,2})(?:/10)?$")

# Everyday words for options whose value names a comparison or "none of these". Keyed by the
# option value in content, so they only apply where the content uses that value.
_SYNONYMS: dict[str, set[str]] = {
    "better": {"better", "improved", "improving", "less", "less pain", "less stiff",
               "better than usual", "not as bad", "easier"},
    "same": {"same", "the same", "about the same", "no change", "unchanged", "no different",
             "as usual", "usual", "normal", "as normal", "similar", "same as usual",
             "same as always", "nothing new", "like usual"},
    "worse": {"worse", "worse than usual", "more pain", "more painful", "stiffer",
              "more stiff", "harder", "not as good"},
    "none": {"none", "no", "nope", "nah", "nothing", "none of these", "none of them",
             "none of those", "neither", "nothing like that", "no none", "none at all",
             "not at all", "all good", "n"},
}  # fmt: skip
_INTENSIFIERS = re.compile(
    r"\b(?:a\s+bit|a\s+little|a\s+lot|slightly|much|way|somewhat|bit|little|lot|quite|"
    r"really|very|definitely|a\s+touch|kind\s+of|kinda|pretty\s+much)\b"
)


# --- small parsers ---------------------------------------------------------------------------


def clean(text: str) -> str:
    """Lower case, accents, punctuation and emoji dropped (👍/👎 kept as words), spaces
    collapsed: "Yep!! 😊" -> "yep"."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        if char in "👍✅✔👌👎❌✖":
            kept.append(f" {char} ")
        elif char.isalnum() or char in "/:.,-+":
            kept.append(char)
        else:
            kept.append(" " if char not in "'’" else "")
    plain = "".join(kept).casefold()
    # Punctuation goes unless it sits in a number ("7.30", "3/10", "18-39", "-1").
    plain = re.sub(r"(?<!\d)[.,:](?!\d)|-(?!\d)", " ", plain)
    plain = re.sub(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)", " ", plain)  # "45min", "1h15"
    return " ".join(plain.split())


def parse_yes_no(text: str) -> bool | None:
    """True for "yes", "yep", "sure", "that's right" ..., False for "no", "nope", "not really",
    "wrong" ..., with case, punctuation and emoji ignored; None for anything else, including
    a yes or no followed by something more ("no, but it locked") that the flow must read."""
    if len(text) > _MAX_CHARS:
        return None
    cleaned = clean(text)
    whole = _yes_no_word(cleaned)
    if whole is not None:
        return whole
    # "Yes, that's right", "nope, wrong": every clause says the same thing.
    clauses = [c for c in re.split(r"[,.!;]+", text) if clean(c)]
    if len(clauses) < 2:
        return None
    readings = {_yes_no_word(clean(c)) for c in clauses}
    return readings.pop() if len(readings) == 1 else None


def _yes_no_word(cleaned: str) -> bool | None:
    for candidate in (cleaned, re.sub(r"(\w)\1{2,}", r"\1", cleaned)):  # "yesss", "nooo"
        if candidate in _YES:
            return True
        if candidate in _NO:
            return False
        words = candidate.split()  # "yes yes", "yep 👍", "no no no"
        if words and all(w in _YES for w in words):
            return True
        if words and all(w in _NO for w in words):
            return False
        head, rest = words[0] if words else "", " ".join(words[1:])  # "yes that's right"
        if (head in _YES and rest in _YES) or (head in _NO and rest in _NO):
            return head in _YES
    return None


def words_to_digits(cleaned: str) -> str:
    """ "thirty four" -> "34", "forty-five minutes" -> "45 minutes" (0-99)."""

    def replace(match: re.Match[str]) -> str:
        if match.group(3):
            return str(_UNITS[match.group(3)])
        return str(_TENS[match.group(1)] + (_UNITS[match.group(2)] if match.group(2) else 0))

    return _NUMBER_WORD.sub(replace, cleaned)


def parse_number(text: str) -> int | None:
    """The one whole number in an answer: "34", "I'm 34", "thirty four", "34 years old";
    None when there is none, several, or a fraction."""
    if len(text) > _MAX_CHARS:
        return None
    bare = " ".join(_FILLER.sub(" ", words_to_digits(clean(text))).split())
    return int(bare) if re.fullmatch(r"\d{1,3}", bare) else None


def parse_age(text: str) -> int | None:
    """An age in years, 1-120, from "34", "I'm 34", "thirty-four"; else None."""
    age = parse_number(text)
    return age if age is not None and 1 <= age <= 120 else None


def parse_pain(text: str, low: int = 0, high: int = 10) -> int | None:
    """A whole-number pain score in [low, high] from "7", "7/10", "seven", "about 3 out of
    10", "pain is 3", "it's a 3"; None otherwise (a fraction, a range, another scale)."""
    if len(text) > _MAX_CHARS:
        return None
    bare = re.sub(r"\b(?:out\s+of|of)\b", "/", words_to_digits(clean(text)))
    bare = re.sub(r"\s*/\s*", "/", " ".join(_FILLER.sub(" ", bare).split()))
    match = _PAIN.match(bare)
    if match is None:
        return None
    value = int(match.group(1))
    return value if low <= value <= high else None


_HOURS = r"(?:h|hr|hrs|hour|hours)"
_MINS = r"(?:m|min|mins|minute|minutes)"


def parse_minutes(text: str) -> int | None:
    """A duration in whole minutes: "45", "45 min", "45 minutes", "an hour", "1h 15",
    "1 hour 15 minutes", "1:15", "1.5 hours", "half an hour", "an hour and a half";
    0 for "none", "no run", "didn't run". None when unclear or over a day."""
    if len(text) > _MAX_CHARS:
        return None
    cleaned = clean(text)
    if re.fullmatch(r"(?:no|none|nothing|nil|zero|0|no run|didnt run|did not run|not today)",
                    cleaned):  # fmt: skip
        return 0
    bare = words_to_digits(cleaned)
    bare = re.sub(r"\bhalf\s+an?\s+hour\b", "30 min", bare)
    bare = re.sub(r"\b(?:a\s+)?quarter\s+(?:of\s+)?an?\s+hour\b", "15 min", bare)
    bare = re.sub(r"\ban?\s+hour\b", "1 hour", bare)
    bare = re.sub(r"\band\s+a\s+half\b", "and 30 min", bare)
    bare = " ".join(_FILLER.sub(" ", bare).replace(" and ", " ").split())
    clock = re.fullmatch(r"(\d{1,2}):(\d{2})", bare)
    if clock:
        total = int(clock.group(1)) * 60 + int(clock.group(2))
    else:
        match = re.fullmatch(
            rf"(?:(\d{{1,2}}(?:[.,]\d+)?)\s*{_HOURS})?\s*(?:(\d{{1,4}})\s*{_MINS}?)?", bare
        )
        if match is None or not (match.group(1) or match.group(2)):
            return None
        hours = float(match.group(1).replace(",", ".")) if match.group(1) else 0.0
        total = round(hours * 60) + int(match.group(2) or 0)
    return total if 0 <= total <= 24 * 60 else None


# --- answers to content questions ------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    """What an option's label says about a number: "18-39", "Under 18", "60 or over",
    "About 5 min", "30 min or more"."""

    low: float
    high: float


_RANGE = re.compile(r"^(\d+)\s*[-–]\s*(\d+)\b")
_UNDER = re.compile(r"^(?:under|less than|below|fewer than)\s+(\d+)\b")
_OVER = re.compile(r"^(\d+)\s*(?:\+|(?:\w+\s+)?or\s+(?:over|more|older|above|longer))")
_ABOUT = re.compile(r"^(?:about|around|roughly)?\s*(\d+)\b")


def _span(value: str, label: str) -> _Span | None:
    text = clean(label)
    if match := _RANGE.match(text):
        return _Span(int(match.group(1)), int(match.group(2)))
    if match := _UNDER.match(text):
        return _Span(float("-inf"), int(match.group(1)) - 1)
    if match := _OVER.match(text):
        return _Span(int(match.group(1)), float("inf"))
    if match := _ABOUT.match(text):
        return _Span(int(match.group(1)), int(match.group(1)))
    if value.isdigit():  # "No run" is 0 minutes
        return _Span(int(value), int(value))
    return None


def answer_for(question: Question | KujalaItem, text: str) -> str | None:
    """The value of the option a typed answer means, or None to re-ask. Works for the
    assessment and check-in questions and for the knee score's items (all choices).

    In order: the option's own label or value ("None of these", "Not today"); for scales a
    pain score ("about 3 out of 10"); for yes/no questions a yes/no word ("yep"); for choices
    whose every label reads as a number or range (age bands, running minutes) the number typed
    ("I'm 34" -> "18_39", "45 minutes" -> "30"); everyday words for better / same / worse and
    "none of these"; and last the start of exactly one label ("gradually").
    """
    if len(text) > _MAX_CHARS:
        return None
    typed = clean(text)
    if not typed:
        return None
    kind = question.kind if isinstance(question, Question) else QuestionKind.CHOICE
    options = {clean(o.label): o.value for o in question.options}
    options.update({clean(o.value.replace("_", " ")): o.value for o in question.options})
    if kind is QuestionKind.SCALE:
        score = parse_pain(text)
        if score is not None and str(score) in options.values():
            return str(score)
    if typed in options:
        return options[typed]
    if kind is QuestionKind.YES_NO:
        answer = parse_yes_no(text)
        return None if answer is None else ("yes" if answer else "no")
    if kind is QuestionKind.CHOICE:
        for reading in (_numeric_answer, _synonym_answer, _label_start_answer):
            value = reading(question, text, typed)
            if value is not None:
                return value
    return None


def _numeric_answer(question: Question | KujalaItem, text: str, typed: str) -> str | None:
    spans = {o.value: _span(o.value, o.label) for o in question.options}
    if any(span is None for span in spans.values()):
        return None
    if any(re.search(rf"\b{_MINS}\b", clean(o.label)) for o in question.options):
        number = parse_minutes(text)
    elif question.id == "age":
        number = parse_age(text)
    else:
        number = parse_number(text)
    if number is None:
        return None
    usable = {
        value: span
        for value, span in spans.items()
        if span is not None and not (number > 0 and span.high == 0)  # 2 min ran is a run
    }

    def distance(span: _Span) -> float:
        return max(span.low - number, 0, number - span.high)

    if not usable:
        return None
    best = min(usable, key=lambda v: (distance(usable[v]), usable[v].low))
    # A number far from every option is not an answer to this question.
    return best if distance(usable[best]) <= max(5, number * 0.25) else None


def _synonym_answer(question: Question | KujalaItem, text: str, typed: str) -> str | None:
    softened = " ".join(_INTENSIFIERS.sub(" ", typed).split())
    found = {
        option.value
        for option in question.options
        if typed in _SYNONYMS.get(option.value, ()) or softened in _SYNONYMS.get(option.value, ())
    }
    return found.pop() if len(found) == 1 else None


def _label_start_answer(question: Question | KujalaItem, text: str, typed: str) -> str | None:
    if len(typed) < 3:
        return None
    found = {
        option.value
        for option in question.options
        if re.match(rf"{re.escape(typed)}\b", clean(option.label))
    }
    return found.pop() if len(found) == 1 else None

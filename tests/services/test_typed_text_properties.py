"""Whatever a person types, the readers answer calmly: no exception, and only real zones,
option values or times come back."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import load_content
from bot.services.answers import answer_for, parse_minutes, parse_yes_no
from bot.services.time_zones import MAX_CHOICES, ZoneAmbiguous, ZoneFound, find_zone
from conversations.input_checks import TimeRole, WhichTime, read_clock_time

CONTENT = load_content()
QUESTIONS = [*CONTENT.assessment, *CONTENT.checkin]
# Text people might type: letters, digits, the punctuation of times and offsets, and emoji.
typed = st.text(
    alphabet=st.sampled_from("abcdeimnoprstuy AEIMNOSTUY0123456789:./+-,'!?😀👍é"), max_size=30
) | st.text(max_size=30)


@settings(max_examples=300, deadline=None)
@given(typed)
def test_find_zone_only_gives_real_zones(text):
    result = find_zone(text)
    if isinstance(result, ZoneFound):
        ZoneInfo(result.choice.zone)
    elif isinstance(result, ZoneAmbiguous):
        assert 2 <= len(result.choices) <= MAX_CHOICES
        for choice in result.choices:
            ZoneInfo(choice.zone)


@settings(max_examples=300, deadline=None)
@given(typed, st.sampled_from(QUESTIONS))
def test_answers_are_option_values_or_none(text, question):
    assert answer_for(question, text) in {o.value for o in question.options} | {None}


@settings(max_examples=300, deadline=None)
@given(typed, st.sampled_from(list(TimeRole)))
def test_clock_readings_are_times_asks_or_none(text, role):
    result = read_clock_time(text, role, wake=time(7), sleep=time(23))
    assert result is None or isinstance(result, time | WhichTime)


@settings(max_examples=300, deadline=None)
@given(typed)
def test_small_parsers_never_fail(text):
    assert parse_yes_no(text) in (True, False, None)
    minutes = parse_minutes(text)
    assert minutes is None or 0 <= minutes <= 24 * 60

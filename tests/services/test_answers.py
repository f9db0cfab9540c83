"""Typed answers: yes/no words, ages, minutes, pain, and the option a typed answer means."""

from __future__ import annotations

import pytest

from bot.content import KujalaItem, Question, load_content
from bot.services.answers import (
    answer_for,
    parse_age,
    parse_minutes,
    parse_number,
    parse_pain,
    parse_yes_no,
)


@pytest.fixture(scope="module")
def questions() -> dict[str, Question | KujalaItem]:
    content = load_content()
    found: dict[str, Question | KujalaItem] = {f"assessment:{q.id}": q for q in content.assessment}
    found.update({f"checkin:{q.id}": q for q in content.checkin})
    found.update({f"kujala:{item.id}": item for item in content.kujala.items})
    return found


@pytest.mark.parametrize(
    "text",
    ["yes", "Yes", "YES!", "yep", "Yep 👍", "yeah", "y", "Y.", "sure", "correct", "that's right",
     "That’s right!", "thats right", "right", "ok", "Okay", "yesss", "yes yes", "👍",
     "Yes, that's right", "yup, correct", "  yes  ", "of course", "yes it is",
     "Yes that's right", "yes correct"],
)  # fmt: skip
def test_yes_words(text):
    assert parse_yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    ["no", "No.", "NO!!", "nope", "n", "N", "nah", "not really", "Not really...", "wrong",
     "Wrong 😕", "incorrect", "no, wrong", "nooo", "👎", "that's wrong", "not right",
     "no that's wrong", "No it isn't"],
)  # fmt: skip
def test_no_words(text):
    assert parse_yes_no(text) is False


@pytest.mark.parametrize(
    "text",
    ["", "maybe", "yes no", "no, but my knee locked", "yes, but it hurts", "I don't know",
     "london", "7", "😀", "yes " * 100],
)  # fmt: skip
def test_unclear_yes_no(text):
    assert parse_yes_no(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("34", 34), ("I'm 34", 34), ("i am 34", 34), ("thirty four", 34), ("thirty-four", 34),
     ("34 years old", 34), ("34yo", 34), ("Age: 34", 34), ("about 40", 40), ("sixty", 60),
     ("17", 17), ("34.5", None), ("34 or 35", None), ("old", None), ("", None)],
)  # fmt: skip
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("text", "value"), [("34", 34), ("0", None), ("150", None), ("I'm 120", 120)]
)
def test_parse_age(text, value):
    assert parse_age(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("45", 45), ("45 minutes", 45), ("45 min", 45), ("45mins", 45), ("45m", 45),
     ("about 45 minutes", 45), ("an hour", 60), ("1 hour", 60), ("one hour", 60), ("1h", 60),
     ("1h 15", 75), ("1h15", 75), ("1 hour 15 minutes", 75), ("1 hr and 15 min", 75),
     ("1:15", 75), ("1.5 hours", 90), ("1,5 h", 90), ("half an hour", 30),
     ("an hour and a half", 90), ("quarter of an hour", 15), ("twenty minutes", 20),
     ("forty-five min", 45), ("I ran for 20 minutes", 20), ("none", 0), ("no run", 0),
     ("didn't run", 0), ("0", 0), ("zero", 0),
     ("soon", None), ("45 or 50", None), ("", None), ("30 hours", None), ("20 km", None)],
)  # fmt: skip
def test_parse_minutes(text, value):
    assert parse_minutes(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("3", 3), ("3/10", 3), ("3 / 10", 3), ("3 out of 10", 3), ("about 3 out of 10", 3),
     ("pain is 3", 3), ("Pain is about 3 out of 10", 3), ("it's a 3", 3), ("three", 3),
     ("3 out of ten", 3), ("10/10", 10), ("0", 0), ("none", 0), ("maybe 4", 4),
     ("11", None), ("-1", None), ("7.5", None), ("7/5", None), ("3-4", None), ("😀", None),
     ("", None), ("3 and 4", None)],
)  # fmt: skip
def test_parse_pain(text, value):
    assert parse_pain(text) == value


@pytest.mark.parametrize(
    ("question", "text", "value"),
    [
        # ages to bands (labels "Under 18", "18-39", "40-59", "60 or over")
        ("assessment:age", "I'm 34", "18_39"), ("assessment:age", "34", "18_39"),
        ("assessment:age", "thirty four", "18_39"), ("assessment:age", "16", "under_18"),
        ("assessment:age", "18", "18_39"), ("assessment:age", "39", "18_39"),
        ("assessment:age", "40", "40_59"), ("assessment:age", "59", "40_59"),
        ("assessment:age", "60", "60_plus"), ("assessment:age", "I'm 72", "60_plus"),
        ("assessment:age", "40-59", "40_59"), ("assessment:age", "60 or over", "60_plus"),
        ("assessment:age", "150", None), ("assessment:age", "old", None),
        # running minutes ("No run", "About 5 min" ... "30 min or more")
        ("checkin:running_minutes", "45 minutes", "30"),
        ("checkin:running_minutes", "45 min", "30"),
        ("checkin:running_minutes", "an hour", "30"),
        ("checkin:running_minutes", "1h 15", "30"),
        ("checkin:running_minutes", "20", "20"),
        ("checkin:running_minutes", "about 10 minutes", "10"),
        ("checkin:running_minutes", "12 min", "10"),
        ("checkin:running_minutes", "2 minutes", "5"),
        ("checkin:running_minutes", "none", "0"),
        ("checkin:running_minutes", "no", "0"),
        ("checkin:running_minutes", "No run", "0"),
        ("checkin:running_minutes", "30 min or more", "30"),
        ("checkin:running_minutes", "a while", None),
        # pain scales, with their extra options
        ("checkin:pain_now", "about 3 out of 10", "3"),
        ("checkin:pain_now", "pain is 3", "3"), ("checkin:pain_now", "3/10", "3"),
        ("checkin:pain_now", "11", None),
        ("checkin:activity_pain", "I didn't exercise or run", "none"),
        ("checkin:activity_pain", "2", "2"),
        ("assessment:running_pain", "I haven't run recently", "no_recent_run"),
        # better / same / worse
        ("checkin:morning", "same", "same"), ("checkin:morning", "The same", "same"),
        ("checkin:morning", "about the same", "same"), ("checkin:morning", "no change", "same"),
        ("checkin:morning", "better", "better"), ("checkin:morning", "a bit better", "better"),
        ("checkin:morning", "Worse!", "worse"), ("checkin:morning", "much worse", "worse"),
        ("checkin:morning", "fine", None),
        # yes/no questions, whatever their labels
        ("checkin:swelling", "yes", "yes"), ("checkin:swelling", "nope", "no"),
        ("checkin:exercises_done", "yep", "yes"), ("checkin:exercises_done", "Not today", "no"),
        ("assessment:urgent_signs", "no", "no"),
        ("assessment:urgent_signs", "None of these", "no"),
        ("assessment:urgent_signs", "nope", "no"), ("assessment:urgent_signs", "maybe", None),
        ("assessment:typical", "yep", "yes"), ("assessment:typical", "not quite", "no"),
        # "none of these" questions
        ("checkin:red_flags", "none", "none"), ("checkin:red_flags", "no", "none"),
        ("checkin:red_flags", "None of these", "none"), ("checkin:red_flags", "nothing", "none"),
        ("assessment:clinician_signs", "nope", "none"),
        ("checkin:red_flags", "no, but it locked", None),
        # the start of exactly one label
        ("assessment:onset", "gradually", "gradual"), ("assessment:onset", "Suddenly", "sudden"),
        ("assessment:aggravating", "running", "running"),
        ("assessment:aggravating", "stairs", None),
        # yes/no is not clear where two labels start with it
        ("assessment:flare", "yes", None), ("assessment:flare", "no", "no"),
        ("assessment:flare", "Yes, it's swollen", "swollen"),
        ("assessment:course", "5", None),
        # the knee score's items are choices too
        ("kujala:limp", "no", "none"), ("kujala:limp", "Slightly", "slight"),
        ("kujala:support", "No", "impossible"), ("kujala:support", "yes", None),
    ],
)  # fmt: skip
def test_answer_for(questions, question, text, value):
    assert answer_for(questions[question], text) == value


def test_every_answer_is_an_option_value(questions):
    for question in questions.values():
        values = {option.value for option in question.options}
        for text in ("yes", "no", "none", "same", "34", "45 minutes", "3/10", "x"):
            assert answer_for(question, text) in values | {None}

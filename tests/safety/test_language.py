"""Messages in other languages are recognised; short or misspelled English is still English."""

from __future__ import annotations

import pytest

from bot.coaching.screening.language import is_probably_english


@pytest.mark.parametrize(
    "text",
    [
        "ok",
        "yes",
        "7",
        "👍",
        "knee gve way",
        "cant bare weight on it",
        "kne gve way n swolen cant bare wieght on it since yday",
        "No locking, giving way or numbness",
        "knee hurts after parkrun, pain 4/10 on the stairs",
        "hola",  # too short to judge: English, so the screen still runs
    ],
)
def test_english_and_too_short_to_judge(text: str) -> None:
    assert is_probably_english(text)


@pytest.mark.parametrize(
    "text",
    [
        "mi rodilla está hinchada y tengo fiebre",
        "mon genou est gonflé et j'ai de la fièvre",
        "mein Knie ist geschwollen und ich habe Fieber",
        "il mio ginocchio è gonfio e fa male",
        "meu joelho está inchado e dói muito",
        "mijn knie is opgezwollen en doet pijn",
        "моё колено опухло",
        "मेरे घुटने में दर्द है",
        "我的膝盖肿了",
    ],
)
def test_other_languages(text: str) -> None:
    assert not is_probably_english(text)

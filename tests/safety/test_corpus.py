"""The screen measured on the labelled corpus, and the tricky categories as tables.

The corpus test prints recall per urgency and the false-alarm rate for the tuning part and
the held-out part (never tuned on), and fails when emergency or same-day recall drops below
100% or more than 2% of ordinary messages would reach a referral without confirmation.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.coaching.screening import Urgency, screen
from bot.coaching.screening.content import screening_content
from tests.safety import corpus

MAX_FALSE_ALARM_RATE = 0.02
MUST_CATCH_ALL = (Urgency.EMERGENCY, Urgency.SAME_DAY)


@pytest.mark.parametrize(
    ("title", "path"), [("tuning", corpus.TUNING), ("held out", corpus.HELD_OUT)]
)
def test_corpus_recall_and_false_alarms(
    title: str, path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    score = corpus.score(corpus.load(path), screen)
    with capsys.disabled():
        print("\n" + "\n".join(score.lines(f"screening corpus, {title}")))
    failures = [m for m in score.misses if not m.startswith(("stage", "confirm"))]
    for urgency in MUST_CATCH_ALL:
        assert score.recall(urgency) == 1.0, "\n".join(failures)
    assert score.false_alarm_rate <= MAX_FALSE_ALARM_RATE, "\n".join(failures)


def test_the_corpus_is_big_enough_and_labels_known_signs() -> None:
    cases = corpus.load(corpus.TUNING) + corpus.load(corpus.HELD_OUT)
    signs = {sign.id for sign in screening_content().signs}
    assert len(cases) >= 400
    assert sum(1 for c in cases if c.sign is None) >= 150
    assert {c.sign for c in cases if c.sign is not None} == signs
    texts = [c.text.lower() for c in cases]
    assert len(texts) == len(set(texts)), "a phrasing is listed twice"


def _stage(text: str, sign: str | None) -> str:
    return corpus.stage_of(screen(text), sign)


@pytest.mark.parametrize(
    "text",
    [
        "No locking, giving way or numbness",
        "without any swelling or fever",
        "zero swelling",
        "0 swelling, no fever",
        "knee didn't lock or give way at all",
        "never had any numbness or tingling",
    ],
)
def test_negated_lists_refer_nobody(text: str) -> None:
    assert _stage(text, None) == "none"


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("I'm not sure it locked, it just felt stuck", "locking"),
        ("maybe it gave way? not sure", "giving_way"),
        ("I think my kneecap might have moved", "kneecap_dislocation"),
        ("can barely walk today", "cannot_bear_weight"),
    ],
)
def test_hedges_ask_one_question_instead_of_negating(text: str, sign: str) -> None:
    assert _stage(text, sign) == "confirm"


@pytest.mark.parametrize(
    "text",
    [
        "locked once, two years ago",
        "my knee gave way years ago skiing",
        "I dislocated my kneecap when I was 12",
        "had a fever last year",
    ],
)
def test_the_past_is_not_a_warning_now(text: str) -> None:
    assert _stage(text, None) == "none"


@pytest.mark.parametrize(
    "text",
    [
        "my friend's knee locked",
        "my wife's knee gave way",
        "my dad had a blood clot in his calf",
        "my son is 15 and also runs",
    ],
)
def test_other_people_are_not_the_user(text: str) -> None:
    assert _stage(text, None) == "none"


def test_the_users_own_knee_after_someone_else_still_counts() -> None:
    assert _stage("my friend came round and my knee locked", "locking") == "explicit"


@pytest.mark.parametrize(
    "text",
    [
        "the ice made my knee numb",
        "the bandage made my toes tingle",
        "bandage was too tight and my foot tingled",
        "foot cold after the ice pack",
    ],
)
def test_effects_of_our_own_advice_are_expected(text: str) -> None:
    assert _stage(text, None) == "none"


def test_numbness_without_the_ice_is_new_numbness() -> None:
    assert _stage("my foot has gone numb and i havent iced it", "new_numbness") == "explicit"


@pytest.mark.parametrize(
    "text",
    [
        "short of breath after the intervals",
        "out of breath on the hills",
        "it was so hot today",
        "felt sick after the intervals",
    ],
)
def test_heat_effort_and_breathlessness_in_training_are_normal(text: str) -> None:
    assert _stage(text, None) == "none"


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("chest pain since this morning", "calf_clot"),
        ("my calf is swollen and I feel short of breath", "calf_clot"),
        ("i'm suddenly breathless at rest", "calf_clot"),
    ],
)
def test_breathlessness_not_explained_by_exercise_refers_at_once(text: str, sign: str) -> None:
    assert _stage(text, sign) == "explicit"


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("knee gve way", "giving_way"),
        ("cant bare weight on it", "cannot_bear_weight"),
        ("hot n swolen knee, got a temprature", "hot_swollen_fever"),
        ("my knee lockd up", "locking"),
        ("pins and needels in my foot", "new_numbness"),
    ],
)
def test_misspellings_are_read(text: str, sign: str) -> None:
    assert _stage(text, sign) != "none"


@pytest.mark.parametrize(
    "text",
    [
        "I can't walk down stairs without pain",
        "got stuck in traffic",
        "I locked the door",
        "bit of a cold so skipped training",
        "I looked at my knee and it was fine",
    ],
)
def test_everyday_words_that_look_like_warnings(text: str) -> None:
    assert _stage(text, None) == "none"


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("hot swollen knee, temp of 39", Urgency.EMERGENCY),
        ("my knee locked and won't straighten", Urgency.SAME_DAY),
        ("I wake up in the night with knee pain", Urgency.CLINICIAN_SOON),
        ("I'm 15 years old", Urgency.OUTSIDE_PATHWAY),
    ],
)
def test_each_tier_has_its_urgency(text: str, urgency: Urgency) -> None:
    found = screen(text).refer_now
    assert found is not None
    assert found.urgency is urgency


def test_giving_way_alone_is_confirmed_but_with_swelling_refers() -> None:
    alone = screen("my knee gave way on the stairs")
    assert alone.refer_now is None
    assert alone.to_confirm is not None
    assert alone.to_confirm.sign == "giving_way"
    assert alone.to_confirm.question.endswith("?")
    swollen = screen("my knee gave way and swelled up")
    assert swollen.refer_now is not None
    assert swollen.refer_now.sign == "giving_way"


def test_the_most_urgent_finding_comes_first() -> None:
    result = screen("I fell off my bike yesterday and my kneecap popped out")
    assert result.refer_now is not None
    assert result.refer_now.sign == "kneecap_dislocation"
    assert "recent_trauma" in {f.sign for f in result.explicit}


def test_an_empty_message_is_clear() -> None:
    assert screen("").clear
    assert screen("   ").clear


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("not too bad, but my kneecap popped out earlier", "kneecap_dislocation"),
        ("I don't think it's broken but I can't put weight on it", "cannot_bear_weight"),
        ("Never had this before: my knee is locked", "locking"),
        ("no swelling and then it locked on the stairs", "locking"),
    ],
)
def test_a_negation_stops_at_a_contrast_or_a_new_clause(text: str, sign: str) -> None:
    assert _stage(text, sign) == "explicit"


ISSUE_9_EXAMPLES = {
    # missed by the old screen
    "it hurts even when I'm lying still": "night_rest_pain",
    "still no better after a month of doing the exercises": "no_improvement",
    "I fell off my bike and landed on my knee yesterday": "recent_trauma",
    "I'm 15 years old": "under_18",
    "I can barely walk today": "cannot_bear_weight",
    "cant bare weight on it": "cannot_bear_weight",
    "knee gve way": "giving_way",
    "my knee went from under me": "giving_way",
    "heard a pop and it swelled up within an hour": "swelling_after_injury",
    "hot swollen knee, temp of 39": "hot_swollen_fever",
    "I wake up in the night with knee pain": "night_rest_pain",
    "I've lost 5 kg without trying": "weight_loss_fever",
    "knee cap moved to the side": "kneecap_dislocation",
    "I'm not sure it locked, it just felt stuck": "locking",
    "my knee locked and won't straighten": "locking",
    # wrongly referred by the old screen, or negated, in the past, someone else's
    "I can't walk down stairs without pain": "none",
    "the ice made my knee numb": "none",
    "the bandage made my toes tingle": "none",
    "short of breath after the intervals": "none",
    "got stuck in traffic": "none",
    "I locked the door": "none",
    "it was so hot today": "none",
    "No locking, giving way or numbness": "none",
    "without any swelling or fever": "none",
    "locked once, two years ago": "none",
    "my friend's knee locked": "none",
    "zero swelling": "none",
}


def test_every_example_quoted_in_issue_9_is_in_the_corpus_with_its_label() -> None:
    labels = {c.text: c.sign or "none" for c in corpus.load(corpus.TUNING)}
    assert {text: labels.get(text) for text in ISSUE_9_EXAMPLES} == ISSUE_9_EXAMPLES

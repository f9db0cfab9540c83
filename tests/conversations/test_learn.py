"""Education cards: /learn lists them all and opens each with its sources (through the fake Bot
API); the pure rules that pick a card for the day; and the use case that hands it out once a
local day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.content import get_content
from bot.content.kinds import RuleId, Stage
from bot.content.texts import get_texts
from bot.services import education
from bot.services.education import (
    FIRST_DAYS_CARDS,
    FIRST_DAYS_CARDS_IN_PRICE,
    LOAD_CARD,
    PAIN_RULES_CARD,
    DueCard,
    Moment,
    Situation,
    choose_card,
)
from bot.storage.models import CheckinRecord
from conversations.learn import card_text
from conversations.safety import sources_line
from tests.conversations.checkin.journeys import FLARED, PHASE1, runner_with_plan

CARDS = get_content().education


async def test_learn_lists_every_card_and_opens_each_with_its_sources(harness):
    user = harness.user(1300)
    await user.send("/learn")
    listing = user.last
    assert listing.text.startswith("Short cards on runner's knee")
    assert listing.button_labels == [c.title for c in CARDS]
    for card in CARDS:
        await user.press(card.title, listing)
        opened = user.telegram.message(listing.chat_id, listing.message_id)
        assert opened is not None
        assert (
            opened.text
            == f"{card.title}\n\n{card.body}\n\nSources: {sources_line(card.references)}"
        )
        assert opened.button_labels == ["« All cards"]
        await user.press("« All cards", opened)
        assert opened.button_labels == [c.title for c in CARDS]
    assert len(user.messages) == 1  # one message, opened and closed in place


async def test_a_card_no_longer_in_content_answers_with_the_list(harness):
    user = harness.user(1301)
    await user.send("/learn")
    await user.press_data("learn:open:gone_card", user.last)
    assert (
        user.telegram.callback_answers[-1].text
        == "That card is no longer here - here are the others."
    )
    assert user.last.button_labels == [c.title for c in CARDS]


async def test_a_malformed_learn_press_is_a_stale_button(harness):
    user = harness.user(1302)
    await user.press_data("learn:open")
    assert "older message" in str(user.telegram.callback_answers[-1].text)


# --- the rules --------------------------------------------------------------------------------


def at(stage: Stage = Stage.PHASE1, plan_day: int | None = 10, **kw: bool) -> Situation:
    values = {"holds_today": False, "held_before": False, "gate_due": False,
              "gate_asked_before": False, **kw}  # fmt: skip
    return Situation(stage=stage, plan_day=plan_day, **values)


def test_the_first_days_bring_one_short_card_a_day():
    assert [choose_card(at(plan_day=n)) for n in range(4)] == [
        *(DueCard(Moment.FIRST_DAYS, c) for c in FIRST_DAYS_CARDS),
        None,
    ]
    assert choose_card(at(Stage.PRICE, plan_day=1)) == DueCard(
        Moment.FIRST_DAYS, FIRST_DAYS_CARDS_IN_PRICE[1]
    )
    assert FIRST_DAYS_CARDS_IN_PRICE[1] == "ice_is_comfort"
    assert choose_card(at(plan_day=None)) is None


def test_the_pain_rules_card_comes_the_first_time_the_plan_holds():
    assert choose_card(at(holds_today=True)) == DueCard(Moment.PLAN_HOLDS, PAIN_RULES_CARD)
    assert choose_card(at(holds_today=True, held_before=True)) is None
    # Even in the first days the pain rules come first when the plan holds.
    assert choose_card(at(plan_day=1, holds_today=True)).card_id == PAIN_RULES_CARD


def test_the_load_card_comes_before_the_return_to_running():
    assert choose_card(at(Stage.PHASE2, gate_due=True)) == DueCard(Moment.BEFORE_RUNNING, LOAD_CARD)
    assert choose_card(at(Stage.PHASE2, gate_due=True, gate_asked_before=True)) is None
    assert "load" in next(c for c in CARDS if c.id == LOAD_CARD).body


def test_no_card_while_the_programme_is_paused():
    assert choose_card(at(Stage.REFERRED, plan_day=0, holds_today=True)) is None


def test_every_card_the_rules_name_is_in_the_content():
    named = {*FIRST_DAYS_CARDS, *FIRST_DAYS_CARDS_IN_PRICE, PAIN_RULES_CARD, LOAD_CARD}
    assert named <= {c.id for c in CARDS}


# --- the use case -------------------------------------------------------------------------------


@pytest.mark.parametrize(("answers", "cards"), [(PHASE1, FIRST_DAYS_CARDS),
                                                (FLARED, FIRST_DAYS_CARDS_IN_PRICE)])  # fmt: skip
async def test_a_card_a_day_for_the_first_days_each_once(harness, db, clock, answers, cards):
    user = harness.user(1310)
    texts = get_texts()

    def shown(card_id: str) -> str:
        found = education.card(card_id)
        assert found is not None
        return card_text(found, texts)

    await runner_with_plan(user, answers)
    # Day 0: the knee check ends with today's plan, and the first card comes with it.
    assert user.messages[-2].text.startswith("Today")
    assert user.last_text == shown(cards[0])
    assert user.last.button_labels == [texts.progress.learn.back]
    for day in (1, 2):
        clock.advance(timedelta(days=1))
        await user.send("/plan")
        assert user.messages[-2].text.startswith("Today")
        assert user.last_text == shown(cards[day])
        await user.send("/plan")  # once a day: the plan alone
        assert user.last_text.startswith("Today")
        assert user.messages[-2].text == shown(cards[day])
    clock.advance(timedelta(days=1))
    await user.send("/plan")  # the first days are over
    assert user.last_text.startswith("Today")
    assert user.messages[-2].text.startswith("Today")
    with db.session() as s:  # and the use case agrees: nothing more today
        assert education.card_for_today(s, 1310, clock.now()) is None


async def test_the_first_hold_brings_the_pain_rules(harness, db, clock):
    user = harness.user(1311)
    await runner_with_plan(user, PHASE1)
    clock.advance(timedelta(days=5))
    today = date(2026, 3, 9)
    with db.session() as s:
        s.add(
            CheckinRecord(
                user_id=1311,
                local_date=today,
                pain_now=2,
                worst_pain_24h=4,
                rule_id=RuleId.ACTIVITY_PAIN_HOLD.value,
                completed_at=clock.now(),
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    with db.session() as s:
        assert education.card_for_today(s, 1311, clock.now()).id == PAIN_RULES_CARD
    clock.advance(timedelta(days=1))
    with db.session() as s:
        assert education.card_for_today(s, 1311, clock.now()) is None


async def test_no_card_before_consent(harness, db, clock):
    harness.user(1312)
    with db.session() as s:
        assert education.card_for_today(s, 1312, clock.now()) is None

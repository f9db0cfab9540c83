"""Red flags win: the one place typed text is screened and turned into a referral.

Every flow hands typed text (new or edited) to `screen_text` before reading it as an answer.
The screen (bot/coaching/screening) works in two stages: an explicit warning sign ("my knee
locked and won't straighten") refers at once; a likely but unclear one gets one confirming
question with Yes / No / Not sure buttons, where Yes or Not sure refer and No carries on
exactly where the user was (conversations/safety_confirm.py). A referral says how urgent it is
and where to go in the user's country (from their time zone), is recorded (only with consent),
and pauses the plan and its reminders.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from enum import Enum

from sqlmodel import Session
from telegram import InlineKeyboardMarkup, Message, ReplyKeyboardRemove, Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.coaching.screening import (
    Finding,
    Route,
    Urgency,
    care_route,
    finding_for,
    is_probably_english,
    screen,
)
from bot.coaching.triage import most_serious
from bot.content import Content, RedFlag, get_content
from bot.content.texts import get_texts
from bot.services.onboarding import has_consented, zone_of
from bot.services.plans import refer
from bot.telegram.callback_data import StaleButtonError, callback, pressed
from bot.telegram.context import Context, Services, services
from bot.telegram.keyboards import drop_buttons, inline

log = logging.getLogger(__name__)

CONFIRM = "safe"  # callback namespace of the confirming question: safe:<answer>:<sign>


class Screened(Enum):
    """What screening a message did: nothing, asked to confirm, or referred."""

    CLEAR = "clear"
    CONFIRMING = "confirming"
    REFERRED = "referred"


def sources_line(reference_ids: Iterable[str], content: Content | None = None) -> str:
    """Reference short names, unique, in first-cited order."""
    content = content or get_content()
    seen: dict[str, None] = {}
    for ref in reference_ids:
        if ref in content.references:
            seen.setdefault(content.references[ref].short, None)
    return "; ".join(seen)


def where_to_go(urgency: Urgency, route: Route) -> str:
    """The route that fits the urgency, in the user's country."""
    care = route.care
    if urgency is Urgency.EMERGENCY:
        return care.emergency
    if urgency is Urgency.SAME_DAY:
        return care.same_day
    return care.routine


def referral_text(
    flags: Sequence[RedFlag],
    urgency: Urgency,
    route: Route,
    *,
    intro: str,
    reason: str | None = None,
    references: Iterable[str] = (),
    content: Content | None = None,
) -> str:
    """The one referral message, wherever a warning sign was raised (typed text, the knee
    check, the daily check-in, the knee score): why the coach stopped (`intro`), the tier's
    heading, what the sign means (`reason`, or each flag's message), where to go in the
    user's country, what happens to the programme, and the sources."""
    content = content or get_content()
    tier = content.tiers[urgency.tier]
    body = [reason] if reason is not None else [content.render(f.message) for f in flags]
    sources = sources_line(
        [*references, *(r for f in flags for r in f.references), *tier.references], content
    )
    return "\n\n".join(
        [
            intro,
            tier.title,
            *body,
            where_to_go(urgency, route),
            tier.action,
            get_texts().flows.referral.source_line.format(sources=sources),
        ]
    )


async def route_of(svc: Services, user_id: int) -> Route:
    """Where this user should go for care: the country of their time zone (112 elsewhere)."""
    zone = await svc.db.run(lambda session: zone_of(session, user_id))
    return care_route(zone)


async def refer_for(update: Update, context: Context, finding: Finding) -> None:
    """Refer for a warning sign typed: record it (with consent), pause the plan, say where
    to go."""
    flag = get_content().red_flags[finding.red_flag]
    intro = get_texts().flows.referral.free_text_intro
    await _refer(update, context, [flag], finding.urgency, "free_text", intro)


async def refer_for_pressed(
    update: Update, context: Context, flags: Sequence[RedFlag], source: str
) -> None:
    """Refer for warning signs pressed on an old message (a question already answered or a
    flow already over) as if typed: a warning sign counts wherever it is given."""
    worst = most_serious(flags)
    assert worst is not None
    intro = get_texts().flows.referral.pressed_intro
    await _refer(update, context, flags, Urgency.of(worst.tier), source, intro)


async def _refer(
    update: Update,
    context: Context,
    flags: Sequence[RedFlag],
    urgency: Urgency,
    source: str,
    intro: str,
) -> None:
    """Record the referral (with consent), pause the plan, say where to go."""
    user = update.effective_user
    message = update.effective_message
    assert user is not None
    assert message is not None
    user_id = user.id
    svc = services(context)
    now = svc.clock.now()

    def record(session: Session) -> str | None:
        # Without consent nothing about their health is stored; the advice is given anyway.
        if has_consented(session, user_id):
            refer(session, user_id, urgency.tier, [f.id for f in flags], source, now)
        return zone_of(session, user_id)

    zone = await svc.db.run(record)
    text = referral_text(flags, urgency, care_route(zone), intro=intro)
    await message.reply_text(text, reply_markup=ReplyKeyboardRemove())
    # A health fact: logged as an event to count, never next to who it was.
    log.info("red flag source=%s urgency=%s", source, urgency.value)


async def _ask_to_confirm(message: Message, finding: Finding) -> None:
    copy = get_texts().flows.referral
    buttons = [
        (copy.confirm_yes, callback(CONFIRM, "yes", finding.sign)),
        (copy.confirm_no, callback(CONFIRM, "no", finding.sign)),
        (copy.confirm_unsure, callback(CONFIRM, "unsure", finding.sign)),
    ]
    await message.reply_text(finding.question, reply_markup=inline([buttons]))


async def screen_text(update: Update, context: Context, text: str) -> Screened:
    """Screen typed text: refer on an explicit warning sign, ask about an unclear one; text
    in another language gets the urgent signs as buttons, so a warning can still be given."""
    if not text.strip():
        return Screened.CLEAR
    screening = screen(text)
    message = update.effective_message
    assert message is not None
    if screening.refer_now is not None:
        await refer_for(update, context, screening.refer_now)
        return Screened.REFERRED
    if screening.to_confirm is not None:
        await _ask_to_confirm(message, screening.to_confirm)
        return Screened.CONFIRMING
    if not is_probably_english(text):
        await message.reply_text(
            get_texts().flows.referral.not_english, reply_markup=warning_sign_keyboard()
        )
        return Screened.CONFIRMING  # nothing read as an answer; a tap on a sign refers
    return Screened.CLEAR


def warning_sign_keyboard() -> InlineKeyboardMarkup:
    """The urgent signs as buttons; a tap is a "Yes" to that sign's confirming question."""
    labels = get_texts().flows.referral.sign_buttons
    return inline([[(label, callback(CONFIRM, "yes", sign))] for sign, label in labels.items()])


async def answer_to_confirmation(update: Update, context: Context) -> Screened:
    """A press on the confirming question: Yes or Not sure refer (REFERRED); No says so and
    changes nothing (CLEAR), so the caller carries on where the user was."""
    press = pressed(update)
    if press.action not in ("yes", "no", "unsure"):
        raise StaleButtonError
    finding = finding_for(press.text(0))
    if finding is None:
        raise StaleButtonError
    query = update.callback_query
    assert query is not None
    await query.answer()
    await drop_buttons(query.message)
    if press.action == "no":
        assert update.effective_message is not None
        await update.effective_message.reply_text(get_texts().flows.referral.carry_on)
        return Screened.CLEAR
    await refer_for(update, context, finding)
    return Screened.REFERRED


async def screen_stray_text(update: Update, context: Context) -> None:
    """Outside any flow: a message that mentions a warning sign gets the referral or the
    confirming question."""
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    await screen_text(update, context, message.text)


class _MentionsWarningSign(filters.MessageFilter):
    """Text (new or edited) in which the screen finds a warning sign, clear or not - or that
    the screen cannot read, being in another language."""

    def filter(self, message: Message) -> bool:
        text = message.text or ""
        return bool(text) and (not screen(text).clear or not is_probably_english(text))


MENTIONS_WARNING_SIGN = _MentionsWarningSign(name="MentionsWarningSign")


def stray_text_handler() -> BaseHandler[Update, Context, None]:
    """Catch warning signs in text no flow claimed; registered before the generic fallbacks."""
    return MessageHandler(MENTIONS_WARNING_SIGN & ~filters.COMMAND, screen_stray_text)
